"""The notification websocket, through the real ASGI app and the Redis channel layer."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.utils.module_loading import import_string

from marketplace.asgi import application
from realtime.groups import user_group
from realtime.push import push_to_group
from tests.factories import UserFactory

# Tests are sync functions that run their async part with async_to_sync: the consumer's
# database calls then come back to this thread and see this test's transaction.
pytestmark = pytest.mark.django_db

ORIGIN = (b"origin", b"http://localhost")


def session_cookie_for(user) -> bytes:
    store_class = import_string(settings.SESSION_ENGINE + ".SessionStore")
    session = store_class()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}".encode()


def connect(cookie: bytes | None = None) -> WebsocketCommunicator:
    headers = [ORIGIN, (b"host", b"localhost")]
    if cookie:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, "/ws/notifications/", headers=headers)


def test_anonymous_visitors_are_refused():
    async def scenario() -> tuple[bool, int | None]:
        return await connect().connect()

    assert async_to_sync(scenario)() == (False, 4401)


def test_a_foreign_origin_is_refused(world):
    cookie = session_cookie_for(world.shopper)

    async def scenario() -> bool:
        communicator = WebsocketCommunicator(
            application,
            "/ws/notifications/",
            headers=[
                (b"origin", b"http://evil.example"),
                (b"host", b"localhost"),
                (b"cookie", cookie),
            ],
        )
        connected, _code = await communicator.connect()
        return connected

    assert async_to_sync(scenario)() is False


def test_a_push_reaches_only_its_user(world):
    mine = connect(session_cookie_for(world.shopper))
    theirs = connect(session_cookie_for(UserFactory()))
    payload = {"type": "toast", "title": "Hi", "body": "Only for you", "url": None}

    async def scenario() -> tuple[bool, dict, bool]:
        assert (await mine.connect())[0] is True
        assert (await theirs.connect())[0] is True
        await asyncio.sleep(0.2)  # let the pub/sub subscriptions settle
        layer = get_channel_layer()
        await layer.group_send(user_group(world.shopper.id), {"type": "push", "payload": payload})
        received = await mine.receive_json_from(timeout=3)
        nothing_for_them = await theirs.receive_nothing(timeout=0.5)
        await mine.disconnect()
        await theirs.disconnect()
        return True, received, nothing_for_them

    assert async_to_sync(scenario)() == (True, payload, True)


def test_push_reports_failure_when_redis_is_down(settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    try:
        assert push_to_group(group="user.1", payload={"type": "toast"}) is False
    finally:
        channel_layers.backends.clear()
