"""Social sign-in tests drive the real redirect flow against the local OAuth provider
(`oauth_provider`, session-wide, from tests/e2e/fixtures.py)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests
from django.contrib.auth import SESSION_KEY
from django.http import HttpResponse
from django.test import Client

from marketplace.devtools.oauth_provider import (
    DEFAULT_IDENTITY,
    DEMO_GITHUB_CLIENT,
    DEMO_GOOGLE_CLIENT,
    LocalOAuthProvider,
)
from marketplace.social.configuration import providers_setting

# Where "Continue with …" posts to; pinned so a change of mount point is noticed.
LOGIN_PATHS = {
    "github": "/accounts/oauth/github/login/",
    "google": "/accounts/oauth/oidc/google/login/",
}


def enabled_providers(
    provider: LocalOAuthProvider, *, github: bool = True, google: bool = True
) -> dict[str, dict[str, object]]:
    """SOCIALACCOUNT_PROVIDERS as settings.py builds it, pointed at the local provider."""
    return providers_setting(
        github_client_id=DEMO_GITHUB_CLIENT[0] if github else "",
        github_secret=DEMO_GITHUB_CLIENT[1] if github else "",
        github_url=provider.url,
        google_client_id=DEMO_GOOGLE_CLIENT[0] if google else "",
        google_secret=DEMO_GOOGLE_CLIENT[1] if google else "",
        google_server_url=provider.url,
    )


@pytest.fixture
def social_sign_in(settings, oauth_provider: LocalOAuthProvider) -> Iterator[LocalOAuthProvider]:  # type: ignore[no-untyped-def]
    """Google and GitHub sign-in switched on; the provider signs in its default identity
    until the test sets `identity`."""
    settings.SOCIALACCOUNT_PROVIDERS = enabled_providers(oauth_provider)
    oauth_provider.identity = DEFAULT_IDENTITY
    yield oauth_provider
    oauth_provider.identity = DEFAULT_IDENTITY


def start_sign_in(client: Client, provider: str, *, next_url: str | None = None) -> str:
    """Press "Continue with <provider>"; returns the provider's authorization URL."""
    query = f"?next={next_url}" if next_url else ""
    response = client.post(LOGIN_PATHS[provider] + query)
    assert response.status_code == 302, response.content[:500]
    return str(response["Location"])


def provider_answer(authorization_url: str) -> str:
    """What the browser does at the provider: follow the authorization URL, which sends it
    back to our callback. Returns the callback's path and query."""
    hop = requests.get(authorization_url, allow_redirects=False, timeout=10)
    assert hop.status_code == 302, hop.text
    callback = urlsplit(hop.headers["Location"])
    assert callback.netloc == "localhost"
    return f"{callback.path}?{callback.query}"


def sign_in_with(client: Client, provider: str, *, next_url: str | None = None) -> HttpResponse:
    """The whole round trip; returns our callback's response."""
    callback = provider_answer(start_sign_in(client, provider, next_url=next_url))
    return client.get(callback)


def signed_in_user_id(client: Client) -> str | None:
    return client.session.get(SESSION_KEY)
