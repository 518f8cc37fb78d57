"""Outbox → relay → Kafka → consumers, against real Tansu brokers."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

import pytest
from confluent_kafka import Consumer
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from marketplace.devtools.tansu import TansuBroker
from marketplace.events.consumers import Event, GroupConsumer, Registration, event_process
from marketplace.events.kafka import make_producer, topics_ensure
from marketplace.events.models import OutboxEvent, ProcessedEvent
from marketplace.events.relay import relay_batch
from marketplace.events.services import publish_event
from marketplace.events.topics import topic_for

pytestmark = pytest.mark.django_db


def read_topic(bootstrap: str, topic: str, expected: int, timeout: float = 20) -> list[dict]:
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"reader-{uuid.uuid4()}",
            "auto.offset.reset": "earliest",
            "max.poll.interval.ms": 7000,
            "session.timeout.ms": 6000,
        }
    )
    consumer.subscribe([topic])
    bodies: list[dict] = []
    deadline = time.monotonic() + timeout
    try:
        while len(bodies) < expected and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None and message.error() is None:
                bodies.append(json.loads(message.value()))
    finally:
        consumer.close()
    return bodies


@pytest.fixture(autouse=True)
def _no_pending_events_from_other_tests() -> None:
    """Session fixtures commit events (shop.created); these tests count only their own."""
    OutboxEvent.objects.filter(published_at=None).update(published_at=timezone.now())


@pytest.fixture
def own_broker() -> Iterator[TansuBroker]:
    """A broker only this test uses, so stopping it touches nothing else."""
    broker = TansuBroker()
    broker.start()
    try:
        with override_settings(KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap):
            topics_ensure()
            yield broker
    finally:
        broker.stop()


def test_unknown_event_area_is_refused():
    with pytest.raises(ValueError):
        topic_for("nonsense.happened")


def test_relay_publishes_pending_events_in_order_and_marks_them(own_broker):
    with transaction.atomic():
        first = publish_event(type="user.ping", key="7", data={"n": 1})
        second = publish_event(type="user.ping", key="7", data={"n": 2})

    result = relay_batch(producer=make_producer())

    assert (result.published, result.failed) == (2, 0)
    assert OutboxEvent.objects.filter(id__in=[first.id, second.id], published_at=None).count() == 0
    bodies = read_topic(own_broker.bootstrap, topic_for("user.ping"), expected=2)
    assert [(b["id"], b["type"], b["key"], b["data"]) for b in bodies] == [
        (str(first.event_id), "user.ping", "7", {"n": 1}),
        (str(second.event_id), "user.ping", "7", {"n": 2}),
    ]


def test_events_wait_while_the_broker_is_down_and_go_out_when_it_returns(own_broker):
    own_broker.stop()
    with transaction.atomic():
        event = publish_event(type="shop.created", key="42", data={"shop_id": 42})

    result = relay_batch(producer=make_producer(), flush_timeout=12)

    assert (result.published, result.failed) == (0, 1)
    event.refresh_from_db()
    assert event.published_at is None
    assert event.attempts == 1
    assert event.last_error != ""

    own_broker.start()  # same port, empty memory: the relay re-creates topics
    topics_ensure()
    result = relay_batch(producer=make_producer())

    assert (result.published, result.failed) == (1, 0)
    event.refresh_from_db()
    assert event.published_at is not None
    bodies = read_topic(own_broker.bootstrap, topic_for("shop.created"), expected=1)
    assert [b["id"] for b in bodies] == [str(event.event_id)]


def test_a_redelivered_event_is_handled_once_per_group():
    calls: list[uuid.UUID] = []
    registrations = [
        Registration("test-group", frozenset({"user.ping"}), lambda e: calls.append(e.id))
    ]
    event = Event(uuid.uuid4(), "user.ping", 1, "1", __import__("datetime").datetime.now(), {})

    assert event_process(group="test-group", event=event, registrations=registrations) is True
    assert event_process(group="test-group", event=event, registrations=registrations) is False
    assert event_process(group="other-group", event=event, registrations=registrations) is True

    assert calls == [event.id, event.id]
    assert ProcessedEvent.objects.filter(event_id=event.id).count() == 2


def test_a_failing_handler_leaves_the_event_unprocessed():
    def explode(event: Event) -> None:
        raise ValueError("boom")

    registrations = [Registration("fragile", frozenset({"user.ping"}), explode)]
    event = Event(uuid.uuid4(), "user.ping", 1, "1", __import__("datetime").datetime.now(), {})

    with pytest.raises(ValueError):
        event_process(group="fragile", event=event, registrations=registrations)

    assert not ProcessedEvent.objects.filter(event_id=event.id).exists()


def test_group_consumer_receives_through_kafka_and_ignores_duplicates(own_broker):
    received: list[dict] = []
    registrations = [
        Registration("pipeline", frozenset({"user.ping"}), lambda e: received.append(e.data))
    ]
    with transaction.atomic():
        event = publish_event(type="user.ping", key="3", data={"hello": "world"})
    relay_batch(producer=make_producer())
    # Deliver the same event again, as at-least-once delivery may.
    OutboxEvent.objects.filter(id=event.id).update(published_at=None)
    relay_batch(producer=make_producer())

    consumer = GroupConsumer("pipeline", registrations)
    try:
        deadline = time.monotonic() + 20
        handled = 0
        while handled < 1 and time.monotonic() < deadline:
            handled += consumer.poll(timeout=0.5)
        # Drain the duplicate as well.
        for _ in range(4):
            consumer.poll(timeout=0.5)
    finally:
        consumer.close()

    assert received == [{"hello": "world"}]
