"""Registration and email verification through the HTML pages."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import signing
from django.db import transaction

from marketplace.accounts import handlers
from marketplace.accounts.models import User
from marketplace.accounts.services import email_verify
from marketplace.accounts.tokens import EMAIL_VERIFICATION_SALT, email_verification_token_make
from marketplace.errors import ApplicationError
from marketplace.events.services import publish_event
from tests.accounts.conftest import account_events, link_in
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

REGISTER = "/accounts/register/"
GOOD = {"name": "Ada Lovelace", "email": "Ada@Example.test", "password": "analytical-engine-1843"}


def test_register_page_has_the_form_and_the_social_buttons_slot(client):
    response = client.get(REGISTER)

    assert response.status_code == 200
    assert [t.name for t in response.templates][:2] == ["accounts/register.html", "base.html"]
    assert "accounts/includes/social_buttons.html" in [t.name for t in response.templates]
    assert list(response.context["form"].fields) == ["name", "email", "password"]


def test_registering_creates_an_unverified_account_signs_in_and_emails_a_link(
    client, mailoutbox, deliver
):
    response = client.post(REGISTER, GOOD)

    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get(email="ada@example.test")
    assert user.name == "Ada Lovelace"
    assert user.check_password(GOOD["password"])
    assert user.email_verified_at is None
    assert user.is_active and not user.is_staff and not user.is_superuser
    assert client.session[SESSION_KEY] == str(user.pk)
    events = account_events()
    assert [(e.type, e.key, e.data) for e in events] == [
        (
            handlers.EMAIL_VERIFICATION_REQUESTED,
            str(user.pk),
            {"user_id": user.pk, "email": user.email},
        )
    ]
    assert mailoutbox == []  # nothing is sent from the request itself

    assert deliver() == 1

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["ada@example.test"]
    assert message.subject == "Confirm your email address"
    assert message.alternatives[0][1] == "text/html"
    path = link_in(message.body, "/accounts/verify/")
    assert path in message.alternatives[0][0]

    verified = client.get(path)

    assert verified.status_code == 200
    assert verified["Referrer-Policy"] == "strict-origin"
    assert "Your email address is verified" in verified.content.decode()
    user.refresh_from_db()
    assert user.email_verified_at is not None
    first_verified_at = user.email_verified_at

    again = client.get(path)  # following it twice is harmless

    assert again.status_code == 200
    user.refresh_from_db()
    assert user.email_verified_at == first_verified_at


def test_registering_goes_back_to_a_local_next_page_only(client):
    local = client.post(REGISTER + "?next=/sell/", {**GOOD, "next": "/sell/"})
    assert local.status_code == 302
    assert local["Location"] == "/sell/"

    client.post("/accounts/logout/")
    foreign = client.post(
        REGISTER, {**GOOD, "email": "ben@example.test", "next": "https://evil.example/"}
    )
    assert foreign.status_code == 302
    assert foreign["Location"] == "/"


def test_a_taken_email_in_any_case_is_refused_at_the_field_and_keeps_what_was_typed(world, client):
    users_before = User.objects.count()

    response = client.post(REGISTER, {**GOOD, "email": "SHOPPER@example.test"})

    assert response.status_code == 422
    assert response.context["form"].errors == {
        "email": [
            "An account with this email address already exists. Sign in, or reset your "
            "password if you forgot it."
        ]
    }
    body = response.content.decode()
    assert 'value="SHOPPER@example.test"' in body
    assert 'value="Ada Lovelace"' in body
    assert GOOD["password"] not in body  # passwords are never echoed back
    assert User.objects.count() == users_before
    assert account_events() == []
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("zq8#kw", "This password is too short. It must contain at least 8 characters."),
        ("90417361529", "This password is entirely numeric."),
        ("password123", "This password is too common."),
    ],
)
def test_a_weak_password_is_refused_at_the_password_field(client, password, message):
    response = client.post(REGISTER, {**GOOD, "password": password})

    assert response.status_code == 422
    assert response.context["form"].errors == {"password": [message]}
    assert not User.objects.filter(email="ada@example.test").exists()
    assert account_events() == []


def test_a_password_like_the_email_is_refused(client):
    response = client.post(REGISTER, {**GOOD, "password": "ada@example.test"})

    assert response.status_code == 422
    assert response.context["form"].errors == {
        "password": ["The password is too similar to the email address."]
    }


def test_a_malformed_email_is_refused(client):
    response = client.post(REGISTER, {**GOOD, "email": "ada-at-example"})

    assert response.status_code == 422
    assert response.context["form"].errors == {"email": ["Enter a valid email address."]}
    assert not User.objects.filter(name="Ada Lovelace").exists()


def test_a_signed_in_visitor_is_sent_on_from_the_register_page(world, as_user):
    response = as_user(world.shopper).get(REGISTER)

    assert response.status_code == 302
    assert response["Location"] == "/"


def _expired_token(user: User) -> str:
    class FourDaysAgo(signing.TimestampSigner):
        def timestamp(self) -> str:
            return signing.b62_encode(int(time.time()) - 4 * 24 * 3600)

    return FourDaysAgo(salt=EMAIL_VERIFICATION_SALT).sign_object(
        {"user": user.pk, "email": user.email}
    )


@pytest.mark.parametrize("kind", ["tampered", "expired", "other salt", "garbage"])
def test_a_bad_verification_link_is_refused_and_verifies_nothing(client, kind):
    user = UserFactory(email="unverified@example.test")
    token = {
        "tampered": email_verification_token_make(user=user)[:-2] + "xx",
        "expired": _expired_token(user),
        "other salt": signing.dumps({"user": user.pk, "email": user.email}),
        "garbage": "not-a-token",
    }[kind]

    response = client.get(f"/accounts/verify/{token}/")

    assert response.status_code == 400
    assert "This verification link is invalid or has expired." in response.content.decode()
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_a_link_for_an_address_the_account_no_longer_has_is_refused():
    user = UserFactory(email="before@example.test")
    token = email_verification_token_make(user=user)
    User.objects.filter(pk=user.pk).update(email="after@example.test")

    with pytest.raises(ApplicationError) as raised:
        email_verify(token=token)

    assert raised.value.code == "invalid_token"
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_a_deactivated_account_cannot_be_verified():
    user = UserFactory(is_active=False)

    with pytest.raises(ApplicationError) as raised:
        email_verify(token=email_verification_token_make(user=user))

    assert raised.value.code == "invalid_token"


def test_unverified_accounts_see_the_notice_and_the_resend_button(as_user):
    user = UserFactory()

    body = as_user(user).get("/accounts/").content.decode()

    assert "Please verify your email address." in body
    assert 'action="/accounts/verify/resend/"' in body


def test_verified_accounts_see_no_notice(world, as_user):
    user = UserFactory(email_verified_at="2026-01-01T00:00:00Z")

    body = as_user(user).get("/accounts/").content.decode()

    assert "Please verify your email address." not in body
    assert "Verified" in body


def test_resend_sends_a_new_link_then_waits_a_minute(as_user, mailoutbox, deliver):
    user = UserFactory(email="resend@example.test")
    client = as_user(user)

    response = client.post("/accounts/verify/resend/", {"next": "/accounts/addresses/"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/addresses/"
    assert len(account_events(handlers.EMAIL_VERIFICATION_REQUESTED)) == 1
    deliver()
    assert [m.to for m in mailoutbox] == [["resend@example.test"]]

    again = client.post("/accounts/verify/resend/")

    assert again.status_code == 429
    assert "We sent you a link less than a minute ago." in again.content.decode()
    assert len(account_events(handlers.EMAIL_VERIFICATION_REQUESTED)) == 1


def test_resend_for_a_verified_account_sends_nothing(as_user):
    user = UserFactory(email_verified_at="2026-01-01T00:00:00Z")

    response = as_user(user).post("/accounts/verify/resend/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/"
    assert account_events() == []


def test_signing_in_unverified_shows_a_reminder(client):
    UserFactory(email="later@example.test")

    response = client.post(
        "/accounts/login/", {"username": "later@example.test", "password": PASSWORD}, follow=True
    )

    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        "Please confirm your email address: follow the link we sent to later@example.test, "
        "or ask for a new one on your account page."
    ]


def test_a_verification_event_for_a_changed_address_sends_nothing(mailoutbox, deliver):
    user = UserFactory(email="first@example.test")

    with transaction.atomic():
        publish_event(
            type=handlers.EMAIL_VERIFICATION_REQUESTED,
            key=str(user.pk),
            data={"user_id": user.pk, "email": "old@example.test"},
        )

    assert deliver() == 1
    assert mailoutbox == []
