"""Creating, editing, publishing and deleting products with their variants.

Every write runs in the shop's schema and one transaction, checks every field first
(all problems at once, keyed by field: "title", "variants.0.sku"), and keeps the public
Listing row in step before it commits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from marketplace.errors import ApplicationError
from marketplace.media.images import image_delete
from marketplace.money import CENT, decimal_typed, in_cents
from sellers.catalog.models import Product, ProductImage, StockMovement, Variant
from sellers.catalog.services.listing import listings_sync
from sellers.catalog.text import check_description, description_html
from sellers.listings.models import Category
from tenants.models import Membership, Shop
from tenants.permissions import ShopAction, check_shop_action
from tenants.schemas import shop_schema

MAX_PRICE = Decimal("1000000")
MAX_STOCK = 1_000_000
MAX_VARIANTS = 100
MAX_OPTION_NAMES = 3
MAX_ATTRIBUTES = 30
SKU_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,63}")


@dataclass
class VariantInput:
    """One variant as a form, CSV row or API request gives it (strings are parsed here).

    `id` names an existing variant of the product to update; `stock_was` is the stock the
    editor saw, so an order placed meanwhile is not silently overwritten.
    """

    sku: str
    price: Decimal | str
    stock: int | str = 0
    options: dict[str, str] = field(default_factory=dict)
    compare_at_price: Decimal | str | None = None
    track_inventory: bool = True
    low_stock_threshold: int | str = 5
    id: int | None = None
    stock_was: int | None = None


@dataclass
class ProductInput:
    title: str
    variants: list[VariantInput]
    description: str = ""
    status: str = Product.Status.DRAFT
    category_id: int | None = None
    slug: str = ""
    attributes: list[dict[str, str]] = field(default_factory=list)
    option_names: list[str] = field(default_factory=list)


class Errors:
    """Collects field → message; `raise_if_any` raises one ApplicationError with them all."""

    def __init__(self) -> None:
        self.by_field: dict[str, str] = {}

    def add(self, name: str, message: str) -> None:
        self.by_field.setdefault(name, message)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise fields_error(self.by_field)


def fields_error(by_field: dict[str, str]) -> ApplicationError:
    first_field, first_message = next(iter(by_field.items()))
    message = first_message
    if len(by_field) > 1:
        message = f"{len(by_field)} fields need attention. {first_message}"
    return ApplicationError(message, field=first_field, errors=dict(by_field))


# --- checks --------------------------------------------------------------------------------


def parse_money(value: Decimal | str | None, *, name: str, errors: Errors) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    amount = decimal_typed(value)
    if amount is None:
        errors.add(name, "Enter an amount such as 19.99.")
    elif not in_cents(amount):
        errors.add(name, "Use at most two decimal places.")
    elif amount < 0 or amount >= MAX_PRICE:
        errors.add(name, "Enter an amount between 0 and 999,999.99.")
    else:
        return amount.quantize(CENT)
    return None


def parse_count(value: int | str, *, name: str, errors: Errors, label: str) -> int | None:
    try:
        number = int(str(value).strip() or "0")
    except ValueError:
        errors.add(name, f"{label} must be a whole number.")
        return None
    if number < 0 or number > MAX_STOCK:
        errors.add(name, f"{label} must be between 0 and 1,000,000.")
        return None
    return number


def check_variant(
    data: VariantInput, *, prefix: str, option_names: Sequence[str], errors: Errors
) -> dict[str, Any]:
    """The variant's clean values; problems go to `errors` under `<prefix>.<field>`."""
    sku = (data.sku or "").strip()
    if not sku:
        errors.add(f"{prefix}.sku", "Give the variant a SKU.")
    elif not SKU_PATTERN.fullmatch(sku):
        errors.add(
            f"{prefix}.sku",
            "A SKU has 1–64 letters, digits, dots, dashes, slashes or underscores.",
        )
    price = parse_money(data.price, name=f"{prefix}.price", errors=errors)
    if price is None and f"{prefix}.price" not in errors.by_field:
        errors.add(f"{prefix}.price", "Enter a price.")
    compare_at = parse_money(
        data.compare_at_price, name=f"{prefix}.compare_at_price", errors=errors
    )
    if compare_at is not None and price is not None and compare_at <= price:
        errors.add(
            f"{prefix}.compare_at_price",
            "The compare-at price is the old price: make it higher than the price, or "
            "leave it empty.",
        )
    stock = parse_count(data.stock, name=f"{prefix}.stock", errors=errors, label="Stock")
    threshold = parse_count(
        data.low_stock_threshold,
        name=f"{prefix}.low_stock_threshold",
        errors=errors,
        label="The low-stock threshold",
    )
    options = {str(k).strip(): str(v).strip() for k, v in (data.options or {}).items()}
    if set(options) != set(option_names):
        names = ", ".join(option_names)
        errors.add(
            f"{prefix}.options",
            f"Choose a value for each option ({names})."
            if names
            else "This product has no options, so its one variant can't have option values.",
        )
    elif any(not value or len(value) > 60 for value in options.values()):
        errors.add(f"{prefix}.options", "Option values have 1–60 characters.")
    return {
        "sku": sku,
        "price": price,
        "compare_at_price": compare_at,
        "stock": stock if data.track_inventory else (stock or 0),
        "track_inventory": bool(data.track_inventory),
        "low_stock_threshold": threshold,
        # In the product's option order, so equal choices compare (and are unique) equal.
        "options": {name: options.get(name, "") for name in option_names},
    }


