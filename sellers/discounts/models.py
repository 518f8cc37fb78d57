"""Discounts of one shop (TENANT_APPS): the seller's rules and who used them.

The rule fields are shared with platform promotions (sellers.promotions) through the
abstract `RuleFields`; the pricing engine (sellers/pricing.py) reads both as
`PricingRule`s. A discount's status is derived from its dates and draft flag, never
stored: `Discount.status_at(now)` and `sellers.discounts.selectors.status_annotation`
agree on it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone


class RuleStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"


class RuleFields(models.Model):
    """What a discount or a platform promotion says: how much off what, when, for whom."""

    class Kind(models.TextChoices):
        PERCENTAGE = "percentage", "Percentage off"
        FIXED_AMOUNT = "fixed_amount", "Amount off each item"
        FREE_SHIPPING = "free_shipping", "Free shipping"

    class Scope(models.TextChoices):
        SHOP = "shop", "Everything"
        CATEGORIES = "categories", "Categories"
        PRODUCTS = "products", "Products or variants"

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # Percent (0 < v ≤ 100) or an amount off each unit (> 0); 0 for free shipping.
    value = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal(0))
    scope = models.CharField(max_length=16, choices=Scope.choices, default=Scope.SHOP)
    # Chosen ids (sub-categories of a chosen category are included when prices are worked
    # out). Categories are public rows; products and variants live in a shop's schema.
    category_ids = models.JSONField(default=list, blank=True)
    product_ids = models.JSONField(default=list, blank=True)
    variant_ids = models.JSONField(default=list, blank=True)
    # None: automatic. Unique case-insensitively (see each model's constraints).
    code = models.CharField(max_length=40, null=True, blank=True)
    # Only for codes: a stacking code adds on top of the best automatic discount.
    stacks_with_others = models.BooleanField(default=False)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)  # None: open-ended
    usage_limit = models.PositiveIntegerField(null=True, blank=True)  # None: unlimited
    per_customer_limit = models.PositiveIntegerField(null=True, blank=True)
    minimum_subtotal = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    is_draft = models.BooleanField(default=False)
    times_used = models.PositiveIntegerField(default=0)
    # +1 on every edit; an activation event names the version it announces, so a consumer
    # can tell that the rule changed (or went) since.
    version = models.PositiveIntegerField(default=1)
    # When the activation of the current version was published (None: not yet).
    activated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="%(app_label)s_%(class)s_ends_after_start",
            ),
            models.CheckConstraint(
                condition=(Q(kind="percentage") & Q(value__gt=0) & Q(value__lte=100))
                | (Q(kind="fixed_amount") & Q(value__gt=0))
                | (Q(kind="free_shipping") & Q(value=0)),
                name="%(app_label)s_%(class)s_value_fits_kind",
            ),
            models.CheckConstraint(
                condition=Q(code__isnull=False) | Q(stacks_with_others=False),
                name="%(app_label)s_%(class)s_only_codes_stack",
            ),
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True) | Q(usage_limit__gte=1),
                name="%(app_label)s_%(class)s_usage_limit_gte_1",
            ),
            models.CheckConstraint(
                condition=Q(per_customer_limit__isnull=True) | Q(per_customer_limit__gte=1),
                name="%(app_label)s_%(class)s_customer_limit_gte_1",
            ),
            models.CheckConstraint(
                condition=Q(minimum_subtotal__isnull=True) | Q(minimum_subtotal__gte=0),
                name="%(app_label)s_%(class)s_minimum_gte_0",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_exhausted(self) -> bool:
        return self.usage_limit is not None and self.times_used >= self.usage_limit

    def status_at(self, now: datetime) -> str:
        """draft, scheduled (starts later), active, or expired (ended or used up)."""
        if self.is_draft:
            return RuleStatus.DRAFT
        if (self.ends_at is not None and self.ends_at <= now) or self.is_exhausted:
            return RuleStatus.EXPIRED
        if self.starts_at > now:
            return RuleStatus.SCHEDULED
        return RuleStatus.ACTIVE

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())

    def get_status_display(self) -> str:
        return RuleStatus(self.status).label

    def is_live_at(self, now: datetime) -> bool:
        return self.status_at(now) == RuleStatus.ACTIVE

    @property
    def is_automatic(self) -> bool:
        return self.code is None

    @property
    def value_display(self) -> str:
        """ "15% off", "EUR 5.00 off each item" or "Free shipping"."""
        if self.kind == self.Kind.PERCENTAGE:
            return f"{Decimal(self.value).normalize():f}% off"
        if self.kind == self.Kind.FIXED_AMOUNT:
            return f"{settings.MARKETPLACE_CURRENCY} {self.value} off each item"
        return "Free shipping"

    @property
    def scope_display(self) -> str:
        """ "Everything", "2 categories", "3 products and 1 variant"."""
        if self.scope == self.Scope.SHOP:
            return "Everything"
        if self.scope == self.Scope.CATEGORIES:
            return _count(len(self.category_ids), "category", "categories")
        parts = []
        if self.product_ids:
            parts.append(_count(len(self.product_ids), "product", "products"))
        if self.variant_ids:
            parts.append(_count(len(self.variant_ids), "variant", "variants"))
        return " and ".join(parts) or "Nothing"


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


class Discount(RuleFields):
    """A seller's discount, funded by the shop."""

    # Users live in the public schema: their id and email at the time, no foreign key.
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_by_email = models.CharField(max_length=254, blank=True)

    class Meta(RuleFields.Meta):
        constraints = [
            *RuleFields.Meta.constraints,
            models.UniqueConstraint(Lower("code"), name="discounts_discount_code_ci_unique"),
        ]
        indexes = [
            # The live automatic discounts every listing sync reads, and the status filters.
            models.Index(
                fields=["starts_at", "ends_at"],
                name="discounts_automatic_live_idx",
                condition=Q(is_draft=False, code__isnull=True),
            ),
            models.Index(fields=["is_draft", "starts_at"], name="discounts_status_idx"),
        ]


class DiscountRedemption(models.Model):
    """One use of a discount by a shopper in an order; counts against per-customer limits.

    Written by checkout (a later issue) through `discount_redeem`.
    """

    discount = models.ForeignKey(Discount, on_delete=models.CASCADE, related_name="redemptions")
    user_id = models.BigIntegerField()  # public-schema user, no foreign key across schemas
    order_reference = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["discount", "user_id"], name="discounts_redemption_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.discount_id} by {self.user_id}"
