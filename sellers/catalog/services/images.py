"""Product images: add (checked by content), describe, reorder, delete.

Files are written before the row that records them and removed after the transaction
that forgets them commits, so a failure never leaves a row without its file. Every write
locks the product row first, so uploads, reorders and deletes of one product take turns.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max

from marketplace.errors import ApplicationError
from marketplace.media.images import (
    CleanImage,
    StoredImage,
    image_clean,
    image_delete,
    image_save,
)
from sellers.catalog.models import Product, ProductImage
from sellers.catalog.services.listing import listings_sync
from sellers.catalog.services.products import check_actor
from tenants.models import Membership, Shop
from tenants.permissions import ShopAction
from tenants.schemas import shop_schema

logger = logging.getLogger(__name__)

MAX_IMAGES_PER_PRODUCT = 20
MAX_ALT_LENGTH = 250  # ProductImage.alt's max_length


def check_alt(alt: str) -> str:
    """`alt` trimmed; ApplicationError(field="alt") when it is too long."""
    alt = alt.strip()
    if len(alt) > MAX_ALT_LENGTH:
        raise ApplicationError(
            f"Keep the alt text to {MAX_ALT_LENGTH} characters or fewer; it has {len(alt)}.",
            code="alt_too_long",
            field="alt",
        )
    return alt


def _product_not_found() -> ApplicationError:
    return ApplicationError("No such product in this shop.", code="not_found", status=404)


def _image_not_found() -> ApplicationError:
    return ApplicationError("No such image in this shop.", code="not_found", status=404)


def _too_many_images() -> ApplicationError:
    return ApplicationError(
        f"A product has at most {MAX_IMAGES_PER_PRODUCT} images. Delete one first.",
        code="too_many_images",
        field="image",
    )


def _lock_product(product_id: int) -> None:
    """Lock the product row (ApplicationError 404 if it is gone). Call inside a
    transaction with the shop's schema active."""
    locked = Product.objects.select_for_update().filter(id=product_id)
    if locked.values_list("id", flat=True).first() is None:
        raise _product_not_found()


def _delete_quietly(name: str) -> None:
    """Remove a stored image whose row is gone (or never was); a storage failure here is
    logged, not raised: the database is already right, and the caller's own outcome (an
    error being raised, a committed delete) must not change because of it."""
    try:
        image_delete(name=name)
    except Exception:
        logger.exception("Could not delete the stored image %s; it is left orphaned", name)


def product_image_add(
    *, shop: Shop, actor: Membership | None, product_id: int, upload: UploadedFile, alt: str = ""
) -> ProductImage:
    """Check `upload` (JPEG/PNG/WebP by content, ≤ 10 MB, ≤ 40 MP, EXIF removed), store it
    with its thumbnails and add it after the product's other images (at most
    MAX_IMAGES_PER_PRODUCT).

    Writes the file before the row; when the row cannot be written the file is removed
    again, so nothing is left behind. Call it outside any transaction: a rollback of an
    enclosing one would forget the row and keep the file.
    """
    check_actor(actor, shop, ShopAction.MANAGE_PRODUCTS)
    alt = check_alt(alt)
    with shop_schema(shop):
        if not Product.objects.filter(id=product_id).exists():
            raise _product_not_found()
        # Checked again under the lock below; this saves storing a file for nothing.
        if ProductImage.objects.filter(product_id=product_id).count() >= MAX_IMAGES_PER_PRODUCT:
            raise _too_many_images()
        clean = image_clean(upload=upload, field="image")
        stored = _store(clean=clean, shop=shop)
        try:
            with transaction.atomic():
                # Concurrent uploads count (and number) one at a time.
                _lock_product(product_id)
                images = ProductImage.objects.filter(product_id=product_id)
                if images.count() >= MAX_IMAGES_PER_PRODUCT:
                    raise _too_many_images()
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
            _delete_quietly(stored.name)
            raise
    return image


