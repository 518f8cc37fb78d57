"""The seller dashboard's product list at /sell/<slug>/: who sees it, search, filters,
sort, pages, htmx partials, bulk actions; and /sell/ (my shops)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from marketplace.media.images import image_url
from sellers.catalog.models import Product, ProductImage
from sellers.catalog.services import VariantInput
from sellers.listings.models import Listing
from tenants.models import Membership, Shop
from tenants.services import shop_suspend
from tests.factories import CategoryFactory, UserFactory, add_member, make_product

pytestmark = pytest.mark.django_db

DASHBOARD = "/sell/alpha-goods/"
BULK = "/sell/alpha-goods/products/bulk/"
LIST = {"HX-Request": "true", "HX-Target": "product-list"}
MAIN = {"HX-Request": "true", "HX-Target": "dashboard-main"}


def catalog(shop: Shop) -> list[tuple[str, str]]:
    """(title, status) of every product in the shop's own schema."""
    with tenant_context(shop):
        return sorted(Product.objects.values_list("title", "status"))


def listing_titles() -> list[tuple[str, str]]:
    return sorted(Listing.objects.values_list("shop__slug", "title"))


def snapshot(world) -> tuple[object, ...]:  # type: ignore[no-untyped-def]
    return catalog(world.shop_a), catalog(world.shop_b), listing_titles()


