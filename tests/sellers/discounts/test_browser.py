"""Browser tests: a seller creates a discount for chosen products through the form
(htmx picker), and a scheduled discount starts by itself through the worker's job."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from sellers.listings.models import Listing
from tests.e2e.fixtures import ARTIFACTS, sign_in
from tests.factories import PASSWORD, make_product, make_shop
from tests.sellers.discounts.conftest import discount_input
from tests.tenants.support import verified_user
from tests.threads import committed

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


def seller_with_products() -> tuple[str, str]:
    name = uuid.uuid4().hex[:8]
    email = f"discounts-{name}@example.test"

    def make() -> str:
        owner = verified_user(email=email)
        shop = make_shop(owner=owner, slug=f"deals-{name}", name=f"Deals {name}")
        make_product(shop=shop, title="Linen apron", price="40.00")
        make_product(shop=shop, title="Oak board", price="25.00")
        return shop.slug

    return committed(make), email


def listing_price(slug: str, title: str) -> tuple[Decimal, Decimal | None, bool]:
    def read() -> tuple[Decimal, Decimal | None, bool]:
        listing = Listing.objects.get(shop__slug=slug, title=title)
        return listing.price, listing.compare_at_price, listing.on_sale

    return committed(read)


def test_a_seller_creates_a_discount_for_a_chosen_product(page, live_stack):
    slug, email = seller_with_products()
    sign_in(page, live_stack, email=email, password=PASSWORD)

    page.goto(f"{live_stack.url}/sell/{slug}/discounts/")
    page.get_by_role("link", name="New discount").first.click()
    page.get_by_label("Name").fill("Apron week")
    page.get_by_label("Percentage off").check()
    page.get_by_label("Amount", exact=True).fill("25")
    page.get_by_label("Products or variants").check()
    # Only the chosen scope's fields show.
    expect(page.get_by_role("group", name="Categories")).to_be_hidden()
    page.get_by_label("Find products by title or SKU").fill("apron")
    page.get_by_label("Linen apron").check()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "discount-form.png"), full_page=True)
    page.get_by_role("button", name="Create discount").click()

    expect(page).to_have_url(f"{live_stack.url}/sell/{slug}/discounts/")
    expect(page.get_by_text("“Apron week” was created.")).to_be_visible()
    expect(page.locator("#discounts-main tbody tr")).to_have_count(1)
    expect(page.locator("[data-status=active]")).to_have_text("Active")
    assert listing_price(slug, "Linen apron") == (Decimal("30.00"), Decimal("40.00"), True)
    assert listing_price(slug, "Oak board") == (Decimal("25.00"), None, False)
    # On a phone the page itself never scrolls sideways (only the table does).
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("() => document.documentElement.scrollWidth") == 390


def test_a_scheduled_discount_starts_by_itself(page, live_stack):
    slug, email = seller_with_products()
    starts = datetime.now(UTC) + timedelta(seconds=3)

    def schedule() -> None:
        from sellers.discounts.services import discount_create
        from tenants.models import Shop

        shop = Shop.objects.get(slug=slug)
        discount_create(shop=shop, actor=None, data=discount_input(name="Flash", starts_at=starts))

    committed(schedule)
    assert listing_price(slug, "Oak board") == (Decimal("25.00"), None, False)

    deadline = time.monotonic() + 20
    while listing_price(slug, "Oak board")[2] is False and time.monotonic() < deadline:
        time.sleep(0.5)

    assert listing_price(slug, "Oak board") == (Decimal("22.50"), Decimal("25.00"), True)
    sign_in(page, live_stack, email=email, password=PASSWORD)
    page.goto(f"{live_stack.url}/sell/{slug}/discounts/")
    expect(page.locator("[data-status=active]")).to_have_text("Active")
