"""Consuming events: handler registry, idempotent processing and the worker loop.

Apps register handlers at start-up (in AppConfig.ready) with `@handles(...)`. Each
consumer group sees every event of the types it handles at least once; the
processed-event table turns a redelivery into a no-op.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Message
from django.db import close_old_connections, connection, transaction

from marketplace.events.kafka import make_consumer
from marketplace.events.topics import topic_for
from tenants.schemas import use_public_schema

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    id: uuid.UUID
    type: str
    version: int
    key: str
    occurred_at: datetime
    data: dict[str, Any]

    @classmethod
    def from_message(cls, value: bytes) -> Event:
        body = json.loads(value)
        return cls(
            id=uuid.UUID(body["id"]),
            type=body["type"],
            version=body["version"],
            key=body["key"],
            occurred_at=datetime.fromisoformat(body["occurred_at"]),
            data=body["data"],
        )


Handler = Callable[[Event], None]


@dataclass(frozen=True)
class Registration:
    group: str
    event_types: frozenset[str]
    handler: Handler


_registry: list[Registration] = []


def handles(*, group: str, event_types: Iterable[str]) -> Callable[[Handler], Handler]:
    """Register a handler for the consumer group `group`.

    The handler runs inside a transaction in the public schema; it sets a shop schema
    itself when it needs one, and defers side effects (pushes, email) with
    `transaction.on_commit`.
    """

    def register(handler: Handler) -> Handler:
        types = frozenset(event_types)
        for event_type in types:
            topic_for(event_type)  # fail at start-up on a type with no topic
        _registry.append(Registration(group=group, event_types=types, handler=handler))
        return handler

    return register


def registered_groups() -> dict[str, list[Registration]]:
    groups: dict[str, list[Registration]] = {}
    for registration in _registry:
        groups.setdefault(registration.group, []).append(registration)
    return groups


def event_process(*, group: str, event: Event, registrations: list[Registration]) -> bool:
    """Run the group's handlers for `event` once. False when it was processed before."""
    use_public_schema()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                'INSERT INTO events_processedevent ("group", event_id, processed_at) '
                "VALUES (%s, %s, now()) ON CONFLICT DO NOTHING RETURNING id",
                [group, event.id],
            )
            if cursor.fetchone() is None:
                return False
        for registration in registrations:
            if event.type in registration.event_types:
                registration.handler(event)
    use_public_schema()
    return True


class GroupConsumer:
    """One Kafka consumer group and the handlers registered for it."""

    max_attempts = 3

    def __init__(self, group: str, registrations: list[Registration]) -> None:
        self.group = group
        self.registrations = registrations
        topics = sorted({topic_for(t) for r in registrations for t in r.event_types})
        self.consumer: Consumer = make_consumer(group)
        self.consumer.subscribe(topics)

    def poll(self, *, timeout: float = 1.0, max_messages: int = 100) -> int:
        """Handle what arrives within `timeout`; commit offsets after. Returns events handled."""
        # Wait (up to `timeout`) for the first message only, then take what else is already
        # fetched without waiting: consume(n, timeout) waits out the whole timeout unless
        # n messages arrive, which added ~0.5 s to every lone event (bench/notifications.py).
        first = self.consumer.poll(timeout)
        messages = [first] if first is not None else []
        if first is not None and max_messages > 1:
            messages += self.consumer.consume(num_messages=max_messages - 1, timeout=0)
        handled = 0
        for message in messages:
            if self._handle(message):
                handled += 1
        if messages:
            self.consumer.commit(asynchronous=False)
        return handled

    def _handle(self, message: Message) -> bool:
        error = message.error()
        if error is not None:
            if error.code() != KafkaError._PARTITION_EOF:
                logger.warning("consumer %s: %s", self.group, error)
            return False
        value = message.value()
        if value is None:
            return False
        event = Event.from_message(value)
        for attempt in range(1, self.max_attempts + 1):
            try:
                return event_process(
                    group=self.group, event=event, registrations=self.registrations
                )
            except Exception:
                logger.exception(
                    "consumer %s: %s %s failed (attempt %s)",
                    self.group,
                    event.type,
                    event.id,
                    attempt,
                )
                close_old_connections()
                time.sleep(0.2 * attempt)
        logger.error("consumer %s: giving up on %s %s", self.group, event.type, event.id)
        return False

    def close(self) -> None:
        self.consumer.close()


def consume_forever(
    *, group: str, registrations: list[Registration], stop: threading.Event
) -> None:
    """Poll until `stop` is set. A failed poll or offset commit (a rebalance, a broker
    that went away) must not end the group's thread for good: log, start a fresh consumer
    and go on; events whose offsets weren't committed come again, and the processed-event
    table makes that harmless."""
    runner = GroupConsumer(group, registrations)
    try:
        while not stop.is_set():
            try:
                runner.poll(timeout=0.5)
            except KafkaException:
                logger.exception("consumer %s: poll failed; reconnecting", group)
                with contextlib.suppress(KafkaException, RuntimeError):
                    runner.close()
                stop.wait(1.0)
                runner = GroupConsumer(group, registrations)
    finally:
        runner.close()
        connection.close()


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every_seconds: float
    run: Callable[[], object]


_periodic_jobs: list[PeriodicJob] = []


def every(seconds: float, *, name: str) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Register a job the worker runs on start and then every `seconds`."""

    def register(func: Callable[[], object]) -> Callable[[], object]:
        _periodic_jobs.append(PeriodicJob(name=name, every_seconds=seconds, run=func))
        return func

    return register


def run_periodic_jobs(*, stop: threading.Event) -> None:
    due = {job.name: 0.0 for job in _periodic_jobs}
    try:
        while not stop.is_set():
            now = time.monotonic()
            for job in _periodic_jobs:
                if now >= due[job.name]:
                    try:
                        job.run()
                    except Exception:
                        logger.exception("periodic job %s failed", job.name)
                        close_old_connections()
                    due[job.name] = time.monotonic() + job.every_seconds
            stop.wait(0.5)
    finally:
        connection.close()
