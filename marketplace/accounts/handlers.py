"""The account-email consumer: account events from the outbox become emails.

The web request only records the event; the worker makes the link and sends the message.
That keeps SMTP out of requests (a password-reset request for an unknown address takes as
long as one for a known address) and retries a send that fails.

Emails are sent inside the handler's transaction rather than after it commits: if sending
fails the handler raises, the event is not marked processed and the worker retries it.
The price is a rare duplicate email when the commit fails after a send; a lost reset link
would be worse.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import timezone

from marketplace.accounts.emails import (
    email_change_email_send,
    email_changed_notice_send,
    email_verification_email_send,
    password_reset_email_send,
)
from marketplace.accounts.models import User
from marketplace.events.consumers import Event, handles

logger = logging.getLogger(__name__)

GROUP = "account-email"
EMAIL_VERIFICATION_REQUESTED = "user.email_verification_requested"
PASSWORD_RESET_REQUESTED = "user.password_reset_requested"  # noqa: S105  (an event type)
EMAIL_CHANGE_REQUESTED = "user.email_change_requested"
EMAIL_CHANGED = "user.email_changed"
EVENT_TYPES = (
    EMAIL_VERIFICATION_REQUESTED,
    PASSWORD_RESET_REQUESTED,
    EMAIL_CHANGE_REQUESTED,
    EMAIL_CHANGED,
)


def _active_user(event: Event) -> User | None:
    user = User.objects.filter(pk=event.data["user_id"], is_active=True).first()
    if user is None:
        logger.info("%s %s: user gone or deactivated, no email", event.type, event.id)
    return user


@handles(group=GROUP, event_types=[EMAIL_VERIFICATION_REQUESTED])
def send_email_verification(event: Event) -> None:
    user = _active_user(event)
    # A later email change made this request stale; that change sends its own link.
    if user is None or user.is_email_verified or user.email != event.data["email"]:
        return
    email_verification_email_send(user=user)


@handles(group=GROUP, event_types=[PASSWORD_RESET_REQUESTED])
def send_password_reset(event: Event) -> None:
    age = (timezone.now() - event.occurred_at).total_seconds()
    if age > settings.PASSWORD_RESET_TIMEOUT:
        # Delivered after the link would have expired (broker or worker down that long):
        # the person has asked again or given up; a late email would only confuse.
        logger.warning("%s %s: %.0f s old, not sent", event.type, event.id, age)
        return
    user = _active_user(event)
    if user is None:
        return
    password_reset_email_send(user=user)


@handles(group=GROUP, event_types=[EMAIL_CHANGE_REQUESTED])
def send_email_change_link(event: Event) -> None:
    user = _active_user(event)
    if user is None or user.email != event.data["old_email"]:
        return
    email_change_email_send(
        user=user, old_email=event.data["old_email"], new_email=event.data["new_email"]
    )


@handles(group=GROUP, event_types=[EMAIL_CHANGED])
def send_email_changed_notice(event: Event) -> None:
    user = User.objects.filter(pk=event.data["user_id"]).first()
    if user is None:
        return
    email_changed_notice_send(
        user=user, old_email=event.data["old_email"], new_email=event.data["new_email"]
    )
