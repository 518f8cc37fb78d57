"""Following shops and wish lists: services, the buttons, the Following pages and the API."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from marketplace.errors import ApplicationError
from sellers.catalog.models import Product
from sellers.catalog.services import products_set_status
from sellers.listings.models import Listing
from storefront.follows.models import Follow, WishlistItem
from storefront.follows.selectors import discount_audience
from storefront.follows.services import (
    follow_shop,
    unfollow_shop,
    wishlist_add,
    wishlist_remove,
)
from tenants.schemas import shop_schema
from tenants.services import shop_reinstate, shop_suspend
from tests.factories import UserFactory, make_product, make_shop

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def lamp(world) -> Listing:  # type: ignore[no-untyped-def]
    return Listing.objects.get(shop=world.shop_a, title="Alpha lamp")


def draft_chair_id(world) -> int:  # type: ignore[no-untyped-def]
    with shop_schema(world.shop_a):
        return Product.objects.get(title="Alpha draft chair").id


def lamp_variant_id(world) -> int:  # type: ignore[no-untyped-def]
    with shop_schema(world.shop_a):
        return Product.objects.get(title="Alpha lamp").variants.get().id


# --- services -------------------------------------------------------------------------------


def test_following_twice_is_one_follow_and_unfollowing_twice_is_harmless(world):
    assert follow_shop(user=world.shopper, shop=world.shop_a) is True
    assert follow_shop(user=world.shopper, shop=world.shop_a) is False
    assert Follow.objects.filter(user=world.shopper).count() == 1

    assert unfollow_shop(user=world.shopper, shop=world.shop_a) is True
    assert unfollow_shop(user=world.shopper, shop=world.shop_a) is False
    assert not Follow.objects.filter(user=world.shopper).exists()


def test_a_suspended_shop_cannot_be_followed(world):
    admin = UserFactory(is_staff=True)
    shop = make_shop()
    shop_suspend(shop=shop, reason="Checking documents", by=admin)
    shop.refresh_from_db()

    with pytest.raises(ApplicationError) as refused:
        follow_shop(user=world.shopper, shop=shop)

    assert (refused.value.code, refused.value.status) == ("shop_unavailable", 409)
    assert not Follow.objects.filter(shop=shop).exists()
    shop_reinstate(shop=shop, by=admin)
    shop.refresh_from_db()
    assert follow_shop(user=world.shopper, shop=shop) is True


def test_a_published_product_goes_on_the_wish_list_once_and_keeps_the_last_variant(world):
    listing = lamp(world)
    variant_id = lamp_variant_id(world)

    assert wishlist_add(user=world.shopper, shop=world.shop_a, product_id=listing.product_id)
    assert not wishlist_add(
        user=world.shopper, shop=world.shop_a, product_id=listing.product_id, variant_id=variant_id
    )

    item = WishlistItem.objects.get(user=world.shopper)
    assert (item.shop_id, item.product_id, item.variant_id) == (
        world.shop_a.id,
        listing.product_id,
        variant_id,
    )
    assert wishlist_remove(user=world.shopper, shop=world.shop_a, product_id=listing.product_id)
    assert not wishlist_remove(user=world.shopper, shop=world.shop_a, product_id=listing.product_id)
    assert not WishlistItem.objects.exists()


def beta_only_product_id(world) -> int:  # type: ignore[no-untyped-def]
    """A product id of shop B that no product of shop A has (ids count per schema)."""
    taken = set(Listing.objects.filter(shop=world.shop_a).values_list("product_id", flat=True))
    with shop_schema(world.shop_a):
        taken |= set(Product.objects.values_list("id", flat=True))
    for number in range(len(taken) + 2):
        product = make_product(shop=world.shop_b, title=f"Beta thing {number}")
        if product.id not in taken:
            return product.id
    raise AssertionError("unreachable: ids grow")


@pytest.mark.parametrize("which", ["draft", "other shop's", "unknown"])
def test_only_products_on_sale_in_that_shop_can_be_wished_for(world, which):
    product_id = {
        "draft": lambda: draft_chair_id(world),
        "other shop's": lambda: beta_only_product_id(world),
        "unknown": lambda: 987654,
    }[which]()

    with pytest.raises(ApplicationError) as refused:
        wishlist_add(user=world.shopper, shop=world.shop_a, product_id=product_id)

    assert (refused.value.code, refused.value.field, refused.value.status) == (
        "product_unavailable",
        "product_id",
        404,
    )
    assert not WishlistItem.objects.exists()


def test_a_variant_must_belong_to_the_wished_product(world):
    other = make_product(shop=world.shop_a, title="Alpha vase")
    with shop_schema(world.shop_a):
        foreign_variant = other.variants.get().id

    with pytest.raises(ApplicationError) as refused:
        wishlist_add(
            user=world.shopper,
            shop=world.shop_a,
            product_id=lamp(world).product_id,
            variant_id=foreign_variant,
        )

    assert (refused.value.code, refused.value.field) == ("variant_unknown", "variant_id")
    assert not WishlistItem.objects.exists()


def test_the_discount_audience_is_followers_and_wishers_once_each(world):
    follower, wisher, both, elsewhere, gone = (UserFactory() for _ in range(5))
    lamp_id = lamp(world).product_id
    vase_id = Listing.objects.get(
        product_id=make_product(shop=world.shop_a, title="Vase").id
    ).product_id
    follow_shop(user=follower, shop=world.shop_a)
    wishlist_add(user=wisher, shop=world.shop_a, product_id=lamp_id)
    follow_shop(user=both, shop=world.shop_a)
    wishlist_add(user=both, shop=world.shop_a, product_id=lamp_id)
    follow_shop(user=elsewhere, shop=world.shop_b)
    wishlist_add(user=elsewhere, shop=world.shop_a, product_id=vase_id)  # not covered
    follow_shop(user=gone, shop=world.shop_a)
    gone.is_active = False
    gone.save()

    audience = discount_audience(shop_id=world.shop_a.id, product_ids=[lamp_id])

    assert audience == sorted([follower.id, wisher.id, both.id])


# --- the buttons ------------------------------------------------------------------------------


def test_the_follow_button_follows_and_comes_back_without_javascript(world, as_user):
    client = as_user(world.shopper)

    response = client.post("/shops/alpha-goods/follow/", {"action": "follow"})

    assert response.status_code == 302
    assert response["Location"] == "/shops/alpha-goods/"
    assert Follow.objects.filter(user=world.shopper, shop=world.shop_a).count() == 1
    page = client.get("/following/")
    assert "Alpha Goods" in page.content.decode()

    again = client.post(
        "/shops/alpha-goods/follow/", {"action": "follow", "next": "/shops/alpha-goods/?page=2"}
    )
    assert again["Location"] == "/shops/alpha-goods/?page=2"
    assert Follow.objects.filter(user=world.shopper).count() == 1


def test_the_follow_button_swaps_itself_with_htmx(world, as_user):
    client = as_user(world.shopper)

    response = client.post("/shops/alpha-goods/follow/", **HTMX)

    assert response.status_code == 200
    assert [t.name for t in response.templates] == ["storefront/follows/follow_button.html"]
    body = response.content.decode()
    assert "Following" in body
    assert 'name="action" value="unfollow"' in body
    assert 'id="follow-button-alpha-goods"' in body

    unfollowed = client.post("/shops/alpha-goods/follow/", {"action": "unfollow"}, **HTMX)
    assert 'name="action" value="follow"' in unfollowed.content.decode()
    assert not Follow.objects.exists()


def test_next_that_leaves_the_site_is_ignored(world, as_user):
    response = as_user(world.shopper).post(
        "/shops/alpha-goods/follow/", {"next": "https://evil.example/"}
    )

    assert response["Location"] == "/shops/alpha-goods/"


def test_anonymous_visitors_sign_in_first_and_nothing_is_saved(world, client):
    plain = client.post("/shops/alpha-goods/follow/", {"next": "/shops/alpha-goods/"})
    htmx = client.post("/shops/alpha-goods/products/alpha-lamp/wish/", **HTMX)

    assert plain.status_code == 302
    assert plain["Location"] == "/accounts/login/?next=/shops/alpha-goods/"
    assert htmx["HX-Redirect"] == (
        "/accounts/login/?next=%2Fshops%2Falpha-goods%2Fproducts%2Falpha-lamp%2F"
    )
    assert not Follow.objects.exists()
    assert not WishlistItem.objects.exists()


def test_the_buttons_need_post_and_csrf(world):
    client = Client(HTTP_HOST="localhost", enforce_csrf_checks=True)
    client.force_login(world.shopper)

    assert client.get("/shops/alpha-goods/follow/").status_code == 405
    assert client.post("/shops/alpha-goods/follow/").status_code == 403
    assert client.post("/shops/alpha-goods/products/alpha-lamp/wish/").status_code == 403
    assert not Follow.objects.exists()
    assert not WishlistItem.objects.exists()


def test_unknown_shops_and_products_are_404(world, as_user):
    client = as_user(world.shopper)

    assert client.post("/shops/no-such-shop/follow/").status_code == 404
    assert client.post("/shops/alpha-goods/products/no-such-thing/wish/").status_code == 404
    assert client.post("/shops/alpha-goods/products/alpha-draft-chair/wish/").status_code == 404
    assert not WishlistItem.objects.exists()


def test_the_wish_button_adds_and_removes(world, as_user):
    client = as_user(world.shopper)
    listing = lamp(world)
    variant_id = lamp_variant_id(world)

    added = client.post(
        "/shops/alpha-goods/products/alpha-lamp/wish/",
        {"action": "add", "variant_id": str(variant_id)},
        **HTMX,
    )

    assert added.status_code == 200
    assert "On your wish list" in added.content.decode()
    item = WishlistItem.objects.get(user=world.shopper)
    assert (item.product_id, item.variant_id) == (listing.product_id, variant_id)

    removed = client.post("/shops/alpha-goods/products/alpha-lamp/wish/", {"action": "remove"})
    assert removed["Location"] == "/shops/alpha-goods/products/alpha-lamp/"
    assert not WishlistItem.objects.exists()


def test_a_suspended_shop_answers_the_follow_button_with_its_reason(world, as_user):
    admin = UserFactory(is_staff=True)
    shop = make_shop(slug="closing-soon")
    shop_suspend(shop=shop, reason="Checking", by=admin)

    response = as_user(world.shopper).post("/shops/closing-soon/follow/", **HTMX)

    assert response.status_code == 409
    assert "closed for now" in response.content.decode()
    assert not Follow.objects.exists()


def test_the_template_tags_look_up_the_state(world, as_user):
    follow_shop(user=world.shopper, shop=world.shop_a)
    listing = lamp(world)
    template = Template("{% load follows %}{% follow_button shop %}{% wish_button shop listing %}")

    def render(user):  # type: ignore[no-untyped-def]
        request = RequestFactory().get("/shops/alpha-goods/")
        request.user = user
        return template.render(
            Context({"request": request, "shop": world.shop_a, "listing": listing})
        )

    mine = render(world.shopper)
    theirs = render(world.owner_b)
    from django.contrib.auth.models import AnonymousUser

    anonymous = render(AnonymousUser())

    assert 'value="unfollow"' in mine
    assert 'value="add"' in mine
    assert 'value="follow"' in theirs
    assert "/accounts/login/?next=/shops/alpha-goods/" in anonymous
    assert "<form" not in anonymous


# --- the Following pages ---------------------------------------------------------------------


def test_the_following_pages_are_for_signed_in_people(client):
    for path in ("/following/", "/following/wishlist/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={path}"


def test_the_following_page_lists_my_shops_newest_first_and_nobody_elses(world, as_user):
    follow_shop(user=world.shopper, shop=world.shop_a)
    follow_shop(user=world.shopper, shop=world.shop_b)
    follow_shop(user=world.owner_b, shop=world.shop_a)

    response = as_user(world.shopper).get("/following/")

    assert response.status_code == 200
    follows = list(response.context["page_obj"].object_list)
    assert [follow.shop.slug for follow in follows] == ["beta-store", "alpha-goods"]
    assert all(follow.user_id == world.shopper.id for follow in follows)


def test_the_wish_list_shows_products_on_sale_and_hides_unpublished_ones(world, as_user):
    vase = make_product(shop=world.shop_a, title="Alpha vase", price="12.00")
    wishlist_add(user=world.shopper, shop=world.shop_a, product_id=lamp(world).product_id)
    wishlist_add(user=world.shopper, shop=world.shop_a, product_id=vase.id)
    wishlist_add(user=world.owner_b, shop=world.shop_a, product_id=vase.id)
    products_set_status(shop=world.shop_a, actor=None, product_ids=[vase.id], status="draft")

    response = as_user(world.shopper).get("/following/wishlist/")

    assert response.status_code == 200
    assert [listing.title for listing in response.context["page_obj"].object_list] == ["Alpha lamp"]
    body = response.content.decode()
    assert "Alpha lamp" in body
    assert "Alpha vase" not in body
    assert WishlistItem.objects.filter(user=world.shopper).count() == 2  # kept for later


# Session (cache), user, COUNT, the page of rows with their shops.
FOLLOWING_QUERIES = 3
WISHLIST_QUERIES = 3


@pytest.mark.parametrize(
    ("path", "pinned"),
    [("/following/", FOLLOWING_QUERIES), ("/following/wishlist/", WISHLIST_QUERIES)],
)
def test_following_pages_make_the_same_queries_for_few_or_many(
    world, as_user, django_assert_num_queries, path, pinned
):
    client = as_user(world.shopper)
    shops = [make_shop() for _ in range(3)]
    for shop in shops:
        follow_shop(user=world.shopper, shop=shop)
        product = make_product(shop=shop, title=f"Thing of {shop.slug}")
        wishlist_add(user=world.shopper, shop=shop, product_id=product.id)
    client.get(path)  # the session is now in the cache
    with CaptureQueriesContext(connection) as few:
        client.get(path)

    more = [make_shop() for _ in range(3)]
    for shop in more:
        follow_shop(user=world.shopper, shop=shop)
        product = make_product(shop=shop, title=f"Thing of {shop.slug}")
        wishlist_add(user=world.shopper, shop=shop, product_id=product.id)
    with django_assert_num_queries(pinned):
        response = client.get(path)

    assert response.context["page_obj"].paginator.count == 6
    assert len(few.captured_queries) == pinned


# --- the API -----------------------------------------------------------------------------------


def test_the_api_follows_lists_and_unfollows(world, as_user):
    client = as_user(world.shopper)

    first = client.post(
        "/api/v1/me/follows", {"shop": "alpha-goods"}, content_type="application/json"
    )
    second = client.post(
        "/api/v1/me/follows", {"shop": "alpha-goods"}, content_type="application/json"
    )
    listed = client.get("/api/v1/me/follows")

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["shop"] == {
        "slug": "alpha-goods",
        "name": "Alpha Goods",
        "url": "/shops/alpha-goods/",
        "is_open": True,
    }
    assert listed.json()["count"] == 1
    assert [item["shop"]["slug"] for item in listed.json()["items"]] == ["alpha-goods"]
    assert client.delete("/api/v1/me/follows/alpha-goods").status_code == 204
    assert client.delete("/api/v1/me/follows/alpha-goods").status_code == 204
    assert not Follow.objects.exists()


def test_the_api_wish_list(world, as_user):
    client = as_user(world.shopper)
    listing = lamp(world)
    variant_id = lamp_variant_id(world)

    created = client.post(
        "/api/v1/me/wishlist",
        {"shop": "alpha-goods", "product_id": listing.product_id, "variant_id": variant_id},
        content_type="application/json",
    )
    listed = client.get("/api/v1/me/wishlist")

    assert created.status_code == 201
    item = created.json()
    assert (item["product_id"], item["variant_id"], item["title"], item["url"]) == (
        listing.product_id,
        variant_id,
        "Alpha lamp",
        "/shops/alpha-goods/products/alpha-lamp/",
    )
    assert (item["price"], item["currency"]) == ("30.00", "EUR")
    assert listed.json()["count"] == 1
    gone = client.delete(f"/api/v1/me/wishlist/alpha-goods/{listing.product_id}")
    assert gone.status_code == 204
    assert not WishlistItem.objects.exists()


def test_the_api_says_which_field_is_wrong(world, as_user):
    client = as_user(world.shopper)

    unknown_shop = client.post(
        "/api/v1/me/follows", {"shop": "nope-shop"}, content_type="application/json"
    )
    draft = client.post(
        "/api/v1/me/wishlist",
        {"shop": "alpha-goods", "product_id": draft_chair_id(world)},
        content_type="application/json",
    )
    missing = client.post(
        "/api/v1/me/wishlist", {"shop": "alpha-goods"}, content_type="application/json"
    )
    extra = client.post(
        "/api/v1/me/follows", {"shop": "alpha-goods", "user_id": 1}, content_type="application/json"
    )

    assert (unknown_shop.status_code, unknown_shop.json()["code"]) == (404, "not_found")
    assert unknown_shop.json()["detail"] == [{"field": "shop", "message": "No such shop."}]
    assert (draft.status_code, draft.json()["code"]) == (404, "product_unavailable")
    assert draft.json()["detail"][0]["field"] == "product_id"
    assert (missing.status_code, missing.json()["detail"][0]["field"]) == (422, "product_id")
    assert extra.status_code == 422
    assert not Follow.objects.exists()
    assert not WishlistItem.objects.exists()


def test_the_api_is_for_signed_in_people_and_each_sees_their_own(world, as_user, client):
    follow_shop(user=world.shopper, shop=world.shop_a)
    wishlist_add(user=world.shopper, shop=world.shop_a, product_id=lamp(world).product_id)

    for path in ("/api/v1/me/follows", "/api/v1/me/wishlist"):
        anonymous = client.get(path)
        assert (anonymous.status_code, anonymous.json()["code"]) == (401, "not_authenticated")
        assert as_user(world.owner_b).get(path).json()["count"] == 0
    anonymous_write = client.post(
        "/api/v1/me/follows", {"shop": "alpha-goods"}, content_type="application/json"
    )
    assert anonymous_write.status_code == 401
    # Someone else's DELETE removes only their own (absent) row.
    other = as_user(world.owner_b)
    assert other.delete("/api/v1/me/follows/alpha-goods").status_code == 204
    assert (
        other.delete(f"/api/v1/me/wishlist/alpha-goods/{lamp(world).product_id}").status_code == 204
    )
    assert Follow.objects.filter(user=world.shopper).count() == 1
    assert WishlistItem.objects.filter(user=world.shopper).count() == 1


def test_the_api_lists_are_paginated(world, as_user):
    client = as_user(world.shopper)
    for _ in range(3):
        follow_shop(user=world.shopper, shop=make_shop())

    page = client.get("/api/v1/me/follows?page=2&page_size=2").json()

    assert (page["count"], page["page"], page["pages"], len(page["items"])) == (3, 2, 2, 1)
    too_big = client.get("/api/v1/me/follows?page_size=101")
    assert too_big.status_code == 422


def test_the_export_has_my_follows_and_wishes(world, as_user):
    follow_shop(user=world.shopper, shop=world.shop_a)
    wishlist_add(user=world.shopper, shop=world.shop_a, product_id=lamp(world).product_id)

    data = json.loads(as_user(world.shopper).get("/accounts/export/").content)

    assert [each["shop_slug"] for each in data["followed_shops"]] == ["alpha-goods"]
    assert [(each["shop_slug"], each["product_id"]) for each in data["wish_list"]] == [
        ("alpha-goods", lamp(world).product_id)
    ]
