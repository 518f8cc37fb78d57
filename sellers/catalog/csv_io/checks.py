"""The dry run: every row of a CSV checked against the catalog, nothing written.

The rules are the product services' own (`check_product`, `check_variant` through it, the
shop-wide SKU clash query); this module only turns rows into their inputs and their
field errors back into "Row 14, price: …". The real import runs the same checks again,
with the file's products locked, and writes only when nothing is wrong
(`sellers.catalog.csv_io.writing`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.text import slugify

from sellers.catalog.csv_io.columns import (
    COLUMNS,
    OPTION_NUMBERS,
    PRODUCT_COLUMNS,
    attributes_read,
    parse_flag,
)
from sellers.catalog.csv_io.reading import CsvFile, Row
from sellers.catalog.models import Product, Variant
from sellers.catalog.services.products import (
    Errors,
    ProductInput,
    VariantInput,
    check_product,
    check_sku_clashes,
)
from sellers.listings.models import Category

# Where a service's field error shows in the file.
PRODUCT_FIELD_COLUMNS = {
    "title": "title",
    "slug": "handle",
    "status": "status",
    "description": "description",
    "category": "category",
    "option_names": "option1_name",
    "attributes": "attributes",
    "variants": "handle",
}
VARIANT_FIELD_COLUMNS = {
    "sku": "sku",
    "price": "price",
    "compare_at_price": "compare_at_price",
    "stock": "stock",
    "low_stock_threshold": "low_stock_threshold",
    "options": "option1_value",
}
COLUMN_ORDER = {name: index for index, name in enumerate(COLUMNS)}
PROGRESS_EVERY = 500

Progress = Callable[[int], None]


@dataclass(frozen=True)
class RowError:
    """A problem with one cell (`row` and `column`), a whole row (`column` None) or the
    whole file (both None)."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        where = f"Row {self.row}" + (f", {self.column}" if self.column else "")
        return f"{where}: {self.message}"

    def as_json(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


class RowErrors:
    """Problems by cell, the first message per cell kept; sorted by row and column."""

    def __init__(self) -> None:
        self._by_cell: dict[tuple[int | None, str | None], RowError] = {}

    def add(self, row: int | None, column: str | None, message: str) -> None:
        self._by_cell.setdefault((row, column), RowError(row, column, message))

    def __len__(self) -> int:
        return len(self._by_cell)

    def __bool__(self) -> bool:
        return bool(self._by_cell)

    def sorted(self) -> list[RowError]:
        return sorted(
            self._by_cell.values(),
            key=lambda error: (
                error.row or 0,
                COLUMN_ORDER.get(error.column or "", -1),
                error.message,
            ),
        )


@dataclass
class VariantPlan:
    """A variant as it will be: `row` is None for one the file leaves out (kept as is)."""

    row: Row | None
    existing: Variant | None
    values: dict[str, Any]


@dataclass
class ProductPlan:
    handle: str
    rows: list[Row]
    existing: Product | None
    values: dict[str, Any]
    variants: list[VariantPlan]
    # Variants of an existing product that the file leaves out, in "replace" mode.
    deleted: list[Variant] = field(default_factory=list)


@dataclass
class ImportPlan:
    products: list[ProductPlan]
    errors: RowErrors
    row_count: int


def import_check(
    *,
    csv_file: CsvFile,
    replace_variants: bool,
    lock: bool = False,
    progress: Progress | None = None,
) -> ImportPlan:
    """Check every row of `csv_file` against the catalog of the active shop schema.

    With `lock`, the file's existing products and their variants are locked (`SELECT …
    FOR UPDATE`): call it inside the transaction that writes the plan. `progress(rows)`
    is called about every 500 rows with the number of rows checked so far.
    """
    errors = RowErrors()
    groups = _group_rows(csv_file, errors)
    columns = set(csv_file.columns)
    existing = _existing_products(list(groups), lock=lock)
    categories = _categories(groups.values()) if "category" in columns else {}
    plans: list[ProductPlan] = []
    checked = reported = 0
    for handle, rows in groups.items():
        product, variants = existing.get(handle, (None, []))
        plans.append(
            _check_product_rows(
                handle=handle,
                rows=rows,
                columns=columns,
                product=product,
                current_variants=variants,
                categories=categories,
                replace_variants=replace_variants,
                errors=errors,
            )
        )
        checked += len(rows)
        if progress is not None and checked - reported >= PROGRESS_EVERY:
            progress(checked)
            reported = checked
    _check_new_skus(plans, errors)
    return ImportPlan(products=plans, errors=errors, row_count=len(csv_file.rows))


def _group_rows(csv_file: CsvFile, errors: RowErrors) -> dict[str, list[Row]]:
    """Rows by handle, in file order; rows that can't join a product are left out."""
    groups: dict[str, list[Row]] = {}
    sku_rows: dict[str, int] = {}
    for row in csv_file.rows:
        if row.extra_cells:
            errors.add(row.number, None, "This row has more cells than the header has columns.")
        handle = row.get("handle").strip()
        if not handle:
            errors.add(
                row.number,
                "handle",
                "Give every row the handle of its product (its address, such as blue-mug).",
            )
            continue
        if slugify(handle) != handle or len(handle) > 200:
            suggestion = slugify(handle)[:200]
            errors.add(
                row.number,
                "handle",
                "A handle has lowercase letters, digits and hyphens"
                + (f", such as {suggestion}." if suggestion else "."),
            )
            continue
        sku = row.get("sku").strip()
        if sku and sku in sku_rows:
            errors.add(row.number, "sku", f"SKU {sku} is already on row {sku_rows[sku]}.")
            continue
        if sku:
            sku_rows[sku] = row.number
        groups.setdefault(handle, []).append(row)
    return groups


def _existing_products(
    handles: list[str], *, lock: bool
) -> dict[str, tuple[Product, list[Variant]]]:
    products = Product.objects.filter(slug__in=handles).order_by("id")
    if lock:
        products = products.select_for_update()
    by_id = {product.id: product for product in products}
    variants = Variant.objects.filter(product_id__in=list(by_id)).order_by(
        "product_id", "position", "id"
    )
    if lock:
        variants = variants.select_for_update()
    found: dict[str, tuple[Product, list[Variant]]] = {
        product.slug: (product, []) for product in by_id.values()
    }
    for variant in variants:
        found[by_id[variant.product_id].slug][1].append(variant)
    return found


def _categories(groups: Iterable[list[Row]]) -> dict[str, int]:
    slugs = {rows[0].get("category").strip() for rows in groups} - {""}
    return dict(Category.objects.filter(slug__in=slugs).values_list("slug", "id"))


def _product_cells(rows: list[Row], *, columns: set[str], errors: RowErrors) -> dict[str, str]:
    """The product's cells from the first row; later rows may leave them empty or repeat
    them, and a different value is a problem on that row."""
    first = rows[0]
    cells = {}
    for column in PRODUCT_COLUMNS:
        if column not in columns:
            continue
        value = first.get(column)
        cells[column] = value
        for row in rows[1:]:
            other = row.get(column)
            if other.strip() and other.strip() != value.strip():
                errors.add(
                    row.number,
                    column,
                    f"Differs from row {first.number}, the first row of {first.get('handle')}. "
                    "Product columns are read from a product's first row: leave them empty "
                    "on its other rows or repeat the same value.",
                )
    return cells


def _check_product_rows(
    *,
    handle: str,
    rows: list[Row],
    columns: set[str],
    product: Product | None,
    current_variants: list[Variant],
    categories: dict[str, int],
    replace_variants: bool,
    errors: RowErrors,
) -> ProductPlan:
    first = rows[0]
    cells = _product_cells(rows, columns=columns, errors=errors)

    def given(column: str) -> str | None:
        """The stripped cell when the column is there and the cell says something."""
        value = cells.get(column, "").strip()
        return value or None

    title = given("title") or (product.title if product else "")
    description = cells.get("description", product.description if product else "")
    status = (given("status") or "").lower() or (
        product.status if product else Product.Status.DRAFT
    )
    category_id = product.category_id if product else None
    if "category" in cells:
        category_slug = given("category")
        category_id = categories.get(category_slug) if category_slug else None
        if category_slug and category_id is None:
            errors.add(
                first.number,
                "category",
                f"There is no category “{category_slug}”. Use the address of one of the "
                "categories listed on the import page, or leave it empty.",
            )
    attributes: list[dict[str, str]] = list(product.attributes) if product else []
    if "attributes" in cells:
        parsed = attributes_read(cells["attributes"])
        if parsed is None:
            errors.add(
                first.number,
                "attributes",
                "Write attributes as Name: Value pairs separated by semicolons, such as "
                "“Material: Wool; Care: Hand wash”.",
            )
        attributes = parsed or []
    option_columns = [n for n in OPTION_NUMBERS if f"option{n}_name" in cells]
    if option_columns:
        option_slots = {n: given(f"option{n}_name") for n in option_columns}
        option_names = [name for name in option_slots.values() if name]
    else:
        option_slots = {}
        option_names = list(product.option_names) if product else []

    by_sku = {variant.sku: variant for variant in current_variants}
    inputs: list[VariantInput] = []
    planned: list[VariantPlan] = []
    for row in rows:
        sku = row.get("sku").strip()
        existing = by_sku.get(sku) if sku else None
        inputs.append(
            _variant_input(
                row, sku=sku, existing=existing, columns=columns, slots=option_slots, errors=errors
            )
        )
        planned.append(VariantPlan(row=row, existing=existing, values={}))
    in_file = {plan.existing.id for plan in planned if plan.existing is not None}
    left_out = [variant for variant in current_variants if variant.id not in in_file]
    deleted: list[Variant] = []
    if replace_variants:
        deleted = left_out
    else:
        for variant in left_out:
            inputs.append(_kept_input(variant))
            planned.append(VariantPlan(row=None, existing=variant, values={}))

    service_errors = Errors()
    clean = check_product(
        ProductInput(
            title=title,
            variants=inputs,
            description=description,
            status=status,
            category_id=category_id,
            slug=handle,
            attributes=attributes,
            option_names=option_names,
        ),
        errors=service_errors,
    )
    for plan, values in zip(planned, clean["variants"], strict=False):
        plan.values = values
    _report_service_errors(service_errors, first=first, planned=planned, errors=errors)
    return ProductPlan(
        handle=handle,
        rows=rows,
        existing=product,
        values={
            "title": clean["title"],
            "description": clean["description"],
            "status": clean["status"],
            "category_id": clean["category_id"],
            "attributes": clean["attributes"],
            "option_names": clean["option_names"],
        },
        variants=planned,
        deleted=deleted,
    )


def _variant_input(
    row: Row,
    *,
    sku: str,
    existing: Variant | None,
    columns: set[str],
    slots: dict[int, str | None],
    errors: RowErrors,
) -> VariantInput:
    def given(column: str) -> str | None:
        if column not in columns:
            return None
        return row.get(column).strip() or None

    if slots:
        options = {}
        for number, name in slots.items():
            value = row.get(f"option{number}_value").strip()
            if name:
                options[name] = value
            elif value:
                errors.add(
                    row.number,
                    f"option{number}_value",
                    f"This value has no option name: fill option{number}_name on the "
                    "product's first row, or leave the value empty.",
                )
    else:
        options = dict(existing.options) if existing else {}
    price: Decimal | str = given("price") or (existing.price if existing else "")
    if "compare_at_price" in columns:
        compare_at: Decimal | str | None = given("compare_at_price")
    else:
        compare_at = existing.compare_at_price if existing else None
    track = existing.track_inventory if existing else True
    flag_cell = given("track_inventory")
    if flag_cell is not None:
        flag = parse_flag(flag_cell)
        if flag is None:
            errors.add(row.number, "track_inventory", "Write yes or no.")
        else:
            track = flag
    return VariantInput(
        sku=sku,
        price=price,
        stock=given("stock") or (existing.stock if existing else 0),
        options=options,
        compare_at_price=compare_at,
        track_inventory=track,
        low_stock_threshold=given("low_stock_threshold")
        or (existing.low_stock_threshold if existing else 5),
        id=existing.id if existing else None,
    )


def _kept_input(variant: Variant) -> VariantInput:
    return VariantInput(
        sku=variant.sku,
        price=variant.price,
        stock=variant.stock,
        options=dict(variant.options),
        compare_at_price=variant.compare_at_price,
        track_inventory=variant.track_inventory,
        low_stock_threshold=variant.low_stock_threshold,
        id=variant.id,
    )


def _report_service_errors(
    service_errors: Errors, *, first: Row, planned: list[VariantPlan], errors: RowErrors
) -> None:
    """ "variants.2.price" → the row of the third variant, column price."""
    for key, message in service_errors.by_field.items():
        parts = key.split(".")
        if parts[0] != "variants" or len(parts) == 1:
            errors.add(first.number, PRODUCT_FIELD_COLUMNS.get(parts[0], parts[0]), message)
            continue
        index = int(parts[1])
        column = VARIANT_FIELD_COLUMNS.get(parts[2], "sku") if len(parts) > 2 else "sku"
        plan = planned[index] if index < len(planned) else None
        if plan is not None and plan.row is not None:
            errors.add(plan.row.number, column, message)
        else:
            sku = plan.existing.sku if plan is not None and plan.existing else "A variant"
            errors.add(
                first.number,
                column,
                f"{sku} (a variant of this product the file leaves out): {message}",
            )


def _check_new_skus(plans: list[ProductPlan], errors: RowErrors) -> None:
    """New variants' SKUs must be free in the shop: one query for the whole file.

    A row whose SKU is a variant of the same product updates it, so only SKUs that are
    new to their product can clash with another product.
    """
    new = [
        (variant.row, variant.values)
        for plan in plans
        for variant in plan.variants
        if variant.existing is None and variant.row is not None and variant.values
    ]
    service_errors = Errors()
    check_sku_clashes([values for _, values in new], product_id=None, errors=service_errors)
    for key, message in service_errors.by_field.items():
        row, _ = new[int(key.split(".")[1])]
        assert row is not None
        errors.add(row.number, "sku", message)
