"""Reading shops and memberships."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from marketplace.accounts.models import User
from tenants.models import Membership, Shop


def shop_get_by_slug(*, slug: str) -> Shop | None:
    return Shop.objects.filter(slug=slug).first()


def memberships_of(*, user: User | AnonymousUser) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("shop").order_by("shop__name")


def access_shop_membership(
    *, user: User | AnonymousUser, shop: Shop, roles: tuple[str, ...] | None = None
) -> Membership:
    """The user's membership of `shop`; PermissionDenied if none or its role is not in `roles`."""
    if not user.is_authenticated:
        raise PermissionDenied("Sign in to manage a shop.")
    membership = Membership.objects.filter(user=user, shop=shop).first()
    if membership is None or (roles is not None and membership.role not in roles):
        raise PermissionDenied("You don't work for this shop.")
    return membership
