"""JWT life cycle: use, rotation, reuse detection, logout, expiry, forgery, deactivation."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta

import jwt
import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.test import override_settings
from django.utils import timezone

from marketplace.apitokens.models import RefreshToken, TokenFamily
from marketplace.apitokens.services import token_families_purge
from marketplace.apitokens.tokens import signing_key
from tests.api_auth.helpers import bearer, post_json, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"
REFRESH = "/api/v1/auth/token/refresh"
LOGOUT = "/api/v1/auth/logout"
INVALID = {"detail": "The token is invalid or has been revoked.", "code": "invalid_token"}
EXPIRED = {"detail": "The token has expired.", "code": "token_expired"}
REUSED = {
    "detail": "This refresh token was already used, so its sign-in has been ended.",
    "code": "invalid_token",
}
NOT_AUTHENTICATED = {"detail": "Authentication required.", "code": "not_authenticated"}


def me_json(user) -> dict[str, object]:
    return {
        "id": user.pk,
        "email": user.email,
        "name": user.name,
        "email_verified": False,
        "is_staff": False,
        "date_joined": DjangoJSONEncoder().default(user.date_joined),
    }


def claims(token: str) -> dict[str, object]:
    return jwt.decode(token, options={"verify_signature": False})


# --- using and refreshing ---------------------------------------------------------------


def test_an_access_token_authenticates_me(api):
    user = UserFactory(name="Ada Lovelace")
    tokens = sign_in(user)

    response = api.get(ME, headers=bearer(tokens["access"]))

    assert response.status_code == 200
    assert response.json() == me_json(user)


def test_tokens_carry_ids_and_times_only(api):
    user = UserFactory()
    tokens = sign_in(user)
    family = TokenFamily.objects.get(user=user)

    access = claims(tokens["access"])
    refresh = claims(tokens["refresh"])

    assert set(access) == {"token_type", "sub", "sid", "jti", "iat", "exp"}
    assert set(refresh) == set(access)
    assert (access["token_type"], access["sub"], access["sid"]) == (
        "access",
        str(user.pk),
        str(family.id),
    )
    assert access["exp"] - access["iat"] == 300
    assert (refresh["token_type"], refresh["sub"], refresh["sid"]) == (
        "refresh",
        str(user.pk),
        str(family.id),
    )
    assert refresh["exp"] - refresh["iat"] == 14 * 24 * 3600
    assert RefreshToken.objects.get().jti == uuid.UUID(refresh["jti"])
    assert jwt.get_unverified_header(tokens["access"]) == {"alg": "HS256", "typ": "JWT"}


def test_refresh_rotates_the_pair_and_the_old_refresh_token_stops_working(api):
    user = UserFactory()
    first = sign_in(user)

    response = post_json(api, REFRESH, {"refresh": first["refresh"]})

    assert response.status_code == 200
    second = response.json()
    assert set(second) == {"access", "refresh", "token_type", "expires_in"}
    assert (second["token_type"], second["expires_in"]) == ("Bearer", 300)
    assert second["refresh"] != first["refresh"]
    assert second["access"] != first["access"]
    assert claims(second["refresh"])["sid"] == claims(first["refresh"])["sid"]
    assert api.get(ME, headers=bearer(second["access"])).json()["id"] == user.pk
    old = RefreshToken.objects.get(jti=claims(first["refresh"])["jti"])
    assert old.used_at is not None
    # The next refresh uses the new token.
    third = post_json(api, REFRESH, {"refresh": second["refresh"]})
    assert third.status_code == 200
    assert RefreshToken.objects.filter(family__user=user, used_at__isnull=True).count() == 1


def test_presenting_a_rotated_refresh_token_revokes_its_whole_sign_in(api):
    user = UserFactory()
    first = sign_in(user)
    other_sign_in = sign_in(user)
    second = post_json(api, REFRESH, {"refresh": first["refresh"]}).json()

    reuse = post_json(api, REFRESH, {"refresh": first["refresh"]})

    assert reuse.status_code == 401
    assert reuse.json() == REUSED
    # The thief's (or the victim's) newer tokens are dead too ...
    assert post_json(api, REFRESH, {"refresh": second["refresh"]}).json() == INVALID
    assert api.get(ME, headers=bearer(second["access"])).json() == INVALID
    assert api.get(ME, headers=bearer(first["access"])).status_code == 401
    family = TokenFamily.objects.get(id=claims(first["refresh"])["sid"])
    assert family.revoked_reason == "reuse"
    assert family.revoked_at is not None
    # ... and nothing new was issued by the refused requests.
    assert RefreshToken.objects.filter(family=family).count() == 2
    # Another sign-in of the same person is not affected.
    assert api.get(ME, headers=bearer(other_sign_in["access"])).status_code == 200
    assert post_json(api, REFRESH, {"refresh": other_sign_in["refresh"]}).status_code == 200


def test_logout_revokes_the_refresh_token_and_its_access_tokens(api):
    user = UserFactory()
    tokens = sign_in(user)
    other_sign_in = sign_in(user)

    response = post_json(api, LOGOUT, {"refresh": tokens["refresh"]})

    assert response.status_code == 204
    assert response.content == b""
    assert post_json(api, REFRESH, {"refresh": tokens["refresh"]}).json() == INVALID
    assert api.get(ME, headers=bearer(tokens["access"])).json() == INVALID
    family = TokenFamily.objects.get(id=claims(tokens["refresh"])["sid"])
    assert family.revoked_reason == "logout"
    # Signing out twice is fine; the first time is kept.
    assert post_json(api, LOGOUT, {"refresh": tokens["refresh"]}).status_code == 204
    assert TokenFamily.objects.get(id=family.id).revoked_at == family.revoked_at
    assert api.get(ME, headers=bearer(other_sign_in["access"])).status_code == 200


def test_logout_with_a_forged_token_is_401_and_revokes_nothing(api):
    user = UserFactory()
    tokens = sign_in(user)
    forged = jwt.encode(claims(tokens["refresh"]), "not-our-key-" * 4, algorithm="HS256")

    response = post_json(api, LOGOUT, {"refresh": forged})

    assert response.status_code == 401
    assert response.json() == INVALID
    assert TokenFamily.objects.get().revoked_at is None


# --- expiry -----------------------------------------------------------------------------


def test_an_expired_access_token_is_401_and_the_refresh_token_still_works(api):
    user = UserFactory()
    with override_settings(API_ACCESS_TOKEN_LIFETIME=timedelta(0)):
        tokens = sign_in(user)

    response = api.get(ME, headers=bearer(tokens["access"]))

    assert response.status_code == 401
    assert response.json() == EXPIRED
    fresh = post_json(api, REFRESH, {"refresh": tokens["refresh"]}).json()
    assert api.get(ME, headers=bearer(fresh["access"])).status_code == 200


def test_an_expired_refresh_token_is_refused_but_still_signs_out(api):
    user = UserFactory()
    with override_settings(API_REFRESH_TOKEN_LIFETIME=timedelta(0)):
        tokens = sign_in(user)

    response = post_json(api, REFRESH, {"refresh": tokens["refresh"]})

    assert response.status_code == 401
    assert response.json() == EXPIRED
    assert RefreshToken.objects.get().used_at is None
    assert post_json(api, LOGOUT, {"refresh": tokens["refresh"]}).status_code == 204
    assert TokenFamily.objects.get().revoked_reason == "logout"
    # The access token issued with it dies with the sign-in.
    assert api.get(ME, headers=bearer(tokens["access"])).json() == INVALID


def test_purge_deletes_sign_ins_whose_refresh_tokens_all_expired():
    user = UserFactory()
    live = sign_in(user)
    with override_settings(API_REFRESH_TOKEN_LIFETIME=timedelta(0)):
        sign_in(user)

    deleted = token_families_purge(now=timezone.now() + timedelta(seconds=1))

    assert deleted == 1
    assert list(TokenFamily.objects.values_list("id", flat=True)) == [
        uuid.UUID(claims(live["refresh"])["sid"])
    ]
    assert RefreshToken.objects.count() == 1


# --- forged, mixed-up and revoked tokens ------------------------------------------------


def reencode(token: str, **changes: object) -> str:
    payload = {**claims(token), **changes}
    return jwt.encode(payload, signing_key(), algorithm="HS256")


def swap_payload(token: str, **changes: object) -> str:
    """The same signature over a changed payload."""
    header, _, signature = token.split(".")
    payload = json.dumps({**claims(token), **changes}).encode()
    body = base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
    return f"{header}.{body}.{signature}"


def unsigned(token: str) -> str:
    return jwt.encode(claims(token), key=None, algorithm="none")


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(
            lambda token, other: jwt.encode(claims(token), "x" * 32, algorithm="HS256"),
            id="signed-with-another-key",
        ),
        pytest.param(
            lambda token, other: swap_payload(token, sub=str(other.pk)), id="payload-changed"
        ),
        pytest.param(lambda token, other: unsigned(token), id="alg-none"),
        pytest.param(lambda token, other: token[:-4] + "AAAA", id="signature-bytes-changed"),
        pytest.param(lambda token, other: "not.a.jwt", id="garbage"),
        pytest.param(lambda token, other: "", id="empty"),
        pytest.param(
            lambda token, other: reencode(token, sub=str(other.pk)), id="another-users-id"
        ),
        pytest.param(lambda token, other: reencode(token, sid=str(uuid.uuid4())), id="no-sign-in"),
        pytest.param(lambda token, other: reencode(token, token_type="refresh"), id="wrong-type"),
    ],
)
def test_a_tampered_access_token_is_401(api, forge):
    user = UserFactory()
    other = UserFactory()
    tokens = sign_in(user)

    response = api.get(ME, headers=bearer(forge(tokens["access"], other)))

    assert response.status_code == 401
    assert response.json() == INVALID


def test_a_refresh_token_is_not_an_access_token_nor_the_reverse(api):
    tokens = sign_in(UserFactory())

    as_access = api.get(ME, headers=bearer(tokens["refresh"]))
    as_refresh = post_json(api, REFRESH, {"refresh": tokens["access"]})

    assert (as_access.status_code, as_access.json()) == (401, INVALID)
    assert (as_refresh.status_code, as_refresh.json()) == (401, INVALID)
    assert RefreshToken.objects.get().used_at is None


def test_a_tampered_refresh_token_is_401_and_issues_nothing(api):
    tokens = sign_in(UserFactory())
    forged = jwt.encode(claims(tokens["refresh"]), "x" * 32, algorithm="HS256")

    response = post_json(api, REFRESH, {"refresh": forged})

    assert (response.status_code, response.json()) == (401, INVALID)
    assert RefreshToken.objects.count() == 1
    assert RefreshToken.objects.get().used_at is None


def test_a_deactivated_users_tokens_stop_working(api):
    user = UserFactory()
    tokens = sign_in(user)
    user.is_active = False
    user.save(update_fields=["is_active"])

    me = api.get(ME, headers=bearer(tokens["access"]))
    refresh = post_json(api, REFRESH, {"refresh": tokens["refresh"]})

    assert (me.status_code, me.json()) == (401, INVALID)
    assert (refresh.status_code, refresh.json()) == (401, INVALID)
    assert RefreshToken.objects.count() == 1
    assert RefreshToken.objects.get().used_at is None


def test_a_password_change_ends_every_api_sign_in(api):
    user = UserFactory()
    tokens = sign_in(user)
    user.set_password("a-new-long-passphrase")
    user.save(update_fields=["password"])

    assert api.get(ME, headers=bearer(tokens["access"])).json() == INVALID
    assert post_json(api, REFRESH, {"refresh": tokens["refresh"]}).json() == INVALID


def test_a_bad_bearer_token_does_not_fall_back_to_the_session(as_user):
    user = UserFactory()
    client = as_user(user)

    response = client.get(ME, headers=bearer("not.a.jwt"))

    assert (response.status_code, response.json()) == (401, INVALID)
    assert client.get(ME).status_code == 200


def test_an_authorization_header_of_another_scheme_is_not_a_sign_in(api):
    response = api.get(ME, headers={"Authorization": "Basic dXNlcjpwYXNz"})

    assert (response.status_code, response.json()) == (401, NOT_AUTHENTICATED)


def test_me_without_credentials_is_401(api):
    response = api.get(ME)

    assert (response.status_code, response.json()) == (401, NOT_AUTHENTICATED)
