"""Browser tests of the catalog dashboard: a product with two variants is created (with a
mistake shown in place first), edited in place, and its stock adjusted."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.fixtures import sign_in
from tests.factories import PASSWORD, UserFactory, make_product, make_shop
from tests.threads import committed

# django_db: the stack reads the test database the session fixtures committed to.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


def new_shop() -> tuple[str, str]:
    """A shop of its own for the test (its products stay off other tests' pages)."""
    name = uuid.uuid4().hex[:8]
    email, slug = f"catalog-{name}@example.test", f"catalog-{name}"
    committed(lambda: make_shop(owner=UserFactory(email=email), slug=slug, name=f"Cat {name}"))
    return email, slug


def test_a_seller_creates_edits_and_restocks_a_product_with_two_variants(page, live_stack):
    email, slug = new_shop()
    sign_in(page, live_stack, email=email, password=PASSWORD)
    page.goto(f"{live_stack.url}/sell/{slug}/")
    page.get_by_role("link", name="Add your first product").click()
    expect(page).to_have_url(f"{live_stack.url}/sell/{slug}/products/new/")

    page.get_by_label("Title").fill("Linen shirt")
    page.get_by_label("Option 1").fill("Size")
    first = page.locator("#variant-variants-0")
    # Typing the option name showed its column in the row (variant-rows.js).
    first.get_by_label("Size").fill("S")
    first.get_by_label("SKU").fill("SHIRT-S")
    first.get_by_label("Price (EUR)").fill("39.00")
    first.get_by_label("Stock", exact=True).fill("4")
    page.get_by_role("button", name="Add a variant").click()
    second = page.locator("#variant-variants-1")
    expect(second.get_by_label("SKU")).to_be_focused()
    second.get_by_label("SKU").fill("SHIRT-M")
    second.get_by_label("Size").fill("M")
    second.get_by_label("Price (EUR)").fill("3x")
    second.get_by_label("Stock", exact=True).fill("7")
    page.get_by_role("button", name="Create product").click()

    # The mistake is shown at its field; nothing typed is lost; nothing was created.
    expect(page.locator("#id_variants-1-price_error")).to_have_text(
        "Enter an amount such as 19.99."
    )
    expect(page.locator("[data-error-summary]")).to_be_focused()
    expect(page).to_have_url(f"{live_stack.url}/sell/{slug}/products/new/")
    expect(page.get_by_label("Title")).to_have_value("Linen shirt")
    expect(second.get_by_label("SKU")).to_have_value("SHIRT-M")
    expect(second.get_by_label("Size")).to_have_value("M")

    second.get_by_label("Price (EUR)").fill("35.00")
    page.get_by_role("button", name="Create product").click()

    expect(page).to_have_url(re.compile(rf"/sell/{slug}/products/\d+/$"))
    expect(page.get_by_text("“Linen shirt” was added.")).to_be_visible()
    expect(page.get_by_role("heading", name="Linen shirt", level=1)).to_be_visible()
    expect(page.locator("#variant-variants-1").get_by_label("SKU")).to_have_value("SHIRT-M")

    # Edit in place (htmx): the editor comes back saved, the address stays.
    edit_url = page.url
    page.get_by_label("Title").fill("Linen shirt, relaxed")
    page.locator("#variant-variants-0").get_by_label("Price (EUR)").fill("29.00")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    expect(page.get_by_role("heading", name="Linen shirt, relaxed", level=1)).to_be_visible()
    assert page.url == edit_url

    # The list shows it with its price range and stock.
    page.get_by_role("navigation", name="Shop dashboard").get_by_role(
        "link", name="Products"
    ).click()
    row = page.get_by_role("row", name=re.compile("Linen shirt, relaxed"))
    expect(row.locator(".product-table__price")).to_have_text("EUR 29.00–35.00")
    expect(row.locator(".product-table__stock")).to_have_text("11 Low stock")  # S has 4

    # Restock the small size on the stock page.
    row.get_by_role("link", name="Linen shirt, relaxed").click()
    page.get_by_role("link", name="Stock and history").click()
    small = page.locator("section.stock-variant", has_text="SHIRT-S")
    small.get_by_label("Change by").check()
    small.get_by_label("Quantity").fill("6")
    small.get_by_label("Reason").select_option("restock")
    small.get_by_label("Note (optional)").fill("Delivery from the weaver")
    small.get_by_role("button", name="Save").click()

    expect(page.get_by_text("SHIRT-S now has 10 in stock.")).to_be_visible()
    expect(small.locator(".stock-level__number")).to_have_text("10")
    history = page.get_by_role("row", name=re.compile("Delivery from the weaver"))
    expect(history).to_contain_text("+6")
    expect(history).to_contain_text(email)


def test_low_stock_is_restocked_in_place(page, live_stack):
    email, slug = new_shop()

    def setup() -> None:
        from tenants.models import Shop

        shop = Shop.objects.get(slug=slug)
        make_product(shop=shop, title="Beeswax candle", stock=1, status="draft")

    committed(setup)
    sign_in(page, live_stack, email=email, password=PASSWORD)
    page.goto(f"{live_stack.url}/sell/{slug}/")
    page.get_by_role("navigation", name="Shop dashboard").get_by_role(
        "link", name="Low stock"
    ).click()

    row = page.get_by_role("row", name=re.compile("Beeswax candle"))
    row.get_by_label("Change stock of beeswax-candle by").fill("20")
    row.get_by_role("button", name="Save").click()

    expect(row.get_by_text("Restocked")).to_be_visible()
    expect(row.locator("strong")).to_have_text("21")
    expect(page).to_have_url(f"{live_stack.url}/sell/{slug}/stock/low/")


def test_filters_update_the_list_in_place_and_the_address(page, live_stack):
    email, slug = new_shop()

    def setup() -> None:
        from tenants.models import Shop

        shop = Shop.objects.get(slug=slug)
        make_product(shop=shop, title="Walnut board", price="40.00", stock=9, status="draft")
        make_product(shop=shop, title="Maple spoon", price="12.00", stock=30, status="draft")

    committed(setup)
    sign_in(page, live_stack, email=email, password=PASSWORD)
    page.goto(f"{live_stack.url}/sell/{slug}/")
    rows = page.locator(".product-table tbody tr")
    expect(rows).to_have_count(2)

    page.get_by_label("Search by title or SKU").fill(
        "walnut"
    )  # no button: the list follows the typing

    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Walnut board")
    expect(page).to_have_url(
        f"{live_stack.url}/sell/{slug}/?q=walnut&status=&category=&sort=newest"
    )

    page.get_by_label("Search by title or SKU").fill("")
    page.get_by_label("Sort by").select_option("price")

    expect(page).to_have_url(re.compile(r"sort=price"))
    expect(rows.first).to_contain_text("Maple spoon")
    expect(rows).to_have_count(2)
