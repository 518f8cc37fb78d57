"""Websocket consumers: thin, they only join groups and forward messages."""

from __future__ import annotations

import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from marketplace.accounts.models import User
from realtime.groups import shop_group, user_group
from realtime.selectors import unread_count
from tenants.models import Membership

logger = logging.getLogger(__name__)

UNAUTHENTICATED = 4401


@database_sync_to_async
def _on_connect(user: User) -> tuple[list[int], int]:
    """The shops the person works for (their groups to join) and their unread count."""
    shop_ids = list(
        Membership.objects.filter(user=user).order_by("shop_id").values_list("shop_id", flat=True)
    )
    return shop_ids, unread_count(user=user)


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """The signed-in user's live channel: their own notifications (`user.<id>`) and, for
    shop members, their shops' (`shop.<id>` of each shop they work for, checked when the
    socket opens and again for every shop message). On opening it sends the unread count,
    so the header's badge needs no query in every page."""

    groups_joined: list[str]

    async def connect(self) -> None:
        self.groups_joined = []
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=UNAUTHENTICATED)
            return
        self.user_id = user.id
        shop_ids, unread = await _on_connect(user)
        for group in [user_group(user.id), *(shop_group(shop_id) for shop_id in shop_ids)]:
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.append(group)
        await self.accept()
        await self.send_json({"type": "badge", "count": unread})

    async def disconnect(self, code: int) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined = []

    async def push(self, message: dict[str, Any]) -> None:
        """Channel-layer message type "push": forward its payload to the browser.

        A shop's message names the people who work for the shop when it was sent
        (`member_ids`, never forwarded): someone removed from the team while their page
        is open leaves the shop's group at the first such message instead of reading it.
        """
        payload = dict(message["payload"])
        member_ids = payload.pop("member_ids", None)
        shop_id = payload.get("shop_id")
        if shop_id is not None and (member_ids is None or self.user_id not in member_ids):
            group = shop_group(int(shop_id))
            await self.channel_layer.group_discard(group, self.channel_name)
            if group in self.groups_joined:
                self.groups_joined.remove(group)
            return
        await self.send_json(payload)
