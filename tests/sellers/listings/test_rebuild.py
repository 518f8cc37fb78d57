"""`manage.py rebuild_listings` and the worker's periodic jobs: the search words and the
browse pages' facet counts."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.events import consumers
from sellers.listings.models import Listing, SearchWord
from sellers.listings.search import SearchParams
from sellers.listings.selectors import listings_find
from sellers.listings.services import search_facets_warm
from tests.factories import CategoryFactory, make_product

pytestmark = pytest.mark.django_db


def rebuild(*args: str) -> str:
    out = StringIO()
    call_command("rebuild_listings", *args, stdout=out)
    return out.getvalue()


def test_rebuild_restores_missing_listings_drops_stale_ones_and_refreshes_words(world):
    make_product(shop=world.shop_a, title="Quokka plushie", price="15.00")
    Listing.objects.filter(title="Alpha lamp").delete()
    Listing.objects.filter(title="Quokka plushie").update(title="Stale title", price="1.00")
    Listing.objects.create(
        shop=world.shop_b,
        product_id=999_999,
        title="Ghost of a deleted product",
        slug="ghost",
        price="1.00",
        currency="EUR",
        published_at=world.shop_b.created_at,
    )
    assert not SearchWord.objects.filter(word="quokka").exists()

    output = rebuild()

    assert sorted(Listing.objects.values_list("shop__slug", "title", "price")) == sorted(
        [
            ("alpha-goods", "Alpha lamp", 30),
            ("alpha-goods", "Quokka plushie", 15),
            ("beta-store", "Beta kettle", 25),
        ]
    )
    assert "] alpha-goods: 2 listings\n" in output
    assert "] beta-store: 1 listing\n" in output
    assert "search words refreshed." in output
    assert SearchWord.objects.filter(word="quokka", listing_count=1).exists()
    assert not SearchWord.objects.filter(word="ghost").exists()


def test_rebuild_one_shop_only(world):
    Listing.objects.filter(title__in=["Alpha lamp", "Beta kettle"]).delete()

    output = rebuild("--shop", "beta-store")

    assert output.splitlines()[0] == "[1/1] beta-store: 1 listing"
    assert output.splitlines()[1].startswith("Rebuilt 1 listing of 1 shop in ")
    assert list(Listing.objects.values_list("title", flat=True)) == ["Beta kettle"]


def test_rebuild_refuses_unknown_shops_and_changes_nothing(world):
    before = sorted(Listing.objects.values_list("id", flat=True))

    with pytest.raises(CommandError, match="No shop with the address: nope"):
        rebuild("--shop", "alpha-goods", "--shop", "nope")

    assert sorted(Listing.objects.values_list("id", flat=True)) == before


def test_the_worker_refreshes_the_search_words_every_five_minutes(world):
    from sellers.listings import handlers

    job = next(job for job in consumers._periodic_jobs if job.name == "listing-search-words")
    make_product(shop=world.shop_b, title="Wombat slippers")

    job.run()

    assert job.every_seconds == 300
    assert job.run is handlers.refresh_search_words_periodically
    assert SearchWord.objects.filter(word="wombat").exists()


def test_the_worker_keeps_the_browse_facets_counted(world):
    from sellers.listings import handlers

    mugs = CategoryFactory(name="Mugs", slug="mugs")
    make_product(shop=world.shop_a, title="Speckled mug", category=mugs)
    job = next(job for job in consumers._periodic_jobs if job.name == "listing-browse-facets")
    job.run()

    with CaptureQueriesContext(connection) as warm:
        result = listings_find(params=SearchParams(category="mugs"))
    make_product(shop=world.shop_b, title="Stoneware mug", category=mugs)
    stale = listings_find(params=SearchParams(category="mugs"))
    job.run()
    fresh = listings_find(params=SearchParams(category="mugs"))

    assert job.every_seconds == 45
    assert job.run is handlers.warm_browse_facets_periodically
    assert len(warm.captured_queries) == 1  # the page; tree and counts were ready
    assert (result.count, stale.count, fresh.count) == (1, 1, 2)
    assert [shop.value for shop in fresh.facets.shops] == ["alpha-goods", "beta-store"]
    assert search_facets_warm() == 2  # /search and the one category
