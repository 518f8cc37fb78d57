"""A local stand-in for Google (OpenID Connect) and GitHub (OAuth 2) sign-in, on loopback.

Tests and `make run` point allauth at it by configuration (GOOGLE_OIDC_URL, GITHUB_URL), so
the real redirect flow runs end to end with no network: the browser (or the test) is sent
to `authorize`, comes back to our callback with a code, and our server exchanges the code
and reads the profile over HTTP, exactly as it would with Google or GitHub.

What it speaks, one server for both:

- OpenID Connect (what allauth's `openid_connect` provider calls for Google):
  `/.well-known/openid-configuration`, `/o/oauth2/v2/auth`, `/token` (answers an RS256
  `id_token` too), `/v1/userinfo`, `/oauth2/v3/certs` (the JWKS).
- GitHub, as allauth calls it with `GITHUB_URL` set (GitHub Enterprise layout):
  `/login/oauth/authorize`, `/login/oauth/access_token`, `/api/v3/user`,
  `/api/v3/user/emails`.

The token endpoints check the client id and secret, that the code was issued to that
client for that redirect URI and is used once, and the PKCE verifier when a challenge was
sent. Who signs in is `provider.identity`, settable at any time; None answers as if the
person pressed "Cancel". With `interactive=True` (for `make run`) `authorize` shows a small
consent page where you type the email instead.

Run it alone: `python -m marketplace.devtools.oauth_provider --port 8765`.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import json
import secrets
import threading
import time
from dataclasses import dataclass, replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from marketplace.devtools.loopback import LoopbackHTTPServer

GOOGLE = "google"
GITHUB = "github"
TOKEN_LIFETIME = 3600

# The clients `make run` and the tests register; real client ids never reach this server.
DEMO_GOOGLE_CLIENT = ("google-local-client", "google-local-secret")
DEMO_GITHUB_CLIENT = ("github-local-client", "github-local-secret")


@dataclass(frozen=True)
class Identity:
    """The person who signs in at the provider."""

    subject: str  # Google's `sub`; GitHub's numeric user `id`, so digits only there
    email: str
    email_verified: bool = True
    name: str = ""
    login: str = ""  # GitHub user name; derived from the email when empty


@dataclass(frozen=True)
class _Grant:
    """What an authorization code (and then an access token) stands for."""

    protocol: str
    client_id: str
    redirect_uri: str
    identity: Identity
    nonce: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None


DEFAULT_IDENTITY = Identity(
    subject="4242", email="octo@example.test", name="Octo Cat", login="octocat"
)


class LocalOAuthProvider(LoopbackHTTPServer):
    """A threaded HTTP server on 127.0.0.1 playing Google and GitHub sign-in.

    `clients` maps client id to secret; both demo clients are registered by default.
    """

    def __init__(
        self,
        *,
        port: int = 0,
        clients: dict[str, str] | None = None,
        identity: Identity | None = DEFAULT_IDENTITY,
        interactive: bool = False,
    ) -> None:
        self.clients = dict(clients or dict([DEMO_GOOGLE_CLIENT, DEMO_GITHUB_CLIENT]))
        self.identity = identity
        self.interactive = interactive
        self.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.key_id = secrets.token_hex(8)
        self._codes: dict[str, _Grant] = {}
        self._tokens: dict[str, _Grant] = {}
        self._lock = threading.Lock()
        super().__init__(_handler_for(self), port=port)

    def stack_env(self) -> dict[str, str]:
        """Environment variables that point our settings at this server (demo clients)."""
        return {
            "GOOGLE_OIDC_URL": self.url,
            "GOOGLE_CLIENT_ID": DEMO_GOOGLE_CLIENT[0],
            "GOOGLE_CLIENT_SECRET": DEMO_GOOGLE_CLIENT[1],
            "GITHUB_URL": self.url,
            "GITHUB_CLIENT_ID": DEMO_GITHUB_CLIENT[0],
            "GITHUB_CLIENT_SECRET": DEMO_GITHUB_CLIENT[1],
        }

    # --- the protocol, called by the request handler ------------------------------------

    def openid_configuration(self) -> dict[str, Any]:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/o/oauth2/v2/auth",
            "token_endpoint": f"{self.url}/token",
            "userinfo_endpoint": f"{self.url}/v1/userinfo",
            "jwks_uri": f"{self.url}/oauth2/v3/certs",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["plain", "S256"],
            "claims_supported": ["sub", "email", "email_verified", "name", "iss", "aud"],
        }

    def jwks(self) -> dict[str, Any]:
        public_jwk = json.loads(RSAAlgorithm.to_jwk(self.signing_key.public_key()))
        public_jwk.update(kid=self.key_id, use="sig", alg="RS256")
        return {"keys": [public_jwk]}

    def authorization_problem(self, protocol: str, query: dict[str, str]) -> str | None:
        """Why this authorization request must not redirect back, or None if it may."""
        if query.get("client_id") not in self.clients:
            return "unknown client_id"
        if not query.get("redirect_uri", "").startswith(("http://", "https://")):
            return "redirect_uri is missing or not absolute"
        if protocol == GOOGLE and query.get("response_type") != "code":
            return "response_type must be code"
        return None

    def authorization_redirect(
        self, protocol: str, query: dict[str, str], identity: Identity | None
    ) -> str:
        """Where the browser goes back to: the redirect URI with a code and the state, or
        with error=access_denied when nobody consented."""
        answer: dict[str, str]
        if identity is None:
            answer = {"error": "access_denied"}
        else:
            code = secrets.token_urlsafe(24)
            with self._lock:
                self._codes[code] = _Grant(
                    protocol=protocol,
                    client_id=query["client_id"],
                    redirect_uri=query["redirect_uri"],
                    identity=identity,
                    nonce=query.get("nonce"),
                    code_challenge=query.get("code_challenge"),
                    code_challenge_method=query.get("code_challenge_method", "plain"),
                )
            answer = {"code": code}
        if "state" in query:
            answer["state"] = query["state"]
        return _with_query(query["redirect_uri"], answer)

    def exchange_code(
        self, protocol: str, form: dict[str, str], basic_auth: tuple[str, str] | None
    ) -> tuple[HTTPStatus, dict[str, Any]]:
        """The token endpoint: a code for an access token (and an id_token for OIDC)."""
        client_id, secret = basic_auth or (form.get("client_id", ""), form.get("client_secret"))
        if secret is None or not secrets.compare_digest(self.clients.get(client_id, "\0"), secret):
            return HTTPStatus.UNAUTHORIZED, {"error": "invalid_client"}
        if protocol == GOOGLE and form.get("grant_type") != "authorization_code":
            return HTTPStatus.BAD_REQUEST, {"error": "unsupported_grant_type"}
        with self._lock:
            grant = self._codes.pop(form.get("code", ""), None)  # a code works once
        if (
            grant is None
            or grant.protocol != protocol
            or grant.client_id != client_id
            or grant.redirect_uri != form.get("redirect_uri")
        ):
            return HTTPStatus.BAD_REQUEST, {"error": "invalid_grant"}
        if grant.code_challenge and not _pkce_matches(grant, form.get("code_verifier", "")):
            return HTTPStatus.BAD_REQUEST, {"error": "invalid_grant", "error_description": "PKCE"}
        access_token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[access_token] = grant
        if protocol == GITHUB:
            return HTTPStatus.OK, {
                "access_token": access_token,
                "token_type": "bearer",
                "scope": "user:email",
            }
        return HTTPStatus.OK, {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME,
            "scope": "openid email profile",
            "id_token": self._id_token(grant),
        }

    def grant_for(self, authorization: str | None, protocol: str) -> _Grant | None:
        """The grant behind an `Authorization: Bearer|token <access token>` header."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() not in ("bearer", "token"):
            return None
        with self._lock:
            grant = self._tokens.get(token.strip())
        return grant if grant is not None and grant.protocol == protocol else None

    def userinfo(self, identity: Identity) -> dict[str, Any]:
        given, _, family = identity.name.partition(" ")
        return {
            "sub": identity.subject,
            "email": identity.email,
            "email_verified": identity.email_verified,
            "name": identity.name,
            "given_name": given,
            "family_name": family,
        }

    def github_user(self, identity: Identity) -> dict[str, Any]:
        login = identity.login or identity.email.split("@")[0]
        return {
            "login": login,
            "id": int(identity.subject),
            "name": identity.name or None,
            # GitHub's profile shows the public email, which need not be verified.
            "email": identity.email,
            "html_url": f"{self.url}/{login}",
            "avatar_url": "",
        }

    def github_emails(self, identity: Identity) -> list[dict[str, Any]]:
        return [
            {
                "email": identity.email,
                "primary": True,
                "verified": identity.email_verified,
                "visibility": "public",
            }
        ]

    def _id_token(self, grant: _Grant) -> str:
        now = int(time.time())
        claims = {
            "iss": self.url,
            "aud": grant.client_id,
            "azp": grant.client_id,
            "iat": now,
            "exp": now + TOKEN_LIFETIME,
            **{key: value for key, value in self.userinfo(grant.identity).items() if value != ""},
        }
        if grant.nonce:
            claims["nonce"] = grant.nonce
        return jwt.encode(claims, self.signing_key, algorithm="RS256", headers={"kid": self.key_id})


