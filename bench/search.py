"""Cross-shop search speed: `.venv/bin/python bench/search.py [--listings N] [--shops N]`.

Seeds its own database (`marketplace_bench_search`, or BENCH_DATABASE_URL) with 100,000
listings across 1,000 shops in a category tree of 31 categories, then times
`sellers.listings.selectors.listings_find` — the selector behind /search, category pages
and GET /api/v1/listings, facets included — in this process over a mix of realistic
queries: single words, two words, misspellings, queries with filters, category pages with
and without sorts, other sorts and later pages. Target (issue 4): p95 under 50 ms.

Shops are inserted in bulk as rows only, without a schema each: search reads only the
public Listing and Shop tables, and 1,000 schemas would take minutes and say nothing
about search. 3% of the shops are suspended, so the "active shops only" filter has work.

Before timing, it does what the worker does every 45 s: counts and caches the facets of
/search without words and of every plain category page (`search_facets_warm`).
`--no-cache` runs with no cache at all instead (every search counts its facets and reads
the category tree). `--reuse` skips seeding when the database already holds the
listings; `--explain` prints EXPLAIN ANALYZE of the slowest search of each kind.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:1] = [str(ROOT)]
# Not the shared marketplace_bench: other benchmarks drop and re-create that one.
os.environ.setdefault(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/marketplace_bench_search"
)

from bench import harness  # noqa: E402

P95_LIMIT_MS = 50.0

# (name, slug, parent slug, nouns sold there, typical price range in EUR)
CATEGORY_SPECS: list[tuple[str, str, str | None, list[str], tuple[int, int]]] = [
    ("Home & Kitchen", "home-kitchen", None, ["tray", "coaster", "trivet"], (8, 60)),
    ("Ceramics", "ceramics", "home-kitchen", ["vase", "planter", "jug"], (15, 120)),
    ("Mugs & Cups", "mugs-cups", "ceramics", ["mug", "cup", "tumbler", "espresso cup"], (9, 45)),
    ("Bowls & Plates", "bowls-plates", "ceramics", ["bowl", "plate", "platter", "dish"], (12, 90)),
    ("Coffee & Tea", "coffee-tea", "home-kitchen", ["coffee", "tea", "teapot", "kettle"], (6, 80)),
    ("Kitchen Tools", "kitchen-tools", "home-kitchen",
     ["knife", "cutting board", "spatula", "grinder", "whisk"], (7, 150)),
    ("Textiles", "textiles", "home-kitchen",
     ["tea towel", "tablecloth", "napkin", "apron", "cushion"], (10, 90)),
    ("Candles", "candles", "home-kitchen", ["candle", "candle holder", "wax melt"], (6, 45)),
    ("Clothing", "clothing", None, ["shirt", "dress", "skirt"], (20, 180)),
    ("Knitwear", "knitwear", "clothing", ["sweater", "cardigan", "scarf", "beanie", "mittens"],
     (18, 220)),
    ("Shirts & Tops", "shirts-tops", "clothing", ["t-shirt", "blouse", "tank top"], (15, 90)),
    ("Accessories", "accessories", "clothing", ["tote bag", "belt", "wallet", "hat"], (12, 140)),
    ("Socks", "socks", "accessories", ["socks", "ankle socks"], (6, 25)),
    ("Jewellery", "jewellery", None, ["brooch", "charm"], (15, 300)),
    ("Necklaces", "necklaces", "jewellery", ["necklace", "pendant", "chain"], (18, 450)),
    ("Rings", "rings", "jewellery", ["ring", "band", "stacking ring"], (20, 600)),
    ("Earrings", "earrings", "jewellery", ["earrings", "studs", "hoops"], (12, 250)),
    ("Books & Paper", "books-paper", None, ["bookmark", "envelope"], (3, 30)),
    ("Notebooks", "notebooks", "books-paper", ["notebook", "journal", "sketchbook", "planner"],
     (6, 45)),
    ("Prints & Posters", "prints-posters", "books-paper", ["print", "poster", "postcard"],
     (5, 120)),
    ("Cards", "cards", "books-paper", ["greeting card", "birthday card", "card set"], (3, 18)),
    ("Toys & Games", "toys-games", None, ["puzzle", "board game", "wooden toy", "doll"],
     (8, 90)),
    ("Baby", "baby", "toys-games", ["rattle", "baby blanket", "teether", "bib"], (8, 70)),
    ("Beauty", "beauty", None, ["lip balm", "face oil"], (5, 60)),
    ("Soaps", "soaps", "beauty", ["soap", "soap bar", "shampoo bar"], (4, 20)),
    ("Skincare", "skincare", "beauty", ["face cream", "serum", "body butter"], (9, 75)),
    ("Garden", "garden", None, ["seed kit", "watering can", "bird feeder", "plant pot"],
     (6, 120)),
    ("Art Supplies", "art-supplies", None, ["paint set", "brush set", "watercolour"], (6, 110)),
    ("Pet Supplies", "pet-supplies", None, ["dog collar", "cat toy", "pet bed", "leash"],
     (6, 130)),
    ("Furniture", "furniture", None, ["stool", "shelf", "side table", "bench"], (40, 900)),
    ("Lighting", "lighting", "furniture", ["lamp", "pendant light", "lampshade"], (25, 400)),
]  # fmt: skip
ADJECTIVES = [
    "handmade", "speckled", "rustic", "minimal", "vintage", "hand-painted", "organic",
    "recycled", "small", "large", "classic", "modern", "hand-knitted", "embroidered",
    "glazed", "matte", "personalised", "botanical", "striped", "floral", "geometric",
    "scandinavian", "cosy", "chunky", "delicate", "heirloom", "everyday", "travel",
]  # fmt: skip
MATERIALS = [
    "ceramic", "stoneware", "porcelain", "wool", "merino", "linen", "cotton", "oak",
    "walnut", "bamboo", "leather", "silver", "gold", "brass", "copper", "glass",
    "beeswax", "soy", "paper", "cork", "felt", "alpaca", "cashmere", "terracotta",
]  # fmt: skip
COLOURS = [
    "blue", "green", "sage", "navy", "mustard", "terracotta", "white", "black", "grey",
    "pink", "ochre", "rust", "cream", "charcoal", "teal", "lavender",
]  # fmt: skip
SHOP_WORDS = (
    ["North", "Clay", "Wild", "Little", "Golden", "Quiet", "Salt", "Maple", "Fern", "Copper",
     "Linen", "Hazel", "Willow", "Birch", "River", "Stone", "Honey", "Moss", "Amber", "Cedar"],
    ["Studio", "Workshop", "Makers", "Goods", "House", "Atelier", "Co", "Supply", "Collective",
     "Store", "Loft", "Craft", "Barn", "Mill", "Press"],
)  # fmt: skip
SUMMARIES = [
    "Made by hand in small batches.",
    "Each piece is unique and may vary slightly.",
    "A thoughtful gift for someone special.",
    "Designed to last for years of everyday use.",
    "Shipped in plastic-free packaging.",
    "Made to order in our workshop.",
]


# --- seeding ------------------------------------------------------------------------------


def seed_categories() -> dict[str, int]:
    from sellers.listings.models import Category

    ids: dict[str, int] = {}
    for name, slug, parent, _, _ in CATEGORY_SPECS:
        category = Category.objects.create(
            name=name,
            slug=slug,
            description=f"{name} from independent makers.",
            parent_id=ids[parent] if parent else None,
        )
        ids[slug] = category.id
    return ids


def seed_shops(rng: random.Random, count: int, *, prefix: str = "shop") -> list[Any]:
    """`count` Shop rows in one bulk insert, no schemas (bulk_create never calls save(),
    which is where django-tenants would create one; Shop turns that off anyway)."""
    from django.utils import timezone

    from tenants.models import Shop

    shops = []
    for number in range(1, count + 1):
        suspended = rng.random() < 0.03
        shops.append(
            Shop(
                schema_name=f"{prefix}_{number:04d}",
                slug=f"{prefix}-{number:04d}",
                name=f"{rng.choice(SHOP_WORDS[0])} {rng.choice(SHOP_WORDS[1])} {number}",
                status=Shop.Status.SUSPENDED if suspended else Shop.Status.ACTIVE,
                suspended_at=timezone.now() if suspended else None,
                suspension_reason="Benchmark suspension" if suspended else "",
            )
        )
    return Shop.objects.bulk_create(shops, batch_size=500)


def title_for(rng: random.Random, noun: str) -> str:
    words = []
    if rng.random() < 0.7:
        words.append(rng.choice(ADJECTIVES))
    if rng.random() < 0.35:
        words.append(rng.choice(COLOURS))
    if rng.random() < 0.6:
        words.append(rng.choice(MATERIALS))
    words.append(noun)
    title = " ".join(words)
    if rng.random() < 0.1:
        title += f", set of {rng.choice([2, 3, 4, 6])}"
    return title[0].upper() + title[1:]


def seed_listings(
    rng: random.Random, count: int, shops: list[Any], category_ids: dict[str, int]
) -> None:
    """`count` listings through COPY: a few big shops and many small ones, popular and
    quiet categories, 15% on sale, 10% out of stock, 30% not rated yet."""
    from django.db import connection

    now = datetime.now(UTC)
    shop_weights = [1 / (rank + 5) for rank in range(len(shops))]
    category_weights = [1 / (rank + 2) for rank in range(len(CATEGORY_SPECS))]
    rng.shuffle(category_weights)
    columns = (
        "shop_id, product_id, title, slug, summary, category_id, price, compare_at_price, "
        "on_sale, currency, in_stock, rating_average, rating_count, image_name, image_alt, "
        "published_at, updated_at, search_text"
    )
    products: dict[int, int] = defaultdict(int)
    chosen_shops = rng.choices(shops, weights=shop_weights, k=count)
    chosen_specs = rng.choices(CATEGORY_SPECS, weights=category_weights, k=count)
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY listings_listing ({columns}) FROM STDIN") as copy,
    ):
        for number, (shop, spec) in enumerate(zip(chosen_shops, chosen_specs, strict=True)):
            name, slug, _, nouns, (low, high) = spec
            products[shop.id] += 1
            noun = rng.choices(nouns, weights=[1 / (i + 1) for i in range(len(nouns))])[0]
            title = title_for(rng, noun)
            price = max(Decimal(round(rng.uniform(low, high))) - Decimal("0.01"), Decimal("0.99"))
            on_sale = rng.random() < 0.15
            rated = rng.random() < 0.7
            rating = Decimal(str(round(min(5.0, max(1.0, rng.gauss(4.1, 0.8))), 2)))
            copy.write_row(
                (
                    shop.id,
                    products[shop.id],
                    title,
                    "-".join("".join(c for c in w if c.isalnum()) for w in title.lower().split())
                    + f"-{number}",
                    rng.choice(SUMMARIES),
                    category_ids[slug],
                    price,
                    (price * Decimal(rng.choice(["1.2", "1.25", "1.5"]))).quantize(Decimal("0.01"))
                    if on_sale
                    else None,
                    on_sale,
                    "EUR",
                    rng.random() < 0.9,
                    rating if rated else Decimal(0),
                    rng.randint(1, 400) if rated else 0,
                    "",
                    "",
                    now - timedelta(minutes=rng.randint(0, 365 * 24 * 60)),
                    now,
                    f"{name} {shop.name} {' '.join(rng.sample(COLOURS, 2))}",
                )
            )


def seed(*, listings: int, shops: int) -> None:
    from django.db import connection

    from sellers.listings.services import search_words_refresh

    rng = random.Random(42)
    started = time.perf_counter()
    category_ids = seed_categories()
    shop_rows = seed_shops(rng, shops)
    seed_listings(rng, listings, shop_rows, category_ids)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE listings_listing")
        cursor.execute("ANALYZE tenants_shop")
        cursor.execute("ANALYZE listings_category")
    search_words_refresh()
    elapsed = time.perf_counter() - started
    print(f"seeded {listings:,} listings in {shops:,} shops in {elapsed:.1f} s")


# --- the query mix ------------------------------------------------------------------------


def misspell(rng: random.Random, word: str) -> str:
    """One typo: a doubled, dropped, swapped or replaced letter (words of 4+ letters)."""
    if len(word) < 4:
        return word + word[-1]
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(["double", "drop", "swap", "replace"])
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "swap":
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    return word[:i] + rng.choice("aeiouckms") + word[i + 1 :]


def query_mix(rng: random.Random, n: int, shop_slugs: list[str]) -> list[tuple[str, Any]]:
    """`n` (kind, SearchParams) pairs in a realistic proportion."""
    from sellers.listings.search import SearchParams

    single_nouns = sorted(
        {noun for *_, nouns, _ in CATEGORY_SPECS for noun in nouns if " " not in noun}
    )
    categories = [slug for _, slug, *_ in CATEGORY_SPECS]
    sorts = ["price_asc", "price_desc", "rating", "newest"]

    def word() -> str:
        return rng.choice(single_nouns + MATERIALS[:12])

    def two_words() -> str:
        return f"{rng.choice(MATERIALS + ADJECTIVES[:10])} {rng.choice(single_nouns)}"

    def filters(*, category: bool = True) -> dict[str, Any]:
        chosen: dict[str, Any] = {}
        picks = ["price", "rating", "in_stock", "on_sale", "shop"] + (
            ["category"] if category else []
        )
        for _ in range(rng.randint(1, 3)):
            pick = rng.choice(picks)
            if pick == "category":
                chosen["category"] = rng.choice(categories)
            elif pick == "price":
                low = rng.choice([0, 10, 25, 50])
                chosen["min_price"] = Decimal(low) if low else None
                chosen["max_price"] = Decimal(low + rng.choice([15, 25, 50, 100]))
            elif pick == "rating":
                chosen["rating"] = rng.choice([3, 4])
            elif pick == "shop":
                chosen["shops"] = tuple(rng.sample(shop_slugs, rng.randint(1, 2)))
            else:
                chosen[pick] = True
        return chosen

    kinds = [
        ("one word", 20), ("two words", 14), ("misspelled", 12), ("query + filters", 16),
        ("category page", 14), ("category + sort", 6), ("category + filters", 4),
        ("query + sort", 6), ("everything + filters", 2), ("later page", 6),
    ]  # fmt: skip
    mix = []
    for kind in rng.choices([k for k, _ in kinds], weights=[w for _, w in kinds], k=n):
        if kind == "one word":
            params = SearchParams(q=word())
        elif kind == "two words":
            params = SearchParams(q=two_words())
        elif kind == "misspelled":
            words = (two_words() if rng.random() < 0.5 else word()).split()
            typo_at = rng.randrange(len(words))
            words[typo_at] = misspell(rng, words[typo_at])
            params = SearchParams(q=" ".join(words))
        elif kind == "query + filters":
            params = SearchParams(q=rng.choice([word(), two_words()]), **filters())
        elif kind == "category page":
            params = SearchParams(category=rng.choice(categories))
        elif kind == "category + sort":
            params = SearchParams(category=rng.choice(categories), sort=rng.choice(sorts))
        elif kind == "query + sort":
            params = SearchParams(q=word(), sort=rng.choice(sorts))
        elif kind == "category + filters":
            params = SearchParams(
                category=rng.choice(categories),
                sort=rng.choice([*sorts, ""]),
                **filters(category=False),
            )
        elif kind == "everything + filters":
            # /search without words, filtered: every listing is counted (cold facets).
            params = SearchParams(sort=rng.choice([*sorts, ""]), **filters(category=False))
        else:
            params = SearchParams(
                q=rng.choice(["", word()]),
                category=rng.choice(["", *categories]),
                page=rng.randint(2, 5),
            )
        mix.append((kind, params))
    return mix


# --- measuring ----------------------------------------------------------------------------


def percentile(samples: list[float], p: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[p - 1]


def measure(mix: list[tuple[str, Any]]) -> tuple[dict[str, list[float]], dict[str, Any]]:
    from sellers.listings.selectors import listings_find

    timings: dict[str, list[float]] = defaultdict(list)
    slowest: dict[str, tuple[float, Any]] = {}
    for kind, params in mix:
        started = time.perf_counter()
        result = listings_find(params=params, clamp_page=True)
        elapsed = (time.perf_counter() - started) * 1000
        assert result.count >= 0
        timings[kind].append(elapsed)
        if elapsed > slowest.get(kind, (0.0, None))[0]:
            slowest[kind] = (elapsed, params)
    return timings, {kind: params for kind, (_, params) in slowest.items()}


def explain(params: Any) -> None:
    """EXPLAIN ANALYZE every statement one search sends."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sellers.listings.selectors import listings_find

    with CaptureQueriesContext(connection) as captured:
        listings_find(params=params, clamp_page=True)
    for query in captured.captured_queries:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            print("\n".join(row[0] for row in cursor.fetchall()), "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--shops", type=int, default=1_000)
    parser.add_argument("--queries", type=int, default=1_000, help="timed searches")
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN the slowest of each kind")
    parser.add_argument(
        "--no-cache", action="store_true", help="no cache at all (category tree, facet counts)"
    )
    args = parser.parse_args(argv)

    harness.configure_environment()
    import django

    django.setup()
    from django.conf import settings
    from django.db import connections

    # The category tree cache must not mix with the dev server's (same Redis database).
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": "bench-search"}}
    if args.no_cache:
        # Nothing cached: every search counts its facets and reads the category tree.
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    from sellers.listings.models import Listing
    from tenants.models import Shop

    seeded = False
    if args.reuse:
        try:
            seeded = Listing.objects.count() == args.listings
        except Exception:  # no database or no tables yet
            connections.close_all()
    if not seeded:
        connections.close_all()
        harness.recreate_database()
        migrate_s = harness.manage("migrate_schemas", "--shared", "--noinput")
        print(f"fresh database migrated in {migrate_s:.1f} s")
        seed(listings=args.listings, shops=args.shops)
    facts = harness.machine()
    print(
        f"{facts['nproc']} CPUs ({facts['cpu']}), PostgreSQL {facts['postgresql']}, "
        f"load {facts['load_at_start']}",
        flush=True,
    )
    from sellers.listings.services import category_tree_invalidate, search_facets_warm

    category_tree_invalidate()
    # What the worker does every 45 s: plain category pages and /search find their facet
    # counts ready (filtered browsing, and anything with words, is counted per search).
    warmed = 0 if args.no_cache else search_facets_warm()
    shop_slugs = list(Shop.objects.filter(status=Shop.Status.ACTIVE).values_list("slug", flat=True))
    rng = random.Random(7)
    measure(query_mix(rng, 100, shop_slugs))  # warm the caches (PostgreSQL's and ours)
    mix = query_mix(rng, args.queries, shop_slugs)
    started = time.perf_counter()
    timings, slowest = measure(mix)
    wall = time.perf_counter() - started
    every = [sample for samples in timings.values() for sample in samples]

    report = harness.Report(name="search-no-cache" if args.no_cache else "search")
    report.distributions.append(harness.Distribution("all searches", every))
    for kind, samples in sorted(timings.items()):
        report.distributions.append(harness.Distribution(kind, samples))
    report.figures += [
        harness.Figure("listings", args.listings, "", digits=0),
        harness.Figure("shops", args.shops, "", note="3% suspended", digits=0),
        harness.Figure("browse facet sets warmed first", warmed, "", digits=0),
        harness.Figure("p50, all searches", percentile(every, 50), "ms", digits=1),
        harness.Figure("p95, all searches", percentile(every, 95), "ms", digits=1),
        harness.Figure("p99, all searches", percentile(every, 99), "ms", digits=1),
        harness.Figure("searches per second, one thread", len(every) / wall, "/s", digits=0),
    ]
    report.targets.append(
        harness.Target("search p95, in process", percentile(every, 95), P95_LIMIT_MS, "ms")
    )
    facts["load_at_end"] = harness.load_average()
    print(harness.render(report), flush=True)
    path = harness.write_json(report, machine_facts=facts, quick=args.listings < 100_000)
    print(f"\nwritten to {path.relative_to(ROOT)}")
    if args.explain:
        for kind, params in sorted(slowest.items()):
            print(f"\n==== slowest {kind}: {params}")
            explain(params)
    connections.close_all()
    return 0 if all(target.passed for target in report.targets) else 1


if __name__ == "__main__":
    sys.exit(main())
