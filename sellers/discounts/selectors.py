"""Reading discounts: status filters, the live rules the pricing engine takes, what a
discount covers, and whether an announced activation still holds."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from sellers.catalog.models import Product, Variant
from sellers.discounts.models import Discount, DiscountRedemption, RuleFields, RuleStatus
from sellers.listings.models import Listing
from sellers.pricing import FundedBy, PricingRule, RuleKind, RuleScope
from tenants.models import Shop
from tenants.schemas import shop_schema

# The activation event lists at most this many product ids (contract with notifications).
EVENT_PRODUCT_IDS_CAP = 1000


def live_filter(now: datetime) -> Q:
    """Rules that are active at `now`: not drafts, started, not ended, not used up."""
    return (
        Q(is_draft=False, starts_at__lte=now)
        & (Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        & (Q(usage_limit__isnull=True) | Q(times_used__lt=F("usage_limit")))
    )


def status_filter(status: str, now: datetime) -> Q:
    """The rules whose `status_at(now)` is `status` (the same order of checks)."""
    ended = Q(ends_at__lte=now) | Q(usage_limit__isnull=False, times_used__gte=F("usage_limit"))
    if status == RuleStatus.DRAFT:
        return Q(is_draft=True)
    if status == RuleStatus.EXPIRED:
        return Q(is_draft=False) & ended
    if status == RuleStatus.SCHEDULED:
        return Q(is_draft=False, starts_at__gt=now) & ~ended
    return live_filter(now)


def status_annotation(now: datetime) -> Case:
    return Case(
        *(When(status_filter(status, now), then=Value(status)) for status in RuleStatus.values),
        output_field=CharField(),
    )


def discounts_for_dashboard(
    *, status: str | None, now: datetime | None = None
) -> QuerySet[Discount]:
    """The shop's discounts, newest first, optionally of one status. Shop schema active."""
    discounts = Discount.objects.all()
    if status:
        discounts = discounts.filter(status_filter(status, now or timezone.now()))
    return discounts.order_by("-created_at", "-id")


def discount_get(*, discount_id: int) -> Discount | None:
    return Discount.objects.filter(id=discount_id).first()


def discount_is_live(*, shop_id: int, discount_id: int, version: int) -> bool:
    """Is this version of the discount active now? For consumers of `discount.activated`:
    an edit (new version), a deletion, a return to draft or a suspended shop since the
    event was written make it False, so nothing stale is announced. Runs from any schema."""
    shop = Shop.objects.filter(id=shop_id).first()
    if shop is None or shop.is_suspended:
        return False
    with shop_schema(shop):
        discount = Discount.objects.filter(id=discount_id, version=version).first()
        return discount is not None and discount.is_live_at(timezone.now())


def discount_remaining_uses(*, discount: Discount, user_id: int | None) -> int | None:
    """How many more times this shopper may use the discount (None: no limit). The lower
    of what is left of the total limit and of the per-customer limit."""
    left: list[int] = []
    if discount.usage_limit is not None:
        left.append(max(discount.usage_limit - discount.times_used, 0))
    if discount.per_customer_limit is not None:
        used = 0
        if user_id is not None:
            used = DiscountRedemption.objects.filter(discount=discount, user_id=user_id).count()
        left.append(max(discount.per_customer_limit - used, 0))
    return min(left) if left else None


# --- for the pricing engine ---------------------------------------------------------------


def pricing_rule(
    rule: RuleFields, *, source: str, shop_id: int | None, funded_by: FundedBy
) -> PricingRule:
    return PricingRule(
        source=source,
        rule_id=rule.pk,
        name=rule.name,
        kind=RuleKind(rule.kind),
        value=Decimal(rule.value),
        scope=RuleScope(rule.scope),
        funded_by=funded_by,
        shop_id=shop_id,
        category_ids=frozenset(int(each) for each in rule.category_ids),
        product_ids=frozenset(int(each) for each in rule.product_ids),
        variant_ids=frozenset(int(each) for each in rule.variant_ids),
        code=rule.code,
        stacks=rule.stacks_with_others,
        minimum_subtotal=rule.minimum_subtotal,
    )


def discount_rule(discount: Discount, *, shop_id: int) -> PricingRule:
    return pricing_rule(discount, source="discount", shop_id=shop_id, funded_by=FundedBy.SELLER)


def discount_rules_live(
    *, shop: Shop, now: datetime, automatic_only: bool = True
) -> list[PricingRule]:
    """The shop's discounts active at `now` as engine rules (one query; shop schema
    active). Listings take only the automatic ones; a cart also the codes."""
    discounts = Discount.objects.filter(live_filter(now))
    if automatic_only:
        discounts = discounts.filter(code__isnull=True)
    return [discount_rule(discount, shop_id=shop.id) for discount in discounts.order_by("id")]


# --- what a rule covers ----------------------------------------------------------------------


def category_descendant_ids(category_ids: Iterable[int]) -> set[int]:
    """The categories and every category below them (one recursive query)."""
    ids = sorted({int(each) for each in category_ids})
    if not ids:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH RECURSIVE tree(id) AS ("
            " SELECT id FROM public.listings_category WHERE id = ANY(%s)"
            " UNION SELECT child.id FROM public.listings_category child"
            " JOIN tree ON child.parent_id = tree.id"
            ") SELECT id FROM tree",
            [ids],
        )
        return {row[0] for row in cursor.fetchall()}


