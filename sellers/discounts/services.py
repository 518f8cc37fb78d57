"""Creating, editing and deleting a shop's discounts; their schedule; their uses.

Every write runs in the shop's schema and one transaction that also:

- keeps the public schedule index (`promotions.ScheduledDiscount`) in step, so the
  worker finds discounts that start or end without opening every shop's schema;
- publishes `discount.activated` when the discount is active once the write commits
  (created active, edited while active, or made active by an edit) — the version it
  names is the one just saved, and an edit or deletion before the start sends nothing;
- reprices the listings the discount covered before and covers now, when either was
  a live automatic discount.

`discounts_schedule_run` is the worker's job: at a start it announces and reprices, at an
end it reprices.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from marketplace.errors import ApplicationError
from marketplace.events.services import publish_event
from sellers.catalog.models import Product, Variant
from sellers.catalog.services.listing import listings_sync
from sellers.catalog.services.products import Errors, fields_error
from sellers.discounts.models import Discount, DiscountRedemption
from sellers.discounts.rules import RuleInput, check_rule
from sellers.discounts.selectors import (
    EVENT_PRODUCT_IDS_CAP,
    Coverage,
    covered_product_ids,
    discount_remaining_uses,
)
from sellers.promotions.models import ScheduledDiscount
from tenants.models import Membership, Shop
from tenants.permissions import ShopAction, check_shop_action
from tenants.schemas import shop_schema, use_public_schema

logger = logging.getLogger(__name__)

REPRICE_BATCH = 500

# The same fields as RuleInput: a discount is a rule with nothing of its own to type.
DiscountInput = RuleInput


def check_actor(actor: Membership | None, shop: Shop) -> None:
    if actor is not None:
        check_shop_action(membership=actor, shop=shop, action=ShopAction.MANAGE_DISCOUNTS)


def _not_found() -> ApplicationError:
    return ApplicationError("No such discount in this shop.", code="not_found", status=404)


def _check_shop_items(clean: dict[str, Any], errors: Errors) -> None:
    """Chosen products and variants must be this shop's (shop schema active)."""
    if clean["product_ids"]:
        found = set(
            Product.objects.filter(id__in=clean["product_ids"]).values_list("id", flat=True)
        )
        if found != set(clean["product_ids"]):
            errors.add("product_ids", "Choose products of this shop.")
    if clean["variant_ids"]:
        found = set(
            Variant.objects.filter(id__in=clean["variant_ids"]).values_list("id", flat=True)
        )
        if found != set(clean["variant_ids"]):
            errors.add("variant_ids", "Choose variants of this shop's products.")


def _check_code_free(code: str | None, *, discount_id: int | None, errors: Errors) -> None:
    if code is None:
        return
    taken = Discount.objects.filter(code__iexact=code)
    if discount_id is not None:
        taken = taken.exclude(id=discount_id)
    if taken.exists():
        errors.add("code", f"Another discount of this shop already uses the code {code}.")


def _code_taken_meanwhile() -> ApplicationError:
    return fields_error({"code": "Another discount took this code meanwhile. Choose another."})


# --- what follows a change -----------------------------------------------------------------


def _next_due(discount: Discount, now: datetime) -> datetime | None:
    """When the schedule job must next look at the discount: its start, then its end."""
    if discount.is_draft:
        return None
    if now < discount.starts_at:
        return discount.starts_at
    if discount.ends_at is not None and now < discount.ends_at:
        return discount.ends_at
    return None


def _schedule_sync(shop: Shop, discount: Discount, now: datetime) -> None:
    due = _next_due(discount, now)
    if due is None:
        ScheduledDiscount.objects.filter(shop=shop, discount_id=discount.id).delete()
        return
    ScheduledDiscount.objects.update_or_create(
        shop=shop,
        discount_id=discount.id,
        defaults={
            "starts_at": discount.starts_at,
            "ends_at": discount.ends_at,
            "version": discount.version,
            "due_at": due,
        },
    )


def activation_data(*, shop: Shop, discount: Discount, product_ids: list[int]) -> dict[str, Any]:
    """The `discount.activated` payload (the contract with the notification consumer)."""
    return {
        "shop_id": shop.id,
        "discount_id": discount.id,
        "activation": f"{discount.id}:{discount.starts_at.isoformat()}:{discount.version}",
        "name": discount.name,
        "kind": discount.kind,
        "value": str(discount.value),
        "scope": discount.scope,
        "product_ids": product_ids,
        "code": discount.code,
        "starts_at": discount.starts_at.isoformat(),
        "ends_at": discount.ends_at.isoformat() if discount.ends_at else None,
        "version": discount.version,
    }


