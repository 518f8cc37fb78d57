"""Shopper pages: the homepage's sections, a shop's page, a product's page."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from sellers.catalog.services import ProductInput, VariantInput, product_create
from sellers.discounts.services import DiscountInput, discount_create
from sellers.listings.models import Listing
from sellers.listings.sections import home_cache_key
from tenants.models import Shop
from tests.factories import CategoryFactory, make_product, make_shop
from tests.storefront.support import add_image, make_shirt, rate, variant_ids

pytestmark = pytest.mark.django_db


def titles(listings) -> list[str]:  # type: ignore[no-untyped-def]
    return [listing.title for listing in listings]


def titles_on(response) -> list[str]:  # type: ignore[no-untyped-def]
    return titles(response.context["page_obj"].object_list)


def template_names(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [template.name for template in response.templates]


def reverse_or_none(name: str, **kwargs: str) -> str | None:
    """Search and category pages are another part of the storefront; until they are
    routed the homepage shows categories without links."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def suspend(shop: Shop) -> None:
    Shop.objects.filter(id=shop.id).update(
        status="suspended", suspended_at="2026-01-01T00:00Z", suspension_reason="Test"
    )


# --- homepage ---------------------------------------------------------------------------


def test_new_arrivals_are_the_eight_newest_listings_of_every_shop(world, client):
    for number in range(9):
        make_product(shop=world.shop_a if number % 2 else world.shop_b, title=f"Item {number}")
    make_product(shop=world.shop_b, title="Beta secret draft", status="draft")

    response = client.get("/")

    assert response.status_code == 200
    assert template_names(response)[0] == "storefront/home.html"
    assert titles(response.context["sections"].new_arrivals) == [
        f"Item {number}" for number in range(8, 0, -1)
    ]
    body = response.content.decode()
    assert "Beta secret draft" not in body
    assert '<h2 class="section__title" id="new-arrivals-heading">New arrivals</h2>' in body
    assert 'href="/shops/alpha-goods/products/item-7/"' in body


def test_on_sale_lists_only_listings_below_their_compare_at_price(world, client):
    make_product(shop=world.shop_a, title="Cheap lamp", price="20.00", compare_at_price="35.00")
    make_product(shop=world.shop_b, title="Cheap kettle", price="9.50", compare_at_price="12.00")

    response = client.get("/")

    assert titles(response.context["sections"].on_sale) == ["Cheap kettle", "Cheap lamp"]
    body = response.content.decode()
    section = body[
        body.index('id="on-sale-heading"') : body.index(
            "</section>", body.index('id="on-sale-heading"')
        )
    ]
    assert section.count('<span class="badge badge--sale">On sale</span>') == 2
    assert (
        '<span class="price__current price__current--sale"><span class="visually-hidden">'
        "Sale price </span>EUR 20.00</span>" in section
    )
    assert '<s class="price__was"><span class="visually-hidden">was </span>EUR 35.00</s>' in section


def test_top_rated_is_hidden_until_something_is_rated_then_best_first(world, client):
    assert "Top rated" not in client.get("/").content.decode()

    lamp = make_product(shop=world.shop_a, title="Rated lamp")
    mug = make_product(shop=world.shop_b, title="Rated mug")
    make_product(shop=world.shop_b, title="Unrated cup")
    rate(world.shop_a, lamp, average="4.20", count=5)
    rate(world.shop_b, mug, average="4.80", count=2)
    cache.delete(home_cache_key())

    response = client.get("/")

    assert titles(response.context["sections"].top_rated) == ["Rated mug", "Rated lamp"]
    body = response.content.decode()
    assert "Top rated" in body
    assert (
        '<p class="rating"><span class="rating__stars" aria-hidden="true">★★★★☆</span> '
        '<span class="visually-hidden">Rated </span>4.2<span class="visually-hidden"> out of 5,'
        '</span> <span class="rating__count">(5<span class="visually-hidden"> reviews</span>)'
        "</span></p>" in body
    )


