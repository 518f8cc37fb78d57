"""Seller catalog endpoints: a shop's members manage its products, variants, stock and
images under /api/v1/shops/<slug>/catalog/.

The public read of a shop's published products keeps `GET /shops/<slug>/products`
(sellers/api.py); everything a member sees or changes, drafts included, lives under
`/catalog/` so the two never share a path. Same services and permission table as the
dashboard (docs/permissions.md): reads need `view_dashboard`, product and image writes
`manage_products`, stock changes `adjust_stock`. Non-members get 403
`permission_denied`, writes to a suspended shop 403 `shop_suspended`; an id that is not
in this shop's schema is 404. Service errors are 400 with every faulty field:
`{"detail": [{"field": "variants.0.sku", "message": ...}], "code": "invalid"}`.
"""

# No `from __future__ import annotations` here: django-ninja reads the signatures of
# @paginate-wrapped endpoints in the wrapper's module, where our names (Literal, schemas)
# are unknown, so the annotations must be real objects, not strings.

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from marketplace.accounts.api import ErrorOut
from marketplace.api.auth import authenticated
from marketplace.api.pagination import PageNumber
from marketplace.api.schemas import InputSchema
from marketplace.errors import ApplicationError
from marketplace.media.images import THUMBNAIL_SIZES, image_url
from sellers.catalog.models import Product, ProductImage, StockMovement, Variant
from sellers.catalog.selectors import ProductSort, category_tree, products_for_dashboard
from sellers.catalog.services import (
    ProductInput,
    VariantInput,
    product_create,
    product_image_add,
    product_image_delete,
    product_image_update,
    product_images_reorder,
    product_update,
    products_delete,
    products_set_status,
    stock_adjust,
)
from sellers.catalog.services.variants import variant_update
from sellers.listings.models import Category
from tenants.models import Membership, Shop
from tenants.permissions import ShopAction
from tenants.selectors import access_shop_action

router = Router(tags=["seller catalog"])

# Error answers, for the OpenAPI document (all in the one shape of ErrorOut).
READ_ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, type[Schema]] = {**READ_ERRORS, 400: ErrorOut, 429: ErrorOut}
CONFLICT_ERRORS: dict[int, type[Schema]] = {**WRITE_ERRORS, 409: ErrorOut}

CATALOG = "/shops/{shop_slug}/catalog"
MAX_BULK_PRODUCTS = 100
# No category has id 0: an unknown slug reaches the service as this id, so its "Choose a
# category from the list." comes back together with every other field's message.
UNKNOWN_CATEGORY_ID = 0


# --- input ----------------------------------------------------------------------------


class AttributeIn(InputSchema):
    name: str
    value: str


class VariantIn(InputSchema):
    """A variant as the product form sends it: with `id` to keep (and change) an
    existing one, without to add one. `stock_was` is the stock the client last saw; if
    it changed meanwhile (an order, a colleague) the save is refused."""

    id: int | None = None
    sku: str
    options: dict[str, str] = {}
    price: Decimal
    compare_at_price: Decimal | None = None
    stock: int = 0
    track_inventory: bool = True
    low_stock_threshold: int = 5
    stock_was: int | None = None


class ProductIn(InputSchema):
    """A whole product: POST creates it, PUT replaces the product's fields and variants
    (variants left out are deleted). `category` is a category slug."""

    title: str
    description: str = ""
    status: str = Product.Status.DRAFT
    category: str | None = None
    slug: str = ""
    attributes: list[AttributeIn] = []
    option_names: list[str] = []
    variants: list[VariantIn]


class BulkStatusIn(InputSchema):
    product_ids: list[int] = Field(..., min_length=1, max_length=MAX_BULK_PRODUCTS)
    status: str


class VariantPatchIn(InputSchema):
    """Only the fields sent change; `"compare_at_price": null` ends a sale. Stock has its
    own endpoint."""

    price: Decimal | None = None
    compare_at_price: Decimal | None = None
    # The defaults are never used (only fields sent are passed on); null is refused.
    low_stock_threshold: int = 5
    track_inventory: bool = True


class StockIn(InputSchema):
    """Either `delta` (+5 received, -2 damaged) or `set_to` (a count), and why."""

    delta: int | None = None
    set_to: int | None = None
    # sellers.catalog.services.stock.ADJUSTMENT_REASONS; sales, returns of orders and
    # imports are recorded by their own services.
    reason: Literal["restock", "correction", "damaged", "return"]
    note: str = ""


class ImageAltIn(InputSchema):
    alt: str


class ImageOrderIn(InputSchema):
    image_ids: list[int]


