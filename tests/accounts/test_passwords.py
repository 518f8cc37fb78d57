"""Changing a password, and resetting a forgotten one through the emailed link."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import transaction
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from marketplace.accounts import handlers
from marketplace.accounts.models import User
from marketplace.events.consumers import Event
from tests.accounts.conftest import account_events, link_in
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

CHANGE = "/accounts/password/change/"
RESET = "/accounts/password/reset/"
NEW_PASSWORD = "a-brand-new-passphrase"


# --- change -----------------------------------------------------------------------------


def test_a_wrong_current_password_is_refused_at_its_field(as_user):
    user = UserFactory()
    client = as_user(user)

    response = client.post(CHANGE, {"old_password": "not-it", "new_password": NEW_PASSWORD})

    assert response.status_code == 422
    assert response.context["form"].errors == {
        "old_password": ["That is not your current password."]
    }
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_weak_new_password_is_refused_at_its_field(as_user):
    user = UserFactory()

    response = as_user(user).post(CHANGE, {"old_password": PASSWORD, "new_password": "abc"})

    assert response.status_code == 422
    assert response.context["form"].errors == {
        "new_password": [
            "This password is too short. It must contain at least 8 characters. "
            "This password is too common."
        ]
    }
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_changing_keeps_this_session_and_ends_the_others(as_user):
    user = UserFactory()
    here, elsewhere = as_user(user), as_user(user)

    response = here.post(CHANGE, {"old_password": PASSWORD, "new_password": NEW_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert here.get("/accounts/").status_code == 200
    signed_out = elsewhere.get("/accounts/")
    assert signed_out.status_code == 302
    assert signed_out["Location"] == "/accounts/login/?next=/accounts/"


# --- reset ------------------------------------------------------------------------------


def test_a_reset_request_for_a_known_address_emails_a_single_use_link(client, mailoutbox, deliver):
    user = UserFactory(email="forgetful@example.test", name="Forgetful")

    response = client.post(RESET, {"email": "Forgetful@Example.test"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert [(e.type, e.data) for e in account_events()] == [
        (handlers.PASSWORD_RESET_REQUESTED, {"user_id": user.pk})
    ]
    assert deliver() == 1
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["forgetful@example.test"]
    assert mailoutbox[0].subject == "Reset your password"
    assert "The link works once, for 60 minutes." in mailoutbox[0].body
    path = link_in(mailoutbox[0].body, "/accounts/password/reset/")

    form = client.get(path)

    assert form.status_code == 200
    assert form["Referrer-Policy"] == "strict-origin"
    assert form["Cache-Control"].startswith("max-age=0")
    assert list(form.context["form"].fields) == ["new_password"]

    weak = client.post(path, {"new_password": "forgetful"})

    assert weak.status_code == 422
    assert weak.context["form"].errors == {
        "new_password": ["The password is too similar to the email address."]
    }
    user.refresh_from_db()
    assert user.check_password(PASSWORD)

    done = client.post(path, {"new_password": NEW_PASSWORD})

    assert done.status_code == 302
    assert done["Location"] == "/accounts/login/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert user.email_verified_at is not None  # the link proved the address

    for reused in (client.get(path), client.post(path, {"new_password": "yet-another-one-9"})):
        assert reused.status_code == 400
        assert "This password reset link is invalid, has expired or was used already." in (
            reused.content.decode()
        )
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_a_reset_request_for_an_unknown_address_looks_identical(world, client, mailoutbox):
    UserFactory(email="known@example.test")
    known = client.post(RESET, {"email": "known@example.test"}, follow=True)
    unknown = client.post(RESET, {"email": "unknown@example.test"}, follow=True)

    assert known.status_code == unknown.status_code == 200
    assert (
        known.redirect_chain == unknown.redirect_chain == [("/accounts/password/reset/sent/", 302)]
    )
    strip = lambda body: re.sub(r'"X-CSRFToken": "[^"]+"', "", body.decode())  # noqa: E731
    assert strip(known.content) == strip(unknown.content)
    assert [e.data for e in account_events()] == [
        {"user_id": User.objects.get(email="known@example.test").pk}
    ]


def test_repeated_reset_requests_send_one_email_a_minute(client):
    user = UserFactory(email="impatient@example.test")

    for _ in range(3):
        assert client.post(RESET, {"email": "impatient@example.test"}).status_code == 302

    assert [e.data for e in account_events()] == [{"user_id": user.pk}]


def test_no_reset_for_a_deactivated_account(client):
    UserFactory(email="closed@example.test", is_active=False)

    response = client.post(RESET, {"email": "closed@example.test"})

    assert response.status_code == 302
    assert account_events() == []


def test_a_malformed_address_is_a_field_error(client):
    response = client.post(RESET, {"email": "nope"})

    assert response.status_code == 422
    assert response.context["form"].errors == {"email": ["Enter a valid email address."]}


class _TwoHoursAgo(PasswordResetTokenGenerator):
    def _now(self) -> datetime:
        return datetime.now() - timedelta(hours=2)


@pytest.mark.parametrize("kind", ["expired", "wrong token", "unknown user", "bad uid"])
def test_bad_reset_links_are_refused_and_change_nothing(client, kind):
    user = UserFactory()
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = {
        "expired": f"{RESET}{uid}/{_TwoHoursAgo().make_token(user)}/",
        "wrong token": f"{RESET}{uid}/abc-0123456789abcdef/",
        "unknown user": f"{RESET}{urlsafe_base64_encode(b'999999')}/"
        f"{PasswordResetTokenGenerator().make_token(user)}/",
        "bad uid": f"{RESET}!!/{PasswordResetTokenGenerator().make_token(user)}/",
    }[kind]

    shown = client.get(path)
    posted = client.post(path, {"new_password": NEW_PASSWORD})

    assert shown.status_code == posted.status_code == 400
    assert 'href="/accounts/password/reset/"' in shown.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_resetting_signs_out_whoever_was_signed_in_there(as_user, deliver, mailoutbox):
    user = UserFactory(email="shared@example.test")
    client = as_user(user)
    client.post(RESET, {"email": "shared@example.test"})
    deliver()
    path = link_in(mailoutbox[0].body, "/accounts/password/reset/")

    client.post(path, {"new_password": NEW_PASSWORD})

    assert SESSION_KEY not in client.session


def test_a_reset_event_older_than_the_link_lifetime_sends_nothing(mailoutbox):
    user = UserFactory()
    event = Event(
        id=uuid.uuid4(),
        type=handlers.PASSWORD_RESET_REQUESTED,
        version=1,
        key=str(user.pk),
        occurred_at=timezone.now() - timedelta(hours=2),
        data={"user_id": user.pk},
    )

    with transaction.atomic():
        handlers.send_password_reset(event)

    assert mailoutbox == []
