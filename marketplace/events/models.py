from __future__ import annotations

import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class OutboxEvent(models.Model):
    """An event written in the same transaction as the change it reports.

    The relay publishes it to Kafka and sets `published_at` once the broker acknowledged it.
    """

    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(max_length=100)
    version = models.PositiveSmallIntegerField(default=1)
    topic = models.CharField(max_length=100)
    key = models.CharField(max_length=100)
    occurred_at = models.DateTimeField()
    data = models.JSONField(encoder=DjangoJSONEncoder)
    published_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["id"],
                name="events_outbox_pending_idx",
                condition=models.Q(published_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class ProcessedEvent(models.Model):
    """Marks an event as handled by one consumer group, so a redelivery is a no-op."""

    group = models.CharField(max_length=100)
    event_id = models.UUIDField()
    processed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "event_id"], name="events_processed_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.group}: {self.event_id}"
