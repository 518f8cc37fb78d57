"""Shop endpoints: opening a shop, its profile, its team and invitations, suspension.

The same services as the HTML dashboard, with the same permission table
(docs/permissions.md): non-members get 403 `permission_denied`, members whose role
doesn't allow an action 403 `role_not_allowed`, writes to a suspended shop 403
`shop_suspended`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import File, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from marketplace.api.auth import authenticated
from marketplace.api.pagination import PageNumber
from marketplace.api.schemas import InputSchema
from tenants.models import Invitation, Membership, Shop
from tenants.permissions import ShopAction
from tenants.selectors import (
    access_shop_action,
    invitations_open,
    members_of_shop,
    memberships_of,
)
from tenants.services import shop_open, shop_profile_update, shop_reinstate, shop_suspend
from tenants.team import (
    invitation_accept,
    invitation_create,
    invitation_revoke,
    membership_change_role,
    membership_remove,
)

router = Router(tags=["shops"])


# --- schemas ------------------------------------------------------------------------------


class ShopIn(InputSchema):
    name: str
    slug: str
    country: str
    support_email: str
    description: str = ""


class ShopProfileIn(InputSchema):
    """Only the fields sent change. The slug can't change (it names the shop's schema).
    Amounts are in the marketplace currency and include tax; `free_shipping_threshold`
    null means shipping is never free; `tax_rate` is a percentage (0–100)."""

    name: str | None = None
    description: str | None = None
    support_email: str | None = None
    country: str | None = None
    shipping_policy: str | None = None
    returns_policy: str | None = None
    shipping_flat_rate: Decimal | None = None
    free_shipping_threshold: Decimal | None = None
    tax_rate: Decimal | None = None


class ShopOut(Schema):
    slug: str
    name: str
    description: str
    support_email: str
    country: str
    logo_url: str | None
    banner_url: str | None
    shipping_policy: str
    returns_policy: str
    shipping_flat_rate: str
    free_shipping_threshold: str | None
    tax_rate: str
    currency: str
    status: str
    created_at: datetime

    @staticmethod
    def resolve_logo_url(shop: Shop, context: dict[str, Any]) -> str | None:
        if not shop.logo:
            return None
        return context["request"].build_absolute_uri(shop.logo.url)

    @staticmethod
    def resolve_banner_url(shop: Shop, context: dict[str, Any]) -> str | None:
        if not shop.banner:
            return None
        return context["request"].build_absolute_uri(shop.banner.url)

    # Amounts as strings with two decimals ("4.90"): exact, and the same however the
    # value was set.
    @staticmethod
    def resolve_shipping_flat_rate(shop: Shop) -> str:
        return f"{shop.shipping_flat_rate:.2f}"

    @staticmethod
    def resolve_free_shipping_threshold(shop: Shop) -> str | None:
        threshold = shop.free_shipping_threshold
        return None if threshold is None else f"{threshold:.2f}"

    @staticmethod
    def resolve_tax_rate(shop: Shop) -> str:
        return f"{shop.tax_rate:.2f}"

    @staticmethod
    def resolve_currency(shop: Shop) -> str:
        return settings.MARKETPLACE_CURRENCY


class MyShopOut(Schema):
    membership_id: int
    role: str
    shop: ShopOut

    @staticmethod
    def resolve_membership_id(membership: Membership) -> int:
        return membership.id


class MemberOut(Schema):
    id: int
    email: str
    name: str
    role: str
    joined_at: datetime

    @staticmethod
    def resolve_email(membership: Membership) -> str:
        return membership.user.email

    @staticmethod
    def resolve_name(membership: Membership) -> str:
        return membership.user.name

    @staticmethod
    def resolve_joined_at(membership: Membership) -> datetime:
        return membership.created_at


class RoleIn(InputSchema):
    role: str


class InvitationIn(InputSchema):
    email: str
    role: str


class InvitationOut(Schema):
    id: int
    email: str
    role: str
    invited_by: str | None
    created_at: datetime
    expires_at: datetime

    @staticmethod
    def resolve_invited_by(invitation: Invitation) -> str | None:
        return invitation.invited_by.email if invitation.invited_by else None


class AcceptIn(InputSchema):
    token: str


class SuspendIn(InputSchema):
    reason: str


# --- helpers ------------------------------------------------------------------------------


def _shop(request: HttpRequest) -> Shop:
    # The routing middleware loaded the shop of /api/v1/shops/<slug>/ (404 if unknown).
    shop = getattr(request, "shop", None)
    if shop is None:
        raise Http404("No such shop")
    return shop


def _member(request: HttpRequest, action: ShopAction) -> Membership:
    return access_shop_action(user=request.user, shop=_shop(request), action=action)  # type: ignore[arg-type]


# --- shops --------------------------------------------------------------------------------


@router.post("/shops", response={201: ShopOut}, auth=authenticated)
def shop_create_endpoint(request: HttpRequest, payload: ShopIn) -> Status:
    """Open a shop; the caller becomes its owner. Needs a verified email address
    (403 `email_not_verified`); a taken address is 409 `slug_taken`."""
    shop = shop_open(opener=request.user, **payload.dict())  # type: ignore[arg-type]
    return Status(201, shop)


@router.get("/me/shops", response=list[MyShopOut], auth=authenticated)
@paginate(PageNumber)
def my_shops(request: HttpRequest) -> QuerySet[Membership]:
    """The shops the caller works for, with their role in each."""
    return memberships_of(user=request.user)  # type: ignore[arg-type]


@router.get("/shops/{shop_slug}", response=ShopOut)
def shop_detail(request: HttpRequest, shop_slug: str) -> Shop:
    return _shop(request)


@router.patch("/shops/{shop_slug}", response=ShopOut, auth=authenticated)
def shop_update(request: HttpRequest, shop_slug: str, payload: ShopProfileIn) -> Shop:
    """Owners and managers change the shop's profile. Every faulty field is reported at
    once (400 with a `{"field", "message"}` list) and nothing changes."""
    member = _member(request, ShopAction.EDIT_SHOP_PROFILE)
    changes = payload.dict(exclude_unset=True)
    if "free_shipping_threshold" in changes and changes["free_shipping_threshold"] is None:
        # null clears the threshold (shipping is never free); other nulls change nothing.
        changes["free_shipping_threshold"] = ""
    return shop_profile_update(actor=member, shop=_shop(request), **changes)


@router.post("/shops/{shop_slug}/logo", response=ShopOut, auth=authenticated)
def shop_logo_upload(request: HttpRequest, shop_slug: str, logo: File[UploadedFile]) -> Shop:
    """Replace the logo (multipart field `logo`: JPEG, PNG or WebP, ≤ 10 MB, ≤ 40
    megapixels; shown square)."""
    member = _member(request, ShopAction.EDIT_SHOP_PROFILE)
    return shop_profile_update(actor=member, shop=_shop(request), logo=logo)


@router.delete("/shops/{shop_slug}/logo", response=ShopOut, auth=authenticated)
def shop_logo_delete(request: HttpRequest, shop_slug: str) -> Shop:
    member = _member(request, ShopAction.EDIT_SHOP_PROFILE)
    return shop_profile_update(actor=member, shop=_shop(request), remove_logo=True)


@router.post("/shops/{shop_slug}/banner", response=ShopOut, auth=authenticated)
def shop_banner_upload(request: HttpRequest, shop_slug: str, banner: File[UploadedFile]) -> Shop:
    """Replace the banner across the top of the shop page (multipart field `banner`: JPEG,
    PNG or WebP, ≤ 10 MB, ≤ 40 megapixels; shown wide, about 4:1)."""
    member = _member(request, ShopAction.EDIT_SHOP_PROFILE)
    return shop_profile_update(actor=member, shop=_shop(request), banner=banner)


@router.delete("/shops/{shop_slug}/banner", response=ShopOut, auth=authenticated)
def shop_banner_delete(request: HttpRequest, shop_slug: str) -> Shop:
    member = _member(request, ShopAction.EDIT_SHOP_PROFILE)
    return shop_profile_update(actor=member, shop=_shop(request), remove_banner=True)


# --- members ------------------------------------------------------------------------------


@router.get("/shops/{shop_slug}/members", response=list[MemberOut], auth=authenticated)
@paginate(PageNumber)
def members(request: HttpRequest, shop_slug: str) -> QuerySet[Membership]:
    """Everyone working for the shop, owners first. Any member may list them."""
    _member(request, ShopAction.VIEW_TEAM)
    return members_of_shop(shop=_shop(request))


@router.patch("/shops/{shop_slug}/members/{membership_id}", response=MemberOut, auth=authenticated)
def member_change_role(
    request: HttpRequest, shop_slug: str, membership_id: int, payload: RoleIn
) -> Membership:
    """Owners change anyone's role; managers change managers and staff, never to owner.
    The last owner keeps the role (409 `last_owner`)."""
    actor = _member(request, ShopAction.CHANGE_ROLES)
    return membership_change_role(
        actor=actor, shop=_shop(request), membership_id=membership_id, role=payload.role
    )


@router.delete(
    "/shops/{shop_slug}/members/{membership_id}", response={204: None}, auth=authenticated
)
def member_remove(request: HttpRequest, shop_slug: str, membership_id: int) -> Status:
    """Remove a member; your own membership id means leaving the shop. The last owner
    can't go (409 `last_owner`)."""
    actor = _member(request, ShopAction.VIEW_TEAM)
    membership_remove(actor=actor, shop=_shop(request), membership_id=membership_id)
    return Status(204, None)


