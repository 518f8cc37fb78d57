"""Notifying people and shops, reading them, and notification settings.

`notify` and `notify_shop` store the notification and, once the transaction commits,
push it to the open pages of whoever should see it. Emails leave through the outbox: a
`notification.emails_due` event wakes the `notification-email` consumer
(realtime.emails), and the hourly digest job collects the rest.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.errors import ApplicationError
from marketplace.events.services import publish_event
from realtime.groups import shop_group, user_group
from realtime.kinds import MODES_FOR, Audience, Channel, Mode, kind_get, shopper_kinds
from realtime.models import Notification, NotificationPreference
from realtime.push import groups_listened, push_many
from realtime.selectors import modes_for_recipients, shop_unread_count, unread_count, unread_counts
from tenants.models import Membership, Shop

logger = logging.getLogger(__name__)

EMAILS_DUE = "notification.emails_due"


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


# --- telling people -----------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """What one `notify` call did (a redelivery tells nobody): `notified`, everyone who got
    a row now; `pushed`, those of them who see it in the site (their open pages, if any,
    get it after commit); `emailed_now`, those an email goes to at once."""

    notified: list[int] = field(default_factory=list)
    pushed: list[int] = field(default_factory=list)
    emailed_now: list[int] = field(default_factory=list)


def _payload(*, notification_id: int, kind: str, title: str, body: str, url: str) -> dict[str, Any]:
    """The websocket message realtime.js turns into a toast (see its header)."""
    return {
        "type": "notification",
        "id": notification_id,
        "kind": kind,
        "title": title,
        "body": body,
        "url": url or None,
    }


def notify(
    *,
    recipients: Iterable[int],
    kind: str,
    dedupe_key: str,
    title: str,
    body: str = "",
    url: str = "",
    data: Mapping[str, Any] | None = None,
) -> Delivery:
    """Tell each of `recipients` (user ids) about one thing, at most once ever.

    Each person's settings for `kind` decide the channels: in the site (stored, listed,
    pushed to their open pages with the new unread count) and email (at once or in the
    daily digest; only to verified addresses). People who turned both off, inactive
    accounts, and people already told about `(kind, dedupe_key)` get nothing.

    One INSERT … ON CONFLICT DO NOTHING for everyone: the unique constraint, not a
    check before writing, makes a redelivered event a no-op. Pushes go after commit; a
    failed push is logged and the notification still shows on the next page load.
    """
    kind_get(kind, audience=Audience.SHOPPER)
    title = title[:200]
    user_ids = sorted({int(each) for each in recipients})
    if not user_ids:
        return Delivery()
    modes = modes_for_recipients(kind=kind, user_ids=user_ids)
    wanted = [
        user_id
        for user_id in user_ids
        if modes[user_id][0] != Mode.OFF or modes[user_id][1] != Mode.OFF
    ]
    if not wanted:
        return Delivery()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {Notification._meta.db_table} (user_id, shop_id, kind, dedupe_key,"
                " title, body, url, data, created_at, in_app, email_mode, email_attempts)"
                " SELECT wanted.user_id, NULL, %s, %s, %s, %s, %s, %s::jsonb, %s, wanted.in_app,"
                # Email only confirmed addresses.
                "  CASE WHEN person.email_verified_at IS NULL THEN 'off'"
                "  ELSE wanted.email_mode END, 0"
                " FROM unnest(%s::bigint[], %s::boolean[], %s::text[])"
                "  AS wanted(user_id, in_app, email_mode)"
                f" JOIN {User._meta.db_table} person"
                "  ON person.id = wanted.user_id AND person.is_active"
                " WHERE wanted.in_app"
                "  OR (wanted.email_mode <> 'off' AND person.email_verified_at IS NOT NULL)"
                " ORDER BY wanted.user_id"
                " ON CONFLICT DO NOTHING"
                " RETURNING id, user_id, in_app, email_mode",
                [
                    kind,
                    dedupe_key,
                    title,
                    body,
                    url,
                    json.dumps(dict(data or {}), cls=DjangoJSONEncoder),
                    timezone.now(),
                    wanted,
                    [modes[user_id][0] != Mode.OFF for user_id in wanted],
                    [modes[user_id][1].value for user_id in wanted],
                ],
            )
            inserted = cursor.fetchall()
        if not inserted:
            return Delivery()
        shown = {user_id: row_id for row_id, user_id, in_app, _mode in inserted if in_app}
        emailed_now = sorted(
            user_id for _id, user_id, _in_app, mode in inserted if mode == Mode.INSTANT
        )
        if emailed_now:
            publish_event(
                type=EMAILS_DUE,
                key=f"{kind}:{dedupe_key}"[:100],
                data={"kind": kind, "dedupe_key": dedupe_key},
            )
        if shown:
            message = _payload(notification_id=0, kind=kind, title=title, body=body, url=url)
            transaction.on_commit(lambda: _push_to_people(shown=shown, message=message))
        return Delivery(
            notified=sorted(user_id for _id, user_id, _in_app, _mode in inserted),
            pushed=sorted(shown),
            emailed_now=emailed_now,
        )


def _push_to_people(*, shown: Mapping[int, int], message: Mapping[str, Any]) -> bool:
    """After commit: push the notification, with each person's unread count, to those of
    `shown` ({user id: notification id}) who have a page open now.

    Asking Redis who listens first (one round trip) spares the unread-count query and the
    pushes for everyone else — most of 10,000 followers have no page open. Someone who
    opens a page a moment later gets the new count when the socket opens, without a
    toast. False, logged, if Redis is down: the notification shows on the next page load.
    """
    groups = {user_group(user_id): user_id for user_id in shown}
    try:
        listening = groups_listened(groups=list(groups))
    except Exception:
        logger.warning("notification pushes to %s people failed", len(shown), exc_info=True)
        return False
    online = sorted(groups[group] for group in listening) if listening is not None else list(shown)
    if not online:
        return True
    counts = unread_counts(user_ids=online)
    return push_many(
        pushes=[
            (
                user_group(user_id),
                {**message, "id": shown[user_id], "unread": counts.get(user_id, 0)},
            )
            for user_id in online
        ]
    )


def notify_shop(
    *,
    shop_id: int,
    kind: str,
    dedupe_key: str,
    title: str,
    body: str = "",
    url: str = "",
    data: Mapping[str, Any] | None = None,
) -> Notification | None:
    """Tell a shop's team about one thing (a new order, low stock…), at most once.

    Stores one row for the shop and, after commit, pushes it to the group `shop.<id>`,
    which every signed-in member's open pages join. None if it was told before.
    """
    kind_get(kind, audience=Audience.SHOP)
    title = title[:200]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {Notification._meta.db_table} (user_id, shop_id, kind, dedupe_key,"
                " title, body, url, data, created_at, in_app, email_mode, email_attempts)"
                " VALUES (NULL, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, true, 'off', 0)"
                " ON CONFLICT DO NOTHING RETURNING id",
                [
                    shop_id,
                    kind,
                    dedupe_key,
                    title,
                    body,
                    url,
                    json.dumps(dict(data or {}), cls=DjangoJSONEncoder),
                    timezone.now(),
                ],
            )
            row = cursor.fetchone()
        if row is None:
            return None
        notification = Notification.objects.get(pk=row[0])
        payload = {
            **_payload(notification_id=notification.pk, kind=kind, title=title, body=body, url=url),
            "shop_id": shop_id,
            "shop_unread": shop_unread_count(shop_id=shop_id),
            # Who may read it now; the socket drops it (and leaves the group) for others.
            "member_ids": list(
                Membership.objects.filter(shop_id=shop_id).values_list("user_id", flat=True)
            ),
        }
        group = shop_group(shop_id)
        transaction.on_commit(lambda: push_many(pushes=[(group, payload)]))
    return notification


# --- reading ------------------------------------------------------------------------------


def _push_badge_after_commit(*, user: User) -> None:
    """Other open tabs of the person follow the unread count they changed here."""
    count = unread_count(user=user)
    group = user_group(user.pk)
    transaction.on_commit(lambda: push_many(pushes=[(group, {"type": "badge", "count": count})]))


def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of `user`'s notifications read (again is fine). Someone else's, or one
    that doesn't exist: 404, the same answer for both."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .filter(pk=notification_id, user=user, in_app=True)
            .first()
        )
        if notification is None:
            raise ApplicationError("No such notification.", code="not_found", status=404)
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
            _push_badge_after_commit(user=user)
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of `user` read; how many were."""
    with transaction.atomic():
        marked = Notification.objects.filter(user=user, in_app=True, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        if marked:
            _push_badge_after_commit(user=user)
    return marked


def shop_notification_mark_read(*, shop: Shop, notification_id: int) -> Notification:
    """For a member (checked by the caller): mark one of the shop's notifications read."""
    notification = Notification.objects.filter(pk=notification_id, shop=shop).first()
    if notification is None:
        raise ApplicationError("No such notification.", code="not_found", status=404)
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    notification.refresh_from_db(fields=["read_at"])
    return notification


def shop_notifications_mark_all_read(*, shop: Shop) -> int:
    return Notification.objects.filter(shop=shop, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- settings -----------------------------------------------------------------------------


def notification_preferences_update(
    *, user: User, changes: Mapping[str, Mapping[str, str]]
) -> None:
    """Save modes given as {kind: {channel: mode}}; what isn't named keeps its setting.

    Every problem is reported at once (`errors` keyed "kind.channel") and nothing is
    saved unless everything is valid.
    """
    kinds = {kind.key for kind in shopper_kinds()}
    errors: dict[str, str] = {}
    rows: list[NotificationPreference] = []
    for kind, channels in changes.items():
        if kind not in kinds:
            errors[kind] = "There is no such kind of notification."
            continue
        for channel, mode in channels.items():
            name = f"{kind}.{channel}"
            if channel not in {each.value for each in Channel}:
                errors[name] = "Choose the site (in_app) or email."
                continue
            allowed = MODES_FOR[Channel(channel)]
            if mode not in allowed:
                errors[name] = "Choose one of: " + ", ".join(each.value for each in allowed) + "."
                continue
            rows.append(NotificationPreference(user=user, kind=kind, channel=channel, mode=mode))
    if errors:
        raise ApplicationError(
            next(iter(errors.values())), code="invalid", field=next(iter(errors)), errors=errors
        )
    NotificationPreference.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["user", "kind", "channel"],
        update_fields=["mode", "updated_at"],
    )
