"""The relay: publishes pending outbox rows to Kafka, at least once, in order per key."""

from __future__ import annotations

import json
import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from confluent_kafka import KafkaError, Message, Producer
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from marketplace.events.kafka import make_producer, topics_ensure
from marketplace.events.models import OutboxEvent
from marketplace.events.services import OUTBOX_CHANNEL
from tenants.schemas import use_public_schema

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


def event_message(event: OutboxEvent) -> bytes:
    """The JSON envelope consumers receive."""
    return json.dumps(
        {
            "id": str(event.event_id),
            "type": event.type,
            "version": event.version,
            "key": event.key,
            "occurred_at": event.occurred_at.isoformat(),
            "data": event.data,
        },
        cls=DjangoJSONEncoder,
    ).encode()


@dataclass(frozen=True)
class RelayResult:
    published: int
    failed: int


def relay_batch(
    *, producer: Producer, limit: int = BATCH_SIZE, flush_timeout: float = 15.0
) -> RelayResult:
    """Publish up to `limit` pending events and mark the ones the broker acknowledged.

    Rows the broker did not acknowledge stay pending (with the error recorded) and are
    retried by the next batch. Several relays may run: rows are locked with SKIP LOCKED.
    """
    use_public_schema()
    with transaction.atomic():
        pending = list(
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(published_at__isnull=True)
            .order_by("id")[:limit]
        )
        if not pending:
            return RelayResult(published=0, failed=0)
        delivered: list[int] = []
        errors: dict[int, str] = {}

        def on_delivery(row_id: int) -> Callable[[KafkaError | None, Message], None]:
            def record(error: KafkaError | None, _message: Message) -> None:
                if error is None:
                    delivered.append(row_id)
                else:
                    errors[row_id] = str(error)

            return record

        for event in pending:
            producer.produce(
                event.topic,
                key=event.key.encode(),
                value=event_message(event),
                headers={"event_type": event.type},
                on_delivery=on_delivery(event.id),
            )
        producer.flush(flush_timeout)
        OutboxEvent.objects.filter(id__in=delivered).update(
            published_at=timezone.now(), attempts=F("attempts") + 1
        )
        failed = [event.id for event in pending if event.id not in set(delivered)]
        if failed:
            first_error = next(iter(errors.values()), "no acknowledgement before timeout")
            OutboxEvent.objects.filter(id__in=failed).update(
                attempts=F("attempts") + 1, last_error=first_error[:1000]
            )
            logger.warning("relay: %s events not acknowledged (%s)", len(failed), first_error)
    return RelayResult(published=len(delivered), failed=len(failed))


def pending_count() -> int:
    return OutboxEvent.objects.filter(published_at__isnull=True).count()


def _listen_connection() -> psycopg.Connection[Any]:
    db = settings.DATABASES["default"]
    conn = psycopg.connect(
        dbname=db["NAME"],
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        autocommit=True,
    )
    conn.execute(f"LISTEN {OUTBOX_CHANNEL}")
    return conn


def relay_forever(*, stop: threading.Event, idle_wait: float = 1.0) -> None:
    """Run until `stop` is set: publish, then sleep until NOTIFY or `idle_wait` seconds."""
    producer = make_producer()
    listener = _listen_connection()
    topics_ready = False
    failures = 0
    try:
        while not stop.is_set():
            try:
                if not topics_ready:
                    topics_ensure()
                    topics_ready = True
                result = relay_batch(producer=producer)
                if result.failed:
                    # The broker refused or timed out; it may have restarted empty.
                    failures += 1
                    topics_ready = False
                    stop.wait(min(2**failures, 10))
                    continue
                failures = 0
                if result.published == BATCH_SIZE:
                    continue
            except Exception:
                logger.exception("relay: batch failed")
                failures += 1
                topics_ready = False
                stop.wait(min(2**failures, 10))
                continue
            for _notify in listener.notifies(timeout=idle_wait, stop_after=1):
                pass
    finally:
        producer.flush(5)
        listener.close()


def install_stop_handlers(stop: threading.Event) -> None:
    """SIGTERM and SIGINT set `stop` so loops finish their batch and exit cleanly."""
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_args: stop.set())