def test_popular_categories_count_their_sub_categories_and_link_to_their_page(world, client):
    home = CategoryFactory(name="Home", slug="home-goods")
    lighting = CategoryFactory(name="Lighting", slug="lighting", parent=home)
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen")
    CategoryFactory(name="Empty", slug="empty")
    for number in range(3):
        make_product(shop=world.shop_a, title=f"Lamp {number}", category=lighting)
    make_product(shop=world.shop_b, title="Rug", category=home)
    make_product(shop=world.shop_b, title="Pan", category=kitchen)
    make_product(shop=world.shop_b, title="Draft pan", category=kitchen, status="draft")

    response = client.get("/")

    assert [
        (category.name, category.slug, category.listing_count)
        for category in response.context["sections"].categories
    ] == [("Home", "home-goods", 4), ("Lighting", "lighting", 3), ("Kitchen", "kitchen", 1)]
    body = response.content.decode()
    href = reverse_or_none("storefront:category", category_slug="lighting")
    chip = (
        '<span class="category-chip__name">Lighting</span> <span class="category-chip__count">3'
        '<span class="visually-hidden"> products</span></span>'
    )
    if href is None:
        assert f'<span class="category-chip">{chip}</span>' in body
    else:
        assert f'<a class="category-chip" href="{href}">{chip}</a>' in body
    assert "Empty" not in body


def test_featured_shops_come_first_then_the_busiest_shops(world, client):
    quiet = make_shop(name="Quiet Featured")  # no products, but featured
    busy = make_shop(name="Busy Shop")
    for number in range(3):
        make_product(shop=busy, title=f"Busy {number}")
    make_shop(name="Empty Shop")  # neither featured nor selling: left out
    Shop.objects.filter(id=quiet.id).update(is_featured=True)

    response = client.get("/")

    assert [
        (shop.name, shop.listing_count, shop.is_featured)
        for shop in response.context["sections"].shops
    ] == [
        ("Quiet Featured", 0, True),
        ("Busy Shop", 3, False),
        ("Alpha Goods", 1, False),
        ("Beta Store", 1, False),
    ]
    body = response.content.decode()
    assert (
        '<h3 class="shop-card__name"><a class="shop-card__link" href="/shops/'
        f'{busy.slug}/">Busy Shop</a></h3>' in body
    )
    assert '<p class="shop-card__count">3 products</p>' in body
    assert "Empty Shop" not in body


def test_a_suspended_shop_leaves_every_homepage_section(world, client):
    shop = make_shop(name="Gamma Things")
    vases = CategoryFactory(name="Vases", slug="vases")
    vase = make_product(shop=shop, title="Gamma vase", compare_at_price="99.00", category=vases)
    rate(shop, vase, average="5.00", count=1)
    Shop.objects.filter(id=shop.id).update(is_featured=True)
    suspend(shop)

    response = client.get("/")

    sections = response.context["sections"]
    assert titles(sections.new_arrivals) == ["Beta kettle", "Alpha lamp"]
    assert (sections.on_sale, sections.top_rated, sections.categories) == ([], [], [])
    assert [card.name for card in sections.shops] == ["Alpha Goods", "Beta Store"]
    body = response.content.decode()
    assert "Gamma" not in body
    assert "Vases" not in body


def test_the_homepage_search_box_sends_a_get_to_the_search_page(world, client):
    body = client.get("/").content.decode()

    action = reverse_or_none("storefront:search") or "/search"
    assert f'<form class="home-search" role="search" method="get" action="{action}">' in body
    assert '<input id="home-search-q" type="search" name="q"' in body


def test_an_old_search_link_on_the_homepage_goes_to_the_search_page(world, client):
    response = client.get("/", {"q": "lamp", "utm_source": "mail"})

    search = reverse_or_none("storefront:search")
    if search is None:
        assert response.status_code == 200  # nothing to send it to yet
    else:
        assert (response.status_code, response["Location"]) == (
            302,
            f"{search}?q=lamp&utm_source=mail",
        )


def test_the_homepage_sections_are_cached_for_a_minute(world, client, settings):
    client.get("/")
    make_product(shop=world.shop_a, title="Brand new lamp")

    cached = client.get("/")
    cache.delete(home_cache_key())  # what the minute's expiry does
    fresh = client.get("/")

    assert "Brand new lamp" not in titles(cached.context["sections"].new_arrivals)
    assert titles(fresh.context["sections"].new_arrivals)[0] == "Brand new lamp"


def test_an_empty_marketplace_says_so(world, client):
    Listing.objects.all().delete()

    body = client.get("/").content.decode()

    assert '<p class="empty-state__title">No products yet</p>' in body
    assert "On sale" not in body and "Top rated" not in body


# --- shop page --------------------------------------------------------------------------


