"""allauth's SOCIALACCOUNT_PROVIDERS, built from our settings.

Imported by marketplace/settings.py, so it imports nothing that needs Django set up.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

# Google signs in through allauth's generic OpenID Connect provider under this id, so its
# accounts are stored as provider "google" and its URLs are /accounts/oauth/oidc/google/….
GOOGLE_PROVIDER_ID = "google"


def providers_setting(
    *,
    github_client_id: str,
    github_secret: str,
    github_url: str,
    google_client_id: str,
    google_secret: str,
    google_server_url: str,
) -> dict[str, dict[str, Any]]:
    """The SOCIALACCOUNT_PROVIDERS setting. A provider gets an app, and so a button and
    working URLs, only when its client id is set; a client id without its secret is a
    configuration error rather than a button that fails after the redirect."""
    for name, client_id, secret in (
        ("GITHUB", github_client_id, github_secret),
        ("GOOGLE", google_client_id, google_secret),
    ):
        if client_id and not secret:
            raise ImproperlyConfigured(f"{name}_CLIENT_ID is set but {name}_CLIENT_SECRET is not")

    github: dict[str, Any] = {"APPS": []}
    if github_url:
        # GitHub Enterprise layout (<url>/login/oauth/…, <url>/api/v3/…); empty: github.com.
        github["GITHUB_URL"] = github_url
    if github_client_id:
        github["APPS"].append({"client_id": github_client_id, "secret": github_secret, "key": ""})

    openid_connect: dict[str, Any] = {"APPS": []}
    if google_client_id:
        openid_connect["APPS"].append(
            {
                "provider_id": GOOGLE_PROVIDER_ID,
                "name": "Google",
                "client_id": google_client_id,
                "secret": google_secret,
                "settings": {"server_url": google_server_url, "oauth_pkce_enabled": True},
            }
        )
    return {"github": github, "openid_connect": openid_connect}
