"""`{% load product_images %}`: `{{ image.name|image_url:"thumb" }}` is the URL of a stored
image at one of marketplace.media.images.THUMBNAIL_SIZES (a Cloudinary transformation or
a Pillow-made file; building it touches neither the network nor the disk)."""

from __future__ import annotations

from django import template

from marketplace.media.images import MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS, MEGABYTE
from marketplace.media.images import image_url as media_image_url
from sellers.catalog.services.images import MAX_ALT_LENGTH, MAX_IMAGES_PER_PRODUCT

register = template.Library()


@register.filter
def image_url(name: str, size: str) -> str:
    return media_image_url(name=name, size=size) if name else ""


@register.simple_tag
def product_image_limits() -> dict[str, int]:
    """What the upload form tells people: `{% product_image_limits as limits %}`."""
    return {
        "images": MAX_IMAGES_PER_PRODUCT,
        "alt_length": MAX_ALT_LENGTH,
        "megabytes": MAX_IMAGE_BYTES // MEGABYTE,
        "megapixels": MAX_IMAGE_PIXELS // 1_000_000,
    }
