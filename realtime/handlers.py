"""Kafka consumers and periodic jobs that turn events into notifications, pushes and
emails. Registered when the app loads (RealtimeConfig.ready)."""

from __future__ import annotations

from django.db import transaction

from marketplace.events.consumers import Event, every, handles
from realtime.discount_notifications import discount_activation_notify
from realtime.emails import digests_send, instant_emails_send
from realtime.groups import user_group
from realtime.push import push_to_group
from realtime.services import EMAILS_DUE
from sellers.discounts.selectors import discount_is_live

DISCOUNT_NOTIFICATIONS = "discount-notifications"
NOTIFICATION_EMAIL = "notification-email"


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


@handles(group=DISCOUNT_NOTIFICATIONS, event_types=["discount.activated"])
def notify_discount_activated(event: Event) -> None:
    """Followers of the shop and people who wished for a covered product hear of it."""
    discount_activation_notify(data=event.data, discount_is_live=discount_is_live)


@handles(group=NOTIFICATION_EMAIL, event_types=[EMAILS_DUE])
def send_instant_emails(event: Event) -> None:
    """Email the "at once" recipients of one notification. The sending runs after this
    handler's transaction commits, in batches that commit one by one, so a failure half
    way never re-sends the batches that went out; what is left (a crash, a refused
    address) is picked up by the sweep below."""
    kind = event.data["kind"]
    dedupe_key = event.data["dedupe_key"]
    transaction.on_commit(
        lambda: instant_emails_send(kind=kind, dedupe_key=dedupe_key), robust=True
    )


@every(60, name="notification-emails")
def sweep_instant_emails() -> None:
    instant_emails_send()


@every(3600, name="notification-digests")
def send_digests() -> None:
    """Hourly: each person with digest notifications waiting, and no digest in the last
    day, gets one email with them."""
    digests_send()
