"""Product image services: add (by content, limits, EXIF), alt text, order, delete, and the
Cloudinary path against the local emulator."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from unittest import mock

import pytest
import urllib3
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image

from marketplace.errors import ApplicationError
from marketplace.media.images import MEGABYTE, image_url
from sellers.catalog.models import Product, ProductImage
from sellers.catalog.services import products_delete
from sellers.catalog.services.images import (
    product_image_add,
    product_image_delete,
    product_image_move,
    product_image_update,
    product_images_reorder,
)
from sellers.listings.models import Listing
from tenants.models import Membership, Shop
from tenants.schemas import shop_schema
from tenants.services import shop_suspend
from tests.factories import UserFactory
from tests.media.conftest import cloudinary_storages, emulator  # noqa: F401  (fixture)
from tests.media.support import image_bytes, opened, png_header

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


# --- helpers ----------------------------------------------------------------------------


def upload(name: str = "photo.jpg", content: bytes | None = None) -> SimpleUploadedFile:
    if content is None:
        content = image_bytes("JPEG", size=(640, 480))
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


def jpeg_with_exif() -> bytes:
    """A 60×40 JPEG whose EXIF names a camera, a GPS position and orientation 6 (turn
    90° clockwise to view)."""
    exif = Image.Exif()
    exif[0x010F] = "Snoopy Cameras"  # Make
    exif[0x0112] = 6  # Orientation
    exif.get_ifd(0x8825)[2] = (48.0, 51.0, 24.0)  # GPSLatitude
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), (0, 0, 255)).save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def owner_of(shop: Shop, user) -> Membership:  # type: ignore[no-untyped-def]
    return Membership.objects.get(shop=shop, user=user)


def product_id(shop: Shop, title: str) -> int:
    with shop_schema(shop):
        return Product.objects.get(title=title).id


def images_of(shop: Shop, product: int) -> list[tuple[int, str, int]]:
    """(id, alt, position) of the product's images, in order."""
    with shop_schema(shop):
        return list(
            ProductImage.objects.filter(product_id=product).values_list("id", "alt", "position")
        )


def names_of(shop: Shop, product: int) -> list[str]:
    with shop_schema(shop):
        return list(ProductImage.objects.filter(product_id=product).values_list("name", flat=True))


