"""The seller dashboard at /sell/<slug>/: who may see it, creating products, the list."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from sellers.catalog.models import Product
from sellers.listings.models import Listing
from tenants.models import Membership, Shop
from tests.factories import UserFactory, add_member, make_product

pytestmark = pytest.mark.django_db

DASHBOARD = "/sell/alpha-goods/"
HTMX = {"HX-Request": "true", "HX-Target": "dashboard-main"}
VALID = {
    "title": "Brass desk lamp",
    "price": "42.50",
    "stock": "3",
    "category": "",
    "status": "published",
    "description": "Warm light for late evenings.",
}


def catalog(shop: Shop) -> list[tuple[str, str]]:
    """(title, status) of every product in the shop's own schema."""
    with tenant_context(shop):
        return sorted(Product.objects.values_list("title", "status"))


def listing_titles() -> list[tuple[str, str]]:
    return sorted(Listing.objects.values_list("shop__slug", "title"))


def snapshot(world) -> tuple[object, ...]:
    return catalog(world.shop_a), catalog(world.shop_b), listing_titles()


def titles_on(response) -> list[str]:
    return [product.title for product in response.context["page_obj"].object_list]


def template_names(response) -> list[str]:
    return [template.name for template in response.templates]


def field_errors_in_html(response, field: str) -> list[str]:
    """The error messages rendered inside the same field wrapper as the `field` input."""
    body = response.content.decode()
    blocks = re.findall(r'<div class="field[ "].*?</div>', body, flags=re.DOTALL)
    (block,) = [block for block in blocks if f'name="{field}"' in block]
    return re.findall(rf'<p\b[^>]*\bid="id_{field}_error"[^>]*>([^<]*)</p>', block)


# --- access matrix ----------------------------------------------------------------------


def test_world_starts_with_the_products_the_tests_assume(world):
    assert catalog(world.shop_a) == [("Alpha draft chair", "draft"), ("Alpha lamp", "published")]
    assert catalog(world.shop_b) == [("Beta kettle", "published")]
    assert listing_titles() == [("alpha-goods", "Alpha lamp"), ("beta-store", "Beta kettle")]


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_sent_to_sign_in(world, as_user, method):
    before = snapshot(world)

    response = getattr(as_user(None), method)(DASHBOARD, VALID if method == "post" else None)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/sell/alpha-goods/"
    assert snapshot(world) == before


@pytest.mark.parametrize("who", ["shopper", "owner_b"])
@pytest.mark.parametrize("method", ["get", "post", "htmx_post"])
def test_people_outside_the_shop_are_refused(world, as_user, who, method):
    before = snapshot(world)
    client = as_user(getattr(world, who))

    if method == "get":
        response = client.get(DASHBOARD)
    elif method == "post":
        response = client.post(DASHBOARD, VALID)
    else:
        response = client.post(DASHBOARD, VALID, headers=HTMX)

    assert response.status_code == 403
    assert template_names(response)[0] == "403.html"
    assert "Brass desk lamp" not in response.content.decode()
    assert "Alpha draft chair" not in response.content.decode()
    assert snapshot(world) == before


def test_an_owner_of_two_other_shops_is_still_refused_here(world, as_user):
    """Membership is checked for this shop, not "works for some shop"."""
    before = snapshot(world)

    response = as_user(world.owner_b).post(DASHBOARD, VALID)

    assert response.status_code == 403
    assert snapshot(world) == before


@pytest.mark.parametrize("who", ["owner_a", "manager_a", "staff_a"])
def test_members_of_the_shop_see_its_dashboard(world, as_user, who):
    response = as_user(getattr(world, who)).get(DASHBOARD)

    assert response.status_code == 200
    assert template_names(response)[0] == "sellers/dashboard.html"
    assert response.context["shop"] == world.shop_a
    assert titles_on(response) == ["Alpha draft chair", "Alpha lamp"]
    assert "Beta kettle" not in response.content.decode()


@pytest.mark.parametrize("who", ["owner_a", "manager_a", "staff_a"])
def test_members_of_the_shop_may_add_products(world, as_user, who):
    response = as_user(getattr(world, who)).post(DASHBOARD, VALID)

    assert response.status_code == 302
    assert response["Location"] == DASHBOARD
    assert ("Brass desk lamp", "published") in catalog(world.shop_a)


# --- creating a product -----------------------------------------------------------------


