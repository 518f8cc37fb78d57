"""confluent-kafka clients configured the one way the project uses them."""

from __future__ import annotations

import logging
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic
from django.conf import settings

from marketplace.events.topics import PARTITIONS, all_topics

logger = logging.getLogger(__name__)


def _base_config() -> dict[str, Any]:
    return {"bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS, "client.id": "marketplace"}


def make_producer() -> Producer:
    """An idempotent producer that reports a delivery only once every replica has it."""
    return Producer(
        {
            **_base_config(),
            "enable.idempotence": True,
            "acks": "all",
            "linger.ms": 5,
            # Fail a delivery within 10 s so the relay retries from the outbox instead of
            # holding rows while the broker is down.
            "message.timeout.ms": 10000,
            "socket.connection.setup.timeout.ms": 3000,
        }
    )


def make_consumer(group: str) -> Consumer:
    return Consumer(
        {
            **_base_config(),
            "group.id": group,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            # Hand a fetched message over at once rather than waiting for a fuller batch:
            # notifications are judged by how soon the toast appears.
            "fetch.wait.max.ms": 10,
            **settings.KAFKA_CONSUMER_TIMEOUTS,
        }
    )


def make_admin() -> AdminClient:
    return AdminClient({**_base_config(), "socket.connection.setup.timeout.ms": 3000})


def topics_ensure(*, timeout: float = 10.0) -> None:
    """Create every topic the project uses; topics that exist already are fine."""
    admin = make_admin()
    futures = admin.create_topics(
        [NewTopic(name, num_partitions=PARTITIONS, replication_factor=1) for name in all_topics()],
        request_timeout=timeout,
    )
    for name, future in futures.items():
        try:
            future.result(timeout=timeout)
        except KafkaException as exc:
            error = exc.args[0]
            if error.code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise
        logger.debug("topic ready: %s", name)


def broker_reachable(*, timeout: float = 2.0) -> bool:
    try:
        make_admin().list_topics(timeout=timeout)
    except KafkaException:
        return False
    return True
