"""Public-schema pricing tables: platform-funded promotions and the schedule index of
every shop's discounts (SHARED_APPS).

`ScheduledDiscount` lets the worker find the discounts that start or end now without
opening every shop's schema: the discount services keep one row per discount that has
something left to happen, in the transaction that changes the discount.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from sellers.discounts.models import RuleFields
from tenants.models import Shop


class PlatformPromotion(RuleFields):
    """A promotion the platform creates and pays for (funded_by "platform" in prices).

    `shop` None: every shop. Products scope needs a shop (product ids are per shop).
    Listings follow a promotion through the worker: every change, start and end sets
    `sync_due_at`, and the schedule job reprices the listings the promotion covered
    (`synced_coverage`) and covers now. A deleted promotion keeps its row (with
    `deleted_at`) until that last repricing is done.
    """

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, null=True, blank=True, related_name="promotions"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    deleted_at = models.DateTimeField(null=True, blank=True)
    # When the listings must next be repriced (a change, the start, the end); None: never.
    sync_due_at = models.DateTimeField(null=True, blank=True)
    # What the listings were last priced with: {"shop_id", "scope", "category_ids", ...}.
    synced_coverage = models.JSONField(null=True, blank=True)

    class Meta(RuleFields.Meta):
        constraints = [
            *RuleFields.Meta.constraints,
            models.UniqueConstraint(
                Lower("code"),
                name="promotions_code_ci_unique",
                condition=Q(deleted_at__isnull=True),
            ),
            models.CheckConstraint(
                condition=~Q(scope="products") | Q(shop__isnull=False),
                name="promotions_products_need_shop",
            ),
        ]
        indexes = [
            models.Index(
                fields=["sync_due_at"],
                name="promotions_sync_due_idx",
                condition=Q(sync_due_at__isnull=False),
            ),
            models.Index(
                fields=["starts_at", "ends_at"],
                name="promotions_automatic_live_idx",
                condition=Q(is_draft=False, code__isnull=True, deleted_at__isnull=True),
            ),
        ]


class ScheduledDiscount(models.Model):
    """A shop's discount with a start or end still to come, indexed in the public schema.

    `due_at` is the next moment the schedule job must act (the start, then the end); the
    row goes when nothing is left to happen (ended, deleted, or made a draft).
    """

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    discount_id = models.BigIntegerField()  # in the shop's schema: no foreign key
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField()
    due_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "discount_id"], name="scheduled_discount_unique"
            ),
        ]
        indexes = [models.Index(fields=["due_at"], name="scheduled_discount_due_idx")]

    def __str__(self) -> str:
        return f"shop {self.shop_id} discount {self.discount_id} due {self.due_at:%Y-%m-%d %H:%M}"
