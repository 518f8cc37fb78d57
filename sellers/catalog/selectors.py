"""Catalog reads. The caller has the shop's schema active (the routing middleware does)."""

from __future__ import annotations

from django.db.models import QuerySet

from sellers.catalog.models import Product


def products_for_dashboard(*, status: str | None = None) -> QuerySet[Product]:
    products = Product.objects.all()
    if status:
        products = products.filter(status=status)
    return products


def product_published_get(*, slug: str) -> Product | None:
    return Product.objects.filter(slug=slug, status=Product.Status.PUBLISHED).first()