# --- output ---------------------------------------------------------------------------


class VariantOut(Schema):
    id: int
    product_id: int
    sku: str
    options: dict[str, str]
    price: Decimal
    compare_at_price: Decimal | None
    stock: int
    track_inventory: bool
    low_stock_threshold: int
    in_stock: bool
    is_low_stock: bool
    position: int


class ImageOut(Schema):
    id: int
    alt: str
    width: int
    height: int
    position: int
    urls: dict[str, str] = Field(..., description="thumb (96×96), card (400×400), gallery (≤1200)")

    @staticmethod
    def resolve_urls(image: ProductImage, context: dict[str, Any]) -> dict[str, str]:
        request = context["request"]
        return {
            size: request.build_absolute_uri(image_url(name=image.name, size=size))
            for size in THUMBNAIL_SIZES
        }


class ProductOut(Schema):
    id: int
    title: str
    slug: str
    status: str
    category: str | None
    description: str
    description_html: str
    attributes: list[dict[str, str]]
    option_names: list[str]
    variants: list[VariantOut]
    images: list[ImageOut]
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_category(product: Product) -> str | None:
        return product.category.slug if product.category else None

    @staticmethod
    def resolve_variants(product: Product) -> list[Variant]:
        return list(product.variants.all())

    @staticmethod
    def resolve_images(product: Product) -> list[ProductImage]:
        return list(product.images.all())


class BulkStatusOut(Schema):
    changed: int


class StockMovementOut(Schema):
    id: int
    sku: str
    delta: int
    stock_after: int
    reason: str
    note: str
    actor_email: str
    created_at: datetime


# --- helpers --------------------------------------------------------------------------


def _shop(request: HttpRequest) -> Shop:
    # The routing middleware loaded the shop of /api/v1/shops/<slug>/ and activated its
    # schema (404 for an unknown shop before we get here).
    shop = getattr(request, "shop", None)
    if shop is None:
        raise Http404("No such shop")
    return shop


def _member(request: HttpRequest, action: ShopAction) -> Membership:
    return access_shop_action(user=request.user, shop=_shop(request), action=action)  # type: ignore[arg-type]


def _products() -> QuerySet[Product]:
    """Products with everything ProductOut shows, in a fixed number of queries."""
    return Product.objects.select_related("category").prefetch_related("variants", "images")


def _product(product_id: int) -> Product:
    product = _products().filter(id=product_id).first()
    if product is None:
        raise Http404("No such product in this shop.")
    return product


def _require_product(product_id: int) -> None:
    if not Product.objects.filter(id=product_id).exists():
        raise Http404("No such product in this shop.")


def _require_image_of(product_id: int, image_id: int) -> None:
    # The image services address images by id alone; the path also names the product.
    if not ProductImage.objects.filter(id=image_id, product_id=product_id).exists():
        raise Http404("No such image in this shop.")


def _category_id(slug: str | None) -> int | None:
    if not slug:
        return None
    found = Category.objects.filter(slug=slug).values_list("id", flat=True).first()
    return found if found is not None else UNKNOWN_CATEGORY_ID


def _product_input(payload: ProductIn) -> ProductInput:
    return ProductInput(
        title=payload.title,
        description=payload.description,
        status=payload.status,
        category_id=_category_id(payload.category),
        slug=payload.slug,
        attributes=[attribute.dict() for attribute in payload.attributes],
        option_names=payload.option_names,
        variants=[VariantInput(**variant.dict()) for variant in payload.variants],
    )


def _category_subtree(slug: str) -> list[int]:
    """The category named by `slug` and every category under it; [] if there is none."""
    found = Category.objects.filter(slug=slug).values_list("id", flat=True).first()
    if found is None:
        return []
    subtrees = (list(node.subtree_ids) for node in category_tree() if node.id == found)
    # category_tree() skips categories caught in a cycle of parents: those match alone.
    return next(subtrees, [found])


# --- products -------------------------------------------------------------------------


@router.get(
    CATALOG + "/products", response={200: list[ProductOut], **READ_ERRORS}, auth=authenticated
)
@paginate(PageNumber)
def catalog_products(
    request: HttpRequest,
    shop_slug: str,
    status: Literal["draft", "published", "archived"] | None = None,
    q: str = Query("", max_length=200, description="Words of the title, or part of a SKU"),
    low_stock: bool = Query(False, description="Only products with a low-stock variant"),
    category: str | None = Query(None, description="A category slug (sub-categories too)"),
    sort: ProductSort = ProductSort.NEWEST,
) -> QuerySet[Product]:
    """Every product of the shop, drafts and archived included, filtered and sorted as in
    the dashboard's list."""
    _member(request, ShopAction.VIEW_DASHBOARD)
    return products_for_dashboard(
        search=q,
        status=status,
        category_ids=_category_subtree(category) if category else None,
        low_stock=low_stock,
        sort=sort,
    ).prefetch_related("variants", "images")


