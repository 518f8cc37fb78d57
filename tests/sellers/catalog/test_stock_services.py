"""stock_adjust: change by / set to, the history it writes, limits, locks, who may."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django_tenants.utils import tenant_context

from marketplace.errors import ApplicationError
from sellers.catalog.models import StockMovement, Variant
from sellers.catalog.services import VariantInput, stock_adjust
from sellers.catalog.services.stock import ADJUSTMENT_REASONS
from sellers.listings.models import Listing
from tenants.models import Membership, Shop
from tenants.services import shop_suspend
from tests.factories import UserFactory, make_product

pytestmark = pytest.mark.django_db


def member(world, who: str = "staff_a") -> Membership:  # type: ignore[no-untyped-def]
    user = getattr(world, who)
    return Membership.objects.get(
        user=user, shop=world.shop_b if who == "owner_b" else world.shop_a
    )


def lamp_variant(world) -> Variant:  # type: ignore[no-untyped-def]
    with tenant_context(world.shop_a):
        return Variant.objects.get(sku="alpha-lamp")  # 5 in stock


def history(shop: Shop) -> list[tuple[object, ...]]:
    with tenant_context(shop):
        return list(
            StockMovement.objects.order_by("id").values_list(
                "sku", "delta", "stock_after", "reason", "note", "actor_email"
            )
        )


def stock_of(shop: Shop, variant_id: int) -> int:
    with tenant_context(shop):
        return Variant.objects.get(id=variant_id).stock


def raised(call) -> ApplicationError:  # type: ignore[no-untyped-def]
    with pytest.raises(ApplicationError) as info:
        call()
    return info.value


def test_the_reasons_people_may_give():
    assert [reason.value for reason in ADJUSTMENT_REASONS] == [
        "restock",
        "correction",
        "damaged",
        "return",
    ]


@pytest.mark.parametrize(
    ("change", "after", "delta"),
    [
        ({"delta": 7}, 12, 7),
        ({"delta": -5}, 0, -5),
        ({"set_to": 2}, 2, -3),
        ({"set_to": 40}, 40, 35),
    ],
)
def test_a_change_or_a_new_level_is_applied_and_recorded(world, change, after, delta):
    variant = lamp_variant(world)
    before = history(world.shop_a)

    result = stock_adjust(
        shop=world.shop_a,
        actor=member(world),
        variant_id=variant.id,
        reason="correction",
        note="  Counted the shelf  ",
        **change,
    )

    assert result.stock == after
    assert stock_of(world.shop_a, variant.id) == after
    assert history(world.shop_a) == [
        *before,
        ("alpha-lamp", delta, after, "correction", "Counted the shelf", world.staff_a.email),
    ]


def test_no_change_writes_no_history(world):
    variant = lamp_variant(world)
    before = history(world.shop_a)

    stock_adjust(shop=world.shop_a, actor=None, variant_id=variant.id, set_to=5, reason="restock")
    stock_adjust(shop=world.shop_a, actor=None, variant_id=variant.id, delta=0, reason="restock")

    assert history(world.shop_a) == before


def test_adjustments_add_up(world):
    variant = lamp_variant(world)

    for _ in range(3):
        stock_adjust(
            shop=world.shop_a, actor=None, variant_id=variant.id, delta=2, reason="restock"
        )

    assert stock_of(world.shop_a, variant.id) == 11
    assert [row[2] for row in history(world.shop_a)[-3:]] == [7, 9, 11]


def test_in_stock_on_the_listing_follows_the_stock(world):
    variant = lamp_variant(world)
    product_id = variant.product_id

    stock_adjust(shop=world.shop_a, actor=None, variant_id=variant.id, set_to=0, reason="damaged")
    sold_out = Listing.objects.get(shop=world.shop_a, product_id=product_id).in_stock
    stock_adjust(shop=world.shop_a, actor=None, variant_id=variant.id, delta=1, reason="return")
    back = Listing.objects.get(shop=world.shop_a, product_id=product_id).in_stock

    assert (sold_out, back) == (False, True)


@pytest.mark.parametrize(
    ("arguments", "field", "message", "status"),
    [
        (
            {"delta": -6, "reason": "damaged"},
            "delta",
            "alpha-lamp has 5 in stock; it can't go below zero.",
            400,
        ),
        (
            {"set_to": -1, "reason": "correction"},
            "set_to",
            "alpha-lamp has 5 in stock; it can't go below zero.",
            400,
        ),
        ({"delta": 999_996, "reason": "restock"}, "delta", "Stock can be at most 1,000,000.", 400),
        (
            {"delta": 1, "set_to": 3, "reason": "restock"},
            "delta",
            "Give either a change or a new stock level.",
            400,
        ),
        ({"reason": "restock"}, "delta", "Give either a change or a new stock level.", 400),
        ({"delta": 1, "reason": "gift"}, "reason", "Choose a reason for the change.", 400),
        (
            {"delta": 1, "reason": "restock", "note": "x" * 201},
            "note",
            "Keep the note under 200 characters.",
            400,
        ),
    ],
)
def test_bad_adjustments_change_nothing(world, arguments, field, message, status):
    variant = lamp_variant(world)
    before = history(world.shop_a)

    error = raised(
        lambda: stock_adjust(shop=world.shop_a, actor=None, variant_id=variant.id, **arguments)
    )

    assert (error.field, error.message, error.status) == (field, message, status)
    assert stock_of(world.shop_a, variant.id) == 5
    assert history(world.shop_a) == before


def test_a_variant_that_does_not_track_stock_cannot_be_adjusted(world):
    product = make_product(
        shop=world.shop_a,
        title="E-book",
        variants=[VariantInput(sku="EBOOK", price="4.00", track_inventory=False)],
    )
    with tenant_context(world.shop_a):
        variant = product.variants.get()

    error = raised(
        lambda: stock_adjust(
            shop=world.shop_a, actor=None, variant_id=variant.id, delta=3, reason="restock"
        )
    )

    assert (error.code, error.status, error.field) == ("not_tracked", 409, "delta")


def test_an_unknown_variant_is_404(world):
    error = raised(
        lambda: stock_adjust(
            shop=world.shop_a, actor=None, variant_id=999999, delta=1, reason="restock"
        )
    )

    assert (error.code, error.status) == ("not_found", 404)


def test_variant_ids_are_per_shop(world):
    """Adjusting "variant 1" of beta changes beta's variant 1, never alpha's."""
    alpha_before = history(world.shop_a)
    with tenant_context(world.shop_b):
        kettle = Variant.objects.get(sku="beta-kettle")

    stock_adjust(
        shop=world.shop_b,
        actor=member(world, "owner_b"),
        variant_id=kettle.id,
        delta=1,
        reason="restock",
    )

    assert history(world.shop_a) == alpha_before
    assert stock_of(world.shop_b, kettle.id) == 6


@pytest.mark.parametrize("who", ["owner_a", "manager_a", "staff_a"])
def test_every_role_of_the_shop_may_adjust_stock(world, who):
    variant = lamp_variant(world)

    stock_adjust(
        shop=world.shop_a,
        actor=member(world, who),
        variant_id=variant.id,
        delta=1,
        reason="restock",
    )

    assert stock_of(world.shop_a, variant.id) == 6


def test_another_shops_member_and_a_suspended_shop_change_nothing(world):
    variant = lamp_variant(world)
    before = history(world.shop_a)

    with pytest.raises(PermissionDenied):
        stock_adjust(
            shop=world.shop_a,
            actor=member(world, "owner_b"),
            variant_id=variant.id,
            delta=1,
            reason="restock",
        )
    shop_suspend(shop=world.shop_a, reason="Review", by=UserFactory(is_staff=True))
    suspended = Shop.objects.get(id=world.shop_a.id)
    error = raised(
        lambda: stock_adjust(
            shop=suspended, actor=member(world), variant_id=variant.id, delta=1, reason="restock"
        )
    )

    assert error.code == "shop_suspended"
    assert stock_of(world.shop_a, variant.id) == 5
    assert history(world.shop_a) == before


@pytest.mark.parametrize("reason", ["sale", "import", "initial", "edit", "api"])
def test_people_cannot_book_stock_under_a_system_reason(world, reason):
    variant = lamp_variant(world)
    before = history(world.shop_a)

    error = raised(
        lambda: stock_adjust(
            shop=world.shop_a, actor=member(world), variant_id=variant.id, delta=3, reason=reason
        )
    )

    assert (error.field, error.message) == ("reason", "Choose a reason for the change.")
    assert (stock_of(world.shop_a, variant.id), history(world.shop_a)) == (5, before)
