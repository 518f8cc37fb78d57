"""Browser tests of the account paths, against the real stack: the emails travel from the
worker over SMTP into the test's mail sink, and the test follows their links."""

from __future__ import annotations

import re
import time
import uuid

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.e2e.fixtures import sign_in
from tests.factories import PASSWORD

# django_db: the stack reads the test database the session fixtures committed to.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

NEW_PASSWORD = "a-fresh-passphrase-42"


def fresh_email(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:8]}@example.test"


def register(page, live_stack, *, email: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_stack.url + "/")
    page.get_by_role("link", name="Register").click()
    expect(page.get_by_role("heading", name="Create an account")).to_be_visible()
    page.get_by_label("Name").fill("Nova Newcomer")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text(f"Welcome! We sent a link to {email}")).to_be_visible()


def session_cookie(page) -> dict:  # type: ignore[no-untyped-def]
    cookies = [c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME]
    assert len(cookies) == 1, cookies
    return cookies[0]


def test_a_newcomer_registers_and_verifies_the_address_from_the_email(page, live_stack, mail_sink):
    email = fresh_email("newcomer")
    register(page, live_stack, email=email, password=NEW_PASSWORD)

    page.get_by_role("link", name="Account").click()
    expect(page.get_by_text("Please verify your email address.")).to_be_visible()
    expect(page.get_by_text("Not verified")).to_be_visible()

    message = mail_sink.wait_for(to=email, subject_contains="Confirm your email address")
    link = message.links()[0]
    assert link.startswith(live_stack.url + "/accounts/verify/")
    page.goto(link)

    expect(page.get_by_role("heading", name="Your email address is verified")).to_be_visible()
    page.get_by_role("link", name="Your account").click()
    expect(page.get_by_text("Verified", exact=True)).to_be_visible()
    expect(page.get_by_text("Please verify your email address.")).to_have_count(0)


def test_signing_in_lasts_until_the_browser_closes(page, live_stack, world):
    sign_in(page, live_stack, email=world.shopper.email, password=PASSWORD)

    expect(page.get_by_role("link", name="Account")).to_be_visible()
    assert session_cookie(page)["expires"] == -1  # a browser-session cookie
    assert session_cookie(page)["httpOnly"] is True


def test_keep_me_signed_in_keeps_the_session_for_the_configured_time(page, live_stack, world):
    page.goto(live_stack.url + "/accounts/login/")
    page.get_by_label("Email").fill(world.shopper.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Keep me signed in").check()
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("link", name="Account")).to_be_visible()
    expires = session_cookie(page)["expires"]
    assert abs(expires - (time.time() + settings.SESSION_COOKIE_AGE)) < 120


def test_a_forgotten_password_is_reset_from_the_emailed_link_once(page, live_stack, mail_sink):
    email = fresh_email("forgetful")
    register(page, live_stack, email=email, password=NEW_PASSWORD)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()

    page.get_by_role("link", name="Sign in").click()
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    message = mail_sink.wait_for(to=email, subject_contains="Reset your password")
    link = message.links()[0]
    assert link.startswith(live_stack.url + "/accounts/password/reset/")
    page.goto(link)
    page.get_by_label("New password").fill("reset-by-mail-2026")
    page.get_by_role("button", name="Save new password").click()

    expect(page).to_have_url(live_stack.url + "/accounts/login/")
    expect(page.get_by_text("Your password is changed. Sign in with the new one.")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(NEW_PASSWORD)  # the old one
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("That email and password do not match an account.")).to_be_visible()
    sign_in(page, live_stack, email=email, password="reset-by-mail-2026")
    expect(page.get_by_role("link", name="Account")).to_be_visible()

    response = page.goto(link)

    assert response is not None and response.status == 400
    expect(page.get_by_role("heading", name="This link does not work")).to_be_visible()
    expect(page.get_by_text(re.compile("invalid, has expired or was used already"))).to_be_visible()


def test_signing_out(page, live_stack, world):
    sign_in(page, live_stack, email=world.shopper.email, password=PASSWORD)

    page.get_by_role("button", name="Sign out").click()

    expect(page.get_by_text("You are signed out.")).to_be_visible()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    expect(page.get_by_role("link", name="Account")).to_have_count(0)
    page.goto(live_stack.url + "/accounts/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/accounts/$"))
