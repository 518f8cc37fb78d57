"""/platform/promotions/: platform admins list, create, edit and delete promotions."""

from __future__ import annotations

import re

import pytest

from sellers.promotions.models import PlatformPromotion
from sellers.promotions.services import promotion_create
from tests.factories import UserFactory
from tests.sellers.discounts.conftest import HOUR, NOW
from tests.sellers.discounts.test_promotions import promotion_input

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Platform week",
    "kind": "percentage",
    "value": "10",
    "scope": "shop",
    "time_zone": "UTC",
}


@pytest.fixture
def admin():  # type: ignore[no-untyped-def]
    return UserFactory(is_staff=True, email="platform-pages@example.test")


def test_the_list_shows_promotions_with_their_status(world, as_user, admin):
    promotion_create(by=admin, data=promotion_input(name="Later", starts_at=NOW + HOUR), now=NOW)
    promotion_create(by=admin, data=promotion_input(name="Draft", is_draft=True), now=NOW)

    response = as_user(admin).get("/platform/promotions/")
    drafts = as_user(admin).get("/platform/promotions/", {"status": "draft"})

    assert response.status_code == 200
    assert [p.name for p in response.context["page_obj"].object_list] == ["Draft", "Later"]
    assert re.findall(r'data-status="(\w+)"', response.content.decode()) == ["draft", "scheduled"]
    assert [p.name for p in drafts.context["page_obj"].object_list] == ["Draft"]


def test_creating_for_one_shop_and_refusing_an_unknown_shop(world, as_user, admin):
    client = as_user(admin)

    unknown = client.post("/platform/promotions/new/", {**FORM, "shop": "no-such-shop"})
    created = client.post("/platform/promotions/new/", {**FORM, "shop": "beta-store"})

    assert unknown.status_code == 422
    assert re.findall(r'id="id_shop_error">([^<]*)<', unknown.content.decode()) == [
        "No shop has this address."
    ]
    assert (created.status_code, created["Location"]) == (302, "/platform/promotions/")
    assert list(PlatformPromotion.objects.values_list("name", "shop__slug")) == [
        ("Platform week", "beta-store")
    ]


def test_editing_and_deleting(world, as_user, admin):
    promotion = promotion_create(by=admin, data=promotion_input(starts_at=NOW + HOUR), now=NOW)
    client = as_user(admin)
    path = f"/platform/promotions/{promotion.id}/"

    page = client.get(path)
    saved = client.post(
        path, {**FORM, "name": "Renamed", "starts_at": "2031-03-02T10:00", "version": "1"}
    )
    invalid = client.post(path, {**FORM, "value": "500", "version": "2"})

    assert page.status_code == 200
    assert 'value="Marketplace week"' in page.content.decode()
    assert saved.status_code == 302
    assert invalid.status_code == 422
    assert list(PlatformPromotion.objects.values_list("name", "version")) == [("Renamed", 2)]
    deleted = client.post(path + "delete/")
    assert deleted.status_code == 302
    assert client.get(path).status_code == 404
