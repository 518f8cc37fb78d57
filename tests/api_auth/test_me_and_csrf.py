"""GET/PATCH /api/v1/me with a bearer token or the session cookie, and CSRF."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
from django.test import Client, override_settings
from django.utils.crypto import get_random_string

from marketplace.accounts.models import User
from marketplace.apitokens.services import token_family_revoke
from marketplace.events.models import OutboxEvent
from tests.api_auth.helpers import bearer, patch_json, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"
CSRF_FAILED = {
    "detail": "CSRF check failed: send the csrftoken cookie's value in the X-CSRFToken header.",
    "code": "csrf_failed",
}
NOT_AUTHENTICATED = {"detail": "Authentication required.", "code": "not_authenticated"}


def strict_client(user: User | None = None) -> Client:
    """A client that, like a browser page, gets no CSRF exemption."""
    client = Client(enforce_csrf_checks=True, HTTP_HOST="localhost")
    if user is not None:
        client.force_login(user)
    return client


def csrf_token(client: Client) -> str:
    """Give the client a CSRF cookie, as any of our pages with a form would, and return
    the value a page's script sends back in the X-CSRFToken header."""
    secret = get_random_string(32)
    client.cookies["csrftoken"] = secret
    return secret


def test_patch_me_with_a_bearer_token_renames_without_csrf():
    user = UserFactory(name="Old Name")
    tokens = sign_in(user)

    response = patch_json(
        strict_client(), ME, {"name": "New Name"}, headers=bearer(tokens["access"])
    )

    assert response.status_code == 200
    assert response.json()["name"] == "New Name"
    assert User.objects.get(pk=user.pk).name == "New Name"


def test_get_me_with_the_session_cookie_needs_no_csrf():
    user = UserFactory()

    response = strict_client(user).get(ME)

    assert response.status_code == 200
    assert response.json()["email"] == user.email


def test_patch_me_with_the_session_cookie_but_no_csrf_token_is_refused():
    user = UserFactory(name="Old Name")

    response = patch_json(strict_client(user), ME, {"name": "Forged"})

    assert response.status_code == 403
    assert response.json() == CSRF_FAILED
    assert User.objects.get(pk=user.pk).name == "Old Name"


def test_patch_me_with_the_session_cookie_and_a_wrong_csrf_token_is_refused():
    user = UserFactory(name="Old Name")
    client = strict_client(user)
    csrf_token(client)

    response = patch_json(client, ME, {"name": "Forged"}, headers={"X-CSRFToken": "x" * 32})

    assert response.status_code == 403
    assert response.json() == CSRF_FAILED
    assert User.objects.get(pk=user.pk).name == "Old Name"


def test_patch_me_with_the_session_cookie_and_its_csrf_token_renames():
    user = UserFactory(name="Old Name")
    client = strict_client(user)

    response = patch_json(
        client, ME, {"name": "New Name"}, headers={"X-CSRFToken": csrf_token(client)}
    )

    assert response.status_code == 200
    assert User.objects.get(pk=user.pk).name == "New Name"


def test_patch_me_anonymous_is_401_and_changes_nothing():
    user = UserFactory(name="Old Name")

    response = patch_json(strict_client(), ME, {"name": "Anonymous"})

    assert (response.status_code, response.json()) == (401, NOT_AUTHENTICATED)
    assert User.objects.get(pk=user.pk).name == "Old Name"


def test_patch_me_changes_only_the_callers_own_name():
    user = UserFactory(name="Mine")
    other = UserFactory(name="Theirs")
    tokens = sign_in(user)

    patch_json(strict_client(), ME, {"name": "Renamed"}, headers=bearer(tokens["access"]))

    assert User.objects.get(pk=other.pk).name == "Theirs"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "is_staff": True}, "is_staff"),
        ({"email": "boss@example.test"}, "email"),
        ({"is_superuser": True}, "is_superuser"),
        ({"email_verified_at": "2026-01-01T00:00:00Z"}, "email_verified_at"),
    ],
)
def test_patch_me_refuses_unknown_fields_and_changes_nothing(body, field):
    user = UserFactory(name="Old Name", email="me@example.test")
    tokens = sign_in(user)

    response = patch_json(strict_client(), ME, body, headers=bearer(tokens["access"]))

    assert response.status_code == 422
    assert response.json() == {
        "detail": [{"field": field, "message": "Extra inputs are not permitted"}],
        "code": "validation_error",
    }
    user.refresh_from_db()
    assert (user.name, user.email, user.is_staff, user.is_superuser) == (
        "Old Name",
        "me@example.test",
        False,
        False,
    )
    assert user.email_verified_at is None


def test_patch_me_with_a_too_long_name_is_422():
    user = UserFactory(name="Old Name")
    tokens = sign_in(user)

    response = patch_json(
        strict_client(), ME, {"name": "x" * 151}, headers=bearer(tokens["access"])
    )

    assert response.status_code == 422
    assert response.json() == {
        "detail": [{"field": "name", "message": "String should have at most 150 characters"}],
        "code": "validation_error",
    }
    assert User.objects.get(pk=user.pk).name == "Old Name"


def revoked_access(user: User) -> str:
    tokens = sign_in(user)
    token_family_revoke(refresh=tokens["refresh"])
    return tokens["access"]


def expired_access(user: User) -> str:
    with override_settings(API_ACCESS_TOKEN_LIFETIME=timedelta(0)):
        return sign_in(user)["access"]


def forged_access(user: User) -> str:
    payload = jwt.decode(sign_in(user)["access"], options={"verify_signature": False})
    return jwt.encode(payload, "x" * 32, algorithm="HS256")


@pytest.mark.parametrize(
    ("make_token", "code"),
    [
        (revoked_access, "invalid_token"),
        (expired_access, "token_expired"),
        (forged_access, "invalid_token"),
    ],
)
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("patch", ME, {"name": "Denied"}),
        ("post", "/api/v1/auth/verify-email/resend", None),
    ],
)
def test_a_dead_token_is_401_and_changes_nothing(make_token, code, method, path, body):
    user = UserFactory(name="Old Name")
    token = make_token(user)
    events_before = OutboxEvent.objects.count()

    response = getattr(strict_client(), method)(
        path, body, content_type="application/json", headers=bearer(token)
    )

    assert response.status_code == 401
    assert response.json()["code"] == code
    assert User.objects.get(pk=user.pk).name == "Old Name"
    assert OutboxEvent.objects.count() == events_before