def _pkce_matches(grant: _Grant, verifier: str) -> bool:
    if grant.code_challenge_method == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    else:
        computed = verifier
    return secrets.compare_digest(computed, grant.code_challenge or "")


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = f"{parts.query}&{urlencode(params)}" if parts.query else urlencode(params)
    return urlunsplit(parts._replace(query=query))


def _single_values(raw: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(raw, keep_blank_values=True).items()}


_AUTHORIZE_PATHS = {"/o/oauth2/v2/auth": GOOGLE, "/login/oauth/authorize": GITHUB}
_TOKEN_PATHS = {"/token": GOOGLE, "/login/oauth/access_token": GITHUB}

_CONSENT_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Local {provider} sign-in</title>
<style>body{{font:16px system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}}
label{{display:block;margin:.75rem 0}}input[type=email],input[type=text]{{width:100%;padding:.4rem}}
button{{padding:.5rem 1rem;margin-right:.5rem}}</style></head>
<body><h1>Local {provider} sign-in</h1>
<p>This stands in for {provider} on this machine. Choose who signs in.</p>
<form method="post">
<label>Email <input type="email" name="email" value="{email}" required></label>
<label>Name <input type="text" name="name" value="{name}"></label>
<label><input type="checkbox" name="email_verified" value="1" checked>
 {provider} has verified this email</label>
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="cancel">Cancel</button>
</form></body></html>"""


def _handler_for(provider: LocalOAuthProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "LocalOAuthProvider/1"

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests and `make run` read their own logs, not ours."""

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = _single_values(parts.query)
            path = parts.path
            if path == "/.well-known/openid-configuration":
                self._json(HTTPStatus.OK, provider.openid_configuration())
            elif path == "/oauth2/v3/certs":
                self._json(HTTPStatus.OK, provider.jwks())
            elif path in _AUTHORIZE_PATHS:
                self._authorize(_AUTHORIZE_PATHS[path], query, form=None)
            elif path == "/v1/userinfo":
                self._profile(GOOGLE, provider.userinfo)
            elif path == "/api/v3/user":
                self._profile(GITHUB, provider.github_user)
            elif path == "/api/v3/user/emails":
                self._profile(GITHUB, provider.github_emails)
            else:
                self._json(HTTPStatus.NOT_FOUND, {"error": "not_found"})

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            form = _single_values(self.rfile.read(length).decode())
            if parts.path in _AUTHORIZE_PATHS:  # the consent page's answer
                self._authorize(_AUTHORIZE_PATHS[parts.path], _single_values(parts.query), form)
            elif parts.path in _TOKEN_PATHS:
                protocol = _TOKEN_PATHS[parts.path]
                status, body = provider.exchange_code(protocol, form, self._basic_auth())
                if protocol == GITHUB:
                    # GitHub answers errors with 200 and form-encodes unless asked for JSON.
                    status = HTTPStatus.OK
                    if "json" not in self.headers.get("Accept", ""):
                        self._send(status, "application/x-www-form-urlencoded", urlencode(body))
                        return
                self._json(status, body)
            else:
                self._json(HTTPStatus.NOT_FOUND, {"error": "not_found"})

        def _authorize(
            self, protocol: str, query: dict[str, str], form: dict[str, str] | None
        ) -> None:
            problem = provider.authorization_problem(protocol, query)
            if problem:
                self._send(HTTPStatus.BAD_REQUEST, "text/plain; charset=utf-8", problem)
                return
            if provider.interactive and form is None:
                self._consent_page(protocol, query)
                return
            identity = provider.identity
            if form is not None:
                identity = _identity_from_consent(form)
            self.send_response(HTTPStatus.FOUND)
            self.send_header("Location", provider.authorization_redirect(protocol, query, identity))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _consent_page(self, protocol: str, query: dict[str, str]) -> None:
            current = provider.identity or DEFAULT_IDENTITY
            page = _CONSENT_PAGE.format(
                provider="Google" if protocol == GOOGLE else "GitHub",
                email=html.escape(current.email),
                name=html.escape(current.name),
            )
            self._send(HTTPStatus.OK, "text/html; charset=utf-8", page)

        def _profile(self, protocol: str, render: Any) -> None:
            grant = provider.grant_for(self.headers.get("Authorization"), protocol)
            if grant is None:
                self._json(HTTPStatus.UNAUTHORIZED, {"error": "invalid_token"})
                return
            self._json(HTTPStatus.OK, render(grant.identity))

        def _basic_auth(self) -> tuple[str, str] | None:
            scheme, _, encoded = (self.headers.get("Authorization") or "").partition(" ")
            if scheme.lower() != "basic":
                return None
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
            return client_id, secret

        def _json(self, status: HTTPStatus, body: Any) -> None:
            self._send(status, "application/json", json.dumps(body))

        def _send(self, status: HTTPStatus, content_type: str, body: str) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

    return Handler


def _identity_from_consent(form: dict[str, str]) -> Identity | None:
    if form.get("decision") != "allow" or not form.get("email"):
        return None
    email = form["email"].strip()
    # A stable id per email, so signing in twice as the same person finds the same account.
    subject = str(int(hashlib.sha256(email.lower().encode()).hexdigest()[:12], 16))
    return replace(
        DEFAULT_IDENTITY,
        subject=subject,
        email=email,
        email_verified=form.get("email_verified") == "1",
        name=form.get("name", "").strip(),
        login="",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    provider = LocalOAuthProvider(port=args.port, interactive=True).start()
    print(f"local OAuth provider at {provider.url}; configure with:")
    for name, value in provider.stack_env().items():
        print(f"  {name}={value}")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        provider.stop()


if __name__ == "__main__":
    main()
