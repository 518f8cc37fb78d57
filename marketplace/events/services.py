"""Writing events: the outbox half of outbox → Kafka → consumers."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.utils import timezone

from marketplace.events.models import OutboxEvent
from marketplace.events.topics import topic_for

# The relay LISTENs on this channel; PostgreSQL delivers a NOTIFY only when the
# transaction that sent it commits, so a rolled-back change wakes nobody.
OUTBOX_CHANNEL = "marketplace_outbox"


def publish_event(*, type: str, key: str, data: dict[str, Any], version: int = 1) -> OutboxEvent:
    """Record an event to be published to Kafka once the current transaction commits.

    Requires an open transaction (the one making the change the event reports), so the
    change and its event are stored together or not at all. `key` orders events: those
    with the same key reach consumers in the order they were written.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("publish_event() must run inside the transaction making the change")
    event = OutboxEvent.objects.create(
        type=type,
        version=version,
        topic=topic_for(type),
        key=key,
        occurred_at=timezone.now(),
        data=data,
    )
    with connection.cursor() as cursor:
        cursor.execute(f"NOTIFY {OUTBOX_CHANNEL}")
    return event