def check_product(data: ProductInput, *, errors: Errors) -> dict[str, Any]:
    """Every product-level field and every variant, cleaned; nothing touches the database
    except the category lookup and the SKU clash query the caller runs after."""
    title = (data.title or "").strip()
    if not title or len(title) > 200:
        errors.add("title", "Give the product a title of 1–200 characters.")
    if data.status not in Product.Status.values:
        errors.add("status", "Choose draft, published or archived.")
    slug = slugify(data.slug or "")[:200] if data.slug else ""
    if data.slug and not slug:
        errors.add("slug", "Use letters, digits and hyphens in the address.")
    if not slug and title and not slugify(title):
        errors.add("title", "The title needs at least one letter or digit.")
    description = data.description or ""
    try:
        check_description(description)
    except ApplicationError as error:
        errors.add("description", error.message)
    option_names = [str(name).strip() for name in data.option_names if str(name).strip()]
    if len(option_names) > MAX_OPTION_NAMES:
        errors.add("option_names", "A product has at most 3 options (such as size and colour).")
    elif len({name.casefold() for name in option_names}) != len(option_names):
        errors.add("option_names", "Each option name may appear once.")
    elif any(len(name) > 40 for name in option_names):
        errors.add("option_names", "Option names have at most 40 characters.")
    attributes = []
    for index, attribute in enumerate(data.attributes or []):
        name = str(attribute.get("name", "")).strip()
        value = str(attribute.get("value", "")).strip()
        if not name and not value:
            continue
        if not name or not value or len(name) > 60 or len(value) > 200:
            errors.add(
                f"attributes.{index}", "An attribute needs a name (≤ 60) and a value (≤ 200)."
            )
        attributes.append({"name": name, "value": value})
    if len(attributes) > MAX_ATTRIBUTES:
        errors.add("attributes", f"A product has at most {MAX_ATTRIBUTES} attributes.")
    if not data.variants:
        errors.add("variants", "A product needs at least one variant (its price and stock).")
    elif len(data.variants) > MAX_VARIANTS:
        errors.add("variants", f"A product has at most {MAX_VARIANTS} variants.")
    elif not option_names and len(data.variants) > 1:
        errors.add("option_names", "Name the options (such as Size) that tell variants apart.")
    variants = [
        check_variant(variant, prefix=f"variants.{index}", option_names=option_names, errors=errors)
        for index, variant in enumerate(data.variants[:MAX_VARIANTS])
    ]
    seen_skus: dict[str, int] = {}
    seen_options: dict[tuple[str, ...], int] = {}
    for index, variant in enumerate(variants):
        if variant["sku"]:
            if variant["sku"] in seen_skus:
                errors.add(f"variants.{index}.sku", "Two variants can't share a SKU.")
            seen_skus.setdefault(variant["sku"], index)
        key = tuple(variant["options"].values())
        if option_names and key in seen_options:
            errors.add(f"variants.{index}.options", "Another variant has the same options.")
        seen_options.setdefault(key, index)
    return {
        "title": title,
        "slug": slug,
        "description": description,
        "status": data.status,
        "category_id": data.category_id,
        "attributes": attributes,
        "option_names": option_names,
        "variants": variants,
    }


def _check_category(category_id: int | None, errors: Errors) -> None:
    if category_id is not None and not Category.objects.filter(id=category_id).exists():
        errors.add("category", "Choose a category from the list.")


def check_sku_clashes(
    variants: Sequence[dict[str, Any]], *, product_id: int | None, errors: Errors
) -> None:
    """SKUs are unique in the shop; say which product already uses one."""
    skus = [variant["sku"] for variant in variants if variant["sku"]]
    clashes = Variant.objects.filter(sku__in=skus).select_related("product")
    if product_id is not None:
        clashes = clashes.exclude(product_id=product_id)
    owner = {variant.sku: variant.product.title for variant in clashes}
    for index, variant in enumerate(variants):
        if variant["sku"] in owner:
            errors.add(
                f"variants.{index}.sku",
                f"SKU {variant['sku']} is already used by “{owner[variant['sku']]}”.",
            )


