"""Catalog writes. Each keeps the public Listing read model in step, in the same transaction."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib.postgres.search import SearchVector
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django_tenants.utils import tenant_context

from marketplace.errors import ApplicationError
from sellers.catalog.models import Product
from sellers.listings.models import Category, Listing
from tenants.models import Shop

MAX_PRICE = Decimal("1000000")
MAX_STOCK = 1_000_000


def check_price(value: Decimal | str) -> Decimal:
    try:
        price = Decimal(value).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        raise ApplicationError("Enter a price such as 19.99.", field="price") from None
    if price < 0 or price >= MAX_PRICE:
        raise ApplicationError("Price must be between 0 and 999,999.99.", field="price")
    return price


def check_stock(value: int) -> int:
    if value < 0 or value > MAX_STOCK:
        raise ApplicationError("Stock must be between 0 and 1,000,000.", field="stock")
    return value


def product_create(
    *,
    shop: Shop,
    title: str,
    price: Decimal | str,
    stock: int = 0,
    description: str = "",
    category: Category | None = None,
    status: str = Product.Status.DRAFT,
    slug: str | None = None,
    currency: str = "EUR",
) -> Product:
    """Create a product in `shop`'s schema; a published one appears in listings at once."""
    title = title.strip()
    if not title or len(title) > 200:
        raise ApplicationError("Give the product a title of 1–200 characters.", field="title")
    if status not in Product.Status.values:
        raise ApplicationError("Unknown status.", field="status")
    slug = slugify(slug or title)[:200]
    if not slug:
        raise ApplicationError("The title needs at least one letter or digit.", field="title")
    values = {
        "title": title,
        "slug": slug,
        "description": description,
        "status": status,
        "category": category,
        "price": check_price(price),
        "stock": check_stock(stock),
        "currency": currency,
    }
    with tenant_context(shop):
        try:
            with transaction.atomic():
                product = Product.objects.create(**values)
                listing_sync(shop=shop, product=product)
        except IntegrityError:
            raise ApplicationError(
                "Another product of this shop already uses this address.", field="slug"
            ) from None
    return product


def listing_sync(*, shop: Shop, product: Product) -> None:
    """Make the product's Listing row match it: present while published, absent otherwise.

    Call inside the transaction that wrote the product.
    """
    if product.status != Product.Status.PUBLISHED:
        Listing.objects.filter(shop=shop, product_id=product.id).delete()
        return
    values = {
        "title": product.title,
        "slug": product.slug,
        "category": product.category,
        "price": product.price,
        "currency": product.currency,
        "in_stock": product.stock > 0,
    }
    listing, _created = Listing.objects.update_or_create(
        shop=shop,
        product_id=product.id,
        defaults=values,
        create_defaults={**values, "published_at": timezone.now()},
    )
    Listing.objects.filter(id=listing.id).update(
        search_vector=SearchVector("title", weight="A", config="english")
    )