# --- invitations --------------------------------------------------------------------------


@router.get("/shops/{shop_slug}/invitations", response=list[InvitationOut], auth=authenticated)
@paginate(PageNumber)
def invitations(request: HttpRequest, shop_slug: str) -> QuerySet[Invitation]:
    """Open invitations (not accepted, revoked or expired), newest first."""
    _member(request, ShopAction.VIEW_INVITATIONS)
    return invitations_open(shop=_shop(request))


@router.post("/shops/{shop_slug}/invitations", response={201: InvitationOut}, auth=authenticated)
def invitation_create_endpoint(
    request: HttpRequest, shop_slug: str, payload: InvitationIn
) -> Status:
    """Email someone a one-time link, valid 7 days, to join with `role`. Only owners
    invite owners."""
    actor = _member(request, ShopAction.INVITE_MEMBERS)
    invitation = invitation_create(
        actor=actor, shop=_shop(request), email=payload.email, role=payload.role
    )
    return Status(201, invitation)


@router.delete(
    "/shops/{shop_slug}/invitations/{invitation_id}", response={204: None}, auth=authenticated
)
def invitation_revoke_endpoint(request: HttpRequest, shop_slug: str, invitation_id: int) -> Status:
    actor = _member(request, ShopAction.REVOKE_INVITATIONS)
    invitation_revoke(actor=actor, shop=_shop(request), invitation_id=invitation_id)
    return Status(204, None)


@router.post("/invitations/accept", response={201: MyShopOut}, auth=authenticated)
def invitation_accept_endpoint(request: HttpRequest, payload: AcceptIn) -> Status:
    """Join a shop with the token from an invitation email. The caller's email must be
    the invited address (403 `invitation_email_mismatch`); a used, withdrawn or expired
    invitation is 410."""
    membership = invitation_accept(token=payload.token, user=request.user)  # type: ignore[arg-type]
    return Status(201, membership)


# --- platform admins ----------------------------------------------------------------------


@router.post("/shops/{shop_slug}/suspension", response=ShopOut, auth=authenticated)
def shop_suspend_endpoint(request: HttpRequest, shop_slug: str, payload: SuspendIn) -> Shop:
    """Platform admins: suspend the shop (storefront hidden, dashboard read-only)."""
    return shop_suspend(shop=_shop(request), reason=payload.reason, by=request.user)  # type: ignore[arg-type]


@router.delete("/shops/{shop_slug}/suspension", response=ShopOut, auth=authenticated)
def shop_reinstate_endpoint(request: HttpRequest, shop_slug: str) -> Shop:
    """Platform admins: lift the suspension."""
    return shop_reinstate(shop=_shop(request), by=request.user)  # type: ignore[arg-type]
