from __future__ import annotations

from django.db import transaction

from marketplace.accounts.models import User
from marketplace.events.services import publish_event


def user_ping(*, user: User) -> None:
    """Send the user a test notification through outbox → Kafka → worker → websocket."""
    with transaction.atomic():
        publish_event(
            type="user.ping",
            key=str(user.id),
            data={
                "user_id": user.id,
                "title": "Notifications work",
                "body": "This message travelled through Kafka to your open pages.",
            },
        )
