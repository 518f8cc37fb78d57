"""Catalog writes (services). Each keeps the public Listing read model in step, in the
same transaction. Import from the sub-modules or from here."""

from sellers.catalog.services.images import (
    product_image_add,
    product_image_delete,
    product_image_move,
    product_image_update,
    product_images_reorder,
)
from sellers.catalog.services.listing import listings_rebuild, listings_sync
from sellers.catalog.services.products import (
    ProductInput,
    VariantInput,
    product_create,
    product_update,
    products_delete,
    products_set_status,
)
from sellers.catalog.services.stock import stock_adjust

__all__ = [
    "ProductInput",
    "VariantInput",
    "listings_rebuild",
    "listings_sync",
    "product_create",
    "product_image_add",
    "product_image_delete",
    "product_image_move",
    "product_image_update",
    "product_images_reorder",
    "product_update",
    "products_delete",
    "products_set_status",
    "stock_adjust",
]
