"""Platform-funded promotions: created by platform admins, paid for by the platform.

A promotion may reach every shop, so its writes don't reprice listings themselves
(that could mean every shop's schema inside one admin request): each write sets
`sync_due_at` to now, and the worker's job (`promotions_sync_run`, every few seconds)
reprices the listings it covered before and covers now, one shop schema and
transaction at a time, and again at its start and end. Promotions are not announced to
shoppers through `discount.activated` (that event is a shop's own discount).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.errors import ApplicationError
from sellers.catalog.models import Product, Variant
from sellers.catalog.services.products import Errors, fields_error
from sellers.discounts.rules import RuleInput, check_rule
from sellers.discounts.selectors import Coverage, covered_listings
from sellers.discounts.services import listings_reprice
from sellers.promotions.models import PlatformPromotion
from tenants.models import Shop
from tenants.schemas import shop_schema, use_public_schema
from tenants.services import check_platform_admin

logger = logging.getLogger(__name__)


def _not_found() -> ApplicationError:
    return ApplicationError("No such promotion.", code="not_found", status=404)


def _check_promotion(
    data: RuleInput,
    *,
    shop: Shop | None,
    now: datetime,
    previous: PlatformPromotion | None,
) -> dict[str, Any]:
    errors = Errors()
    clean = check_rule(data, errors=errors, now=now, previous=previous)
    if clean["scope"] == PlatformPromotion.Scope.PRODUCTS:
        if shop is None:
            errors.add("shop", "Products belong to one shop: choose the shop.")
        else:
            with shop_schema(shop):
                if clean["product_ids"]:
                    found = set(
                        Product.objects.filter(id__in=clean["product_ids"]).values_list(
                            "id", flat=True
                        )
                    )
                    if found != set(clean["product_ids"]):
                        errors.add("product_ids", f"Choose products of {shop.name}.")
                if clean["variant_ids"]:
                    found = set(
                        Variant.objects.filter(id__in=clean["variant_ids"]).values_list(
                            "id", flat=True
                        )
                    )
                    if found != set(clean["variant_ids"]):
                        errors.add("variant_ids", f"Choose variants of {shop.name}'s products.")
    if clean["code"] is not None:
        taken = PlatformPromotion.objects.filter(
            code__iexact=clean["code"], deleted_at__isnull=True
        )
        if previous is not None:
            taken = taken.exclude(id=previous.id)
        if taken.exists():
            errors.add("code", f"Another promotion already uses the code {clean['code']}.")
    errors.raise_if_any()
    return clean


def _code_taken_meanwhile() -> ApplicationError:
    return fields_error({"code": "Another promotion took this code meanwhile. Choose another."})


def promotion_create(
    *, by: User, data: RuleInput, shop: Shop | None = None, now: datetime | None = None
) -> PlatformPromotion:
    """Create a platform-funded promotion (for every shop, or `shop` only). Its listings
    change within seconds (the worker), at its start and at its end."""
    check_platform_admin(by)
    now = now or timezone.now()
    use_public_schema()
    clean = _check_promotion(data, shop=shop, now=now, previous=None)
    try:
        with transaction.atomic():
            return PlatformPromotion.objects.create(
                **clean, shop=shop, created_by=by, sync_due_at=now
            )
    except IntegrityError:
        raise _code_taken_meanwhile() from None


def promotion_update(
    *,
    by: User,
    promotion_id: int,
    data: RuleInput,
    shop: Shop | None = None,
    version: int | None = None,
    now: datetime | None = None,
) -> PlatformPromotion:
    """Replace the promotion's fields; its version goes up (409 `conflict` if `version`
    is not the one the editor saw)."""
    check_platform_admin(by)
    now = now or timezone.now()
    use_public_schema()
    with transaction.atomic():
        promotion = (
            PlatformPromotion.objects.select_for_update()
            .filter(id=promotion_id, deleted_at__isnull=True)
            .first()
        )
        if promotion is None:
            raise _not_found()
        if version is not None and version != promotion.version:
            raise ApplicationError(
                "Someone saved this promotion since you opened it. Reload it and make your "
                "change again.",
                code="conflict",
                status=409,
            )
        clean = _check_promotion(data, shop=shop, now=now, previous=promotion)
        for name, value in clean.items():
            setattr(promotion, name, value)
        promotion.shop = shop
        promotion.version = F("version") + 1
        promotion.activated_at = None
        promotion.sync_due_at = now
        try:
            with transaction.atomic():
                promotion.save()
        except IntegrityError:
            raise _code_taken_meanwhile() from None
        promotion.refresh_from_db()
    return promotion


def promotion_delete(*, by: User, promotion_id: int, now: datetime | None = None) -> None:
    """Delete the promotion: it stops applying at once; its listings are repriced by the
    worker, which then removes the row."""
    check_platform_admin(by)
    now = now or timezone.now()
    use_public_schema()
    changed = PlatformPromotion.objects.filter(id=promotion_id, deleted_at__isnull=True).update(
        deleted_at=now, sync_due_at=now, version=F("version") + 1
    )
    if not changed:
        raise _not_found()


# --- the sync job ----------------------------------------------------------------------


def _next_due(promotion: PlatformPromotion, now: datetime) -> datetime | None:
    if promotion.is_draft or promotion.code is not None:
        return None  # a draft waits for an edit; a code never shows on listings
    if now < promotion.starts_at:
        return promotion.starts_at
    if promotion.ends_at is not None and now < promotion.ends_at:
        return promotion.ends_at
    return None


def _promotion_sync(promotion: PlatformPromotion, *, now: datetime) -> None:
    coverages = []
    if promotion.synced_coverage:
        coverages.append(Coverage.from_json(promotion.synced_coverage))
    current = Coverage.of(promotion, shop_id=promotion.shop_id)
    live = promotion.deleted_at is None and promotion.code is None and promotion.is_live_at(now)
    if live:
        coverages.append(current)
    by_shop: dict[int, set[int]] = defaultdict(set)
    for coverage in coverages:
        for shop_id, product_id in covered_listings(coverage).values_list("shop_id", "product_id"):
            by_shop[shop_id].add(product_id)
    for shop in Shop.objects.filter(id__in=by_shop).order_by("id"):
        with shop_schema(shop), transaction.atomic():
            listings_reprice(shop=shop, product_ids=by_shop[shop.id], now=now)
    # Only if nobody edited it meanwhile: an edit set sync_due_at again and wins.
    unchanged = PlatformPromotion.objects.filter(id=promotion.id, version=promotion.version)
    if promotion.deleted_at is not None:
        unchanged.delete()
        return
    unchanged.update(
        synced_coverage=current.as_json() if live else None,
        sync_due_at=_next_due(promotion, now),
        activated_at=(promotion.activated_at or now) if live else promotion.activated_at,
    )


def promotions_sync_run(*, now: datetime | None = None) -> int:
    """The worker's job: reprice the listings of promotions changed, started or ended.
    Returns how many promotions it handled."""
    now = now or timezone.now()
    use_public_schema()
    due = list(PlatformPromotion.objects.filter(sync_due_at__lte=now).order_by("sync_due_at", "id"))
    for promotion in due:
        try:
            _promotion_sync(promotion, now=now)
        except Exception:
            logger.exception("promotion sync: promotion %s failed", promotion.id)
    return len(due)
