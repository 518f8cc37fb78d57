"""The notifications sections of a person's data export."""

from __future__ import annotations

from typing import Any

from marketplace.accounts.export import register_export_section
from marketplace.accounts.models import User
from marketplace.timestamps import isoformat_or_none
from realtime.models import Notification, NotificationPreference


def notifications_for_export(user: User) -> list[dict[str, Any]]:
    return [
        {
            "kind": notification.kind,
            "title": notification.title,
            "body": notification.body,
            "url": notification.url,
            "created_at": isoformat_or_none(notification.created_at),
            "read_at": isoformat_or_none(notification.read_at),
            "emailed_at": isoformat_or_none(notification.emailed_at),
        }
        for notification in Notification.objects.filter(user=user).order_by("created_at", "id")
    ]


def notification_settings_for_export(user: User) -> list[dict[str, Any]]:
    return [
        {"kind": kind, "channel": channel, "mode": mode}
        for kind, channel, mode in NotificationPreference.objects.filter(user=user)
        .order_by("kind", "channel")
        .values_list("kind", "channel", "mode")
    ]


register_export_section("notifications", notifications_for_export)
register_export_section("notification_settings", notification_settings_for_export)
