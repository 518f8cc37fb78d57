"""Notifications over the API: the caller's own (/api/v1/me/notifications…), their
settings (/api/v1/me/notification-preferences) and a shop's, for its members
(/api/v1/shops/<slug>/notifications…).

Someone else's notification is 404, the same as one that doesn't exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Body, Field, Router, Schema
from ninja.pagination import paginate

from marketplace.api.auth import authenticated, request_user
from marketplace.api.pagination import PageNumber
from realtime import services
from realtime.kinds import MODES_FOR, Channel
from realtime.models import Notification
from realtime.selectors import (
    KindSettings,
    notifications_of,
    preferences_of,
    shop_notifications_of,
    unread_count,
)
from tenants.models import Shop
from tenants.permissions import ShopAction
from tenants.selectors import access_shop_action

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str | None = Field(description="A path on this site, or null")
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None
    is_read: bool

    @staticmethod
    def resolve_url(notification: Notification) -> str | None:
        return notification.url or None


class CountOut(Schema):
    count: int


class MarkedOut(Schema):
    marked: int


class KindSettingsOut(Schema):
    kind: str
    label: str
    description: str
    in_app: str = Field(description="instant or off")
    email: str = Field(description="instant, daily_digest or off")
    in_app_choices: list[str]
    email_choices: list[str]

    @staticmethod
    def resolve_kind(settings: KindSettings) -> str:
        return settings.kind.key

    @staticmethod
    def resolve_label(settings: KindSettings) -> str:
        return settings.kind.label

    @staticmethod
    def resolve_description(settings: KindSettings) -> str:
        return settings.kind.description

    @staticmethod
    def resolve_in_app_choices(settings: KindSettings) -> list[str]:
        return [mode.value for mode in MODES_FOR[Channel.IN_APP]]

    @staticmethod
    def resolve_email_choices(settings: KindSettings) -> list[str]:
        return [mode.value for mode in MODES_FOR[Channel.EMAIL]]


# --- the caller's notifications -------------------------------------------------------------


@router.get("/me/notifications", response=list[NotificationOut], auth=authenticated)
@paginate(PageNumber)
def notifications_list(request: HttpRequest, unread: bool = False) -> QuerySet[Notification]:
    """The caller's notifications, newest first; `unread=true` for the unread ones only."""
    return notifications_of(user=request_user(request), unread_only=unread)


@router.get("/me/notifications/unread-count", response=CountOut, auth=authenticated)
def notifications_unread_count(request: HttpRequest) -> dict[str, int]:
    return {"count": unread_count(user=request_user(request))}


@router.post(
    "/me/notifications/{notification_id}/read", response=NotificationOut, auth=authenticated
)
def notification_read(request: HttpRequest, notification_id: int) -> Notification:
    return services.notification_mark_read(
        user=request_user(request), notification_id=notification_id
    )


@router.post("/me/notifications/read-all", response=MarkedOut, auth=authenticated)
def notifications_read_all(request: HttpRequest) -> dict[str, int]:
    return {"marked": services.notifications_mark_all_read(user=request_user(request))}


@router.get("/me/notification-preferences", response=list[KindSettingsOut], auth=authenticated)
def preferences_list(request: HttpRequest) -> list[KindSettings]:
    """How the caller is told about each kind, per channel (their choice or the default)."""
    return preferences_of(user=request_user(request))


@router.patch("/me/notification-preferences", response=list[KindSettingsOut], auth=authenticated)
def preferences_update(
    request: HttpRequest,
    payload: dict[str, dict[str, str]] = Body(  # noqa: B008
        ..., examples=[{"discount_started": {"in_app": "instant", "email": "off"}}]
    ),
) -> list[KindSettings]:
    """Change some modes: `{kind: {channel: mode}}`; what isn't named keeps its setting.
    A bad kind, channel or mode is 400 with every problem listed (field `kind.channel`),
    and nothing changes."""
    user = request_user(request)
    services.notification_preferences_update(user=user, changes=payload)
    return preferences_of(user=user)


# --- a shop's notifications (its members) ------------------------------------------------------


def _shop(request: HttpRequest) -> Shop:
    shop = getattr(request, "shop", None)
    if shop is None:
        raise Http404("No such shop")
    access_shop_action(user=request.user, shop=shop, action=ShopAction.VIEW_DASHBOARD)  # type: ignore[arg-type]
    return shop


@router.get("/shops/{shop_slug}/notifications", response=list[NotificationOut], auth=authenticated)
@paginate(PageNumber)
def shop_notifications_list(
    request: HttpRequest, shop_slug: str, unread: bool = False
) -> QuerySet[Notification]:
    """The shop's notifications (new orders, low stock, reviews…), newest first. Any
    member may read them; read state is shared by the team."""
    return shop_notifications_of(shop=_shop(request), unread_only=unread)


@router.post(
    "/shops/{shop_slug}/notifications/{notification_id}/read",
    response=NotificationOut,
    auth=authenticated,
)
def shop_notification_read(
    request: HttpRequest, shop_slug: str, notification_id: int
) -> Notification:
    return services.shop_notification_mark_read(
        shop=_shop(request), notification_id=notification_id
    )


@router.post("/shops/{shop_slug}/notifications/read-all", response=MarkedOut, auth=authenticated)
def shop_notifications_read_all(request: HttpRequest, shop_slug: str) -> dict[str, int]:
    return {"marked": services.shop_notifications_mark_all_read(shop=_shop(request))}
