"""CSV import and export services: reading files, the dry run's row errors, the all-or-none
import, stock history, round trips, and the worker's handler."""

from __future__ import annotations

import csv
import io
import threading
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from marketplace.errors import ApplicationError
from marketplace.events.consumers import Event
from marketplace.events.models import OutboxEvent
from sellers.catalog.csv_io import (
    csv_decode,
    csv_read,
    export_chunks,
    import_check,
    import_job_confirm,
    import_job_create,
    import_job_process,
    import_template_csv,
)
from sellers.catalog.csv_io.columns import COLUMNS
from sellers.catalog.handlers import in_background, run_import_job
from sellers.catalog.models import ImportJob, Product, StockMovement, Variant
from sellers.catalog.services import VariantInput
from sellers.listings.models import Listing
from tenants.models import Membership, Shop
from tenants.schemas import shop_schema
from tenants.services import shop_suspend
from tests.factories import CategoryFactory, UserFactory, make_product

pytestmark = pytest.mark.django_db


# --- helpers (tests/sellers/test_csv.py uses them too) ----------------------------------


def csv_text(rows: list[dict[str, str]], *, columns: tuple[str, ...] = COLUMNS) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return buffer.getvalue()


def csv_upload(
    rows: list[dict[str, str]] | None = None,
    *,
    text: str | None = None,
    data: bytes | None = None,
    name: str = "products.csv",
    columns: tuple[str, ...] = COLUMNS,
) -> SimpleUploadedFile:
    if data is None:
        data = (text if text is not None else csv_text(rows or [], columns=columns)).encode()
    return SimpleUploadedFile(name, data, content_type="text/csv")


def member(shop: Shop, user: Any) -> Membership:
    return Membership.objects.select_related("user").get(shop=shop, user=user)


def row(handle: str, sku: str, **cells: str) -> dict[str, str]:
    """A row of a new product with sensible defaults: title from the handle, price 10."""
    return {"handle": handle, "title": handle.replace("-", " ").title(), "sku": sku,
            "price": "10.00", "stock": "3", **cells}  # fmt: skip


def dry_run(shop: Shop, user: Any, upload: SimpleUploadedFile, **options: Any) -> ImportJob:
    job = import_job_create(shop=shop, actor=member(shop, user), upload=upload, **options)
    import_job_process(shop_id=shop.id, job_id=job.id)
    with shop_schema(shop):
        return ImportJob.objects.get(id=job.id)


def import_now(shop: Shop, user: Any, job: ImportJob) -> ImportJob:
    assert (job.status, error_lines(job)) == ("validated", [])
    import_job_confirm(shop=shop, actor=member(shop, user), job_id=job.id)
    import_job_process(shop_id=shop.id, job_id=job.id)
    with shop_schema(shop):
        return ImportJob.objects.get(id=job.id)


def error_lines(job: ImportJob) -> list[str]:
    lines = []
    for error in job.errors:
        where = f"Row {error['row']}" if error["row"] else ""
        if error["column"]:
            where += f", {error['column']}"
        lines.append(f"{where}: {error['message']}" if where else error["message"])
    return lines


def catalog_state(shop: Shop) -> dict[str, Any]:
    """Everything an import may touch, in comparable form."""
    with shop_schema(shop):
        return {
            "products": sorted(
                Product.objects.values_list(
                    "id", "slug", "title", "description", "status", "category_id",
                    "attributes", "option_names", "updated_at",
                )
            ),
            "variants": sorted(
                Variant.objects.values_list(
                    "id", "product_id", "sku", "options", "price", "compare_at_price",
                    "stock", "track_inventory", "low_stock_threshold", "position", "updated_at",
                )
            ),
            "movements": StockMovement.objects.count(),
            "listings": sorted(
                Listing.objects.filter(shop=shop).values_list("product_id", "title", "price")
            ),
        }  # fmt: skip


def exported(shop: Shop, status: str | None = None) -> str:
    return "".join(export_chunks(shop=shop, status=status))


def exported_rows(shop: Shop, status: str | None = None) -> list[dict[str, str]]:
    text = exported(shop, status)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


# --- reading files ----------------------------------------------------------------------


