"""A discount becomes active → `discount.activated` → the discount-notifications consumer
tells the shop's followers and the wishers of what it covers: once each, as their
settings say, nothing stale, and exactly once through a broker outage."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from confluent_kafka import Consumer
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marketplace.devtools.tansu import TansuBroker
from marketplace.events.consumers import Event, GroupConsumer, event_process, registered_groups
from marketplace.events.kafka import make_producer, topics_ensure
from marketplace.events.models import OutboxEvent, ProcessedEvent
from marketplace.events.relay import relay_batch
from marketplace.events.topics import topic_for
from realtime.discount_notifications import discount_activation_notify, discount_message
from realtime.handlers import DISCOUNT_NOTIFICATIONS
from realtime.models import Notification
from realtime.services import EMAILS_DUE, notification_preferences_update
from sellers.discounts.services import (
    DiscountInput,
    discount_create,
    discount_delete,
    discount_update,
)
from sellers.listings.models import Listing
from storefront.follows.services import follow_shop, wishlist_add
from tests.factories import make_product
from tests.realtime.support import redis_down, shopper

pytestmark = pytest.mark.django_db

ACTIVATED = "discount.activated"


@pytest.fixture(autouse=True)
def _only_this_tests_events() -> None:
    """Session fixtures commit events (shop.created); count and relay only this test's."""
    OutboxEvent.objects.filter(published_at=None).update(published_at=timezone.now())


def lamp_id(world) -> int:  # type: ignore[no-untyped-def]
    return Listing.objects.get(shop=world.shop_a, title="Alpha lamp").product_id


def spring_sale(**changes) -> DiscountInput:  # type: ignore[no-untyped-def]
    fields = {"name": "Spring sale", "kind": "percentage", "value": "20"}
    fields.update(changes)
    return DiscountInput(**fields)


def activations() -> list[Event]:
    """The discount.activated events written so far, as the consumer receives them."""
    return [
        Event(row.event_id, row.type, row.version, row.key, row.occurred_at, row.data)
        for row in OutboxEvent.objects.filter(type=ACTIVATED).order_by("id")
    ]


def deliver(event: Event, capture) -> bool:  # type: ignore[no-untyped-def]
    """What the worker does with one message: the group's handlers, once per event id."""
    with capture(execute=True):
        return event_process(
            group=DISCOUNT_NOTIFICATIONS,
            event=event,
            registrations=registered_groups()[DISCOUNT_NOTIFICATIONS],
        )


def told(**filters) -> list[int]:  # type: ignore[no-untyped-def]
    return sorted(
        Notification.objects.filter(kind="discount_started", **filters).values_list(
            "user_id", flat=True
        )
    )


def test_followers_and_wishers_are_told_once_each(world, django_capture_on_commit_callbacks):
    follower, wisher, both, other_wish, other_shop = (shopper() for _ in range(5))
    vase = make_product(shop=world.shop_a, title="Alpha vase")
    follow_shop(user=follower, shop=world.shop_a)
    wishlist_add(user=wisher, shop=world.shop_a, product_id=lamp_id(world))
    follow_shop(user=both, shop=world.shop_a)
    wishlist_add(user=both, shop=world.shop_a, product_id=lamp_id(world))
    wishlist_add(user=other_wish, shop=world.shop_a, product_id=vase.id)
    follow_shop(user=other_shop, shop=world.shop_b)

    discount_create(
        shop=world.shop_a,
        actor=None,
        data=spring_sale(scope="products", product_ids=[lamp_id(world)], code="SPRING20"),
    )
    (event,) = activations()
    assert deliver(event, django_capture_on_commit_callbacks) is True

    assert told() == sorted([follower.id, wisher.id, both.id])
    row = Notification.objects.get(user=follower)
    assert (row.title, row.body, row.url) == (
        "Alpha Goods: 20% off",
        "Spring sale. Use the code SPRING20 at checkout.",
        "/shops/alpha-goods/",
    )
    assert row.dedupe_key == f"discount:{world.shop_a.id}:{event.data['discount_id']}"


