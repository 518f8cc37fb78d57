"""Closing an account, and downloading everything we hold about oneself."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import SESSION_KEY

from marketplace.accounts import export
from marketplace.accounts.models import Address, User
from marketplace.accounts.services import address_create, user_data_export
from tenants.models import Membership
from tests.accounts.conftest import account_events
from tests.factories import PASSWORD, UserFactory, add_member

pytestmark = pytest.mark.django_db

DEACTIVATE = "/accounts/deactivate/"


# --- deactivation -----------------------------------------------------------------------


def test_closing_signs_out_everywhere_and_blocks_signing_in(as_user, client):
    user = UserFactory(email="leaving@example.test")
    here, elsewhere = as_user(user), as_user(user)

    response = here.post(DEACTIVATE, {"password": PASSWORD, "confirm": "on"})

    assert response.status_code == 302
    assert response["Location"] == "/"
    user.refresh_from_db()
    assert user.is_active is False
    assert user.deactivated_at is not None
    assert SESSION_KEY not in here.session
    assert elsewhere.get("/accounts/").status_code == 302  # its other session is over too
    assert [(e.type, e.data) for e in account_events()] == [
        ("user.deactivated", {"user_id": user.pk})
    ]
    refused = client.post(
        "/accounts/login/", {"username": "leaving@example.test", "password": PASSWORD}
    )
    assert refused.status_code == 422
    assert refused.context["form"].errors == {
        "__all__": ["That email and password do not match an account."]
    }


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"password": "wrong", "confirm": "on"},
            {"password": ["That is not your current password."]},
        ),
        ({"password": PASSWORD}, {"confirm": ["Tick this box to close your account."]}),
    ],
)
def test_closing_needs_the_password_and_the_tick(as_user, data, errors):
    user = UserFactory()
    client = as_user(user)

    response = client.post(DEACTIVATE, data)

    assert response.status_code == 422
    assert response.context["form"].errors == errors
    user.refresh_from_db()
    assert user.is_active is True
    assert client.session[SESSION_KEY] == str(user.pk)


def test_the_only_owner_of_a_shop_cannot_close_the_account(world, as_user):
    client = as_user(world.owner_a)

    response = client.post(DEACTIVATE, {"password": PASSWORD, "confirm": "on"})

    assert response.status_code == 422
    assert response.context["form"].errors == {
        "__all__": [
            "You are the only owner of Alpha Goods. Make someone else an owner first, "
            "then close your account."
        ]
    }
    assert User.objects.get(pk=world.owner_a.pk).is_active is True
    assert account_events() == []


def test_an_owner_with_a_co_owner_can_close_the_account(world, as_user):
    add_member(shop=world.shop_a, role=Membership.Role.OWNER)

    response = as_user(world.owner_a).post(DEACTIVATE, {"password": PASSWORD, "confirm": "on"})

    assert response.status_code == 302
    assert User.objects.get(pk=world.owner_a.pk).is_active is False


def test_a_deactivated_co_owner_does_not_count_as_another_owner(world, as_user):
    co_owner = add_member(shop=world.shop_a, role=Membership.Role.OWNER)
    User.objects.filter(pk=co_owner.pk).update(is_active=False)

    response = as_user(world.owner_a).post(DEACTIVATE, {"password": PASSWORD, "confirm": "on"})

    assert response.status_code == 422
    assert (
        response.context["form"]
        .errors["__all__"][0]
        .startswith("You are the only owner of Alpha Goods.")
    )
    assert User.objects.get(pk=world.owner_a.pk).is_active is True
    assert account_events() == []


# --- export -----------------------------------------------------------------------------


def test_the_export_downloads_exactly_my_data(world, as_user):
    me = world.manager_a
    address_create(
        user=me, full_name="Manny", line1="1 Main St", city="Oslo", country="NO", phone=""
    )
    address_create(
        user=world.shopper, full_name="Not Me", line1="2 Other St", city="Bergen", country="NO"
    )

    response = as_user(me).get("/accounts/export/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="marketplace-data-')
    assert response["Cache-Control"].startswith("max-age=0")
    data = json.loads(response.content)
    me.refresh_from_db()  # signing in set last_login
    # One key per registered section (other apps add theirs); ours are checked below.
    assert list(data) == ["exported_at", *export.export_sections()]
    assert {"profile", "addresses", "shop_memberships"} <= set(data)
    assert data["profile"] == {
        "email": me.email,
        "name": me.name,
        "date_joined": me.date_joined.isoformat(),
        "last_login": me.last_login.isoformat(),
        "email_verified_at": None,
        "is_active": True,
        "deactivated_at": None,
        "notification_preferences": {},
    }
    assert [
        (a["full_name"], a["line1"], a["country"], a["is_default"]) for a in data["addresses"]
    ] == [("Manny", "1 Main St", "NO", True)]
    assert [(m["shop"], m["shop_slug"], m["role"]) for m in data["shop_memberships"]] == [
        ("Alpha Goods", "alpha-goods", "manager")
    ]
    body = response.content.decode()
    for foreign in ("Not Me", "2 Other St", world.shopper.email, "beta-store"):
        assert foreign not in body
    assert me.password not in body  # the hash is a secret, not data about the person
    assert "password" not in body


def test_later_apps_add_their_sections(world, monkeypatch):
    monkeypatch.setitem(export._sections, "orders", lambda user: [{"number": f"A-{user.pk}"}])

    data = user_data_export(user=world.shopper)

    assert data["orders"] == [{"number": f"A-{world.shopper.pk}"}]
    assert list(data) == ["exported_at", *sorted([*export._sections])]  # name order


def test_a_section_name_is_registered_once():
    with pytest.raises(ValueError):
        export.register_export_section("profile", lambda user: None)


def test_address_rows_of_others_never_appear(world):
    address_create(user=world.owner_b, full_name="B", line1="B street", city="C", country="SE")

    data = user_data_export(user=world.owner_a)

    assert data["addresses"] == []
    assert Address.objects.filter(user=world.owner_b).count() == 1
