"""Issue 5's done-means path, in two browser contexts: a shopper who follows a shop keeps
its homepage open while the seller creates a discount in the dashboard; the toast appears
on the shopper's open page and the listing shows the sale price."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from storefront.follows.services import follow_shop
from tests.e2e.fixtures import ARTIFACTS, sign_in
from tests.factories import PASSWORD, make_product, make_shop
from tests.realtime.support import shopper
from tests.tenants.support import verified_user
from tests.threads import committed

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


def test_a_follower_sees_the_sellers_new_discount_live(browser, live_stack):
    tag = uuid.uuid4().hex[:8]
    seller_email, fan_email = f"seller-{tag}@example.test", f"fan-{tag}@example.test"
    shop_name, product = f"Harbour {tag}", f"Harbour mug {tag}"

    def world() -> str:
        shop = make_shop(owner=verified_user(email=seller_email), slug=f"harbour-{tag}",
                         name=shop_name)  # fmt: skip
        make_product(shop=shop, title=product, price="40.00")
        follow_shop(user=shopper(email=fan_email), shop=shop)
        return shop.slug

    slug = committed(world)
    fan = browser.new_context().new_page()
    seller = browser.new_context().new_page()
    try:
        sign_in(fan, live_stack, email=fan_email, password=PASSWORD)
        fan.goto(live_stack.url + "/")
        card = fan.locator(".listing-card", has_text=product)
        expect(card).to_contain_text("EUR 40.00")
        expect(fan.locator("body")).to_have_attribute("data-realtime-state", "open")

        sign_in(seller, live_stack, email=seller_email, password=PASSWORD)
        seller.goto(f"{live_stack.url}/sell/{slug}/discounts/")
        seller.get_by_role("link", name="New discount").first.click()
        seller.get_by_label("Name").fill("Harbour week")
        seller.get_by_label("Percentage off").check()
        seller.get_by_label("Amount", exact=True).fill("25")
        seller.get_by_role("button", name="Create discount").click()
        expect(seller.get_by_text("“Harbour week” was created.")).to_be_visible()

        # The first event of a consumer group waits for the group to join (~3 s on Tansu).
        toast = fan.locator("#toasts").get_by_text(f"{shop_name}: 25% off")
        expect(toast).to_be_visible(timeout=30_000)
        expect(fan).to_have_url(live_stack.url + "/")  # the page stayed open
        ARTIFACTS.mkdir(exist_ok=True)
        fan.screenshot(path=str(ARTIFACTS / "discount-toast.png"))

        fan.reload()
        card = fan.get_by_role("region", name="On sale").locator(".listing-card", has_text=product)
        expect(card).to_contain_text("EUR 30.00")
        expect(card.locator("s")).to_contain_text("EUR 40.00")
        expect(card).to_contain_text("On sale")
    finally:
        fan.context.close()
        seller.context.close()