def test_a_redelivered_or_re_announced_discount_tells_nobody_twice(
    world, django_capture_on_commit_callbacks
):
    fans = [shopper() for _ in range(3)]
    for fan in fans:
        follow_shop(user=fan, shop=world.shop_a)
    discount = discount_create(shop=world.shop_a, actor=None, data=spring_sale())
    (first,) = activations()

    assert deliver(first, django_capture_on_commit_callbacks) is True
    assert deliver(first, django_capture_on_commit_callbacks) is False  # the same message again
    # An edit of the live discount announces its new version: a new event, same discount.
    discount_update(
        shop=world.shop_a, actor=None, discount_id=discount.id, data=spring_sale(value="25")
    )
    second = activations()[-1]
    assert second.id != first.id
    assert deliver(second, django_capture_on_commit_callbacks) is True

    assert told() == sorted(fan.id for fan in fans)
    assert Notification.objects.count() == 3
    assert ProcessedEvent.objects.filter(group=DISCOUNT_NOTIFICATIONS).count() == 2


def test_an_edit_or_a_deletion_before_delivery_sends_nothing_stale(
    world, django_capture_on_commit_callbacks
):
    fan = shopper()
    follow_shop(user=fan, shop=world.shop_a)
    edited = discount_create(shop=world.shop_a, actor=None, data=spring_sale(name="Edited"))
    discount_update(
        shop=world.shop_a,
        actor=None,
        discount_id=edited.id,
        data=spring_sale(name="Edited", starts_at=timezone.now() + timedelta(days=3)),
    )
    deleted = discount_create(shop=world.shop_a, actor=None, data=spring_sale(name="Deleted"))
    discount_delete(shop=world.shop_a, actor=None, discount_id=deleted.id)

    for event in activations():
        assert deliver(event, django_capture_on_commit_callbacks) is True

    assert told() == []


