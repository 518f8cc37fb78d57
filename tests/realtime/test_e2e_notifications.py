"""Browser tests: a discount reaches a follower's open page (toast and bell), and the
notification centre works with and without JavaScript."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from sellers.discounts.services import DiscountInput, discount_create
from storefront.follows.services import follow_shop
from tests.e2e.fixtures import sign_in
from tests.factories import PASSWORD, make_product, make_shop
from tests.realtime.support import shopper
from tests.threads import committed

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


def a_followed_shop() -> tuple[str, str, str]:
    """A fresh shop with a product and a fresh shopper who follows it (committed)."""
    tag = uuid.uuid4().hex[:8]

    def make() -> tuple[str, str, str]:
        shop = make_shop(slug=f"toast-{tag}", name=f"Toast Shop {tag}")
        make_product(shop=shop, title=f"Toast mug {tag}", price="20.00")
        fan = shopper(email=f"fan-{tag}@example.test")
        follow_shop(user=fan, shop=shop)
        return shop.slug, shop.name, fan.email

    return committed(make)


def start_discount(slug: str) -> None:
    def make() -> None:
        from tenants.models import Shop

        shop = Shop.objects.get(slug=slug)
        discount_create(
            shop=shop,
            actor=None,
            data=DiscountInput(name="Opening week", kind="percentage", value="20"),
        )

    committed(make)


def test_a_followers_open_page_gets_the_toast_and_the_bell_counts_it(page, live_stack):
    slug, name, email = a_followed_shop()
    sign_in(page, live_stack, email=email, password=PASSWORD)
    page.goto(live_stack.url + "/")
    expect(page.locator("body")).to_have_attribute("data-realtime-state", "open")
    badge = page.locator(".site-nav__bell [data-unread-count]")
    expect(badge).to_be_hidden()

    start_discount(slug)

    toast = page.locator("#toasts").get_by_text(f"{name}: 20% off")
    # The first event of a consumer group waits for it to join (~3 s on Tansu).
    expect(toast).to_be_visible(timeout=30_000)
    expect(badge).to_have_text("1")
    expect(page).to_have_url(live_stack.url + "/")  # the page stayed open

    page.get_by_role("link", name="Notifications").click()
    expect(page).to_have_url(live_stack.url + "/notifications/")
    item = page.locator(".notification", has_text=f"{name}: 20% off")
    expect(item.get_by_text("New")).to_be_visible()
    item.get_by_role("button", name="Mark read").click()  # htmx: the item alone changes
    expect(item.get_by_text("New")).to_have_count(0)
    expect(badge).to_be_hidden()


def test_the_notification_centre_works_without_javascript(browser, live_stack):
    slug, name, email = a_followed_shop()
    start_discount(slug)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, live_stack, email=email, password=PASSWORD)
        page.goto(live_stack.url + "/notifications/")
        # The worker may still be on its way: reload until the row is there.
        for _ in range(60):
            if page.get_by_text(f"{name}: 20% off").count():
                break
            page.wait_for_timeout(500)
            page.reload()
        expect(page.get_by_text("1 unread")).to_be_visible()

        page.get_by_role("button", name="Mark all as read").click()

        expect(page).to_have_url(live_stack.url + "/notifications/")
        expect(page.get_by_text("You're all caught up.")).to_be_visible()
        expect(page.get_by_text("Marked 1 notification read.")).to_be_visible()
    finally:
        context.close()
