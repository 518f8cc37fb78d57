"""What search engines and link previews read: titles, descriptions, canonical URLs,
OpenGraph and Twitter tags, JSON-LD, the sitemaps and robots.txt."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import NoReverseMatch, reverse

from sellers.catalog.models import Product
from sellers.listings.models import Listing
from storefront import sitemaps
from tenants.models import Shop
from tenants.schemas import shop_schema
from tests.factories import CategoryFactory, make_product, make_shop
from tests.storefront.support import add_image, make_shirt, rate, variant_ids

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


class Head(HTMLParser):
    """The <title>, <meta>, <link rel=canonical> and JSON-LD blocks of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.title = ""
        self.meta: dict[str, list[str]] = {}
        self.canonical: list[str] = []
        self.json_ld: list[object] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "title":
            self._in = "title"
        elif tag == "meta" and ("name" in values or "property" in values):
            key = values.get("property") or values["name"]
            self.meta.setdefault(key, []).append(values.get("content", ""))
        elif tag == "link" and values.get("rel") == "canonical":
            self.canonical.append(values["href"])
        elif tag == "script" and values.get("type") == "application/ld+json":
            self._in = "json_ld"

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.title += data
        elif self._in == "json_ld":
            self.json_ld.append(json.loads(data))


def head(response) -> Head:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    parser = Head()
    parser.feed(response.content.decode())
    return parser


def one(parsed: Head, key: str) -> str:
    values = parsed.meta.get(key, [])
    assert len(values) == 1, f"{key}: {values}"
    return values[0]


def json_ld_of_type(parsed: Head, kind: str) -> dict:  # type: ignore[type-arg]
    found = [data for data in parsed.json_ld if isinstance(data, dict) and data["@type"] == kind]
    assert len(found) == 1
    return found[0]


# --- the homepage -----------------------------------------------------------------------


def test_the_homepage_head(world, client, site_url):
    parsed = head(client.get("/", {"utm_source": "news", "fbclid": "x"}))

    assert parsed.title == "Marketplace — every shop, one cart"
    description = (
        "Shop independent sellers in one place: new arrivals, deals and top-rated products "
        "from every shop, one cart and one checkout."
    )
    assert parsed.meta["description"] == [description]
    assert parsed.canonical == ["https://market.example/"]  # tracking parameters dropped
    assert one(parsed, "og:url") == "https://market.example/"
    assert one(parsed, "og:type") == "website"
    assert one(parsed, "og:title") == "Marketplace — every shop, one cart"
    assert one(parsed, "og:description") == description
    assert one(parsed, "og:site_name") == "Marketplace"
    assert "og:image" not in parsed.meta
    assert one(parsed, "twitter:card") == "summary"
    assert one(parsed, "twitter:title") == "Marketplace — every shop, one cart"
    assert parsed.json_ld == [
        {
            "@context": "https://schema.org",
            "@type": "WebSite",
            "name": "Marketplace",
            "url": "https://market.example/",
        }
    ]


# --- a shop's page ----------------------------------------------------------------------


def test_a_shop_page_head(world, client, site_url):
    Shop.objects.filter(id=world.shop_a.id).update(
        description="Lamps and   lights,\nmade in Utrecht. " + "Warm light. " * 20,
        logo=f"shops/{world.shop_a.id}/logo/a.png",
    )

    parsed = head(client.get("/shops/alpha-goods/", {"utm_campaign": "x"}))

    assert parsed.title == "Alpha Goods · Marketplace"
    description = one(parsed, "description")
    assert description.startswith("Lamps and lights, made in Utrecht. Warm light. Warm light.")
    assert len(description) == 160 and description.endswith("…")
    assert parsed.canonical == ["https://market.example/shops/alpha-goods/"]
    assert one(parsed, "og:url") == "https://market.example/shops/alpha-goods/"
    assert one(parsed, "og:title") == "Alpha Goods · Marketplace"
    assert one(parsed, "og:description") == description
    assert one(parsed, "og:image") == (
        f"https://market.example/media/shops/{world.shop_a.id}/logo/a_card.png"
    )
    assert one(parsed, "og:image:alt") == "Alpha Goods logo"
    assert one(parsed, "twitter:card") == "summary_large_image"
    assert one(parsed, "twitter:image") == one(parsed, "og:image")
    assert json_ld_of_type(parsed, "BreadcrumbList") == {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": 1, "name": "Marketplace",
             "item": "https://market.example/"},
            {"@type": "ListItem", "position": 2, "name": "Alpha Goods",
             "item": "https://market.example/shops/alpha-goods/"},
        ],
    }  # fmt: skip