def test_a_file_reads_with_or_without_the_byte_order_mark_and_loose_header_spelling():
    text = "Handle,SKU,Option1 Name,option1-value\r\nmug,MUG-1,Size,L\r\n\r\n"
    for data in (text.encode(), b"\xef\xbb\xbf" + text.encode()):
        csv_file = csv_read(text=csv_decode(data))
        assert csv_file.columns == ("handle", "sku", "option1_name", "option1_value")
        assert [(r.number, r.cells) for r in csv_file.rows] == [
            (2, {"handle": "mug", "sku": "MUG-1", "option1_name": "Size", "option1_value": "L"})
        ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty. Start from the template below."),
        (b" \r\n", "The file is empty. Start from the template below."),
        (b"handle,sku\r\n", "The file has a header but no product rows under it."),
        (
            "handle,sku,title\r\nmug,M1,Caf\u00e9\r\n".encode("latin-1"),
            "The file isn't UTF-8 text. In Excel, save it as “CSV UTF-8 (Comma delimited)”; "
            "in Numbers or Google Sheets, export it as CSV.",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "The file isn't UTF-8 text. In Excel, save it "
         "as “CSV UTF-8 (Comma delimited)”; in Numbers or Google Sheets, export it as CSV."),
        (b"handle,sku\x00\r\n", "This isn't a CSV file: it contains binary data."),
        (
            b"handle,sku,colour,size\r\n",
            "Unknown columns “colour”, “size”. The columns are: " + ", ".join(COLUMNS) + ".",
        ),
        (b"handle,title\r\nmug,Mug\r\n", "The file needs the column sku."),
        (b"title;price\r\nMug;3\r\n", "This doesn't look like a product CSV (comma-separated). "
         "Unknown column “title;price”. The columns are: " + ", ".join(COLUMNS) + ". "
         "The file needs the columns handle and sku."),
        (b"handle,sku,sku\r\n", "Each column may appear once: sku appear twice."),
        (
            b"handle,sku,option1_name\r\nmug,M1,Size\r\n",
            "option1_name and option1_value go together: add the missing column.",
        ),
        (
            b'handle,sku\r\nmug,"M1"x\r\n',
            "Line 2 isn't valid CSV (',' expected after '\"'). Check the quotes around its "
            "cells, or save the file again from your spreadsheet.",
        ),
    ],
)  # fmt: skip
def test_problems_with_the_whole_file_are_refused_with_a_clear_message(data, message):
    with pytest.raises(ApplicationError) as caught:
        csv_read(text=csv_decode(data))

    assert (caught.value.field, caught.value.message) == ("file", message)


def test_a_file_over_50000_rows_or_20_megabytes_is_refused():
    many = "handle,sku\r\n" + "".join(f"p{n},S{n}\r\n" for n in range(50_001))
    with pytest.raises(ApplicationError) as caught:
        csv_read(text=many)
    assert caught.value.message == (
        "The file has more than 50,000 rows; import at most 50,000 at a time (split it into "
        "several files)."
    )
    assert len(csv_read(text=many.rsplit("p50000", 1)[0]).rows) == 50_000

    with pytest.raises(ApplicationError) as caught:
        csv_decode(b"x" * (20 * 1024 * 1024 + 1))
    assert caught.value.message == (
        "The file is 20.0 MB; import at most 20 MB at a time (split it into several files)."
    )


def test_an_oversized_upload_makes_no_job(world):
    upload = csv_upload(data=b"handle,sku\r\n" + b"a,b\r\n" * (4 * 1024 * 1024 + 1))
    with pytest.raises(ApplicationError) as caught:
        import_job_create(
            shop=world.shop_a, actor=member(world.shop_a, world.owner_a), upload=upload
        )

    assert caught.value.message == (
        "The file is 20.0 MB; import at most 20 MB at a time (split it into several files)."
    )
    with shop_schema(world.shop_a):
        assert ImportJob.objects.count() == 0
    assert not OutboxEvent.objects.filter(type="catalog.import.requested").exists()


# --- the dry run ------------------------------------------------------------------------


def test_the_dry_run_of_a_clean_file_writes_nothing_and_says_what_the_import_will_do(world):
    before = catalog_state(world.shop_a)
    upload = csv_upload([
        row("oak-table", "OAK-S", option1_name="Size", option1_value="Small"),
        row("oak-table", "OAK-L", option1_name="Size", option1_value="Large"),
        {"handle": "alpha-lamp", "sku": "alpha-lamp", "price": "31.00"},
    ])  # fmt: skip

    job = dry_run(world.shop_a, world.owner_a, upload)

    assert (job.status, job.errors, job.error_count) == ("validated", [], 0)
    assert (job.total_rows, job.processed_rows) == (3, 3)
    assert job.summary == {"products_new": 1, "products_existing": 1, "variants_to_delete": 0}
    assert job.created_by_email == world.owner_a.email
    assert catalog_state(world.shop_a) == before
    event = OutboxEvent.objects.get(type="catalog.import.requested", key=str(world.shop_a.id))
    assert event.data == {"shop_id": world.shop_a.id, "job_id": job.id, "step": "dry_run"}


