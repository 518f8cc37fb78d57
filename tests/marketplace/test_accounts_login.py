"""Signing in with email and password, and signing out."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY

from marketplace.accounts.models import User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
GENERIC_ERROR = "That email and password do not match an account."


def signed_in_user_id(client) -> str | None:
    return client.session.get(SESSION_KEY)


def test_login_page_shows_an_email_field(world, client):
    response = client.get(LOGIN)

    assert response.status_code == 200
    assert response.templates[0].name == "accounts/login.html"
    body = response.content.decode()
    assert 'type="email" name="username"' in body
    assert 'type="password"' in body


def test_login_with_email_and_password_signs_in(world, client):
    response = client.post(LOGIN, {"username": "shopper@example.test", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_user_id(client) == str(world.shopper.pk)
    world.shopper.refresh_from_db()
    assert world.shopper.last_login is not None


def test_login_goes_back_to_the_page_that_asked(world, client):
    response = client.post(
        LOGIN + "?next=/sell/alpha-goods/",
        {"username": "owner-a@example.test", "password": PASSWORD, "next": "/sell/alpha-goods/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/sell/alpha-goods/"
    assert client.get("/sell/alpha-goods/").status_code == 200


def test_login_never_redirects_to_another_site(world, client):
    response = client.post(
        LOGIN,
        {"username": "shopper@example.test", "password": PASSWORD, "next": "https://evil.example/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_email_is_case_insensitive_at_login(world, client):
    response = client.post(LOGIN, {"username": "  Shopper@EXAMPLE.test ", "password": PASSWORD})

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(world.shopper.pk)


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("shopper@example.test", "wrong-password"),  # a real account
        ("nobody@example.test", PASSWORD),  # no such account: the same message
        ("shopper@example.test", PASSWORD.upper()),  # passwords are case-sensitive
    ],
)
def test_wrong_credentials_show_the_generic_error(world, client, email, password):
    last_logins = dict(User.objects.values_list("email", "last_login"))

    response = client.post(LOGIN, {"username": email, "password": password})

    assert response.status_code == 422  # the form comes back with its error (docs/decisions.md)
    assert response.context["form"].errors == {"__all__": [GENERIC_ERROR]}
    assert GENERIC_ERROR in response.content.decode()
    assert signed_in_user_id(client) is None
    assert dict(User.objects.values_list("email", "last_login")) == last_logins


def test_an_inactive_account_cannot_sign_in(world, client):
    User.objects.filter(pk=world.shopper.pk).update(is_active=False)

    response = client.post(LOGIN, {"username": "shopper@example.test", "password": PASSWORD})

    assert response.status_code == 422
    # The generic message: a wrong guess does not learn that the account exists.
    assert response.context["form"].errors == {"__all__": [GENERIC_ERROR]}
    assert signed_in_user_id(client) is None


def test_a_malformed_email_is_a_field_error(world, client):
    response = client.post(LOGIN, {"username": "not-an-email", "password": PASSWORD})

    assert response.status_code == 422
    assert response.context["form"].errors == {"username": ["Enter a valid email address."]}
    assert signed_in_user_id(client) is None


def test_a_signed_in_visitor_is_sent_on_from_the_login_page(world, as_user):
    response = as_user(world.shopper).get(LOGIN)

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_logout_is_post_only(world, as_user):
    client = as_user(world.shopper)

    refused = client.get("/accounts/logout/")

    assert refused.status_code == 405
    assert signed_in_user_id(client) == str(world.shopper.pk)

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_user_id(client) is None
    assert client.get("/sell/").status_code == 302  # signed out: sent to sign in again