def test_owner_creates_a_published_product_in_their_own_schema_only(world, as_user):
    client = as_user(world.owner_a)
    beta_before = catalog(world.shop_b)

    response = client.post(DASHBOARD, VALID)

    assert response.status_code == 302
    assert response["Location"] == DASHBOARD
    with tenant_context(world.shop_a):
        product = Product.objects.get(slug="brass-desk-lamp")
        assert (
            product.title,
            product.price,
            product.stock,
            product.status,
            product.currency,
            product.description,
            product.category_id,
        ) == (
            "Brass desk lamp",
            Decimal("42.50"),
            3,
            "published",
            "EUR",
            "Warm light for late evenings.",
            None,
        )
    with tenant_context(world.shop_b):
        assert not Product.objects.filter(slug="brass-desk-lamp").exists()
    assert catalog(world.shop_b) == beta_before
    listing = Listing.objects.get(product_id=product.id, shop=world.shop_a)
    assert (listing.title, listing.slug, listing.price, listing.currency, listing.in_stock) == (
        "Brass desk lamp",
        "brass-desk-lamp",
        Decimal("42.50"),
        "EUR",
        True,
    )
    assert Listing.objects.filter(title="Brass desk lamp").count() == 1

    page = client.get(response["Location"])

    assert [str(message) for message in page.context["messages"]] == [
        "“Brass desk lamp” was added."
    ]
    assert "“Brass desk lamp” was added." in page.content.decode()
    assert titles_on(page)[0] == "Brass desk lamp"


def test_a_draft_gets_no_listing(world, as_user):
    listings_before = listing_titles()

    response = as_user(world.owner_a).post(DASHBOARD, {**VALID, "status": "draft"})

    assert response.status_code == 302
    assert ("Brass desk lamp", "draft") in catalog(world.shop_a)
    assert listing_titles() == listings_before


def test_htmx_create_renders_only_the_dashboard_partial(world, as_user):
    client = as_user(world.owner_a)

    response = client.post(DASHBOARD, VALID, headers=HTMX)

    assert response.status_code == 200
    names = template_names(response)
    assert names[0] == "sellers/partials/dashboard_main.html"
    assert "sellers/dashboard.html" not in names
    assert "base.html" not in names
    body = response.content.decode()
    assert "<html" not in body
    assert "“Brass desk lamp” was added." in body
    assert titles_on(response)[0] == "Brass desk lamp"
    assert response.context["form"].is_bound is False  # a fresh form for the next product
    assert ("Brass desk lamp", "published") in catalog(world.shop_a)
    # The message was shown in the partial, so the next page does not repeat it.
    assert list(client.get(DASHBOARD).context["messages"]) == []


def test_htmx_get_of_the_main_area_renders_the_partial(world, as_user):
    response = as_user(world.owner_a).get(DASHBOARD + "?status=draft", headers=HTMX)

    assert response.status_code == 200
    assert template_names(response)[0] == "sellers/partials/dashboard_main.html"
    assert "base.html" not in template_names(response)
    assert titles_on(response) == ["Alpha draft chair"]


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("title", "", "This field is required."),
        ("title", "   ", "This field is required."),
        ("title", "!!!", "The title needs at least one letter or digit."),
        ("price", "-1", "Ensure this value is greater than or equal to 0."),
        ("price", "12abc", "Enter a number."),
        ("price", "NaN", "Enter a number."),
        ("price", "1000000", "Ensure this value is less than or equal to 999999.99."),
        (
            "price",
            "99999999999999999999999999",
            "Ensure this value is less than or equal to 999999.99.",
        ),
        ("price", "1.001", "Ensure that there are no more than 2 decimal places."),
        ("stock", "-1", "Ensure this value is greater than or equal to 0."),
        ("stock", "2.5", "Enter a whole number."),
        (
            "status",
            "deleted",
            "Select a valid choice. deleted is not one of the available choices.",
        ),
    ],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_invalid_input_is_shown_next_to_the_field_and_nothing_is_saved(
    world, as_user, field, value, error, htmx
):
    before = snapshot(world)

    response = as_user(world.owner_a).post(
        DASHBOARD, {**VALID, field: value}, headers=HTMX if htmx else {}
    )

    assert response.status_code == 422
    assert response.context["form"].errors == {field: [error]}
    assert field_errors_in_html(response, field) == [error]
    expected_template = "sellers/partials/dashboard_main.html" if htmx else "sellers/dashboard.html"
    assert template_names(response)[0] == expected_template
    assert snapshot(world) == before


def test_a_second_product_with_the_same_address_is_refused(world, as_user):
    before = snapshot(world)

    response = as_user(world.owner_a).post(DASHBOARD, {**VALID, "title": "Alpha lamp"})

    assert response.status_code == 422
    assert response.context["form"].errors == {
        "__all__": ["Another product of this shop already uses this address."]
    }
    assert "Another product of this shop already uses this address." in response.content.decode()
    assert snapshot(world) == before