def test_broken_rows_each_get_a_message_at_their_row_and_column(world):
    CategoryFactory(slug="kitchen", name="Kitchen")
    before = catalog_state(world.shop_a)
    upload = csv_upload([
        row("good-mug", "MUG-1", category="kitchen"),                        # row 2: fine
        row("bad-price", "BP-1", price="12.345"),                            # row 3
        row("dup-sku", "MUG-1"),                                             # row 4
        row("taken-sku", "alpha-lamp"),                                      # row 5
        row("no-category", "NC-1", category="garden"),                       # row 6
        row("script", "SC-1", description="Hi <script>alert(1)</script>"),   # row 7
        row("no-title", "NT-1", title=""),                                   # row 8
        row("two-rows", "TR-1", option1_name="Size", option1_value="S",
            status="published"),                                             # row 9
        row("two-rows", "TR-2", option1_name="Size", option1_value="M",
            status="draft", title="Other title"),                            # row 10
        row("flags", "FL-1", track_inventory="maybe", stock="-2"),           # row 11
        row("Not A Handle", "NH-1"),                                         # row 12
        row("cheap", "CH-1", price="20", compare_at_price="15"),             # row 13
        row("no-price", "NP-1", price=""),                                   # row 14
        row("bad-attrs", "BA-1", attributes="Material Wool"),                # row 15
    ])  # fmt: skip

    job = dry_run(world.shop_a, world.owner_a, upload)

    assert job.status == "failed"
    assert error_lines(job) == [
        "Row 3, price: Use at most two decimal places.",
        "Row 4, sku: SKU MUG-1 is already on row 2.",
        "Row 5, sku: SKU alpha-lamp is already used by “Alpha lamp”.",
        "Row 6, category: There is no category “garden”. Use the address of one of the "
        "categories listed on the import page, or leave it empty.",
        "Row 7, description: The description can't contain <script> HTML. Write it in "
        "Markdown: **bold**, *italic*, lists and [links](https://example.com).",
        "Row 8, title: Give the product a title of 1–200 characters.",
        "Row 10, title: Differs from row 9, the first row of two-rows. Product columns are "
        "read from a product's first row: leave them empty on its other rows or repeat the "
        "same value.",
        "Row 10, status: Differs from row 9, the first row of two-rows. Product columns are "
        "read from a product's first row: leave them empty on its other rows or repeat the "
        "same value.",
        "Row 11, stock: Stock must be between 0 and 1,000,000.",
        "Row 11, track_inventory: Write yes or no.",
        "Row 12, handle: A handle has lowercase letters, digits and hyphens, such as not-a-handle.",
        "Row 13, compare_at_price: The compare-at price is the old price: make it higher "
        "than the price, or leave it empty.",
        "Row 14, price: Enter a price.",
        "Row 15, attributes: Write attributes as Name: Value pairs separated by semicolons, "
        "such as “Material: Wool; Care: Hand wash”.",
    ]
    assert job.error_count == 14
    assert catalog_state(world.shop_a) == before


def test_variant_rules_come_from_the_product_services(world):
    upload = csv_upload([
        row("shirt", "SH-1", option1_name="Size", option1_value="M"),
        row("shirt", "SH-2", option1_value="M"),
        row("shirt", "SH-3", option1_value=""),
        row("plain", "PL-1"),
        row("plain", "PL-2"),
        row("orphan", "OR-1", option2_value="Red"),
        row("bad-sku", "has space"),
    ])  # fmt: skip

    job = dry_run(world.shop_a, world.owner_a, upload)

    assert error_lines(job) == [
        "Row 3, option1_value: Another variant has the same options.",
        "Row 4, option1_value: Option values have 1–60 characters.",
        "Row 5, option1_name: Name the options (such as Size) that tell variants apart.",
        "Row 7, option2_value: This value has no option name: fill option2_name on the "
        "product's first row, or leave the value empty.",
        "Row 8, sku: A SKU has 1–64 letters, digits, dots, dashes, slashes or underscores.",
    ]


def test_progress_is_reported_about_every_500_rows(world):
    from sellers.catalog.csv_io.reading import csv_read as read

    text = csv_text([row(f"p-{n}", f"SKU-{n}") for n in range(1_250)])
    seen: list[int] = []
    with shop_schema(world.shop_a):
        plan = import_check(csv_file=read(text=text), replace_variants=False, progress=seen.append)

    assert seen == [500, 1000]
    assert (plan.row_count, len(plan.products), len(plan.errors)) == (1250, 1250, 0)