@router.post(CATALOG + "/products", response={201: ProductOut, **WRITE_ERRORS}, auth=authenticated)
def catalog_product_create(request: HttpRequest, shop_slug: str, payload: ProductIn) -> Status:
    """Create a product with its variants (at least one). Published at once if
    `status` is `published`."""
    member = _member(request, ShopAction.MANAGE_PRODUCTS)
    product = product_create(shop=_shop(request), actor=member, data=_product_input(payload))
    return Status(201, _product(product.id))


@router.post(
    CATALOG + "/products/bulk-status",
    response={200: BulkStatusOut, **WRITE_ERRORS},
    auth=authenticated,
)
def catalog_products_bulk_status(
    request: HttpRequest, shop_slug: str, payload: BulkStatusIn
) -> dict[str, int]:
    """Publish (`published`), unpublish (`draft`) or archive (`archived`) up to 100
    products. An id that is not in this shop refuses the whole request (404, nothing
    changes); `changed` counts the products whose status was different."""
    member = _member(request, ShopAction.MANAGE_PRODUCTS)
    wanted = set(payload.product_ids)
    found = set(Product.objects.filter(id__in=wanted).values_list("id", flat=True))
    if missing := sorted(wanted - found):
        raise ApplicationError(
            "No such product in this shop: " + ", ".join(map(str, missing)) + ".",
            code="not_found",
            field="product_ids",
            status=404,
        )
    changed = products_set_status(
        shop=_shop(request), actor=member, product_ids=sorted(wanted), status=payload.status
    )
    return {"changed": changed}


@router.get(
    CATALOG + "/products/{product_id}",
    response={200: ProductOut, **READ_ERRORS},
    auth=authenticated,
)
def catalog_product(request: HttpRequest, shop_slug: str, product_id: int) -> Product:
    _member(request, ShopAction.VIEW_DASHBOARD)
    return _product(product_id)


@router.put(
    CATALOG + "/products/{product_id}",
    response={200: ProductOut, **WRITE_ERRORS},
    auth=authenticated,
)
def catalog_product_replace(
    request: HttpRequest, shop_slug: str, product_id: int, payload: ProductIn
) -> Product:
    """Replace the product's fields and variants: variants with `id` are updated, without
    `id` added, the product's variants left out deleted. Fields left out take their
    defaults, as in a form (there is no partial update of a product)."""
    member = _member(request, ShopAction.MANAGE_PRODUCTS)
    product_update(
        shop=_shop(request), actor=member, product_id=product_id, data=_product_input(payload)
    )
    return _product(product_id)


@router.delete(
    CATALOG + "/products/{product_id}", response={204: None, **WRITE_ERRORS}, auth=authenticated
)
def catalog_product_delete(request: HttpRequest, shop_slug: str, product_id: int) -> Status:
    """Delete the product with its variants and images; its stock history stays."""
    member = _member(request, ShopAction.MANAGE_PRODUCTS)
    if not products_delete(shop=_shop(request), actor=member, product_ids=[product_id]):
        raise Http404("No such product in this shop.")
    return Status(204, None)


# --- variants -------------------------------------------------------------------------


@router.get(
    CATALOG + "/products/{product_id}/variants",
    response={200: list[VariantOut], **READ_ERRORS},
    auth=authenticated,
)
@paginate(PageNumber)
def catalog_product_variants(
    request: HttpRequest, shop_slug: str, product_id: int
) -> QuerySet[Variant]:
    """The product's variants in the order shoppers see them."""
    _member(request, ShopAction.VIEW_DASHBOARD)
    _require_product(product_id)
    return Variant.objects.filter(product_id=product_id)


@router.get(
    CATALOG + "/variants/{variant_id}",
    response={200: VariantOut, **READ_ERRORS},
    auth=authenticated,
)
def catalog_variant(request: HttpRequest, shop_slug: str, variant_id: int) -> Variant:
    _member(request, ShopAction.VIEW_DASHBOARD)
    variant = Variant.objects.filter(id=variant_id).first()
    if variant is None:
        raise Http404("No such variant in this shop.")
    return variant


