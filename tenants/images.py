"""Checking uploaded images and re-encoding them, so only clean images reach storage.

The type is decided by the file's content (Pillow), never by its name or the browser's
content type; size and pixel limits are checked before the pixels are decoded; the image
is re-encoded, which drops EXIF (camera, GPS) and any other metadata or trailing bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO, Any, cast

from django.core.files import File
from PIL import Image, ImageOps, UnidentifiedImageError

from marketplace.errors import ApplicationError

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_SIDE = 4096
# Pillow format name → the extension we store it under.
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


@dataclass(frozen=True)
class PreparedImage:
    content: bytes
    extension: str
    width: int
    height: int


def image_prepare(
    *, upload: IO[bytes] | File[Any], size: int | None, field: str = "logo"
) -> PreparedImage:
    """The upload re-encoded in its own format without metadata; ApplicationError if unusable.

    Accepts JPEG, PNG and WebP of at most 5 MB and 4096×4096 pixels. An animated image
    keeps its first frame. EXIF orientation is applied first, so photos stay upright
    once the EXIF block is gone.
    """
    if size is None or size > MAX_IMAGE_BYTES:
        raise ApplicationError(
            "The image must be 5 MB or smaller.", code="image_too_large", field=field
        )
    upload.seek(0)
    try:
        # formats= keeps Pillow from even trying its other (less hardened) decoders.
        # Pillow only needs read/seek/tell, which Django's uploaded files have.
        with Image.open(cast(IO[bytes], upload), formats=list(EXTENSIONS)) as image:
            width, height = image.size  # from the header; nothing decoded yet
            if width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE:
                raise ApplicationError(
                    f"The image must be at most {MAX_IMAGE_SIDE}×{MAX_IMAGE_SIDE} pixels; "
                    f"this one is {width}×{height}.",
                    code="image_too_big",
                    field=field,
                )
            # Multi-picture JPEGs from phone cameras open as "MPO": store them as JPEG.
            image_format = "JPEG" if image.format == "MPO" else image.format or ""
            image.load()  # a truncated or corrupt file fails here
            upright = ImageOps.exif_transpose(image)
            content = _encode(upright, image_format, icc_profile=image.info.get("icc_profile"))
    except ApplicationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError):
        raise ApplicationError(
            "Upload a JPEG, PNG or WebP image.", code="image_type", field=field
        ) from None
    except (OSError, SyntaxError, ValueError):
        raise ApplicationError(
            "That image file is damaged or incomplete; please export it again.",
            code="image_unreadable",
            field=field,
        ) from None
    return PreparedImage(
        content=content,
        extension=EXTENSIONS[image_format],
        width=upright.width,
        height=upright.height,
    )


def _encode(image: Image.Image, image_format: str, *, icc_profile: bytes | None) -> bytes:
    options: dict[str, object] = {}
    if icc_profile:
        options["icc_profile"] = icc_profile  # colour, not personal data: keep it
    if image_format == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        options.update(quality=90, optimize=True)
    elif image_format == "WEBP":
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA")
        options.update(quality=90)
    else:
        options.update(optimize=True)
    buffer = io.BytesIO()
    # No exif= and no pnginfo=: the new file carries no metadata from the upload.
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()
