"""What each shop role may do in its shop's dashboard and API: the table of docs/permissions.md.

Every dashboard view and shop API endpoint checks one `ShopAction` through
`check_shop_action` (directly or via `tenants.selectors.access_shop_action`); the team
services check again, together with the rules that depend on whom an action targets
(a manager never touches an owner, the last owner stays).
"""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import PermissionDenied

from marketplace.errors import ApplicationError
from tenants.models import Membership, Shop

OWNER = Membership.Role.OWNER
MANAGER = Membership.Role.MANAGER
STAFF = Membership.Role.STAFF
EVERY_ROLE = frozenset({OWNER, MANAGER, STAFF})


class ShopAction(StrEnum):
    VIEW_DASHBOARD = "view_dashboard"
    MANAGE_PRODUCTS = "manage_products"  # create and edit products
    ADJUST_STOCK = "adjust_stock"
    VIEW_TEAM = "view_team"
    VIEW_INVITATIONS = "view_invitations"
    INVITE_MEMBERS = "invite_members"  # as manager or staff
    INVITE_OWNERS = "invite_owners"
    REVOKE_INVITATIONS = "revoke_invitations"
    CHANGE_ROLES = "change_roles"  # of managers and staff, never to owner
    MANAGE_OWNERS = "manage_owners"  # make someone owner, demote or remove an owner
    REMOVE_MEMBERS = "remove_members"  # managers and staff
    LEAVE_SHOP = "leave_shop"
    EDIT_SHOP_PROFILE = "edit_shop_profile"
    DELETE_SHOP = "delete_shop"  # not built yet; listed so the table is complete
    MANAGE_DISCOUNTS = "manage_discounts"  # create, edit and delete discounts


ROLES_FOR: dict[ShopAction, frozenset[str]] = {
    ShopAction.VIEW_DASHBOARD: EVERY_ROLE,
    ShopAction.MANAGE_PRODUCTS: EVERY_ROLE,
    ShopAction.ADJUST_STOCK: EVERY_ROLE,
    ShopAction.VIEW_TEAM: EVERY_ROLE,
    ShopAction.VIEW_INVITATIONS: frozenset({OWNER, MANAGER}),
    ShopAction.INVITE_MEMBERS: frozenset({OWNER, MANAGER}),
    ShopAction.INVITE_OWNERS: frozenset({OWNER}),
    ShopAction.REVOKE_INVITATIONS: frozenset({OWNER, MANAGER}),
    ShopAction.CHANGE_ROLES: frozenset({OWNER, MANAGER}),
    ShopAction.MANAGE_OWNERS: frozenset({OWNER}),
    ShopAction.REMOVE_MEMBERS: frozenset({OWNER, MANAGER}),
    ShopAction.LEAVE_SHOP: EVERY_ROLE,
    ShopAction.EDIT_SHOP_PROFILE: frozenset({OWNER, MANAGER}),
    ShopAction.DELETE_SHOP: frozenset({OWNER}),
    # Discounts cut the shop's revenue, like its profile and team they are for managers up.
    ShopAction.MANAGE_DISCOUNTS: frozenset({OWNER, MANAGER}),
}

# Actions that only read. Everything else changes the shop, so a suspended shop refuses it.
READ_ACTIONS = frozenset(
    {ShopAction.VIEW_DASHBOARD, ShopAction.VIEW_TEAM, ShopAction.VIEW_INVITATIONS}
)


def role_may(*, role: str, action: ShopAction) -> bool:
    return role in ROLES_FOR[action]


def check_shop_action(*, membership: Membership, shop: Shop, action: ShopAction) -> None:
    """Raise ApplicationError (403) unless `membership` may do `action` in `shop` now.

    `shop` is passed separately so the caller's freshest copy (e.g. the row the routing
    middleware loaded for this request) decides whether the shop is suspended.
    """
    if membership.shop_id != shop.id:
        # Callers pass the membership of this shop; anything else is a bug, never a grant.
        raise PermissionDenied("You don't work for this shop.")
    if not role_may(role=membership.role, action=action):
        raise ApplicationError(
            f"Your role ({membership.get_role_display().lower()}) doesn't allow this in "
            f"{shop.name}. Ask an owner if you need it.",
            code="role_not_allowed",
            status=403,
        )
    if shop.is_suspended and action not in READ_ACTIONS:
        raise shop_suspended_error(shop)


def shop_suspended_error(shop: Shop) -> ApplicationError:
    return ApplicationError(
        f"{shop.name} is suspended by the platform, so its dashboard is read-only. "
        "Nothing was changed.",
        code="shop_suspended",
        status=403,
    )


def permissions_for(*, membership: Membership, shop: Shop) -> dict[str, bool]:
    """Which actions the member may do now, keyed by action value (templates hide the rest)."""
    allowed = {}
    for action in ShopAction:
        allowed[action.value] = role_may(role=membership.role, action=action) and (
            action in READ_ACTIONS or not shop.is_suspended
        )
    return allowed
