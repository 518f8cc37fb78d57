"""Browser tests of search: a typo still finds things (or offers a correction), a filter
applies without a page load and lands in the URL, the back button undoes it, and on a
phone the filters sit behind a "Filters" toggle."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from sellers.listings.services import category_tree_invalidate, search_words_refresh
from tests.factories import CategoryFactory, make_product
from tests.threads import committed

# django_db: the stack reads the test database the session fixtures committed to.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


def shelf(world: Any, word: str) -> str:
    """Products whose titles share a made-up word (unique to this test), in a category of
    their own; returns the category's slug."""

    def make() -> str:
        category = CategoryFactory(name=f"Pottery {word}", slug=f"pottery-{word}")
        make_product(shop=world.shop_a, title=f"Speckled {word} mug", price="18.00",
                     compare_at_price="24.00", category=category)  # fmt: skip
        make_product(shop=world.shop_b, title=f"Stoneware {word} mug", price="25.00",
                     category=category)  # fmt: skip
        make_product(shop=world.shop_b, title=f"Glazed {word} bowl", price="32.00",
                     category=category)  # fmt: skip
        search_words_refresh()
        category_tree_invalidate()
        return category.slug

    return committed(make)


def made_up_word() -> str:
    """Letters only (the did-you-mean vocabulary keeps alphabetic words)."""
    return "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:7]) + "ware"


def test_a_typo_finds_results_and_a_filter_updates_the_url_and_back_undoes_it(
    page, live_stack, world
):
    word = made_up_word()
    shelf(world, word)
    typo = word[0] + word[2] + word[1] + word[3:]  # two letters swapped

    page.goto(live_stack.url + f"/search?q={typo}")

    results = page.locator(".search-results__grid .listing-card__title")
    expect(results).to_have_count(3)
    expect(page.get_by_text(f"No exact matches for “{typo}”")).to_be_visible()
    suggestion = page.get_by_role("link", name=word, exact=True)
    expect(suggestion).to_be_visible()

    suggestion.click()
    expect(page).to_have_url(live_stack.url + f"/search?q={word}")
    expect(page.locator("#search-summary")).to_contain_text(f"3 products for “{word}”")
    expect(page.get_by_text("No exact matches")).to_have_count(0)

    # A filter applies at once (htmx), the URL says so, and the page was not reloaded.
    page.evaluate("window.__stillTheSamePage = true")
    page.get_by_role("checkbox", name=re.compile("On sale")).check()
    expect(page).to_have_url(live_stack.url + f"/search?q={word}&on_sale=1")
    expect(results).to_have_count(1)
    expect(results.first).to_have_text(f"Speckled {word} mug")
    expect(page.get_by_role("link", name=re.compile("On sale.*remove this filter"))).to_be_visible()
    assert page.evaluate("window.__stillTheSamePage") is True
    expect(page).to_have_title(f"“{word}” · Search · Marketplace")

    page.get_by_label("Sort by").select_option("price_desc")
    expect(page).to_have_url(live_stack.url + f"/search?q={word}&on_sale=1&sort=price_desc")

    page.go_back()
    expect(page).to_have_url(live_stack.url + f"/search?q={word}&on_sale=1")
    page.go_back()
    expect(page).to_have_url(live_stack.url + f"/search?q={word}")
    expect(results).to_have_count(3)
    expect(page.get_by_role("checkbox", name=re.compile("On sale"))).not_to_be_checked()

    # The shared URL opens the same search from scratch.
    page.goto(live_stack.url + f"/search?q={word}&on_sale=1")
    expect(results).to_have_count(1)


def test_a_category_page_filters_within_its_products(page, live_stack, world):
    word = made_up_word()
    slug = shelf(world, word)

    page.goto(live_stack.url + f"/categories/{slug}/")

    expect(page.get_by_role("heading", name=f"Pottery {word}", level=1)).to_be_visible()
    results = page.locator(".search-results__grid .listing-card__title")
    expect(results).to_have_count(3)
    page.get_by_role("link", name=re.compile(r"^EUR 25–50")).click()
    expect(page).to_have_url(live_stack.url + f"/categories/{slug}/?min_price=25&max_price=50")
    expect(results).to_have_count(2)
    page.get_by_role("link", name=re.compile("remove this filter")).click()
    expect(page).to_have_url(live_stack.url + f"/categories/{slug}/")
    expect(results).to_have_count(3)


def test_on_a_phone_the_filters_are_behind_a_toggle(browser, live_stack, world):
    word = made_up_word()
    shelf(world, word)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(live_stack.url + f"/search?q={word}")
        on_sale = page.get_by_role("checkbox", name=re.compile("On sale"))
        expect(on_sale).to_be_hidden()

        page.get_by_text("Filters", exact=True).click()
        expect(on_sale).to_be_visible()
        on_sale.check()
        expect(page).to_have_url(live_stack.url + f"/search?q={word}&on_sale=1")
        # Still open after the update: the shopper is choosing filters.
        expect(page.get_by_role("checkbox", name=re.compile("In stock"))).to_be_visible()
        page.screenshot(path="test-artifacts/search-phone.png", full_page=True)
    finally:
        context.close()