def test_the_same_title_in_another_shop_is_fine(world, as_user):
    response = as_user(world.owner_b).post("/sell/beta-store/", {**VALID, "title": "Alpha lamp"})

    assert response.status_code == 302
    assert catalog(world.shop_b) == [("Alpha lamp", "published"), ("Beta kettle", "published")]
    assert catalog(world.shop_a) == [("Alpha draft chair", "draft"), ("Alpha lamp", "published")]


# --- the product list -------------------------------------------------------------------


def test_status_filter_shows_only_that_status(world, as_user):
    make_product(shop=world.shop_a, title="Old stock", status="archived")
    client = as_user(world.owner_a)

    drafts = client.get(DASHBOARD + "?status=draft")
    published = client.get(DASHBOARD + "?status=published")
    archived = client.get(DASHBOARD + "?status=archived")
    everything = client.get(DASHBOARD + "?status=nonsense")

    assert titles_on(drafts) == ["Alpha draft chair"]
    assert drafts.context["status"] == "draft"
    assert titles_on(published) == ["Alpha lamp"]
    assert titles_on(archived) == ["Old stock"]
    assert everything.context["status"] is None
    assert titles_on(everything) == ["Old stock", "Alpha draft chair", "Alpha lamp"]


def test_the_list_is_paginated_by_25(world, as_user):
    for number in range(30):
        make_product(shop=world.shop_a, title=f"Bulk item {number:02d}")
    client = as_user(world.owner_a)

    first = client.get(DASHBOARD)
    second = client.get(DASHBOARD + "?page=2")

    assert first.context["page_obj"].paginator.count == 32
    assert titles_on(first) == [f"Bulk item {number:02d}" for number in range(29, 4, -1)]
    assert titles_on(second) == [f"Bulk item {number:02d}" for number in range(4, -1, -1)] + [
        "Alpha draft chair",
        "Alpha lamp",
    ]


# Statements for one dashboard page, signed in (the session itself comes from the Redis
# cache, not the database). Six queries:
#   the shop by slug (routing middleware), the user (AuthenticationMiddleware), the
#   membership of this shop, COUNT of the products (paginator), the page of products,
#   the categories for the form's <select>;
# plus two `SET search_path` (django-tenants sends one only when the schema changes:
# to public before the shop lookup — creating products switched schemas — then to the
# shop's schema). Nothing per product: the list template reads only the product's own
# columns.
DASHBOARD_QUERIES = 8


def test_dashboard_query_count_does_not_grow_with_products(
    world, as_user, django_assert_num_queries
):
    client = as_user(world.owner_a)
    for number in range(3):  # 2 from the world + 3 = 5 products
        make_product(shop=world.shop_a, title=f"Few {number}")
    client.get(DASHBOARD)  # warm the session cache
    with CaptureQueriesContext(connection) as five:
        response = client.get(DASHBOARD)
    assert len(titles_on(response)) == 5

    for number in range(25):  # 30 products, more than one page of 25
        make_product(shop=world.shop_a, title=f"Many {number}")
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(DASHBOARD)

    assert len(titles_on(response)) == 25
    assert response.context["page_obj"].paginator.count == 30
    assert len(five.captured_queries) == DASHBOARD_QUERIES


# --- /sell/: my shops -------------------------------------------------------------------


def test_my_shops_redirects_a_one_shop_owner_to_their_dashboard(world, as_user):
    response = as_user(world.owner_a).get("/sell/")

    assert response.status_code == 302
    assert response["Location"] == DASHBOARD


def test_my_shops_lists_every_shop_of_a_multi_shop_user(world, as_user):
    person = UserFactory()
    add_member(shop=world.shop_b, user=person, role=Membership.Role.MANAGER)
    add_member(shop=world.shop_a, user=person, role=Membership.Role.STAFF)

    response = as_user(person).get("/sell/")

    assert response.status_code == 200
    assert [(m.shop.slug, m.role) for m in response.context["memberships"]] == [
        ("alpha-goods", "staff"),
        ("beta-store", "manager"),
    ]
    body = response.content.decode()
    assert '<a href="/sell/alpha-goods/">Alpha Goods</a> <span class="badge">Staff</span>' in body
    assert '<a href="/sell/beta-store/">Beta Store</a> <span class="badge">Manager</span>' in body


def test_my_shops_for_someone_without_a_shop(world, as_user):
    response = as_user(world.shopper).get("/sell/")

    assert response.status_code == 200
    assert list(response.context["memberships"]) == []
    assert "You don't work for any shop yet." in response.content.decode()


def test_my_shops_sends_anonymous_visitors_to_sign_in(world, as_user):
    response = as_user(None).get("/sell/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/sell/"


def test_dashboard_of_an_unknown_shop_is_404_for_everyone(world, as_user):
    response = as_user(world.owner_a).get("/sell/no-such-shop/")

    assert response.status_code == 404
    assert template_names(response)[0] == "404.html"
