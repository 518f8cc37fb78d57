"""Signing in with Google and GitHub: the full redirect flow against the local provider."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.messages import get_messages
from django.test import Client

from marketplace.accounts.models import User
from marketplace.devtools.oauth_provider import Identity
from tests.factories import PASSWORD, UserFactory
from tests.social.conftest import (
    provider_answer,
    sign_in_with,
    signed_in_user_id,
    start_sign_in,
)

pytestmark = pytest.mark.django_db

PROVIDERS = ["github", "google"]
NAMES = {"github": "GitHub", "google": "Google"}
LOGIN = "/accounts/login/"


def messages_of(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_new_person_gets_a_verified_account_and_is_signed_in(provider, social_sign_in, client):
    social_sign_in.identity = Identity(
        subject="1001", email="New.Person@Example.test", name="New Person"
    )
    users_before = User.objects.count()

    response = sign_in_with(client, provider)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert User.objects.count() == users_before + 1
    user = User.objects.get(email="new.person@example.test")
    assert signed_in_user_id(client) == str(user.pk)
    assert user.name == "New Person"
    assert user.email_verified_at is not None
    assert not user.has_usable_password()
    account = SocialAccount.objects.get(user=user)
    assert (account.provider, account.uid) == (provider, "1001")


@pytest.mark.parametrize("provider", PROVIDERS)
def test_an_unverified_provider_email_makes_an_unverified_account(provider, social_sign_in, client):
    social_sign_in.identity = Identity(
        subject="1002", email="unsure@example.test", email_verified=False
    )

    response = sign_in_with(client, provider)

    assert response.status_code == 302
    user = User.objects.get(email="unsure@example.test")
    assert signed_in_user_id(client) == str(user.pk)
    assert user.email_verified_at is None


@pytest.mark.parametrize("provider", PROVIDERS)
def test_an_existing_user_with_the_verified_email_is_linked_not_duplicated(
    provider, social_sign_in, client, django_user_model
):
    existing = UserFactory(email="linda@example.test", email_verified_at="2026-01-02T03:04:05Z")
    social_sign_in.identity = Identity(subject="1003", email="Linda@example.test")
    users_before = User.objects.count()

    response = sign_in_with(client, provider)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert User.objects.count() == users_before
    assert signed_in_user_id(client) == str(existing.pk)
    account = SocialAccount.objects.get(provider=provider, uid="1003")
    assert account.user_id == existing.pk
    existing.refresh_from_db()
    # Verified here already: nothing about the account changes, the password still works.
    assert existing.check_password(PASSWORD)
    assert existing.email_verified_at.isoformat() == "2026-01-02T03:04:05+00:00"


def test_linking_an_account_whose_email_was_never_confirmed_removes_its_password(
    social_sign_in, client
):
    """Someone may have registered this address without owning it and still hold the
    password; the provider just proved who owns the address."""
    squatted = UserFactory(email="owner@example.test", email_verified_at=None)
    social_sign_in.identity = Identity(subject="1004", email="owner@example.test")

    response = sign_in_with(client, "github")

    assert signed_in_user_id(client) == str(squatted.pk)
    squatted.refresh_from_db()
    assert not squatted.has_usable_password()
    assert squatted.email_verified_at is not None
    assert SocialAccount.objects.get(provider="github", uid="1004").user_id == squatted.pk
    assert (
        "Your GitHub account is now linked. Your email address had not been confirmed, so the "
        "password on this account was removed to keep it safe; set a new one with “Forgot "
        "your password?” if you want one." in messages_of(response)
    )


@pytest.mark.parametrize("provider", PROVIDERS)
def test_an_unverified_provider_email_does_not_take_over_an_existing_account(
    provider, social_sign_in, client
):
    victim = UserFactory(email="victim@example.test", email_verified_at="2026-01-02T03:04:05Z")
    # The attacker added the victim's address at the provider without confirming it.
    social_sign_in.identity = Identity(
        subject="6666", email="victim@example.test", email_verified=False
    )
    users_before = User.objects.count()

    response = sign_in_with(client, provider)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/oauth/3rdparty/signup/"
    assert signed_in_user_id(client) is None
    assert User.objects.count() == users_before
    assert not SocialAccount.objects.exists()
    victim.refresh_from_db()
    assert victim.check_password(PASSWORD)

    # Finishing the sign-up with the victim's address is refused too.
    refused = client.post("/accounts/oauth/3rdparty/signup/", {"email": "victim@example.test"})

    assert refused.status_code == 200
    assert refused.context["form"].errors == {
        "email": [
            "An account already uses this email address. Sign in to it with your password, "
            f"or choose another address for a new {NAMES[provider]} sign-in."
        ]
    }
    assert signed_in_user_id(client) is None
    assert not SocialAccount.objects.exists()
    assert User.objects.count() == users_before


def test_finishing_the_sign_up_with_another_address_makes_a_new_unverified_account(
    social_sign_in, client
):
    UserFactory(email="taken@example.test")
    social_sign_in.identity = Identity(
        subject="1005", email="taken@example.test", email_verified=False
    )
    sign_in_with(client, "github")

    page = client.get("/accounts/oauth/3rdparty/signup/")
    assert page.status_code == 200
    assert page.templates[0].name == "socialaccount/signup.html"
    response = client.post("/accounts/oauth/3rdparty/signup/", {"email": "other@example.test"})

    assert response.status_code == 302
    user = User.objects.get(email="other@example.test")
    assert signed_in_user_id(client) == str(user.pk)
    assert user.email_verified_at is None
    assert SocialAccount.objects.get(provider="github", uid="1005").user_id == user.pk


@pytest.mark.parametrize("provider", PROVIDERS)
def test_signing_in_again_finds_the_same_account(provider, social_sign_in):
    social_sign_in.identity = Identity(subject="1006", email="again@example.test")
    sign_in_with(Client(HTTP_HOST="localhost"), provider)
    first = User.objects.get(email="again@example.test")
    # The provider email changed since: the stored provider account still finds the user.
    social_sign_in.identity = Identity(subject="1006", email="renamed@example.test")
    client = Client(HTTP_HOST="localhost")

    response = sign_in_with(client, provider)

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(first.pk)
    assert User.objects.filter(email__endswith="@example.test", pk=first.pk).count() == 1
    assert SocialAccount.objects.filter(provider=provider).count() == 1


def test_next_is_followed_after_signing_in(social_sign_in, client):
    social_sign_in.identity = Identity(subject="1007", email="next@example.test")

    response = sign_in_with(client, "google", next_url="/sell/")

    assert response.status_code == 302
    assert response["Location"] == "/sell/"


def test_a_next_to_another_site_is_ignored(social_sign_in, client):
    social_sign_in.identity = Identity(subject="1008", email="offsite@example.test")

    response = sign_in_with(client, "github", next_url="https://evil.example/")

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_callback_from_another_browser_session_is_refused(social_sign_in, client):
    """Login CSRF: the attacker's own callback URL, opened in the victim's browser."""
    social_sign_in.identity = Identity(subject="1009", email="attacker@example.test")
    attacker = Client(HTTP_HOST="localhost")
    callback = provider_answer(start_sign_in(attacker, "github"))
    users_before = User.objects.count()

    response = client.get(callback)

    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert signed_in_user_id(client) is None
    assert User.objects.count() == users_before
    assert messages_of(response) == ["Signing in with GitHub did not work. Please try again."]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_tampered_state_is_refused(provider, social_sign_in, client):
    social_sign_in.identity = Identity(subject="1010", email="tampered@example.test")
    callback = urlsplit(provider_answer(start_sign_in(client, provider)))
    query = parse_qs(callback.query)
    users_before = User.objects.count()

    response = client.get(callback.path, {"code": query["code"][0], "state": "forged"})

    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert signed_in_user_id(client) is None
    assert User.objects.count() == users_before


def test_a_code_cannot_be_used_twice(social_sign_in, client):
    social_sign_in.identity = Identity(subject="1011", email="replay@example.test")
    callback = provider_answer(start_sign_in(client, "google"))
    client.get(callback)
    client.logout()

    response = client.get(callback)

    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert signed_in_user_id(client) is None


def test_cancelling_at_the_provider_comes_back_to_sign_in(social_sign_in, client):
    social_sign_in.identity = None  # the person presses "Cancel" at Google
    users_before = User.objects.count()

    response = sign_in_with(client, "google")

    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert signed_in_user_id(client) is None
    assert User.objects.count() == users_before
    assert messages_of(response) == ["You cancelled signing in with Google."]


def test_a_deactivated_account_cannot_sign_in_with_a_provider(social_sign_in, client):
    UserFactory(email="gone@example.test", is_active=False, email_verified_at="2026-01-02T00:00Z")
    social_sign_in.identity = Identity(subject="1012", email="gone@example.test")

    response = sign_in_with(client, "github")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/oauth/inactive/"
    assert signed_in_user_id(client) is None
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "This account is deactivated" in page.content.decode()


def test_opening_a_provider_url_directly_asks_before_signing_in(social_sign_in, client):
    """A GET (a link from another site) never starts a sign-in by itself."""
    response = client.get("/accounts/oauth/github/login/")

    assert response.status_code == 200
    assert response.templates[0].name == "socialaccount/login.html"
    assert signed_in_user_id(client) is None
