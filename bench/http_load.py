"""HTTP throughput under concurrent load: `.venv/bin/python bench/http_load.py`.

Seeds its own database (`marketplace_bench_http`, or BENCH_DATABASE_URL): the search
benchmark's 100,000 listings across 1,000 bulk-inserted shops, plus a few real shops
with schemas and products (the product page reads a shop's schema). Then, for each
server, starts it as a subprocess and drives the homepage, the search page (a rotation
of word searches, filters and sorts) and product pages (a rotation across the real
shops) with N concurrent keep-alive connections for S seconds each, and prints requests
per second and latency percentiles.

Servers: uvicorn as `make run` serves it (ASGI, one process, database connections kept
60 s as settings say); uvicorn with a database connection per request (CONN_MAX_AGE 0),
one and two processes; gunicorn (WSGI gthread, two processes of eight threads, settings
as they are). The load comes from this process's threads on the same 2-core machine, so
it takes CPU from the server: the figures are a floor, comparable between servers.

Options: --seconds (20), --connections (16), --servers (comma-separated names of
SERVERS), --reuse (keep an already seeded database).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path[:1] = [str(ROOT)]
os.environ.setdefault(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/marketplace_bench_http"
)
# A Redis database of its own (tests use 1–15 only with 15 xdist workers; dev uses 0):
# the homepage's cached sections must not mix with a dev server's.
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")

from bench import harness  # noqa: E402
from bench import search as search_bench  # noqa: E402

REAL_SHOPS = 5
PRODUCTS_PER_SHOP = 20
HOST = "127.0.0.1"
BIN = Path(sys.executable).parent


def seed_real_shops() -> list[str]:
    """A few shops made the real way (schemas, owners, products with variants); returns
    their product pages' paths."""
    from marketplace.accounts.models import User
    from sellers.catalog.models import Product
    from sellers.catalog.services import ProductInput, VariantInput, product_create
    from sellers.listings.models import Category
    from tenants.models import Shop
    from tenants.services import shop_create

    rng = random.Random(3)
    categories = list(Category.objects.all())
    paths = []
    for number in range(1, REAL_SHOPS + 1):
        owner = User.objects.create_user(
            email=f"owner{number}@bench.test",
            password="bench-Password-1234",  # noqa: S106 - a throwaway database
        )
        shop: Shop = shop_create(
            name=f"Real Shop {number}", slug=f"real-shop-{number}", owner=owner
        )
        for index in range(PRODUCTS_PER_SHOP):
            noun = rng.choice(search_bench.CATEGORY_SPECS)[3][0]
            title = f"{search_bench.title_for(rng, noun)} {number}-{index}"
            sizes = ["S", "M", "L"] if index % 3 == 0 else []
            price = Decimal(rng.randint(8, 90))
            product = product_create(
                shop=shop,
                data=ProductInput(
                    title=title,
                    description=f"{title}. Made by hand in small batches.\n\n- Ships in 2 days",
                    status=Product.Status.PUBLISHED,
                    category_id=rng.choice(categories).id,
                    attributes=[{"name": "Material", "value": "Stoneware"}],
                    option_names=["Size"] if sizes else [],
                    variants=[
                        VariantInput(
                            sku=f"s{number}-{index}-{size or 'one'}",
                            options={"Size": size} if size else {},
                            price=price + offset,
                            stock=rng.randint(0, 20),
                        )
                        for offset, size in enumerate(sizes or [""])
                    ],
                ),
            )
            paths.append(f"/shops/{shop.slug}/products/{product.slug}/")
    return paths


def search_paths(count: int) -> list[str]:
    """Search page URLs from the search benchmark's query mix (words, typos, filters,
    sorts, category browsing)."""
    from tenants.models import Shop

    shops = list(Shop.objects.filter(status="active").values_list("slug", flat=True)[:500])
    mix = search_bench.query_mix(random.Random(11), count, shops)
    return [f"/search?{urlencode(params.query_items())}" for _, params in mix]


@dataclass
class Outcome:
    requests: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)


def drive(port: int, paths: list[str], *, seconds: float, connections: int) -> Outcome:
    """`connections` threads, each with one keep-alive connection, GET the paths in
    turn until the time is up."""
    outcome = Outcome()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(offset: int) -> None:
        local = Outcome()
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        index = offset
        while time.monotonic() < deadline:
            path = paths[index % len(paths)]
            index += connections
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers={"Host": HOST})
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                local.errors += 1
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=30)
                continue
            local.latencies_ms.append((time.perf_counter() - started) * 1000)
            local.requests += 1
            local.statuses[response.status] = local.statuses.get(response.status, 0) + 1
        connection.close()
        with lock:
            outcome.requests += local.requests
            outcome.errors += local.errors
            outcome.latencies_ms += local.latencies_ms
            for status, n in local.statuses.items():
                outcome.statuses[status] = outcome.statuses.get(status, 0) + n

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome


def asgi_without_persistent_connections() -> object:
    """The ASGI application with CONN_MAX_AGE = 0 (uvicorn --factory): under ASGI every
    request runs its synchronous part in a thread of its own, so connections kept for
    60 s pile up, one per request thread, until PostgreSQL refuses more."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    import django
    from django.conf import settings

    django.setup()
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
    from marketplace.asgi import application

    return application


UVICORN = [str(BIN / "uvicorn"), "--host", HOST, "--log-level", "warning", "--no-access-log"]
SERVERS = {
    "uvicorn": lambda port: [*UVICORN, "marketplace.asgi:application", "--port", str(port)],
    "uvicorn-conn0": lambda port: [*UVICORN, "--factory", "--port", str(port),
                                   "bench.http_load:asgi_without_persistent_connections"],
    "uvicorn-conn0-2": lambda port: [*UVICORN, "--factory", "--port", str(port),
                                     "--workers", "2",
                                     "bench.http_load:asgi_without_persistent_connections"],
    "gunicorn": lambda port: [str(BIN / "gunicorn"), "marketplace.wsgi:application",
                              "--bind", f"{HOST}:{port}", "--workers", "2", "--threads", "8",
                              "--worker-class", "gthread", "--log-level", "warning"],
}  # fmt: skip
SERVER_NOTES = {
    "uvicorn": "ASGI, 1 process, as make run (connections kept 60 s)",
    "uvicorn-conn0": "ASGI, 1 process, a connection per request",
    "uvicorn-conn0-2": "ASGI, 2 processes, a connection per request",
    "gunicorn": "WSGI gthread, 2 processes × 8 threads (connections kept 60 s)",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def start(kind: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "marketplace.settings",
        "REDIS_URL": BENCH_REDIS_URL,
        "LOG_LEVEL": "WARNING",
    }
    log = (ROOT / "bench" / "results").resolve()
    log.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        SERVERS[kind](port),
        cwd=ROOT,
        env=env,
        stdout=(log / f"http-load-{kind}.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{kind} exited early; see bench/results/http-load-{kind}.log")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/", headers={"Host": HOST})
            if connection.getresponse().status == 200:
                return process, port
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"{kind} did not answer within 60 s")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def percentile(samples: list[float], p: int) -> float:
    if len(samples) < 2:
        return samples[0] if samples else 0.0
    return statistics.quantiles(samples, n=100, method="inclusive")[p - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--servers", default=",".join(SERVERS))
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--shops", type=int, default=1_000)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args(argv)
    kinds = [kind for kind in args.servers.split(",") if kind]
    if unknown := sorted(set(kinds) - set(SERVERS)):
        parser.error(f"unknown server {', '.join(unknown)}; known: {', '.join(SERVERS)}")

    harness.configure_environment()
    os.environ["REDIS_URL"] = BENCH_REDIS_URL
    import django

    django.setup()
    from django.db import connections

    from sellers.listings.models import Listing

    seeded = False
    if args.reuse:
        try:
            seeded = Listing.objects.filter(shop__slug__startswith="real-shop-").exists()
        except Exception:  # no database or no tables yet
            connections.close_all()
    if not seeded:
        connections.close_all()
        harness.recreate_database()
        harness.manage("migrate_schemas", "--shared", "--noinput")
        harness.manage("prepare_shops", "--pool-size", str(REAL_SHOPS))
        search_bench.seed(listings=args.listings, shops=args.shops)
        seed_real_shops()
        from sellers.listings.services import search_words_refresh

        search_words_refresh()
    product_paths = [
        f"/shops/{shop}/products/{slug}/"
        for shop, slug in Listing.objects.filter(shop__slug__startswith="real-shop-")
        .order_by("id")
        .values_list("shop__slug", "slug")
    ]
    pages = {"homepage": ["/"], "search": search_paths(500), "product": product_paths}
    facts = harness.machine()
    connections.close_all()
    print(
        f"{facts['nproc']} CPUs ({facts['cpu']}), PostgreSQL {facts['postgresql']}, "
        f"load {facts['load_at_start']}; {args.connections} connections, "
        f"{args.seconds:g} s a page",
        flush=True,
    )

    report = harness.Report(name="http-load")
    rows: list[tuple[str, str, Outcome, float]] = []
    for kind in kinds:
        process, port = start(kind)
        try:
            for page, paths in pages.items():
                drive(port, paths[:50], seconds=min(3.0, args.seconds), connections=4)  # warm
                started = time.perf_counter()
                outcome = drive(port, paths, seconds=args.seconds, connections=args.connections)
                elapsed = time.perf_counter() - started
                rows.append((kind, page, outcome, elapsed))
                rate = outcome.requests / elapsed
                print(
                    f"{kind:10} {page:9} {rate:7.1f} req/s  p50 "
                    f"{percentile(outcome.latencies_ms, 50):6.1f} ms  p95 "
                    f"{percentile(outcome.latencies_ms, 95):6.1f} ms  statuses "
                    f"{dict(sorted(outcome.statuses.items()))}  errors {outcome.errors}",
                    flush=True,
                )
        finally:
            stop(process)
    for kind, page, outcome, elapsed in rows:
        report.figures.append(
            harness.Figure(
                f"{page}, {kind}",
                outcome.requests / elapsed,
                "req/s",
                note=f"{SERVER_NOTES[kind]}; p95 {percentile(outcome.latencies_ms, 95):.0f} ms"
                + (f"; {outcome.errors} errors" if outcome.errors else ""),
                digits=1,
            )
        )
        report.distributions.append(
            harness.Distribution(f"{page}, {kind}", outcome.latencies_ms or [0.0])
        )
    facts["load_at_end"] = harness.load_average()
    print(harness.render(report), flush=True)
    path = harness.write_json(report, machine_facts=facts, quick=args.seconds < 20)
    print(f"\nwritten to {path.relative_to(ROOT)}")
    bad = [row for row in rows if set(row[2].statuses) - {200}]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
