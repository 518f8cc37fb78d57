"""Reading notifications and notification settings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet

from marketplace.accounts.models import User
from realtime.kinds import KINDS, MODES_FOR, Channel, Mode, NotificationKind, shopper_kinds
from realtime.models import Notification, NotificationPreference
from tenants.models import Shop


def notifications_of(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """What the site shows `user` (not the email-only rows), newest first."""
    notifications = Notification.objects.filter(user=user, in_app=True)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.order_by("-created_at", "-id")


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, in_app=True, read_at__isnull=True).count()


def unread_counts(*, user_ids: Iterable[int]) -> dict[int, int]:
    """Unread in-site notifications per person, for many people in one query."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT user_id, count(*) FROM {Notification._meta.db_table}"
            " WHERE user_id = ANY(%s) AND in_app AND read_at IS NULL GROUP BY user_id",
            [list(user_ids)],
        )
        return dict(cursor.fetchall())


def shop_notifications_of(*, shop: Shop, unread_only: bool = False) -> QuerySet[Notification]:
    notifications = Notification.objects.filter(shop=shop)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.order_by("-created_at", "-id")


def shop_unread_count(*, shop_id: int) -> int:
    return Notification.objects.filter(shop_id=shop_id, read_at__isnull=True).count()


@dataclass(frozen=True)
class KindSettings:
    """One kind as the preferences page and API show it: the mode of each channel."""

    kind: NotificationKind
    in_app: Mode
    email: Mode

    def mode(self, channel: Channel) -> Mode:
        return self.in_app if channel == Channel.IN_APP else self.email


def preferences_of(*, user: User) -> list[KindSettings]:
    """Every shopper kind with the person's chosen mode per channel, or the default."""
    chosen = {
        (kind, channel): mode
        for kind, channel, mode in NotificationPreference.objects.filter(user=user).values_list(
            "kind", "channel", "mode"
        )
    }
    settings: list[KindSettings] = []
    for kind in shopper_kinds():
        modes = {}
        for channel in Channel:
            mode = chosen.get((kind.key, channel.value))
            valid = mode in MODES_FOR[channel]
            modes[channel] = Mode(mode) if mode and valid else kind.default(channel)
        settings.append(
            KindSettings(kind=kind, in_app=modes[Channel.IN_APP], email=modes[Channel.EMAIL])
        )
    return settings


def modes_for_recipients(*, kind: str, user_ids: Iterable[int]) -> dict[int, tuple[Mode, Mode]]:
    """(in-site mode, email mode) of `kind` for each of `user_ids` (one query)."""
    definition = KINDS[kind]
    ids = list(user_ids)
    modes = {
        user_id: [definition.default(Channel.IN_APP), definition.default(Channel.EMAIL)]
        for user_id in ids
    }
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT user_id, channel, mode FROM {NotificationPreference._meta.db_table}"
            " WHERE kind = %s AND user_id = ANY(%s)",
            [kind, ids],
        )
        rows = cursor.fetchall()
    for user_id, channel, mode in rows:
        modes[user_id][0 if channel == Channel.IN_APP else 1] = Mode(mode)
    return {user_id: (pair[0], pair[1]) for user_id, pair in modes.items()}
