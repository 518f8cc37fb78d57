"""CSV import and export speed: `.venv/bin/python bench/csv_import.py [--quick]`.

Generates a file of 10,000 rows (2,500 products × 4 variants, every column filled), then
times what the worker does with it, through the same functions (`import_job_process`):
the upload checks, the dry run, the import (all rows in one transaction: bulk writes,
stock history, listings), a second import of the same products with new prices and
stock (the update path), a re-import of an unchanged export (nothing to write), and the
streamed export. Peak memory: the process's peak RSS after each phase, and Python's own
peak allocation (tracemalloc) of a second run of each phase into another shop, measured
apart because tracemalloc slows everything down.

Like `bench/run.py`, it drops, re-creates and migrates the `marketplace_bench` database
first (BENCH_DATABASE_URL overrides it), and writes bench/results/csv-import.json.
"""

from __future__ import annotations

import argparse
import csv
import io
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, sys.path[0] is bench/; the project root must come first instead.
sys.path[:1] = [str(ROOT)]

from bench import harness  # noqa: E402
from bench.harness import Figure, Report, Target  # noqa: E402

PRODUCTS, VARIANTS = 2_500, 4
QUICK_PRODUCTS = 250
IMPORT_LIMIT_S = 60.0
PASSWORD = "bench-Password-1234"  # noqa: S105 - a throwaway account in a throwaway database
SIZES = ("S", "M", "L", "XL")
# Different for each product (number), as in a real catalog: each is rendered once.
DESCRIPTION = (
    "Soft **merino** jumper no. {number}, knitted in Portugal.\n\n"
    "- Machine washable at 30 °C\n- Ribbed cuffs and hem\n- Regular fit\n\n"
    "See the [size guide](https://example.com/sizes/{number})."
)


def generate_csv(*, products: int, price_offset: int = 0, stock_offset: int = 0) -> str:
    from sellers.catalog.csv_io.columns import COLUMNS

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for number in range(products):
        for index, size in enumerate(SIZES[:VARIANTS]):
            first = index == 0
            writer.writerow(
                [
                    f"jumper-{number:05d}",
                    f"Merino jumper {number}" if first else "",
                    DESCRIPTION.format(number=number) if first else "",
                    ("published" if number % 2 == 0 else "draft") if first else "",
                    f"bench-category-{number % 10}" if first else "",
                    "Size",
                    size,
                    "Colour",
                    ("Navy", "Grey", "Red")[number % 3],
                    "",
                    "",
                    f"JMP-{number:05d}-{size}",
                    f"{49 + index * 5 + price_offset}.90",
                    f"{79 + index * 5 + price_offset}.00" if number % 4 == 0 else "",
                    str((number + index) % 40 + stock_offset),
                    "yes",
                    "3",
                    "Material: Merino wool; Care: Machine wash 30 °C" if first else "",
                ]
            )
    return buffer.getvalue()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def traced() -> Iterator[dict[str, float]]:
    """Python's peak allocation in the block, in MB (after it ends)."""
    result: dict[str, float] = {}
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        yield result
    finally:
        result["peak_mb"] = tracemalloc.get_traced_memory()[1] / 1024 / 1024
        tracemalloc.stop()


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    outcome = action()
    return time.perf_counter() - started, outcome


class Seller:
    """A fresh shop with its owner, and the import steps as the worker runs them."""

    def __init__(self, slug: str) -> None:
        from marketplace.accounts.models import User
        from tenants.models import Membership
        from tenants.services import shop_create

        owner = User.objects.create_user(email=f"{slug}@bench.test", password=PASSWORD)
        self.shop = shop_create(name=f"Bench {slug}", slug=slug, owner=owner)
        self.actor = Membership.objects.select_related("user").get(shop=self.shop, user=owner)

    def upload(self, text: str) -> int:
        from django.core.files.uploadedfile import SimpleUploadedFile

        from sellers.catalog.csv_io import import_job_create

        upload = SimpleUploadedFile("bench.csv", text.encode(), content_type="text/csv")
        return import_job_create(shop=self.shop, actor=self.actor, upload=upload).id

    def dry_run(self, job_id: int) -> Any:
        from sellers.catalog.csv_io import import_job_process

        import_job_process(shop_id=self.shop.id, job_id=job_id)
        return self.job(job_id, expect="validated")

    def import_(self, job_id: int) -> Any:
        from sellers.catalog.csv_io import import_job_confirm, import_job_process

        import_job_confirm(shop=self.shop, actor=self.actor, job_id=job_id)
        import_job_process(shop_id=self.shop.id, job_id=job_id)
        return self.job(job_id, expect="done")

    def job(self, job_id: int, *, expect: str) -> Any:
        from sellers.catalog.models import ImportJob
        from tenants.schemas import shop_schema

        with shop_schema(self.shop):
            job = ImportJob.objects.get(id=job_id)
        if job.status != expect:
            raise RuntimeError(f"job {job_id} is {job.status}, not {expect}: {job.errors[:5]}")
        return job

    def export(self) -> int:
        from sellers.catalog.csv_io import export_chunks

        return sum(len(chunk) for chunk in export_chunks(shop=self.shop))

    def export_text(self) -> str:
        from sellers.catalog.csv_io import export_chunks

        return "".join(export_chunks(shop=self.shop))

    def counts(self) -> dict[str, int]:
        from sellers.catalog.models import Product, StockMovement, Variant
        from sellers.listings.models import Listing
        from tenants.schemas import shop_schema

        with shop_schema(self.shop):
            return {
                "products": Product.objects.count(),
                "variants": Variant.objects.count(),
                "movements": StockMovement.objects.count(),
                "listings": Listing.objects.filter(shop=self.shop).count(),
            }


