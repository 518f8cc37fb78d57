"""Uploaded images: checked by content, stripped of metadata, stored, and addressed by size.

The flow a service or form follows:

    clean = image_clean(upload=request.FILES["image"])      # ApplicationError if refused
    stored = image_save(clean=clean, folder="products", shop_id=shop.id)
    ... record stored.name on the row ...
    image_url(name=stored.name, size="card")                 # what templates show

On Cloudinary the sizes are delivery transformations (`c_fill`/`c_limit` with `f_auto`,
`q_auto`); on local storage they are files Pillow makes when the image is saved.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import re
import struct
import uuid
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from marketplace.errors import ApplicationError
from marketplace.media.storage import CloudinaryStorage

MEGABYTE = 1024 * 1024
MAX_IMAGE_BYTES = 10 * MEGABYTE
MAX_IMAGE_PIXELS = 40_000_000
JPEG_QUALITY = 88
WEBP_QUALITY = 88

ImageFormat = Literal["JPEG", "PNG", "WEBP"]
EXTENSIONS: Mapping[str, str] = MappingProxyType({"JPEG": "jpg", "PNG": "png", "WEBP": "webp"})
CONTENT_TYPES: Mapping[str, str] = MappingProxyType(
    {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
)

Crop = Literal["fill", "limit"]


@dataclass(frozen=True)
class ThumbnailSize:
    """A box the pages show images in. `fill` crops to exactly width×height (centred);
    `limit` fits inside the box and never enlarges. Same meaning as Cloudinary's
    `c_fill` and `c_limit`."""

    width: int
    height: int
    crop: Crop


THUMBNAIL_SIZES: Mapping[str, ThumbnailSize] = MappingProxyType(
    {
        "thumb": ThumbnailSize(96, 96, "fill"),  # dashboard rows, cart lines
        "card": ThumbnailSize(400, 400, "fill"),  # listing cards, shop logos
        "gallery": ThumbnailSize(1200, 1200, "limit"),  # product page gallery
    }
)

# The only decoders Pillow may try: its others are less hardened and not wanted anyway.
_DECODERS = ("JPEG", "PNG", "WEBP")
# Multi-picture JPEGs (many phone cameras) open through the JPEG decoder as "MPO"; their
# first picture is a JPEG.
_PILLOW_FORMATS: Mapping[str, ImageFormat] = MappingProxyType(
    {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WEBP"}
)
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
# Lowercase path segments; the first may not be "shops", which image_save adds itself.
_FOLDER = re.compile(r"(?!shops(?:/|$))[a-z0-9][a-z0-9_-]*(?:/[a-z0-9][a-z0-9_-]*)*")


@dataclass(frozen=True)
class CleanImage:
    """An image that passed image_clean: re-encoded, upright, with no metadata."""

    content: bytes
    format: ImageFormat
    width: int
    height: int
    content_hash: str  # sha256 of `content`, hex

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]


@dataclass(frozen=True)
class StoredImage:
    """Where image_save put an image. `name` is what a model records; `thumbnails` maps
    each THUMBNAIL_SIZES key to its file on local storage and is empty on Cloudinary."""

    name: str
    format: ImageFormat
    width: int
    height: int
    content_hash: str
    thumbnails: Mapping[str, str]


def image_clean(
    *,
    upload: UploadedFile | bytes | bytearray | memoryview,
    max_bytes: int = MAX_IMAGE_BYTES,
    max_pixels: int = MAX_IMAGE_PIXELS,
    field: str = "image",
) -> CleanImage:
    """The upload as a clean JPEG, PNG or WebP; ApplicationError(field=`field`) if refused.

    The type is decided by the content (Pillow), never by the file name or the content
    type the browser sent. Refused: other formats, more than `max_bytes` (checked before
    reading the file), more than `max_pixels` (checked from the header, before decoding,
    so decompression bombs cost nothing), truncated or corrupt files. Accepted images
    are turned upright by their EXIF orientation, converted to sRGB when they carry a
    colour profile, and re-encoded in their own format with no EXIF, XMP, ICC, comments
    or text chunks; PNG and WebP keep their transparency. Animated images keep their
    first frame. Safe to call from a form's clean method:

        try:
            return image_clean(upload=self.cleaned_data["logo"], field="logo")
        except ApplicationError as error:
            raise ValidationError(error.message, code=error.code) from error
    """
    data = _read(upload=upload, max_bytes=max_bytes, field=field)
    try:
        with Image.open(io.BytesIO(data), formats=_DECODERS) as image:
            width, height = image.size  # from the header: nothing decoded yet
            if width * height > max_pixels:
                raise _too_many_pixels(max_pixels=max_pixels, field=field)
            image_format = _PILLOW_FORMATS.get(image.format or "")
            if image_format is None:
                raise _not_an_image(field=field)
            image.load()  # a truncated or corrupt file fails here
            icc_profile = image.info.get("icc_profile")
            upright = _upright(image)
        content = _encode(_in_srgb(upright, icc_profile=icc_profile), image_format=image_format)
    except ApplicationError:
        raise
    except Image.DecompressionBombError:
        # Pillow's own guard, for headers far beyond max_pixels.
        raise _too_many_pixels(max_pixels=max_pixels, field=field) from None
    except UnidentifiedImageError:
        raise _not_an_image(field=field) from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error):
        raise ApplicationError(
            "That image is damaged or incomplete. Please export it again.",
            code="image_corrupt",
            field=field,
        ) from None
    return CleanImage(
        content=content,
        format=image_format,
        width=upright.width,
        height=upright.height,
        content_hash=hashlib.sha256(content).hexdigest(),
    )


def image_save(*, clean: CleanImage, folder: str, shop_id: int | None = None) -> StoredImage:
    """Stores `clean` through the default storage under a new unique name, in
    `shops/<shop_id>/<folder>/` when `shop_id` is given (else `<folder>/`), and on local
    storage also its THUMBNAIL_SIZES files made with Pillow.

    `folder` is lowercase path segments (letters, digits, `-`, `_`) and may not start
    with `shops`; anything else is a programming error (ValueError). Writes files, so call
    it before the transaction that records `name`, and image_delete the name if that
    transaction fails. Storage errors propagate after the files written so far are
    removed.
    """
    directory = _directory(folder=folder, shop_id=shop_id)
    storage = storages["default"]
    wanted = f"{directory}/{uuid.uuid4().hex}.{clean.extension}"
    written: list[str] = []
    try:
        written.append(_save_as(storage=storage, name=wanted, content=clean.content))
        thumbnails: dict[str, str] = {}
        if not isinstance(storage, CloudinaryStorage):
            for size_name, size in THUMBNAIL_SIZES.items():
                thumbnail = _save_as(
                    storage=storage,
                    name=thumbnail_name(name=wanted, size=size_name),
                    content=_thumbnail(clean=clean, size=size),
                )
                written.append(thumbnail)
                thumbnails[size_name] = thumbnail
    except BaseException:
        for name in written:
            storage.delete(name)
        raise
    return StoredImage(
        name=wanted,
        format=clean.format,
        width=clean.width,
        height=clean.height,
        content_hash=clean.content_hash,
        thumbnails=MappingProxyType(thumbnails),
    )


def image_url(*, name: str, size: str) -> str:
    """The URL of stored image `name` at `size` (a THUMBNAIL_SIZES key; ValueError
    otherwise): a Cloudinary transformation URL when Cloudinary is the storage, else the
    URL of the thumbnail file image_save made. Builds a string only: no request, no
    file-system access."""
    try:
        box = THUMBNAIL_SIZES[size]
    except KeyError:
        raise ValueError(
            f"Unknown image size {size!r}; use one of {sorted(THUMBNAIL_SIZES)}"
        ) from None
    storage = storages["default"]
    if isinstance(storage, CloudinaryStorage):
        return storage.transformed_url(
            name=name,
            transformation={
                "width": box.width,
                "height": box.height,
                "crop": box.crop,
                "fetch_format": "auto",  # WebP/AVIF to browsers that take them
                "quality": "auto",
            },
        )
    return storage.url(thumbnail_name(name=name, size=size))


def image_delete(*, name: str) -> None:
    """Removes stored image `name` and, on local storage, its thumbnails. Missing files
    are not an error. Cloudinary drops its derived sizes and CDN copies itself."""
    storage = storages["default"]
    storage.delete(name)
    if not isinstance(storage, CloudinaryStorage):
        for size_name in THUMBNAIL_SIZES:
            storage.delete(thumbnail_name(name=name, size=size_name))


def thumbnail_name(*, name: str, size: str) -> str:
    """The local file name of `name`'s thumbnail at `size`: `a/b/c.jpg` → `a/b/c_card.jpg`."""
    root, extension = posixpath.splitext(name)
    return f"{root}_{size}{extension}"