def files_under(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def listing_image(shop: Shop, product: int) -> tuple[str, str]:
    return Listing.objects.values_list("image_name", "image_alt").get(shop=shop, product_id=product)


@pytest.fixture
def lamp(world) -> int:  # type: ignore[no-untyped-def]
    return product_id(world.shop_a, "Alpha lamp")


@pytest.fixture
def owner(world) -> Membership:  # type: ignore[no-untyped-def]
    return owner_of(world.shop_a, world.owner_a)


def add(world, product: int, actor: Membership | None = None, **kwargs) -> ProductImage:  # type: ignore[no-untyped-def]
    kwargs.setdefault("upload", upload())
    return product_image_add(shop=world.shop_a, actor=actor, product_id=product, **kwargs)


# --- adding -----------------------------------------------------------------------------


def test_an_image_is_stored_with_its_thumbnails_and_becomes_the_listing_picture(
    world, lamp, owner, media_root
):
    image = add(world, lamp, owner, upload=upload("lamp.jpg"), alt="  Brass lamp, lit  ")

    assert (image.alt, image.width, image.height, image.position) == (
        "Brass lamp, lit",
        640,
        480,
        0,
    )
    stem = image.name.removesuffix(".jpg")
    assert stem.startswith(f"shops/{world.shop_a.id}/products/")
    assert files_under(media_root) == sorted(
        [image.name, f"{stem}_card.jpg", f"{stem}_gallery.jpg", f"{stem}_thumb.jpg"]
    )
    assert opened((media_root / f"{stem}_thumb.jpg").read_bytes()).size == (96, 96)
    assert images_of(world.shop_a, lamp) == [(image.id, "Brass lamp, lit", 0)]
    assert listing_image(world.shop_a, lamp) == (image.name, "Brass lamp, lit")


def test_images_are_numbered_in_the_order_they_are_added(world, lamp, owner, media_root):
    first = add(world, lamp, owner, upload=upload("a.jpg"))
    second = add(world, lamp, owner, upload=upload("b.png", image_bytes("PNG")))
    third = add(world, lamp, owner, upload=upload("c.webp", image_bytes("WEBP")))

    assert images_of(world.shop_a, lamp) == [
        (first.id, "", 0),
        (second.id, "", 1),
        (third.id, "", 2),
    ]
    assert [name.rsplit(".", 1)[1] for name in names_of(world.shop_a, lamp)] == [
        "jpg",
        "png",
        "webp",
    ]
    # The listing shows the first image, with the product's title for a missing alt.
    assert listing_image(world.shop_a, lamp) == (first.name, "Alpha lamp")


def test_exif_is_removed_and_the_picture_turned_upright(world, lamp, owner, media_root):
    image = add(world, lamp, owner, upload=upload("phone.jpg", jpeg_with_exif()))

    stored = (media_root / image.name).read_bytes()
    assert b"Snoopy Cameras" not in stored
    picture = opened(stored)
    assert (dict(picture.getexif()), picture.size) == ({}, (40, 60))
    assert (image.width, image.height) == (40, 60)


def test_the_type_comes_from_the_content_not_the_name(world, lamp, owner, media_root):
    image = add(world, lamp, owner, upload=upload("really-a-png.jpg", image_bytes("PNG")))

    assert image.name.endswith(".png")


@pytest.mark.parametrize(
    ("file", "code", "message"),
    [
        (
            upload("invoice.jpg", PDF),
            "image_type",
            "That file is not a JPEG, PNG or WebP image.",
        ),
        (
            upload("huge.jpg", b"\xff\xd8\xff" + b"\0" * (10 * MEGABYTE - 2)),
            "image_too_large",
            "Images must be 10 MB or smaller.",
        ),
        (
            upload("bomb.png", png_header(width=8000, height=5001)),
            "image_too_many_pixels",
            "Images must be at most 40 megapixels.",
        ),
        (
            upload("cut.jpg", image_bytes("JPEG", size=(300, 300))[:400]),
            "image_corrupt",
            "That image is damaged or incomplete. Please export it again.",
        ),
    ],
    ids=["pdf-named-jpg", "10-MB-plus-1", "over-40-megapixels", "truncated"],
)
def test_a_refused_upload_saves_nothing(world, lamp, owner, media_root, file, code, message):
    before = listing_image(world.shop_a, lamp)

    with pytest.raises(ApplicationError) as error:
        add(world, lamp, owner, upload=file)

    assert (error.value.code, error.value.field, error.value.message) == (code, "image", message)
    assert error.value.status == 400
    assert images_of(world.shop_a, lamp) == []
    assert files_under(media_root) == []
    assert listing_image(world.shop_a, lamp) == before


def test_the_10_mb_limit_is_inclusive(world, lamp, owner, media_root):
    # A real JPEG padded with a trailing comment segment up to exactly 10 MB.
    picture = image_bytes("JPEG", size=(32, 32))
    padded = picture + b"\0" * (10 * MEGABYTE - len(picture))

    image = add(world, lamp, owner, upload=upload("exactly-10mb.jpg", padded))

    assert images_of(world.shop_a, lamp) == [(image.id, "", 0)]


def make_rows(shop: Shop, product: int, count: int) -> None:
    """`count` image rows without files (the limit counts rows)."""
    with shop_schema(shop):
        ProductImage.objects.bulk_create(
            ProductImage(product_id=product, name=f"x/{n}.jpg", width=1, height=1, position=n)
            for n in range(count)
        )


def test_the_twenty_first_image_is_refused_before_anything_is_stored(
    world, lamp, owner, media_root
):
    make_rows(world.shop_a, lamp, 20)

    with (
        mock.patch("sellers.catalog.services.images.image_save") as image_save,
        pytest.raises(ApplicationError) as error,
    ):
        add(world, lamp, owner)

    assert (error.value.code, error.value.field, error.value.message) == (
        "too_many_images",
        "image",
        "A product has at most 20 images. Delete one first.",
    )
    image_save.assert_not_called()
    assert len(images_of(world.shop_a, lamp)) == 20
    assert files_under(media_root) == []


def test_an_upload_that_loses_the_race_for_the_last_place_removes_its_file(
    world, lamp, owner, media_root
):
    """Another upload takes the 20th place while this one is being stored: the count under
    the product lock refuses it and its files are deleted again."""
    make_rows(world.shop_a, lamp, 19)
    from marketplace.media.images import image_save as real_save

    def save_while_another_lands(**kwargs):  # type: ignore[no-untyped-def]
        stored = real_save(**kwargs)
        make_rows(world.shop_a, lamp, 1)
        return stored

    with (
        mock.patch("sellers.catalog.services.images.image_save", save_while_another_lands),
        pytest.raises(ApplicationError) as error,
    ):
        add(world, lamp, owner)

    assert error.value.code == "too_many_images"
    assert len(images_of(world.shop_a, lamp)) == 20
    assert files_under(media_root) == []


def test_a_failure_after_storing_removes_the_files_and_leaves_no_row(
    world, lamp, owner, media_root
):
    with (
        mock.patch(
            "sellers.catalog.services.images.listings_sync", side_effect=RuntimeError("boom")
        ),
        pytest.raises(RuntimeError),
    ):
        add(world, lamp, owner)

    assert images_of(world.shop_a, lamp) == []
    assert files_under(media_root) == []


def test_a_storage_outage_is_a_clear_503_and_nothing_is_saved(
    world, lamp, owner, media_root, caplog
):
    with (
        mock.patch(
            "marketplace.media.images._save_as", side_effect=ConnectionError("storage down")
        ),
        caplog.at_level(logging.ERROR, logger="sellers.catalog.services.images"),
        pytest.raises(ApplicationError) as error,
    ):
        add(world, lamp, owner)

    assert (error.value.code, error.value.status, error.value.message) == (
        "storage_unavailable",
        503,
        "The image could not be stored just now. Please try again in a moment.",
    )
    assert images_of(world.shop_a, lamp) == []
    assert files_under(media_root) == []
    assert [record.getMessage() for record in caplog.records] == [
        f"Storing a product image of shop {world.shop_a.id} failed"
    ]


def test_alt_text_longer_than_250_characters_is_refused_before_reading_the_file(
    world, lamp, owner, media_root
):
    with (
        mock.patch("sellers.catalog.services.images.image_clean") as image_clean,
        pytest.raises(ApplicationError) as error,
    ):
        add(world, lamp, owner, alt="x" * 251)

    assert (error.value.code, error.value.field, error.value.message) == (
        "alt_too_long",
        "alt",
        "Keep the alt text to 250 characters or fewer; it has 251.",
    )
    image_clean.assert_not_called()
    assert files_under(media_root) == []


def test_adding_to_an_unknown_product_is_not_found(world, owner, media_root):
    with pytest.raises(ApplicationError) as error:
        add(world, 999_999, owner)

    assert (error.value.code, error.value.status) == ("not_found", 404)
    assert files_under(media_root) == []


def test_a_product_deleted_while_the_file_was_stored_is_not_found_and_leaves_no_file(
    world, owner, media_root
):
    chair = product_id(world.shop_a, "Alpha draft chair")
    from marketplace.media.images import image_save as real_save

    def save_while_deleted(**kwargs):  # type: ignore[no-untyped-def]
        stored = real_save(**kwargs)
        products_delete(shop=world.shop_a, actor=None, product_ids=[chair])
        return stored

    with (
        mock.patch("sellers.catalog.services.images.image_save", save_while_deleted),
        pytest.raises(ApplicationError) as error,
    ):
        add(world, chair, owner)

    assert (error.value.code, error.value.status) == ("not_found", 404)
    assert files_under(media_root) == []


def test_members_of_another_shop_cannot_add(world, lamp, media_root):
    outsider = owner_of(world.shop_b, world.owner_b)

    with pytest.raises(PermissionDenied):
        add(world, lamp, outsider)

    assert images_of(world.shop_a, lamp) == []
    assert files_under(media_root) == []


def test_a_suspended_shop_cannot_add(world, lamp, owner, media_root):
    shop = shop_suspend(
        shop=world.shop_a, reason="Counterfeit goods reported", by=UserFactory(is_staff=True)
    )

    with pytest.raises(ApplicationError) as error:
        product_image_add(shop=shop, actor=owner, product_id=lamp, upload=upload())

    assert (error.value.code, error.value.status) == ("shop_suspended", 403)
    assert images_of(world.shop_a, lamp) == []
    assert files_under(media_root) == []


# --- alt text ---------------------------------------------------------------------------


def test_alt_text_is_saved_trimmed_and_reaches_the_listing(world, lamp, owner, media_root):
    image = add(world, lamp, owner)

    product_image_update(shop=world.shop_a, actor=owner, image_id=image.id, alt="  Lamp, side  ")

    assert images_of(world.shop_a, lamp) == [(image.id, "Lamp, side", 0)]
    assert listing_image(world.shop_a, lamp) == (image.name, "Lamp, side")


def test_too_long_alt_text_changes_nothing(world, lamp, owner, media_root):
    image = add(world, lamp, owner, alt="Before")

    with pytest.raises(ApplicationError) as error:
        product_image_update(shop=world.shop_a, actor=owner, image_id=image.id, alt="y" * 300)

    assert (error.value.field, error.value.message) == (
        "alt",
        "Keep the alt text to 250 characters or fewer; it has 300.",
    )
    assert images_of(world.shop_a, lamp) == [(image.id, "Before", 0)]


def test_alt_text_of_an_unknown_image_is_not_found(world, owner):
    with pytest.raises(ApplicationError) as error:
        product_image_update(shop=world.shop_a, actor=owner, image_id=999_999, alt="x")

    assert (error.value.code, error.value.status) == ("not_found", 404)


# --- order ------------------------------------------------------------------------------


@pytest.fixture
def three(world, lamp, owner, media_root) -> list[ProductImage]:  # type: ignore[no-untyped-def]
    return [add(world, lamp, owner, upload=upload(f"{n}.jpg"), alt=f"#{n}") for n in (1, 2, 3)]


def test_reordering_renumbers_and_the_listing_follows_the_first(world, lamp, owner, three):
    a, b, c = three

    result = product_images_reorder(
        shop=world.shop_a, actor=owner, product_id=lamp, image_ids=[c.id, a.id, b.id]
    )

    assert [image.id for image in result] == [c.id, a.id, b.id]
    assert images_of(world.shop_a, lamp) == [(c.id, "#3", 0), (a.id, "#1", 1), (b.id, "#2", 2)]
    assert listing_image(world.shop_a, lamp) == (c.name, "#3")


@pytest.mark.parametrize(
    "order",
    [
        lambda a, b, c, foreign: [a.id, b.id, foreign],  # another product's image
        lambda a, b, c, foreign: [a.id, b.id],  # one missing (added meanwhile)
        lambda a, b, c, foreign: [a.id, b.id, c.id, foreign],  # one extra
        lambda a, b, c, foreign: [a.id, a.id, b.id],  # twice
        lambda a, b, c, foreign: [a.id, a.id, b.id, c.id],  # all, one twice
    ],
    ids=["foreign", "missing", "extra", "duplicate", "all-plus-duplicate"],
)
def test_an_order_that_is_not_exactly_the_products_images_changes_nothing(
    world, lamp, owner, three, order
):
    chair = product_id(world.shop_a, "Alpha draft chair")
    foreign = add(world, chair, owner)
    before = images_of(world.shop_a, lamp)

    with pytest.raises(ApplicationError) as error:
        product_images_reorder(
            shop=world.shop_a, actor=owner, product_id=lamp, image_ids=order(*three, foreign.id)
        )

    assert (error.value.code, error.value.status, error.value.message) == (
        "stale_order",
        409,
        "The images changed meanwhile. Reload the page and try again.",
    )
    assert images_of(world.shop_a, lamp) == before


def test_reordering_an_unknown_product_is_not_found(world, owner):
    with pytest.raises(ApplicationError) as error:
        product_images_reorder(shop=world.shop_a, actor=owner, product_id=999_999, image_ids=[])

    assert (error.value.code, error.value.status) == ("not_found", 404)


def test_moving_swaps_with_the_neighbour_and_stops_at_the_ends(world, lamp, owner, three):
    a, b, c = three

    product_image_move(shop=world.shop_a, actor=owner, image_id=c.id, direction="up")
    assert [row[0] for row in images_of(world.shop_a, lamp)] == [a.id, c.id, b.id]
    product_image_move(shop=world.shop_a, actor=owner, image_id=c.id, direction="up")
    assert [row[0] for row in images_of(world.shop_a, lamp)] == [c.id, a.id, b.id]
    product_image_move(shop=world.shop_a, actor=owner, image_id=c.id, direction="up")  # first
    product_image_move(shop=world.shop_a, actor=owner, image_id=b.id, direction="down")  # last
    assert images_of(world.shop_a, lamp) == [(c.id, "#3", 0), (a.id, "#1", 1), (b.id, "#2", 2)]
    assert listing_image(world.shop_a, lamp) == (c.name, "#3")


def test_moving_needs_a_direction_and_a_known_image(world, lamp, owner, three):
    before = images_of(world.shop_a, lamp)

    with pytest.raises(ApplicationError) as bad_direction:
        product_image_move(shop=world.shop_a, actor=owner, image_id=three[0].id, direction="left")
    with pytest.raises(ApplicationError) as unknown:
        product_image_move(shop=world.shop_a, actor=owner, image_id=999_999, direction="up")

    assert (bad_direction.value.field, bad_direction.value.message) == (
        "direction",
        "Move an image up or down.",
    )
    assert (unknown.value.code, unknown.value.status) == ("not_found", 404)
    assert images_of(world.shop_a, lamp) == before


# --- delete -----------------------------------------------------------------------------


def test_deleting_removes_the_row_now_and_the_files_after_commit(
    world, lamp, owner, three, media_root, django_capture_on_commit_callbacks
):
    a, b, c = three
    with django_capture_on_commit_callbacks() as callbacks:
        product_image_delete(shop=world.shop_a, actor=owner, image_id=a.id)

        # Until the transaction commits the files stay: a rollback keeps the row.
        assert (media_root / a.name).exists()

    assert [row[0] for row in images_of(world.shop_a, lamp)] == [b.id, c.id]
    assert listing_image(world.shop_a, lamp) == (b.name, "#2")
    for callback in callbacks:
        callback()
    stem = a.name.removesuffix(".jpg")
    remaining = files_under(media_root)
    assert [name for name in remaining if name.startswith(stem)] == []
    assert len(remaining) == 8  # b and c, with three thumbnails each


def test_a_storage_failure_after_the_delete_commits_is_logged_not_raised(
    world, lamp, owner, three, caplog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        product_image_delete(shop=world.shop_a, actor=owner, image_id=three[0].id)
    with (
        mock.patch(
            "sellers.catalog.services.images.image_delete", side_effect=ConnectionError("down")
        ),
        caplog.at_level(logging.ERROR, logger="sellers.catalog.services.images"),
    ):
        for callback in callbacks:
            callback()

    assert [record.getMessage() for record in caplog.records] == [
        f"Could not delete the stored image {three[0].name}; it is left orphaned"
    ]
    assert len(images_of(world.shop_a, lamp)) == 2


def test_deleting_an_unknown_image_is_not_found(world, owner):
    with pytest.raises(ApplicationError) as error:
        product_image_delete(shop=world.shop_a, actor=owner, image_id=999_999)

    assert (error.value.code, error.value.status) == ("not_found", 404)


def test_image_ids_are_per_shop_and_each_shop_only_reaches_its_own(world, lamp, media_root):
    """Schemas are separate: the same id names different images in two shops."""
    kettle = product_id(world.shop_b, "Beta kettle")
    alpha = add(world, lamp, None, alt="alpha")
    with shop_schema(world.shop_b):
        beta = ProductImage.objects.create(
            id=alpha.id, product_id=kettle, name="x/beta.jpg", width=1, height=1, alt="beta"
        )
    owner_b = owner_of(world.shop_b, world.owner_b)

    product_image_update(shop=world.shop_b, actor=owner_b, image_id=beta.id, alt="beta, new")
    product_image_delete(shop=world.shop_b, actor=owner_b, image_id=beta.id)

    assert images_of(world.shop_a, lamp) == [(alpha.id, "alpha", 0)]
    assert images_of(world.shop_b, kettle) == []
    with pytest.raises(PermissionDenied):
        product_image_delete(shop=world.shop_a, actor=owner_b, image_id=alpha.id)
    assert images_of(world.shop_a, lamp) == [(alpha.id, "alpha", 0)]


# --- Cloudinary (the local emulator, through the real SDK) -------------------------------


@pytest.fixture
def cloudinary(emulator):  # type: ignore[no-untyped-def]  # noqa: F811
    with override_settings(STORAGES=cloudinary_storages(emulator)):
        yield emulator


def test_on_cloudinary_the_image_is_uploaded_and_sizes_are_transformations(
    world, lamp, owner, cloudinary, media_root
):
    image = add(world, lamp, owner, upload=upload("phone.jpg", jpeg_with_exif()))

    public_id = image.name.removesuffix(".jpg")
    assert list(cloudinary.uploaded()) == [public_id]
    asset = cloudinary.uploaded()[public_id]
    assert (asset.format, asset.width, asset.height) == ("jpg", 40, 60)
    assert b"Snoopy Cameras" not in asset.content
    assert files_under(media_root) == []  # nothing local, not even thumbnails
    thumb = image_url(name=image.name, size="thumb")
    assert thumb == (
        f"{cloudinary.url}/{cloudinary.cloud_name}/image/upload/"
        f"c_fill,f_auto,h_96,q_auto,w_96/v1/{image.name}"
    )
    response = urllib3.request("GET", thumb, retries=False)
    assert (response.status, opened(response.data).size) == (200, (96, 96))


def test_on_cloudinary_a_refused_file_uploads_nothing(world, lamp, owner, cloudinary):
    with pytest.raises(ApplicationError) as error:
        add(world, lamp, owner, upload=upload("invoice.jpg", PDF))

    assert error.value.code == "image_type"
    assert cloudinary.uploaded() == {}
    assert images_of(world.shop_a, lamp) == []


def test_on_cloudinary_a_failed_row_destroys_the_uploaded_asset(world, lamp, owner, cloudinary):
    make_rows(world.shop_a, lamp, 19)
    from marketplace.media.images import image_save as real_save

    def save_while_another_lands(**kwargs):  # type: ignore[no-untyped-def]
        stored = real_save(**kwargs)
        assert len(cloudinary.uploaded()) == 1
        make_rows(world.shop_a, lamp, 1)
        return stored

    with (
        mock.patch("sellers.catalog.services.images.image_save", save_while_another_lands),
        pytest.raises(ApplicationError),
    ):
        add(world, lamp, owner)

    assert cloudinary.uploaded() == {}


def test_on_cloudinary_a_wrong_secret_is_a_clear_503(world, lamp, owner, emulator):  # noqa: F811
    wrong = f"cloudinary://{emulator.api_key}:not-the-secret@{emulator.cloud_name}"
    with (
        override_settings(STORAGES=cloudinary_storages(emulator, cloudinary_url=wrong)),
        pytest.raises(ApplicationError) as error,
    ):
        add(world, lamp, owner)

    assert (error.value.code, error.value.status) == ("storage_unavailable", 503)
    assert emulator.uploaded() == {}
    assert images_of(world.shop_a, lamp) == []


def test_on_cloudinary_deleting_destroys_the_asset_after_commit(
    world, lamp, owner, cloudinary, django_capture_on_commit_callbacks
):
    kept = add(world, lamp, owner)
    gone = add(world, lamp, owner)

    with django_capture_on_commit_callbacks(execute=True):
        product_image_delete(shop=world.shop_a, actor=owner, image_id=gone.id)

    assert list(cloudinary.uploaded()) == [kept.name.removesuffix(".jpg")]
    response = urllib3.request("GET", image_url(name=gone.name, size="thumb"), retries=False)
    assert response.status == 404
