"""Discount services: validation, listings priced with live discounts, the schedule
index, the activation event, and the job that starts and ends discounts on time."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from marketplace.errors import ApplicationError
from marketplace.events.models import OutboxEvent
from sellers.catalog.services import VariantInput
from sellers.discounts.models import Discount, DiscountRedemption
from sellers.discounts.selectors import discount_is_live, discounts_for_dashboard
from sellers.discounts.services import (
    discount_delete,
    discount_redeem,
    discount_update,
    discounts_schedule_run,
)
from sellers.listings.models import Listing
from tenants.models import Membership
from tests.factories import CategoryFactory, make_product
from tests.sellers.discounts.conftest import (
    HOUR,
    NOW,
    activations,
    discount_input,
    discounts_of,
    listing_prices,
    make_discount,
    schedule,
)

pytestmark = pytest.mark.django_db
D = Decimal


# --- creating: validation ----------------------------------------------------------------


def test_every_problem_is_reported_at_once_and_nothing_is_saved(world):
    with pytest.raises(ApplicationError) as caught:
        make_discount(
            world.shop_a,
            name=" ",
            value="120",
            scope="categories",
            category_ids=[],
            code="a b",
            starts_at=NOW + HOUR,
            ends_at=NOW,
            usage_limit="0",
            minimum_subtotal="-1",
        )

    assert caught.value.errors == {
        "name": "Give it a name of 1–120 characters.",
        "value": "A percentage is more than 0 and at most 100, with at most two decimals.",
        "category_ids": "Choose at least one category.",
        "code": "A code has 3–40 letters, digits, dashes or underscores.",
        "ends_at": "The end must be after the start.",
        "minimum_subtotal": "Enter an amount between 0 and 999,999.99.",
        "usage_limit": "A limit is a whole number of at least 1 (leave it empty for none).",
    }
    assert discounts_of(world.shop_a) == []
    assert schedule(world.shop_a) == []
    assert activations() == []


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"kind": "fixed_amount", "value": "0"},
            "value",
            "Enter the amount taken off each item, such as 5.00.",
        ),
        (
            {"kind": "bogus"},
            "kind",
            "Choose percentage off, amount off each item or free shipping.",
        ),
        ({"scope": "products"}, "product_ids", "Choose at least one product or variant."),
        (
            {"scope": "products", "product_ids": [987654]},
            "product_ids",
            "Choose products of this shop.",
        ),
        (
            {"scope": "products", "variant_ids": [987654]},
            "variant_ids",
            "Choose variants of this shop's products.",
        ),
        (
            {"scope": "categories", "category_ids": [987654]},
            "category_ids",
            "Choose categories from the list.",
        ),
        (
            {"stacks_with_others": True},
            "stacks_with_others",
            "Only a discount with a code can stack with others: add a code or untick this.",
        ),
        (
            {"ends_at": NOW - HOUR, "starts_at": NOW - 2 * HOUR},
            "ends_at",
            "The end is in the past: choose a later time, or leave it empty.",
        ),
        (
            {"starts_at": NOW.replace(tzinfo=None)},
            "starts_at",
            "Give the time with its time zone (for example 2026-06-01T09:00+02:00).",
        ),
        (
            {"per_customer_limit": "many"},
            "per_customer_limit",
            "A limit is a whole number of at least 1 (leave it empty for none).",
        ),
    ],
)
def test_each_field_is_checked(world, overrides, field, message):
    with pytest.raises(ApplicationError) as caught:
        make_discount(world.shop_a, **overrides)

    assert caught.value.errors == {field: message}
    assert discounts_of(world.shop_a) == []


def test_codes_are_unique_per_shop_whatever_their_case(world):
    make_discount(world.shop_a, code="Spring10")

    with pytest.raises(ApplicationError) as caught:
        make_discount(world.shop_a, name="Copy", code="SPRING10")
    other_shop = make_discount(world.shop_b, code="spring10")

    assert caught.value.errors == {
        "code": "Another discount of this shop already uses the code SPRING10."
    }
    assert discounts_of(world.shop_a) == [("Spring sale", 1)]
    assert other_shop.code == "spring10"


def test_free_shipping_stores_no_value(world):
    discount = make_discount(world.shop_a, kind="free_shipping", value="15")

    assert (discount.kind, discount.value) == ("free_shipping", D("0"))


def test_staff_may_not_manage_discounts_and_other_shops_members_never(world):
    staff = Membership.objects.get(shop=world.shop_a, user=world.staff_a)
    owner_b = Membership.objects.get(shop=world.shop_b, user=world.owner_b)
    manager = Membership.objects.get(shop=world.shop_a, user=world.manager_a)

    with pytest.raises(ApplicationError) as caught:
        from sellers.discounts.services import discount_create

        discount_create(shop=world.shop_a, actor=staff, data=discount_input(), now=NOW)
    with pytest.raises(PermissionDenied):
        discount_create(shop=world.shop_a, actor=owner_b, data=discount_input(), now=NOW)

    assert caught.value.code == "role_not_allowed"
    assert discounts_of(world.shop_a) == []
    made = discount_create(shop=world.shop_a, actor=manager, data=discount_input(), now=NOW)
    assert (made.created_by_id, made.created_by_email) == (
        world.manager_a.id,
        world.manager_a.email,
    )


# --- active at once ------------------------------------------------------------------------


def test_a_discount_that_starts_now_is_announced_and_priced_in_the_same_transaction(world, lamp_id):
    discount = make_discount(world.shop_a, value="15", ends_at=NOW + 48 * HOUR)

    assert listing_prices(world.shop_a, "Alpha lamp") == (D("25.50"), D("30.00"), True)
    assert listing_prices(world.shop_b, "Beta kettle") == (D("25.00"), None, False)
    assert activations() == [
        {
            "shop_id": world.shop_a.id,
            "discount_id": discount.id,
            "activation": f"{discount.id}:2031-03-02T09:00:00+00:00:1",
            "name": "Spring sale",
            "kind": "percentage",
            "value": "15.00",
            "scope": "shop",
            "product_ids": [lamp_id],
            "code": None,
            "starts_at": "2031-03-02T09:00:00+00:00",
            "ends_at": "2031-03-04T09:00:00+00:00",
            "version": 1,
        }
    ]
    assert OutboxEvent.objects.get(type="discount.activated").key == str(world.shop_a.id)
    with tenant_context(world.shop_a):
        assert Discount.objects.get().activated_at == NOW
    # Its end is still to come: the schedule index waits for it.
    assert schedule(world.shop_a) == [(discount.id, NOW + 48 * HOUR, 1)]


def test_an_open_ended_discount_needs_no_schedule_row(world):
    make_discount(world.shop_a)

    assert schedule(world.shop_a) == []


def test_a_code_discount_is_announced_but_listings_keep_their_price(world):
    make_discount(world.shop_a, code="LAMP20", value="20")

    assert listing_prices(world.shop_a, "Alpha lamp") == (D("30.00"), None, False)
    assert [event["code"] for event in activations()] == ["LAMP20"]


def test_a_draft_is_neither_announced_nor_priced_nor_scheduled(world):
    make_discount(world.shop_a, is_draft=True, starts_at=NOW + HOUR)

    assert listing_prices(world.shop_a, "Alpha lamp") == (D("30.00"), None, False)
    assert activations() == []
    assert schedule(world.shop_a) == []


def test_the_cheapest_variant_after_discount_is_shown_with_its_price_before(world):
    product = make_product(
        shop=world.shop_a,
        title="Wool scarf",
        option_names=["Colour"],
        variants=[
            VariantInput(sku="SCARF-RED", price="20.00", stock=3, options={"Colour": "Red"}),
            VariantInput(
                sku="SCARF-BLUE",
                price="24.00",
                stock=3,
                options={"Colour": "Blue"},
                compare_at_price="30.00",
            ),
        ],
    )
    with tenant_context(world.shop_a):
        blue = product.variants.get(sku="SCARF-BLUE").id

    make_discount(
        world.shop_a, scope="products", variant_ids=[blue], kind="fixed_amount", value="6.00"
    )

    # Blue drops to 18.00, below red's 20.00; its "was" is the price before the discount.
    assert listing_prices(world.shop_a, "Wool scarf") == (D("18.00"), D("24.00"), True)
    assert listing_prices(world.shop_a, "Alpha lamp") == (D("30.00"), None, False)


def test_a_category_discount_covers_products_in_sub_categories(world):
    home = CategoryFactory(name="Home", slug="home")
    lamps = CategoryFactory(name="Lamps", slug="lamps", parent=home)
    make_product(shop=world.shop_a, title="Desk lamp", price="40.00", category=lamps)
    make_product(shop=world.shop_b, title="Floor lamp", price="80.00", category=lamps)

    make_discount(world.shop_a, scope="categories", category_ids=[home.id], value="25")

    assert listing_prices(world.shop_a, "Desk lamp") == (D("30.00"), D("40.00"), True)
    assert listing_prices(world.shop_a, "Alpha lamp") == (D("30.00"), None, False)
    # Another shop's products in the category are not this shop's to discount.
    assert listing_prices(world.shop_b, "Floor lamp") == (D("80.00"), None, False)


def test_a_minimum_subtotal_above_the_price_keeps_the_listing_price(world):
    make_discount(world.shop_a, minimum_subtotal="50.00")

    assert listing_prices(world.shop_a, "Alpha lamp") == (D("30.00"), None, False)


def test_a_product_published_while_a_discount_runs_is_listed_on_sale(world):
    make_discount(world.shop_a, value="50", starts_at=None, now=timezone.now())

    make_product(shop=world.shop_a, title="New vase", price="12.00")

    assert listing_prices(world.shop_a, "New vase") == (D("6.00"), D("12.00"), True)


# --- scheduled ---------------------------------------------------------------------------


def test_a_scheduled_discount_starts_and_ends_on_time_through_the_job(world, lamp_id):
    discount = make_discount(world.shop_a, starts_at=NOW + HOUR, ends_at=NOW + 3 * HOUR)

    assert activations() == []
    assert schedule(world.shop_a) == [(discount.id, NOW + HOUR, 1)]
    assert listing_prices(world.shop_a, "Alpha lamp") == (D("30.00"), None, False)

    assert discounts_schedule_run(now=NOW + HOUR - HOUR / 60) == 0
    assert activations() == []

    assert discounts_schedule_run(now=NOW + HOUR) == 1
    assert listing_prices(world.shop_a, "Alpha lamp") == (D("27.00"), D("30.00"), True)
    assert [
        (event["discount_id"], event["version"], event["product_ids"]) for event in activations()
    ] == [(discount.id, 1, [lamp_id])]
    assert schedule(world.shop_a) == [(discount.id, NOW + 3 * HOUR, 1)]

    # Running again before the end changes nothing and announces nothing.
    assert discounts_schedule_run(now=NOW + 2 * HOUR) == 0
    assert discounts_schedule_run(now=NOW + 3 * HOUR) == 1
    assert listing_prices(world.shop_a, "Alpha lamp") == (D("30.00"), None, False)
    assert len(activations()) == 1
    assert schedule(world.shop_a) == []


def test_an_edit_before_the_start_bumps_the_version_and_announces_only_the_latest(world):
    discount = make_discount(world.shop_a, starts_at=NOW + HOUR)

    edited = discount_update(
        shop=world.shop_a,
        actor=None,
        discount_id=discount.id,
        data=discount_input(name="Bigger spring sale", value="20", starts_at=NOW + 2 * HOUR),
        version=1,
        now=NOW,
    )

    assert edited.version == 2
    assert activations() == []
    assert schedule(world.shop_a) == [(discount.id, NOW + 2 * HOUR, 2)]
    assert discounts_schedule_run(now=NOW + HOUR) == 0  # the old start is gone
    assert discounts_schedule_run(now=NOW + 2 * HOUR) == 1
    assert [(event["name"], event["value"], event["version"]) for event in activations()] == [
        ("Bigger spring sale", "20.00", 2)
    ]
    assert listing_prices(world.shop_a, "Alpha lamp") == (D("24.00"), D("30.00"), True)


def test_a_discount_deleted_before_its_start_sends_nothing(world):
    discount = make_discount(world.shop_a, starts_at=NOW + HOUR)

    discount_delete(shop=world.shop_a, actor=None, discount_id=discount.id, now=NOW)

    assert schedule(world.shop_a) == []
    assert discounts_schedule_run(now=NOW + HOUR) == 0
    assert activations() == []
    assert OutboxEvent.objects.filter(type__startswith="discount.").count() == 0
    assert discounts_of(world.shop_a) == []


def test_a_draft_edit_takes_a_scheduled_discount_off_the_schedule(world):
    discount = make_discount(world.shop_a, starts_at=NOW + HOUR)

    discount_update(
        shop=world.shop_a,
        actor=None,
        discount_id=discount.id,
        data=discount_input(starts_at=NOW + HOUR, is_draft=True),
        now=NOW,
    )

    assert schedule(world.shop_a) == []
    assert discounts_schedule_run(now=NOW + HOUR) == 0
    assert activations() == []


def test_a_stale_version_is_refused_and_nothing_changes(world):
    discount = make_discount(world.shop_a, starts_at=NOW + HOUR)
    discount_update(
        shop=world.shop_a,
        actor=None,
        discount_id=discount.id,
        data=discount_input(name="First edit", starts_at=NOW + HOUR),
        version=1,
        now=NOW,
    )

    with pytest.raises(ApplicationError) as caught:
        discount_update(
            shop=world.shop_a,
            actor=None,
            discount_id=discount.id,
            data=discount_input(name="Second edit", starts_at=NOW + HOUR),
            version=1,
            now=NOW,
        )

    assert (caught.value.status, caught.value.code) == (409, "conflict")
    assert discounts_of(world.shop_a) == [("First edit", 2)]


def test_editing_an_active_discount_reprices_and_announces_the_new_version(world):
    discount = make_discount(world.shop_a, value="10")

    discount_update(
        shop=world.shop_a,
        actor=None,
        discount_id=discount.id,
        data=discount_input(value="50"),
        now=NOW + HOUR,
    )

    assert listing_prices(world.shop_a, "Alpha lamp") == (D("15.00"), D("30.00"), True)
    assert [(event["version"], event["value"]) for event in activations()] == [
        (1, "10.00"),
        (2, "50.00"),
    ]


def test_deleting_an_active_discount_restores_the_listing(world):
    discount = make_discount(world.shop_a)

    discount_delete(shop=world.shop_a, actor=None, discount_id=discount.id, now=NOW + HOUR)

    assert listing_prices(world.shop_a, "Alpha lamp") == (D("30.00"), None, False)
    assert len(activations()) == 1  # the one sent at creation; nothing for the deletion


def test_a_discount_that_starts_and_ends_between_two_runs_is_never_announced(world):
    discount = make_discount(world.shop_a, starts_at=NOW + HOUR, ends_at=NOW + HOUR + HOUR / 3600)

    assert discounts_schedule_run(now=NOW + 2 * HOUR) == 1

    assert activations() == []
    assert schedule(world.shop_a) == []
    assert discount.id


def test_the_job_opens_only_shops_with_something_due(world):
    make_discount(world.shop_a, starts_at=NOW + 5 * HOUR)

    with CaptureQueriesContext(connection) as queries:
        assert discounts_schedule_run(now=NOW + HOUR) == 0

    # One read of the public schedule index (after returning to public from the setup's
    # shop schema); no shop schema is opened.
    statements = [query["sql"] for query in queries.captured_queries]
    assert statements[0] == 'SET search_path = "public"'
    assert len(statements) == 2
    assert 'FROM "promotions_scheduleddiscount"' in statements[1]


def test_the_job_handles_each_shop_in_its_own_schema(world):
    first = make_discount(world.shop_a, starts_at=NOW + HOUR)
    second = make_discount(world.shop_b, starts_at=NOW + HOUR, value="20")

    assert discounts_schedule_run(now=NOW + HOUR) == 2

    assert sorted((event["shop_id"], event["discount_id"]) for event in activations()) == sorted(
        [(world.shop_a.id, first.id), (world.shop_b.id, second.id)]
    )
    assert listing_prices(world.shop_a, "Alpha lamp") == (D("27.00"), D("30.00"), True)
    assert listing_prices(world.shop_b, "Beta kettle") == (D("20.00"), D("25.00"), True)


# --- discount_is_live (for the notification consumer) ------------------------------------


def test_discount_is_live_only_for_the_current_version_of_an_active_discount(world):
    active = make_discount(world.shop_a, starts_at=None, now=timezone.now())
    later = make_discount(world.shop_a, name="Later", starts_at=NOW + 10_000 * HOUR)
    shop_id = world.shop_a.id

    assert discount_is_live(shop_id=shop_id, discount_id=active.id, version=1) is True
    assert discount_is_live(shop_id=shop_id, discount_id=later.id, version=1) is False
    assert discount_is_live(shop_id=world.shop_b.id, discount_id=active.id, version=1) is False

    discount_update(
        shop=world.shop_a,
        actor=None,
        discount_id=active.id,
        data=discount_input(name="Renamed", starts_at=None),
    )
    assert discount_is_live(shop_id=shop_id, discount_id=active.id, version=1) is False
    assert discount_is_live(shop_id=shop_id, discount_id=active.id, version=2) is True

    discount_delete(shop=world.shop_a, actor=None, discount_id=active.id)
    assert discount_is_live(shop_id=shop_id, discount_id=active.id, version=2) is False
    assert discount_is_live(shop_id=987654, discount_id=active.id, version=2) is False


# --- status -----------------------------------------------------------------------------


def test_status_is_derived_the_same_way_in_python_and_in_the_database(world):
    draft = make_discount(world.shop_a, name="Draft", is_draft=True)
    scheduled = make_discount(world.shop_a, name="Scheduled", starts_at=NOW + HOUR)
    active = make_discount(world.shop_a, name="Active", ends_at=NOW + 2 * HOUR)
    ending = make_discount(world.shop_a, name="Ending", ends_at=NOW + HOUR / 2)
    used_up = make_discount(world.shop_a, name="Used up", usage_limit=1, code="ONCE")
    discount_redeem(shop=world.shop_a, discount_id=used_up.id, user_id=world.shopper.id, now=NOW)

    later = NOW + HOUR
    with tenant_context(world.shop_a):
        by_status = {
            status: [d.name for d in discounts_for_dashboard(status=status, now=later)]
            for status in ("draft", "scheduled", "active", "expired")
        }
        statuses = {d.name: d.status_at(later) for d in Discount.objects.all()}

    assert by_status == {
        "draft": ["Draft"],
        "scheduled": [],
        "active": ["Active", "Scheduled"],
        "expired": ["Used up", "Ending"],
    }
    assert statuses == {
        "Draft": "draft",
        "Scheduled": "active",
        "Active": "active",
        "Ending": "expired",
        "Used up": "expired",
    }
    assert {draft.id, scheduled.id, active.id, ending.id}


# --- uses -------------------------------------------------------------------------------


def test_per_customer_and_total_limits_are_enforced_when_redeeming(world):
    discount = make_discount(world.shop_a, code="TWICE", usage_limit=2, per_customer_limit=1)

    discount_redeem(
        shop=world.shop_a,
        discount_id=discount.id,
        user_id=world.shopper.id,
        order_reference="order-1",
        now=NOW,
    )
    with pytest.raises(ApplicationError) as again:
        discount_redeem(
            shop=world.shop_a, discount_id=discount.id, user_id=world.shopper.id, now=NOW
        )
    discount_redeem(shop=world.shop_a, discount_id=discount.id, user_id=world.owner_b.id, now=NOW)
    with pytest.raises(ApplicationError) as exhausted:
        discount_redeem(
            shop=world.shop_a, discount_id=discount.id, user_id=world.staff_a.id, now=NOW
        )

    assert (again.value.code, exhausted.value.code) == ("discount_used_up", "discount_inactive")
    with tenant_context(world.shop_a):
        assert Discount.objects.get().times_used == 2
        assert list(
            DiscountRedemption.objects.order_by("id").values_list("user_id", "order_reference")
        ) == [
            (world.shopper.id, "order-1"),
            (world.owner_b.id, ""),
        ]


def test_an_automatic_discount_used_up_leaves_its_listings(world):
    discount = make_discount(world.shop_a, usage_limit=1, ends_at=NOW + HOUR)
    assert listing_prices(world.shop_a, "Alpha lamp") == (D("27.00"), D("30.00"), True)

    discount_redeem(shop=world.shop_a, discount_id=discount.id, user_id=world.shopper.id, now=NOW)

    assert listing_prices(world.shop_a, "Alpha lamp") == (D("30.00"), None, False)
    assert schedule(world.shop_a) == []


def test_listings_of_unpublished_products_stay_absent(world):
    make_discount(world.shop_a)

    assert not Listing.objects.filter(shop=world.shop_a, title="Alpha draft chair").exists()


# --- transactions, queries, the worker ---------------------------------------------------


def test_a_failing_listing_sync_leaves_neither_discount_nor_event(world):
    from unittest import mock

    with (
        mock.patch(
            "sellers.discounts.services.listings_sync", side_effect=RuntimeError("listing down")
        ),
        pytest.raises(RuntimeError),
    ):
        make_discount(world.shop_a)

    assert discounts_of(world.shop_a) == []
    assert activations() == []
    assert schedule(world.shop_a) == []


def test_listing_sync_reads_discounts_and_promotions_once_whatever_the_batch(world):
    from sellers.catalog.services.listing import listings_sync

    home = CategoryFactory(name="Home", slug="sync-home")
    lamps = CategoryFactory(name="Lamps", slug="sync-lamps", parent=home)
    ids = [
        make_product(shop=world.shop_a, title=f"Lamp {number}", price="10.00", category=lamps).id
        for number in range(12)
    ]
    for number in range(4):
        make_discount(
            world.shop_a,
            name=f"D{number}",
            scope="categories",
            category_ids=[home.id],
            value=str(10 + number),
            starts_at=None,
            now=timezone.now(),
        )

    def statements(product_ids: list[int]) -> list[str]:
        with tenant_context(world.shop_a), CaptureQueriesContext(connection) as queries:
            listings_sync(shop=world.shop_a, product_ids=product_ids)
        words = [query["sql"].split(" ", 1)[0] for query in queries.captured_queries]
        return [word for word in words if word != "SET"]  # entering the shop's schema

    one, many = statements(ids[:1]), statements(ids)

    # Products, their variants, images, categories with their ancestors, live discounts,
    # live promotions, listings no longer published (to delete: none), the upsert.
    assert one == many
    assert many == ["SELECT", "SELECT", "SELECT", "WITH", "SELECT", "SELECT", "SELECT", "INSERT"]
    assert listing_prices(world.shop_a, "Lamp 11") == (D("8.70"), D("10.00"), True)


def test_the_worker_runs_the_schedule_every_five_seconds():
    from marketplace.events.consumers import _periodic_jobs

    jobs = {job.name: job.every_seconds for job in _periodic_jobs}

    assert jobs["discount-schedule"] == 5
    assert jobs["promotion-listings"] == 5
