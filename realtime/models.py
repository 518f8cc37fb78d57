"""Notifications (public schema): what a shopper or a shop was told, and how people want
to be told.

A notification belongs to one person (`user`) or to one shop (`shop`, shown to every
member in the dashboard). `(recipient, kind, dedupe_key)` is unique, so "each shopper is
told once per discount" is a database fact: a redelivered event inserts nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from realtime.kinds import Channel, Mode
from tenants.models import Shop

EMAIL_MODES = [Mode.INSTANT.value, Mode.DAILY_DIGEST.value, Mode.OFF.value]


class Notification(models.Model):
    class EmailMode(models.TextChoices):
        INSTANT = Mode.INSTANT.value, "Email at once"
        DAILY_DIGEST = Mode.DAILY_DIGEST.value, "Daily summary"
        OFF = Mode.OFF.value, "No email"

    # Exactly one of user and shop. No plain indexes on them: the partial indexes below
    # start with them (and a plain one would store a NULL per row of the other kind).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        db_index=False,
    )
    shop = models.ForeignKey(
        Shop,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        db_index=False,
    )
    kind = models.CharField(max_length=50)
    # What makes two notifications "the same news", e.g. "discount:<shop>:<discount>".
    dedupe_key = models.CharField(max_length=200)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    # A path on this site (emails make it absolute with SITE_URL).
    url = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # False when the person turned the in-site channel off but still wants the email: the
    # row exists for the email and the once-only rule, and is not listed.
    in_app = models.BooleanField(default=True)
    email_mode = models.CharField(max_length=16, choices=EmailMode.choices, default=EmailMode.OFF)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, shop__isnull=True)
                | Q(user__isnull=True, shop__isnull=False),
                name="realtime_notification_one_recipient",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "dedupe_key"],
                condition=Q(user__isnull=False),
                name="realtime_notification_user_once",
            ),
            models.UniqueConstraint(
                fields=["shop", "kind", "dedupe_key"],
                condition=Q(shop__isnull=False),
                name="realtime_notification_shop_once",
            ),
            models.CheckConstraint(
                condition=Q(email_mode__in=EMAIL_MODES), name="realtime_notification_email_mode"
            ),
            # Shop notifications are not emailed (yet): their members read the dashboard.
            models.CheckConstraint(
                condition=Q(shop__isnull=True) | Q(email_mode=Mode.OFF.value),
                name="realtime_notification_shop_no_email",
            ),
        ]
        indexes = [
            models.Index(
                fields=["user", "-created_at", "-id"],
                condition=Q(user__isnull=False, in_app=True),
                name="realtime_notif_user_list",
            ),
            models.Index(
                fields=["user"],
                condition=Q(user__isnull=False, in_app=True, read_at__isnull=True),
                name="realtime_notif_user_unread",
            ),
            models.Index(
                fields=["shop", "-created_at", "-id"],
                condition=Q(shop__isnull=False),
                name="realtime_notif_shop_list",
            ),
            # The email queue: rows still to be emailed, at once or in a digest.
            models.Index(
                fields=["email_mode", "id"],
                condition=Q(emailed_at__isnull=True) & ~Q(email_mode=Mode.OFF.value),
                name="realtime_notif_email_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """How one person wants one kind of notification on one channel. No row: the kind's
    default (realtime.kinds)."""

    class ChannelChoice(models.TextChoices):
        IN_APP = Channel.IN_APP.value, "In the site"
        EMAIL = Channel.EMAIL.value, "Email"

    class ModeChoice(models.TextChoices):
        INSTANT = Mode.INSTANT.value, "At once"
        DAILY_DIGEST = Mode.DAILY_DIGEST.value, "Daily summary (email only)"
        OFF = Mode.OFF.value, "Off"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_settings",
        db_index=False,
    )
    kind = models.CharField(max_length=50)
    channel = models.CharField(max_length=16, choices=ChannelChoice.choices)
    mode = models.CharField(max_length=16, choices=ModeChoice.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "channel"], name="realtime_preference_unique"
            ),
            models.CheckConstraint(
                condition=Q(
                    channel=Channel.IN_APP.value, mode__in=[Mode.INSTANT.value, Mode.OFF.value]
                )
                | Q(channel=Channel.EMAIL.value, mode__in=EMAIL_MODES),
                name="realtime_preference_mode_valid",
            ),
        ]
        indexes = [
            # The fan-out reads one kind's settings for thousands of people at once.
            models.Index(fields=["kind", "user"], name="realtime_preference_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.channel}: {self.mode}"