def titles_on(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [product.title for product in response.context["page_obj"].object_list]


def template_names(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [template.name for template in response.templates]


def product_id(shop: Shop, title: str) -> int:
    with tenant_context(shop):
        return Product.objects.get(title=title).id


def flash(client) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(message) for message in client.get(DASHBOARD).context["messages"]]


# --- who sees it ------------------------------------------------------------------------------


def test_world_starts_with_the_products_the_tests_assume(world):
    assert catalog(world.shop_a) == [("Alpha draft chair", "draft"), ("Alpha lamp", "published")]
    assert catalog(world.shop_b) == [("Beta kettle", "published")]
    assert listing_titles() == [("alpha-goods", "Alpha lamp"), ("beta-store", "Beta kettle")]


@pytest.mark.parametrize(
    ("method", "path"), [("get", DASHBOARD), ("post", BULK)], ids=["list", "bulk"]
)
def test_anonymous_visitors_are_sent_to_sign_in(world, as_user, method, path):
    before = snapshot(world)
    data = {"action": "publish", "product": [product_id(world.shop_a, "Alpha draft chair")]}

    response = getattr(as_user(None), method)(path, data if method == "post" else None)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"
    assert snapshot(world) == before


@pytest.mark.parametrize("who", ["shopper", "owner_b"])
@pytest.mark.parametrize("request_kind", ["list", "htmx_list", "bulk", "htmx_bulk"])
def test_people_outside_the_shop_are_refused(world, as_user, who, request_kind):
    before = snapshot(world)
    client = as_user(getattr(world, who))
    chair = product_id(world.shop_a, "Alpha draft chair")

    if request_kind == "list":
        response = client.get(DASHBOARD)
    elif request_kind == "htmx_list":
        response = client.get(DASHBOARD, headers=LIST)
    else:
        response = client.post(
            BULK,
            {"action": "delete", "confirm": "on", "product": [chair]},
            headers=LIST if request_kind == "htmx_bulk" else {},
        )

    assert response.status_code == 403
    assert template_names(response)[0] == "403.html"
    assert "Alpha draft chair" not in response.content.decode()
    assert snapshot(world) == before


@pytest.mark.parametrize("who", ["owner_a", "manager_a", "staff_a"])
def test_members_of_the_shop_see_its_products(world, as_user, who):
    response = as_user(getattr(world, who)).get(DASHBOARD)

    assert response.status_code == 200
    assert template_names(response)[0] == "sellers/dashboard.html"
    assert response.context["shop"] == world.shop_a
    assert titles_on(response) == ["Alpha draft chair", "Alpha lamp"]
    body = response.content.decode()
    assert "Beta kettle" not in body
    assert "<h1>Alpha Goods</h1>" in body
    assert 'href="/sell/alpha-goods/products/new/"' in body
    assert 'name="action" value="publish"' in body


def test_the_nav_links_to_products_and_low_stock(world, as_user):
    body = as_user(world.staff_a).get(DASHBOARD).content.decode()

    assert (
        '<a class="dashboard-nav__link" href="/sell/alpha-goods/" aria-current="page">Products</a>'
        in body
    )
    assert (
        '<a class="dashboard-nav__link" href="/sell/alpha-goods/stock/low/">Low stock</a>' in body
    )


def test_an_empty_shop_invites_its_first_product(world, as_user):
    with tenant_context(world.shop_a):
        Product.objects.all().delete()

    response = as_user(world.owner_a).get(DASHBOARD)

    assert titles_on(response) == []
    assert "Add your first product" in response.content.decode()


# --- what a row shows -----------------------------------------------------------------------


def test_each_row_shows_image_price_range_stock_and_low_stock(world, as_user):
    rugs = CategoryFactory(name="Rugs", slug="rugs-h1")
    make_product(
        shop=world.shop_a,
        title="Runner rug",
        category=rugs,
        option_names=["Length"],
        variants=[
            VariantInput(sku="RUG-2", price="49.00", stock=20, options={"Length": "2 m"}),
            VariantInput(sku="RUG-3", price="69.00", stock=2, options={"Length": "3 m"}),
            VariantInput(
                sku="RUG-9",
                price="99.00",
                stock=0,
                options={"Length": "9 m"},
                track_inventory=False,
            ),
        ],
    )
    make_product(
        shop=world.shop_a,
        title="Gift card",
        variants=[VariantInput(sku="GIFT", price="25.00", track_inventory=False)],
    )
    with tenant_context(world.shop_a):
        rug = Product.objects.get(title="Runner rug")
        ProductImage.objects.create(
            product=rug, name="shops/1/products/b.png", width=9, height=9, position=1
        )
        ProductImage.objects.create(
            product=rug, name="shops/1/products/a.png", width=9, height=9, position=0
        )

    response = as_user(world.owner_a).get(DASHBOARD + "?q=rug")
    (row,) = response.context["page_obj"].object_list
    gift = as_user(world.owner_a).get(DASHBOARD + "?q=gift").context["page_obj"].object_list[0]

    assert (
        row.price_min,
        row.price_max,
        row.stock_total,
        row.variant_count,
        row.is_low_stock,
        row.first_image_name,
        row.thumb_url,
        row.category.name,
    ) == (
        Decimal("49.00"),
        Decimal("99.00"),
        22,
        3,
        True,
        "shops/1/products/a.png",
        image_url(name="shops/1/products/a.png", size="thumb"),
        "Rugs",
    )
    assert (gift.stock_total, gift.is_low_stock, gift.thumb_url) == (None, False, "")
    body = response.content.decode()
    assert f'<img src="{row.thumb_url}" alt="" width="48" height="48"' in body
    assert "EUR 49.00–99.00" in body
    assert '22 <span class="badge badge--warning">Low stock</span>' in body
    assert "Rugs · 3 variants" in body


# --- search, filters, sort, pages -----------------------------------------------------------


@pytest.fixture
def assortment(world):  # type: ignore[no-untyped-def]
    home = CategoryFactory(name="Home", slug="home-h1")
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen-h1", parent=home)
    garden = CategoryFactory(name="Garden", slug="garden-h1")
    make_product(
        shop=world.shop_a, title="Copper kettle", price="80.00", stock=40, category=kitchen
    )
    make_product(
        shop=world.shop_a,
        title="Oak shelf",
        price="120.00",
        stock=1,
        category=home,
        status="archived",
    )
    make_product(
        shop=world.shop_a,
        title="Garden hose",
        category=garden,
        status="draft",
        variants=[
            VariantInput(sku="HOSE-GREEN-25", price="15.00", stock=30, low_stock_threshold=2)
        ],
    )
    return {"home": home, "kitchen": kitchen, "garden": garden}


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("q=KETTLE", ["Copper kettle"]),
        ("q=hose-green", ["Garden hose"]),  # a SKU
        ("q=alpha", ["Alpha draft chair", "Alpha lamp"]),
        ("status=draft", ["Garden hose", "Alpha draft chair"]),
        ("status=archived", ["Oak shelf"]),
        ("status=published", ["Copper kettle", "Alpha lamp"]),
        ("low_stock=on", ["Oak shelf", "Alpha draft chair", "Alpha lamp"]),
        ("status=published&low_stock=on", ["Alpha lamp"]),
        (
            "status=nonsense",
            ["Garden hose", "Oak shelf", "Copper kettle", "Alpha draft chair", "Alpha lamp"],
        ),
        (
            "sort=title",
            ["Alpha draft chair", "Alpha lamp", "Copper kettle", "Garden hose", "Oak shelf"],
        ),
        (
            "sort=price",
            ["Alpha draft chair", "Garden hose", "Alpha lamp", "Copper kettle", "Oak shelf"],
        ),
        # Ties (the chair and the lamp have 5 each) newest first.
        (
            "sort=stock",
            ["Oak shelf", "Alpha draft chair", "Alpha lamp", "Garden hose", "Copper kettle"],
        ),
        (
            "sort=bogus",
            ["Garden hose", "Oak shelf", "Copper kettle", "Alpha draft chair", "Alpha lamp"],
        ),
    ],
)
def test_search_filters_and_sorts(world, as_user, assortment, query, titles):
    response = as_user(world.owner_a).get(f"{DASHBOARD}?{query}")

    assert response.status_code == 200
    assert titles_on(response) == titles