def _activate(shop: Shop, discount: Discount, now: datetime) -> None:
    """Announce that this version is active. Call holding the discount's row lock (or
    right after creating it), inside the transaction that commits the activation."""
    product_ids = covered_product_ids(
        Coverage.of(discount, shop_id=shop.id), limit=EVENT_PRODUCT_IDS_CAP
    )
    publish_event(
        type="discount.activated",
        key=str(shop.id),
        data=activation_data(shop=shop, discount=discount, product_ids=product_ids),
    )
    discount.activated_at = now
    Discount.objects.filter(id=discount.id).update(activated_at=now)


def listings_reprice(*, shop: Shop, product_ids: Iterable[int], now: datetime) -> None:
    """Re-derive these listings with the discounts live at `now`, in batches. Shop schema
    active, inside the caller's transaction."""
    ids = sorted(set(product_ids))
    for start in range(0, len(ids), REPRICE_BATCH):
        listings_sync(shop=shop, product_ids=ids[start : start + REPRICE_BATCH], now=now)


def _reprice_after_change(
    shop: Shop,
    *,
    before: Coverage | None,
    after: Coverage | None,
    now: datetime,
) -> None:
    """Reprice what a live automatic discount covered (`before`) or covers (`after`)."""
    product_ids: set[int] = set()
    for coverage in (before, after):
        if coverage is not None:
            product_ids.update(covered_product_ids(coverage))
    listings_reprice(shop=shop, product_ids=product_ids, now=now)


def _live_automatic(discount: Discount, now: datetime) -> bool:
    return discount.is_automatic and discount.is_live_at(now)


def _after_write(shop: Shop, discount: Discount, *, before: Coverage | None, now: datetime) -> None:
    if discount.is_live_at(now):
        _activate(shop, discount, now)
    _schedule_sync(shop, discount, now)
    after = Coverage.of(discount, shop_id=shop.id) if _live_automatic(discount, now) else None
    if before is not None or after is not None:
        _reprice_after_change(shop, before=before, after=after, now=now)


# --- writes --------------------------------------------------------------------------------


def discount_create(
    *,
    shop: Shop,
    actor: Membership | None,
    data: DiscountInput,
    now: datetime | None = None,
) -> Discount:
    """Create a discount. One that is active at once is announced (and its listings
    repriced) in the same transaction; a later one is put on the schedule."""
    check_actor(actor, shop)
    now = now or timezone.now()
    with shop_schema(shop), transaction.atomic():
        errors = Errors()
        clean = check_rule(data, errors=errors, now=now)
        _check_shop_items(clean, errors)
        _check_code_free(clean["code"], discount_id=None, errors=errors)
        errors.raise_if_any()
        try:
            with transaction.atomic():
                discount = Discount.objects.create(
                    **clean,
                    created_by_id=actor.user_id if actor else None,
                    created_by_email=actor.user.email if actor else "",
                )
        except IntegrityError:
            raise _code_taken_meanwhile() from None
        _after_write(shop, discount, before=None, now=now)
    return discount


def discount_update(
    *,
    shop: Shop,
    actor: Membership | None,
    discount_id: int,
    data: DiscountInput,
    version: int | None = None,
    now: datetime | None = None,
) -> Discount:
    """Replace the discount's fields with `data`; its version goes up by one.

    `version` is the version the editor saw: if someone saved meanwhile the edit is
    refused (409) rather than overwriting theirs. An edit of an active discount announces
    the new version (consumers tell each shopper once per discount, so nobody hears
    twice; the announcement the edit overtook is recognised as stale).
    """
    check_actor(actor, shop)
    now = now or timezone.now()
    with shop_schema(shop), transaction.atomic():
        discount = Discount.objects.select_for_update().filter(id=discount_id).first()
        if discount is None:
            raise _not_found()
        if version is not None and version != discount.version:
            raise ApplicationError(
                "Someone saved this discount since you opened it. Reload it and make your "
                "change again.",
                code="conflict",
                status=409,
            )
        before = Coverage.of(discount, shop_id=shop.id) if _live_automatic(discount, now) else None
        errors = Errors()
        clean = check_rule(data, errors=errors, now=now, previous=discount)
        _check_shop_items(clean, errors)
        _check_code_free(clean["code"], discount_id=discount.id, errors=errors)
        errors.raise_if_any()
        for name, value in clean.items():
            setattr(discount, name, value)
        discount.version = F("version") + 1
        discount.activated_at = None
        try:
            with transaction.atomic():
                discount.save()
        except IntegrityError:
            raise _code_taken_meanwhile() from None
        discount.refresh_from_db(fields=["version"])
        _after_write(shop, discount, before=before, now=now)
    return discount