def _free_slug(base: str) -> str:
    """`base`, or `base-2`, `base-3`… whichever no product uses yet."""
    taken = set(Product.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    number = 2
    while f"{base[:190]}-{number}" in taken:
        number += 1
    return f"{base[:190]}-{number}"


def actor_fields(actor: Membership | None) -> dict[str, Any]:
    """Who made a stock change, as StockMovement records it (None: the system)."""
    if actor is None:
        return {"actor_id": None, "actor_email": ""}
    return {"actor_id": actor.user_id, "actor_email": actor.user.email}


def check_actor(actor: Membership | None, shop: Shop, action: ShopAction) -> None:
    """The services' own permission check (None: the system, e.g. a command or import)."""
    if actor is not None:
        check_shop_action(membership=actor, shop=shop, action=action)


# --- writes --------------------------------------------------------------------------------


def product_create(
    *,
    shop: Shop,
    actor: Membership | None = None,
    data: ProductInput | None = None,
    title: str = "",
    price: Decimal | str = "",
    stock: int = 0,
    status: str = Product.Status.DRAFT,
    category: Category | None = None,
    description: str = "",
    sku: str = "",
) -> Product:
    """Create a product with its variants; a published one appears in listings at once.

    Either pass `data`, or the short form (title, price, stock…) for a product with one
    variant (its SKU defaults to the product's address).
    """
    if data is None:
        data = ProductInput(
            title=title,
            description=description,
            status=status,
            category_id=category.id if category else None,
            variants=[VariantInput(sku=sku or slugify(title)[:64], price=price, stock=stock)],
        )
    check_actor(actor, shop, ShopAction.MANAGE_PRODUCTS)
    with shop_schema(shop):
        errors = Errors()
        clean = check_product(data, errors=errors)
        _check_category(clean["category_id"], errors)
        check_sku_clashes(clean["variants"], product_id=None, errors=errors)
        if clean["slug"] and Product.objects.filter(slug=clean["slug"]).exists():
            errors.add("slug", "Another product of this shop already uses this address.")
        errors.raise_if_any()
        try:
            with transaction.atomic():
                product = Product.objects.create(
                    title=clean["title"],
                    slug=clean["slug"] or _free_slug(slugify(clean["title"])[:200]),
                    description=clean["description"],
                    description_html=description_html(clean["description"]),
                    status=clean["status"],
                    category_id=clean["category_id"],
                    attributes=clean["attributes"],
                    option_names=clean["option_names"],
                    published_at=timezone.now()
                    if clean["status"] == Product.Status.PUBLISHED
                    else None,
                )
                for position, values in enumerate(clean["variants"]):
                    variant = Variant.objects.create(product=product, position=position, **values)
                    if variant.track_inventory and variant.stock:
                        StockMovement.objects.create(
                            variant=variant,
                            sku=variant.sku,
                            delta=variant.stock,
                            stock_after=variant.stock,
                            reason=StockMovement.Reason.INITIAL,
                            **actor_fields(actor),
                        )
                listings_sync(shop=shop, product_ids=[product.id])
        except IntegrityError:
            # A concurrent request took the address or a SKU between the check and now.
            raise fields_error(
                {"variants": "A SKU or the address was taken meanwhile. Save again."}
            ) from None
    return product


def product_update(
    *, shop: Shop, actor: Membership | None, product_id: int, data: ProductInput
) -> Product:
    """Replace the product's fields and variants with `data`.

    Variants with an `id` are updated (their stock only if `stock_was` still matches, or
    is not given); new ones are added; the product's variants missing from `data` are
    deleted. Every stock change is recorded.
    """
    check_actor(actor, shop, ShopAction.MANAGE_PRODUCTS)
    with shop_schema(shop), transaction.atomic():
        product = Product.objects.select_for_update().filter(id=product_id).first()
        if product is None:
            raise ApplicationError("No such product in this shop.", code="not_found", status=404)
        errors = Errors()
        clean = check_product(data, errors=errors)
        _check_category(clean["category_id"], errors)
        check_sku_clashes(clean["variants"], product_id=product.id, errors=errors)
        slug = clean["slug"] or product.slug
        if slug != product.slug and Product.objects.filter(slug=slug).exists():
            errors.add("slug", "Another product of this shop already uses this address.")
        current = {variant.id: variant for variant in product.variants.select_for_update()}
        for index, variant_data in enumerate(data.variants[:MAX_VARIANTS]):
            if variant_data.id is None:
                continue
            existing = current.get(variant_data.id)
            if existing is None:
                errors.add(f"variants.{index}", "This variant was deleted meanwhile.")
            elif variant_data.stock_was is not None and existing.stock != variant_data.stock_was:
                errors.add(
                    f"variants.{index}.stock",
                    f"Stock of {existing.sku} changed from {variant_data.stock_was} to "
                    f"{existing.stock} since you opened this page (an order or a colleague). "
                    "Check it and save again.",
                )
        errors.raise_if_any()
        try:
            with transaction.atomic():
                _apply_product(product, clean=clean, slug=slug)
                _apply_variants(product, data=data, clean=clean, current=current, actor=actor)
                listings_sync(shop=shop, product_ids=[product.id])
        except IntegrityError:
            raise fields_error(
                {"variants": "A SKU or the address was taken meanwhile. Save again."}
            ) from None
    return product


def _apply_product(product: Product, *, clean: dict[str, Any], slug: str) -> None:
    if product.description != clean["description"]:
        product.description_html = description_html(clean["description"])
    if clean["status"] == Product.Status.PUBLISHED and product.published_at is None:
        product.published_at = timezone.now()
    product.title = clean["title"]
    product.slug = slug
    product.description = clean["description"]
    product.status = clean["status"]
    product.category_id = clean["category_id"]
    product.attributes = clean["attributes"]
    product.option_names = clean["option_names"]
    product.save()


def _apply_variants(
    product: Product,
    *,
    data: ProductInput,
    clean: dict[str, Any],
    current: dict[int, Variant],
    actor: Membership | None,
) -> None:
    kept = {variant.id for variant in data.variants if variant.id is not None}
    # Free the SKUs and option combinations of deleted variants before others take them.
    Variant.objects.filter(product=product).exclude(id__in=kept).delete()
    # SKUs (per shop) and options (per product) are unique and rows are written one by one:
    # park the rows whose SKU or options change first, so two variants can swap them.
    for variant_data, values in zip(data.variants, clean["variants"], strict=True):
        parked = current.get(variant_data.id) if variant_data.id is not None else None
        if parked is not None and (
            parked.sku != values["sku"] or parked.options != values["options"]
        ):
            Variant.objects.filter(id=parked.id).update(
                sku=f"~moving~{parked.id}", options={"~moving~": parked.id}
            )
    movements = []
    for position, (variant_data, values) in enumerate(
        zip(data.variants, clean["variants"], strict=True)
    ):
        existing = current.get(variant_data.id) if variant_data.id is not None else None
        before = existing.stock if existing is not None and existing.track_inventory else 0
        if existing is None:
            variant = Variant.objects.create(product=product, position=position, **values)
        else:
            variant = existing
            for name, value in values.items():
                setattr(variant, name, value)
            variant.position = position
            variant.save()
        after = variant.stock if variant.track_inventory else 0
        if after != before:
            movements.append(
                StockMovement(
                    variant=variant,
                    sku=variant.sku,
                    delta=after - before,
                    stock_after=after,
                    reason=StockMovement.Reason.INITIAL
                    if existing is None
                    else StockMovement.Reason.EDIT,
                    **actor_fields(actor),
                )
            )
    StockMovement.objects.bulk_create(movements)


def products_set_status(
    *, shop: Shop, actor: Membership | None, product_ids: Iterable[int], status: str
) -> int:
    """Publish, unpublish (draft) or archive several products; returns how many changed."""
    if status not in Product.Status.values:
        raise ApplicationError("Choose draft, published or archived.", field="status")
    check_actor(actor, shop, ShopAction.MANAGE_PRODUCTS)
    ids = list(product_ids)
    with shop_schema(shop), transaction.atomic():
        products = Product.objects.filter(id__in=ids).exclude(status=status)
        changed = list(products.values_list("id", flat=True))
        if status == Product.Status.PUBLISHED:
            products.filter(published_at__isnull=True).update(published_at=timezone.now())
        Product.objects.filter(id__in=changed).update(status=status, updated_at=timezone.now())
        listings_sync(shop=shop, product_ids=changed)
    return len(changed)


def products_delete(*, shop: Shop, actor: Membership | None, product_ids: Iterable[int]) -> int:
    """Delete products with their variants and images (files go after the commit).

    Stock history stays, under each variant's SKU.
    """
    check_actor(actor, shop, ShopAction.MANAGE_PRODUCTS)
    ids = list(product_ids)
    with shop_schema(shop), transaction.atomic():
        # Locked first, so an image upload of the same product waits and then finds it gone.
        existing = list(
            Product.objects.select_for_update().filter(id__in=ids).values_list("id", flat=True)
        )
        names = list(
            ProductImage.objects.filter(product_id__in=existing).values_list("name", flat=True)
        )
        Product.objects.filter(id__in=existing).delete()
        listings_sync(shop=shop, product_ids=existing)
        transaction.on_commit(lambda: _delete_files(names))
    return len(existing)


def _delete_files(names: list[str]) -> None:
    for name in names:
        image_delete(name=name)
