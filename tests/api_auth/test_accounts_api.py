"""Signing in, registering, verifying and resetting a password through the API."""

from __future__ import annotations

import uuid

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.test import Client

from marketplace.accounts.models import User
from marketplace.apitokens.models import TokenFamily
from marketplace.events.models import OutboxEvent
from tests.api_auth.helpers import (
    bearer,
    deliver_account_emails,
    link_in,
    obtain,
    post_json,
    sign_in,
)
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"
REFRESH = "/api/v1/auth/token/refresh"
LOGOUT = "/api/v1/auth/logout"
REGISTER = "/api/v1/auth/register"
VERIFY = "/api/v1/auth/verify-email"
RESEND = "/api/v1/auth/verify-email/resend"
RESET = "/api/v1/auth/password-reset"
RESET_CONFIRM = "/api/v1/auth/password-reset/confirm"
INVALID_CREDENTIALS = {
    "detail": "That email and password do not match an account.",
    "code": "invalid_credentials",
}
INVALID_TOKEN = {"detail": "The token is invalid or has been revoked.", "code": "invalid_token"}
RESET_SENT = {"detail": "If an account uses that address, we sent it a link to reset the password."}
NEW_PASSWORD = "a-brand-new-passphrase"


def unknown_field(name: str) -> dict[str, object]:
    return {
        "detail": [{"field": name, "message": "Extra inputs are not permitted"}],
        "code": "validation_error",
    }


# --- the life cycle through the API -----------------------------------------------------


def test_sign_in_use_refresh_and_sign_out_through_the_api(api):
    user = UserFactory(email="ada@example.test", name="Ada")

    obtained = obtain(api, "ADA@example.test")

    assert obtained.status_code == 200
    first = obtained.json()
    assert set(first) == {"access", "refresh", "token_type", "expires_in"}
    assert (first["token_type"], first["expires_in"]) == ("Bearer", 300)
    me = api.get(ME, headers=bearer(first["access"]))
    assert me.status_code == 200
    assert me.json() == {
        "id": user.pk,
        "email": "ada@example.test",
        "name": "Ada",
        "email_verified": False,
        "is_staff": False,
        "date_joined": DjangoJSONEncoder().default(user.date_joined),
    }

    second = post_json(api, REFRESH, {"refresh": first["refresh"]}).json()
    assert api.get(ME, headers=bearer(second["access"])).status_code == 200
    assert post_json(api, REFRESH, {"refresh": first["refresh"]}).status_code == 401
    # That was reuse: the rotated sign-in is over, a new one starts with the password.
    assert api.get(ME, headers=bearer(second["access"])).json() == INVALID_TOKEN

    third = obtain(api, "ada@example.test").json()
    assert post_json(api, LOGOUT, {"refresh": third["refresh"]}).status_code == 204
    assert api.get(ME, headers=bearer(third["access"])).json() == INVALID_TOKEN
    assert post_json(api, REFRESH, {"refresh": third["refresh"]}).json() == INVALID_TOKEN
    assert list(
        TokenFamily.objects.filter(user=user)
        .order_by("created_at")
        .values_list("revoked_reason", flat=True)
    ) == ["reuse", "logout"]


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("ada@example.test", "wrong-password"),
        ("nobody@example.test", PASSWORD),
        ("not an email", PASSWORD),
    ],
)
def test_wrong_credentials_are_one_generic_401_and_issue_nothing(api, email, password):
    UserFactory(email="ada@example.test")

    response = obtain(api, email, password)

    assert response.status_code == 401
    assert response.json() == INVALID_CREDENTIALS
    assert TokenFamily.objects.count() == 0


def test_a_deactivated_account_cannot_sign_in(api):
    UserFactory(email="gone@example.test", is_active=False)

    response = obtain(api, "gone@example.test")

    assert (response.status_code, response.json()) == (401, INVALID_CREDENTIALS)
    assert TokenFamily.objects.count() == 0


