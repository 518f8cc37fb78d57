"""Guards added in review: cross-shop memberships. (Phone-camera JPEGs: tests/media.)"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from tenants.models import Membership
from tenants.permissions import ShopAction, check_shop_action

pytestmark = pytest.mark.django_db


def test_a_membership_of_another_shop_never_grants_an_action(world):
    owner_of_a = Membership.objects.get(shop=world.shop_a, user=world.owner_a)

    with pytest.raises(PermissionDenied):
        check_shop_action(
            membership=owner_of_a, shop=world.shop_b, action=ShopAction.VIEW_DASHBOARD
        )
