"""Redis down: pages and APIs keep working (sessions, caches and pushes fall back)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings

from marketplace.devtools.tansu import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down() -> Iterator[str]:
    dead = f"redis://127.0.0.1:{free_port()}/0"
    layer: dict[str, Any] = dict(settings.CHANNEL_LAYERS["default"])
    with override_settings(
        CACHES={"default": {**settings.CACHES["default"], "LOCATION": dead}},
        CHANNEL_LAYERS={"default": {**layer, "CONFIG": {**layer["CONFIG"], "hosts": [dead]}}},
    ):
        yield dead


def test_signed_in_pages_and_the_api_work_while_redis_is_down(world, as_user, redis_down):
    shopper = as_user(world.shopper)  # the session is written while Redis is down too
    owner = as_user(world.owner_a)

    statuses = {
        path: shopper.get(path).status_code
        for path in [
            "/",
            "/search?q=lamp",
            "/shops/alpha-goods/",
            "/shops/alpha-goods/products/alpha-lamp/",
            "/notifications/",
            "/following/",
            "/api/v1/listings",
            "/api/v1/me/notifications",
        ]
    }
    statuses["/sell/alpha-goods/"] = owner.get("/sell/alpha-goods/").status_code
    followed = shopper.post("/shops/alpha-goods/follow/", {"action": "follow"})

    assert statuses == dict.fromkeys(statuses, 200)
    assert followed.status_code == 302
    assert shopper.get("/following/").context["page_obj"].paginator.count == 1