def _store(*, clean: CleanImage, shop: Shop) -> StoredImage:
    try:
        return image_save(clean=clean, folder="products", shop_id=shop.id)
    except Exception:
        # Cloudinary or the disk failed: the SDK and the OS raise many types. image_save
        # has removed what it wrote; tell the person to retry rather than answer 500.
        logger.exception("Storing a product image of shop %s failed", shop.id)
        raise ApplicationError(
            "The image could not be stored just now. Please try again in a moment.",
            code="storage_unavailable",
            field="image",
            status=503,
        ) from None


def product_image_update(
    *, shop: Shop, actor: Membership | None, image_id: int, alt: str
) -> ProductImage:
    """Set an image's alt text (what screen readers say and shows when it can't load)."""
    check_actor(actor, shop, ShopAction.MANAGE_PRODUCTS)
    alt = check_alt(alt)
    with shop_schema(shop), transaction.atomic():
        image = ProductImage.objects.select_for_update().filter(id=image_id).first()
        if image is None:
            raise _image_not_found()
        image.alt = alt
        image.save(update_fields=["alt"])
        listings_sync(shop=shop, product_ids=[image.product_id])
    return image


def product_images_reorder(
    *, shop: Shop, actor: Membership | None, product_id: int, image_ids: Sequence[int]
) -> list[ProductImage]:
    """Put the product's images in the order of `image_ids`: all of them, each once.

    Anything else (an image added or deleted meanwhile, another product's image, one id
    twice) is refused with 409 `stale_order` and changes nothing.
    """
    check_actor(actor, shop, ShopAction.MANAGE_PRODUCTS)
    with shop_schema(shop), transaction.atomic():
        _lock_product(product_id)
        images = {
            image.id: image
            for image in ProductImage.objects.select_for_update().filter(product_id=product_id)
        }
        if len(image_ids) != len(images) or set(image_ids) != set(images):
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


def product_image_move(
    *, shop: Shop, actor: Membership | None, image_id: int, direction: str
) -> list[ProductImage]:
    """Swap the image with its neighbour before it (`direction` "up") or after it ("down")
    and return the product's images in their new order. At either end it stays where it
    is. Positions are renumbered 0…n-1."""
    if direction not in ("up", "down"):
        raise ApplicationError("Move an image up or down.", field="direction")
    check_actor(actor, shop, ShopAction.MANAGE_PRODUCTS)
    with shop_schema(shop), transaction.atomic():
        product_id = (
            ProductImage.objects.filter(id=image_id).values_list("product_id", flat=True).first()
        )
        if product_id is None:
            raise _image_not_found()
        _lock_product(product_id)
        ordered = list(ProductImage.objects.select_for_update().filter(product_id=product_id))
        index = next((i for i, image in enumerate(ordered) if image.id == image_id), None)
        if index is None:  # deleted while we waited for the lock
            raise _image_not_found()
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(ordered):
            ordered[index], ordered[other] = ordered[other], ordered[index]
        for position, image in enumerate(ordered):
            image.position = position
        ProductImage.objects.bulk_update(ordered, ["position"])
        listings_sync(shop=shop, product_ids=[product_id])
    return ordered


def product_image_delete(*, shop: Shop, actor: Membership | None, image_id: int) -> None:
    """Delete an image; its files go once the transaction commits (a storage failure then
    is logged, the image stays deleted)."""
    check_actor(actor, shop, ShopAction.MANAGE_PRODUCTS)
    with shop_schema(shop), transaction.atomic():
        product_id = (
            ProductImage.objects.filter(id=image_id).values_list("product_id", flat=True).first()
        )
        if product_id is None:
            raise _image_not_found()
        _lock_product(product_id)
        image = ProductImage.objects.select_for_update().filter(id=image_id).first()
        if image is None:  # deleted while we waited for the lock
            raise _image_not_found()
        image.delete()
        listings_sync(shop=shop, product_ids=[image.product_id])
        name = image.name
        transaction.on_commit(lambda: _delete_quietly(name))
