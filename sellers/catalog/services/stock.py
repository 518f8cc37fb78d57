"""Stock changes outside the product form: adjustments, and later sales and returns."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from marketplace.errors import ApplicationError
from sellers.catalog.models import StockMovement, Variant
from sellers.catalog.services.listing import listings_sync
from sellers.catalog.services.products import MAX_STOCK, actor_fields, check_actor
from tenants.models import Membership, Shop
from tenants.permissions import ShopAction
from tenants.schemas import shop_schema

# Reasons a person may give; sales and returns come from orders, imports from CSV.
ADJUSTMENT_REASONS = (
    StockMovement.Reason.RESTOCK,
    StockMovement.Reason.CORRECTION,
    StockMovement.Reason.DAMAGED,
    StockMovement.Reason.RETURN,
)


def stock_adjust(
    *,
    shop: Shop,
    actor: Membership | None,
    variant_id: int,
    delta: int | None = None,
    set_to: int | None = None,
    reason: str,
    note: str = "",
) -> Variant:
    """Change a variant's stock by `delta`, or to `set_to`, and record who, when and why.

    The variant row is locked, so concurrent adjustments and sales add up; stock never
    goes below zero or above 1,000,000 (ApplicationError, nothing changes).
    """
    check_actor(actor, shop, ShopAction.ADJUST_STOCK)
    if (delta is None) == (set_to is None):
        raise ApplicationError("Give either a change or a new stock level.", field="delta")
    # People choose among the adjustment reasons; sales, returns of orders and imports
    # come from their own code paths (actor None).
    allowed = ADJUSTMENT_REASONS if actor is not None else StockMovement.Reason.values
    if reason not in allowed:
        raise ApplicationError("Choose a reason for the change.", field="reason")
    note = note.strip()
    if len(note) > 200:
        raise ApplicationError("Keep the note under 200 characters.", field="note")
    with shop_schema(shop), transaction.atomic():
        variant = Variant.objects.select_for_update().filter(id=variant_id).first()
        if variant is None:
            raise ApplicationError("No such variant in this shop.", code="not_found", status=404)
        if not variant.track_inventory:
            raise ApplicationError(
                f"{variant.sku} doesn't track inventory. Turn tracking on in the product "
                "form first.",
                code="not_tracked",
                field="delta",
                status=409,
            )
        change = delta if delta is not None else (set_to or 0) - variant.stock
        after = variant.stock + change
        if after < 0:
            raise ApplicationError(
                f"{variant.sku} has {variant.stock} in stock; it can't go below zero.",
                field="delta" if delta is not None else "set_to",
            )
        if after > MAX_STOCK:
            raise ApplicationError(
                "Stock can be at most 1,000,000.",
                field="delta" if delta is not None else "set_to",
            )
        if change == 0:
            return variant
        Variant.objects.filter(id=variant.id).update(stock=F("stock") + change)
        variant.stock = after
        StockMovement.objects.create(
            variant=variant,
            sku=variant.sku,
            delta=change,
            stock_after=after,
            reason=reason,
            note=note,
            **actor_fields(actor),
        )
        if (variant.stock > 0) != (variant.stock - change > 0):
            listings_sync(shop=shop, product_ids=[variant.product_id])
    return variant
