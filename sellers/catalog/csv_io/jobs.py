"""Import jobs: upload, dry run in the worker, confirmation, import in the worker.

    import_job_create ──► catalog.import.requested ──► import_job_process (dry run)
    import_job_confirm ─► catalog.import.requested ──► import_job_process (import)

The import is all or nothing: every row is checked again with the file's products
locked, then everything is written in one transaction, or nothing is.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.files import File
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from marketplace.errors import ApplicationError
from marketplace.events.services import publish_event
from sellers.catalog.csv_io.checks import ImportPlan, RowError, RowErrors, import_check
from sellers.catalog.csv_io.columns import MAX_BYTES, MAX_STORED_ERRORS
from sellers.catalog.csv_io.reading import csv_decode, csv_read, file_error
from sellers.catalog.csv_io.writing import import_write
from sellers.catalog.models import ImportJob
from sellers.catalog.services.products import actor_fields, check_actor
from tenants.models import Membership, Shop
from tenants.permissions import ShopAction, check_shop_action
from tenants.schemas import shop_schema

logger = logging.getLogger(__name__)

EVENT_TYPE = "catalog.import.requested"
INTERNAL_ERROR = (
    "The import stopped because of a problem on our side. Nothing was changed; try again "
    "in a few minutes."
)


def import_job_create(
    *, shop: Shop, actor: Membership, upload: File[Any], replace_variants: bool = False
) -> ImportJob:
    """Store the uploaded CSV as a new job and ask the worker for its dry run.

    Problems with the file as a whole (size, encoding, columns, row count) raise
    ApplicationError(field="file") here, and no job is made.
    """
    check_actor(actor, shop, ShopAction.MANAGE_PRODUCTS)
    if upload.size is not None and upload.size > MAX_BYTES:
        raise file_error(
            f"The file is {upload.size / 1024 / 1024:.1f} MB; import at most 20 MB at a time "
            "(split it into several files)."
        )
    text = csv_decode(upload.read(MAX_BYTES + 1))
    csv_file = csv_read(text=text)
    with shop_schema(shop), transaction.atomic():
        job = ImportJob.objects.create(
            file_name=(upload.name or "products.csv").rsplit("/", 1)[-1][:255],
            content=text,
            replace_variants=replace_variants,
            total_rows=len(csv_file.rows),
            created_by_id=actor.user_id,
            created_by_email=actor.user.email,
        )
        _request_processing(shop=shop, job=job, step="dry_run")
    return job


def import_job_confirm(*, shop: Shop, actor: Membership, job_id: int) -> ImportJob:
    """Ask the worker to import a job whose dry run found no problems. Asking twice is
    harmless: the second request changes nothing."""
    check_actor(actor, shop, ShopAction.MANAGE_PRODUCTS)
    with shop_schema(shop), transaction.atomic():
        job = ImportJob.objects.select_for_update().defer("content").filter(id=job_id).first()
        if job is None:
            raise ApplicationError("No such import in this shop.", code="not_found", status=404)
        if job.import_requested_at is not None:
            return job
        if job.status != ImportJob.Status.VALIDATED:
            raise ApplicationError(
                "Only a file whose check found no problems can be imported. Fix the rows "
                "listed and upload the file again.",
                code="not_ready",
                status=409,
            )
        job.import_requested_at = timezone.now()
        job.save(update_fields=["import_requested_at", "updated_at"])
        _request_processing(shop=shop, job=job, step="import")
    return job


def _request_processing(*, shop: Shop, job: ImportJob, step: str) -> None:
    publish_event(
        type=EVENT_TYPE,
        key=str(shop.id),
        data={"shop_id": shop.id, "job_id": job.id, "step": step},
    )


# --- in the worker ---------------------------------------------------------------------


def import_job_process(*, shop_id: int, job_id: int) -> None:
    """Run the job's next step: the dry run of a new job, or the import it was confirmed
    for. A step already taken (a redelivered event) is not taken again.

    Call outside any transaction: the dry run's progress must be visible as it goes, and
    the import opens its own.
    """
    shop = Shop.objects.filter(id=shop_id).first()
    if shop is None:
        return
    with shop_schema(shop):
        if _claim(job_id, ImportJob.Status.PENDING, ImportJob.Status.VALIDATING):
            _dry_run(shop=shop, job_id=job_id)
        elif _claim(job_id, ImportJob.Status.VALIDATED, ImportJob.Status.IMPORTING):
            _import(shop=shop, job_id=job_id)


def _claim(job_id: int, current: str, new: str) -> bool:
    jobs = ImportJob.objects.filter(id=job_id, status=current)
    if new == ImportJob.Status.IMPORTING:
        jobs = jobs.filter(import_requested_at__isnull=False)
    return bool(jobs.update(status=new, processed_rows=0, updated_at=timezone.now()))


def _dry_run(*, shop: Shop, job_id: int) -> None:
    job = ImportJob.objects.get(id=job_id)

    def progress(rows: int) -> None:
        ImportJob.objects.filter(id=job_id).update(processed_rows=rows, updated_at=timezone.now())

    try:
        plan = import_check(
            csv_file=csv_read(text=job.content),
            replace_variants=job.replace_variants,
            progress=progress,
        )
    except ApplicationError as error:
        _finish(job, ImportJob.Status.FAILED, errors=[RowError(None, None, error.message)])
    except Exception:
        logger.exception("catalog import %s of shop %s: dry run failed", job_id, shop.id)
        _finish(job, ImportJob.Status.FAILED, errors=[RowError(None, None, INTERNAL_ERROR)])
    else:
        _finish_checked(job, plan)


def _finish_checked(job: ImportJob, plan: ImportPlan) -> None:
    status = ImportJob.Status.FAILED if plan.errors else ImportJob.Status.VALIDATED
    new = sum(1 for product in plan.products if product.existing is None)
    outlook = {
        "products_new": new,
        "products_existing": len(plan.products) - new,
        "variants_to_delete": sum(len(product.deleted) for product in plan.products),
    }
    _finish(job, status, errors=plan.errors.sorted(), summary=outlook, processed=plan.row_count)


class _PlanInvalid(Exception):
    def __init__(self, errors: RowErrors) -> None:
        super().__init__("the import plan has errors")
        self.errors = errors


def _import(*, shop: Shop, job_id: int) -> None:
    job = ImportJob.objects.get(id=job_id)
    progress = ProgressWriter(shop=shop, job_id=job_id)
    try:
        actor = _job_actor(shop=shop, job=job)
        csv_file = csv_read(text=job.content)
        with transaction.atomic():
            plan = import_check(csv_file=csv_file, replace_variants=job.replace_variants, lock=True)
            if plan.errors:
                raise _PlanInvalid(plan.errors)
            summary = import_write(
                plan,
                shop=shop,
                actor_fields=actor_fields(actor),
                note=f"CSV import {job.id} ({job.file_name})"[:200],
                progress=progress,
            )
    except _PlanInvalid as invalid:
        changed = RowError(
            None,
            None,
            "The catalog changed since the check (someone edited products or SKUs), and "
            "these rows are no longer valid. Nothing was imported.",
        )
        _finish(job, ImportJob.Status.FAILED, errors=[changed, *invalid.errors.sorted()])
    except ApplicationError as error:
        _finish(job, ImportJob.Status.FAILED, errors=[RowError(None, None, error.message)])
    except IntegrityError:
        clash = (
            "A handle or SKU of the file was taken by another change while importing. "
            "Nothing was imported; upload the file again."
        )
        _finish(job, ImportJob.Status.FAILED, errors=[RowError(None, None, clash)])
    except Exception:
        logger.exception("catalog import %s of shop %s: import failed", job_id, shop.id)
        _finish(job, ImportJob.Status.FAILED, errors=[RowError(None, None, INTERNAL_ERROR)])
    else:
        _finish(job, ImportJob.Status.DONE, summary=summary.as_json(), processed=plan.row_count)
    finally:
        progress.close()


def _job_actor(*, shop: Shop, job: ImportJob) -> Membership | None:
    """The member who uploaded the file, allowed to import now (suspension included)."""
    if job.created_by_id is None:
        return None
    actor = (
        Membership.objects.select_related("user")
        .filter(shop=shop, user_id=job.created_by_id)
        .first()
    )
    if actor is None:
        raise ApplicationError(
            f"{job.created_by_email} no longer works for {shop.name}, so their file was not "
            "imported."
        )
    check_shop_action(membership=actor, shop=shop, action=ShopAction.MANAGE_PRODUCTS)
    return actor


def _finish(
    job: ImportJob,
    status: str,
    *,
    errors: list[RowError] | None = None,
    summary: dict[str, int] | None = None,
    processed: int | None = None,
) -> None:
    errors = errors or []
    job.status = status
    job.errors = [error.as_json() for error in errors[:MAX_STORED_ERRORS]]
    job.error_count = len(errors)
    job.summary = summary or {}
    if processed is not None:
        job.processed_rows = processed
    job.finished_at = timezone.now() if status != ImportJob.Status.VALIDATED else None
    job.save(
        update_fields=[
            "status",
            "errors",
            "error_count",
            "summary",
            "processed_rows",
            "finished_at",
            "updated_at",
        ]
    )


class ProgressWriter:
    """Records how many rows the import has written, on a connection of its own.

    The import's transaction stays open until the last row, so an update made on its
    connection would show nobody anything; this one commits at once. It touches only the
    job row, which the import's transaction never locks, so the two cannot wait on each
    other.
    """

    def __init__(self, *, shop: Shop, job_id: int) -> None:
        self.shop = shop
        self.job_id = job_id
        self.connection: BaseDatabaseWrapper | None = None

    def __call__(self, rows: int) -> None:
        if self.connection is None:
            self.connection = connections.create_connection(DEFAULT_DB_ALIAS)
        quote = self.connection.ops.quote_name
        table = f"{quote(self.shop.schema_name)}.{quote(ImportJob._meta.db_table)}"
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET processed_rows = %s, updated_at = now() WHERE id = %s",
                [rows, self.job_id],
            )

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None
