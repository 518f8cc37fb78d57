"""Changing the account's email address: confirmed from the new address, announced to the
old one."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY

from marketplace.accounts import handlers
from marketplace.accounts.models import User
from tests.accounts.conftest import account_events, link_in
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

CHANGE = "/accounts/email/"


@pytest.fixture
def person() -> User:
    return UserFactory(email="old@example.test", name="Olga")


def test_changing_needs_the_link_sent_to_the_new_address(as_user, person, mailoutbox, deliver):
    client = as_user(person)

    response = client.post(CHANGE, {"new_email": "New@Example.test", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/"
    person.refresh_from_db()
    assert person.email == "old@example.test"  # nothing changes before the link is followed
    assert [(e.type, e.data) for e in account_events()] == [
        (
            handlers.EMAIL_CHANGE_REQUESTED,
            {
                "user_id": person.pk,
                "old_email": "old@example.test",
                "new_email": "new@example.test",
            },
        )
    ]
    deliver()
    assert [(m.to, m.subject) for m in mailoutbox] == [
        (["new@example.test"], "Confirm your new email address")
    ]
    path = link_in(mailoutbox[0].body, "/accounts/email/confirm/")

    asked = client.get(path)

    assert asked.status_code == 200
    assert asked["Referrer-Policy"] == "strict-origin"
    assert "new@example.test" in asked.content.decode()
    person.refresh_from_db()
    assert person.email == "old@example.test"  # opening the link (a mail scanner) changes nothing

    confirmed = client.post(path)

    assert confirmed.status_code == 302
    assert confirmed["Location"] == "/accounts/"
    person.refresh_from_db()
    assert person.email == "new@example.test"
    assert person.email_verified_at is not None
    assert client.session[SESSION_KEY] == str(person.pk)  # still signed in
    mailoutbox.clear()
    deliver()
    assert [(m.to, m.subject) for m in mailoutbox] == [
        (["old@example.test"], "Your email address was changed")
    ]
    assert "new@example.test" in mailoutbox[0].body

    reused = client.post(path)

    assert reused.status_code == 400
    assert "This confirmation link is invalid, has expired or was used already." in (
        reused.content.decode()
    )


def test_the_link_works_without_being_signed_in(client, person, as_user, mailoutbox, deliver):
    as_user(person).post(CHANGE, {"new_email": "elsewhere@example.test", "password": PASSWORD})
    deliver()
    path = link_in(mailoutbox[0].body, "/accounts/email/confirm/")

    response = client.post(path)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    person.refresh_from_db()
    assert person.email == "elsewhere@example.test"
    signed_in = client.post(
        "/accounts/login/", {"username": "elsewhere@example.test", "password": PASSWORD}
    )
    assert signed_in.status_code == 302


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"new_email": "new@example.test", "password": "wrong"},
            {"password": ["That is not your current password."]},
        ),
        (
            {"new_email": "OLD@example.test", "password": PASSWORD},
            {"new_email": ["That is your email address already."]},
        ),
        (
            {"new_email": "shopper@example.test", "password": PASSWORD},
            {
                "new_email": [
                    "An account with this email address already exists. Sign in, or reset "
                    "your password if you forgot it."
                ]
            },
        ),
        (
            {"new_email": "not an email", "password": PASSWORD},
            {"new_email": ["Enter a valid email address."]},
        ),
    ],
)
def test_refused_changes_say_why_at_the_field_and_send_nothing(
    world, as_user, person, data, errors
):
    response = as_user(person).post(CHANGE, data)

    assert response.status_code == 422
    assert response.context["form"].errors == errors
    person.refresh_from_db()
    assert person.email == "old@example.test"
    assert account_events() == []


def test_an_address_taken_after_the_link_was_sent_is_refused(as_user, person, mailoutbox, deliver):
    as_user(person).post(CHANGE, {"new_email": "popular@example.test", "password": PASSWORD})
    deliver()
    path = link_in(mailoutbox[0].body, "/accounts/email/confirm/")
    UserFactory(email="popular@example.test")

    response = as_user(person).post(path)

    assert response.status_code == 409
    person.refresh_from_db()
    assert person.email == "old@example.test"


def test_a_tampered_link_is_refused(client, person):
    response = client.get("/accounts/email/confirm/eyJ1c2VyIjoxfQ:abc:def/")

    assert response.status_code == 400
    person.refresh_from_db()
    assert person.email == "old@example.test"


def test_a_second_change_request_within_a_minute_is_refused(as_user):
    person = UserFactory()
    client = as_user(person)
    client.post(CHANGE, {"new_email": "first@example.test", "password": PASSWORD})

    response = client.post(CHANGE, {"new_email": "second@example.test", "password": PASSWORD})

    assert response.status_code == 429
    assert [event.data["new_email"] for event in account_events()] == ["first@example.test"]
