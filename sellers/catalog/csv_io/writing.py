"""Writing a checked import plan: bulk inserts and updates, stock history, listings.

Runs inside the import's one transaction, after `import_check(lock=True)` found nothing
wrong. Products and variants that the file leaves as they are are not written at all, so
re-importing an export changes nothing (not even `updated_at`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, models
from django.db.models import F
from django.db.models.functions import JSONObject
from django.utils import timezone

from sellers.catalog.csv_io.checks import ImportPlan, ProductPlan
from sellers.catalog.models import Product, StockMovement, Variant
from sellers.catalog.services.listing import listings_sync
from sellers.catalog.text import description_html
from tenants.models import Shop

# Rows per write batch: each batch is a handful of bulk statements and one listings sync
# of at most this many products.
BATCH_ROWS = 500
PRODUCT_FIELDS = ("title", "description", "status", "category_id", "attributes", "option_names")
VARIANT_FIELDS = (
    "sku",
    "options",
    "price",
    "compare_at_price",
    "stock",
    "track_inventory",
    "low_stock_threshold",
)


@dataclass
class ImportSummary:
    products_created: int = 0
    products_updated: int = 0
    products_unchanged: int = 0
    variants_created: int = 0
    variants_updated: int = 0
    variants_deleted: int = 0
    stock_movements: int = 0

    def as_json(self) -> dict[str, int]:
        return dict(vars(self))


def import_write(
    plan: ImportPlan,
    *,
    shop: Shop,
    actor_fields: dict[str, Any],
    note: str,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Apply `plan` (checked, no errors) in batches of about 500 rows.

    Requires: the shop's schema active, an open transaction, the plan's products locked.
    """
    summary = ImportSummary()
    done = 0
    for batch in _batches(plan.products):
        _write_batch(batch, shop=shop, actor_fields=actor_fields, note=note, summary=summary)
        done += sum(len(product.rows) for product in batch)
        if progress is not None:
            progress(done)
    return summary


def _batches(products: list[ProductPlan]) -> Iterator[list[ProductPlan]]:
    batch: list[ProductPlan] = []
    rows = 0
    for product in products:
        batch.append(product)
        rows += len(product.rows)
        if rows >= BATCH_ROWS:
            yield batch
            batch, rows = [], 0
    if batch:
        yield batch


def _write_batch(
    batch: list[ProductPlan],
    *,
    shop: Shop,
    actor_fields: dict[str, Any],
    note: str,
    summary: ImportSummary,
) -> None:
    now = timezone.now()
    created = [_new_product(plan, now=now) for plan in batch if plan.existing is None]
    Product.objects.bulk_create(created)  # PostgreSQL sets their ids
    created_by_handle = {product.slug: product for product in created}
    updated = [plan.existing for plan in batch if plan.existing and _product_changed(plan, now)]
    _update_rows(
        Product, updated, [*PRODUCT_FIELDS, "description_html", "published_at", "updated_at"]
    )
    deleted = [variant for plan in batch for variant in plan.deleted]
    if deleted:
        # First, so their SKUs and option combinations are free for the rows below.
        Variant.objects.filter(id__in=[variant.id for variant in deleted]).delete()

    new_variants: list[Variant] = []
    changed_variants: list[Variant] = []
    movements: list[tuple[Variant, int]] = []  # (variant, tracked stock before)
    moving: list[int] = []  # variants whose options change
    for plan in batch:
        product = plan.existing or created_by_handle[plan.handle]
        positions = _positions(plan)
        for variant_plan, position in zip(plan.variants, positions, strict=True):
            existing = variant_plan.existing
            if existing is None:
                variant = Variant(product_id=product.id, position=position, **variant_plan.values)
                new_variants.append(variant)
                if variant.track_inventory and variant.stock:
                    movements.append((variant, 0))
                continue
            before = existing.stock if existing.track_inventory else 0
            changes = {name: variant_plan.values[name] for name in VARIANT_FIELDS}
            changes["position"] = position
            if all(getattr(existing, name) == value for name, value in changes.items()):
                continue
            if existing.options != changes["options"]:
                moving.append(existing.id)
            for name, value in changes.items():
                setattr(existing, name, value)
            existing.updated_at = now
            changed_variants.append(existing)
            if (existing.stock if existing.track_inventory else 0) != before:
                movements.append((existing, before))
    # Options are unique per product and PostgreSQL checks that row by row within a
    # statement: park the changing ones first, so two variants can swap their options.
    Variant.objects.filter(id__in=moving).update(options=JSONObject(moving=F("id")))
    _update_rows(Variant, changed_variants, [*VARIANT_FIELDS, "position", "updated_at"])
    Variant.objects.bulk_create(new_variants)
    StockMovement.objects.bulk_create(
        StockMovement(
            variant=variant,
            sku=variant.sku,
            delta=(variant.stock if variant.track_inventory else 0) - before,
            stock_after=variant.stock if variant.track_inventory else 0,
            reason=StockMovement.Reason.IMPORT,
            note=note,
            **actor_fields,
        )
        for variant, before in movements
    )

    touched = {product.id for product in (*created, *updated)} | {
        variant.product_id for variant in (*deleted, *changed_variants, *new_variants)
    }
    existing_ids = {plan.existing.id for plan in batch if plan.existing is not None}
    summary.products_created += len(created)
    summary.products_updated += len(existing_ids & touched)
    summary.products_unchanged += len(existing_ids - touched)
    summary.variants_created += len(new_variants)
    summary.variants_updated += len(changed_variants)
    summary.variants_deleted += len(deleted)
    summary.stock_movements += len(movements)
    listings_sync(shop=shop, product_ids=sorted(touched))


