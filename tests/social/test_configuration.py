"""Which providers are on, what the sign-in pages show, and where allauth is mounted."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.template import engines
from django.test import RequestFactory

from marketplace.social.configuration import providers_setting
from tests.social.conftest import LOGIN_PATHS, enabled_providers

pytestmark = pytest.mark.django_db

NO_PROVIDERS = providers_setting(
    github_client_id="",
    github_secret="",
    github_url="",
    google_client_id="",
    google_secret="",
    google_server_url="https://accounts.google.com",
)


def social_buttons(path: str = "/accounts/login/") -> str:
    template = engines["django"].get_template("accounts/includes/social_buttons.html")
    request = RequestFactory(HTTP_HOST="localhost").get(path)
    return template.render({}, request)


def test_without_client_ids_no_provider_has_an_app():
    assert NO_PROVIDERS == {"github": {"APPS": []}, "openid_connect": {"APPS": []}}


def test_a_client_id_without_its_secret_is_refused():
    with pytest.raises(ImproperlyConfigured, match="GITHUB_CLIENT_ID is set but"):
        providers_setting(
            github_client_id="abc",
            github_secret="",
            github_url="",
            google_client_id="",
            google_secret="",
            google_server_url="https://accounts.google.com",
        )


def test_google_signs_in_through_openid_connect_at_its_issuer():
    setting = providers_setting(
        github_client_id="",
        github_secret="",
        github_url="",
        google_client_id="id.apps.googleusercontent.com",
        google_secret="s3cret",
        google_server_url="https://accounts.google.com",
    )

    assert setting["openid_connect"]["APPS"] == [
        {
            "provider_id": "google",
            "name": "Google",
            "client_id": "id.apps.googleusercontent.com",
            "secret": "s3cret",
            "settings": {"server_url": "https://accounts.google.com", "oauth_pkce_enabled": True},
        }
    ]


@pytest.mark.parametrize("provider", ["github", "google"])
def test_a_provider_without_a_client_id_is_off(provider, settings, client):
    settings.SOCIALACCOUNT_PROVIDERS = NO_PROVIDERS

    assert "Continue with" not in social_buttons()
    assert client.post(LOGIN_PATHS[provider]).status_code == 404
    assert client.get(LOGIN_PATHS[provider]).status_code == 404
    assert client.get(LOGIN_PATHS[provider] + "callback/?code=x&state=y").status_code == 404


def test_only_configured_providers_get_a_button(settings, oauth_provider):
    settings.SOCIALACCOUNT_PROVIDERS = enabled_providers(oauth_provider, google=False)

    html = social_buttons()

    assert "Continue with GitHub" in html
    assert "Continue with Google" not in html


def test_the_buttons_post_to_the_provider_and_carry_next(settings, oauth_provider):
    settings.SOCIALACCOUNT_PROVIDERS = enabled_providers(oauth_provider)

    html = social_buttons("/accounts/login/?next=/sell/")

    assert 'action="/accounts/oauth/github/login/?process=login&amp;next=%2Fsell%2F"' in html
    assert 'action="/accounts/oauth/oidc/google/login/?process=login&amp;next=%2Fsell%2F"' in html
    assert html.count('name="csrfmiddlewaretoken"') == 2


def test_the_sign_in_page_offers_the_configured_providers(settings, oauth_provider, client):
    settings.SOCIALACCOUNT_PROVIDERS = enabled_providers(oauth_provider)

    body = client.get("/accounts/login/").content.decode()

    assert "Continue with GitHub" in body
    assert "Continue with Google" in body


def test_allauths_own_sign_in_page_sends_people_to_ours(client):
    response = client.get("/accounts/oauth/login/?next=/sell/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/sell/"


def test_our_sign_in_stays_ours(settings):
    assert settings.LOGIN_URL == "accounts:login"
    assert settings.AUTHENTICATION_BACKENDS[0] == "django.contrib.auth.backends.ModelBackend"
