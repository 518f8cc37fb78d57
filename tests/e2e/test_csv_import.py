"""Browser test: a CSV import through the real worker (upload → relay → Kafka → worker dry
run → review → import), in a shop of its own."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sellers.catalog.models import ImportJob, Product, StockMovement
from tenants.schemas import shop_schema
from tests.e2e.fixtures import ARTIFACTS, sign_in
from tests.factories import PASSWORD, UserFactory, make_shop
from tests.sellers.catalog.test_csv_services import csv_text, row
from tests.threads import committed

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


def test_a_seller_imports_a_csv_through_the_worker(page, live_stack):
    tag = uuid.uuid4().hex[:8]
    email = f"importer-{tag}@example.test"
    shop = committed(lambda: make_shop(owner=UserFactory(email=email), slug=f"csv-{tag}"))
    sign_in(page, live_stack, email=email, password=PASSWORD)

    page.goto(f"{live_stack.url}/sell/{shop.slug}/")
    page.get_by_role("link", name="Import / export").click()
    expect(page.get_by_role("heading", name="Import and export products", level=1)).to_be_visible()

    # A file with a problem first: the dry run lists it and nothing is imported.
    broken = csv_text([row("felt-slippers", "FS-1", price="12.345")])
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "broken.csv", "mimeType": "text/csv", "buffer": broken.encode()}]
    )
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_text("1 problem found: nothing was imported.")).to_be_visible(timeout=30_000)
    problem = page.get_by_role("row", name="2 price Use at most two decimal places.")
    expect(problem).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "csv-import-problems.png"), full_page=True)

    page.get_by_role("link", name="upload it again").click()
    good = csv_text(
        [
            row("felt-slippers", "FS-S", title="Felt slippers", status="published",
                option1_name="Size", option1_value="S", price="35.00", stock="4"),
            row("felt-slippers", "FS-L", title="", option1_name="Size", option1_value="L",
                price="39.00", stock="2"),
            row("wool-socks", "WS-1", title="Wool socks", price="9.50", stock="20"),
        ]
    )  # fmt: skip
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "slippers.csv", "mimeType": "text/csv", "buffer": good.encode("utf-8-sig")}]
    )
    page.get_by_role("button", name="Upload and check").click()

    # The job page polls itself (htmx) until the worker's dry run is done.
    expect(page.get_by_role("heading", name="All 3 rows can be imported")).to_be_visible(
        timeout=30_000
    )
    page.screenshot(path=str(ARTIFACTS / "csv-import-ready.png"), full_page=True)
    page.get_by_role("button", name="Import 3 rows").click()
    expect(page.get_by_role("heading", name="Imported 3 rows")).to_be_visible(timeout=30_000)
    expect(page.locator(".csv-result__summary")).to_contain_text(
        re.compile(r"Products created\s*2\s*Products updated\s*0")
    )

    def catalog() -> tuple[list[tuple[str, str]], list[tuple[str, int, str]]]:
        with shop_schema(shop):
            return (
                sorted(Product.objects.values_list("slug", "status")),
                sorted(StockMovement.objects.values_list("sku", "delta", "reason")),
            )

    assert committed(catalog) == (
        [("felt-slippers", "published"), ("wool-socks", "draft")],
        [("FS-L", 2, "import"), ("FS-S", 4, "import"), ("WS-1", 20, "import")],
    )
    page.screenshot(path=str(ARTIFACTS / "csv-import-done.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_stack.url}/sell/{shop.slug}/products/import/")
    expect(page.get_by_role("cell", name="slippers.csv")).to_be_visible()


def test_the_job_page_follows_the_progress_without_reloading(page, live_stack):
    tag = uuid.uuid4().hex[:8]
    email = f"watcher-{tag}@example.test"
    shop = committed(lambda: make_shop(owner=UserFactory(email=email), slug=f"csv-{tag}"))

    def running_job() -> ImportJob:
        # A job the worker never hears of: the test plays the worker's part.
        with shop_schema(shop):
            return ImportJob.objects.create(
                file_name="big.csv", content="handle,sku\r\n", total_rows=10_000,
                status="importing", processed_rows=4_200, import_requested_at=timezone.now(),
                summary={}, created_by_email=email,
            )  # fmt: skip

    job = committed(running_job)
    sign_in(page, live_stack, email=email, password=PASSWORD)
    page.goto(f"{live_stack.url}/sell/{shop.slug}/products/import/{job.id}/")
    bar = page.get_by_role("progressbar", name="Importing…")
    expect(bar).to_have_attribute("value", "4200")
    expect(page.get_by_text("4,200 of 10,000 rows saved.")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "csv-import-progress.png"), full_page=True)
    page.evaluate("document.body.dataset.sameDocument = 'yes'")  # gone if the page reloads

    def advance(**fields: Any) -> None:
        def update() -> None:
            with shop_schema(shop):
                ImportJob.objects.filter(id=job.id).update(**fields)

        committed(update)

    advance(processed_rows=8_500)
    expect(page.get_by_text("8,500 of 10,000 rows saved.")).to_be_visible(timeout=5_000)
    summary = {
        "products_created": 2500, "products_updated": 0, "products_unchanged": 0,
        "variants_created": 10000, "variants_updated": 0, "variants_deleted": 0,
        "stock_movements": 9751,
    }  # fmt: skip
    advance(status="done", processed_rows=10_000, summary=summary, finished_at=timezone.now())
    expect(page.get_by_role("heading", name="Imported 10,000 rows")).to_be_visible(timeout=5_000)
    expect(page.locator(".csv-result__summary")).to_contain_text(
        re.compile(r"Variants created\s*10,000")
    )
    # htmx swapped the live part in place, and stops polling once the job is over.
    expect(page.locator("body[data-same-document=yes]")).to_have_count(1)
    expect(page.locator("#import-job")).not_to_have_attribute("hx-trigger", "every 1s")