def run(*, quick: bool) -> Report:
    from sellers.listings.models import Category

    products = QUICK_PRODUCTS if quick else PRODUCTS
    rows = products * VARIANTS
    report = Report("csv-import")
    harness.manage("prepare_shops", "--pool-size", "2")
    Category.objects.bulk_create(
        Category(name=f"Bench category {n}", slug=f"bench-category-{n}") for n in range(10)
    )
    text = generate_csv(products=products)
    figures = report.figures
    figures.append(Figure("file", len(text.encode()) / 1024 / 1024, "MB", f"{rows:,} rows"))

    seller = Seller("bench-csv")
    upload_s, job_id = timed(lambda: seller.upload(text))
    figures.append(Figure("upload: read, check columns, store", upload_s, "s"))
    dry_s, _ = timed(lambda: seller.dry_run(job_id))
    figures.append(Figure("dry run (every row checked)", dry_s, "s", f"RSS {peak_rss_mb():.0f} MB"))
    import_s, job = timed(lambda: seller.import_(job_id))
    figures.append(
        Figure("import (check again + write)", import_s, "s", f"RSS {peak_rss_mb():.0f} MB")
    )
    counts = seller.counts()
    expected = {"products": products, "variants": rows, "listings": products // 2}
    if {key: counts[key] for key in expected} != expected:
        raise RuntimeError(f"import wrote {counts}, expected {expected}")
    figures.append(Figure("  rows per second", rows / import_s, "rows/s", digits=0))
    figures.append(
        Figure("  stock movements written", job.summary["stock_movements"], "", digits=0)
    )

    changed = generate_csv(products=products, price_offset=1, stock_offset=2)
    update_id = seller.upload(changed)
    update_dry_s, _ = timed(lambda: seller.dry_run(update_id))
    update_s, update_job = timed(lambda: seller.import_(update_id))
    figures.append(Figure("dry run, same products, new prices and stock", update_dry_s, "s"))
    figures.append(
        Figure(
            "import of those changes (update path)",
            update_s,
            "s",
            f"{update_job.summary['variants_updated']:,} variants updated",
        )
    )

    export_s, size = timed(seller.export)
    figures.append(
        Figure("export (streamed, consumed)", export_s, "s", f"{size / 1024 / 1024:.1f} MB of text")
    )
    again_id = seller.upload(seller.export_text())
    again_s, _ = timed(lambda: seller.dry_run(again_id))
    same_s, same_job = timed(lambda: seller.import_(again_id))
    if same_job.summary["products_unchanged"] != products:
        raise RuntimeError(f"re-import of the export changed something: {same_job.summary}")
    figures.append(
        Figure(
            "re-import of the export: dry run + import", again_s + same_s, "s", "nothing to write"
        )
    )
    figures.append(Figure("peak RSS of the process", peak_rss_mb(), "MB", "ru_maxrss"))

    # Python's peak allocations, on a second shop (tracemalloc slows things ~2×).
    memory = Seller("bench-csv-memory")
    with traced() as upload_peak:
        memory_id = memory.upload(text)
    with traced() as dry_peak:
        memory.dry_run(memory_id)
    with traced() as import_peak:
        memory.import_(memory_id)
    with traced() as export_peak:
        memory.export()
    small = Seller("bench-csv-small")
    small.import_(small.dry_run(small.upload(generate_csv(products=products // 4))).id)
    with traced() as small_export_peak:
        small.export()
    figures += [
        Figure("python peak: upload", upload_peak["peak_mb"], "MB", "tracemalloc"),
        Figure("python peak: dry run", dry_peak["peak_mb"], "MB", "tracemalloc"),
        Figure("python peak: import", import_peak["peak_mb"], "MB", "tracemalloc"),
        Figure(f"python peak: export, {rows:,} rows", export_peak["peak_mb"], "MB"),
        Figure(
            f"python peak: export, {rows // 4:,} rows",
            small_export_peak["peak_mb"],
            "MB",
            "flat: same as above",
        ),
    ]
    report.targets.append(
        Target(f"dry run + import of {rows:,} rows", dry_s + import_s, IMPORT_LIMIT_S, "s")
    )
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_PRODUCTS} products")
    args = parser.parse_args(argv)
    harness.configure_environment()
    import django
    from django.db import connections

    django.setup()
    connections.close_all()
    harness.recreate_database()
    migrate_s = harness.manage("migrate_schemas", "--noinput")
    facts = harness.machine()
    print(
        f"csv-import: fresh database migrated in {migrate_s:.1f} s on {facts['nproc']} CPUs"
        f" ({facts['cpu']}), PostgreSQL {facts['postgresql']}, load {facts['load_at_start']}",
        flush=True,
    )
    report = run(quick=args.quick)
    facts["load_at_end"] = harness.load_average()
    print(harness.render(report), flush=True)
    path = harness.write_json(report, machine_facts=facts, quick=args.quick)
    print(f"\nwritten to {path.relative_to(ROOT)}\n")
    connections.close_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