def test_only_the_first_500_problems_are_kept_but_all_are_counted(world):
    upload = csv_upload([row(f"p-{n}", f"SKU-{n}", price="x") for n in range(600)])

    job = dry_run(world.shop_a, world.owner_a, upload)

    assert (job.status, job.error_count, len(job.errors)) == ("failed", 600, 500)
    assert job.errors[0] == {
        "row": 2,
        "column": "price",
        "message": "Enter an amount such as 19.99.",
    }


# --- the import -------------------------------------------------------------------------


def test_importing_creates_products_variants_listings_and_stock_history(world):
    kitchen = CategoryFactory(slug="kitchen", name="Kitchen")
    upload = csv_upload([
        row("oak-table", "OAK-S", title="Oak table", status="published", category="kitchen",
            description="Solid **oak**.", option1_name="Size", option1_value="Small",
            option2_name="Finish", option2_value="Oiled", price="120.00",
            compare_at_price="150.00", stock="4", low_stock_threshold="1",
            attributes="Material: Oak; Care: Oil yearly"),
        row("oak-table", "OAK-L", title="", option1_value="Large", option2_value="Oiled",
            price="180.00", stock="0", track_inventory="no"),
        row("draft-mug", "MUG-1", title="Draft mug"),
    ])  # fmt: skip
    job = dry_run(world.shop_a, world.owner_a, upload)

    job = import_now(world.shop_a, world.owner_a, job)

    assert (job.status, job.errors, job.processed_rows) == ("done", [], 3)
    assert job.summary == {
        "products_created": 2, "products_updated": 0, "products_unchanged": 0,
        "variants_created": 3, "variants_updated": 0, "variants_deleted": 0,
        "stock_movements": 2,
    }  # fmt: skip
    assert job.finished_at is not None
    with shop_schema(world.shop_a):
        table = Product.objects.get(slug="oak-table")
        assert (table.title, table.status, table.category_id) == (
            "Oak table",
            "published",
            kitchen.id,
        )
        assert table.description_html == "<p>Solid <strong>oak</strong>.</p>"
        assert table.option_names == ["Size", "Finish"]
        assert table.attributes == [
            {"name": "Material", "value": "Oak"},
            {"name": "Care", "value": "Oil yearly"},
        ]
        assert table.published_at is not None
        assert list(
            table.variants.values_list(
                "sku", "options", "price", "compare_at_price", "stock", "track_inventory",
                "low_stock_threshold", "position",
            )
        ) == [
            ("OAK-S", {"Size": "Small", "Finish": "Oiled"}, Decimal("120.00"),
             Decimal("150.00"), 4, True, 1, 0),
            ("OAK-L", {"Size": "Large", "Finish": "Oiled"}, Decimal("180.00"), None, 0,
             False, 5, 1),
        ]  # fmt: skip
        assert Product.objects.get(slug="draft-mug").status == "draft"
        assert list(
            StockMovement.objects.filter(sku__in=["OAK-S", "OAK-L", "MUG-1"])
            .order_by("sku")
            .values_list("sku", "delta", "stock_after", "reason", "actor_email", "note")
        ) == [
            ("MUG-1", 3, 3, "import", world.owner_a.email, f"CSV import {job.id} (products.csv)"),
            ("OAK-S", 4, 4, "import", world.owner_a.email, f"CSV import {job.id} (products.csv)"),
        ]
    listing = Listing.objects.get(shop=world.shop_a, product_id=table.id)
    assert (listing.title, listing.price, listing.compare_at_price, listing.on_sale) == (
        "Oak table",
        Decimal("120.00"),
        Decimal("150.00"),
        True,
    )
    assert not Listing.objects.filter(shop=world.shop_a, title="Draft mug").exists()