def category_ancestry(category_ids: Iterable[int]) -> dict[int, tuple[str, frozenset[int]]]:
    """For each category: its name and the ids of itself and all its ancestors (one
    recursive query; categories that don't exist are left out)."""
    ids = sorted({int(each) for each in category_ids})
    if not ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH RECURSIVE chain(id, name, parent_id) AS ("
            " SELECT id, name, parent_id FROM public.listings_category WHERE id = ANY(%s)"
            " UNION SELECT parent.id, parent.name, parent.parent_id"
            " FROM public.listings_category parent JOIN chain ON parent.id = chain.parent_id"
            ") SELECT id, name, parent_id FROM chain",
            [ids],
        )
        rows = cursor.fetchall()
    names = {row[0]: row[1] for row in rows}
    parents = {row[0]: row[2] for row in rows}
    ancestry = {}
    for category_id in ids:
        if category_id not in names:
            continue
        chain: set[int] = set()
        current: int | None = category_id
        while current is not None and current not in chain:
            chain.add(current)
            current = parents.get(current)
        ancestry[category_id] = (names[category_id], frozenset(chain))
    return ancestry


@dataclass(frozen=True)
class Coverage:
    """What a rule reaches: enough to find the listings to reprice after it changes."""

    shop_id: int | None
    scope: str
    category_ids: tuple[int, ...] = ()
    product_ids: tuple[int, ...] = ()
    variant_ids: tuple[int, ...] = ()

    @classmethod
    def of(cls, rule: RuleFields, *, shop_id: int | None) -> Coverage:
        return cls(
            shop_id=shop_id,
            scope=rule.scope,
            category_ids=tuple(sorted(int(each) for each in rule.category_ids)),
            product_ids=tuple(sorted(int(each) for each in rule.product_ids)),
            variant_ids=tuple(sorted(int(each) for each in rule.variant_ids)),
        )

    def as_json(self) -> dict[str, object]:
        return {
            "shop_id": self.shop_id,
            "scope": self.scope,
            "category_ids": list(self.category_ids),
            "product_ids": list(self.product_ids),
            "variant_ids": list(self.variant_ids),
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Coverage:
        def ids(name: str) -> tuple[int, ...]:
            values = data.get(name) or []
            assert isinstance(values, list)
            return tuple(int(each) for each in values)

        shop_id = data.get("shop_id")
        return cls(
            shop_id=int(shop_id) if isinstance(shop_id, int) else None,
            scope=str(data["scope"]),
            category_ids=ids("category_ids"),
            product_ids=ids("product_ids"),
            variant_ids=ids("variant_ids"),
        )


def covered_listings(coverage: Coverage) -> QuerySet[Listing]:
    """The listings (published products) a rule covers, across shops unless it names
    one. Products scope resolves variant ids in the shop's schema, so it needs a shop."""
    listings = Listing.objects.all()
    if coverage.shop_id is not None:
        listings = listings.filter(shop_id=coverage.shop_id)
    if coverage.scope == RuleFields.Scope.CATEGORIES:
        listings = listings.filter(category_id__in=category_descendant_ids(coverage.category_ids))
    elif coverage.scope == RuleFields.Scope.PRODUCTS:
        if coverage.shop_id is None:
            return Listing.objects.none()
        product_ids = set(coverage.product_ids)
        if coverage.variant_ids:
            shop = Shop.objects.get(id=coverage.shop_id)
            with shop_schema(shop):
                product_ids.update(
                    Variant.objects.filter(id__in=coverage.variant_ids).values_list(
                        "product_id", flat=True
                    )
                )
        listings = listings.filter(product_id__in=product_ids)
    return listings


def covered_product_ids(coverage: Coverage, *, limit: int | None = None) -> list[int]:
    """Product ids of one shop's published products the rule covers, ascending."""
    ids = covered_listings(coverage).order_by("product_id").values_list("product_id", flat=True)
    return list(ids[:limit] if limit is not None else ids)


# --- the dashboard's product picker ------------------------------------------------------

PICKER_RESULTS = 20


@dataclass(frozen=True)
class ProductPicker:
    """Products chosen so far (shown ticked) and products matching the search (not yet
    chosen), each with its variants."""

    query: str
    chosen: list[Product]
    results: list[Product]
    chosen_product_ids: frozenset[int]
    chosen_variant_ids: frozenset[int]


def product_picker(
    *, query: str, product_ids: Iterable[int], variant_ids: Iterable[int]
) -> ProductPicker:
    """Shop schema active. Three queries: chosen products, matches, their variants."""
    chosen_products = frozenset(product_ids)
    chosen_variants = frozenset(variant_ids)
    variants = Prefetch("variants", queryset=Variant.objects.order_by("position", "id"))
    chosen = list(
        Product.objects.filter(Q(id__in=chosen_products) | Q(variants__id__in=chosen_variants))
        .distinct()
        .order_by("title", "id")
        .prefetch_related(variants)
    )
    results: list[Product] = []
    query = query.strip()[:100]
    if query:
        sku_match = Variant.objects.filter(product=OuterRef("pk"), sku__icontains=query)
        results = list(
            Product.objects.filter(Q(title__icontains=query) | Exists(sku_match))
            .exclude(id__in=[product.id for product in chosen])
            .order_by("title", "id")
            .prefetch_related(variants)[:PICKER_RESULTS]
        )
    return ProductPicker(
        query=query,
        chosen=chosen,
        results=results,
        chosen_product_ids=chosen_products,
        chosen_variant_ids=chosen_variants,
    )
