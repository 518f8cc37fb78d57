"""Helpers for the discount tests: times, discounts made through the service, listings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django_tenants.utils import tenant_context

from marketplace.events.models import OutboxEvent
from sellers.discounts.models import Discount
from sellers.discounts.services import DiscountInput, discount_create
from sellers.listings.models import Listing
from sellers.promotions.models import ScheduledDiscount
from tenants.models import Shop

# A fixed "now" far enough ahead that anything the tests start is in the future of the
# real clock too (the services default to the real clock where a test doesn't pass one).
NOW = datetime(2031, 3, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def discount_input(**overrides: Any) -> DiscountInput:
    values: dict[str, Any] = {
        "name": "Spring sale",
        "kind": "percentage",
        "value": "10",
        "scope": "shop",
        "starts_at": NOW,
    }
    values.update(overrides)
    return DiscountInput(**values)


def make_discount(shop: Shop, *, now: datetime = NOW, **overrides: Any) -> Discount:
    return discount_create(shop=shop, actor=None, data=discount_input(**overrides), now=now)


def listing_prices(shop: Shop, title: str) -> tuple[Decimal, Decimal | None, bool]:
    listing = Listing.objects.get(shop=shop, title=title)
    return listing.price, listing.compare_at_price, listing.on_sale


def activations() -> list[dict[str, Any]]:
    return [
        event.data for event in OutboxEvent.objects.filter(type="discount.activated").order_by("id")
    ]


def schedule(shop: Shop) -> list[tuple[int, datetime, int]]:
    return list(
        ScheduledDiscount.objects.filter(shop=shop)
        .order_by("discount_id")
        .values_list("discount_id", "due_at", "version")
    )


def discounts_of(shop: Shop) -> list[tuple[str, int]]:
    with tenant_context(shop):
        return list(Discount.objects.order_by("id").values_list("name", "version"))


@pytest.fixture
def lamp_id(world) -> int:  # type: ignore[no-untyped-def]
    return Listing.objects.get(shop=world.shop_a, title="Alpha lamp").product_id