def test_an_existing_product_is_updated_by_handle_and_its_variants_by_sku(world):
    product = make_product(
        shop=world.shop_a, title="Linen shirt", option_names=["Size"],
        variants=[VariantInput(sku="LS-S", price="30", stock=5, options={"Size": "S"}),
                  VariantInput(sku="LS-M", price="30", stock=5, options={"Size": "M"})],
    )  # fmt: skip
    with shop_schema(world.shop_a):
        ids = dict(Variant.objects.filter(product=product).values_list("sku", "id"))
    # Only some columns: the others keep their values.
    upload = csv_upload(
        [
            {"handle": "linen-shirt", "sku": "LS-M", "price": "28.00", "stock": "9"},
            {"handle": "linen-shirt", "sku": "LS-L", "price": "32.00", "stock": "2",
             "option1_name": "Size", "option1_value": "L"},
        ],
        columns=("handle", "sku", "price", "stock", "option1_name", "option1_value"),
    )  # fmt: skip
    job = dry_run(world.shop_a, world.owner_a, upload)
    # The options come from the product's first row, which names none here.
    assert error_lines(job) == [
        "Row 2, option1_name: Name the options (such as Size) that tell variants apart.",
        "Row 2, option1_value: LS-S (a variant of this product the file leaves out): This "
        "product has no options, so its one variant can't have option values.",
        "Row 3, option1_name: Differs from row 2, the first row of linen-shirt. Product "
        "columns are read from a product's first row: leave them empty on its other rows or "
        "repeat the same value.",
        "Row 3, option1_value: This value has no option name: fill option1_name on the "
        "product's first row, or leave the value empty.",
    ]

    upload = csv_upload(
        [
            {"handle": "linen-shirt", "sku": "LS-M", "price": "28.00", "stock": "9",
             "option1_name": "Size", "option1_value": "M"},
            {"handle": "linen-shirt", "sku": "LS-L", "price": "32.00", "stock": "2",
             "option1_value": "L"},
        ],
        columns=("handle", "sku", "price", "stock", "option1_name", "option1_value"),
    )  # fmt: skip
    job = import_now(world.shop_a, world.owner_a, dry_run(world.shop_a, world.owner_a, upload))

    assert job.summary == {
        "products_created": 0, "products_updated": 1, "products_unchanged": 0,
        "variants_created": 1, "variants_updated": 1, "variants_deleted": 0,
        "stock_movements": 2,
    }  # fmt: skip
    with shop_schema(world.shop_a):
        product.refresh_from_db()
        assert product.title == "Linen shirt"
        assert list(
            Variant.objects.filter(product=product).values_list("id", "sku", "price", "stock")
        ) == [
            (ids["LS-S"], "LS-S", Decimal("30.00"), 5),
            (ids["LS-M"], "LS-M", Decimal("28.00"), 9),
            (Variant.objects.get(sku="LS-L").id, "LS-L", Decimal("32.00"), 2),
        ]
        assert list(
            StockMovement.objects.filter(reason="import").order_by("sku")
            .values_list("sku", "delta", "stock_after")
        ) == [("LS-L", 2, 2), ("LS-M", 4, 9)]  # fmt: skip


def test_product_columns_update_the_product_and_publishing_lists_it(world):
    seating = CategoryFactory(slug="seating", name="Seating")
    columns = ("handle", "title", "status", "description", "category", "sku", "attributes")
    upload = csv_upload([
        {"handle": "alpha-draft-chair", "title": "Alpha chair", "status": "Published",
         "description": "Now *finished*.", "category": "seating", "sku": "alpha-draft-chair",
         "attributes": "Wood: Beech"},
    ], columns=columns)  # fmt: skip

    job = import_now(world.shop_a, world.owner_a, dry_run(world.shop_a, world.owner_a, upload))

    assert (job.summary["products_updated"], job.summary["variants_updated"]) == (1, 0)
    with shop_schema(world.shop_a):
        chair = Product.objects.get(slug="alpha-draft-chair")
        assert (chair.title, chair.status, chair.category_id, chair.attributes) == (
            "Alpha chair", "published", seating.id, [{"name": "Wood", "value": "Beech"}]
        )  # fmt: skip
        assert chair.description_html == "<p>Now <em>finished</em>.</p>"
        assert chair.published_at is not None
        assert chair.variants.get().price == Decimal("10.00")  # not in the file: kept
    listing = Listing.objects.get(shop=world.shop_a, product_id=chair.id)
    assert (listing.title, listing.category_id) == ("Alpha chair", seating.id)


def test_empty_cells_clear_only_what_can_be_empty_and_keep_the_rest(world):
    make_product(
        shop=world.shop_a, title="Desk fan", description="Quiet.", price="40", stock=7,
        compare_at_price="50",
    )  # fmt: skip
    upload = csv_upload([
        {"handle": "desk-fan", "title": "", "description": "", "status": "", "sku": "desk-fan",
         "price": "", "compare_at_price": "", "stock": "", "track_inventory": "",
         "low_stock_threshold": ""},
    ])  # fmt: skip

    job = import_now(world.shop_a, world.owner_a, dry_run(world.shop_a, world.owner_a, upload))

    assert job.summary["stock_movements"] == 0
    with shop_schema(world.shop_a):
        fan = Product.objects.get(slug="desk-fan")
        assert (fan.title, fan.description, fan.status) == ("Desk fan", "", "published")
        assert list(
            fan.variants.values_list(
                "price", "compare_at_price", "stock", "track_inventory", "low_stock_threshold"
            )
        ) == [(Decimal("40.00"), None, 7, True, 5)]