def test_the_liveness_check_is_a_parameter_of_the_fan_out(
    world, django_capture_on_commit_callbacks
):
    """The fan-out takes the check as an argument (the handler passes the discounts app's
    `discount_is_live`), so it can be driven without a discount row."""
    fan = shopper()
    follow_shop(user=fan, shop=world.shop_a)
    asked: list[dict] = []

    def stale(**kwargs) -> bool:  # type: ignore[no-untyped-def]
        asked.append(kwargs)
        return False

    data = {
        "shop_id": world.shop_a.id,
        "discount_id": 41,
        "version": 3,
        "kind": "free_shipping",
        "value": "0",
        "name": "Free shipping week",
        "scope": "shop",
        "product_ids": [],
        "code": None,
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert discount_activation_notify(data=data, discount_is_live=stale) is None
        delivery = discount_activation_notify(data=data, discount_is_live=lambda **_: True)

    assert asked == [{"shop_id": world.shop_a.id, "discount_id": 41, "version": 3}]
    assert delivery is not None and delivery.notified == [fan.id]
    assert Notification.objects.get(user=fan).title == "Alpha Goods: free shipping"


@pytest.mark.parametrize(
    ("kind", "value", "title"),
    [
        ("percentage", "12.50", "Alpha Goods: 12.5% off"),
        ("fixed_amount", "5", "Alpha Goods: EUR 5.00 off"),
        ("free_shipping", "0", "Alpha Goods: free shipping"),
    ],
)
def test_the_message_says_what_the_offer_is(world, kind, value, title):
    data = {"kind": kind, "value": value, "name": "Sale", "scope": "shop", "code": None}

    assert discount_message(shop=world.shop_a, data=data) == (
        title,
        "Sale. On everything in the shop.",
    )


def test_settings_decide_each_channel(world, django_capture_on_commit_callbacks):
    silent, instant, digest = (shopper() for _ in range(3))
    for fan in (silent, instant, digest):
        follow_shop(user=fan, shop=world.shop_a)
    notification_preferences_update(
        user=silent, changes={"discount_started": {"in_app": "off", "email": "off"}}
    )
    notification_preferences_update(
        user=instant, changes={"discount_started": {"email": "instant"}}
    )
    discount_create(shop=world.shop_a, actor=None, data=spring_sale())

    deliver(activations()[0], django_capture_on_commit_callbacks)

    modes = dict(Notification.objects.values_list("user_id", "email_mode"))
    assert modes == {instant.id: "instant", digest.id: "daily_digest"}
    assert OutboxEvent.objects.filter(type=EMAILS_DUE).count() == 1


def test_with_redis_down_everyone_is_still_told_and_the_event_is_done(
    world, django_capture_on_commit_callbacks, caplog
):
    fans = [shopper() for _ in range(3)]
    for fan in fans:
        follow_shop(user=fan, shop=world.shop_a)
    discount_create(shop=world.shop_a, actor=None, data=spring_sale())

    with redis_down():
        assert deliver(activations()[0], django_capture_on_commit_callbacks) is True

    assert told() == sorted(fan.id for fan in fans)
    assert "notification pushes to 3 people failed" in caplog.text


def test_the_fan_out_makes_the_same_queries_for_few_or_many(
    world, django_capture_on_commit_callbacks, django_assert_num_queries
):
    data = {
        "shop_id": world.shop_b.id,
        "discount_id": 1,
        "version": 1,
        "kind": "percentage",
        "value": "10",
        "name": "Sale",
        "scope": "shop",
        "product_ids": [],
        "code": None,
    }
    for _ in range(3):
        follow_shop(user=shopper(), shop=world.shop_b)
    with CaptureQueriesContext(connection) as few:
        discount_activation_notify(data=data, discount_is_live=lambda **_: True)
    for _ in range(30):
        follow_shop(user=shopper(), shop=world.shop_b)

    # Shop, audience, settings, INSERT … RETURNING, unread counts (+ savepoint pair).
    with django_assert_num_queries(len(few.captured_queries)):
        delivery = discount_activation_notify(
            data={**data, "discount_id": 2}, discount_is_live=lambda **_: True
        )

    assert delivery is not None and len(delivery.notified) == 33


# --- through Kafka, with the broker down for a while ---------------------------------------------


@pytest.fixture
def own_broker() -> Iterator[TansuBroker]:
    """A broker only this test uses, so stopping it touches nothing else."""
    broker = TansuBroker()
    broker.start()
    try:
        with override_settings(KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap):
            topics_ensure()
            yield broker
    finally:
        broker.stop()


def consume_until_idle(consumer: GroupConsumer, *, expect: int, timeout: float = 40) -> int:
    """Poll until `expect` events were handled, then once more to see nothing else comes."""
    handled = 0
    deadline = time.monotonic() + timeout
    while handled < expect and time.monotonic() < deadline:
        handled += consumer.poll(timeout=1.0)
    handled += consumer.poll(timeout=1.0)
    return handled


def test_a_discount_made_while_the_broker_is_down_is_announced_once_when_it_returns(
    world, own_broker, django_capture_on_commit_callbacks
):
    fans = [shopper() for _ in range(4)]
    for fan in fans:
        follow_shop(user=fan, shop=world.shop_a)
    own_broker.stop()

    discount = discount_create(shop=world.shop_a, actor=None, data=spring_sale())
    down = relay_batch(producer=make_producer(), flush_timeout=12)

    assert (down.published, down.failed) == (0, 1)  # saved; the event waits in the outbox
    assert discount.pk is not None
    assert told() == []

    own_broker.start()  # same port, empty memory
    topics_ensure()
    up = relay_batch(producer=make_producer())
    assert (up.published, up.failed) == (1, 0)
    consumer = GroupConsumer(DISCOUNT_NOTIFICATIONS, registered_groups()[DISCOUNT_NOTIFICATIONS])
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert consume_until_idle(consumer, expect=1) == 1
    finally:
        consumer.close()
    assert relay_batch(producer=make_producer()).published == 0  # nothing left to send

    # Kafka redelivers (a crash before the offset commit): the same message again.
    (message,) = read_topic(own_broker.bootstrap, topic_for(ACTIVATED), expected=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert not event_process(
            group=DISCOUNT_NOTIFICATIONS,
            event=Event.from_message(message),
            registrations=registered_groups()[DISCOUNT_NOTIFICATIONS],
        )

    assert told() == sorted(fan.id for fan in fans)
    assert Notification.objects.count() == 4


def read_topic(bootstrap: str, topic: str, *, expected: int, timeout: float = 20) -> list[bytes]:
    """The raw messages of `topic`, read by a consumer group of its own."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"reader-{uuid.uuid4()}",
            "auto.offset.reset": "earliest",
            "max.poll.interval.ms": 7000,
            "session.timeout.ms": 6000,
        }
    )
    consumer.subscribe([topic])
    values: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while len(values) < expected and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None and message.error() is None and message.value():
                values.append(message.value())
    finally:
        consumer.close()
    return values