@router.patch(
    CATALOG + "/variants/{variant_id}",
    response={200: VariantOut, **WRITE_ERRORS},
    auth=authenticated,
)
def catalog_variant_update(
    request: HttpRequest, shop_slug: str, variant_id: int, payload: VariantPatchIn
) -> Variant:
    """Change a variant's price, compare-at price, low-stock threshold or inventory
    tracking; fields left out stay."""
    member = _member(request, ShopAction.MANAGE_PRODUCTS)
    return variant_update(
        shop=_shop(request),
        actor=member,
        variant_id=variant_id,
        **payload.dict(exclude_unset=True),
    )


# --- stock ----------------------------------------------------------------------------


@router.post(
    CATALOG + "/variants/{variant_id}/stock",
    response={200: VariantOut, **CONFLICT_ERRORS},
    auth=authenticated,
)
def catalog_stock_adjust(
    request: HttpRequest, shop_slug: str, variant_id: int, payload: StockIn
) -> Variant:
    """Change the stock by `delta` or to `set_to` and record who, when and why. Stock
    stays within 0–1,000,000; a variant that doesn't track inventory is 409
    `not_tracked`."""
    member = _member(request, ShopAction.ADJUST_STOCK)
    return stock_adjust(
        shop=_shop(request),
        actor=member,
        variant_id=variant_id,
        delta=payload.delta,
        set_to=payload.set_to,
        reason=payload.reason,
        note=payload.note,
    )


@router.get(
    CATALOG + "/variants/{variant_id}/stock/movements",
    response={200: list[StockMovementOut], **READ_ERRORS},
    auth=authenticated,
)
@paginate(PageNumber)
def catalog_stock_movements(
    request: HttpRequest, shop_slug: str, variant_id: int
) -> QuerySet[StockMovement]:
    """Every stock change of the variant, newest first."""
    _member(request, ShopAction.VIEW_DASHBOARD)
    if not Variant.objects.filter(id=variant_id).exists():
        raise Http404("No such variant in this shop.")
    return StockMovement.objects.filter(variant_id=variant_id)


# --- images ---------------------------------------------------------------------------


@router.post(
    CATALOG + "/products/{product_id}/images",
    response={201: ImageOut, **WRITE_ERRORS},
    auth=authenticated,
)
def catalog_image_add(
    request: HttpRequest,
    shop_slug: str,
    product_id: int,
    image: File[UploadedFile],
    alt: Form[str] = "",
) -> Status:
    """Add one image (multipart field `image`: JPEG, PNG or WebP by content, ≤ 10 MB,
    ≤ 40 megapixels; EXIF is removed) after the product's others, with optional `alt`."""
    member = _member(request, ShopAction.MANAGE_PRODUCTS)
    added = product_image_add(
        shop=_shop(request), actor=member, product_id=product_id, upload=image, alt=alt
    )
    return Status(201, added)


@router.put(
    CATALOG + "/products/{product_id}/images/order",
    response={200: list[ImageOut], **CONFLICT_ERRORS},
    auth=authenticated,
)
def catalog_images_reorder(
    request: HttpRequest, shop_slug: str, product_id: int, payload: ImageOrderIn
) -> list[ProductImage]:
    """Put the images in the order given; `image_ids` names each of the product's images
    once (anything else is 409 `stale_order`). The first is the listing's picture."""
    member = _member(request, ShopAction.MANAGE_PRODUCTS)
    _require_product(product_id)
    return product_images_reorder(
        shop=_shop(request), actor=member, product_id=product_id, image_ids=payload.image_ids
    )


@router.patch(
    CATALOG + "/products/{product_id}/images/{image_id}",
    response={200: ImageOut, **WRITE_ERRORS},
    auth=authenticated,
)
def catalog_image_update(
    request: HttpRequest, shop_slug: str, product_id: int, image_id: int, payload: ImageAltIn
) -> ProductImage:
    """Change the image's alt text (what screen readers say; ≤ 250 characters)."""
    member = _member(request, ShopAction.MANAGE_PRODUCTS)
    _require_image_of(product_id, image_id)
    return product_image_update(
        shop=_shop(request), actor=member, image_id=image_id, alt=payload.alt
    )


@router.delete(
    CATALOG + "/products/{product_id}/images/{image_id}",
    response={204: None, **WRITE_ERRORS},
    auth=authenticated,
)
def catalog_image_delete(
    request: HttpRequest, shop_slug: str, product_id: int, image_id: int
) -> Status:
    member = _member(request, ShopAction.MANAGE_PRODUCTS)
    _require_image_of(product_id, image_id)
    product_image_delete(shop=_shop(request), actor=member, image_id=image_id)
    return Status(204, None)
