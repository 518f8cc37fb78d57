"""Shop provisioning: how fast `tenants.services.shop_create` makes a ready shop.

a. shop_create per shop with a warm pool (each create renames a pooled schema) and with
   an empty pool (each create clones the template schema);
b. many shops back to back from the default pool while a thread refills it, as the
   worker does after each `shop.created` event;
c. a no-op `migrate_schemas` over every shop, standard and multiprocessing executors.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from statistics import median

from django.conf import settings
from django.db import connection

from bench.harness import Distribution, Figure, Report, Target, manage, stopwatch
from marketplace.accounts.models import User
from tenants import provisioning
from tenants.models import PooledSchema, Shop
from tenants.services import shop_create

PASSWORD = "bench-Password-1234"  # noqa: S105 - a throwaway account in a throwaway database
NEW_SHOP_LIMIT_MS = 1000.0
END_TO_END_LIMIT_S = 120.0
MIGRATE_LIMIT_S = 60.0
MAIN = threading.main_thread().name


@dataclass
class Timings:
    """Per-shop timings of one phase, in milliseconds."""

    user_ms: list[float] = field(default_factory=list)
    shop_ms: list[float] = field(default_factory=list)

    @property
    def both_ms(self) -> list[float]:
        return [u + s for u, s in zip(self.user_ms, self.shop_ms, strict=True)]


class Sellers:
    """Opens numbered shops the way sign-up does: create the user, then its shop."""

    def __init__(self) -> None:
        self.count = 0

    def open_shops(self, n: int) -> Timings:
        timings = Timings()
        for _ in range(n):
            self.count += 1
            number = self.count
            with stopwatch(timings.user_ms):
                owner = User.objects.create_user(
                    email=f"seller{number:04d}@bench.test", password=PASSWORD
                )
            with stopwatch(timings.shop_ms):
                shop_create(name=f"Bench shop {number}", slug=f"bench-{number:04d}", owner=owner)
        return timings


@dataclass
class Clones:
    """Template clones seen while instrumented: how many per thread, and how long each took."""

    by_thread: Counter[str] = field(default_factory=Counter)
    background_ms: list[float] = field(default_factory=list)


@contextmanager
def watch_clones() -> Iterator[Clones]:
    """Count calls of provisioning's template clone; the main thread's are pool misses."""
    clones = Clones()
    original = provisioning._clone_template

    def counted(schema_name: str) -> None:
        thread = threading.current_thread()
        clones.by_thread[thread.name] += 1
        if thread is threading.main_thread():
            original(schema_name)
        else:
            with stopwatch(clones.background_ms):
                original(schema_name)

    provisioning._clone_template = counted  # type: ignore[assignment]
    try:
        yield clones
    finally:
        provisioning._clone_template = original  # type: ignore[assignment]


class RefillLoop(threading.Thread):
    """Calls pool_refill() until stopped, pausing 5 ms whenever the pool was already full."""

    def __init__(self) -> None:
        super().__init__(name="pool-refill", daemon=True)
        self.stopping = threading.Event()
        self.calls = 0
        self.added = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                added = provisioning.pool_refill()
                self.calls += 1
                self.added += added
                if not added:
                    self.stopping.wait(0.005)
        except BaseException as exc:
            self.error = exc
        finally:
            connection.close()  # connections are per thread

    def stop(self) -> None:
        self.stopping.set()
        self.join()
        if self.error is not None:
            raise RuntimeError("pool refill thread failed") from self.error


def _pool_size() -> int:
    return PooledSchema.objects.count()


def run(*, quick: bool) -> Report:
    per_mode, end_to_end = (5, 20) if quick else (50, 200)
    report = Report("provisioning")
    sellers = Sellers()
    _one_shop(report, sellers, per_mode)
    _many_shops(report, sellers, end_to_end)
    _migrate(report)
    return report


def _one_shop(report: Report, sellers: Sellers, n: int) -> None:
    """a. shop_create from a warm pool (rename), then from an empty one (clone)."""
    fill_s = manage("prepare_shops", "--pool-size", str(n))
    assert _pool_size() == n
    with watch_clones() as clones:
        warm = sellers.open_shops(n)
    assert clones.by_thread[MAIN] == 0, "a warm-pool create cloned the template"
    assert _pool_size() == 0
    with watch_clones() as clones:
        cold = sellers.open_shops(n)
    assert clones.by_thread[MAIN] == n, "an empty-pool create did not clone"

    report.distributions += [
        Distribution("create user (argon2 hash)", warm.user_ms + cold.user_ms),
        Distribution("shop_create, warm pool (rename)", warm.shop_ms),
        Distribution("shop_create, empty pool (clone)", cold.shop_ms),
    ]
    report.figures.append(
        Figure(f"prepare_shops --pool-size {n}", fill_s, "s", "template migrate + clones")
    )
    report.targets += [
        Target("new shop, median (warm pool)", median(warm.shop_ms), NEW_SHOP_LIMIT_MS, "ms"),
        Target("new shop, median (empty pool)", median(cold.shop_ms), NEW_SHOP_LIMIT_MS, "ms"),
    ]


def _many_shops(report: Report, sellers: Sellers, n: int) -> None:
    """b. `n` sellers back to back from the default pool, refilled by a thread meanwhile."""
    manage("prepare_shops")
    start_pool = _pool_size()
    refill = RefillLoop()
    with watch_clones() as clones:
        refill.start()
        started = time.perf_counter()
        burst = sellers.open_shops(n)
        total_s = time.perf_counter() - started
        refill.stop()

    report.distributions += [
        Distribution(f"shop_create, {n} with refill", burst.shop_ms),
        Distribution(f"user + shop, {n} with refill", burst.both_ms),
        Distribution("template clone in refill thread", clones.background_ms or [0.0]),
    ]
    report.figures += [
        Figure(f"{n} shops back to back", total_s, "s", "user + shop_create each"),
        Figure("  pool at start", start_pool, "schemas", "SHOP_SCHEMA_POOL_SIZE", digits=0),
        Figure("  pool misses", clones.by_thread[MAIN], "shops", "cloned in shop_create", 0),
        Figure("  refill: schemas added", refill.added, "schemas", f"{refill.calls} calls", 0),
    ]
    report.targets.append(Target(f"{n} shops end to end", total_s, END_TO_END_LIMIT_S, "s"))


def _migrate(report: Report) -> None:
    """c. A no-op migrate_schemas over every shop (pool and template are not shops)."""
    shops = Shop.objects.count()
    standard_s = manage("migrate_schemas", "--noinput")
    per_shop = f"{standard_s / shops * 1000:.0f} ms a shop"
    report.figures.append(Figure(f"migrate_schemas, {shops} shops", standard_s, "s", per_shop))
    report.targets.append(
        Target(f"migrate_schemas over {shops} shops", standard_s, MIGRATE_LIMIT_S, "s")
    )
    processes = getattr(settings, "TENANT_MULTIPROCESSING_MAX_PROCESSES", 2)
    try:
        parallel_s = manage("migrate_schemas", "--noinput", "--executor=multiprocessing")
    except RuntimeError as exc:
        print(f"multiprocessing executor failed: {exc}")
        return
    report.figures.append(
        Figure("  --executor=multiprocessing", parallel_s, "s", f"{processes} processes")
    )
    report.targets.append(
        Target("  same, multiprocessing executor", parallel_s, MIGRATE_LIMIT_S, "s")
    )