def test_repeated_failed_sign_ins_are_429_with_retry_after(api, real_throttle_rates):
    email = f"target-{uuid.uuid4().hex[:8]}@example.test"
    UserFactory(email=email)
    for _ in range(10):
        assert obtain(api, email, "wrong-password").status_code == 401

    response = obtain(api, email)

    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert response.json()["detail"].startswith("Too many failed sign-in attempts.")
    assert 1 <= int(response["Retry-After"]) <= 15 * 60
    assert TokenFamily.objects.count() == 0


def test_obtaining_tokens_needs_no_csrf_token():
    # Nothing cookie-based to forge: the answer is only readable by the caller.
    UserFactory(email="ada@example.test")
    client = Client(enforce_csrf_checks=True, HTTP_HOST="localhost")

    assert obtain(client, "ada@example.test").status_code == 200


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (
            "/api/v1/auth/token",
            {"email": "ada@example.test", "password": PASSWORD, "is_staff": True},
            "is_staff",
        ),
        (REFRESH, {"refresh": "x", "user_id": 1}, "user_id"),
        (LOGOUT, {"refresh": "x", "all": True}, "all"),
        (
            REGISTER,
            {"email": "new@example.test", "password": NEW_PASSWORD, "is_staff": True},
            "is_staff",
        ),
        (
            REGISTER,
            {"email": "new@example.test", "password": NEW_PASSWORD, "email_verified_at": "now"},
            "email_verified_at",
        ),
        (VERIFY, {"token": "x", "email": "boss@example.test"}, "email"),
        (RESET, {"email": "ada@example.test", "user": 1}, "user"),
        (
            RESET_CONFIRM,
            {"uid": "x", "token": "y", "new_password": NEW_PASSWORD, "is_superuser": True},
            "is_superuser",
        ),
    ],
)
def test_unknown_fields_are_422_and_change_nothing(api, path, body, field):
    UserFactory(email="ada@example.test")
    users = list(User.objects.values_list("pk", "email", "is_staff", "is_superuser", "password"))

    response = post_json(api, path, body)

    assert response.status_code == 422
    assert response.json() == unknown_field(field)
    assert (
        list(User.objects.values_list("pk", "email", "is_staff", "is_superuser", "password"))
        == users
    )
    assert TokenFamily.objects.count() == 0
    assert not OutboxEvent.objects.filter(type__startswith="user.").exists()


# --- registration and verification ------------------------------------------------------


def test_register_verify_by_the_emailed_token_and_sign_in(api, mailoutbox):
    response = post_json(
        api, REGISTER, {"email": "New.Person@Example.test", "password": NEW_PASSWORD, "name": "Neo"}
    )

    assert response.status_code == 201
    user = User.objects.get(email="new.person@example.test")
    assert response.json() == {
        "id": user.pk,
        "email": "new.person@example.test",
        "name": "Neo",
        "email_verified": False,
        "is_staff": False,
        "date_joined": DjangoJSONEncoder().default(user.date_joined),
    }
    assert (user.is_staff, user.is_superuser, user.email_verified_at) == (False, False, None)
    assert deliver_account_emails() == 1
    assert [(message.to, message.subject) for message in mailoutbox] == [
        (["new.person@example.test"], "Confirm your email address")
    ]
    view_name, arguments = link_in(mailoutbox[0])
    assert view_name == "accounts:verify"

    verified = post_json(api, VERIFY, {"token": arguments["token"]})

    assert verified.status_code == 204
    user.refresh_from_db()
    assert user.email_verified_at is not None
    tokens = obtain(api, "new.person@example.test", NEW_PASSWORD).json()
    assert api.get(ME, headers=bearer(tokens["access"])).json()["email_verified"] is True
    # Following the link again is harmless.
    assert post_json(api, VERIFY, {"token": arguments["token"]}).status_code == 204


