"""Catalog reads. The caller has the shop's schema active (the routing middleware does)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import (
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.expressions import OrderBy
from django.db.models.functions import Coalesce, Lower

from sellers.catalog.models import Product, ProductImage, StockMovement, Variant
from sellers.listings.models import Category


class ProductSort(StrEnum):
    NEWEST = "newest"
    TITLE = "title"
    PRICE = "price"
    STOCK = "stock"
    UPDATED = "updated"


PRODUCT_SORT_LABELS = {
    ProductSort.NEWEST: "Newest first",
    ProductSort.TITLE: "Title A–Z",
    ProductSort.PRICE: "Price, low to high",
    ProductSort.STOCK: "Stock, low to high",
    ProductSort.UPDATED: "Recently updated",
}

_ORDER_BY: dict[ProductSort, tuple[str | OrderBy, ...]] = {
    ProductSort.NEWEST: ("-created_at", "-id"),
    ProductSort.TITLE: (Lower("title").asc(), "id"),
    ProductSort.PRICE: (F("price_min").asc(nulls_last=True), "-id"),
    # Untracked products (no count to run low) after every counted one.
    ProductSort.STOCK: (F("stock_total").asc(nulls_last=True), "-id"),
    ProductSort.UPDATED: ("-updated_at", "-id"),
}


def _low_stock_variants() -> QuerySet[Variant]:
    return Variant.objects.filter(track_inventory=True, stock__lte=F("low_stock_threshold"))


def products_for_dashboard(
    *,
    search: str = "",
    status: str | None = None,
    category_ids: Iterable[int] | None = None,
    low_stock: bool = False,
    sort: ProductSort = ProductSort.NEWEST,
) -> QuerySet[Product]:
    """The shop's products for its dashboard list, filtered and sorted, each annotated
    with what a row shows, so a page of them is one query (plus the paginator's COUNT):

    `price_min`, `price_max` (over all variants), `stock_total` (sum over variants that
    track inventory; None when none does), `variant_count`, `is_low_stock` (a tracked
    variant at or under its threshold), `first_image_name` ("" without images) and the
    category (select_related).

    `search` matches the title or any variant's SKU (case-insensitive substring);
    `category_ids` is the category with its sub-categories (see `category_tree`).
    """
    products = Product.objects.all()
    if status:
        products = products.filter(status=status)
    if category_ids is not None:
        products = products.filter(category_id__in=list(category_ids))
    search = search.strip()
    if search:
        # EXISTS rather than a join: a join would repeat the product once per variant
        # and multiply the sums below.
        sku_match = Variant.objects.filter(product=OuterRef("pk"), sku__icontains=search)
        products = products.filter(Q(title__icontains=search) | Exists(sku_match))
    low = _low_stock_variants().filter(product=OuterRef("pk"))
    if low_stock:
        products = products.filter(Exists(low))
    # Correlated subqueries rather than a join with GROUP BY: the paginator's COUNT then
    # drops them all and counts plain product rows.
    variants = Variant.objects.filter(product=OuterRef("pk")).order_by().values("product")
    tracked = variants.filter(track_inventory=True)
    first_image = ProductImage.objects.filter(product=OuterRef("pk")).order_by("position", "id")
    return (
        products.select_related("category")
        .annotate(
            price_min=Subquery(variants.annotate(value=Min("price")).values("value")),
            price_max=Subquery(variants.annotate(value=Max("price")).values("value")),
            stock_total=Subquery(tracked.annotate(value=Sum("stock")).values("value")),
            variant_count=Coalesce(
                Subquery(variants.annotate(value=Count("id")).values("value")), 0
            ),
            is_low_stock=Exists(low),
            first_image_name=Subquery(first_image.values("name")[:1]),
        )
        .order_by(*_ORDER_BY[sort])
    )


def products_by_ids(*, product_ids: Iterable[int]) -> QuerySet[Product]:
    """Products of this shop among `product_ids` (ids of other shops' schemas mean nothing
    here), in list order."""
    return Product.objects.filter(id__in=list(product_ids)).order_by("-created_at", "-id")


def product_for_edit(*, product_id: int) -> Product | None:
    """The product with its variants and images prefetched (three queries), or None."""
    return (
        Product.objects.filter(id=product_id)
        .prefetch_related(
            Prefetch("variants", queryset=Variant.objects.order_by("position", "id")),
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")),
        )
        .first()
    )


def product_with_variants(*, product_id: int) -> Product | None:
    """The product with its variants prefetched (two queries), or None."""
    return (
        Product.objects.filter(id=product_id)
        .prefetch_related(Prefetch("variants", queryset=Variant.objects.order_by("position", "id")))
        .first()
    )


def variant_stock_levels(*, product_id: int) -> dict[int, int]:
    """Variant id → stock now, for the product's variants."""
    return dict(Variant.objects.filter(product_id=product_id).values_list("id", "stock"))


def variants_low_stock() -> QuerySet[Variant]:
    """Variants that track inventory and are at or under their low-stock threshold, the
    emptiest first, with their product."""
    return (
        _low_stock_variants()
        .select_related("product")
        .order_by("stock", Lower("product__title"), "position", "id")
    )


def variant_get(*, variant_id: int, product_id: int | None = None) -> Variant | None:
    """A variant of this shop (of `product_id` when given), with its product."""
    variants = Variant.objects.select_related("product").filter(id=variant_id)
    if product_id is not None:
        variants = variants.filter(product_id=product_id)
    return variants.first()


def stock_movements_for(
    *, product_id: int, variant_id: int | None = None
) -> QuerySet[StockMovement]:
    """Stock history of a product's variants (or one of them), newest first.

    Movements of variants deleted since keep only their SKU and are not included.
    """
    movements = StockMovement.objects.filter(variant__product_id=product_id)
    if variant_id is not None:
        movements = movements.filter(variant_id=variant_id)
    return movements.order_by("-created_at", "-id")


@dataclass(frozen=True)
class CategoryNode:
    id: int
    name: str
    depth: int
    # The category and every category under it.
    subtree_ids: tuple[int, ...]


def category_tree() -> list[CategoryNode]:
    """The platform's categories depth-first (parents before children, siblings by name),
    in one query. Categories live in the public schema, which every shop's search_path
    includes."""
    rows = list(Category.objects.order_by("name", "id").values_list("id", "name", "parent_id"))
    children: dict[int | None, list[tuple[int, str]]] = {}
    known = {row[0] for row in rows}
    for category_id, name, parent_id in rows:
        # A parent that no longer exists would hide its children: show them at the top.
        children.setdefault(parent_id if parent_id in known else None, []).append(
            (category_id, name)
        )
    nodes: list[CategoryNode] = []

    def walk(parent_id: int | None, depth: int, seen: frozenset[int]) -> list[int]:
        collected: list[int] = []
        for category_id, name in children.get(parent_id, []):
            if category_id in seen:  # a cycle in the data; never loop forever
                continue
            index = len(nodes)
            nodes.append(CategoryNode(category_id, name, depth, ()))
            below = walk(category_id, depth + 1, seen | {category_id})
            nodes[index] = CategoryNode(category_id, name, depth, (category_id, *below))
            collected.extend((category_id, *below))
        return collected

    walk(None, 0, frozenset())
    return nodes


def product_published_get(*, slug: str) -> Product | None:
    return Product.objects.filter(slug=slug, status=Product.Status.PUBLISHED).first()