def test_a_category_includes_its_sub_categories(world, as_user, assortment):
    client = as_user(world.owner_a)

    home = client.get(f"{DASHBOARD}?category={assortment['home'].id}")
    kitchen = client.get(f"{DASHBOARD}?category={assortment['kitchen'].id}")
    unknown = client.get(f"{DASHBOARD}?category=99999999")

    assert titles_on(home) == ["Oak shelf", "Copper kettle"]
    assert titles_on(kitchen) == ["Copper kettle"]
    assert len(titles_on(unknown)) == 5
    labels = re.findall(r'<option value="\d*"[^>]*>([^<]*)</option>', home.content.decode())
    assert labels.index("\u00a0\u00a0\u00a0Kitchen") == labels.index("Home") + 1


def test_sort_by_recently_updated(world, as_user, assortment):
    with tenant_context(world.shop_a):
        lamp = Product.objects.get(title="Alpha lamp")
        lamp.save()  # auto_now: updated just now

    titles = titles_on(as_user(world.owner_a).get(DASHBOARD + "?sort=updated"))

    assert titles[0] == "Alpha lamp"


def test_no_match_says_so_and_offers_every_product(world, as_user):
    response = as_user(world.owner_a).get(DASHBOARD + "?q=zzz")

    body = response.content.decode()
    assert titles_on(response) == []
    assert "No products match" in body
    assert "0 products match" in body


def test_the_list_is_paginated_by_25_and_pages_keep_the_filters(world, as_user):
    for number in range(30):
        make_product(shop=world.shop_a, title=f"Bulk item {number:02d}")
    client = as_user(world.owner_a)

    first = client.get(DASHBOARD + "?q=bulk&sort=title")
    second = client.get(DASHBOARD + "?q=bulk&sort=title&page=2")

    assert first.context["page_obj"].paginator.count == 30
    assert titles_on(first) == [f"Bulk item {number:02d}" for number in range(25)]
    assert titles_on(second) == [f"Bulk item {number:02d}" for number in range(25, 30)]
    assert 'href="?q=bulk&amp;sort=title&amp;page=2"' in first.content.decode()
    assert "30 products match · showing 1–25" in first.content.decode()