def test_a_tampered_verification_token_is_400_and_verifies_nothing(api, mailoutbox):
    post_json(api, REGISTER, {"email": "new@example.test", "password": NEW_PASSWORD})
    deliver_account_emails()
    _, arguments = link_in(mailoutbox[0])

    response = post_json(api, VERIFY, {"token": arguments["token"][:-2] + "xx"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_token"
    assert User.objects.get(email="new@example.test").email_verified_at is None


def test_registering_a_taken_email_is_409_and_creates_nothing(api):
    UserFactory(email="ada@example.test")

    response = post_json(api, REGISTER, {"email": "Ada@Example.test", "password": NEW_PASSWORD})

    assert response.status_code == 409
    assert response.json()["code"] == "email_taken"
    assert User.objects.filter(email__iexact="ada@example.test").count() == 1
    assert not OutboxEvent.objects.filter(type__startswith="user.").exists()


def test_registering_with_a_weak_password_is_400_on_the_password_field(api):
    response = post_json(api, REGISTER, {"email": "new@example.test", "password": "12345678"})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_password"
    assert [error["field"] for error in body["detail"]] == ["password"]
    assert not User.objects.filter(email="new@example.test").exists()


def test_resending_the_verification_link_needs_a_sign_in_and_waits_a_minute(
    api, mailoutbox, real_throttle_rates
):
    user = UserFactory(email="ada@example.test")
    tokens = sign_in(user)

    anonymous = api.post(RESEND)
    sent = api.post(RESEND, headers=bearer(tokens["access"]))
    again = api.post(RESEND, headers=bearer(tokens["access"]))

    assert anonymous.status_code == 401
    assert sent.status_code == 202
    assert again.status_code == 429
    assert again.json()["code"] == "throttled"
    assert deliver_account_emails() == 1
    assert [message.to for message in mailoutbox] == [["ada@example.test"]]


# --- password reset ---------------------------------------------------------------------


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(api, mailoutbox):
    UserFactory(email="ada@example.test")

    known = post_json(api, RESET, {"email": "ada@example.test"})
    unknown = post_json(api, RESET, {"email": "nobody@example.test"})

    assert (known.status_code, known.json()) == (202, RESET_SENT)
    assert (unknown.status_code, unknown.json()) == (202, RESET_SENT)
    deliver_account_emails()
    assert [(message.to, message.subject) for message in mailoutbox] == [
        (["ada@example.test"], "Reset your password")
    ]


def test_password_reset_through_the_emailed_link_ends_old_sign_ins(api, mailoutbox):
    user = UserFactory(email="ada@example.test")
    before = sign_in(user)
    post_json(api, RESET, {"email": "ada@example.test"})
    deliver_account_emails()
    view_name, arguments = link_in(mailoutbox[0])
    assert view_name == "accounts:password_reset_confirm"
    confirm = {"uid": arguments["uidb64"], "token": arguments["token"]}

    response = post_json(api, RESET_CONFIRM, {**confirm, "new_password": NEW_PASSWORD})

    assert response.status_code == 204
    assert obtain(api, "ada@example.test", PASSWORD).json() == INVALID_CREDENTIALS
    assert obtain(api, "ada@example.test", NEW_PASSWORD).status_code == 200
    # Tokens issued with the old password stop working.
    assert api.get(ME, headers=bearer(before["access"])).json() == INVALID_TOKEN
    assert post_json(api, REFRESH, {"refresh": before["refresh"]}).json() == INVALID_TOKEN
    # The link works once.
    reused = post_json(api, RESET_CONFIRM, {**confirm, "new_password": "yet-another-passphrase"})
    assert reused.status_code == 400
    assert reused.json()["code"] == "invalid_token"
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)


def test_password_reset_with_a_forged_token_changes_nothing(api, mailoutbox):
    user = UserFactory(email="ada@example.test")
    post_json(api, RESET, {"email": "ada@example.test"})
    deliver_account_emails()
    _, arguments = link_in(mailoutbox[0])

    response = post_json(
        api,
        RESET_CONFIRM,
        {"uid": arguments["uidb64"], "token": "abc-123", "new_password": NEW_PASSWORD},
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_token"
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)
