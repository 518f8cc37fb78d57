"""Catalog data for shopper-page tests: products with options, images and ratings."""

from __future__ import annotations

import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from sellers.catalog.models import Product, ProductImage
from sellers.catalog.services import VariantInput, product_image_add
from sellers.listings.models import Listing
from tenants.models import Shop
from tenants.schemas import shop_schema
from tests.factories import make_product


def png(colour: tuple[int, int, int] = (200, 80, 40), size: tuple[int, int] = (60, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def add_image(shop: Shop, product: Product, *, alt: str = "", colour=(200, 80, 40)) -> ProductImage:  # type: ignore[no-untyped-def]
    upload = SimpleUploadedFile("photo.png", png(colour), content_type="image/png")
    return product_image_add(shop=shop, actor=None, product_id=product.id, upload=upload, alt=alt)


def make_shirt(shop: Shop, *, title: str = "Linen shirt", description: str = "") -> Product:
    """Sizes S/M/L in Blue and Red; M/Red is missing, L/Blue is sold out, S/Red on sale."""
    return make_product(
        shop=shop,
        title=title,
        description=description,
        option_names=["Size", "Colour"],
        variants=[
            VariantInput(sku="SHIRT-S-BLUE", price=Decimal("40.00"), stock=10,
                         options={"Size": "S", "Colour": "Blue"}),
            VariantInput(sku="SHIRT-S-RED", price=Decimal("30.00"), stock=3,
                         compare_at_price=Decimal("45.00"), options={"Size": "S", "Colour": "Red"}),
            VariantInput(sku="SHIRT-M-BLUE", price=Decimal("42.00"), stock=7,
                         options={"Size": "M", "Colour": "Blue"}),
            VariantInput(sku="SHIRT-L-BLUE", price=Decimal("44.00"), stock=0,
                         options={"Size": "L", "Colour": "Blue"}),
            VariantInput(sku="SHIRT-L-RED", price=Decimal("44.00"), stock=2,
                         options={"Size": "L", "Colour": "Red"}),
        ],
    )  # fmt: skip


def variant_ids(shop: Shop, product: Product) -> dict[str, int]:
    with shop_schema(shop):
        return dict(product.variants.values_list("sku", "id"))


def rate(shop: Shop, product: Product, *, average: str, count: int) -> None:
    """Ratings come from reviews (a later issue); tests write the read model directly."""
    Listing.objects.filter(shop=shop, product_id=product.id).update(
        rating_average=Decimal(average), rating_count=count
    )
