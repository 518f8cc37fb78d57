"""The Cloudinary path end to end: our storage → the real `cloudinary` SDK → the emulator."""

from __future__ import annotations

import io
import re
import time

import cloudinary.exceptions
import pytest
import urllib3
from cloudinary.utils import api_sign_request
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages
from django.test import override_settings

from marketplace.devtools.cloudinary_emulator import CloudinaryEmulator
from marketplace.media.configuration import storage_setting
from marketplace.media.images import image_clean, image_delete, image_save, image_url
from marketplace.media.storage import CloudinaryStorage
from tests.media.conftest import cloudinary_storages, storages_with
from tests.media.support import image_bytes, marked_image, opened

PUBLIC_ID = re.compile(r"shops/7/products/[0-9a-f]{32}")


def photo(size: tuple[int, int] = (1600, 1200)) -> bytes:
    buffer = io.BytesIO()
    marked_image(size=size).save(buffer, format="JPEG")
    return buffer.getvalue()


def fetch(url: str) -> urllib3.BaseHTTPResponse:
    return urllib3.request("GET", url, retries=False)


# --- settings ---------------------------------------------------------------------------


def test_without_cloudinary_url_media_are_local_files():
    assert storage_setting(cloudinary_url="") == {
        "BACKEND": "django.core.files.storage.FileSystemStorage"
    }


def test_cloudinary_url_selects_the_cloudinary_storage():
    assert storage_setting(
        cloudinary_url="cloudinary://key:secret@demo",
        api_base="http://127.0.0.1:9000/",
        delivery_url="http://127.0.0.1:9000",
    ) == {
        "BACKEND": "marketplace.media.storage.CloudinaryStorage",
        "OPTIONS": {
            "cloudinary_url": "cloudinary://key:secret@demo",
            "api_base": "http://127.0.0.1:9000",
            "delivery_url": "http://127.0.0.1:9000",
        },
    }


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            {"cloudinary_url": "https://key:secret@demo"},
            "CLOUDINARY_URL must look like cloudinary://<api_key>:<api_secret>@<cloud_name>",
        ),
        (
            {"cloudinary_url": "cloudinary://key@demo"},
            "CLOUDINARY_URL must look like cloudinary://<api_key>:<api_secret>@<cloud_name>",
        ),
        (
            {"cloudinary_url": "cloudinary://key:secret@demo?secure_distribution=x"},
            "CLOUDINARY_URL accepts only the signature_algorithm option; unsupported: "
            "secure_distribution",
        ),
        (
            {"cloudinary_url": "cloudinary://key:secret@demo?signature_algorithm=md5"},
            "CLOUDINARY_URL signature_algorithm must be sha1 or sha256",
        ),
        (
            {"cloudinary_url": "cloudinary://key:secret@demo", "api_base": "127.0.0.1:9000"},
            "CLOUDINARY_API_BASE must be an origin such as https://host:port",
        ),
        (
            {"cloudinary_url": "cloudinary://key:secret@demo", "delivery_url": "http://h/x"},
            "CLOUDINARY_DELIVERY_URL must be an origin such as https://host:port",
        ),
    ],
)
def test_a_malformed_setting_stops_start_up_without_echoing_the_secret(arguments, message):
    with pytest.raises(ImproperlyConfigured) as error:
        storage_setting(**arguments)

    assert str(error.value) == message


def test_the_default_storage_follows_the_setting(emulator):
    with override_settings(STORAGES=storages_with(storage_setting(cloudinary_url=""))):
        assert type(storages["default"]) is FileSystemStorage
    with override_settings(STORAGES=cloudinary_storages(emulator)):
        assert type(storages["default"]) is CloudinaryStorage


def test_without_host_overrides_urls_point_at_cloudinary_itself():
    storage = CloudinaryStorage(cloudinary_url="cloudinary://key:secret@demo")

    assert storage.url("shops/7/products/abc.jpg") == (
        "https://res.cloudinary.com/demo/image/upload/v1/shops/7/products/abc.jpg"
    )


def test_an_https_delivery_host_gives_https_urls():
    storage = CloudinaryStorage(
        cloudinary_url="cloudinary://key:secret@demo", delivery_url="https://img.example"
    )

    assert storage.url("logos/abc.png") == "https://img.example/demo/image/upload/v1/logos/abc.png"


# --- upload -----------------------------------------------------------------------------


