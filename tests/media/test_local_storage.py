"""image_save / image_url / image_delete on local files under MEDIA_ROOT."""

from __future__ import annotations

import io
import re
import shutil
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404
from django.test import Client, RequestFactory

from marketplace.media.images import (
    THUMBNAIL_SIZES,
    StoredImage,
    ThumbnailSize,
    image_clean,
    image_delete,
    image_save,
    image_url,
)
from marketplace.media.views import media_file
from tests.media.support import image_bytes, marked_image, opened

NAME = re.compile(r"shops/7/products/[0-9a-f]{32}\.jpg")


def photo(size: tuple[int, int] = (1600, 1200), image_format: str = "JPEG") -> bytes:
    buffer = io.BytesIO()
    marked_image(size=size).save(buffer, format=image_format)
    return buffer.getvalue()


def format_and_size(path: Path) -> tuple[str | None, tuple[int, int]]:
    image = opened(path.read_bytes())
    return image.format, image.size


def test_the_sizes_pages_use():
    assert dict(THUMBNAIL_SIZES) == {
        "thumb": ThumbnailSize(96, 96, "fill"),
        "card": ThumbnailSize(400, 400, "fill"),
        "gallery": ThumbnailSize(1200, 1200, "limit"),
    }


def test_saving_stores_the_clean_original_in_the_shop_folder(local_media):
    clean = image_clean(upload=photo())

    stored = image_save(clean=clean, folder="products", shop_id=7)

    assert NAME.fullmatch(stored.name)
    assert (local_media / stored.name).read_bytes() == clean.content
    assert (stored.format, stored.width, stored.height, stored.content_hash) == (
        "JPEG",
        1600,
        1200,
        clean.content_hash,
    )


def test_saving_makes_each_thumbnail_at_its_size(local_media):
    stored = image_save(clean=image_clean(upload=photo()), folder="products", shop_id=7)

    root = stored.name.removesuffix(".jpg")
    assert dict(stored.thumbnails) == {
        "thumb": f"{root}_thumb.jpg",
        "card": f"{root}_card.jpg",
        "gallery": f"{root}_gallery.jpg",
    }
    sizes = {size: format_and_size(local_media / name) for size, name in stored.thumbnails.items()}
    # fill crops to the box; limit keeps the 4:3 shape inside it.
    assert sizes == {
        "thumb": ("JPEG", (96, 96)),
        "card": ("JPEG", (400, 400)),
        "gallery": ("JPEG", (1200, 900)),
    }


def test_a_small_image_is_not_enlarged_for_the_gallery(local_media):
    stored = image_save(
        clean=image_clean(upload=photo(size=(300, 200))), folder="products", shop_id=7
    )

    assert opened((local_media / stored.thumbnails["gallery"]).read_bytes()).size == (300, 200)
    assert opened((local_media / stored.thumbnails["card"]).read_bytes()).size == (400, 400)


def test_png_thumbnails_keep_transparency(local_media):
    content = image_bytes("PNG", size=(800, 800), mode="RGBA", color=(255, 0, 0, 0))

    stored = image_save(clean=image_clean(upload=content), folder="logos", shop_id=7)

    thumbnail = opened((local_media / stored.thumbnails["card"]).read_bytes())
    assert (thumbnail.format, thumbnail.mode, thumbnail.size) == ("PNG", "RGBA", (400, 400))
    assert thumbnail.getpixel((200, 200))[3] == 0  # type: ignore[index]


def test_image_url_points_at_the_thumbnail_file(local_media):
    stored = image_save(clean=image_clean(upload=photo()), folder="products", shop_id=7)

    assert {size: image_url(name=stored.name, size=size) for size in THUMBNAIL_SIZES} == {
        size: f"/media/{name}" for size, name in stored.thumbnails.items()
    }


def test_an_unknown_size_is_a_programming_error(local_media):
    with pytest.raises(ValueError, match="Unknown image size 'huge'"):
        image_url(name="products/a.jpg", size="huge")


def test_without_a_shop_the_folder_is_used_as_given(local_media):
    stored = image_save(clean=image_clean(upload=photo()), folder="platform/banners")

    assert re.fullmatch(r"platform/banners/[0-9a-f]{32}\.jpg", stored.name)


@pytest.mark.parametrize(
    "folder", ["", "../etc", "/abs", "Products", "a//b", "a/", "shops", "shops/9/products"]
)
def test_a_folder_outside_the_naming_rules_is_refused_and_nothing_is_written(local_media, folder):
    with pytest.raises(ValueError, match="Invalid media folder"):
        image_save(clean=image_clean(upload=photo()), folder=folder, shop_id=7)

    assert list(local_media.iterdir()) == []


@pytest.mark.parametrize("shop_id", [0, -3, True])
def test_an_invalid_shop_id_is_refused(local_media, shop_id):
    with pytest.raises(ValueError, match="Invalid shop id"):
        image_save(clean=image_clean(upload=photo()), folder="products", shop_id=shop_id)

    assert list(local_media.iterdir()) == []


def test_two_saves_of_the_same_image_get_two_names(local_media):
    clean = image_clean(upload=photo())

    first = image_save(clean=clean, folder="products", shop_id=7)
    second = image_save(clean=clean, folder="products", shop_id=7)

    assert first.name != second.name
    assert first.content_hash == second.content_hash


def test_delete_removes_the_original_and_its_thumbnails(local_media):
    kept = image_save(clean=image_clean(upload=photo()), folder="products", shop_id=7)
    stored = image_save(clean=image_clean(upload=photo()), folder="products", shop_id=7)

    image_delete(name=stored.name)
    image_delete(name=stored.name)  # already gone: not an error

    remaining = sorted(path.name for path in (local_media / "shops/7/products").iterdir())
    assert remaining == sorted(
        name.rsplit("/", 1)[1] for name in [kept.name, *kept.thumbnails.values()]
    )


@pytest.mark.django_db
def test_saved_images_are_served_at_their_url_outside_production():
    # The project's /media/ route serves settings.MEDIA_ROOT as configured at start-up, so
    # this test writes there (git-ignored), in a folder of its own that it removes.
    folder = f"test-media-{uuid.uuid4().hex}"
    stored: StoredImage | None = None
    try:
        stored = image_save(clean=image_clean(upload=photo()), folder=folder)

        response = Client().get(image_url(name=stored.name, size="card"))

        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        served = b"".join(response.streaming_content)  # type: ignore[attr-defined]
        assert served == (settings.MEDIA_ROOT / stored.thumbnails["card"]).read_bytes()
    finally:
        if stored is not None:
            image_delete(name=stored.name)
        shutil.rmtree(settings.MEDIA_ROOT / folder, ignore_errors=True)


def test_the_media_view_serves_from_the_current_media_root(local_media):
    stored = image_save(clean=image_clean(upload=photo()), folder="products", shop_id=7)
    thumbnail = stored.thumbnails["thumb"]

    response = media_file(RequestFactory().get(f"/media/{thumbnail}"), thumbnail)

    assert (response.status_code, response["Content-Type"]) == (200, "image/jpeg")
    assert b"".join(response.streaming_content) == (local_media / thumbnail).read_bytes()


def test_the_media_view_refuses_paths_outside_media_root(local_media):
    # Django answers 400 for SuspiciousFileOperation.
    with pytest.raises(SuspiciousFileOperation):
        media_file(RequestFactory().get("/media/../settings.py"), "../settings.py")
    with pytest.raises(Http404):
        media_file(RequestFactory().get("/media/missing.jpg"), "missing.jpg")
    assert media_file(RequestFactory().post("/media/a.jpg"), "a.jpg").status_code == 405
