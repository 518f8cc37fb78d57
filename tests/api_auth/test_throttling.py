"""Rate limits: 20 auth requests a minute per IP, 120 writes a minute per user."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from marketplace.accounts.models import User
from marketplace.apitokens.models import RefreshToken
from tests.api_auth.helpers import bearer, patch_json, post_json, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

THROTTLED = {"detail": "Too many requests.", "code": "throttled"}


def client_from(ip: str) -> Client:
    return Client(HTTP_HOST="localhost", REMOTE_ADDR=ip)


def test_the_21st_auth_request_in_a_minute_from_one_ip_is_429(real_throttle_rates):
    client = client_from("203.0.113.10")
    tokens = sign_in(UserFactory())
    for _ in range(20):
        response = post_json(client, "/api/v1/auth/token/refresh", {"refresh": "not.a.jwt"})
        assert response.status_code == 401

    refused = post_json(client, "/api/v1/auth/token/refresh", {"refresh": tokens["refresh"]})

    assert refused.status_code == 429
    assert refused.json() == THROTTLED
    assert 1 <= int(refused["Retry-After"]) <= 60
    # The refused request did nothing: its refresh token is still unused.
    assert RefreshToken.objects.get().used_at is None
    # Another address is counted apart.
    other = post_json(
        client_from("203.0.113.11"), "/api/v1/auth/token/refresh", {"refresh": tokens["refresh"]}
    )
    assert other.status_code == 200


def test_auth_endpoints_share_one_count_per_ip(real_throttle_rates):
    client = client_from("203.0.113.20")
    for _ in range(20):
        post_json(client, "/api/v1/auth/logout", {"refresh": "not.a.jwt"})

    response = post_json(client, "/api/v1/auth/token/refresh", {"refresh": "not.a.jwt"})

    assert response.status_code == 429


def test_the_121st_write_in_a_minute_by_one_user_is_429(real_throttle_rates):
    user = UserFactory(name="Start")
    tokens = sign_in(user)
    client = client_from("203.0.113.30")
    for number in range(120):
        response = patch_json(
            client, "/api/v1/me", {"name": f"Name {number}"}, headers=bearer(tokens["access"])
        )
        assert response.status_code == 200

    refused = patch_json(
        client, "/api/v1/me", {"name": "One too many"}, headers=bearer(tokens["access"])
    )

    assert refused.status_code == 429
    assert refused.json() == THROTTLED
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert User.objects.get(pk=user.pk).name == "Name 119"
    # Reads are not writes; another user writing from the same address is counted apart.
    assert client.get("/api/v1/me", headers=bearer(tokens["access"])).status_code == 200
    other = sign_in(UserFactory())
    assert (
        patch_json(
            client, "/api/v1/me", {"name": "Other"}, headers=bearer(other["access"])
        ).status_code
        == 200
    )


def test_with_redis_down_requests_are_served_uncounted(real_throttle_rates, caplog):
    user = UserFactory(name="Start")
    tokens = sign_in(user)
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        }
    }

    with override_settings(CACHES=unreachable):
        renamed = patch_json(
            client_from("203.0.113.40"),
            "/api/v1/me",
            {"name": "Renamed"},
            headers=bearer(tokens["access"]),
        )
        refreshed = post_json(
            client_from("203.0.113.40"),
            "/api/v1/auth/token/refresh",
            {"refresh": tokens["refresh"]},
        )

    assert renamed.status_code == 200
    assert refreshed.status_code == 200
    assert User.objects.get(pk=user.pk).name == "Renamed"
    assert "API throttle unavailable (Redis): allowing the request" in caplog.text
