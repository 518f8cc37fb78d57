"""Browser tests of the product page: the variant picker updates price and stock live, the
gallery's thumbnails switch the main picture, and both work without JavaScript."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from marketplace.media.images import image_url
from sellers.catalog.services import product_image_add
from tests.factories import make_shop
from tests.storefront.support import make_shirt, png, variant_ids
from tests.threads import committed

# django_db: the stack reads the test database the session fixtures committed to.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


def shirt_shop() -> dict[str, Any]:
    """A fresh shop selling the linen shirt (5 variants) with two pictures."""
    shop = make_shop(name="Linen Works", slug=f"linen-{uuid.uuid4().hex[:8]}")
    shirt = make_shirt(shop)
    names = []
    for colour in ((30, 60, 160), (170, 40, 40)):
        upload = SimpleUploadedFile("shirt.png", png(colour, size=(400, 300)), "image/png")
        image = product_image_add(
            shop=shop, actor=None, product_id=shirt.id, upload=upload, alt=f"Shirt {colour[0]}"
        )
        names.append(image.name)
    return {
        "url": f"/shops/{shop.slug}/products/{shirt.slug}/",
        "variants": variant_ids(shop, shirt),
        "images": names,
    }


@pytest.fixture
def shirt() -> dict[str, Any]:
    return committed(shirt_shop)


@pytest.fixture
def page_without_js(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def buy_box(page: Any) -> dict[str, Any]:
    box = page.locator("[data-product-buy]")
    return {
        "price": box.locator("[data-price]"),
        "was": box.locator("[data-compare-at]"),
        "badge": box.locator("[data-sale-badge]"),
        "stock": box.locator("[data-stock]"),
        "sku": box.locator("[data-sku]"),
        "unavailable": box.locator("[data-unavailable]"),
    }


def test_picking_options_updates_price_and_stock_live(page, live_stack, shirt):
    page.goto(live_stack.url + shirt["url"])
    box = buy_box(page)
    picker = page.locator("form[data-variant-picker]")
    expect(picker).to_have_attribute("data-picker-ready", "true")

    expect(box["price"]).to_have_text("EUR 40.00")
    expect(box["stock"]).to_have_text("In stock")
    expect(box["was"]).to_be_hidden()
    expect(picker.get_by_role("button", name="Show this option")).to_be_hidden()

    page.get_by_role("radio", name="Red", exact=True).check()

    expect(box["price"]).to_have_text("EUR 30.00")
    expect(box["was"]).to_be_visible()
    expect(box["was"]).to_contain_text("EUR 45.00")
    expect(box["badge"]).to_be_visible()
    expect(box["stock"]).to_have_text("Only 3 left")
    expect(box["sku"]).to_have_text("SHIRT-S-RED")
    red = shirt["variants"]["SHIRT-S-RED"]
    expect(picker.locator("[data-variant-id]")).to_have_value(str(red))
    expect(page).to_have_url(re.compile(rf"\?variant={red}$"))
    # No medium shirt in red: the M choice looks unavailable while red is chosen.
    expect(page.locator("label.option-pill", has_text=re.compile("^M$"))).to_have_class(
        re.compile("option-pill--unavailable")
    )

    page.get_by_role("radio", name="L", exact=True).check()
    expect(box["price"]).to_have_text("EUR 44.00")
    expect(box["stock"]).to_have_text("Only 2 left")
    expect(box["was"]).to_be_hidden()
    expect(box["badge"]).to_be_hidden()

    page.get_by_role("radio", name="Blue", exact=True).check()
    expect(box["stock"]).to_have_text("Out of stock")
    expect(box["stock"]).to_have_class("stock stock--out")

    page.get_by_role("radio", name="Red", exact=True).check()
    page.get_by_role("radio", name="M", exact=True).check()
    expect(box["unavailable"]).to_be_visible()
    expect(box["stock"]).to_have_text("Not available")

    # The address the script wrote opens the same variant.
    page.goto(live_stack.url + shirt["url"] + f"?variant={red}")
    expect(box["price"]).to_have_text("EUR 30.00")
    expect(page.get_by_role("radio", name="Red", exact=True)).to_be_checked()


def test_a_thumbnail_switches_the_main_picture(page, live_stack, shirt):
    page.goto(live_stack.url + shirt["url"])
    first, second = (image_url(name=name, size="gallery") for name in shirt["images"])
    main = page.locator("img[data-gallery-main]")
    expect(main).to_have_attribute("src", first)
    expect(page.locator("[data-gallery]")).to_be_visible()

    thumbs = page.locator("a[data-gallery-thumb]")
    expect(thumbs).to_have_count(2)
    thumbs.nth(1).click()

    expect(main).to_have_attribute("src", second)
    expect(main).to_have_attribute("alt", "Shirt 170")
    expect(thumbs.nth(1)).to_have_attribute("aria-current", "true")
    expect(thumbs.nth(0)).not_to_have_attribute("aria-current", "true")
    expect(page).to_have_url(live_stack.url + shirt["url"])  # no navigation
    width = page.evaluate("document.querySelector('img[data-gallery-main]').naturalWidth")
    assert width == 400


def test_without_javascript_the_form_and_the_thumbnails_still_work(
    page_without_js, live_stack, shirt
):
    page = page_without_js
    page.goto(live_stack.url + shirt["url"])
    box = buy_box(page)

    page.get_by_role("radio", name="L", exact=True).check()
    page.get_by_role("radio", name="Red", exact=True).check()
    page.get_by_role("button", name="Show this option").click()

    expect(page).to_have_url(re.compile(r"option1=L&option2=Red"))
    expect(box["price"]).to_have_text("EUR 44.00")
    expect(box["stock"]).to_have_text("Only 2 left")
    expect(page.get_by_role("radio", name="L", exact=True)).to_be_checked()

    second = image_url(name=shirt["images"][1], size="gallery")
    page.locator("a[data-gallery-thumb]").nth(1).click()
    expect(page).to_have_url(live_stack.url + second)