# --- helpers ----------------------------------------------------------------------------


def _read(
    *, upload: UploadedFile | bytes | bytearray | memoryview, max_bytes: int, field: str
) -> bytes:
    if isinstance(upload, bytes | bytearray | memoryview):
        data = bytes(upload)
    else:
        # Django measured the upload as it arrived: refuse before reading it into memory.
        if upload.size is not None and upload.size > max_bytes:
            raise _too_large(max_bytes=max_bytes, field=field)
        upload.seek(0)
        data = upload.read(max_bytes + 1)
        upload.seek(0)
    if len(data) > max_bytes:
        raise _too_large(max_bytes=max_bytes, field=field)
    return data


def _upright(image: Image.Image) -> Image.Image:
    """A copy turned by its EXIF orientation; a copy as it is when that EXIF is unreadable
    (a bad tag should not cost the seller their photo)."""
    try:
        return ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, struct.error, KeyError, TypeError):
        return image.copy()


def _in_srgb(image: Image.Image, *, icc_profile: bytes | None) -> Image.Image:
    """`image` converted from its embedded colour profile to sRGB, so dropping the profile
    keeps its colours (phones save Display P3). Grey and palette images, and profiles
    littlecms cannot use, are taken as sRGB already."""
    if not icc_profile or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        converted = ImageCms.profileToProfile(
            image, source, _SRGB, outputMode="RGBA" if image.mode == "RGBA" else "RGB"
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image
    return converted if converted is not None else image


def _encode(image: Image.Image, *, image_format: ImageFormat) -> bytes:
    """`image` (ours to change) encoded as `image_format` with no metadata at all."""
    transparency = image.info.get("transparency")
    # Pillow's encoders also read ICC profiles and comments from `info`: empty it, so only
    # what is passed below reaches the file.
    image.info = {}
    options: dict[str, object] = {}
    if image_format == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        options.update(quality=JPEG_QUALITY, optimize=True, progressive=True)
    elif image_format == "PNG":
        if image.mode.startswith("I"):
            # 16-bit grey: Pillow's convert() would clip it to white, so scale it to 8 bits.
            image = image.convert("I").point(lambda value: value / 257).convert("L")
            transparency = None  # a 16-bit tRNS value means nothing in 8 bits
        elif image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
            image = image.convert("RGBA")
        if transparency is not None and image.mode in ("1", "L", "P", "RGB"):
            options["transparency"] = transparency  # palette or single-colour (tRNS)
    else:
        has_alpha = image.mode in ("RGBA", "LA", "PA") or transparency is not None
        if image.mode not in ("RGB", "RGBA") or has_alpha:
            if transparency is not None:
                image.info["transparency"] = transparency  # convert() turns it into alpha
            image = image.convert("RGBA" if has_alpha else "RGB")
            image.info = {}
        options.update(quality=WEBP_QUALITY)
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def _thumbnail(*, clean: CleanImage, size: ThumbnailSize) -> bytes:
    with Image.open(io.BytesIO(clean.content)) as opened:
        opened.load()
        image: Image.Image = opened
        if image.mode not in ("RGB", "RGBA", "L", "LA"):
            # Palette and 1-bit images resize with nearest-neighbour only: go to full colour.
            has_alpha = "transparency" in image.info or image.mode == "PA"
            image = image.convert("RGBA" if has_alpha else "RGB")
        if size.crop == "fill":
            image = ImageOps.fit(image, (size.width, size.height), Image.Resampling.LANCZOS)
        else:
            image = image.copy()
            image.thumbnail((size.width, size.height), Image.Resampling.LANCZOS)
        return _encode(image, image_format=clean.format)


def _directory(*, folder: str, shop_id: int | None) -> str:
    if not _FOLDER.fullmatch(folder):
        raise ValueError(f"Invalid media folder {folder!r}")
    if shop_id is None:
        return folder
    if isinstance(shop_id, bool) or not isinstance(shop_id, int) or shop_id <= 0:
        raise ValueError(f"Invalid shop id {shop_id!r}")
    return f"shops/{shop_id}/{folder}"


def _save_as(*, storage: Storage, name: str, content: bytes) -> str:
    saved = storage.save(name, ContentFile(content))
    if saved != name:
        # Names are random, so this means something else wrote there; image_url derives
        # thumbnail names from `name` and would point at the wrong files.
        storage.delete(saved)
        raise RuntimeError(f"Storage stored {name!r} as {saved!r}")
    return saved


def _too_large(*, max_bytes: int, field: str) -> ApplicationError:
    return ApplicationError(
        f"Images must be {max_bytes / MEGABYTE:g} MB or smaller.",
        code="image_too_large",
        field=field,
    )


def _too_many_pixels(*, max_pixels: int, field: str) -> ApplicationError:
    return ApplicationError(
        f"Images must be at most {max_pixels / 1_000_000:g} megapixels.",
        code="image_too_many_pixels",
        field=field,
    )


def _not_an_image(*, field: str) -> ApplicationError:
    return ApplicationError(
        "That file is not a JPEG, PNG or WebP image.", code="image_type", field=field
    )
