"""Notification emails: one at a time for "at once", one summary a day for digests.

Runs in the worker (the `notification-email` consumer and two periodic jobs), never in a
web request. Rows waiting for an email are a queue in the notifications table
(`emailed_at` null, `email_mode` not off); senders lock a batch with SKIP LOCKED, send it
over one SMTP connection and commit it, so two workers never send the same email and a
failure loses at most the batch in hand's bookkeeping, not the batches before it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from marketplace.accounts.models import User
from realtime.kinds import KINDS, Mode
from realtime.models import Notification

logger = logging.getLogger(__name__)

BATCH_SIZE = 100
MAX_ATTEMPTS = 3
DIGEST_EVERY = timedelta(hours=23)  # "once a day" for an hourly job that runs a bit late
DIGEST_MAX_ITEMS = 20


def _absolute(path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL.rstrip("/") + (path or "/")


def _message(
    *, to: str, subject: str, template: str, context: dict[str, Any]
) -> EmailMultiAlternatives:
    context = {
        "site_name": "Marketplace",
        "site_url": settings.SITE_URL.rstrip("/"),
        "settings_url": _absolute(reverse("accounts:notifications")),
        "subject": subject,
        **context,
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    return message


def _send_each(messages: Sequence[EmailMultiAlternatives]) -> list[bool]:
    """Send over one connection; whether each message went (a refused one is logged)."""
    results: list[bool] = []
    connection = get_connection()
    try:
        connection.open()
        for message in messages:
            message.connection = connection
            try:
                results.append(message.send() == 1)
            except Exception:
                logger.warning("notification email to %s failed", message.to, exc_info=True)
                results.append(False)
    except Exception:
        logger.warning("notification emails: no connection to the mail server", exc_info=True)
        results.extend(False for _ in range(len(messages) - len(results)))
    finally:
        try:
            connection.close()
        except Exception:
            logger.debug("closing the mail connection failed", exc_info=True)
    return results


def _record(sent: list[int], failed: list[int], *, now: datetime) -> None:
    if sent:
        Notification.objects.filter(id__in=sent).update(emailed_at=now)
    if failed:
        Notification.objects.filter(id__in=failed).update(email_attempts=F("email_attempts") + 1)


def _reachable(user: User | None) -> User | None:
    """The person if we may email them now: active, with a confirmed address."""
    if user is None or not user.is_active or not user.is_email_verified:
        return None
    return user


def instant_emails_send(
    *, kind: str | None = None, dedupe_key: str | None = None, batch_size: int = BATCH_SIZE
) -> int:
    """Send the waiting "at once" emails (of one notification, or all); how many went.
    Each batch is its own transaction."""
    sent_total = 0
    while True:
        now = timezone.now()
        with transaction.atomic():
            waiting = Notification.objects.filter(
                email_mode=Mode.INSTANT,
                emailed_at__isnull=True,
                email_attempts__lt=MAX_ATTEMPTS,
                user__isnull=False,
            )
            if kind is not None:
                waiting = waiting.filter(kind=kind, dedupe_key=dedupe_key)
            rows = list(
                waiting.select_for_update(skip_locked=True, of=("self",))
                .select_related("user")
                .order_by("id")[:batch_size]
            )
            if not rows:
                return sent_total
            deliverable = [(row, person) for row in rows if (person := _reachable(row.user))]
            # A person who left or lost their verified address since: no email, ever.
            dropped = [row.id for row in rows if _reachable(row.user) is None]
            if dropped:
                Notification.objects.filter(id__in=dropped).update(email_mode=Mode.OFF)
            messages = [
                _message(
                    to=person.email,
                    subject=row.title,
                    template="notification",
                    context={
                        "user": person,
                        "notification": row,
                        "url": _absolute(row.url),
                        "kind_label": KINDS[row.kind].label if row.kind in KINDS else row.kind,
                    },
                )
                for row, person in deliverable
            ]
            results = _send_each(messages)
            sent = [row.id for (row, _), ok in zip(deliverable, results, strict=True) if ok]
            failed = [row.id for (row, _), ok in zip(deliverable, results, strict=True) if not ok]
            _record(sent, failed, now=now)
            sent_total += len(sent)
        if len(rows) < batch_size:
            return sent_total


def digests_send(*, now: datetime | None = None) -> int:
    """One summary email per person whose digest notifications are waiting and who got no
    digest in the last day; how many digests went. Notifications read in the site since
    are left out of the email (and count as done)."""
    now = now or timezone.now()
    digest = Q(email_mode=Mode.DAILY_DIGEST)
    waiting = Notification.objects.filter(
        digest, user=OuterRef("pk"), emailed_at__isnull=True, email_attempts__lt=MAX_ATTEMPTS
    )
    recent = Notification.objects.filter(
        digest, user=OuterRef("pk"), emailed_at__gte=now - DIGEST_EVERY
    )
    user_ids = list(
        User.objects.filter(Exists(waiting), ~Exists(recent))
        .order_by("id")
        .values_list("id", flat=True)
    )
    sent = 0
    for user_id in user_ids:
        if _digest_send(user_id=user_id, now=now):
            sent += 1
    return sent


def _digest_send(*, user_id: int, now: datetime) -> bool:
    with transaction.atomic():
        user = User.objects.get(pk=user_id)
        rows = list(
            Notification.objects.filter(
                user=user,
                email_mode=Mode.DAILY_DIGEST,
                emailed_at__isnull=True,
                email_attempts__lt=MAX_ATTEMPTS,
            )
            .select_for_update(skip_locked=True)
            .order_by("-created_at", "-id")
        )
        if not rows:
            return False
        ids = [row.id for row in rows]
        if not (user.is_active and user.is_email_verified):
            Notification.objects.filter(id__in=ids).update(email_mode=Mode.OFF)
            return False
        unread = [row for row in rows if row.read_at is None]
        if unread:
            shown = unread[:DIGEST_MAX_ITEMS]
            count = len(unread)
            message = _message(
                to=user.email,
                subject=f"{count} update{'s' if count != 1 else ''} from shops you follow",
                template="notification_digest",
                context={
                    "user": user,
                    "items": [(row, _absolute(row.url)) for row in shown],
                    "more": count - len(shown),
                    "list_url": _absolute(reverse("realtime:list")),
                },
            )
            if not _send_each([message])[0]:
                # Left waiting: the next hourly run tries again.
                Notification.objects.filter(id__in=ids).update(
                    email_attempts=F("email_attempts") + 1
                )
                return False
        Notification.objects.filter(id__in=ids).update(emailed_at=now)
        return bool(unread)
