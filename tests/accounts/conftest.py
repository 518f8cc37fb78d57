"""Helpers for the account tests: run the account-email consumer in-process."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from marketplace.accounts import handlers
from marketplace.events.consumers import Event, event_process, registered_groups
from marketplace.events.models import OutboxEvent


def account_events(event_type: str | None = None) -> list[OutboxEvent]:
    """The account events written by this test, oldest first."""
    rows = OutboxEvent.objects.filter(type__startswith="user.").order_by("id")
    if event_type is not None:
        rows = rows.filter(type=event_type)
    return list(rows)


@pytest.fixture
def deliver() -> Callable[[], int]:
    """`deliver()` hands the pending account events to the account-email consumer, as the
    worker does after the relay published them; returns how many it processed."""

    def run() -> int:
        registrations = registered_groups()[handlers.GROUP]
        processed = 0
        for row in OutboxEvent.objects.filter(
            type__in=handlers.EVENT_TYPES, published_at=None
        ).order_by("id"):
            event = Event(
                id=row.event_id,
                type=row.type,
                version=row.version,
                key=row.key,
                occurred_at=row.occurred_at,
                data=row.data,
            )
            processed += event_process(
                group=handlers.GROUP, event=event, registrations=registrations
            )
        return processed

    return run


def link_in(body: str, path_prefix: str) -> str:
    """The one absolute link in `body` whose path starts with `path_prefix`, as a path."""
    links = re.findall(r"http://localhost:8000(" + re.escape(path_prefix) + r"[^\s\"<]*)", body)
    assert len(set(links)) == 1, links
    return links[0]
