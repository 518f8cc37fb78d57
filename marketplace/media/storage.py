"""Django storage on Cloudinary, through the official `cloudinary` SDK.

A stored name such as `shops/7/products/3f…a1.jpg` is the Cloudinary public id
`shops/7/products/3f…a1` (images are stored without their extension) delivered as `.jpg`.

Every SDK call gets the account and hosts as keyword options instead of through
`cloudinary.config()`: the SDK's global config is read once per process, while these
come from STORAGES and so follow `override_settings` in tests. The SDK options that
point it elsewhere than Cloudinary are `upload_prefix` (API origin, used by both the
Upload and Admin APIs) and, for delivery URLs, `secure`, `secure_distribution` (an
https host) or `cname` (an http host), with `private_cdn` and `cdn_subdomain` off.
"""

from __future__ import annotations

import posixpath
from typing import Any
from urllib.parse import urlsplit

import cloudinary
import cloudinary.api
import cloudinary.exceptions
import cloudinary.uploader
import urllib3
from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage
from django.utils.deconstruct import deconstructible

from marketplace.media.configuration import cloudinary_account_parse

# Seconds for one API call or download; an upload of 10 MB fits easily on a normal link.
REQUEST_TIMEOUT = 30.0


@deconstructible(path="marketplace.media.storage.CloudinaryStorage")
class CloudinaryStorage(Storage):
    """Files as Cloudinary image assets (resource type `image`, delivery type `upload`).

    Saving overwrites an asset with the same name, as django-storages' S3 backend does with
    `file_overwrite`: callers choose unique names (marketplace.media.images does), and
    asking the Admin API whether a name is free would spend its hourly rate limit on every
    upload.
    """

    def __init__(self, *, cloudinary_url: str, api_base: str = "", delivery_url: str = "") -> None:
        account = cloudinary_account_parse(cloudinary_url=cloudinary_url)
        self.cloud_name = account.cloud_name
        self._account_options: dict[str, Any] = {
            "cloud_name": account.cloud_name,
            "api_key": account.api_key,
            "api_secret": account.api_secret,
            "signature_algorithm": account.signature_algorithm,
        }
        # None lets the SDK use https://api.cloudinary.com.
        self._api_options: dict[str, Any] = {
            **self._account_options,
            "upload_prefix": api_base or None,
            "timeout": REQUEST_TIMEOUT,
        }
        self._delivery_options = _delivery_options(
            cloud_name=account.cloud_name, delivery_url=delivery_url
        )
        self._http = urllib3.PoolManager(timeout=REQUEST_TIMEOUT, retries=False)

    # --- the Storage API -------------------------------------------------------------

    def _save(self, name: str, content: File) -> str:
        public_id, _ = _split(name)
        content.seek(0)
        cloudinary.uploader.upload(
            content.read(),
            public_id=public_id,
            overwrite=True,
            # Drop CDN copies of an overwritten asset, or the old image lingers for days.
            invalidate=True,
            resource_type="image",
            filename=posixpath.basename(name),
            **self._api_options,
        )
        return name

    def _open(self, name: str, mode: str = "rb") -> File:
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("Cloudinary files are read-only; save a new file instead")
        response = self._http.request("GET", self.url(name))
        if response.status == 404:
            raise FileNotFoundError(name)
        if response.status != 200:
            raise OSError(f"Cloudinary answered {response.status} for {name}")
        return ContentFile(response.data, name=name)

    def delete(self, name: str) -> None:
        """Destroys the asset and its derived images; a missing one is not an error."""
        public_id, _ = _split(name)
        cloudinary.uploader.destroy(
            public_id, resource_type="image", type="upload", invalidate=True, **self._api_options
        )

    def exists(self, name: str) -> bool:
        """Asks the Admin API (rate-limited per hour: not for every page view)."""
        try:
            self._resource(name)
        except cloudinary.exceptions.NotFound:
            return False
        return True

    def size(self, name: str) -> int:
        return int(self._resource(name)["bytes"])

    def url(self, name: str | None) -> str:
        """The delivery URL of the stored file as it was uploaded."""
        if not name:
            raise ValueError("A stored file name is needed to build its URL")
        return self.transformed_url(name=name, transformation={})

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        # Overwrite semantics (see the class docstring); the length check still applies.
        if max_length is not None and len(name) > max_length:
            return super().get_available_name(name, max_length=max_length)
        return name

    # --- Cloudinary specifics --------------------------------------------------------

    def transformed_url(self, *, name: str, transformation: dict[str, Any]) -> str:
        """The delivery URL of `name` with a transformation, e.g.
        `{"width": 400, "height": 400, "crop": "fill"}` → `.../c_fill,h_400,w_400/...`."""
        public_id, extension = _split(name)
        options: dict[str, Any] = {**self._delivery_options, **transformation}
        if extension:
            options["format"] = extension
        return str(cloudinary.CloudinaryImage(public_id).build_url(**options))

    def _resource(self, name: str) -> Any:
        public_id, _ = _split(name)
        return cloudinary.api.resource(
            public_id, resource_type="image", type="upload", **self._api_options
        )


def _split(name: str) -> tuple[str, str]:
    """(`public_id`, `extension` without the dot) of a stored name."""
    root, extension = posixpath.splitext(name)
    return root, extension.removeprefix(".").lower()


def _delivery_options(*, cloud_name: str, delivery_url: str) -> dict[str, Any]:
    """SDK options for delivery URLs at `delivery_url` (an origin), or at Cloudinary's own
    `https://res.cloudinary.com/<cloud_name>` when it is empty."""
    options: dict[str, Any] = {
        "cloud_name": cloud_name,
        "private_cdn": False,
        "cdn_subdomain": False,
        "secure_cdn_subdomain": False,
    }
    if not delivery_url:
        return {**options, "secure": True, "secure_distribution": None}
    parts = urlsplit(delivery_url)
    if parts.scheme == "https":
        return {**options, "secure": True, "secure_distribution": parts.netloc}
    # The SDK builds plain-http URLs only for a CNAME host.
    return {**options, "secure": False, "cname": parts.netloc}