def test_shop_page_lists_only_that_shops_published_listings(world, client):
    make_product(shop=world.shop_a, title="Alpha mirror")
    make_product(shop=world.shop_b, title="Beta mirror")
    make_product(shop=world.shop_a, title="Alpha secret", status="draft")

    alpha = client.get("/shops/alpha-goods/")
    beta = client.get("/shops/beta-store/")

    assert alpha.status_code == 200
    assert template_names(alpha)[0] == "storefront/shop_detail.html"
    assert alpha.context["shop"] == world.shop_a
    assert titles_on(alpha) == ["Alpha mirror", "Alpha lamp"]
    assert titles_on(beta) == ["Beta mirror", "Beta kettle"]
    body = alpha.content.decode()
    assert '<h1 class="shop-header__name">Alpha Goods</h1>' in body
    assert '<p class="muted shop-count">2 products</p>' in body
    assert "Alpha secret" not in body


def test_shop_page_shows_banner_logo_description_policies_and_shipping(world, client, media_root):
    shop = make_shop(name="Gamma Ceramics")
    Shop.objects.filter(id=shop.id).update(
        banner=f"shops/{shop.id}/banner/b.jpg",
        logo=f"shops/{shop.id}/logo/l.png",
        description="Bowls thrown by hand.",
        shipping_policy="Ships in 2 days.\n\nTracked.",
        returns_policy="30 days, free returns.",
        support_email="help@gamma.example",
        shipping_flat_rate=Decimal("4.90"),
        free_shipping_threshold=Decimal("50.00"),
        tax_rate=Decimal("21.00"),
    )

    body = client.get(f"/shops/{shop.slug}/").content.decode()

    assert (
        f'<img class="shop-banner__image" src="/media/shops/{shop.id}/banner/b_gallery.jpg" '
        'alt="" width="1200" height="300">' in body
    )
    assert (
        f'<img class="shop-header__logo" src="/media/shops/{shop.id}/logo/l_card.png" '
        'alt="Gamma Ceramics logo" width="112" height="112">' in body
    )
    assert '<div class="prose shop-description"><p>Bowls thrown by hand.</p></div>' in body
    assert re.findall(r"<li>([^<]*)</li>", body) == [
        "Free shipping from EUR 50",
        "Flat EUR 4.90 per order",
        "Prices include 21% tax.",
    ]
    assert '<div class="policy__text"><p>Ships in 2 days.</p>\n\n<p>Tracked.</p></div>' in body
    assert '<div class="policy__text"><p>30 days, free returns.</p></div>' in body
    assert '<a href="mailto:help@gamma.example">help@gamma.example</a>' in body


@pytest.mark.parametrize(
    ("flat", "threshold", "tax", "lines"),
    [
        ("0.00", None, "0.00", ["Free shipping on every order", "Prices include any taxes."]),
        ("4.90", None, "7.50", ["Flat EUR 4.90 per order", "Prices include 7.5% tax."]),
        ("5.00", "0.00", "20.00", ["Free shipping on every order", "Prices include 20% tax."]),
        ("0.00", "50.00", "0.00", ["Free shipping on every order", "Prices include any taxes."]),
        (
            "3.00",
            "1250.50",
            "0.00",
            [
                "Free shipping from EUR 1,250.50",
                "Flat EUR 3 per order",
                "Prices include any taxes.",
            ],
        ),
    ],
)
def test_the_shipping_summary_reads_as_shoppers_pay(world, client, flat, threshold, tax, lines):
    Shop.objects.filter(id=world.shop_b.id).update(
        shipping_flat_rate=Decimal(flat),
        free_shipping_threshold=None if threshold is None else Decimal(threshold),
        tax_rate=Decimal(tax),
    )

    body = client.get("/shops/beta-store/").content.decode()

    assert re.findall(r"<li>([^<]*)</li>", body) == lines


def test_the_shop_page_is_paginated_by_24(world, client):
    for number in range(25):
        make_product(shop=world.shop_b, title=f"Thing {number:02d}")

    first = client.get("/shops/beta-store/")
    second = client.get("/shops/beta-store/", {"page": "2"})

    assert titles_on(first) == [f"Thing {number:02d}" for number in range(24, 0, -1)]
    assert titles_on(second) == ["Thing 00", "Beta kettle"]
    assert 'href="?page=2" rel="next"' in first.content.decode()


