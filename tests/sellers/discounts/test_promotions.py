"""Platform-funded promotions: who may manage them, how listings follow them through
the worker's job, and that the engine charges them to the platform."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django_tenants.utils import tenant_context

from marketplace.errors import ApplicationError
from sellers.discounts.rules import RuleInput
from sellers.discounts.selectors import discount_rules_live
from sellers.pricing import CartLine, FundedBy, price_cart
from sellers.promotions.models import PlatformPromotion
from sellers.promotions.selectors import promotion_rules_live
from sellers.promotions.services import (
    promotion_create,
    promotion_delete,
    promotion_update,
    promotions_sync_run,
)
from tests.factories import CategoryFactory, UserFactory, make_product
from tests.sellers.discounts.conftest import HOUR, NOW, activations, listing_prices, make_discount

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def admin():  # type: ignore[no-untyped-def]
    return UserFactory(is_staff=True, email="promotions-admin@example.test")


def promotion_input(**overrides) -> RuleInput:  # type: ignore[no-untyped-def]
    values = {"name": "Marketplace week", "kind": "percentage", "value": "20", "starts_at": NOW}
    values.update(overrides)
    return RuleInput(**values)


def test_only_platform_admins_create_promotions(world):
    for person in (world.owner_a, world.shopper):
        with pytest.raises(PermissionDenied):
            promotion_create(by=person, data=promotion_input(), now=NOW)

    assert PlatformPromotion.objects.count() == 0


def test_a_promotion_reaches_every_shop_through_the_job_and_is_platform_funded(world, admin):
    promotion = promotion_create(by=admin, data=promotion_input(), now=NOW)

    # Saved, not yet priced: the worker reprices within seconds.
    assert listing_prices(world.shop_a, "Alpha lamp") == (D("30.00"), None, False)
    assert promotions_sync_run(now=NOW) == 1

    assert listing_prices(world.shop_a, "Alpha lamp") == (D("24.00"), D("30.00"), True)
    assert listing_prices(world.shop_b, "Beta kettle") == (D("20.00"), D("25.00"), True)
    promotion.refresh_from_db()
    assert promotion.sync_due_at is None  # open-ended: nothing more to do
    assert promotion.synced_coverage == {
        "shop_id": None,
        "scope": "shop",
        "category_ids": [],
        "product_ids": [],
        "variant_ids": [],
    }
    assert promotions_sync_run(now=NOW + HOUR) == 0
    # Promotions are not a shop's discount: no discount.activated event.
    assert activations() == []

    rules = promotion_rules_live(shop=world.shop_a, now=NOW)
    line = CartLine(
        line_id="1", shop_id=world.shop_a.id, product_id=1, variant_id=1, unit_price=D("30.00")
    )
    priced = price_cart(lines=[line], rules=rules)
    assert [(each.rule_key, each.funded_by, each.amount) for each in priced.lines[0].discounts] == [
        (f"promotion:{promotion.id}", FundedBy.PLATFORM, D("6.00"))
    ]
    assert (priced.shops[0].platform_funded, priced.shops[0].seller_funded) == (
        D("6.00"),
        D("0.00"),
    )


def test_a_shop_restricted_promotion_stays_in_its_shop(world, admin):
    promotion_create(by=admin, data=promotion_input(), shop=world.shop_b, now=NOW)
    promotions_sync_run(now=NOW)

    assert listing_prices(world.shop_a, "Alpha lamp") == (D("30.00"), None, False)
    assert listing_prices(world.shop_b, "Beta kettle") == (D("20.00"), D("25.00"), True)
    assert promotion_rules_live(shop=world.shop_a, now=NOW) == []


def test_listings_take_the_better_of_the_seller_discount_and_the_promotion(world, admin):
    make_discount(world.shop_a, value="10")
    promotion_create(by=admin, data=promotion_input(value="25"), now=NOW)
    promotions_sync_run(now=NOW)

    assert listing_prices(world.shop_a, "Alpha lamp") == (D("22.50"), D("30.00"), True)
    with tenant_context(world.shop_a):
        assert len(discount_rules_live(shop=world.shop_a, now=NOW)) == 1


def test_a_scheduled_promotion_starts_and_ends_on_time(world, admin):
    promotion = promotion_create(
        by=admin, data=promotion_input(starts_at=NOW + HOUR, ends_at=NOW + 2 * HOUR), now=NOW
    )
    promotions_sync_run(now=NOW)
    promotion.refresh_from_db()

    assert promotion.sync_due_at == NOW + HOUR
    assert listing_prices(world.shop_a, "Alpha lamp") == (D("30.00"), None, False)
    promotions_sync_run(now=NOW + HOUR)
    assert listing_prices(world.shop_a, "Alpha lamp") == (D("24.00"), D("30.00"), True)
    promotions_sync_run(now=NOW + 2 * HOUR)
    assert listing_prices(world.shop_a, "Alpha lamp") == (D("30.00"), None, False)
    promotion.refresh_from_db()
    assert (promotion.sync_due_at, promotion.synced_coverage) == (None, None)


def test_an_edit_reprices_what_it_covered_before_and_covers_now(world, admin):
    lamps = CategoryFactory(name="Lamps", slug="promo-lamps")
    kettles = CategoryFactory(name="Kettles", slug="promo-kettles")
    make_product(shop=world.shop_a, title="Lamp A", price="10.00", category=lamps)
    make_product(shop=world.shop_b, title="Kettle B", price="10.00", category=kettles)
    promotion = promotion_create(
        by=admin, data=promotion_input(scope="categories", category_ids=[lamps.id]), now=NOW
    )
    promotions_sync_run(now=NOW)
    assert listing_prices(world.shop_a, "Lamp A") == (D("8.00"), D("10.00"), True)

    promotion_update(
        by=admin,
        promotion_id=promotion.id,
        data=promotion_input(scope="categories", category_ids=[kettles.id]),
        version=1,
        now=NOW,
    )
    promotions_sync_run(now=NOW)

    assert listing_prices(world.shop_a, "Lamp A") == (D("10.00"), None, False)
    assert listing_prices(world.shop_b, "Kettle B") == (D("8.00"), D("10.00"), True)


def test_a_deleted_promotion_leaves_the_listings_then_its_row_goes(world, admin):
    promotion = promotion_create(by=admin, data=promotion_input(), now=NOW)
    promotions_sync_run(now=NOW)

    promotion_delete(by=admin, promotion_id=promotion.id, now=NOW + HOUR)

    assert promotion_rules_live(shop=world.shop_a, now=NOW + HOUR) == []
    assert PlatformPromotion.objects.filter(id=promotion.id).exists()
    promotions_sync_run(now=NOW + HOUR)
    assert listing_prices(world.shop_a, "Alpha lamp") == (D("30.00"), None, False)
    assert not PlatformPromotion.objects.filter(id=promotion.id).exists()


def test_products_scope_needs_a_shop_and_that_shops_products(world, admin):
    with pytest.raises(ApplicationError) as no_shop:
        promotion_create(by=admin, data=promotion_input(scope="products", product_ids=[1]), now=NOW)
    with pytest.raises(ApplicationError) as foreign:
        promotion_create(
            by=admin,
            data=promotion_input(scope="products", product_ids=[987654]),
            shop=world.shop_a,
            now=NOW,
        )

    assert no_shop.value.errors == {"shop": "Products belong to one shop: choose the shop."}
    assert foreign.value.errors == {"product_ids": "Choose products of Alpha Goods."}
    assert PlatformPromotion.objects.count() == 0


def test_promotion_codes_are_unique_whatever_their_case(world, admin):
    promotion_create(by=admin, data=promotion_input(code="WEEK20"), now=NOW)

    with pytest.raises(ApplicationError) as caught:
        promotion_create(by=admin, data=promotion_input(code="week20"), now=NOW)

    assert caught.value.errors == {"code": "Another promotion already uses the code week20."}
