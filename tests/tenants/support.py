"""Helpers for shop tests (imported by tests/tenants, tests/sellers and tests/platform)."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from marketplace.accounts.models import User
from tests.factories import UserFactory


def verified_user(**fields: object) -> User:
    """A user whose email address is verified, so they may open shops."""
    return UserFactory(email_verified_at=timezone.now(), **fields)


def image_bytes(
    image_format: str = "PNG", *, size: tuple[int, int] = (64, 48), exif: bytes | None = None
) -> bytes:
    image = Image.new("RGB", size, (200, 80, 40))
    buffer = io.BytesIO()
    options = {"exif": exif} if exif else {}
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def upload(
    content: bytes, name: str = "logo.png", content_type: str = "image/png"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)
