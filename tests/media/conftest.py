"""Media fixtures: local storage in a temporary MEDIA_ROOT, or Cloudinary played by the
local emulator and reached through the real SDK."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from marketplace.devtools.cloudinary_emulator import CloudinaryEmulator
from marketplace.media.configuration import storage_setting


def storages_with(default: dict) -> dict:
    """STORAGES with `default` in place of the configured default storage."""
    return {**settings.STORAGES, "default": default}


@pytest.fixture
def local_media(tmp_path: Path) -> Iterator[Path]:
    """Local files under a fresh MEDIA_ROOT; yields that root."""
    with override_settings(
        MEDIA_ROOT=tmp_path,
        STORAGES=storages_with(storage_setting(cloudinary_url="")),
    ):
        yield tmp_path


@pytest.fixture
def emulator() -> Iterator[CloudinaryEmulator]:
    with CloudinaryEmulator(cloud_name="demo-cloud") as running:
        yield running


def cloudinary_storages(emulator: CloudinaryEmulator, *, cloudinary_url: str | None = None) -> dict:
    """STORAGES pointing the default storage at `emulator` (optionally with other
    credentials), the way the environment variables would."""
    return storages_with(
        storage_setting(
            cloudinary_url=cloudinary_url or emulator.cloudinary_url,
            api_base=emulator.url,
            delivery_url=emulator.url,
        )
    )


@pytest.fixture
def cloudinary_media(emulator: CloudinaryEmulator) -> Iterator[CloudinaryEmulator]:
    """The default storage is Cloudinary, played by `emulator`."""
    with override_settings(STORAGES=cloudinary_storages(emulator)):
        yield emulator
