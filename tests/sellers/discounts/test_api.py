"""/api/v1/shops/<slug>/discounts and /api/v1/platform/promotions: what they answer."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from marketplace.events.models import OutboxEvent
from sellers.promotions.models import PlatformPromotion
from tests.factories import UserFactory
from tests.sellers.discounts.conftest import HOUR, NOW, discounts_of, listing_prices, make_discount

pytestmark = pytest.mark.django_db
D = Decimal
BASE = "/api/v1/shops/alpha-goods/discounts"
PERCENT_MESSAGE = "A percentage is more than 0 and at most 100, with at most two decimals."


def send(client, method: str, path: str, body: dict | None = None):  # type: ignore[no-untyped-def]
    if body is None:
        return getattr(client, method)(path)
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


def test_create_answers_the_discount_and_starts_it(world, as_user):
    response = send(
        as_user(world.owner_a),
        "post",
        BASE,
        {
            "name": "API sale",
            "kind": "fixed_amount",
            "value": "5.00",
            "ends_at": "2099-01-01T00:00:00+01:00",
        },
    )

    assert response.status_code == 201
    body = response.json()
    for volatile in ("id", "starts_at", "activated_at", "created_at", "updated_at"):
        assert body.pop(volatile)
    assert body == {
        "name": "API sale",
        "kind": "fixed_amount",
        "value": "5.00",
        "currency": "EUR",
        "scope": "shop",
        "category_ids": [],
        "product_ids": [],
        "variant_ids": [],
        "code": None,
        "stacks_with_others": False,
        "ends_at": "2098-12-31T23:00:00Z",
        "usage_limit": None,
        "per_customer_limit": None,
        "minimum_subtotal": None,
        "is_draft": False,
        "status": "active",
        "times_used": 0,
        "version": 1,
        "funded_by": "seller",
    }
    assert listing_prices(world.shop_a, "Alpha lamp") == (D("25.00"), D("30.00"), True)
    assert OutboxEvent.objects.filter(type="discount.activated").count() == 1


def test_every_faulty_field_comes_back_at_once(world, as_user):
    response = send(
        as_user(world.owner_a),
        "post",
        BASE,
        {"name": "", "kind": "percentage", "value": "0", "starts_at": "2031-03-02T09:00:00"},
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": [
            {"field": "name", "message": "Give it a name of 1–120 characters."},
            {"field": "value", "message": PERCENT_MESSAGE},
            {
                "field": "starts_at",
                "message": "Give the time with its time zone (for example 2026-06-01T09:00+02:00).",
            },
        ],
        "code": "invalid",
    }
    assert discounts_of(world.shop_a) == []


def test_unknown_fields_are_refused(world, as_user):
    response = send(
        as_user(world.owner_a),
        "post",
        BASE,
        {"name": "X", "kind": "percentage", "value": "5", "times_used": 0},
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert discounts_of(world.shop_a) == []


def test_list_filters_by_status_and_is_paginated(world, as_user):
    make_discount(world.shop_a, name="Later", starts_at=NOW + HOUR)
    make_discount(world.shop_a, name="Draft", is_draft=True)
    client = as_user(world.staff_a)

    everything = client.get(BASE, {"page_size": 1}).json()
    drafts = client.get(BASE, {"status": "draft"}).json()
    bad = client.get(BASE, {"status": "bogus"})

    assert (everything["count"], everything["pages"], [i["name"] for i in everything["items"]]) == (
        2,
        2,
        ["Draft"],
    )
    assert [item["name"] for item in drafts["items"]] == ["Draft"]
    assert bad.status_code == 422


def test_put_replaces_with_a_version_check_and_delete_removes(world, as_user):
    discount = make_discount(world.shop_a, starts_at=NOW + HOUR)
    client = as_user(world.manager_a)
    path = f"{BASE}/{discount.id}"
    body = {
        "name": "Renamed",
        "kind": "percentage",
        "value": "12.5",
        "starts_at": "2031-03-02T10:00:00+00:00",
        "version": 1,
    }

    updated = send(client, "put", path, body)
    stale = send(client, "put", path, {**body, "name": "Stale"})

    assert (updated.status_code, updated.json()["version"], updated.json()["value"]) == (
        200,
        2,
        "12.50",
    )
    assert updated.json()["status"] == "scheduled"
    assert (stale.status_code, stale.json()["code"]) == (409, "conflict")
    assert discounts_of(world.shop_a) == [("Renamed", 2)]

    assert client.delete(path).status_code == 204
    assert (client.get(path).status_code, client.delete(path).status_code) == (404, 404)
    assert discounts_of(world.shop_a) == []


def test_platform_admins_manage_promotions_through_the_api(world, as_user):
    admin = UserFactory(is_staff=True)
    client = as_user(admin)

    created = send(
        client,
        "post",
        "/api/v1/platform/promotions",
        {"name": "Beta week", "kind": "percentage", "value": "10", "shop": "beta-store"},
    )
    unknown = send(
        client,
        "post",
        "/api/v1/platform/promotions",
        {"name": "Nowhere", "kind": "percentage", "value": "10", "shop": "no-such-shop"},
    )
    listed = client.get("/api/v1/platform/promotions").json()

    assert created.status_code == 201
    assert (created.json()["shop"], created.json()["funded_by"], created.json()["status"]) == (
        "beta-store",
        "platform",
        "active",
    )
    assert unknown.json() == {
        "detail": [{"field": "shop", "message": "No shop has this address."}],
        "code": "invalid",
    }
    assert [item["name"] for item in listed["items"]] == ["Beta week"]
    promotion_id = created.json()["id"]
    assert client.delete(f"/api/v1/platform/promotions/{promotion_id}").status_code == 204
    assert client.get(f"/api/v1/platform/promotions/{promotion_id}").status_code == 404
    assert PlatformPromotion.objects.get(id=promotion_id).deleted_at is not None