def test_a_shop_without_a_description_gets_a_written_one(world, client, site_url):
    parsed = head(client.get("/shops/beta-store/"))

    assert parsed.meta["description"] == ["Beta Store: products for sale on Marketplace."]
    assert "og:image" not in parsed.meta


def test_a_paginated_shop_page_is_canonical_to_itself(world, client, site_url):
    for number in range(25):
        make_product(shop=world.shop_b, title=f"Thing {number}")

    first = head(client.get("/shops/beta-store/", {"page": "1"}))
    second = head(client.get("/shops/beta-store/", {"page": "2", "gclid": "abc"}))
    beyond = head(client.get("/shops/beta-store/", {"page": "9"}))

    assert first.canonical == ["https://market.example/shops/beta-store/"]
    assert second.canonical == ["https://market.example/shops/beta-store/?page=2"]
    assert second.title == "Beta Store · Page 2 · Marketplace"
    assert beyond.canonical == ["https://market.example/shops/beta-store/?page=2"]


def test_a_suspended_shop_is_not_indexed(world, client, site_url):
    shop = make_shop(name="Gamma Things")
    Shop.objects.filter(id=shop.id).update(
        status="suspended", suspended_at="2026-01-01T00:00Z", suspension_reason="Spam"
    )

    body = client.get(f"/shops/{shop.slug}/").content.decode()

    assert '<meta name="robots" content="noindex">' in body
    assert 'rel="canonical"' not in body


# --- a product's page -------------------------------------------------------------------


def test_a_product_page_head(world, client, site_url, media_root):
    shirt = make_shirt(
        world.shop_a,
        description="A **linen** shirt for warm days.\n\nWashes at 40°C.",
    )
    front = add_image(world.shop_a, shirt, alt="Front view", colour=(1, 1, 1))
    back = add_image(world.shop_a, shirt, alt="", colour=(2, 2, 2))
    ids = variant_ids(world.shop_a, shirt)

    parsed = head(client.get("/shops/alpha-goods/products/linen-shirt/", {"utm_medium": "social"}))

    def gallery(name: str) -> str:
        root, extension = name.rsplit(".", 1)
        return f"https://market.example/media/{root}_gallery.{extension}"

    url = "https://market.example/shops/alpha-goods/products/linen-shirt/"
    assert parsed.title == "Linen shirt · Alpha Goods"
    assert parsed.meta["description"] == ["A linen shirt for warm days. Washes at 40°C."]
    assert parsed.canonical == [url]
    assert one(parsed, "og:type") == "product"
    assert one(parsed, "og:url") == url
    assert one(parsed, "og:title") == "Linen shirt · Alpha Goods"
    assert one(parsed, "og:description") == "A linen shirt for warm days. Washes at 40°C."
    assert one(parsed, "og:image") == gallery(front.name)
    assert one(parsed, "og:image:alt") == "Front view"
    assert one(parsed, "product:price:amount") == "40.00"
    assert one(parsed, "product:price:currency") == "EUR"
    assert one(parsed, "twitter:card") == "summary_large_image"
    assert json_ld_of_type(parsed, "Product") == {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": "Linen shirt",
        "url": url,
        "sku": "SHIRT-S-BLUE",
        "brand": {"@type": "Brand", "name": "Alpha Goods"},
        "image": [gallery(front.name), gallery(back.name)],
        "description": "A linen shirt for warm days. Washes at 40°C.",
        "offers": [
            {"@type": "Offer", "sku": sku, "price": price, "priceCurrency": "EUR",
             "availability": f"https://schema.org/{availability}",
             "url": f"{url}?variant={ids[sku]}"}
            for sku, price, availability in [
                ("SHIRT-S-BLUE", "40.00", "InStock"),
                ("SHIRT-S-RED", "30.00", "InStock"),
                ("SHIRT-M-BLUE", "42.00", "InStock"),
                ("SHIRT-L-BLUE", "44.00", "OutOfStock"),
                ("SHIRT-L-RED", "44.00", "InStock"),
            ]
        ],
    }  # fmt: skip
    assert [
        item["name"] for item in json_ld_of_type(parsed, "BreadcrumbList")["itemListElement"]
    ] == [
        "Marketplace",
        "Alpha Goods",
        "Linen shirt",
    ]


def test_a_chosen_variant_keeps_the_products_canonical_url(world, client, site_url):
    shirt = make_shirt(world.shop_a)
    red = variant_ids(world.shop_a, shirt)["SHIRT-S-RED"]

    parsed = head(client.get("/shops/alpha-goods/products/linen-shirt/", {"variant": red}))

    assert parsed.canonical == ["https://market.example/shops/alpha-goods/products/linen-shirt/"]
    assert json_ld_of_type(parsed, "Product")["sku"] == "SHIRT-S-RED"
    assert one(parsed, "product:price:amount") == "30.00"


