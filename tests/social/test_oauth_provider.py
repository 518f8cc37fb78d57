"""The local OAuth provider refuses what Google and GitHub refuse, so a flow that passes
against it has really done the checks."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
import requests

from marketplace.devtools.oauth_provider import (
    DEMO_GITHUB_CLIENT,
    DEMO_GOOGLE_CLIENT,
    Identity,
    LocalOAuthProvider,
)

CALLBACK = "http://localhost/callback/"


@pytest.fixture(scope="module")
def provider() -> Iterator[LocalOAuthProvider]:
    provider = LocalOAuthProvider().start()
    yield provider
    provider.stop()


def authorize(provider: LocalOAuthProvider, path: str, **extra: str) -> str:
    client_id = DEMO_GOOGLE_CLIENT[0] if path.startswith("/o/") else DEMO_GITHUB_CLIENT[0]
    params = {"client_id": client_id, "redirect_uri": CALLBACK, "state": "st", **extra}
    params.setdefault("response_type", "code")
    response = requests.get(
        f"{provider.url}{path}?{urlencode(params)}", allow_redirects=False, timeout=5
    )
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["state"] == ["st"]
    return query["code"][0]


def google_token(provider: LocalOAuthProvider, code: str, **overrides: str) -> requests.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "client_id": DEMO_GOOGLE_CLIENT[0],
        "client_secret": DEMO_GOOGLE_CLIENT[1],
        **overrides,
    }
    return requests.post(f"{provider.url}/token", data=form, timeout=5)


def test_google_code_exchange_gives_a_signed_id_token_and_userinfo(provider):
    provider.identity = Identity(subject="77", email="g@example.test", name="Gee Person")
    code = authorize(provider, "/o/oauth2/v2/auth", nonce="n-1")

    answer = google_token(provider, code).json()

    jwks = requests.get(f"{provider.url}/oauth2/v3/certs", timeout=5).json()
    key = jwt.PyJWK(jwks["keys"][0]).key
    claims = jwt.decode(
        answer["id_token"], key, algorithms=["RS256"], audience=DEMO_GOOGLE_CLIENT[0]
    )
    assert claims["iss"] == provider.url
    assert (claims["sub"], claims["email"], claims["email_verified"]) == (
        "77",
        "g@example.test",
        True,
    )
    assert claims["nonce"] == "n-1"
    info = requests.get(
        f"{provider.url}/v1/userinfo",
        headers={"Authorization": f"Bearer {answer['access_token']}"},
        timeout=5,
    ).json()
    assert info["email"] == "g@example.test"
    assert info["name"] == "Gee Person"


def test_a_code_works_once(provider):
    code = authorize(provider, "/o/oauth2/v2/auth")
    assert google_token(provider, code).status_code == 200

    again = google_token(provider, code)

    assert again.status_code == 400
    assert again.json() == {"error": "invalid_grant"}


def test_a_wrong_secret_is_refused(provider):
    code = authorize(provider, "/o/oauth2/v2/auth")

    answer = google_token(provider, code, client_secret="guess")

    assert answer.status_code == 401
    assert answer.json() == {"error": "invalid_client"}


def test_another_redirect_uri_is_refused(provider):
    code = authorize(provider, "/o/oauth2/v2/auth")

    answer = google_token(provider, code, redirect_uri="http://localhost/elsewhere/")

    assert answer.status_code == 400
    assert answer.json() == {"error": "invalid_grant"}


def test_pkce_verifier_must_match_the_challenge(provider):
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    code_challenge = challenge.rstrip(b"=").decode()
    wrong = authorize(
        provider, "/o/oauth2/v2/auth", code_challenge=code_challenge, code_challenge_method="S256"
    )
    right = authorize(
        provider, "/o/oauth2/v2/auth", code_challenge=code_challenge, code_challenge_method="S256"
    )

    assert google_token(provider, wrong, code_verifier="x" * 50).status_code == 400
    assert google_token(provider, right, code_verifier=verifier).status_code == 200


def test_an_unknown_client_is_not_redirected(provider):
    response = requests.get(
        f"{provider.url}/login/oauth/authorize?client_id=nope&redirect_uri={CALLBACK}",
        allow_redirects=False,
        timeout=5,
    )

    assert response.status_code == 400
    assert response.text == "unknown client_id"


def test_github_answers_like_github(provider):
    provider.identity = Identity(subject="5", email="h@example.test", email_verified=False)
    code = authorize(provider, "/login/oauth/authorize")

    bad = requests.post(
        f"{provider.url}/login/oauth/access_token",
        data={"code": code, "client_id": DEMO_GITHUB_CLIENT[0], "client_secret": "guess"},
        headers={"Accept": "application/json"},
        timeout=5,
    )
    assert (bad.status_code, bad.json()) == (200, {"error": "invalid_client"})
    code = authorize(provider, "/login/oauth/authorize")
    token = requests.post(
        f"{provider.url}/login/oauth/access_token",
        data={
            "code": code,
            "client_id": DEMO_GITHUB_CLIENT[0],
            "client_secret": DEMO_GITHUB_CLIENT[1],
            "redirect_uri": CALLBACK,
        },
        timeout=5,
    )
    access_token = parse_qs(token.text)["access_token"][0]  # form-encoded without Accept
    headers = {"Authorization": f"token {access_token}"}

    user = requests.get(f"{provider.url}/api/v3/user", headers=headers, timeout=5).json()
    emails = requests.get(f"{provider.url}/api/v3/user/emails", headers=headers, timeout=5)

    assert (user["id"], user["login"]) == (5, "h")
    assert emails.json() == [
        {"email": "h@example.test", "primary": True, "verified": False, "visibility": "public"}
    ]
    assert requests.get(f"{provider.url}/api/v3/user", timeout=5).status_code == 401


def test_the_interactive_consent_page_signs_in_whoever_is_typed():
    provider = LocalOAuthProvider(interactive=True).start()
    try:
        query = urlencode(
            {"client_id": DEMO_GITHUB_CLIENT[0], "redirect_uri": CALLBACK, "state": "st"}
        )
        url = f"{provider.url}/login/oauth/authorize?{query}"
        page = requests.get(url, allow_redirects=False, timeout=5)
        assert page.status_code == 200
        assert '<input type="email" name="email" value="octo@example.test" required>' in page.text

        answer = requests.post(
            url,
            data={"email": "ada@shopper.example", "name": "Ada", "decision": "allow"},
            allow_redirects=False,
            timeout=5,
        )

        assert answer.status_code == 302
        code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
        token = requests.post(
            f"{provider.url}/login/oauth/access_token",
            data={
                "code": code,
                "client_id": DEMO_GITHUB_CLIENT[0],
                "client_secret": DEMO_GITHUB_CLIENT[1],
                "redirect_uri": CALLBACK,
            },
            headers={"Accept": "application/json"},
            timeout=5,
        ).json()
        emails = requests.get(
            f"{provider.url}/api/v3/user/emails",
            headers={"Authorization": f"token {token['access_token']}"},
            timeout=5,
        ).json()
        # The checkbox was left unticked: GitHub has not verified the address.
        assert emails == [
            {
                "email": "ada@shopper.example",
                "primary": True,
                "verified": False,
                "visibility": "public",
            }
        ]
        cancelled = requests.post(
            url, data={"decision": "cancel"}, allow_redirects=False, timeout=5
        )
        assert parse_qs(urlsplit(cancelled.headers["Location"]).query) == {
            "error": ["access_denied"],
            "state": ["st"],
        }
    finally:
        provider.stop()