def test_a_suspended_shop_shows_a_notice_and_no_products(world, client):
    shop = make_shop(name="Gamma Things")
    make_product(shop=shop, title="Gamma vase")
    suspend(shop)

    response = client.get(f"/shops/{shop.slug}/")

    assert response.status_code == 200
    assert template_names(response)[0] == "storefront/shop_suspended.html"
    body = response.content.decode()
    assert "This shop is temporarily unavailable" in body
    assert '<meta name="robots" content="noindex">' in body
    assert "Gamma vase" not in body
    assert "Test" not in body  # the reason is for the shop's staff


def test_unknown_shop_is_the_404_page(world, client):
    for path in ("/shops/no-such-shop/", "/shops/no-such-shop/products/alpha-lamp/"):
        response = client.get(path)

        assert response.status_code == 404
        assert template_names(response)[0] == "404.html"
        assert "We can't find that page" in response.content.decode()


# --- product page -----------------------------------------------------------------------


def test_product_page_reads_the_product_from_its_own_shops_schema(world, client):
    # The same slug in both shops: each shop's URL must show its own product.
    make_product(shop=world.shop_b, title="Alpha lamp", price="99.00", stock=0)

    alpha = client.get("/shops/alpha-goods/products/alpha-lamp/")
    beta = client.get("/shops/beta-store/products/alpha-lamp/")

    assert alpha.status_code == beta.status_code == 200
    assert template_names(alpha)[0] == "storefront/product_detail.html"
    assert (alpha.context["shop"], alpha.context["variant"].price) == (
        world.shop_a,
        Decimal("30.00"),
    )
    assert (beta.context["shop"], beta.context["variant"].price) == (
        world.shop_b,
        Decimal("99.00"),
    )
    assert ">EUR 30.00</span>" in alpha.content.decode()
    assert "data-stock>Only 5 left</p>" in alpha.content.decode()
    assert ">EUR 99.00</span>" in beta.content.decode()
    assert "data-stock>Out of stock</p>" in beta.content.decode()


def test_the_first_variant_in_stock_is_shown_with_its_price_and_stock(world, client):
    make_shirt(world.shop_a)

    response = client.get("/shops/alpha-goods/products/linen-shirt/")

    assert response.context["variant"].sku == "SHIRT-S-BLUE"
    body = response.content.decode()
    assert '<span class="price__current" data-price>EUR 40.00</span>' in body
    assert '<s class="price__was" data-compare-at hidden>' in body
    assert '<p class="stock" data-stock>In stock</p>' in body
    assert "<span data-sku>SHIRT-S-BLUE</span>" in body


def test_the_picker_offers_every_option_value_and_marks_the_chosen_ones(world, client):
    make_shirt(world.shop_a)

    body = client.get("/shops/alpha-goods/products/linen-shirt/").content.decode()

    assert re.findall(r"<legend>([^<]+)</legend>", body) == ["Size", "Colour"]
    radios = re.findall(r'<input type="radio" name="(option\d)" value="([^"]+)"( checked)?>', body)
    assert radios == [
        ("option1", "S", " checked"),
        ("option1", "M", ""),
        ("option1", "L", ""),
        ("option2", "Blue", " checked"),
        ("option2", "Red", ""),
    ]
    assert (
        '<form class="variant-picker" method="get" action="/shops/alpha-goods/products/'
        'linen-shirt/" data-variant-picker data-variants="variant-data" data-currency="EUR">'
        in body
    )
    assert '<button type="submit" class="button button--secondary" data-picker-submit>' in body


