"""Product images: add (checked by content), describe, reorder, delete.

Files are written before the row that records them and removed after the transaction
that forgets them commits, so a failure never leaves a row without its file.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max

from marketplace.errors import ApplicationError
from marketplace.media.images import image_clean, image_delete, image_save
from sellers.catalog.models import Product, ProductImage
from sellers.catalog.services.listing import listings_sync
from sellers.catalog.services.products import _check_actor
from tenants.models import Membership, Shop
from tenants.permissions import ShopAction
from tenants.schemas import shop_schema

MAX_IMAGES_PER_PRODUCT = 20
MAX_ALT_LENGTH = 250


def _check_alt(alt: str) -> str:
    alt = alt.strip()
    if len(alt) > MAX_ALT_LENGTH:
        raise ApplicationError(
            f"Keep the description under {MAX_ALT_LENGTH} characters.", field="alt"
        )
    return alt


def product_image_add(
    *, shop: Shop, actor: Membership | None, product_id: int, upload: UploadedFile, alt: str = ""
) -> ProductImage:
    """Check `upload` (JPEG/PNG/WebP by content, ≤ 10 MB, ≤ 40 MP, EXIF removed), store it
    with its thumbnails and add it after the product's other images."""
    _check_actor(actor, shop, ShopAction.MANAGE_PRODUCTS)
    alt = _check_alt(alt)
    with shop_schema(shop):
        if not Product.objects.filter(id=product_id).exists():
            raise ApplicationError("No such product in this shop.", code="not_found", status=404)
        clean = image_clean(upload=upload, field="image")
        stored = image_save(clean=clean, folder="products", shop_id=shop.id)
        try:
            with transaction.atomic():
                # Lock the product so concurrent uploads count (and number) one at a time.
                Product.objects.select_for_update().filter(id=product_id).first()
                images = ProductImage.objects.filter(product_id=product_id)
                if images.count() >= MAX_IMAGES_PER_PRODUCT:
                    raise ApplicationError(
                        f"A product has at most {MAX_IMAGES_PER_PRODUCT} images. Delete one first.",
                        code="too_many_images",
                        field="image",
                    )
                last = images.aggregate(last=Max("position"))["last"]
                image = ProductImage.objects.create(
                    product_id=product_id,
                    name=stored.name,
                    alt=alt,
                    width=stored.width,
                    height=stored.height,
                    position=0 if last is None else last + 1,
                )
                listings_sync(shop=shop, product_ids=[product_id])
        except BaseException:
            image_delete(name=stored.name)
            raise
    return image


def product_image_update(
    *, shop: Shop, actor: Membership | None, image_id: int, alt: str
) -> ProductImage:
    _check_actor(actor, shop, ShopAction.MANAGE_PRODUCTS)
    alt = _check_alt(alt)
    with shop_schema(shop), transaction.atomic():
        image = ProductImage.objects.select_for_update().filter(id=image_id).first()
        if image is None:
            raise ApplicationError("No such image in this shop.", code="not_found", status=404)
        image.alt = alt
        image.save(update_fields=["alt"])
        listings_sync(shop=shop, product_ids=[image.product_id])
    return image


def product_images_reorder(
    *, shop: Shop, actor: Membership | None, product_id: int, image_ids: Sequence[int]
) -> list[ProductImage]:
    """Put the product's images in the order of `image_ids` (all of them, each once)."""
    _check_actor(actor, shop, ShopAction.MANAGE_PRODUCTS)
    with shop_schema(shop), transaction.atomic():
        images = {
            image.id: image
            for image in ProductImage.objects.select_for_update().filter(product_id=product_id)
        }
        if sorted(image_ids) != sorted(images):
            raise ApplicationError(
                "The images changed meanwhile. Reload the page and try again.",
                code="stale_order",
                field="image_ids",
                status=409,
            )
        ordered = [images[image_id] for image_id in image_ids]
        for position, image in enumerate(ordered):
            image.position = position
        ProductImage.objects.bulk_update(ordered, ["position"])
        listings_sync(shop=shop, product_ids=[product_id])
    return ordered


def product_image_delete(*, shop: Shop, actor: Membership | None, image_id: int) -> None:
    _check_actor(actor, shop, ShopAction.MANAGE_PRODUCTS)
    with shop_schema(shop), transaction.atomic():
        image = ProductImage.objects.select_for_update().filter(id=image_id).first()
        if image is None:
            raise ApplicationError("No such image in this shop.", code="not_found", status=404)
        image.delete()
        listings_sync(shop=shop, product_ids=[image.product_id])
        name = image.name
        transaction.on_commit(lambda: image_delete(name=name))