def test_saving_uploads_the_clean_image_under_its_public_id(cloudinary_media):
    clean = image_clean(upload=photo())

    stored = image_save(clean=clean, folder="products", shop_id=7)

    public_id = stored.name.removesuffix(".jpg")
    assert PUBLIC_ID.fullmatch(public_id)
    assert dict(stored.thumbnails) == {}  # sizes are delivery transformations
    assert list(cloudinary_media.uploaded()) == [public_id]
    asset = cloudinary_media.uploaded()[public_id]
    assert (asset.content, asset.format, asset.width, asset.height) == (
        clean.content,
        "jpg",
        1600,
        1200,
    )
    # What the SDK signed and sent: our public id, overwrite and CDN invalidation.
    assert {name: asset.params[name] for name in ("public_id", "overwrite", "invalidate")} == {
        "public_id": public_id,
        "overwrite": "1",
        "invalidate": "1",
    }


def test_a_wrong_api_secret_is_refused_and_nothing_is_stored(emulator):
    wrong = f"cloudinary://{emulator.api_key}:not-the-secret@{emulator.cloud_name}"
    with (
        override_settings(STORAGES=cloudinary_storages(emulator, cloudinary_url=wrong)),
        pytest.raises(cloudinary.exceptions.AuthorizationRequired) as error,
    ):
        image_save(clean=image_clean(upload=photo()), folder="products", shop_id=7)

    assert str(error.value).startswith("Invalid Signature ")
    assert "String to sign - 'invalidate=1&overwrite=1&public_id=shops/7/products/" in str(
        error.value
    )
    assert emulator.uploaded() == {}


def test_an_unknown_api_key_is_refused(emulator):
    wrong = f"cloudinary://someone-else:{emulator.api_secret}@{emulator.cloud_name}"
    with (
        override_settings(STORAGES=cloudinary_storages(emulator, cloudinary_url=wrong)),
        pytest.raises(cloudinary.exceptions.AuthorizationRequired) as error,
    ):
        image_save(clean=image_clean(upload=photo()), folder="products", shop_id=7)

    assert str(error.value) == "Unknown API key someone-else"
    assert emulator.uploaded() == {}


def signed_upload(emulator: CloudinaryEmulator, params: dict[str, str], *, secret: str):
    """A raw Upload API call, signed by hand the way the SDK signs."""
    signature = api_sign_request(params, secret, "sha1", 2)
    fields = {**params, "signature": signature, "api_key": emulator.api_key}
    return urllib3.request(
        "POST",
        f"{emulator.url}/v1_1/{emulator.cloud_name}/image/upload",
        fields={**fields, "file": ("a.png", image_bytes("PNG"))},
        retries=False,
    )


def test_a_tampered_parameter_breaks_the_signature_with_cloudinarys_error_shape(emulator):
    timestamp = str(int(time.time()))
    signature = api_sign_request(
        {"public_id": "shops/7/a", "timestamp": timestamp}, emulator.api_secret, "sha1", 2
    )

    response = urllib3.request(
        "POST",
        f"{emulator.url}/v1_1/{emulator.cloud_name}/image/upload",
        fields={
            "public_id": "shops/8/a",  # another shop's folder, after signing
            "timestamp": timestamp,
            "signature": signature,
            "api_key": emulator.api_key,
            "file": ("a.png", image_bytes("PNG")),
        },
        retries=False,
    )

    assert response.status == 401
    assert response.json() == {
        "error": {
            "message": f"Invalid Signature {signature}. "
            f"String to sign - 'public_id=shops/8/a&timestamp={timestamp}'."
        }
    }
    assert emulator.uploaded() == {}


def test_a_correctly_signed_raw_upload_is_accepted(emulator):
    params = {"public_id": "raw/a&b", "timestamp": str(int(time.time()))}

    response = signed_upload(emulator, params, secret=emulator.api_secret)

    assert response.status == 200
    body = response.json()
    assert (body["public_id"], body["format"], body["width"], body["height"]) == (
        "raw/a&b",
        "png",
        64,
        48,
    )
    assert list(emulator.uploaded()) == ["raw/a&b"]


def test_a_stale_timestamp_is_refused(emulator):
    params = {"public_id": "raw/a", "timestamp": str(int(time.time()) - 3700)}

    response = signed_upload(emulator, params, secret=emulator.api_secret)

    assert response.status == 400
    assert response.json()["error"]["message"].startswith(
        f"Stale request - reported time is {params['timestamp']} "
    )
    assert emulator.uploaded() == {}


def test_sha256_accounts_verify_sha256_signatures():
    with CloudinaryEmulator(signature_algorithm="sha256") as sha256_cloud:
        with override_settings(STORAGES=cloudinary_storages(sha256_cloud)):
            stored = image_save(clean=image_clean(upload=photo()), folder="products")
        sha1_url = sha256_cloud.cloudinary_url.removesuffix("?signature_algorithm=sha256")
        with (
            override_settings(STORAGES=cloudinary_storages(sha256_cloud, cloudinary_url=sha1_url)),
            pytest.raises(cloudinary.exceptions.AuthorizationRequired),
        ):
            image_save(clean=image_clean(upload=photo()), folder="products")

        assert list(sha256_cloud.uploaded()) == [stored.name.removesuffix(".jpg")]


