"""Small helpers for calling the API as a client would."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.test import Client
from django.urls import resolve

from marketplace.accounts.handlers import GROUP as ACCOUNT_EMAIL_GROUP
from marketplace.accounts.models import User
from marketplace.apitokens.services import token_pair_issue
from marketplace.events.consumers import Event, event_process, registered_groups
from marketplace.events.models import OutboxEvent
from tests.factories import PASSWORD


def post_json(client: Client, path: str, body: dict[str, Any], **extra: Any) -> Any:
    return client.post(path, body, content_type="application/json", **extra)


def patch_json(client: Client, path: str, body: dict[str, Any], **extra: Any) -> Any:
    return client.patch(path, body, content_type="application/json", **extra)


def bearer(access: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access}"}


def sign_in(user: User) -> dict[str, Any]:
    """A token pair for `user` straight from the service (no request, no throttle)."""
    pair = token_pair_issue(user=user)
    return {"access": pair.access, "refresh": pair.refresh}


def obtain(client: Client, email: str, password: str = PASSWORD, **extra: Any) -> Any:
    """POST /auth/token as an API client signs in."""
    return post_json(client, "/api/v1/auth/token", {"email": email, "password": password}, **extra)


def deliver_events(group: str) -> int:
    """Hand the pending events that consumer group handles to its handlers, as the relay
    and the worker would; returns how many were handled."""
    registrations = registered_groups()[group]
    event_types = {event_type for r in registrations for event_type in r.event_types}
    handled = 0
    pending = OutboxEvent.objects.filter(published_at__isnull=True, type__in=event_types).order_by(
        "id"
    )
    for row in pending:
        event = Event(
            id=row.event_id,
            type=row.type,
            version=row.version,
            key=row.key,
            occurred_at=row.occurred_at,
            data=row.data,
        )
        handled += event_process(group=group, event=event, registrations=registrations)
    return handled


def deliver_account_emails() -> int:
    return deliver_events(ACCOUNT_EMAIL_GROUP)


def link_in(message: Any) -> tuple[str, dict[str, str]]:
    """The site link in an email's text and the URL arguments it resolves to."""
    urls = re.findall(re.escape(settings.SITE_URL.rstrip("/")) + r"/\S+", message.body)
    assert len(set(urls)) == 1, urls
    path = urlparse(urls[0]).path
    match = resolve(path)
    return match.view_name, match.kwargs