def _new_product(plan: ProductPlan, *, now: Any) -> Product:
    values = plan.values
    return Product(
        slug=plan.handle,
        description_html=description_html(values["description"]),
        published_at=now if values["status"] == Product.Status.PUBLISHED else None,
        **values,
    )


def _product_changed(plan: ProductPlan, now: Any) -> bool:
    """Copy the plan's values onto the product; whether any of them differed."""
    product = plan.existing
    assert product is not None
    values = plan.values
    if all(getattr(product, name) == values[name] for name in PRODUCT_FIELDS):
        return False
    if product.description != values["description"]:
        product.description_html = description_html(values["description"])
    if values["status"] == Product.Status.PUBLISHED and product.published_at is None:
        product.published_at = now
    for name in PRODUCT_FIELDS:
        setattr(product, name, values[name])
    product.updated_at = now
    return True


def _positions(plan: ProductPlan) -> list[int]:
    """The position of each planned variant. When the file lists the product's variants in
    their current order, they keep their positions and new ones go after them; when it
    reorders them, the file's order counts (then the variants it leaves out)."""
    listed = [v.existing for v in plan.variants if v.row is not None and v.existing is not None]
    if listed != sorted(listed, key=lambda variant: (variant.position, variant.id)):
        return list(range(len(plan.variants)))
    following = max((v.existing.position for v in plan.variants if v.existing), default=-1) + 1
    positions = []
    for variant in plan.variants:
        if variant.existing is not None:
            positions.append(variant.existing.position)
        else:
            positions.append(following)
            following += 1
    return positions


def _update_rows(
    model: type[models.Model], rows: Sequence[models.Model], fields: list[str]
) -> None:
    """`bulk_update`, as one `UPDATE … FROM unnest(<one array per column>)` per 500 rows.

    Django's bulk_update builds a CASE expression per field and row (about 5 ms of Python
    a row here: 45 s for 10,000 variants); this sends one array parameter per column.
    """
    if not rows:
        return
    meta = model._meta
    columns = [_concrete_field(model, name) for name in fields]
    quote = connection.ops.quote_name
    arrays = ", ".join(
        ["%s::bigint[]", *(f"%s::{field.db_type(connection)}[]" for field in columns)]
    )
    names = ", ".join(quote(name) for name in ["id", *(str(field.column) for field in columns)])
    assignments = ", ".join(
        f"{quote(str(field.column))} = new_values.{quote(str(field.column))}" for field in columns
    )
    sql = (
        f"UPDATE {quote(meta.db_table)} AS target SET {assignments} "
        f"FROM unnest({arrays}) AS new_values ({names}) WHERE target.id = new_values.id"
    )
    for start in range(0, len(rows), BATCH_ROWS):
        batch = rows[start : start + BATCH_ROWS]
        params: list[list[Any]] = [[row.pk for row in batch]]
        params.extend(
            [field.get_db_prep_save(getattr(row, field.attname), connection) for row in batch]
            for field in columns
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def _concrete_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column, f"{name} is not a column"
    return field
