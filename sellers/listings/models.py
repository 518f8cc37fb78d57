"""The public, cross-shop read model of every published product (public schema)."""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models

from tenants.models import Shop


class Category(models.Model):
    """The platform's category tree, shared by every shop."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
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
    `price` is what a shopper pays for the cheapest variant; `compare_at_price` is that
    variant's crossed-out "was" price, and `on_sale` says the first is below the second.
    """

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="listings")
    product_id = models.BigIntegerField()
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200)
    # Plain text, for cards, meta descriptions and search; not the full description.
    summary = models.CharField(max_length=300, blank=True)
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="listings"
    )
    price = models.DecimalField(max_digits=12, decimal_places=2)
    compare_at_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    on_sale = models.BooleanField(default=False)
    currency = models.CharField(max_length=3)
    in_stock = models.BooleanField(default=True)
    rating_average = models.DecimalField(max_digits=3, decimal_places=2, default=0)
    rating_count = models.PositiveIntegerField(default=0)
    # Storage name of the first image (media.image_url makes the address for a size).
    image_name = models.CharField(max_length=255, blank=True)
    image_alt = models.CharField(max_length=250, blank=True)
    published_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)
    # The rest of what search matches: category, option values, attributes, shop name.
    search_text = models.TextField(blank=True)
    # Kept by PostgreSQL itself, so bulk writes (imports, rebuilds) need no second pass.
    search_vector = models.GeneratedField(
        expression=SearchVector("title", weight="A", config="english")
        + SearchVector("search_text", weight="B", config="english")
        + SearchVector("summary", weight="D", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "product_id"], name="listing_shop_product"),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="listing_search_idx"),
            # Typo tolerance: trigram similarity of the query's words to the title.
            GinIndex(fields=["title"], opclasses=["gin_trgm_ops"], name="listing_title_trgm_idx"),
            models.Index(fields=["-published_at", "-id"], name="listing_newest_idx"),
            models.Index(fields=["shop", "-published_at"], name="listing_shop_newest_idx"),
            models.Index(fields=["category", "-published_at"], name="listing_category_idx"),
            models.Index(fields=["price", "id"], name="listing_price_idx"),
            models.Index(
                fields=["-rating_average", "-rating_count", "-id"], name="listing_rating_idx"
            ),
            # Facet counts read these columns of every listing in scope, and category and
            # shop pages sorted by price or rating pick their page's ids from them: an
            # index-only scan of this narrow index instead of the wide rows.
            models.Index(
                fields=["category"],
                include=[
                    "shop",
                    "price",
                    "rating_average",
                    "rating_count",
                    "on_sale",
                    "in_stock",
                    "id",
                ],
                name="listing_facet_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SearchWord(models.Model):
    """A word of some listing's title, for "did you mean" suggestions.

    A materialized view over the listings (migration 0003), refreshed by
    `sellers.listings.services.search_words_refresh`; never written row by row.
    """

    word = models.CharField(max_length=100, primary_key=True)
    listing_count = models.IntegerField()

    class Meta:
        managed = False
        db_table = "listings_searchword"

    def __str__(self) -> str:
        return self.word
