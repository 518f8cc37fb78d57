"""Signing in with GitHub in a real browser: our page, the local provider, our callback."""

from __future__ import annotations

import uuid

import pytest
from allauth.socialaccount.models import SocialAccount
from playwright.sync_api import expect

from marketplace.accounts.models import User
from marketplace.devtools.oauth_provider import DEFAULT_IDENTITY, Identity

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


def test_continue_with_github_on_the_sign_in_page_ends_signed_in(page, live_stack, oauth_provider):
    # The stack commits what it creates, so each run signs in as someone new.
    token = uuid.uuid4()
    email = f"octo-{token.hex[:10]}@example.test"
    oauth_provider.identity = Identity(
        subject=str(token.int % 10**9), email=email, name="Octo Browser"
    )
    try:
        page.goto(live_stack.url + "/accounts/login/")
        page.get_by_role("button", name="Continue with GitHub").click()

        expect(page).to_have_url(live_stack.url + "/")
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        expect(page.get_by_text(email, exact=True)).to_be_visible()
        expect(page.get_by_text(f"Successfully signed in as {email}.")).to_be_visible()
    finally:
        oauth_provider.identity = DEFAULT_IDENTITY

    user = User.objects.get(email=email)
    assert user.name == "Octo Browser"
    assert user.email_verified_at is not None
    assert SocialAccount.objects.get(user=user).provider == "github"