def test_a_row_with_more_cells_than_the_header_is_refused(world):
    # Empty extra cells (a spreadsheet's trailing commas) are fine.
    text = "handle,title,sku,price\r\nmug,Mug,M-1,5,,\r\ncup,Cup,C-1,5,oops\r\n"

    job = dry_run(world.shop_a, world.owner_a, csv_upload(text=text))

    assert error_lines(job) == ["Row 3: This row has more cells than the header has columns."]


def test_two_variants_can_swap_their_options(world):
    make_product(
        shop=world.shop_a, title="Swap tee", option_names=["Size"],
        variants=[VariantInput(sku="ST-A", price="10", stock=1, options={"Size": "S"}),
                  VariantInput(sku="ST-B", price="10", stock=1, options={"Size": "M"})],
    )  # fmt: skip
    upload = csv_upload(
        [{"handle": "swap-tee", "sku": "ST-A", "option1_name": "Size", "option1_value": "M"},
         {"handle": "swap-tee", "sku": "ST-B", "option1_name": "Size", "option1_value": "S"}],
        columns=("handle", "sku", "option1_name", "option1_value"),
    )  # fmt: skip

    job = import_now(world.shop_a, world.owner_a, dry_run(world.shop_a, world.owner_a, upload))

    assert job.summary["variants_updated"] == 2
    with shop_schema(world.shop_a):
        variants = Variant.objects.filter(sku__startswith="ST-").order_by("sku")
        assert list(variants.values_list("sku", "options")) == [
            ("ST-A", {"Size": "M"}), ("ST-B", {"Size": "S"})
        ]  # fmt: skip


def test_replace_mode_deletes_the_variants_the_file_leaves_out(world):
    product = make_product(
        shop=world.shop_a, title="Wool hat", option_names=["Colour"],
        variants=[VariantInput(sku="WH-R", price="20", stock=1, options={"Colour": "Red"}),
                  VariantInput(sku="WH-B", price="20", stock=1, options={"Colour": "Blue"})],
    )  # fmt: skip
    rows = [row("wool-hat", "WH-B", title="Wool hat", price="20.00", stock="1",
                option1_name="Colour", option1_value="Blue")]  # fmt: skip

    kept = dry_run(world.shop_a, world.owner_a, csv_upload(rows))
    assert kept.summary["variants_to_delete"] == 0
    replaced = dry_run(world.shop_a, world.owner_a, csv_upload(rows), replace_variants=True)
    assert replaced.summary == {"products_new": 0, "products_existing": 1, "variants_to_delete": 1}
    replaced = import_now(world.shop_a, world.owner_a, replaced)

    assert (replaced.summary["variants_deleted"], replaced.summary["products_updated"]) == (1, 1)
    with shop_schema(world.shop_a):
        assert list(product.variants.values_list("sku", flat=True)) == ["WH-B"]
        # The history stays under the SKU.
        assert StockMovement.objects.filter(sku="WH-R", variant=None).count() == 1


def test_a_failed_import_changes_nothing_at_all(world):
    """The catalog changed between the dry run and the import: the import checks again,
    finds the rows no longer valid, and leaves everything as it was."""
    upload = csv_upload([row("new-one", "NEW-1"), row("new-two", "NEW-2"),
                         {"handle": "alpha-lamp", "sku": "alpha-lamp", "stock": "50"}])  # fmt: skip
    job = dry_run(world.shop_a, world.owner_a, upload)
    assert job.status == "validated"
    make_product(shop=world.shop_a, title="Sneaky", variants=[VariantInput(sku="NEW-2", price="5")])
    before = catalog_state(world.shop_a)

    job = import_now(world.shop_a, world.owner_a, job)

    assert job.status == "failed"
    assert error_lines(job) == [
        "The catalog changed since the check (someone edited products or SKUs), and these "
        "rows are no longer valid. Nothing was imported.",
        "Row 3, sku: SKU NEW-2 is already used by “Sneaky”.",
    ]
    assert catalog_state(world.shop_a) == before


def test_an_error_halfway_through_the_writes_rolls_everything_back(world):
    upload = csv_upload([row(f"bulk-{n}", f"BULK-{n}", status="published") for n in range(1_200)])
    job = dry_run(world.shop_a, world.owner_a, upload)
    before = catalog_state(world.shop_a)
    from sellers.catalog.csv_io import writing

    calls = []

    def failing_sync(**kwargs: Any) -> None:
        calls.append(len(kwargs["product_ids"]))
        if len(calls) == 2:
            raise RuntimeError("database went away")
        writing_sync(**kwargs)

    writing_sync = writing.listings_sync
    with mock.patch.object(writing, "listings_sync", failing_sync):
        job = import_now(world.shop_a, world.owner_a, job)

    assert calls == [500, 500]  # the first batch was written, then undone
    assert (job.status, error_lines(job)) == ("failed", [
        "The import stopped because of a problem on our side. Nothing was changed; try again "
        "in a few minutes."
    ])  # fmt: skip
    assert catalog_state(world.shop_a) == before


