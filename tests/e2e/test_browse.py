"""Browser tests against the real stack: uvicorn, relay, worker, Kafka, Redis, PostgreSQL."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.fixtures import sign_in
from tests.factories import PASSWORD

# django_db: the stack reads the test database the session fixtures committed to.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


def test_shopper_browses_from_the_homepage_into_a_shop_and_a_product(page, live_stack, world):
    page.goto(live_stack.url + "/")

    expect(page.get_by_role("heading", name="Every shop, one cart", level=1)).to_be_visible()
    new_arrivals = page.locator("section", has=page.get_by_role("heading", name="New arrivals"))
    expect(new_arrivals.get_by_role("heading", name="Alpha lamp", level=3)).to_be_visible()
    expect(new_arrivals.get_by_role("heading", name="Beta kettle", level=3)).to_be_visible()
    expect(page.get_by_text("Alpha draft chair")).to_have_count(0)
    featured = page.locator("section", has=page.get_by_role("heading", name="Featured shops"))
    expect(featured.get_by_role("link", name="Alpha Goods")).to_be_visible()

    new_arrivals.get_by_role("link", name="Alpha lamp").click()

    expect(page).to_have_url(live_stack.url + "/shops/alpha-goods/products/alpha-lamp/")
    expect(page.get_by_role("heading", name="Alpha lamp", level=1)).to_be_visible()
    page.get_by_role("navigation", name="Breadcrumb").get_by_role(
        "link", name="Alpha Goods"
    ).click()
    expect(page).to_have_url(live_stack.url + "/shops/alpha-goods/")
    expect(page.get_by_role("heading", name="Alpha Goods", exact=True, level=1)).to_be_visible()
    expect(page.get_by_text("Beta kettle")).to_have_count(0)


def test_search_from_the_homepage_and_the_header_lands_on_the_search_page(page, live_stack, world):
    page.goto(live_stack.url + "/")
    page.get_by_label("Search every shop").fill("kettles")
    page.get_by_label("Search every shop").press("Enter")

    expect(page).to_have_url(re.compile(r"/search\?q=kettles$"))
    expect(page.get_by_role("heading", name="Beta kettle")).to_be_visible()
    expect(page.get_by_role("heading", name="Alpha lamp")).to_have_count(0)

    page.goto(live_stack.url + "/")
    page.get_by_label("Search products").fill("lamp")
    page.get_by_label("Search products").press("Enter")

    expect(page).to_have_url(re.compile(r"/search\?q=lamp$"))
    expect(page.get_by_role("heading", name="Alpha lamp")).to_be_visible()


def test_unknown_shop_shows_the_not_found_page(page, live_stack, world):
    response = page.goto(live_stack.url + "/shops/no-such-shop/")

    assert response is not None and response.status == 404
    expect(page.get_by_role("link", name=re.compile("home", re.I)).first).to_be_visible()


def test_another_shops_owner_is_refused_the_dashboard(page, live_stack, world):
    sign_in(page, live_stack, email=world.owner_b.email, password=PASSWORD)
    response = page.goto(live_stack.url + "/sell/alpha-goods/")

    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name=re.compile("access", re.I))).to_be_visible()


def test_a_kafka_event_reaches_the_open_page_as_a_toast(page, live_stack, world):
    """outbox → relay → Kafka → worker → channel layer → websocket → toast."""
    sign_in(page, live_stack, email=world.shopper.email, password=PASSWORD)
    page.goto(live_stack.url + "/")
    expect(page.locator("body")).to_have_attribute("data-realtime-state", "open")

    page.get_by_role("button", name="Send me a test notification").click()

    toast = page.locator("#toasts").get_by_text("Notifications work")
    # The first event waits for the worker's consumer group to join (~3 s on Tansu).
    expect(toast).to_be_visible(timeout=30_000)
    expect(page).to_have_url(live_stack.url + "/")  # the page stayed open