def test_the_page_embeds_the_variant_table_for_the_picker_script(world, client):
    shirt = make_shirt(world.shop_a)
    ids = variant_ids(world.shop_a, shirt)

    body = client.get("/shops/alpha-goods/products/linen-shirt/").content.decode()

    table = json.loads(
        re.search(r'<script id="variant-data" type="application/json">(.*?)</script>', body)[1]
    )
    assert table == [
        {"id": ids["SHIRT-S-BLUE"], "sku": "SHIRT-S-BLUE", "options": ["S", "Blue"],
         "price": "40.00", "compare_at_price": None, "stock_status": "In stock"},
        {"id": ids["SHIRT-S-RED"], "sku": "SHIRT-S-RED", "options": ["S", "Red"],
         "price": "30.00", "compare_at_price": "45.00", "stock_status": "Only 3 left"},
        {"id": ids["SHIRT-M-BLUE"], "sku": "SHIRT-M-BLUE", "options": ["M", "Blue"],
         "price": "42.00", "compare_at_price": None, "stock_status": "In stock"},
        {"id": ids["SHIRT-L-BLUE"], "sku": "SHIRT-L-BLUE", "options": ["L", "Blue"],
         "price": "44.00", "compare_at_price": None, "stock_status": "Out of stock"},
        {"id": ids["SHIRT-L-RED"], "sku": "SHIRT-L-RED", "options": ["L", "Red"],
         "price": "44.00", "compare_at_price": None, "stock_status": "Only 2 left"},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("query", "sku", "price", "stock"),
    [
        ({"option1": "S", "option2": "Red"}, "SHIRT-S-RED", "EUR 30.00", "Only 3 left"),
        ({"option1": "L", "option2": "Blue"}, "SHIRT-L-BLUE", "EUR 44.00", "Out of stock"),
        ({"option1": "M"}, "SHIRT-M-BLUE", "EUR 42.00", "In stock"),
        ({"variant": "SHIRT-L-RED"}, "SHIRT-L-RED", "EUR 44.00", "Only 2 left"),
        # The form's options win over the variant id it also carries (stale without JS).
        ({"variant": "SHIRT-L-RED", "option1": "S", "option2": "Blue"}, "SHIRT-S-BLUE",
         "EUR 40.00", "In stock"),
        ({"variant": "999999"}, "SHIRT-S-BLUE", "EUR 40.00", "In stock"),
        ({"variant": "abc", "option1": "XXL"}, "SHIRT-S-BLUE", "EUR 40.00", "In stock"),
    ],
)  # fmt: skip
def test_without_javascript_the_get_form_picks_the_variant(world, client, query, sku, price, stock):
    shirt = make_shirt(world.shop_a)
    if "variant" in query and query["variant"].startswith("SHIRT"):
        query = {**query, "variant": str(variant_ids(world.shop_a, shirt)[query["variant"]])}

    response = client.get("/shops/alpha-goods/products/linen-shirt/", query)

    assert response.status_code == 200
    assert response.context["variant"].sku == sku
    body = response.content.decode()
    assert f"data-price>{price}</span>" in body
    assert f"data-stock>{stock}</p>" in body


def test_a_combination_no_variant_has_says_so_and_shows_the_closest(world, client):
    make_shirt(world.shop_a)

    response = client.get(
        "/shops/alpha-goods/products/linen-shirt/", {"option1": "M", "option2": "Red"}
    )

    assert response.context["variant"].sku == "SHIRT-M-BLUE"
    assert (
        '<p class="flash flash--warning" role="status">Size M, Colour Red isn\'t available '
        "together; showing M / Blue.</p>" in response.content.decode()
    )


def test_a_sale_variant_shows_the_crossed_out_price_and_badge(world, client):
    shirt = make_shirt(world.shop_a)
    red = variant_ids(world.shop_a, shirt)["SHIRT-S-RED"]

    body = client.get("/shops/alpha-goods/products/linen-shirt/", {"variant": red}).content.decode()

    assert '<span class="price__current price__current--sale" data-price>EUR 30.00</span>' in body
    assert (
        '<s class="price__was" data-compare-at><span class="visually-hidden">was </span>'
        "<span data-compare-at-amount>EUR 45.00</span></s>" in body
    )
    assert '<span class="badge badge--sale" data-sale-badge>On sale</span>' in body
    assert '<p class="stock stock--low" data-stock>Only 3 left</p>' in body


def test_the_gallery_shows_every_image_in_order_with_thumbnail_links(world, client, media_root):
    shirt = make_shirt(world.shop_a)
    first = add_image(world.shop_a, shirt, alt="Front", colour=(10, 10, 10))
    second = add_image(world.shop_a, shirt, alt="", colour=(250, 250, 250))

    body = client.get("/shops/alpha-goods/products/linen-shirt/").content.decode()

    def url(name: str, size: str) -> str:
        root, extension = name.rsplit(".", 1)
        return f"/media/{root}_{size}.{extension}"

    assert (
        f'<a class="gallery__main" href="{url(first.name, "gallery")}" data-gallery-main-link>'
        in body
    )
    assert (
        f'<img class="gallery__image" src="{url(first.name, "gallery")}" alt="Front" '
        'width="60" height="40" data-gallery-main>' in body
    )
    thumbs = re.findall(
        r'<a class="gallery__thumb" href="([^"]+)"[^>]*><img src="([^"]+)" alt="([^"]+)"', body
    )
    assert thumbs == [
        (url(first.name, "gallery"), url(first.name, "thumb"), "Front (picture 1 of 2)"),
        (url(second.name, "gallery"), url(second.name, "thumb"), "Linen shirt (picture 2 of 2)"),
    ]
    assert 'src="/static/js/gallery.js"' in body or "js/gallery" in body