def test_an_import_of_someone_who_left_or_of_a_suspended_shop_is_not_carried_out(world):
    user = UserFactory()
    Membership.objects.create(shop=world.shop_a, user=user, role="staff")
    job = dry_run(world.shop_a, user, csv_upload([row("leaver-mug", "LM-1")]))
    import_job_confirm(shop=world.shop_a, actor=member(world.shop_a, user), job_id=job.id)
    Membership.objects.filter(user=user).delete()
    before = catalog_state(world.shop_a)

    import_job_process(shop_id=world.shop_a.id, job_id=job.id)

    with shop_schema(world.shop_a):
        job = ImportJob.objects.get(id=job.id)
    assert (job.status, error_lines(job)) == (
        "failed", [f"{user.email} no longer works for Alpha Goods, so their file was not imported."]
    )  # fmt: skip
    assert catalog_state(world.shop_a) == before

    job = dry_run(world.shop_a, world.owner_a, csv_upload([row("late-mug", "LT-1")]))
    import_job_confirm(shop=world.shop_a, actor=member(world.shop_a, world.owner_a), job_id=job.id)
    shop_suspend(shop=world.shop_a, by=UserFactory(is_staff=True), reason="Checking")
    import_job_process(shop_id=world.shop_a.id, job_id=job.id)

    with shop_schema(world.shop_a):
        job = ImportJob.objects.get(id=job.id)
    assert job.status == "failed"
    assert error_lines(job) == [
        "Alpha Goods is suspended by the platform, so its dashboard is read-only. Nothing "
        "was changed."
    ]
    assert catalog_state(world.shop_a) == before


def test_only_a_clean_dry_run_can_be_confirmed_and_confirming_twice_is_one_request(world):
    actor = member(world.shop_a, world.owner_a)
    failed = dry_run(world.shop_a, world.owner_a, csv_upload([row("x", "X-1", price="")]))
    with pytest.raises(ApplicationError) as caught:
        import_job_confirm(shop=world.shop_a, actor=actor, job_id=failed.id)
    assert (caught.value.status, caught.value.code) == (409, "not_ready")
    with pytest.raises(ApplicationError) as caught:
        import_job_confirm(shop=world.shop_a, actor=actor, job_id=failed.id + 1000)
    assert caught.value.status == 404

    job = dry_run(world.shop_a, world.owner_a, csv_upload([row("y", "Y-1")]))
    import_job_confirm(shop=world.shop_a, actor=actor, job_id=job.id)
    import_job_confirm(shop=world.shop_a, actor=actor, job_id=job.id)

    steps = list(
        OutboxEvent.objects.filter(type="catalog.import.requested", data__job_id=job.id)
        .order_by("occurred_at", "id")
        .values_list("data__step", flat=True)
    )
    assert steps == ["dry_run", "import"]


def test_a_redelivered_event_does_not_run_a_step_twice(world):
    job = dry_run(world.shop_a, world.owner_a, csv_upload([row("once", "ONCE-1")]))
    job = import_now(world.shop_a, world.owner_a, job)
    before = catalog_state(world.shop_a)

    import_job_process(shop_id=world.shop_a.id, job_id=job.id)
    import_job_process(shop_id=world.shop_a.id, job_id=job.id + 1000)

    with shop_schema(world.shop_a):
        assert ImportJob.objects.get(id=job.id).status == "done"
    assert catalog_state(world.shop_a) == before