def test_a_non_image_upload_is_refused_by_the_emulator(emulator):
    params = {"public_id": "raw/a", "timestamp": str(int(time.time()))}
    signature = api_sign_request(params, emulator.api_secret, "sha1", 2)

    response = urllib3.request(
        "POST",
        f"{emulator.url}/v1_1/{emulator.cloud_name}/image/upload",
        fields={**params, "signature": signature, "api_key": emulator.api_key, "file": ("a", b"x")},
        retries=False,
    )

    assert (response.status, response.json()) == (400, {"error": {"message": "Invalid image file"}})


# --- delivery URLs ----------------------------------------------------------------------


def test_image_url_is_a_cloudinary_transformation_url(cloudinary_media):
    stored = image_save(clean=image_clean(upload=photo()), folder="products", shop_id=7)
    base = f"{cloudinary_media.url}/demo-cloud/image/upload"

    assert image_url(name=stored.name, size="card") == (
        f"{base}/c_fill,f_auto,h_400,q_auto,w_400/v1/{stored.name}"
    )
    assert image_url(name=stored.name, size="thumb") == (
        f"{base}/c_fill,f_auto,h_96,q_auto,w_96/v1/{stored.name}"
    )
    assert image_url(name=stored.name, size="gallery") == (
        f"{base}/c_limit,f_auto,h_1200,q_auto,w_1200/v1/{stored.name}"
    )


@pytest.mark.parametrize(
    ("size", "expected"), [("thumb", (96, 96)), ("card", (400, 400)), ("gallery", (1200, 900))]
)
def test_fetching_a_size_returns_an_image_of_that_size(cloudinary_media, size, expected):
    stored = image_save(clean=image_clean(upload=photo()), folder="products", shop_id=7)

    response = fetch(image_url(name=stored.name, size=size))

    assert (response.status, response.headers["Content-Type"]) == (200, "image/jpeg")
    image = opened(response.data)
    assert (image.format, image.size) == ("JPEG", expected)


def test_the_plain_url_returns_the_stored_bytes(cloudinary_media):
    clean = image_clean(upload=photo())
    stored = image_save(clean=clean, folder="products", shop_id=7)
    storage = storages["default"]

    response = fetch(storage.url(stored.name))

    assert response.status == 200
    assert response.data == clean.content
    with storage.open(stored.name) as handle:
        assert handle.read() == clean.content
    assert storage.exists(stored.name) is True
    assert storage.size(stored.name) == len(clean.content)


def test_an_unsupported_transformation_is_a_400_with_cloudinarys_error_header(cloudinary_media):
    stored = image_save(clean=image_clean(upload=photo()), folder="products", shop_id=7)

    response = fetch(storage_url_with(stored.name, "e_sepia"))

    assert response.status == 400
    assert (
        response.headers["X-Cld-Error"] == "Transformation e_sepia is not supported by the emulator"
    )


def storage_url_with(name: str, transformation: str) -> str:
    url = storages["default"].url(name)
    return url.replace("/image/upload/", f"/image/upload/{transformation}/")


def test_the_storage_overwrites_a_name_it_saves_again(cloudinary_media):
    storage = storages["default"]

    first = storage.save("platform/a.png", ContentFile(image_bytes("PNG", size=(10, 10))))
    second = storage.save("platform/a.png", ContentFile(image_bytes("PNG", size=(20, 10))))

    assert first == second == "platform/a.png"
    assert cloudinary_media.uploaded()["platform/a"].width == 20


# --- delete -----------------------------------------------------------------------------


def test_delete_destroys_the_asset_and_its_urls_stop_answering(cloudinary_media):
    kept = image_save(clean=image_clean(upload=photo()), folder="products", shop_id=7)
    stored = image_save(clean=image_clean(upload=photo()), folder="products", shop_id=7)
    storage = storages["default"]

    image_delete(name=stored.name)
    image_delete(name=stored.name)  # already gone: not an error

    assert list(cloudinary_media.uploaded()) == [kept.name.removesuffix(".jpg")]
    assert storage.exists(stored.name) is False
    assert fetch(storage.url(stored.name)).status == 404
    assert fetch(image_url(name=stored.name, size="card")).status == 404
    with pytest.raises(FileNotFoundError):
        storage.open(stored.name)
