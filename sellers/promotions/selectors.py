"""Reading platform promotions."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from sellers.discounts.selectors import live_filter, pricing_rule, status_filter
from sellers.pricing import FundedBy, PricingRule
from sellers.promotions.models import PlatformPromotion
from tenants.models import Shop


def promotion_rule(promotion: PlatformPromotion) -> PricingRule:
    return pricing_rule(
        promotion, source="promotion", shop_id=promotion.shop_id, funded_by=FundedBy.PLATFORM
    )


def promotion_rules_live(
    *, shop: Shop, now: datetime, automatic_only: bool = True
) -> list[PricingRule]:
    """Promotions active at `now` that reach `shop` (every shop, or this one), as engine
    rules; one query."""
    promotions = PlatformPromotion.objects.filter(
        live_filter(now), Q(shop__isnull=True) | Q(shop=shop), deleted_at__isnull=True
    )
    if automatic_only:
        promotions = promotions.filter(code__isnull=True)
    return [promotion_rule(promotion) for promotion in promotions.order_by("id")]


def promotions_for_platform(
    *, status: str | None, now: datetime | None = None
) -> QuerySet[PlatformPromotion]:
    """Every promotion not deleted, newest first, optionally of one status."""
    promotions = PlatformPromotion.objects.filter(deleted_at__isnull=True).select_related("shop")
    if status:
        promotions = promotions.filter(status_filter(status, now or timezone.now()))
    return promotions.order_by("-created_at", "-id")


def promotion_get(*, promotion_id: int) -> PlatformPromotion | None:
    return (
        PlatformPromotion.objects.filter(id=promotion_id, deleted_at__isnull=True)
        .select_related("shop")
        .first()
    )
