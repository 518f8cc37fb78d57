"""docs/permissions.md, row by row: every dashboard route for every kind of person.

Each row is one dashboard action with the status owner, manager and staff of the shop
get. Everyone else (another shop's owner, a shopper, a platform admin without a
membership) gets 403 and anonymous visitors the sign-in redirect, on every row. A
refused request changes nothing; so does any write while the shop is suspended.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django_tenants.utils import tenant_context

from sellers.catalog.models import Product, StockMovement, Variant
from tenants.models import Invitation, Membership, Shop
from tenants.permissions import READ_ACTIONS, ROLES_FOR, ShopAction
from tenants.services import shop_suspend
from tests.factories import UserFactory, add_member, make_product

pytestmark = pytest.mark.django_db

SHOP = "/sell/alpha-goods"
# The product editor's form (sellers.product_forms.ProductEditor): one variant row.
PRODUCT = {
    "title": "Row lamp",
    "slug": "",
    "description": "",
    "status": "draft",
    "category": "",
    "option_names_0": "",
    "option_names_1": "",
    "option_names_2": "",
    "attributes-TOTAL_FORMS": "0",
    "attributes-INITIAL_FORMS": "0",
    "variants-TOTAL_FORMS": "1",
    "variants-INITIAL_FORMS": "0",
    "variants-0-sku": "ROW-LAMP",
    "variants-0-price": "5.00",
    "variants-0-stock": "1",
    "variants-0-track_inventory": "on",
    "variants-0-low_stock_threshold": "5",
}
# The same form for the row target product, renamed; {t...} is filled from the Targets.
PRODUCT_EDIT = {
    **PRODUCT,
    "title": "Row target renamed",
    "variants-INITIAL_FORMS": "1",
    "variants-0-id": "{t.variant.id}",
    "variants-0-stock_was": "1",
    "variants-0-sku": "ROW-TARGET",
}
PRODUCTS = SHOP + "/products/{t.product.id}"
PROFILE = {"name": "Alpha Goods Renamed", "description": "", "support_email": "a@x.test",
           "country": "DE"}  # fmt: skip


@dataclass(frozen=True)
class Targets:
    """People and invitations the rows act on, made for each test (rolled back after)."""

    second_owner: Membership
    second_staff: Membership
    staff_invitation: Invitation
    owner_invitation: Invitation
    product: Product
    variant: Variant


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    path: str  # formatted with the Targets
    data: dict[str, str] | None
    owner: int
    manager: int
    staff: int

    def url(self, targets: Targets) -> str:
        return self.path.format(t=targets)

    def form(self, targets: Targets) -> dict[str, str] | None:
        if self.data is None:
            return None
        return {key: value.format(t=targets) for key, value in self.data.items()}


ROWS = [
    Row("view dashboard", "get", SHOP + "/", None, 200, 200, 200),
    Row("open the new product form", "get", SHOP + "/products/new/", None, 200, 200, 200),
    Row("create products", "post", SHOP + "/products/new/", PRODUCT, 302, 302, 302),
    Row("view a product", "get", PRODUCTS + "/", None, 200, 200, 200),
    Row("edit a product", "post", PRODUCTS + "/", PRODUCT_EDIT, 302, 302, 302),
    Row("publish products", "post", SHOP + "/products/bulk/",
        {"action": "publish", "product": "{t.product.id}"}, 302, 302, 302),
    Row("delete products", "post", SHOP + "/products/bulk/",
        {"action": "delete", "confirm": "on", "product": "{t.product.id}"}, 302, 302, 302),
    Row("view a product's stock", "get", PRODUCTS + "/stock/", None, 200, 200, 200),
    Row("adjust stock", "post", PRODUCTS + "/stock/",
        {"variant": "{t.variant.id}", "mode": "change", "quantity": "4", "reason": "restock"},
        302, 302, 302),
    Row("view low stock", "get", SHOP + "/stock/low/", None, 200, 200, 200),
    Row("adjust stock from the low-stock list", "post", SHOP + "/stock/low/",
        {"variant": "{t.variant.id}", "delta": "4", "reason": "restock"}, 302, 302, 302),
    Row("view team", "get", SHOP + "/team/", None, 200, 200, 200),
    Row("view shop profile", "get", SHOP + "/profile/", None, 200, 200, 200),
    Row("edit shop profile", "post", SHOP + "/profile/", PROFILE, 302, 302, 403),
    Row("view invitations", "get", SHOP + "/invitations/", None, 200, 200, 403),
    Row("invite staff", "post", SHOP + "/invitations/",
        {"email": "row@example.test", "role": "staff"}, 302, 302, 403),
    Row("invite managers", "post", SHOP + "/invitations/",
        {"email": "row@example.test", "role": "manager"}, 302, 302, 403),
    # A manager's form doesn't offer "owner": a forged choice is a form error (422).
    Row("invite owners", "post", SHOP + "/invitations/",
        {"email": "row@example.test", "role": "owner"}, 302, 422, 403),
    Row("revoke staff invitations", "post",
        SHOP + "/invitations/{t.staff_invitation.id}/revoke/", {}, 302, 302, 403),
    Row("revoke owner invitations", "post",
        SHOP + "/invitations/{t.owner_invitation.id}/revoke/", {}, 302, 403, 403),
    Row("change roles (staff to manager)", "post",
        SHOP + "/team/{t.second_staff.id}/role/", {"role": "manager"}, 302, 302, 403),
    Row("make someone owner", "post",
        SHOP + "/team/{t.second_staff.id}/role/", {"role": "owner"}, 302, 403, 403),
    Row("demote an owner", "post",
        SHOP + "/team/{t.second_owner.id}/role/", {"role": "staff"}, 302, 403, 403),
    Row("remove staff", "post", SHOP + "/team/{t.second_staff.id}/remove/", {}, 302, 302, 403),
    Row("remove an owner", "post", SHOP + "/team/{t.second_owner.id}/remove/", {}, 302, 403, 403),
    Row("leave the shop", "post", SHOP + "/team/leave/", {}, 302, 302, 302),
]  # fmt: skip
ROLES = ["owner", "manager", "staff"]


@pytest.fixture
def targets(world) -> Targets:
    second_owner = add_member(shop=world.shop_a, role="owner")
    second_staff = add_member(shop=world.shop_a, role="staff")
    invitation = {"shop": world.shop_a, "invited_by": world.owner_a}
    product = make_product(shop=world.shop_a, title="Row target", status="draft", stock=1)
    with tenant_context(world.shop_a):
        variant = product.variants.get()
    return Targets(
        second_owner=Membership.objects.get(user=second_owner),
        second_staff=Membership.objects.get(user=second_staff),
        staff_invitation=_invitation(email="open-staff@example.test", role="staff", **invitation),
        owner_invitation=_invitation(email="open-owner@example.test", role="owner", **invitation),
        product=product,
        variant=variant,
    )


def _invitation(**fields) -> Invitation:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from django.utils import timezone

    return Invitation.objects.create(
        token_hash=fields["email"].ljust(64, "0")[:64],
        expires_at=timezone.now() + timedelta(days=7),
        **fields,
    )


def snapshot(world) -> tuple[object, ...]:  # type: ignore[no-untyped-def]
    shop = Shop.objects.get(id=world.shop_a.id)
    with tenant_context(world.shop_a):
        products = sorted(Product.objects.values_list("title", "status"))
        variants = sorted(Variant.objects.values_list("sku", "stock", "price"))
        movements = StockMovement.objects.count()
    return (
        sorted(Membership.objects.filter(shop=world.shop_a).values_list("id", "role")),
        sorted(Invitation.objects.values_list("email", "role", "revoked_at")),
        (shop.name, shop.support_email, shop.country, shop.status),
        products,
        variants,
        movements,
    )


def person(world, who: str):  # type: ignore[no-untyped-def]
    return {"owner": world.owner_a, "manager": world.manager_a, "staff": world.staff_a}[who]


def send(client, row: Row, targets: Targets):  # type: ignore[no-untyped-def]
    if row.method == "get":
        return client.get(row.url(targets))
    return client.post(row.url(targets), row.form(targets))


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
@pytest.mark.parametrize("who", ROLES)
def test_each_role_gets_what_the_table_says(world, as_user, targets, row, who):
    expected = getattr(row, who)
    before = snapshot(world)

    response = send(as_user(person(world, who)), row, targets)

    assert response.status_code == expected
    if expected == 403:
        assert response.templates[0].name == "sellers/denied.html"
        assert response.context["error"].code == "role_not_allowed"
        assert (
            "allow this in Alpha Goods. Ask an owner if you need it." in response.content.decode()
        )
    if expected >= 400 or row.method == "get":
        assert snapshot(world) == before
    else:
        assert snapshot(world) != before


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
@pytest.mark.parametrize("who", ["owner_b", "shopper", "platform_admin", "anonymous"])
def test_nobody_outside_the_shop_gets_any_row(world, as_user, targets, row, who):
    user = {
        "owner_b": world.owner_b,
        "shopper": world.shopper,
        "platform_admin": UserFactory(is_staff=True, is_superuser=True),
        "anonymous": None,
    }[who]
    before = snapshot(world)

    response = send(as_user(user), row, targets)

    if user is None:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=/sell/alpha-goods/")
    else:
        assert response.status_code == 403
        assert response.templates[0].name == "403.html"
    assert snapshot(world) == before


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
@pytest.mark.parametrize("who", ROLES)
def test_a_suspended_shop_is_read_only_for_everyone_in_it(world, as_user, targets, row, who):
    shop_suspend(
        shop=world.shop_a, reason="Counterfeit goods reported", by=UserFactory(is_staff=True)
    )
    before = snapshot(world)
    expected = getattr(row, who)

    response = send(as_user(person(world, who)), row, targets)

    body = response.content.decode()
    if row.method == "get":
        assert response.status_code == expected
        if expected == 200:
            assert "This shop is suspended by the platform." in body
            assert "Counterfeit goods reported" in body
    else:
        assert response.status_code == 403
        if expected != 403:  # what the role could do, the suspension forbids
            assert response.context["error"].code == "shop_suspended"
            assert (
                "Alpha Goods is suspended by the platform, so its dashboard is read-only." in body
            )
    assert snapshot(world) == before


def test_the_table_in_code_matches_the_rows_tested_here():
    """Keep docs/permissions.md, tenants.permissions and these rows in step."""
    assert {
        ShopAction.VIEW_DASHBOARD: {"owner", "manager", "staff"},
        ShopAction.MANAGE_PRODUCTS: {"owner", "manager", "staff"},
        ShopAction.ADJUST_STOCK: {"owner", "manager", "staff"},
        ShopAction.VIEW_TEAM: {"owner", "manager", "staff"},
        ShopAction.VIEW_INVITATIONS: {"owner", "manager"},
        ShopAction.INVITE_MEMBERS: {"owner", "manager"},
        ShopAction.INVITE_OWNERS: {"owner"},
        ShopAction.REVOKE_INVITATIONS: {"owner", "manager"},
        ShopAction.CHANGE_ROLES: {"owner", "manager"},
        ShopAction.MANAGE_OWNERS: {"owner"},
        ShopAction.REMOVE_MEMBERS: {"owner", "manager"},
        ShopAction.LEAVE_SHOP: {"owner", "manager", "staff"},
        ShopAction.EDIT_SHOP_PROFILE: {"owner", "manager"},
        ShopAction.DELETE_SHOP: {"owner"},
        ShopAction.MANAGE_DISCOUNTS: {"owner", "manager"},
    } == ROLES_FOR
    assert {
        ShopAction.VIEW_DASHBOARD,
        ShopAction.VIEW_TEAM,
        ShopAction.VIEW_INVITATIONS,
    } == READ_ACTIONS


def test_the_last_owner_leaving_is_a_conflict_not_a_permission_problem(world, as_user):
    before = snapshot(world)

    response = as_user(world.owner_a).post(SHOP + "/team/leave/")

    assert response.status_code == 409
    assert response.templates[0].name == "sellers/team.html"
    assert "Alpha Goods needs at least one owner." in response.content.decode()
    assert snapshot(world) == before
