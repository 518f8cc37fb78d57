"""Kafka topics. An event's topic is the part of its type before the first dot."""

from __future__ import annotations

from django.conf import settings

# One topic per domain area; keys (shop id, order id, user id) keep per-key order.
TOPIC_NAMES = ("shop", "catalog", "user", "discount", "notification")
PARTITIONS = 3


def topic_for(event_type: str) -> str:
    area = event_type.split(".", 1)[0]
    if area not in TOPIC_NAMES or "." not in event_type:
        raise ValueError(
            f"Event type {event_type!r} must look like '<area>.<name>' "
            f"with area one of {TOPIC_NAMES}"
        )
    return settings.KAFKA_TOPIC_PREFIX + area


def all_topics() -> list[str]:
    return [settings.KAFKA_TOPIC_PREFIX + name for name in TOPIC_NAMES]