def test_the_worker_handler_runs_the_step_after_its_transaction_commits(
    world, django_capture_on_commit_callbacks
):
    job = import_job_create(
        shop=world.shop_a,
        actor=member(world.shop_a, world.owner_a),
        upload=csv_upload([row("via-handler", "VH-1")]),
    )
    event = Event(
        id=uuid.uuid4(),
        type="catalog.import.requested",
        version=1,
        key=str(world.shop_a.id),
        occurred_at=datetime.now(UTC),
        data={"shop_id": world.shop_a.id, "job_id": job.id, "step": "dry_run"},
    )

    # The thread it starts would have a connection of its own, outside this test's
    # transaction: run the work in this thread instead.
    with (
        mock.patch("sellers.catalog.handlers.in_background", lambda work: work()),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        run_import_job(event)

    assert len(callbacks) == 1
    with shop_schema(world.shop_a):
        assert ImportJob.objects.get(id=job.id).status == "validated"


def test_the_work_runs_in_a_thread_of_its_own_so_the_consumer_keeps_polling():
    ran = threading.Event()
    names: list[str] = []

    def work() -> None:
        names.append(threading.current_thread().name)
        ran.set()

    in_background(work)

    assert ran.wait(5)
    assert names == ["catalog-import"]


def test_the_handler_is_registered_with_the_worker():
    from marketplace.events.consumers import registered_groups

    (registration,) = registered_groups()["catalog-import"]
    assert registration.event_types == frozenset({"catalog.import.requested"})
    assert registration.handler is run_import_job


# --- export -----------------------------------------------------------------------------


def test_export_writes_every_product_with_one_row_per_variant(world):
    CategoryFactory(slug="lighting", name="Lighting")
    make_product(
        shop=world.shop_a, title="=HYPERLINK(evil)", status="archived",
        description="- first\n- second", option_names=["Size", "Colour"],
        variants=[VariantInput(sku="EV-1", price="5", stock=2,
                               options={"Size": "S", "Colour": "+Red"},
                               compare_at_price="7.5", low_stock_threshold=1),
                  VariantInput(sku="EV-2", price="6", options={"Size": "M", "Colour": "@Blue"},
                               track_inventory=False)],
    )  # fmt: skip

    rows = exported_rows(world.shop_a)

    assert [(r["handle"], r["sku"], r["status"]) for r in rows] == [
        ("alpha-lamp", "alpha-lamp", "published"),
        ("alpha-draft-chair", "alpha-draft-chair", "draft"),
        ("hyperlinkevil", "EV-1", "archived"),
        ("hyperlinkevil", "EV-2", "archived"),
    ]
    assert rows[2] == {
        "handle": "hyperlinkevil", "title": "'=HYPERLINK(evil)",
        "description": "'- first\n- second",
        "status": "archived", "category": "", "option1_name": "Size", "option1_value": "S",
        "option2_name": "Colour", "option2_value": "'+Red", "option3_name": "", "option3_value": "",
        "sku": "EV-1", "price": "5.00", "compare_at_price": "7.50", "stock": "2",
        "track_inventory": "yes", "low_stock_threshold": "1", "attributes": "",
    }  # fmt: skip
    assert (rows[3]["option2_value"], rows[3]["track_inventory"], rows[3]["stock"]) == (
        "'@Blue",
        "no",
        "0",
    )
    assert [r["handle"] for r in exported_rows(world.shop_a, "draft")] == ["alpha-draft-chair"]
    assert "Beta kettle" not in exported(world.shop_a)


def test_an_export_imports_back_without_changing_anything(world):
    kitchen = CategoryFactory(slug="kitchen", name="Kitchen")
    make_product(
        shop=world.shop_a, title="Tricky; product", category=kitchen,
        description="=1+1\n\n'quoted' and \"double\", commas, and\nnew lines",
        option_names=["Size", "Colour", "Fit"],
        variants=[VariantInput(sku="TR-1", price="9.99", stock=3,
                               options={"Size": "S, small", "Colour": "'=red", "Fit": "-slim"}),
                  VariantInput(sku="TR-2", price="19.99", compare_at_price="25", stock=0,
                               options={"Size": "M", "Colour": "Blue", "Fit": "Regular"},
                               track_inventory=False, low_stock_threshold=0)],
    )  # fmt: skip
    with shop_schema(world.shop_a):
        Product.objects.filter(slug="tricky-product").update(
            attributes=[
                {"name": "Size: note", "value": "fits; mostly \\ true"},
                {"name": "Care", "value": "@home"},
            ]
        )
    before = catalog_state(world.shop_a)
    text = exported(world.shop_a)

    job = dry_run(world.shop_a, world.owner_a, csv_upload(data=text.encode()))
    assert (job.status, job.errors) == ("validated", [])
    job = import_now(world.shop_a, world.owner_a, job)

    assert job.summary == {
        "products_created": 0, "products_updated": 0, "products_unchanged": 3,
        "variants_created": 0, "variants_updated": 0, "variants_deleted": 0,
        "stock_movements": 0,
    }  # fmt: skip
    assert catalog_state(world.shop_a) == before
    assert exported(world.shop_a) == text


def test_the_template_is_a_valid_import(world):
    job = dry_run(world.shop_a, world.owner_a, csv_upload(data=import_template_csv().encode()))

    assert (job.status, job.errors, job.summary["products_new"]) == ("validated", [], 1)
