"""The emulator's own behaviour beyond what the storage tests drive through the SDK."""

from __future__ import annotations

import time

import cloudinary.api
import cloudinary.exceptions
import cloudinary.uploader
import pytest
import urllib3

from tests.media.support import image_bytes, opened


def sdk_options(emulator, **overrides):  # type: ignore[no-untyped-def]
    return {
        "cloud_name": emulator.cloud_name,
        "api_key": emulator.api_key,
        "api_secret": emulator.api_secret,
        "upload_prefix": emulator.url,
        **overrides,
    }


@pytest.fixture
def uploaded(emulator):  # type: ignore[no-untyped-def]
    cloudinary.uploader.upload(
        image_bytes("JPEG", size=(300, 200)), public_id="a/photo", **sdk_options(emulator)
    )
    return f"{emulator.url}/{emulator.cloud_name}/image/upload"


def test_environment_names_what_points_the_app_here(emulator):
    assert emulator.environment() == {
        "CLOUDINARY_URL": "cloudinary://local-api-key:local-api-secret@demo-cloud",
        "CLOUDINARY_API_BASE": emulator.url,
        "CLOUDINARY_DELIVERY_URL": emulator.url,
    }


def test_the_extension_chooses_the_delivered_format(emulator, uploaded):
    response = urllib3.request("GET", f"{uploaded}/a/photo.png")

    assert (response.status, response.headers["Content-Type"]) == (200, "image/png")
    assert (opened(response.data).format, opened(response.data).size) == ("PNG", (300, 200))


@pytest.mark.parametrize(
    ("transformation", "expected"),
    [
        ("w_150", (150, 100)),
        ("c_scale,h_50,w_50", (50, 50)),
        ("c_fit,h_400,w_400", (400, 267)),
        ("c_limit,h_400,w_400", (300, 200)),
        ("c_fill,g_auto,h_100,w_100", (100, 100)),
        ("c_fill,h_100,w_200/c_scale,w_50", (50, 25)),
    ],
)
def test_transformations_resize_like_cloudinary(emulator, uploaded, transformation, expected):
    response = urllib3.request("GET", f"{uploaded}/{transformation}/v123/a/photo.jpg")

    assert response.status == 200
    assert opened(response.data).size == expected


def test_head_answers_headers_only(emulator, uploaded):
    response = urllib3.request("HEAD", f"{uploaded}/v1/a/photo.jpg")

    assert (response.status, response.headers["Content-Type"], response.data) == (
        200,
        "image/jpeg",
        b"",
    )
    assert int(response.headers["Content-Length"]) == len(emulator.uploaded()["a/photo"].content)


def test_an_unknown_image_is_a_404_with_cloudinarys_error_header(emulator):
    response = urllib3.request("GET", f"{emulator.url}/{emulator.cloud_name}/image/upload/v1/x.jpg")

    assert (response.status, response.headers["X-Cld-Error"]) == (404, "Resource not found")


def test_another_cloud_name_is_not_served(emulator, uploaded):
    response = urllib3.request("GET", f"{emulator.url}/other/image/upload/v1/a/photo.jpg")

    assert response.status == 404


def test_the_admin_api_needs_the_key_and_secret(emulator, uploaded):
    resource = cloudinary.api.resource("a/photo", **sdk_options(emulator))
    assert (resource["public_id"], resource["width"], resource["height"]) == ("a/photo", 300, 200)

    with pytest.raises(cloudinary.exceptions.AuthorizationRequired):
        cloudinary.api.resource("a/photo", **sdk_options(emulator, api_secret="wrong"))
    with pytest.raises(cloudinary.exceptions.NotFound):
        cloudinary.api.resource("a/missing", **sdk_options(emulator))


def test_destroy_with_a_wrong_secret_is_refused_and_keeps_the_image(emulator, uploaded):
    with pytest.raises(cloudinary.exceptions.AuthorizationRequired):
        cloudinary.uploader.destroy("a/photo", **sdk_options(emulator, api_secret="wrong"))

    assert list(emulator.uploaded()) == ["a/photo"]
    assert cloudinary.uploader.destroy("a/photo", **sdk_options(emulator)) == {"result": "ok"}
    assert cloudinary.uploader.destroy("a/photo", **sdk_options(emulator)) == {
        "result": "not found"
    }
    assert emulator.uploaded() == {}


def test_overwrite_false_keeps_the_first_upload(emulator, uploaded):
    result = cloudinary.uploader.upload(
        image_bytes("PNG", size=(10, 10)),
        public_id="a/photo",
        overwrite=False,
        **sdk_options(emulator),
    )

    assert (result["existing"], result["format"], result["width"]) == (True, "jpg", 300)
    assert emulator.uploaded()["a/photo"].format == "jpg"


def test_uploads_record_their_version_and_signed_params(emulator):
    before = int(time.time())

    cloudinary.uploader.upload(
        image_bytes("PNG"), public_id="b/logo", tags=["x", "y"], **sdk_options(emulator)
    )

    asset = emulator.uploaded()["b/logo"]
    assert before <= asset.version <= int(time.time())
    assert asset.params["tags"] == "x,y"
    assert asset.params["public_id"] == "b/logo"
