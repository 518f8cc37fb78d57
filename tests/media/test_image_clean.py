"""image_clean: the type by content, size and pixel limits, metadata stripped, upright."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms, PngImagePlugin

from marketplace.errors import ApplicationError
from marketplace.media.images import MAX_IMAGE_BYTES, image_clean
from tests.media.support import (
    BLUE,
    RED,
    image_bytes,
    marked_image,
    noise_bytes,
    opened,
    png_header,
)

NOT_AN_IMAGE = "That file is not a JPEG, PNG or WebP image."
TOO_LARGE = "Images must be 10 MB or smaller."
TOO_MANY_PIXELS = "Images must be at most 40 megapixels."
DAMAGED = "That image is damaged or incomplete. Please export it again."


def refusal(upload, **limits) -> tuple[str, str, str | None]:  # type: ignore[no-untyped-def]
    with pytest.raises(ApplicationError) as error:
        image_clean(upload=upload, **limits)
    return error.value.message, error.value.code, error.value.field


# --- what is accepted -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image_format", "extension", "content_type"),
    [("JPEG", "jpg", "image/jpeg"), ("PNG", "png", "image/png"), ("WEBP", "webp", "image/webp")],
)
def test_jpeg_png_and_webp_are_accepted_and_re_encoded_in_their_format(
    image_format, extension, content_type
):
    clean = image_clean(upload=image_bytes(image_format, size=(64, 48)))

    assert (clean.format, clean.extension, clean.content_type) == (
        image_format,
        extension,
        content_type,
    )
    assert (clean.width, clean.height) == (64, 48)
    assert clean.content_hash == hashlib.sha256(clean.content).hexdigest()
    image = opened(clean.content)
    assert (image.format, image.size) == (image_format, (64, 48))


def test_a_png_named_jpg_with_a_jpeg_content_type_is_taken_for_the_png_it_is():
    upload = SimpleUploadedFile("photo.jpg", image_bytes("PNG"), content_type="image/jpeg")

    clean = image_clean(upload=upload)

    assert clean.format == "PNG"
    assert opened(clean.content).format == "PNG"


@pytest.mark.parametrize("wrap", [bytes, bytearray, memoryview])
def test_bytes_like_uploads_are_accepted(wrap):
    clean = image_clean(upload=wrap(image_bytes("PNG")))

    assert (clean.format, clean.width, clean.height) == ("PNG", 64, 48)


def test_a_multi_picture_jpeg_from_a_phone_is_kept_as_a_jpeg_of_its_first_picture():
    first = marked_image(size=(64, 48))
    buffer = io.BytesIO()
    first.save(buffer, format="MPO", save_all=True, append_images=[Image.new("RGB", (10, 10))])

    clean = image_clean(upload=buffer.getvalue())

    assert (clean.format, clean.width, clean.height) == ("JPEG", 64, 48)
    image = opened(clean.content)
    assert (image.format, getattr(image, "n_frames", 1)) == ("JPEG", 1)


def test_an_animated_png_keeps_its_first_frame_only():
    buffer = io.BytesIO()
    frames = [Image.new("RGB", (20, 20), RED), Image.new("RGB", (20, 20), BLUE)]
    frames[0].save(buffer, format="PNG", save_all=True, append_images=frames[1:])
    assert opened(buffer.getvalue()).n_frames == 2  # type: ignore[attr-defined]

    clean = image_clean(upload=buffer.getvalue())

    image = opened(clean.content)
    assert getattr(image, "n_frames", 1) == 1
    assert image.convert("RGB").getpixel((10, 10)) == RED


# --- what is refused --------------------------------------------------------------------


def test_a_text_file_named_jpg_is_refused():
    upload = SimpleUploadedFile("photo.jpg", b"hello, not an image\n", content_type="image/jpeg")

    assert refusal(upload) == (NOT_AN_IMAGE, "image_type", "image")


@pytest.mark.parametrize("image_format", ["GIF", "BMP", "TIFF"])
def test_other_image_formats_are_refused(image_format):
    upload = SimpleUploadedFile("photo.png", image_bytes(image_format), content_type="image/png")

    assert refusal(upload) == (NOT_AN_IMAGE, "image_type", "image")


def test_an_empty_file_is_refused():
    assert refusal(b"") == (NOT_AN_IMAGE, "image_type", "image")


def test_the_field_named_by_the_caller_carries_the_error():
    assert refusal(b"nope", field="logo") == (NOT_AN_IMAGE, "image_type", "logo")


def test_a_real_image_of_11_mb_is_refused_for_its_size():
    png = image_bytes("PNG")
    # Bytes after IEND are ignored by decoders: a valid PNG that weighs 11 MB.
    content = png + b"\0" * (11 * 1024 * 1024 - len(png))
    upload = SimpleUploadedFile("big.png", content, content_type="image/png")
    assert upload.size == 11 * 1024 * 1024

    assert refusal(upload) == (TOO_LARGE, "image_too_large", "image")


def test_the_byte_limit_is_inclusive():
    content = image_bytes("PNG")

    assert image_clean(upload=content, max_bytes=len(content)).format == "PNG"
    assert refusal(content, max_bytes=len(content) - 1) == (
        f"Images must be {(len(content) - 1) / (1024 * 1024):g} MB or smaller.",
        "image_too_large",
        "image",
    )


def test_the_default_byte_limit_is_10_mb():
    assert MAX_IMAGE_BYTES == 10 * 1024 * 1024


def test_a_41_megapixel_png_is_refused_even_though_the_file_is_small():
    content = image_bytes("PNG", size=(8000, 5125), mode="1", color=0)  # 41,000,000 pixels
    assert len(content) < 100_000

    assert refusal(content) == (TOO_MANY_PIXELS, "image_too_many_pixels", "image")


def test_the_pixel_limit_is_inclusive():
    content = image_bytes("PNG", size=(100, 50))

    assert image_clean(upload=content, max_pixels=5000).width == 100
    assert refusal(content, max_pixels=4999) == (
        "Images must be at most 0.004999 megapixels.",
        "image_too_many_pixels",
        "image",
    )


def test_a_decompression_bomb_is_refused_from_its_header():
    # 2.5 gigapixels announced in a file of about 100 bytes.
    bomb = png_header(width=50_000, height=50_000)
    assert len(bomb) < 200

    assert refusal(bomb) == (TOO_MANY_PIXELS, "image_too_many_pixels", "image")


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
def test_a_truncated_file_is_refused(image_format):
    content = noise_bytes(image_format)

    assert refusal(content[: len(content) // 2]) == (DAMAGED, "image_corrupt", "image")


def test_a_png_with_a_corrupt_data_chunk_is_refused():
    content = bytearray(noise_bytes("PNG"))
    idat = content.index(b"IDAT")
    content[idat + 40 : idat + 60] = b"\xff" * 20

    assert refusal(bytes(content)) == (DAMAGED, "image_corrupt", "image")


# --- metadata and orientation -----------------------------------------------------------


def exif_with_gps_and_orientation(orientation: int) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x0112] = orientation  # Orientation
    exif[0x8825] = {1: "N", 2: (52.0, 22.0, 1.0), 3: "E", 4: (4.0, 53.0, 2.0)}  # GPS IFD
    return exif


def test_exif_gps_is_stripped_and_the_orientation_applied_first():
    # Orientation 6: the camera was turned; shown upright the picture is 48 wide, 64 high,
    # and what the sensor stored in its top-left corner is at the top right.
    buffer = io.BytesIO()
    marked_image(size=(64, 48)).save(
        buffer, format="JPEG", exif=exif_with_gps_and_orientation(6), quality=95
    )
    original = opened(buffer.getvalue())
    assert original.getexif()[0x0112] == 6
    assert original.getexif().get_ifd(0x8825)[1] == "N"

    clean = image_clean(upload=buffer.getvalue())

    image = opened(clean.content)
    assert dict(image.getexif()) == {}
    assert "exif" not in image.info
    assert b"SpyCam" not in clean.content
    assert (clean.width, clean.height) == (48, 64)
    assert image.size == (48, 64)
    red, green, blue = image.getpixel((40, 7))  # type: ignore[misc]
    assert red > 200 and green < 60 and blue < 60  # the marker, now top right
    red, green, blue = image.getpixel((7, 7))  # type: ignore[misc]
    assert red < 60 and blue > 200  # top left is background


def test_jpeg_comments_xmp_and_colour_profiles_are_removed():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description Owner="Ada"/></x:xmpmeta>'
    content = image_bytes(
        "JPEG", comment=b"shot at home", xmp=xmp, icc_profile=srgb, exif=Image.Exif()
    )
    assert set(opened(content).info) >= {"comment", "xmp", "icc_profile"}

    clean = image_clean(upload=content)

    image = opened(clean.content)
    assert set(image.info) & {"comment", "xmp", "icc_profile", "exif"} == set()
    assert b"shot at home" not in clean.content
    assert b"Ada" not in clean.content
    red, green, blue = image.getpixel((10, 10))  # type: ignore[misc]
    assert red < 10 and green < 10 and blue > 245  # colours survive the sRGB conversion


def test_png_text_chunks_are_removed():
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "Ada Lovelace")
    text.add_text("Location", "52.0 N 4.9 E")
    content = image_bytes("PNG", pnginfo=text)
    assert opened(content).info["Author"] == "Ada Lovelace"

    clean = image_clean(upload=content)

    assert b"Ada Lovelace" not in clean.content
    assert set(opened(clean.content).info) & {"Author", "Location"} == set()


def test_webp_exif_is_removed():
    buffer = io.BytesIO()
    marked_image(size=(64, 48)).save(buffer, format="WEBP", exif=exif_with_gps_and_orientation(1))
    assert b"SpyCam" in buffer.getvalue()

    clean = image_clean(upload=buffer.getvalue())

    assert b"SpyCam" not in clean.content
    assert dict(opened(clean.content).getexif()) == {}


# --- transparency -----------------------------------------------------------------------


def test_png_alpha_is_kept():
    image = Image.new("RGBA", (20, 20), (0, 0, 0, 0))
    image.paste((255, 0, 0, 255), (0, 0, 10, 10))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")

    clean = opened(image_clean(upload=buffer.getvalue()).content)

    assert clean.mode == "RGBA"
    assert clean.getpixel((5, 5)) == (255, 0, 0, 255)
    assert clean.getpixel((15, 15)) == (0, 0, 0, 0)


def test_palette_png_transparency_is_kept():
    image = Image.new("P", (20, 20), 0)
    image.putpalette([255, 255, 255, 255, 0, 0] + [0, 0, 0] * 254)
    image.paste(1, (0, 0, 10, 10))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", transparency=0)

    clean = opened(image_clean(upload=buffer.getvalue()).content).convert("RGBA")

    assert clean.getpixel((5, 5)) == (255, 0, 0, 255)
    assert clean.getpixel((15, 15))[3] == 0  # type: ignore[index]


def test_webp_alpha_is_kept():
    image = Image.new("RGBA", (20, 20), (0, 0, 0, 0))
    image.paste((255, 0, 0, 255), (0, 0, 10, 10))
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP", lossless=True)

    clean = opened(image_clean(upload=buffer.getvalue()).content)

    assert clean.mode == "RGBA"
    assert clean.getpixel((15, 15))[3] == 0  # type: ignore[index]
    assert clean.getpixel((5, 5))[3] == 255  # type: ignore[index]


def test_a_16_bit_grey_png_is_scaled_to_8_bits_not_clipped_to_white():
    content = image_bytes("PNG", mode="I;16", color=0x8080)

    image = opened(image_clean(upload=content).content)

    assert (image.mode, image.getpixel((0, 0))) == ("L", 0x80)


def test_a_cmyk_jpeg_becomes_rgb():
    content = image_bytes("JPEG", mode="CMYK", color=(0, 0, 0, 0))

    image = opened(image_clean(upload=content).content)

    assert (image.format, image.mode, image.getpixel((0, 0))) == ("JPEG", "RGB", (255, 255, 255))