def test_description_attributes_shop_card_and_policies(world, client):
    product_create(
        shop=world.shop_b,
        data=ProductInput(
            title="Copper kettle",
            status="published",
            description="Hand **hammered** copper.\n\n- 1.5 litres\n- Gas and induction",
            attributes=[
                {"name": "Material", "value": "Copper"},
                {"name": "Volume", "value": "1.5 l"},
            ],
            variants=[VariantInput(sku="KETTLE-CU", price="89.00", stock=4)],
        ),
    )
    Shop.objects.filter(id=world.shop_b.id).update(
        support_email="care@beta.example",
        returns_policy="Returns within 14 days.",
        shipping_flat_rate=Decimal("5.00"),
    )

    body = client.get("/shops/beta-store/products/copper-kettle/").content.decode()

    assert (
        '<div class="prose product-description"><p>Hand <strong>hammered</strong> copper.</p>\n'
        "<ul>\n<li>1.5 litres</li>\n<li>Gas and induction</li>\n</ul></div>" in body
    )
    assert re.findall(r'<tr><th scope="row">([^<]+)</th><td>([^<]+)</td></tr>', body) == [
        ("Material", "Copper"),
        ("Volume", "1.5 l"),
    ]
    assert '<p class="shop-mini-card__name"><a href="/shops/beta-store/">Beta Store</a></p>' in body
    assert '<a href="mailto:care@beta.example">care@beta.example</a>' in body
    assert "<li>Flat EUR 5 per order</li>" in body
    assert '<div class="policy__text"><p>Returns within 14 days.</p></div>' in body
    assert "<legend>" not in body  # one variant, no options: no picker


@pytest.mark.parametrize(
    "path",
    [
        "/shops/alpha-goods/products/beta-kettle/",  # another shop's product
        "/shops/beta-store/products/alpha-lamp/",
        "/shops/alpha-goods/products/alpha-draft-chair/",  # a draft
        "/shops/alpha-goods/products/no-such-thing/",
    ],
)
def test_product_page_is_404_for_products_this_shop_does_not_sell(world, as_user, path):
    # Nobody sees a draft: not its own shop's owner either (they preview in the dashboard).
    for client in (as_user(None), as_user(world.shopper), as_user(world.owner_a)):
        response = client.get(path)

        assert response.status_code == 404
        assert template_names(response)[0] == "404.html"


def test_an_archived_product_is_404(world, client):
    make_product(shop=world.shop_a, title="Retired lamp", status="archived")

    response = client.get("/shops/alpha-goods/products/retired-lamp/")

    assert response.status_code == 404


def test_a_suspended_shops_product_page_is_404_with_the_notice(world, client):
    shop = make_shop(name="Gamma Things")
    make_product(shop=shop, title="Gamma vase")
    suspend(shop)

    response = client.get(f"/shops/{shop.slug}/products/gamma-vase/")

    assert response.status_code == 404
    assert template_names(response)[0] == "storefront/shop_suspended.html"
    assert "Gamma vase" not in response.content.decode()


def test_pages_only_answer_get(world, client):
    for path in ("/", "/shops/alpha-goods/", "/shops/alpha-goods/products/alpha-lamp/"):
        assert client.post(path).status_code == 405


# --- query counts -----------------------------------------------------------------------

# django-tenants sends `SET search_path` only when the schema changes
# (TENANT_LIMIT_SET_CALLS); creating products before a request switched to a shop schema
# and back, so the first request after that starts with one SET.
# Homepage, cold cache: the SET, then new arrivals, on sale, top rated, category counts,
# the category tree and featured shops. No session or user query: an anonymous visitor
# has no session cookie.
HOME_QUERIES_COLD = 7
# Warm: everything comes from the cache (Redis), not one database query.
HOME_QUERIES_WARM = 0
# Shop page: the SET, the shop by slug (routing middleware), a SET to the shop's schema,
# then COUNT and one page of listings (their shop joined).
SHOP_QUERIES = 5
# Product page: the SET, the shop by slug, a SET to its schema, the product with its
# category, its variants, its images, its listing's rating, the live discounts and the
# live promotions (none live here).
PRODUCT_QUERIES = 9