def discount_delete(
    *, shop: Shop, actor: Membership | None, discount_id: int, now: datetime | None = None
) -> None:
    """Delete the discount and its uses; take it off the schedule; reprice its listings
    if it was live. Nothing is announced (a pending announcement goes stale)."""
    check_actor(actor, shop)
    now = now or timezone.now()
    with shop_schema(shop), transaction.atomic():
        discount = Discount.objects.select_for_update().filter(id=discount_id).first()
        if discount is None:
            raise _not_found()
        before = Coverage.of(discount, shop_id=shop.id) if _live_automatic(discount, now) else None
        ScheduledDiscount.objects.filter(shop=shop, discount_id=discount.id).delete()
        discount.delete()
        if before is not None:
            _reprice_after_change(shop, before=before, after=None, now=now)


def discount_redeem(
    *,
    shop: Shop,
    discount_id: int,
    user_id: int,
    order_reference: str = "",
    now: datetime | None = None,
) -> DiscountRedemption:
    """Record one use of the discount by a shopper (checkout, inside its transaction).

    Locks the discount, so two orders can't both take the last use; refuses (409
    `discount_used_up`) when the total or the shopper's limit is reached. A discount
    that this use exhausts leaves its listings at once.
    """
    now = now or timezone.now()
    with shop_schema(shop), transaction.atomic():
        discount = Discount.objects.select_for_update().filter(id=discount_id).first()
        if discount is None:
            raise _not_found()
        if not discount.is_live_at(now):
            raise ApplicationError(
                f"The discount “{discount.name}” is not active.",
                code="discount_inactive",
                status=409,
            )
        remaining = discount_remaining_uses(discount=discount, user_id=user_id)
        if remaining is not None and remaining <= 0:
            raise ApplicationError(
                f"The discount “{discount.name}” has been used as often as it may be.",
                code="discount_used_up",
                status=409,
            )
        redemption = DiscountRedemption.objects.create(
            discount=discount, user_id=user_id, order_reference=order_reference
        )
        Discount.objects.filter(id=discount.id).update(times_used=F("times_used") + 1)
        discount.times_used += 1
        if discount.is_exhausted:
            ScheduledDiscount.objects.filter(shop=shop, discount_id=discount.id).delete()
            if discount.is_automatic:
                _reprice_after_change(
                    shop, before=Coverage.of(discount, shop_id=shop.id), after=None, now=now
                )
    return redemption


# --- the schedule job --------------------------------------------------------------------


def _schedule_run_shop(shop: Shop, *, now: datetime) -> int:
    """Handle one shop's due discounts in its schema and one transaction."""
    with shop_schema(shop), transaction.atomic():
        due_ids = list(
            ScheduledDiscount.objects.filter(shop=shop, due_at__lte=now).values_list(
                "discount_id", flat=True
            )
        )
        # Lock the discounts before their schedule rows: the order the services use.
        discounts = {
            discount.id: discount
            for discount in Discount.objects.select_for_update()
            .filter(id__in=due_ids)
            .order_by("id")
        }
        rows = list(
            ScheduledDiscount.objects.select_for_update()
            .filter(shop=shop, due_at__lte=now, discount_id__in=due_ids)
            .order_by("discount_id")
        )
        product_ids: set[int] = set()
        for row in rows:
            discount = discounts.get(row.discount_id)
            if discount is None:
                row.delete()
                continue
            if discount.is_live_at(now) and discount.activated_at is None:
                _activate(shop, discount, now)
            if discount.is_automatic:
                product_ids.update(covered_product_ids(Coverage.of(discount, shop_id=shop.id)))
            _schedule_sync(shop, discount, now)
        listings_reprice(shop=shop, product_ids=product_ids, now=now)
    return len(rows)


def discounts_schedule_run(*, now: datetime | None = None) -> int:
    """The worker's job: discounts whose start or end has come are announced (at the
    start) and their listings repriced, one shop schema and transaction at a time. Reads
    the public schedule index, so only shops with something due are opened. Returns how
    many discounts it handled."""
    now = now or timezone.now()
    use_public_schema()
    shop_ids = set(
        ScheduledDiscount.objects.filter(due_at__lte=now).values_list("shop_id", flat=True)
    )
    handled = 0
    for shop in Shop.objects.filter(id__in=shop_ids).order_by("id"):
        try:
            handled += _schedule_run_shop(shop, now=now)
        except Exception:
            # One shop's trouble must not hold up the others; its rows stay due.
            logger.exception("discount schedule: shop %s failed", shop.id)
    return handled
