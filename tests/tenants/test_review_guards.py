"""Guards added in review: cross-shop memberships and phone-camera JPEGs."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tenants.images import image_prepare
from tenants.models import Membership
from tenants.permissions import ShopAction, check_shop_action

pytestmark = pytest.mark.django_db


def test_a_membership_of_another_shop_never_grants_an_action(world):
    owner_of_a = Membership.objects.get(shop=world.shop_a, user=world.owner_a)

    with pytest.raises(PermissionDenied):
        check_shop_action(
            membership=owner_of_a, shop=world.shop_b, action=ShopAction.VIEW_DASHBOARD
        )


def test_a_multi_picture_jpeg_is_stored_as_jpeg():
    buffer = io.BytesIO()
    first, second = Image.new("RGB", (40, 30), "red"), Image.new("RGB", (40, 30), "blue")
    first.save(buffer, format="MPO", save_all=True, append_images=[second])
    upload = SimpleUploadedFile("phone.jpg", buffer.getvalue(), content_type="image/jpeg")

    prepared = image_prepare(upload=upload, size=upload.size, field="logo")

    assert prepared.extension == "jpg"
    assert Image.open(io.BytesIO(prepared.content)).format == "JPEG"
