"""The shop API: profile, members, invitations, suspension — the same table as the dashboard."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.events.models import OutboxEvent
from tenants.models import Invitation, Membership, Shop
from tenants.services import shop_suspend
from tests.factories import UserFactory, add_member
from tests.tenants.support import image_bytes, upload

pytestmark = pytest.mark.django_db

API = "/api/v1/shops/alpha-goods"


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    path: str
    body: dict[str, str] | None
    owner: int
    manager: int
    staff: int


ROWS = [
    Row("list members", "get", "/members", None, 200, 200, 200),
    Row("change a role", "patch", "/members/{staff}", {"role": "manager"}, 200, 200, 403),
    Row("make an owner", "patch", "/members/{staff}", {"role": "owner"}, 200, 403, 403),
    Row("demote an owner", "patch", "/members/{owner}", {"role": "staff"}, 200, 403, 403),
    Row("remove staff", "delete", "/members/{staff}", None, 204, 204, 403),
    Row("remove an owner", "delete", "/members/{owner}", None, 204, 403, 403),
    Row("list invitations", "get", "/invitations", None, 200, 200, 403),
    Row("invite staff", "post", "/invitations", {"email": "x@example.test", "role": "staff"},
        201, 201, 403),
    Row("invite an owner", "post", "/invitations", {"email": "x@example.test", "role": "owner"},
        201, 403, 403),
    Row("revoke an invitation", "delete", "/invitations/{invitation}", None, 204, 204, 403),
    Row("edit the profile", "patch", "", {"name": "Renamed"}, 200, 200, 403),
]  # fmt: skip


@pytest.fixture
def ids(world) -> dict[str, int]:
    """A second owner and a second staff member to act on, and an open invitation."""
    owner = add_member(shop=world.shop_a, role="owner")
    staff = add_member(shop=world.shop_a, role="staff")
    invitation = Invitation.objects.create(
        shop=world.shop_a,
        email="open@example.test",
        role="staff",
        token_hash="f" * 64,
        expires_at=timezone.now() + timedelta(days=7),
    )
    return {
        "owner": Membership.objects.get(user=owner).id,
        "staff": Membership.objects.get(user=staff).id,
        "invitation": invitation.id,
    }


def call(client, row: Row, ids: dict[str, int]):  # type: ignore[no-untyped-def]
    path = API + row.path.format(**ids)
    if row.body is None:
        return getattr(client, row.method)(path)
    return getattr(client, row.method)(path, json.dumps(row.body), content_type="application/json")


def snapshot(world) -> tuple[object, ...]:  # type: ignore[no-untyped-def]
    return (
        sorted(Membership.objects.filter(shop=world.shop_a).values_list("id", "role")),
        sorted(Invitation.objects.values_list("email", "role", "revoked_at")),
        Shop.objects.filter(id=world.shop_a.id).values_list("name", "status").get(),
    )


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
@pytest.mark.parametrize("who", ["owner", "manager", "staff"])
def test_each_role_gets_what_the_table_says(world, as_user, ids, row, who):
    user = {"owner": world.owner_a, "manager": world.manager_a, "staff": world.staff_a}[who]
    expected = getattr(row, who)
    before = snapshot(world)

    response = call(as_user(user), row, ids)

    assert response.status_code == expected
    if expected == 403:
        assert response.json()["code"] == "role_not_allowed"
    if expected >= 400 or row.method == "get":
        assert snapshot(world) == before


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
@pytest.mark.parametrize("who", ["owner_b", "shopper", "platform_admin", "anonymous"])
def test_nobody_outside_the_shop_gets_any_row(world, as_user, ids, row, who):
    user = {
        "owner_b": world.owner_b,
        "shopper": world.shopper,
        "platform_admin": UserFactory(is_staff=True),
        "anonymous": None,
    }[who]
    before = snapshot(world)

    response = call(as_user(user), row, ids)

    if user is None:
        assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")
    else:
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert snapshot(world) == before


@pytest.mark.parametrize(
    "row", [row for row in ROWS if row.method != "get"], ids=lambda row: row.name
)
def test_a_suspended_shop_refuses_every_write(world, as_user, ids, row):
    shop_suspend(shop=world.shop_a, reason="Review", by=UserFactory(is_staff=True))
    before = snapshot(world)

    response = call(as_user(world.owner_a), row, ids)

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Alpha Goods is suspended by the platform, so its dashboard is read-only. "
        "Nothing was changed.",
        "code": "shop_suspended",
    }
    assert snapshot(world) == before


def test_a_suspended_shop_still_lists_its_members_for_them(world, as_user):
    shop_suspend(shop=world.shop_a, reason="Review", by=UserFactory(is_staff=True))

    response = as_user(world.staff_a).get(API + "/members")

    assert response.status_code == 200


def test_members_are_listed_owners_first_and_paginated(world, as_user):
    response = as_user(world.staff_a).get(API + "/members", {"page_size": 2})

    body = response.json()
    assert (body["count"], body["page"], body["pages"]) == (3, 1, 2)
    assert [(item["email"], item["role"]) for item in body["items"]] == [
        ("owner-a@example.test", "owner"),
        (world.manager_a.email, "manager"),
    ]
    assert set(body["items"][0]) == {"id", "email", "name", "role", "joined_at"}


def test_the_last_owner_cannot_be_demoted_or_removed(world, as_user):
    owner_id = Membership.objects.get(user=world.owner_a, shop=world.shop_a).id
    client = as_user(world.owner_a)
    before = snapshot(world)

    demote = client.patch(
        f"{API}/members/{owner_id}", json.dumps({"role": "staff"}), content_type="application/json"
    )
    remove = client.delete(f"{API}/members/{owner_id}")

    for response in (demote, remove):
        assert response.status_code == 409
        assert response.json()["code"] == "last_owner"
    assert snapshot(world) == before


def test_staff_leave_by_deleting_their_own_membership(world, as_user):
    own_id = Membership.objects.get(user=world.staff_a).id

    response = as_user(world.staff_a).delete(f"{API}/members/{own_id}")

    assert response.status_code == 204
    assert not Membership.objects.filter(user=world.staff_a).exists()


def test_creating_an_invitation_answers_without_the_token(
    world, as_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(world.manager_a).post(
            API + "/invitations",
            json.dumps({"email": "New@Example.test", "role": "manager"}),
            content_type="application/json",
        )

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "email", "role", "invited_by", "created_at", "expires_at"}
    assert (body["email"], body["role"], body["invited_by"]) == (
        "new@example.test",
        "manager",
        world.manager_a.email,
    )
    assert [mail.to for mail in mailoutbox] == [["new@example.test"]]


@pytest.mark.parametrize("extra", [{"shop": "beta-store"}, {"token_hash": "x"}, {"is_staff": True}])
def test_unknown_fields_are_refused(world, as_user, extra):
    response = as_user(world.owner_a).post(
        API + "/invitations",
        json.dumps({"email": "x@example.test", "role": "staff", **extra}),
        content_type="application/json",
    )

    assert response.status_code == 422
    assert Invitation.objects.count() == 0


def test_an_unknown_shop_is_404_in_the_api_shape(world, as_user):
    response = as_user(world.owner_a).get("/api/v1/shops/no-such-shop/members")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- the profile and logo ---------------------------------------------------------------


def test_anyone_reads_a_shops_public_profile(world, client):
    response = client.get(API)

    assert response.status_code == 200
    body = response.json()
    assert (body["slug"], body["name"], body["status"], body["logo_url"]) == (
        "alpha-goods",
        "Alpha Goods",
        "active",
        None,
    )


def test_patching_the_profile_changes_only_the_fields_sent(world, as_user):
    response = as_user(world.manager_a).patch(
        API,
        json.dumps({"support_email": "care@alpha.example", "country": "fr"}),
        content_type="application/json",
    )

    assert response.status_code == 200
    shop = Shop.objects.get(id=world.shop_a.id)
    assert (shop.name, shop.support_email, shop.country) == (
        "Alpha Goods",
        "care@alpha.example",
        "FR",
    )


def test_the_slug_cannot_be_patched(world, as_user):
    response = as_user(world.owner_a).patch(
        API, json.dumps({"slug": "other"}), content_type="application/json"
    )

    assert response.status_code == 422
    assert Shop.objects.filter(slug="alpha-goods").exists()


def test_a_logo_is_uploaded_and_replaced_and_removed(world, as_user, media_root):
    client = as_user(world.owner_a)

    first = client.post(API + "/logo", {"logo": upload(image_bytes("PNG"))})
    first_name = Shop.objects.get(id=world.shop_a.id).logo.name
    second = client.post(API + "/logo", {"logo": upload(image_bytes("WEBP"), "l.webp")})
    second_name = Shop.objects.get(id=world.shop_a.id).logo.name
    removed = client.delete(API + "/logo")

    assert first.status_code == 200
    assert first.json()["logo_url"] == f"http://localhost/media/{first_name}"
    assert second.status_code == 200
    assert second_name.endswith(".webp")
    assert not (media_root / first_name).exists()  # the replaced file is deleted
    assert removed.status_code == 200
    assert removed.json()["logo_url"] is None
    assert not (media_root / second_name).exists()


def test_a_bad_logo_is_refused_and_changes_nothing(world, as_user, media_root):
    response = as_user(world.owner_a).post(API + "/logo", {"logo": upload(b"not an image")})

    assert response.status_code == 400
    assert response.json() == {
        "detail": [{"field": "logo", "message": "That file is not a JPEG, PNG or WebP image."}],
        "code": "image_type",
    }
    assert Shop.objects.get(id=world.shop_a.id).logo.name == ""
    assert list(media_root.rglob("*.*")) == []


# --- suspension by platform admins ------------------------------------------------------


def test_platform_admins_suspend_and_reinstate_through_the_api(world, as_user):
    admin = UserFactory(is_staff=True)
    client = as_user(admin)

    suspended = client.post(
        API + "/suspension", json.dumps({"reason": "Fake reviews"}), content_type="application/json"
    )
    reinstated = client.delete(API + "/suspension")

    assert (suspended.status_code, suspended.json()["status"]) == (200, "suspended")
    assert (reinstated.status_code, reinstated.json()["status"]) == (200, "active")
    assert list(
        OutboxEvent.objects.filter(key=str(world.shop_a.id))
        .order_by("occurred_at")
        .values_list("type", flat=True)
    )[-2:] == ["shop.suspended", "shop.reinstated"]


@pytest.mark.parametrize("who", ["owner_a", "shopper"])
def test_only_platform_admins_suspend(world, as_user, who):
    response = as_user(getattr(world, who)).post(
        API + "/suspension", json.dumps({"reason": "x"}), content_type="application/json"
    )

    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert Shop.objects.get(id=world.shop_a.id).status == "active"


def test_suspending_needs_a_reason(world, as_user):
    response = as_user(UserFactory(is_staff=True)).post(
        API + "/suspension", json.dumps({"reason": "  "}), content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "reason_required"
    assert Shop.objects.get(id=world.shop_a.id).status == "active"
