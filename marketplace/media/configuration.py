"""The STORAGES["default"] entry built from the environment, for marketplace/settings.py.

Imported while settings load, so it must not import Django models, the storage module or
the cloudinary SDK (the SDK reads Django settings when it first builds its config).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import ImproperlyConfigured

CLOUDINARY_STORAGE = "marketplace.media.storage.CloudinaryStorage"
FILE_SYSTEM_STORAGE = "django.core.files.storage.FileSystemStorage"
SIGNATURE_ALGORITHMS = ("sha1", "sha256")


@dataclass(frozen=True)
class CloudinaryAccount:
    """What a `cloudinary://key:secret@cloud_name` URL names."""

    cloud_name: str
    api_key: str
    api_secret: str
    signature_algorithm: str = "sha1"


def cloudinary_account_parse(*, cloudinary_url: str) -> CloudinaryAccount:
    """The account in `cloudinary_url`; ImproperlyConfigured when it is not one.

    Accepts `cloudinary://<api_key>:<api_secret>@<cloud_name>`, optionally with
    `?signature_algorithm=sha256` for accounts set to SHA-256 signatures. Other query
    options of the SDK are refused rather than ignored: API and delivery hosts have
    their own variables (CLOUDINARY_API_BASE, CLOUDINARY_DELIVERY_URL).
    """
    parts = urlsplit(cloudinary_url)
    if (
        parts.scheme != "cloudinary"
        or not parts.hostname
        or not parts.username
        or not parts.password
        or parts.path not in ("", "/")
    ):
        # Never echo the URL: it holds the API secret.
        raise ImproperlyConfigured(
            "CLOUDINARY_URL must look like cloudinary://<api_key>:<api_secret>@<cloud_name>"
        )
    query = parse_qs(parts.query)
    unknown = sorted(set(query) - {"signature_algorithm"})
    if unknown:
        raise ImproperlyConfigured(
            "CLOUDINARY_URL accepts only the signature_algorithm option; unsupported: "
            + ", ".join(unknown)
        )
    algorithm = query.get("signature_algorithm", ["sha1"])[-1]
    if algorithm not in SIGNATURE_ALGORITHMS:
        raise ImproperlyConfigured("CLOUDINARY_URL signature_algorithm must be sha1 or sha256")
    return CloudinaryAccount(
        # urlsplit lower-cases the host name; Cloudinary cloud names are lower case anyway.
        cloud_name=parts.hostname,
        api_key=parts.username,
        api_secret=parts.password,
        signature_algorithm=algorithm,
    )


def origin_check(*, name: str, value: str) -> str:
    """`value` without a trailing slash if it is an http(s) origin (no path); else
    ImproperlyConfigured naming the variable."""
    parts = urlsplit(value)
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise ImproperlyConfigured(f"{name} must be an origin such as https://host:port")
    return f"{parts.scheme}://{parts.netloc}"


def storage_setting(*, cloudinary_url: str, api_base: str = "", delivery_url: str = "") -> dict:
    """The STORAGES["default"] entry: Cloudinary when `cloudinary_url` is set, else local
    files under MEDIA_ROOT.

    `api_base` (Upload/Admin API origin) and `delivery_url` (image delivery origin) are
    empty for Cloudinary itself; dev and tests point them at the local emulator
    (marketplace.devtools.cloudinary_emulator). Raises ImproperlyConfigured on a
    malformed value, so a typo stops start-up instead of the first upload.
    """
    if not cloudinary_url:
        return {"BACKEND": FILE_SYSTEM_STORAGE}
    cloudinary_account_parse(cloudinary_url=cloudinary_url)
    options: dict[str, Any] = {"cloudinary_url": cloudinary_url}
    if api_base:
        options["api_base"] = origin_check(name="CLOUDINARY_API_BASE", value=api_base)
    if delivery_url:
        options["delivery_url"] = origin_check(name="CLOUDINARY_DELIVERY_URL", value=delivery_url)
    return {"BACKEND": CLOUDINARY_STORAGE, "OPTIONS": options}
