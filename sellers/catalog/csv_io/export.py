"""Exporting the catalog as CSV, streamed: memory stays flat whatever the shop's size.

The file re-imports unchanged: same columns, product columns repeated on each of the
product's rows (sorting the rows in a spreadsheet loses nothing), cells that a
spreadsheet would run as formulas quoted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal

from sellers.catalog.csv_io.columns import (
    COLUMNS,
    OPTION_NUMBERS,
    TEMPLATE_ROWS,
    attributes_write,
    cell_write,
)
from sellers.catalog.models import Product, Variant
from sellers.listings.models import Category
from tenants.models import Shop
from tenants.schemas import shop_schema

BYTE_ORDER_MARK = "\ufeff"  # Excel reads the file as UTF-8 only with it
PRODUCTS_PER_QUERY = 500


class _Lines:
    """A csv writer whose output is taken line by line."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\r\n")

    def write(self, cells: list[str]) -> None:
        self.writer.writerow([cell_write(cell) for cell in cells])

    def take(self) -> str:
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def product_rows(
    product: Product, variants: list[Variant], *, category_slug: str
) -> Iterator[list[str]]:
    """The product's rows, one per variant, in COLUMNS order."""
    names = list(product.option_names)
    product_cells = {
        "handle": product.slug,
        "title": product.title,
        "description": product.description,
        "status": product.status,
        "category": category_slug,
        "attributes": attributes_write(product.attributes),
    }
    for number in OPTION_NUMBERS:
        product_cells[f"option{number}_name"] = names[number - 1] if number <= len(names) else ""
    for variant in variants:
        cells = dict(product_cells)
        for number in OPTION_NUMBERS:
            name = product_cells[f"option{number}_name"]
            cells[f"option{number}_value"] = str(variant.options.get(name, "")) if name else ""
        cells.update(
            sku=variant.sku,
            price=_money(variant.price),
            compare_at_price=_money(variant.compare_at_price),
            stock=str(variant.stock),
            track_inventory="yes" if variant.track_inventory else "no",
            low_stock_threshold=str(variant.low_stock_threshold),
        )
        yield [cells[column] for column in COLUMNS]


def export_chunks(*, shop: Shop, status: str | None = None) -> Iterator[str]:
    """The shop's products as CSV text, oldest first, in one piece per 500 products.

    A generator that switches to the shop's schema for each piece, so it may run after the
    view returned (a streamed response is read after the middleware has reset the
    schema). Each piece is two queries (500 products, then their variants), and nothing
    of one piece is kept for the next: memory stays flat whatever the catalog's size.
    """
    lines = _Lines()
    lines.write(list(COLUMNS))
    yield BYTE_ORDER_MARK + lines.take()
    with shop_schema(shop):
        category_slugs = dict(Category.objects.values_list("id", "slug"))
    last_id = 0
    while True:
        with shop_schema(shop):
            products = Product.objects.filter(id__gt=last_id).order_by("id")
            if status:
                products = products.filter(status=status)
            batch = list(products[:PRODUCTS_PER_QUERY])
            if not batch:
                return
            variants: dict[int, list[Variant]] = {product.id: [] for product in batch}
            for variant in Variant.objects.filter(product_id__in=list(variants)).order_by(
                "product_id", "position", "id"
            ):
                variants[variant.product_id].append(variant)
        for product in batch:
            slug = category_slugs.get(product.category_id or 0, "")
            for cells in product_rows(product, variants[product.id], category_slug=slug):
                lines.write(cells)
        last_id = batch[-1].id
        yield lines.take()


def import_template_csv() -> str:
    """A small example file with every column, for sellers to start from."""
    lines = _Lines()
    lines.write(list(COLUMNS))
    for example in TEMPLATE_ROWS:
        lines.write([example.get(column, "") for column in COLUMNS])
    return BYTE_ORDER_MARK + lines.take()
