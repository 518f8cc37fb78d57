"""The public, cross-shop read model of every published product (public schema)."""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models

from tenants.models import Shop


class Category(models.Model):
    """The platform's category tree, shared by every shop."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Listing(models.Model):
    """One published product of one shop, as shoppers see it across shops.

    Written only by the catalog services, in the transaction that changes the product.
    """

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="listings")
    product_id = models.BigIntegerField()
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200)
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="listings"
    )
    price = models.DecimalField(max_digits=12, decimal_places=2)
    sale_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3)
    in_stock = models.BooleanField(default=True)
    rating_average = models.DecimalField(max_digits=3, decimal_places=2, default=0)
    rating_count = models.PositiveIntegerField(default=0)
    image_url = models.URLField(max_length=500, blank=True)
    published_at = models.DateTimeField()
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "product_id"], name="listing_shop_product"),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="listing_search_idx"),
            models.Index(fields=["-published_at", "-id"], name="listing_newest_idx"),
            models.Index(fields=["shop", "-published_at"], name="listing_shop_newest_idx"),
        ]

    def __str__(self) -> str:
        return self.title
