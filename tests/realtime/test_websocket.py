"""The notification websocket, through the real ASGI app and the Redis channel layer."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from marketplace.asgi import application
from realtime.groups import user_group
from realtime.kinds import NEW_ORDER
from realtime.push import groups_listened, push_many, push_to_group
from realtime.services import notify_shop
from tenants.models import Membership
from tests.factories import UserFactory, add_member
from tests.realtime.support import connect, redis_down, session_cookie_for

# Tests are sync functions that run their async part with async_to_sync: the consumer's
# database calls (and the test's own, through sync_to_async) then come back to this
# thread and see this test's transaction.
pytestmark = pytest.mark.django_db

SETTLE = 0.2  # let the pub/sub subscriptions reach Redis


def test_anonymous_visitors_are_refused():
    async def scenario() -> tuple[bool, int | None]:
        return await connect().connect()

    assert async_to_sync(scenario)() == (False, 4401)


def test_a_foreign_origin_is_refused(world):
    cookie = session_cookie_for(world.shopper)

    async def scenario() -> bool:
        communicator = WebsocketCommunicator(
            application,
            "/ws/notifications/",
            headers=[
                (b"origin", b"http://evil.example"),
                (b"host", b"localhost"),
                (b"cookie", cookie),
            ],
        )
        connected, _code = await communicator.connect()
        return connected

    assert async_to_sync(scenario)() is False


def test_a_push_reaches_only_its_user(world):
    mine = connect(world.shopper)
    theirs = connect(UserFactory())
    payload = {"type": "toast", "title": "Hi", "body": "Only for you", "url": None}

    async def scenario() -> tuple[dict, bool]:
        assert (await mine.connect())[0] is True
        assert (await theirs.connect())[0] is True
        await mine.receive_json_from(timeout=3)  # the unread count on opening
        await theirs.receive_json_from(timeout=3)
        await asyncio.sleep(SETTLE)
        layer = get_channel_layer()
        await layer.group_send(user_group(world.shopper.id), {"type": "push", "payload": payload})
        received = await mine.receive_json_from(timeout=3)
        nothing_for_them = await theirs.receive_nothing(timeout=0.5)
        await mine.disconnect()
        await theirs.disconnect()
        return received, nothing_for_them

    assert async_to_sync(scenario)() == (payload, True)


def test_opening_the_socket_sends_the_unread_count(world):
    from realtime.models import Notification

    Notification.objects.bulk_create(
        [
            Notification(user=world.shopper, kind="discount_started", dedupe_key=f"k{n}", title="T")
            for n in range(3)
        ]
    )
    Notification.objects.filter(dedupe_key="k0").update(read_at="2030-01-01T00:00Z")
    communicator = connect(world.shopper)

    async def scenario() -> dict:
        await communicator.connect()
        first = await communicator.receive_json_from(timeout=3)
        await communicator.disconnect()
        return first

    assert async_to_sync(scenario)() == {"type": "badge", "count": 2}


def test_pipelined_pushes_reach_sockets_behind_the_real_layer(world):
    """push_many writes to Redis itself (pipelined); a consumer subscribed through
    channels-redis must still receive it, in order."""
    other = UserFactory()
    mine, theirs = connect(world.shopper), connect(other)
    pushes = [
        (user_group(world.shopper.id), {"type": "badge", "count": 5}),
        (user_group(other.id), {"type": "badge", "count": 7}),
        (user_group(world.shopper.id), {"type": "badge", "count": 6}),
    ]

    async def scenario() -> list:
        for communicator in (mine, theirs):
            await communicator.connect()
            await communicator.receive_json_from(timeout=3)
        await asyncio.sleep(SETTLE)
        sent = await sync_to_async(push_many)(pushes=pushes)
        received = [
            sent,
            await mine.receive_json_from(timeout=3),
            await mine.receive_json_from(timeout=3),
            await theirs.receive_json_from(timeout=3),
        ]
        for communicator in (mine, theirs):
            await communicator.disconnect()
        return received

    assert async_to_sync(scenario)() == [
        True,
        {"type": "badge", "count": 5},
        {"type": "badge", "count": 6},
        {"type": "badge", "count": 7},
    ]


def test_redis_says_which_groups_have_an_open_socket(world):
    """Pushes go only to people with a page open (PUBSUB NUMSUB, one round trip)."""
    away = UserFactory()
    socket = connect(world.shopper)
    groups = [user_group(world.shopper.id), user_group(away.id)]

    async def scenario() -> tuple[set[str] | None, set[str] | None]:
        await socket.connect()
        await socket.receive_json_from(timeout=3)
        await asyncio.sleep(SETTLE)
        while_open = await sync_to_async(groups_listened)(groups=groups)
        await socket.disconnect()
        await asyncio.sleep(SETTLE)
        return while_open, await sync_to_async(groups_listened)(groups=groups)

    assert async_to_sync(scenario)() == ({user_group(world.shopper.id)}, set())


def test_a_shops_pushes_reach_its_members_only(world, django_capture_on_commit_callbacks):
    """Members' sockets join shop.<id> when they open; another shop's owner and a shopper
    get nothing."""
    staff = connect(world.staff_a)
    owner_b = connect(world.owner_b)
    shopper = connect(world.shopper)

    async def scenario() -> tuple[dict, bool, bool]:
        for communicator in (staff, owner_b, shopper):
            assert (await communicator.connect())[0] is True
            await communicator.receive_json_from(timeout=3)
        await asyncio.sleep(SETTLE)

        def order_arrives() -> None:
            with django_capture_on_commit_callbacks(execute=True):
                notify_shop(
                    shop_id=world.shop_a.id,
                    kind=NEW_ORDER,
                    dedupe_key="order:1001",
                    title="New order #1001",
                    url="/sell/alpha-goods/",
                )

        await sync_to_async(order_arrives)()
        received = await staff.receive_json_from(timeout=3)
        quiet_b = await owner_b.receive_nothing(timeout=0.5)
        quiet_shopper = await shopper.receive_nothing(timeout=0.2)
        for communicator in (staff, owner_b, shopper):
            await communicator.disconnect()
        return received, quiet_b, quiet_shopper

    received, quiet_b, quiet_shopper = async_to_sync(scenario)()

    assert {
        key: received[key] for key in ("type", "kind", "title", "url", "shop_id", "shop_unread")
    } == {
        "type": "notification",
        "kind": "new_order",
        "title": "New order #1001",
        "url": "/sell/alpha-goods/",
        "shop_id": world.shop_a.id,
        "shop_unread": 1,
    }
    assert (quiet_b, quiet_shopper) == (True, True)


def test_someone_removed_from_the_team_stops_receiving_at_once(
    world, django_capture_on_commit_callbacks
):
    leaving = add_member(shop=world.shop_a, role=Membership.Role.STAFF)
    gone, staying = connect(leaving), connect(world.staff_a)

    def order(number: int) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            notify_shop(
                shop_id=world.shop_a.id,
                kind=NEW_ORDER,
                dedupe_key=f"order:{number}",
                title=f"New order #{number}",
            )

    async def scenario() -> tuple[str, str, bool, str]:
        for communicator in (gone, staying):
            await communicator.connect()
            await communicator.receive_json_from(timeout=3)
        await asyncio.sleep(SETTLE)
        await sync_to_async(order)(1)
        while_member = (await gone.receive_json_from(timeout=3))["title"]
        await staying.receive_json_from(timeout=3)
        await sync_to_async(Membership.objects.filter(user=leaving).delete)()
        await sync_to_async(order)(2)
        after = (await staying.receive_json_from(timeout=3))["title"]
        nothing = await gone.receive_nothing(timeout=0.5)
        for communicator in (gone, staying):
            await communicator.disconnect()
        return while_member, after, nothing, "done"

    assert async_to_sync(scenario)() == ("New order #1", "New order #2", True, "done")


def test_push_reports_failure_when_redis_is_down(caplog):
    with redis_down():
        assert push_to_group(group="user.1", payload={"type": "toast"}) is False
        assert push_many(pushes=[("user.1", {}), ("user.2", {})]) is False

    assert "push to 2 groups failed" in caplog.text
