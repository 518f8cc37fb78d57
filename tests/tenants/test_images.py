"""Uploaded images: real type by content, size and pixel limits, metadata stripped."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from marketplace.errors import ApplicationError
from tenants.images import MAX_IMAGE_BYTES, image_prepare
from tests.tenants.support import image_bytes


def prepare(content: bytes, *, size: int | None = None):  # type: ignore[no-untyped-def]
    return image_prepare(upload=io.BytesIO(content), size=len(content) if size is None else size)


def exif_with_gps_and_orientation(orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x0112] = orientation  # Orientation
    exif[0x8825] = {1: "N", 2: (52.0, 22.0, 1.0)}  # GPS IFD
    return exif.tobytes()


@pytest.mark.parametrize(
    ("image_format", "extension"), [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp")]
)
def test_jpeg_png_and_webp_are_accepted_and_re_encoded(image_format, extension):
    prepared = prepare(image_bytes(image_format, size=(64, 48)))

    assert (prepared.extension, prepared.width, prepared.height) == (extension, 64, 48)
    with Image.open(io.BytesIO(prepared.content)) as image:
        assert (image.format, image.size) == (image_format, (64, 48))


def test_exif_is_stripped_and_its_orientation_applied_first():
    # Orientation 6: the camera was turned; the upright picture is 48 wide, 64 high.
    content = image_bytes("JPEG", size=(64, 48), exif=exif_with_gps_and_orientation(6))
    with Image.open(io.BytesIO(content)) as original:
        assert original.getexif()[0x010F] == "SpyCam"

    prepared = prepare(content)

    assert b"SpyCam" not in prepared.content
    with Image.open(io.BytesIO(prepared.content)) as image:
        assert dict(image.getexif()) == {}
        assert image.size == (48, 64)
    assert (prepared.width, prepared.height) == (48, 64)


def test_the_type_comes_from_the_content_not_the_name():
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, format="GIF")

    with pytest.raises(ApplicationError) as error:
        prepare(gif.getvalue())

    assert (error.value.code, error.value.field, error.value.message) == (
        "image_type",
        "logo",
        "Upload a JPEG, PNG or WebP image.",
    )


@pytest.mark.parametrize(
    "content",
    [b"", b"not an image at all", b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"%PDF-1.7"],
    ids=["empty", "text", "svg", "pdf"],
)
def test_files_that_are_not_images_are_refused(content):
    with pytest.raises(ApplicationError) as error:
        prepare(content)

    assert error.value.code == "image_type"


def test_a_truncated_image_is_refused():
    content = image_bytes("PNG", size=(300, 300))

    with pytest.raises(ApplicationError) as error:
        prepare(content[: len(content) // 2])

    assert (error.value.code, error.value.message) == (
        "image_unreadable",
        "That image file is damaged or incomplete; please export it again.",
    )


def test_more_than_five_megabytes_is_refused_before_decoding():
    with pytest.raises(ApplicationError) as error:
        prepare(image_bytes("PNG"), size=MAX_IMAGE_BYTES + 1)

    assert (error.value.code, error.value.message) == (
        "image_too_large",
        "The image must be 5 MB or smaller.",
    )


def test_exactly_five_megabytes_is_fine():
    assert prepare(image_bytes("PNG"), size=MAX_IMAGE_BYTES).extension == "png"


@pytest.mark.parametrize("size", [(4097, 10), (10, 4097)])
def test_more_than_4096_pixels_a_side_is_refused(size):
    with pytest.raises(ApplicationError) as error:
        prepare(image_bytes("PNG", size=size))

    width, height = size
    assert (error.value.code, error.value.message) == (
        "image_too_big",
        f"The image must be at most 4096×4096 pixels; this one is {width}×{height}.",
    )


def test_4096_by_4096_is_fine():
    assert prepare(image_bytes("PNG", size=(4096, 4096))).width == 4096


def test_a_png_with_transparency_keeps_it():
    image = Image.new("RGBA", (8, 8), (0, 0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")

    prepared = prepare(buffer.getvalue())

    with Image.open(io.BytesIO(prepared.content)) as result:
        assert result.mode == "RGBA"
        assert result.getpixel((0, 0)) == (0, 0, 0, 0)


def test_a_cmyk_jpeg_becomes_rgb():
    buffer = io.BytesIO()
    Image.new("CMYK", (8, 8)).save(buffer, format="JPEG")

    prepared = prepare(buffer.getvalue())

    with Image.open(io.BytesIO(prepared.content)) as result:
        assert result.mode == "RGB"