def test_a_single_variant_product_offers_the_product_url_and_rating_only_when_rated(
    world, client, site_url
):
    lamp_url = "https://market.example/shops/alpha-goods/products/alpha-lamp/"
    unrated = json_ld_of_type(
        head(client.get("/shops/alpha-goods/products/alpha-lamp/")), "Product"
    )
    make_product(shop=world.shop_a, title="Sold out lamp", price="12.50", stock=0)
    rate(world.shop_a, _product(world.shop_a, "alpha-lamp"), average="4.25", count=8)
    rated = json_ld_of_type(head(client.get("/shops/alpha-goods/products/alpha-lamp/")), "Product")
    sold_out = json_ld_of_type(
        head(client.get("/shops/alpha-goods/products/sold-out-lamp/")), "Product"
    )

    assert "aggregateRating" not in unrated
    assert "image" not in unrated and "description" not in unrated
    assert unrated["offers"] == [
        {"@type": "Offer", "sku": "alpha-lamp", "price": "30.00", "priceCurrency": "EUR",
         "availability": "https://schema.org/InStock", "url": lamp_url}
    ]  # fmt: skip
    assert rated["aggregateRating"] == {
        "@type": "AggregateRating",
        "ratingValue": "4.25",
        "reviewCount": 8,
        "bestRating": "5",
        "worstRating": "1",
    }
    assert sold_out["offers"][0]["availability"] == "https://schema.org/OutOfStock"


def _product(shop: Shop, slug: str) -> Product:
    with shop_schema(shop):
        return Product.objects.get(slug=slug)


def test_json_ld_cannot_break_out_of_its_script(world, client, site_url):
    product = make_product(shop=world.shop_b, title="</script><script>alert(1)</script> & co")

    body = client.get(f"/shops/beta-store/products/{product.slug}/").content.decode()

    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', body, re.S)
    assert block is not None
    assert "<" not in block[1] and ">" not in block[1]
    assert json.loads(block[1])["name"] == "</script><script>alert(1)</script> & co"
    assert "<script>alert(1)" not in body


def test_site_url_is_used_not_the_requests_host(world, client, site_url):
    parsed = head(client.get("/", HTTP_HOST="localhost"))

    assert parsed.canonical == ["https://market.example/"]


# --- sitemaps ---------------------------------------------------------------------------


def xml(response) -> ElementTree.Element:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    return ElementTree.fromstring(response.content)  # noqa: S314 - our own response


def locations(root: ElementTree.Element, tag: str = "url") -> list[str]:
    return [element.findtext(f"{SITEMAP}loc") for element in root.iter(f"{SITEMAP}{tag}")]


def lastmods(root: ElementTree.Element) -> dict[str, str | None]:
    return {
        element.findtext(f"{SITEMAP}loc"): element.findtext(f"{SITEMAP}lastmod")
        for element in root.iter(f"{SITEMAP}url")
    }


def categories_routed() -> bool:
    try:
        reverse("storefront:category", kwargs={"category_slug": "x"})
    except NoReverseMatch:
        return False
    return True


def test_the_sitemap_index_names_each_sections_sitemaps(world, client, site_url):
    root = xml(client.get("/sitemap.xml"))

    assert root.tag == f"{SITEMAP}sitemapindex"
    expected = [
        "https://market.example/sitemaps/pages-1.xml",
        *(["https://market.example/sitemaps/categories-1.xml"] if categories_routed() else []),
        "https://market.example/sitemaps/shops-1.xml",
        "https://market.example/sitemaps/products-1.xml",
    ]
    assert locations(root, "sitemap") == expected


