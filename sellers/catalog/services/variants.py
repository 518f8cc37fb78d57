"""Changing one variant's selling terms without resending its whole product.

The product form (`product_update`) replaces a product and all its variants at once; an
API client that only wants a new price calls `variant_update` instead, which touches the
one variant row it locks and never its stock (stock changes go through `stock_adjust`).
"""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Final, Literal

from django.db import transaction

from marketplace.errors import ApplicationError
from sellers.catalog.models import StockMovement, Variant
from sellers.catalog.services.listing import listings_sync
from sellers.catalog.services.products import (
    Errors,
    actor_fields,
    check_actor,
    parse_count,
    parse_money,
)
from tenants.models import Membership, Shop
from tenants.permissions import ShopAction
from tenants.schemas import shop_schema


class _Keep(Enum):
    KEEP = "keep"


KEEP: Final = _Keep.KEEP
"""The default of every `variant_update` field: leave it as it is (None clears the
compare-at price, so it cannot mean "not given")."""

Kept = Literal[_Keep.KEEP]


def variant_update(
    *,
    shop: Shop,
    actor: Membership | None,
    variant_id: int,
    price: Decimal | str | Kept | None = KEEP,
    compare_at_price: Decimal | str | Kept | None = KEEP,
    low_stock_threshold: int | str | Kept = KEEP,
    track_inventory: bool | Kept = KEEP,
) -> Variant:
    """Change the given fields of one variant; the others stay.

    Checks as the product form does (all problems at once, keyed by field name: "price",
    "compare_at_price", "low_stock_threshold"), keeps the compare-at price above the
    price, records turning inventory tracking on or off as a stock movement (as the
    product form does) and keeps the product's listing in step. Nothing changes on error.
    """
    check_actor(actor, shop, ShopAction.MANAGE_PRODUCTS)
    with shop_schema(shop), transaction.atomic():
        variant = Variant.objects.select_for_update().filter(id=variant_id).first()
        if variant is None:
            raise ApplicationError("No such variant in this shop.", code="not_found", status=404)
        errors = Errors()
        new_price = variant.price
        if price is not KEEP:
            parsed = parse_money(price, name="price", errors=errors)
            if parsed is None:
                errors.add("price", "Enter a price.")
            else:
                new_price = parsed
        new_compare_at = variant.compare_at_price
        if compare_at_price is not KEEP:
            new_compare_at = parse_money(compare_at_price, name="compare_at_price", errors=errors)
        if (
            new_compare_at is not None
            and new_compare_at <= new_price
            and not {"price", "compare_at_price"} & set(errors.by_field)
        ):
            if compare_at_price is not KEEP:
                errors.add(
                    "compare_at_price",
                    "The compare-at price is the old price: make it higher than the price, "
                    "or leave it empty.",
                )
            else:
                errors.add(
                    "price",
                    f"The price must stay below the compare-at price ({new_compare_at}); "
                    "clear the compare-at price to end the sale.",
                )
        new_threshold = variant.low_stock_threshold
        if low_stock_threshold is not KEEP:
            parsed_threshold = parse_count(
                low_stock_threshold,
                name="low_stock_threshold",
                errors=errors,
                label="The low-stock threshold",
            )
            if parsed_threshold is not None:
                new_threshold = parsed_threshold
        errors.raise_if_any()

        tracked_before = variant.track_inventory
        variant.price = new_price
        variant.compare_at_price = new_compare_at
        variant.low_stock_threshold = new_threshold
        if track_inventory is not KEEP:
            variant.track_inventory = bool(track_inventory)
        variant.save(
            update_fields=[
                "price",
                "compare_at_price",
                "low_stock_threshold",
                "track_inventory",
                "updated_at",
            ]
        )
        if variant.track_inventory != tracked_before and variant.stock:
            # Untracked stock counts as none, as in the product form's history.
            delta = variant.stock if variant.track_inventory else -variant.stock
            StockMovement.objects.create(
                variant=variant,
                sku=variant.sku,
                delta=delta,
                stock_after=variant.stock if variant.track_inventory else 0,
                reason=StockMovement.Reason.EDIT,
                **actor_fields(actor),
            )
        listings_sync(shop=shop, product_ids=[variant.product_id])
    return variant