def _search_path_unset() -> None:
    """As after any catalog write (which switches to a shop schema and back): the next
    query starts with `SET search_path`. Makes the measured requests alike."""
    connection.set_schema_to_public()  # type: ignore[attr-defined]


def _many_listings(world, count: int) -> None:  # type: ignore[no-untyped-def]
    category = CategoryFactory(name="Things", slug="things")
    start = Listing.objects.filter(title__startswith="Thing ").count()
    for number in range(start, start + count):
        make_product(
            shop=world.shop_b,
            title=f"Thing {number}",
            category=category,
            compare_at_price="99.00" if number % 2 else None,
        )
        if number % 3 == 0:
            Listing.objects.filter(title=f"Thing {number}").update(rating_count=1, rating_average=4)


def test_the_homepage_makes_the_same_queries_for_few_or_many_listings(
    world, client, django_assert_num_queries
):
    _many_listings(world, 2)
    _search_path_unset()
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    cache.delete(home_cache_key())
    for number in range(4):
        shop = make_shop(name=f"Extra {number}")
        make_product(shop=shop, title=f"Extra item {number}", compare_at_price="50.00")
    _many_listings(world, 28)
    _search_path_unset()

    with django_assert_num_queries(HOME_QUERIES_COLD):
        cold = client.get("/")
    with django_assert_num_queries(HOME_QUERIES_WARM):
        warm = client.get("/")

    assert len(few.captured_queries) == HOME_QUERIES_COLD
    sections = cold.context["sections"]
    assert [len(section) for section in (sections.new_arrivals, sections.on_sale)] == [8, 8]
    assert len(sections.top_rated) == 8 and len(sections.shops) == 6
    assert warm.context["sections"] == sections


def test_the_shop_page_makes_the_same_queries_for_few_or_many_listings(
    world, client, django_assert_num_queries
):
    _many_listings(world, 1)
    _search_path_unset()
    with CaptureQueriesContext(connection) as few:
        response = client.get("/shops/beta-store/")
    assert response.context["page_obj"].paginator.count == 2

    _many_listings(world, 27)
    _search_path_unset()
    with django_assert_num_queries(SHOP_QUERIES):
        response = client.get("/shops/beta-store/")

    assert response.context["page_obj"].paginator.count == 29
    assert len(response.context["page_obj"].object_list) == 24
    assert len(few.captured_queries) == SHOP_QUERIES


def test_the_product_page_makes_the_same_queries_for_one_or_many_variants_and_images(
    world, client, media_root, django_assert_num_queries
):
    _search_path_unset()
    with CaptureQueriesContext(connection) as one:
        client.get("/shops/alpha-goods/products/alpha-lamp/")
    shirt = make_shirt(world.shop_a)
    for colour in ((1, 2, 3), (4, 5, 6), (7, 8, 9)):
        add_image(world.shop_a, shirt, colour=colour)
    _search_path_unset()

    with django_assert_num_queries(PRODUCT_QUERIES):
        response = client.get("/shops/alpha-goods/products/linen-shirt/")

    assert (len(response.context["page"].variants), len(response.context["gallery"])) == (5, 3)
    assert len(one.captured_queries) == PRODUCT_QUERIES


def test_signed_in_homepage_adds_only_the_user_query(world, as_user, django_assert_num_queries):
    """The session comes from the cache; the header needs the user: one more query. The
    warm-up request already set the search path and filled the section cache."""
    client = as_user(world.shopper)
    client.get("/")

    with django_assert_num_queries(1):
        response = client.get("/")

    assert response.status_code == 200


def test_the_product_page_shows_the_live_discount_like_the_listing(world, client):
    shop = make_shop(name="Sale Shop")
    make_product(shop=shop, title="Sale mug", price="40.00")
    discount_create(
        shop=shop, actor=None, data=DiscountInput(name="Spring", kind="percentage", value="25")
    )

    page = client.get(f"/shops/{shop.slug}/products/sale-mug/")
    listing = Listing.objects.get(shop=shop, slug="sale-mug")

    variant = page.context["variant"]
    assert (variant.price, variant.compare_at_price) == (Decimal("30.00"), Decimal("40.00"))
    assert (listing.price, listing.compare_at_price) == (Decimal("30.00"), Decimal("40.00"))
    assert "EUR 30.00" in page.content.decode()