@pytest.mark.parametrize(
    ("headers", "template"),
    [
        (LIST, "sellers/products/partials/list.html"),
        (MAIN, "sellers/partials/dashboard_main.html"),
    ],
    ids=["list", "main"],
)
def test_htmx_gets_only_the_partial_it_targets(world, as_user, headers, template):
    response = as_user(world.owner_a).get(DASHBOARD + "?status=draft", headers=headers)

    assert response.status_code == 200
    assert template_names(response)[0] == template
    assert "base.html" not in template_names(response)
    assert "<html" not in response.content.decode()
    assert titles_on(response) == ["Alpha draft chair"]


def test_the_filter_form_swaps_the_list_and_pushes_the_url(world, as_user):
    body = as_user(world.owner_a).get(DASHBOARD).content.decode()

    form = re.search(r'<form class="catalog-filters"[^>]*>', body, re.DOTALL)
    assert form is not None
    assert 'method="get"' in form.group(0)
    assert 'hx-target="#product-list"' in form.group(0)
    assert 'hx-push-url="true"' in form.group(0)


# Statements for one list page, signed in (the session comes from the Redis cache):
#   the shop by slug (routing middleware), the user, the memberships, the categories
#   (filter <select>, and the sub-categories of a chosen one), COUNT of the products,
#   the page of products with their prices, stock, low-stock flag, first image and
#   category in one statement;
# plus two `SET search_path` (public for the shop lookup, then the shop's schema).
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
        product = make_product(
            shop=world.shop_a,
            title=f"Many {number}",
            option_names=["Size"],
            variants=[
                VariantInput(sku=f"M{number}-S", price="5.00", stock=1, options={"Size": "S"}),
                VariantInput(sku=f"M{number}-L", price="7.00", stock=9, options={"Size": "L"}),
            ],
        )
        with tenant_context(world.shop_a):
            ProductImage.objects.create(
                product=product, name=f"shops/x/{number}.png", width=1, height=1
            )
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(DASHBOARD + "?sort=price&low_stock=on&q=many")

    assert len(titles_on(response)) == 25
    assert response.context["page_obj"].paginator.count == 25
    assert len(five.captured_queries) == DASHBOARD_QUERIES


# --- bulk actions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "status", "message"),
    [
        ("publish", "published", "2 products published."),
        ("unpublish", "draft", "2 products moved to drafts."),
        ("archive", "archived", "2 products archived."),
    ],
)
@pytest.mark.parametrize("who", ["owner_a", "staff_a"])
def test_bulk_status_changes(world, as_user, action, status, message, who):
    # Two products that are not in `status` yet.
    if status == "draft":
        make_product(shop=world.shop_a, title="Extra", status="published")
        titles = ["Alpha lamp", "Extra"]
    else:
        make_product(shop=world.shop_a, title="Extra", status="draft")
        titles = ["Alpha draft chair", "Extra"]
    ids = [product_id(world.shop_a, title) for title in titles]
    client = as_user(getattr(world, who))

    response = client.post(BULK, {"action": action, "product": ids, "back": "status=draft&q=a"})

    assert response.status_code == 302
    assert response["Location"] == "/sell/alpha-goods/?q=a&status=draft"
    with tenant_context(world.shop_a):
        assert set(Product.objects.filter(id__in=ids).values_list("status", flat=True)) == {status}
    listed = set(Listing.objects.filter(shop=world.shop_a).values_list("product_id", flat=True))
    if status == "published":
        assert set(ids) <= listed
    else:
        assert not set(ids) & listed
    assert flash(client) == [message]


def test_bulk_publish_of_already_published_products_changes_nothing(world, as_user):
    client = as_user(world.owner_a)
    before = snapshot(world)

    client.post(BULK, {"action": "publish", "product": [product_id(world.shop_a, "Alpha lamp")]})

    assert snapshot(world) == before
    assert flash(client) == ["Nothing changed: the selected products were already published."]


def test_bulk_without_a_selection_says_so(world, as_user):
    client = as_user(world.owner_a)
    before = snapshot(world)

    response = client.post(BULK, {"action": "archive", "back": "q=lamp"})

    assert response.status_code == 302
    assert response["Location"] == "/sell/alpha-goods/?q=lamp"
    assert snapshot(world) == before
    assert flash(client) == ["Select at least one product first."]


