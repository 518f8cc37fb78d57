"""Reading shops, memberships and invitations."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from marketplace.accounts.models import User
from tenants.models import Invitation, Membership, Shop
from tenants.permissions import ShopAction, check_shop_action, permissions_for
from tenants.team import invitation_token_hash


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


def access_shop_action(*, user: User | AnonymousUser, shop: Shop, action: ShopAction) -> Membership:
    """The user's membership of `shop` if it allows `action` now.

    PermissionDenied for people who don't work for the shop; ApplicationError (403,
    code role_not_allowed or shop_suspended) for members who may not do it.
    """
    membership = access_shop_membership(user=user, shop=shop)
    check_shop_action(membership=membership, shop=shop, action=action)
    return membership


@dataclass(frozen=True)
class DashboardAccess:
    """What a dashboard page needs about its viewer: their membership of this shop, every
    shop they work for (the shop switcher) and what they may do here now."""

    membership: Membership
    memberships: list[Membership]
    can: dict[str, bool]


def access_dashboard(*, user: User | AnonymousUser, shop: Shop) -> DashboardAccess:
    """PermissionDenied unless the user works for `shop`; one query for all of it."""
    if not user.is_authenticated:
        raise PermissionDenied("Sign in to manage a shop.")
    memberships = list(memberships_of(user=user))
    membership = next((each for each in memberships if each.shop_id == shop.id), None)
    if membership is None:
        raise PermissionDenied("You don't work for this shop.")
    return DashboardAccess(
        membership=membership,
        memberships=memberships,
        can=permissions_for(membership=membership, shop=shop),
    )


def members_of_shop(*, shop: Shop) -> QuerySet[Membership]:
    """Owners first, then managers, then staff; by email within a role."""
    rank = Case(
        When(role=Membership.Role.OWNER, then=Value(0)),
        When(role=Membership.Role.MANAGER, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        Membership.objects.filter(shop=shop)
        .select_related("user")
        .annotate(role_rank=rank)
        .order_by("role_rank", "user__email", "id")
    )


def invitations_open(*, shop: Shop) -> QuerySet[Invitation]:
    """Invitations of `shop` that can still be accepted, newest first."""
    return (
        Invitation.objects.filter(
            shop=shop,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .select_related("invited_by")
        .order_by("-created_at", "-id")
    )


def invitation_get_by_token(*, token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("shop")
        .filter(token_hash=invitation_token_hash(token))
        .first()
    )


def shops_for_platform(*, query: str = "", status: str | None = None) -> QuerySet[Shop]:
    """Every shop for platform admins, with its owners, newest first; searchable by name,
    address or owner email."""
    shops = Shop.objects.all()
    query = query.strip()
    if query:
        shops = shops.filter(
            Q(name__icontains=query)
            | Q(slug__icontains=query)
            | Q(
                memberships__role=Membership.Role.OWNER,
                memberships__user__email__icontains=query,
            )
        ).distinct()
    if status:
        shops = shops.filter(status=status)
    owners = Membership.objects.filter(role=Membership.Role.OWNER).select_related("user")
    return shops.prefetch_related(
        Prefetch("memberships", queryset=owners.order_by("id"), to_attr="owner_memberships")
    ).order_by("-created_at", "-id")
