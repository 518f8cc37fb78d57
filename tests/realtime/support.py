"""Helpers for the realtime tests: websocket clients through the real ASGI app and Redis
channel layer, and people with a verified email (notification emails go only to those)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.test import override_settings
from django.utils import timezone
from django.utils.module_loading import import_string

from marketplace.accounts.models import User
from marketplace.asgi import application
from tests.factories import UserFactory

ORIGIN = (b"origin", b"http://localhost")
DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def session_cookie_for(user: User) -> bytes:
    store_class = import_string(settings.SESSION_ENGINE + ".SessionStore")
    session = store_class()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}".encode()


def connect(user: User | None = None) -> WebsocketCommunicator:
    headers = [ORIGIN, (b"host", b"localhost")]
    if user is not None:
        headers.append((b"cookie", session_cookie_for(user)))
    return WebsocketCommunicator(application, "/ws/notifications/", headers=headers)


def shopper(**fields: object) -> User:
    """A signed-up shopper with a verified email address."""
    return UserFactory(email_verified_at=timezone.now(), **fields)


@contextmanager
def redis_down() -> Iterator[None]:
    """The channel layer points at a port nothing listens on (the cache stays up)."""
    layer: dict[str, Any] = dict(settings.CHANNEL_LAYERS["default"])
    layers = {"default": {**layer, "CONFIG": {**layer["CONFIG"], "hosts": [DEAD_REDIS]}}}
    channel_layers.backends.clear()
    try:
        with override_settings(CHANNEL_LAYERS=layers):
            yield
    finally:
        channel_layers.backends.clear()
