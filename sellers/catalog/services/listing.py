"""Keeping the public Listing read model in step with a shop's catalog.

`listings_sync` runs inside the catalog write's transaction, with the shop's schema
active; `listings_rebuild` re-derives every listing of one or all shops (a command).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sellers.catalog.models import Product, ProductImage, Variant
from sellers.catalog.text import plain_text
from sellers.discounts.selectors import category_ancestry, discount_rules_live
from sellers.listings.models import Listing
from sellers.listings.sections import home_sections_invalidate
from sellers.pricing import PricingRule, price_one_unit
from sellers.promotions.selectors import promotion_rules_live
from tenants.models import Shop
from tenants.schemas import shop_schema

SUMMARY_LENGTH = 300
# Columns a sync writes; the rest (ratings) belong to other writers.
SYNCED_FIELDS = (
    "title",
    "slug",
    "summary",
    "category",
    "price",
    "compare_at_price",
    "on_sale",
    "currency",
    "in_stock",
    "image_name",
    "image_alt",
    "published_at",
    "search_text",
)


def listing_values(
    *,
    shop: Shop,
    product: Product,
    variants: list[Variant],
    image: ProductImage | None,
    category_name: str,
    rules: Sequence[PricingRule] = (),
    category_ids: frozenset[int] = frozenset(),
) -> dict[str, Any]:
    """What the Listing of a published product holds: the price of the cheapest variant
    a shopper can buy now (of any variant when none is in stock) and its compare-at.

    With live automatic discounts or promotions (`rules`; `category_ids` = the product's
    category and its ancestors) each variant is priced by the pricing engine for one
    unit: the cheapest after discount is shown, and when a discount lowers it the
    price before the discount becomes the compare-at price.
    """
    buyable = [variant for variant in variants if variant.in_stock] or variants
    price_and_was = {variant.id: (variant.price, variant.compare_at_price) for variant in buyable}
    if rules:
        for variant in buyable:
            priced = price_one_unit(
                shop_id=shop.id,
                product_id=product.id,
                variant_id=variant.id,
                unit_price=variant.price,
                category_ids=category_ids,
                rules=rules,
            )
            if priced.discount > 0:
                price_and_was[variant.id] = (priced.unit_final, variant.price)
    cheapest = min(
        buyable,
        key=lambda variant: (
            price_and_was[variant.id][0],
            variant.price,
            variant.position,
            variant.id,
        ),
    )
    price, compare_at = price_and_was[cheapest.id]
    words = [category_name, shop.name]
    for variant in variants:
        words.extend(str(value) for value in variant.options.values())
    for attribute in product.attributes:
        words.extend((str(attribute.get("name", "")), str(attribute.get("value", ""))))
    return {
        "title": product.title,
        "slug": product.slug,
        "summary": plain_text(product.description_html, limit=SUMMARY_LENGTH),
        "category_id": product.category_id,
        "price": price,
        "compare_at_price": compare_at,
        "on_sale": compare_at is not None and compare_at > price,
        "currency": settings.MARKETPLACE_CURRENCY,
        "in_stock": any(variant.in_stock for variant in variants),
        "image_name": image.name if image else "",
        "image_alt": (image.alt or product.title) if image else "",
        "published_at": product.published_at or timezone.now(),
        "search_text": " ".join(dict.fromkeys(word for word in words if word)),
    }


def listings_sync(*, shop: Shop, product_ids: Iterable[int], now: datetime | None = None) -> None:
    """Make the Listing rows of these products match them: present while published (and
    with at least one variant), absent otherwise, priced with the automatic discounts
    and platform promotions live at `now` (default: now). A fixed number of queries for
    any number of products.

    Call inside the transaction that wrote the products, with `shop`'s schema active.
    """
    ids = list(product_ids)
    if not ids:
        return
    now = now or timezone.now()
    products = list(
        Product.objects.filter(id__in=ids, status=Product.Status.PUBLISHED).prefetch_related(
            "variants"
        )
    )
    first_images: dict[int, ProductImage] = {}
    for image in ProductImage.objects.filter(product_id__in=[p.id for p in products]).order_by(
        "product_id", "position", "id"
    ):
        first_images.setdefault(image.product_id, image)
    category_ids = {product.category_id for product in products if product.category_id}
    # One recursive query: names, and each category's ancestors (a discount on "Home"
    # covers "Home › Lamps").
    ancestry = category_ancestry(category_ids)
    category_names = {category_id: name for category_id, (name, _chain) in ancestry.items()}
    rules: list[PricingRule] = []
    if products:
        rules = [
            *discount_rules_live(shop=shop, now=now),
            *promotion_rules_live(shop=shop, now=now),
        ]
    rows = []
    for product in products:
        variants = list(product.variants.all())
        if not variants:
            continue
        values = listing_values(
            shop=shop,
            product=product,
            variants=variants,
            image=first_images.get(product.id),
            category_name=category_names.get(product.category_id or 0, ""),
            rules=rules,
            category_ids=ancestry.get(product.category_id or 0, ("", frozenset()))[1],
        )
        if values["category_id"] not in category_names:
            values["category_id"] = None  # a category the platform deleted
        rows.append(Listing(shop=shop, product_id=product.id, **values))
    listed = {row.product_id for row in rows}
    Listing.objects.filter(shop=shop, product_id__in=ids).exclude(product_id__in=listed).delete()
    Listing.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["shop", "product_id"],
        update_fields=[*SYNCED_FIELDS, "updated_at"],
    )
    # The homepage caches its sections; a new sale or product must not wait that out.
    transaction.on_commit(home_sections_invalidate)


def listings_rebuild(
    *,
    shops: Iterable[Shop] | None = None,
    batch_size: int = 500,
    progress: Callable[[Shop, int], None] | None = None,
) -> int:
    """Re-derive the listings of `shops` (default: every shop) from their catalogs, one
    transaction per shop, and drop listings whose product is gone. Returns how many
    listings exist afterwards for those shops. `progress(shop, count)` after each shop.
    """
    total = 0
    for shop in shops if shops is not None else Shop.objects.order_by("id"):
        with shop_schema(shop), transaction.atomic():
            product_ids = list(Product.objects.values_list("id", flat=True))
            Listing.objects.filter(shop=shop).exclude(product_id__in=product_ids).delete()
            for start in range(0, len(product_ids), batch_size):
                listings_sync(shop=shop, product_ids=product_ids[start : start + batch_size])
            count = Listing.objects.filter(shop=shop).count()
        total += count
        if progress is not None:
            progress(shop, count)
    return total