def test_the_way_back_after_a_bulk_action_stays_on_the_list(world, as_user):
    response = as_user(world.owner_a).post(
        BULK,
        {
            "action": "publish",
            "product": [product_id(world.shop_a, "Alpha draft chair")],
            "back": "next=https://evil.example/&q=chair&page=2",
        },
    )

    assert response["Location"] == "/sell/alpha-goods/?q=chair&page=2"


def test_bulk_delete_asks_first_and_works_without_javascript(world, as_user):
    client = as_user(world.owner_a)
    chair = product_id(world.shop_a, "Alpha draft chair")
    lamp = product_id(world.shop_a, "Alpha lamp")
    before = snapshot(world)

    asked = client.post(BULK, {"action": "delete", "product": [chair, lamp], "back": "q=alpha"})

    assert asked.status_code == 200
    assert template_names(asked)[0] == "sellers/products/confirm_delete.html"
    assert [product.title for product in asked.context["products"]] == [
        "Alpha draft chair",
        "Alpha lamp",
    ]
    body = asked.content.decode()
    assert "Delete 2 products?" in body
    assert '<input type="hidden" name="confirm" value="on">' in body
    assert 'href="/sell/alpha-goods/?q=alpha"' in body  # cancel
    assert snapshot(world) == before

    done = client.post(
        BULK, {"action": "delete", "confirm": "on", "product": [chair, lamp], "back": "q=alpha"}
    )

    assert done.status_code == 302
    assert done["Location"] == "/sell/alpha-goods/?q=alpha"
    assert catalog(world.shop_a) == []
    assert listing_titles() == [("beta-store", "Beta kettle")]
    assert catalog(world.shop_b) == [("Beta kettle", "published")]
    assert flash(client) == ["2 products deleted."]


def test_htmx_bulk_actions_answer_inside_the_list(world, as_user):
    client = as_user(world.owner_a)
    chair = product_id(world.shop_a, "Alpha draft chair")

    asked = client.post(BULK, {"action": "delete", "product": [chair]}, headers=LIST)
    published = client.post(
        BULK, {"action": "publish", "product": [chair]}, headers=LIST, follow=True
    )

    assert template_names(asked)[0] == "sellers/products/partials/confirm_delete.html"
    assert "base.html" not in template_names(asked)
    assert template_names(published)[0] == "sellers/products/partials/list.html"
    assert "1 product published." in published.content.decode()
    assert catalog(world.shop_a) == [
        ("Alpha draft chair", "published"),
        ("Alpha lamp", "published"),
    ]


def test_bulk_delete_of_products_already_gone(world, as_user):
    client = as_user(world.owner_a)

    response = client.post(BULK, {"action": "delete", "product": ["999999"]})

    assert response.status_code == 302
    assert flash(client) == ["Those products are gone already."]


def test_bulk_ids_of_another_shop_touch_only_this_shops_products(world, as_user):
    """Product ids are per shop schema: beta's ids at alpha's address mean alpha's
    products with those numbers (if any), never beta's."""
    kettle = product_id(world.shop_b, "Beta kettle")
    beta_before = catalog(world.shop_b)

    as_user(world.owner_a).post(BULK, {"action": "archive", "product": [kettle + 1000]})

    assert catalog(world.shop_b) == beta_before


def test_a_suspended_shops_list_is_read_only(world, as_user):
    shop_suspend(shop=world.shop_a, reason="Checking documents", by=UserFactory(is_staff=True))
    client = as_user(world.owner_a)
    before = snapshot(world)

    page = client.get(DASHBOARD)
    bulk = client.post(
        BULK, {"action": "publish", "product": [product_id(world.shop_a, "Alpha draft chair")]}
    )

    body = page.content.decode()
    assert page.status_code == 200
    assert titles_on(page) == ["Alpha draft chair", "Alpha lamp"]
    assert 'name="product"' not in body
    assert "/products/new/" not in body
    assert bulk.status_code == 403
    assert bulk.context["error"].code == "shop_suspended"
    assert snapshot(world) == before


# --- /sell/: my shops -----------------------------------------------------------------------


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