def test_the_product_sitemap_lists_published_products_of_active_shops_only(world, client, site_url):
    make_product(shop=world.shop_b, title="Beta teapot")
    make_product(shop=world.shop_b, title="Beta draft", status="draft")
    make_product(shop=world.shop_a, title="Alpha old", status="archived")
    gamma = make_shop(name="Gamma", slug="gamma-suspended")
    make_product(shop=gamma, title="Gamma vase")
    Shop.objects.filter(id=gamma.id).update(
        status="suspended", suspended_at="2026-01-01T00:00Z", suspension_reason="Spam"
    )

    products = xml(client.get("/sitemaps/products-1.xml"))
    shops = xml(client.get("/sitemaps/shops-1.xml"))
    pages = xml(client.get("/sitemaps/pages-1.xml"))

    listings = {
        listing.slug: listing.updated_at for listing in Listing.objects.select_related("shop")
    }
    assert lastmods(products) == {
        "https://market.example/shops/alpha-goods/products/alpha-lamp/": _w3c(
            listings["alpha-lamp"]
        ),
        "https://market.example/shops/beta-store/products/beta-kettle/": _w3c(
            listings["beta-kettle"]
        ),
        "https://market.example/shops/beta-store/products/beta-teapot/": _w3c(
            listings["beta-teapot"]
        ),
    }
    assert locations(shops) == [
        "https://market.example/shops/alpha-goods/",
        "https://market.example/shops/beta-store/",
    ]
    assert lastmods(shops)["https://market.example/shops/beta-store/"] == _w3c(
        max(listings["beta-kettle"], listings["beta-teapot"])
    )
    assert lastmods(pages) == {"https://market.example/": None}


def _w3c(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def test_the_category_sitemap_lists_every_category(world, client, site_url):
    lamps = CategoryFactory(name="Lamps", slug="lamps")
    CategoryFactory(name="Empty", slug="empty")
    make_product(shop=world.shop_a, title="Desk lamp", category=lamps)

    response = client.get("/sitemaps/categories-1.xml")

    if not categories_routed():
        assert locations(xml(response)) == []
        return
    root = xml(response)
    url = reverse("storefront:category", kwargs={"category_slug": "lamps"})
    empty = reverse("storefront:category", kwargs={"category_slug": "empty"})
    modified = lastmods(root)
    assert (
        f"https://market.example{url}" in modified
        and modified[f"https://market.example{empty}"] is None
    )
    assert modified[f"https://market.example{url}"] == _w3c(
        Listing.objects.get(slug="desk-lamp").updated_at
    )


def test_sitemaps_are_split_into_pages_of_ten_thousand(world, client, site_url, monkeypatch):
    monkeypatch.setattr(sitemaps, "SITEMAP_SIZE", 2)
    for number in range(3):
        make_product(shop=world.shop_b, title=f"Thing {number}")  # 5 listings in all

    index = locations(xml(client.get("/sitemap.xml")), "sitemap")
    pages = [locations(xml(client.get(f"/sitemaps/products-{n}.xml"))) for n in (1, 2, 3)]
    beyond = client.get("/sitemaps/products-4.xml")

    assert [url for url in index if "products" in url] == [
        "https://market.example/sitemaps/products-1.xml",
        "https://market.example/sitemaps/products-2.xml",
        "https://market.example/sitemaps/products-3.xml",
    ]
    assert [len(page) for page in pages] == [2, 2, 1]
    assert len({url for page in pages for url in page}) == 5
    assert beyond.status_code == 404


def test_a_sitemap_holds_ten_thousand_urls():
    assert sitemaps.SITEMAP_SIZE == 10_000


@pytest.mark.parametrize(
    "path", ["/sitemaps/nothing-1.xml", "/sitemaps/products-0.xml", "/sitemaps/products-x.xml"]
)
def test_unknown_sitemaps_are_404(world, client, path):
    assert client.get(path).status_code == 404


def test_sitemaps_make_one_query_per_sitemap(world, client, site_url, django_assert_num_queries):
    for number in range(30):
        make_product(shop=world.shop_a if number % 2 else world.shop_b, title=f"Item {number}")
    client.get("/sitemap.xml")  # the search path is set now

    with django_assert_num_queries(1):
        client.get("/sitemaps/products-1.xml")
    with django_assert_num_queries(1):
        client.get("/sitemaps/shops-1.xml")
    with django_assert_num_queries(3 if categories_routed() else 2):
        client.get("/sitemap.xml")  # one count per section (the homepage needs none)


# --- robots.txt -------------------------------------------------------------------------


def test_robots_txt_keeps_crawlers_out_of_private_areas_and_names_the_sitemap(
    world, client, site_url
):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == (
        "User-agent: *\n"
        "Disallow: /sell/\n"
        "Disallow: /api/\n"
        "Disallow: /accounts/\n"
        "Disallow: /platform/\n"
        "Disallow: /admin/\n"
        "\n"
        "Sitemap: https://market.example/sitemap.xml\n"
    )


def test_prices_in_json_ld_have_two_decimals(world, client, site_url):
    make_product(shop=world.shop_b, title="Round kettle", price="20")

    product = json_ld_of_type(
        head(client.get("/shops/beta-store/products/round-kettle/")), "Product"
    )

    assert product["offers"][0]["price"] == "20.00"
    assert Decimal(product["offers"][0]["price"]) == Decimal("20")
