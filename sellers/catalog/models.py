"""A shop's catalog. These tables exist once per shop schema (TENANT_APPS)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models


class Product(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    # Categories are platform-wide (public schema); no database constraint crosses schemas.
    category = models.ForeignKey(
        "listings.Category",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    price = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    stock = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=Decimal("0")), name="catalog_product_price_gte_0"
            ),
            models.CheckConstraint(
                condition=models.Q(stock__gte=0), name="catalog_product_stock_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return self.title
