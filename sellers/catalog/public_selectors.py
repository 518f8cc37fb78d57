"""Catalog reads for shoppers' product pages. The caller has the shop's schema active
(the routing middleware does for /shops/<slug>/…); only published products are found.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from sellers.catalog.models import Product, ProductImage, Variant
from sellers.discounts.selectors import category_ancestry, discount_rules_live
from sellers.listings.models import Listing
from sellers.pricing import price_one_unit
from sellers.promotions.selectors import promotion_rules_live
from tenants.models import Shop

# Query parameters of the variant picker's plain GET form: option1…option3 carry the
# values of product.option_names in order (names may hold any character); `variant`
# names a variant by id (links, and the address the picker's script writes).
OPTION_PARAMETERS = ("option1", "option2", "option3")
VARIANT_PARAMETER = "variant"
# Shoppers read "Only 3 left" at or below this stock. Not the seller's low-stock threshold:
# that is a reorder point for the dashboard ("tell me at 20"), not news for shoppers.
FEW_LEFT = 5


@dataclass(frozen=True)
class OptionChoices:
    """One option of a product and its values, in the order its variants list them."""

    name: str
    parameter: str
    values: list[str]


@dataclass(frozen=True)
class ProductPage:
    product: Product
    variants: list[Variant]
    images: list[ProductImage]
    options: list[OptionChoices]
    rating_average: Decimal
    rating_count: int

    @property
    def currency(self) -> str:
        return settings.MARKETPLACE_CURRENCY

    def variant_table(self) -> list[dict[str, Any]]:
        """What the variant picker's script needs, for json_script: per variant its id,
        options, prices (strings, two decimals) and stock status. Exact stock counts are
        only shown when low."""
        return [
            {
                "id": variant.id,
                "sku": variant.sku,
                "options": [str(variant.options.get(option.name, "")) for option in self.options],
                "price": f"{variant.price:.2f}",
                "compare_at_price": (
                    f"{variant.compare_at_price:.2f}" if variant.compare_at_price else None
                ),
                "stock_status": variant_stock_status(variant),
            }
            for variant in self.variants
        ]


def variant_stock_status(variant: Variant) -> str:
    """The stock as the product page says it: "In stock", "Only 3 left", "Out of stock"."""
    if not variant.in_stock:
        return "Out of stock"
    if variant.track_inventory and variant.stock <= FEW_LEFT:
        return f"Only {variant.stock} left"
    return "In stock"


def variant_stock_level(variant: Variant) -> str:
    """The stock status as a word for styling: "in", "few" or "out"."""
    if not variant.in_stock:
        return "out"
    return "few" if variant.track_inventory and variant.stock <= FEW_LEFT else "in"


def product_page_get(*, shop: Shop, slug: str) -> ProductPage | None:
    """The published product `slug` of `shop` (schema active) with its category, variants
    in order, images in order and rating, or None, each variant priced with the live
    automatic discounts. Six queries (seven when a discount applies): the product with
    its category, its variants, its images, its listing's rating (public schema), the live
    discounts and the live promotions (and the category's ancestors)."""
    product = (
        Product.objects.filter(slug=slug, status=Product.Status.PUBLISHED)
        .select_related("category")
        .prefetch_related(
            Prefetch("variants", queryset=Variant.objects.order_by("position", "id")),
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")),
        )
        .first()
    )
    if product is None:
        return None
    variants = list(product.variants.all())
    if not variants:
        return None  # not buyable; the listing sync leaves such products out as well
    rating = (
        Listing.objects.filter(shop=shop, product_id=product.id)
        .values_list("rating_average", "rating_count")
        .first()
    )
    rating_average, rating_count = rating or (Decimal(0), 0)
    _apply_live_discounts(shop=shop, product=product, variants=variants)
    return ProductPage(
        product=product,
        variants=variants,
        images=list(product.images.all()),
        options=_options(product, variants),
        rating_average=rating_average,
        rating_count=rating_count,
    )


def _apply_live_discounts(*, shop: Shop, product: Product, variants: list[Variant]) -> None:
    """Price each variant as the listing does (pricing engine, live automatic discounts
    and promotions, one unit): a discounted variant shows the sale price with its price
    before the discount as the "was" price, so the product page never disagrees with the
    card that led to it. Changes the instances in memory only. Two or three queries."""
    rules = [
        *discount_rules_live(shop=shop, now=timezone.now()),
        *promotion_rules_live(shop=shop, now=timezone.now()),
    ]
    if not rules:
        return
    ancestry = category_ancestry([product.category_id] if product.category_id else [])
    category_ids = ancestry.get(product.category_id or 0, ("", frozenset()))[1]
    for variant in variants:
        priced = price_one_unit(
            shop_id=shop.id,
            product_id=product.id,
            variant_id=variant.id,
            unit_price=variant.price,
            category_ids=category_ids,
            rules=rules,
        )
        if priced.discount > 0:
            variant.compare_at_price = variant.price
            variant.price = priced.unit_final


def _options(product: Product, variants: list[Variant]) -> list[OptionChoices]:
    options = []
    for name, parameter in zip(product.option_names, OPTION_PARAMETERS, strict=False):
        values = dict.fromkeys(
            str(variant.options[name]) for variant in variants if name in variant.options
        )
        options.append(OptionChoices(name=name, parameter=parameter, values=list(values)))
    return options


@dataclass(frozen=True)
class VariantChoice:
    variant: Variant
    # The option values asked for when no variant has that combination (the page says
    # so and shows `variant`, the closest one); empty when the choice was found.
    unavailable: dict[str, str]


def variant_select(*, page: ProductPage, query: Mapping[str, str]) -> VariantChoice:
    """The variant a shopper picked through the page's query string: by option values
    when the picker form sent them (they win over a stale `variant`), else by `variant`
    id, else the first variant in stock (the first variant when none is). For an option
    combination no variant has, the variant agreeing with most of them (earlier options
    first) and the combination asked for."""
    chosen = {
        option.name: query[option.parameter]
        for option in page.options
        if query.get(option.parameter) in option.values
    }
    if chosen:

        def agreement(variant: Variant) -> tuple[int, tuple[bool, ...]]:
            matches = tuple(
                str(variant.options.get(name)) == value for name, value in chosen.items()
            )
            return sum(matches), matches

        best = max(page.variants, key=agreement)  # max keeps the first of equals
        exact = all(agreement(best)[1])
        return VariantChoice(variant=best, unavailable={} if exact else chosen)
    wanted = query.get(VARIANT_PARAMETER, "")
    if wanted.isdigit():
        for variant in page.variants:
            if variant.id == int(wanted):
                return VariantChoice(variant=variant, unavailable={})
    default = next((variant for variant in page.variants if variant.in_stock), page.variants[0])
    return VariantChoice(variant=default, unavailable={})
