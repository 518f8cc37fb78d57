"""Shops shoppers follow and products they wish for (public schema).

Products live in each shop's schema, so a wish names its product by `(shop, product_id)`
with no database foreign key into that schema (docs/architecture.md); the services check
the product against the public Listing table when it is added.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from tenants.models import Shop


class Follow(models.Model):
    """A shopper follows a shop: they hear about its discounts."""

    user = models.ForeignKey(
        # Lookups by user use the unique and "newest" indexes, which start with it.
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="follows",
        db_index=False,
    )
    # Indexed (the foreign key): the discount fan-out reads every follower of one shop.
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "shop"], name="follows_follow_unique"),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="follows_follow_user_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.shop_id}"


class WishlistItem(models.Model):
    """A product (optionally one variant of it) a shopper saved to their wish list."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="wishlist_items",
        db_index=False,
    )
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", db_index=False)
    # Ids of rows in the shop's schema: no foreign key across schemas.
    product_id = models.BigIntegerField()
    variant_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "shop", "product_id"], name="follows_wishlist_unique"
            ),
        ]
        indexes = [
            # Who wished for these products of this shop (the discount fan-out); also
            # serves deleting a shop's rows.
            models.Index(fields=["shop", "product_id"], name="follows_wishlist_product"),
            models.Index(
                fields=["user", "-created_at", "-id"], name="follows_wishlist_user_newest"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} wishes for {self.shop_id}/{self.product_id}"
