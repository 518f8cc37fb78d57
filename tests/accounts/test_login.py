"""Signing in: browser session versus "keep me signed in", session rotation, throttling,
and one generic answer for every failure."""

from __future__ import annotations

import logging
import re

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.cached_db import SessionStore
from django.test import Client, override_settings

from marketplace.accounts.models import User
from marketplace.accounts.services import LoginThrottled, user_authenticate
from marketplace.devtools.tansu import free_port
from marketplace.errors import ApplicationError
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
GENERIC = "That email and password do not match an account."


def client_from(ip: str) -> Client:
    return Client(HTTP_HOST="localhost", REMOTE_ADDR=ip)


def sign_in(client: Client, email: str, password: str, **extra: str):  # type: ignore[no-untyped-def]
    return client.post(LOGIN, {"username": email, "password": password, **extra})


def test_without_keep_me_signed_in_the_session_ends_with_the_browser(world, client):
    response = sign_in(client, "shopper@example.test", PASSWORD)

    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == ""
    assert cookie["expires"] == ""
    assert client.session.get_expire_at_browser_close() is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_keep_me_signed_in_lasts_the_configured_session_age(world, client):
    response = sign_in(client, "shopper@example.test", PASSWORD, remember="on")

    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == settings.SESSION_COOKIE_AGE
    assert client.session.get_expire_at_browser_close() is False
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


def test_signing_in_rotates_the_session_key(world, client):
    planted = SessionStore()
    planted["cart"] = "kept"
    planted.create()
    client.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key

    response = sign_in(client, "shopper@example.test", PASSWORD)

    assert response.status_code == 302
    new_key = response.cookies[settings.SESSION_COOKIE_NAME].value
    assert new_key != planted.session_key
    assert SessionStore().exists(planted.session_key) is False  # the planted key is dead
    assert client.session["cart"] == "kept"  # what the visitor had survives
    assert client.session[SESSION_KEY] == str(world.shopper.pk)


def _normalised(body: str, typed_email: str) -> str:
    body = body.replace(typed_email, "EMAIL")
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1TOKEN", body)


def test_unknown_email_and_wrong_password_get_the_identical_answer(world):
    unknown = sign_in(client_from("198.51.100.1"), "nobody@example.test", PASSWORD)
    wrong = sign_in(client_from("198.51.100.2"), "shopper@example.test", "not-the-password")

    assert unknown.status_code == wrong.status_code == 422
    assert unknown.context["form"].errors == wrong.context["form"].errors == {"__all__": [GENERIC]}
    assert _normalised(unknown.content.decode(), "nobody@example.test") == _normalised(
        wrong.content.decode(), "shopper@example.test"
    )


def test_the_eleventh_attempt_is_refused_even_with_the_right_password(world):
    client = client_from("198.51.100.10")
    last_login = User.objects.get(pk=world.shopper.pk).last_login
    for _ in range(10):
        assert sign_in(client, "shopper@example.test", "wrong-guess").status_code == 422

    response = sign_in(client, "shopper@example.test", PASSWORD)

    assert response.status_code == 429
    assert response.context["form"].errors == {
        "__all__": [
            "Too many failed sign-in attempts. Try again in 15 minutes, or reset your "
            "password if you forgot it."
        ]
    }
    assert 890 <= int(response["Retry-After"]) <= 900
    assert SESSION_KEY not in client.session
    assert User.objects.get(pk=world.shopper.pk).last_login == last_login


def test_the_account_is_throttled_from_every_address(world):
    for number in range(10):
        sign_in(client_from(f"198.51.100.{20 + number}"), "shopper@example.test", "wrong-guess")

    response = sign_in(client_from("198.51.100.99"), "shopper@example.test", PASSWORD)

    assert response.status_code == 429


def test_one_address_is_throttled_across_different_emails(world):
    attacker = client_from("203.0.113.5")
    for number in range(10):
        assert sign_in(attacker, f"guess{number}@example.test", "whatever").status_code == 422

    refused = sign_in(attacker, "shopper@example.test", PASSWORD)
    elsewhere = sign_in(client_from("203.0.113.6"), "shopper@example.test", PASSWORD)

    assert refused.status_code == 429
    assert SESSION_KEY not in attacker.session
    assert elsewhere.status_code == 302  # the account itself had no failures


def test_ten_failures_are_allowed_and_success_clears_the_accounts_count(world):
    for ip_suffix in (1, 2):
        client = client_from(f"192.0.2.{ip_suffix}")
        for _ in range(9):
            sign_in(client, "shopper@example.test", "wrong-guess")
        assert sign_in(client, "shopper@example.test", PASSWORD).status_code == 302


def test_the_service_answers_with_codes_and_statuses(world):
    with pytest.raises(ApplicationError) as wrong:
        user_authenticate(email="shopper@example.test", password="nope", ip="192.0.2.50")
    assert (wrong.value.code, wrong.value.status, wrong.value.field) == (
        "invalid_credentials",
        401,
        None,
    )
    assert wrong.value.message == GENERIC
    for _ in range(9):
        with pytest.raises(ApplicationError):
            user_authenticate(email="shopper@example.test", password="nope", ip="192.0.2.50")

    with pytest.raises(LoginThrottled) as throttled:
        user_authenticate(email="shopper@example.test", password=PASSWORD, ip="192.0.2.50")

    assert (throttled.value.code, throttled.value.status) == ("throttled", 429)
    assert 890 <= throttled.value.retry_after <= 900


def test_a_deactivated_account_gets_the_generic_answer(world):
    UserFactory(email="gone@example.test", is_active=False)

    with pytest.raises(ApplicationError) as raised:
        user_authenticate(email="gone@example.test", password=PASSWORD, ip=None)

    assert raised.value.code == "invalid_credentials"


def test_without_redis_signing_in_still_works_and_the_outage_is_logged(world, caplog):
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    caches = {"default": {**settings.CACHES["default"], "LOCATION": dead_redis}}
    with override_settings(CACHES=caches), caplog.at_level(logging.ERROR):
        user = user_authenticate(email="shopper@example.test", password=PASSWORD, ip="192.0.2.9")
        with pytest.raises(ApplicationError) as wrong:
            user_authenticate(email="shopper@example.test", password="nope", ip="192.0.2.9")

    assert user == world.shopper
    assert wrong.value.code == "invalid_credentials"
    assert "login throttle unavailable (Redis)" in caplog.text
