"""Kafka consumers that turn events into pushes to open pages."""

from __future__ import annotations

from django.db import transaction

from marketplace.events.consumers import Event, handles
from realtime.groups import user_group
from realtime.push import push_to_group


@handles(group="realtime-push", event_types=["user.ping"])
def push_ping(event: Event) -> None:
    """The smoke path: a `user.ping` event becomes a toast in that user's open pages."""
    group = user_group(int(event.data["user_id"]))
    payload = {
        "type": "toast",
        "title": event.data.get("title", "Notification"),
        "body": event.data.get("body", ""),
        "url": None,
    }
    transaction.on_commit(lambda: push_to_group(group=group, payload=payload))
