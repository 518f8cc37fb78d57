"""CSV import and export pages under /sell/<slug>/products/.

Upload → the worker checks every row (dry run) → the seller reviews the problems, or
confirms → the worker imports all rows or none. The job page polls itself (htmx, every
second) while the worker runs, and refreshes itself without JavaScript.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

from asgiref.sync import sync_to_async
from django import forms
from django.contrib import messages
from django.core.handlers.asgi import ASGIRequest
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from marketplace.errors import ApplicationError
from marketplace.pagination import paginate
from sellers.catalog.csv_io import (
    export_chunks,
    import_job_confirm,
    import_job_create,
    import_template_csv,
)
from sellers.catalog.csv_io.columns import COLUMN_HELP, MAX_ROWS
from sellers.catalog.models import ImportJob, Product
from sellers.listings.models import Category
from sellers.views import add_error, dashboard_context, denied, shop_view
from tenants.permissions import ShopAction

JOBS_PER_PAGE = 10
ERRORS_PER_PAGE = 50
# A running job whose row hasn't moved for this long is probably waiting for the worker.
WAITING_AFTER = timedelta(seconds=30)
STALLED_AFTER = timedelta(minutes=10)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=f"UTF-8 CSV, comma-separated, at most 20 MB and {MAX_ROWS:,} rows.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    replace_variants = forms.BooleanField(
        label="Delete variants the file leaves out",
        required=False,
        help_text="Off: a product's variants that are not in the file stay as they are.",
    )


def import_jobs() -> QuerySet[ImportJob]:
    """The shop's import jobs, newest first, without their file text, each with `stalled`:
    the worker claimed it and then didn't touch it for STALLED_AFTER (it was killed; the
    import rolled back and nothing will resume it)."""
    cut_off = timezone.now() - STALLED_AFTER
    stalled = Q(
        status__in=[ImportJob.Status.VALIDATING, ImportJob.Status.IMPORTING],
        updated_at__lt=cut_off,
    )
    return (
        ImportJob.objects.defer("content")
        .annotate(stalled=ExpressionWrapper(stalled, output_field=BooleanField()))
        .order_by("-created_at", "-id")
    )


@require_http_methods(["GET", "POST"])
@shop_view(read=ShopAction.VIEW_DASHBOARD, write=ShopAction.MANAGE_PRODUCTS)
def products_import(request: HttpRequest, shop_slug: str) -> HttpResponse:
    shop = request.shop  # type: ignore[attr-defined]
    posted = request.method == "POST"
    form = ImportUploadForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        try:
            job = import_job_create(
                shop=shop,
                actor=request.membership,  # type: ignore[attr-defined]
                upload=form.cleaned_data["file"],
                replace_variants=form.cleaned_data["replace_variants"],
            )
        except ApplicationError as error:
            if error.status == 403:
                return denied(request, error)
            add_error(form, error)
        else:
            return redirect("sellers:products_import_job", shop_slug=shop.slug, job_id=job.id)
    context = dashboard_context(
        request,
        form=form,
        steps=[("Upload", "current"), ("Check every row", "todo"), ("Import", "todo")],
        columns=COLUMN_HELP,
        categories=Category.objects.order_by("name").values("name", "slug"),
        statuses=Product.Status.choices,
        **paginate(request, import_jobs().defer("errors"), per_page=JOBS_PER_PAGE),
    )
    return TemplateResponse(
        request, "sellers/csv/import.html", context, status=422 if form.errors else 200
    )


@require_GET
@shop_view(read=ShopAction.VIEW_DASHBOARD)
def products_import_template(request: HttpRequest, shop_slug: str) -> HttpResponse:
    response = HttpResponse(import_template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="products-template.csv"'
    return response


@require_http_methods(["GET", "POST"])
@shop_view(read=ShopAction.VIEW_DASHBOARD, write=ShopAction.MANAGE_PRODUCTS)
def products_import_job(request: HttpRequest, shop_slug: str, job_id: int) -> HttpResponse:
    shop = request.shop  # type: ignore[attr-defined]
    status = 200
    if request.method == "POST":
        try:
            import_job_confirm(shop=shop, actor=request.membership, job_id=job_id)  # type: ignore[attr-defined]
        except ApplicationError as error:
            if error.status == 404:
                raise Http404(error.message) from None
            if error.status == 403:
                return denied(request, error)
            messages.error(request, error.message)
            status = error.status
        else:
            return redirect("sellers:products_import_job", shop_slug=shop.slug, job_id=job_id)
    job = import_jobs().filter(id=job_id).first()
    if job is None:
        raise Http404("No such import in this shop.")
    stalled = bool(getattr(job, "stalled", False))  # annotated by import_jobs()
    running = job.is_running and not stalled
    context = dashboard_context(
        request,
        job=job,
        steps=_steps(job, stalled=stalled),
        running=running,
        waiting=running and timezone.now() - job.updated_at > WAITING_AFTER,
        **paginate(request, job.errors, per_page=ERRORS_PER_PAGE),  # type: ignore[arg-type]
    )
    template = "sellers/csv/job.html"
    if request.htmx and request.htmx.target == "import-job":  # type: ignore[attr-defined]
        template = "sellers/csv/partials/job_status.html"
    return TemplateResponse(request, template, context, status=status)


def _steps(job: ImportJob, *, stalled: bool) -> list[tuple[str, str]]:
    """(label, state) of upload → check → import for the steps indicator."""
    status, requested = job.status, job.import_requested_at is not None
    if stalled:
        status = ImportJob.Status.FAILED
    if status in (ImportJob.Status.PENDING, ImportJob.Status.VALIDATING):
        check = "current"
    elif status == ImportJob.Status.FAILED and not requested:
        check = "failed"
    else:
        check = "done"
    if status == ImportJob.Status.DONE:
        load = "done"
    elif status == ImportJob.Status.FAILED and requested:
        load = "failed"
    elif status in (ImportJob.Status.VALIDATED, ImportJob.Status.IMPORTING):
        load = "current"
    else:
        load = "todo"
    return [("Upload", "done"), ("Check every row", check), ("Import", load)]


@require_GET
@shop_view(read=ShopAction.VIEW_DASHBOARD)  # type: ignore[arg-type]  # streams: not an HttpResponse
def products_export(request: HttpRequest, shop_slug: str) -> StreamingHttpResponse:
    shop = request.shop  # type: ignore[attr-defined]
    status = request.GET.get("status") or None
    if status not in Product.Status.values:
        status = None
    chunks = export_chunks(shop=shop, status=status)
    response = StreamingHttpResponse(
        _async_chunks(chunks) if isinstance(request, ASGIRequest) else chunks,
        content_type="text/csv; charset=utf-8",
    )
    name = f"{shop.slug}-products{f'-{status}' if status else ''}-{timezone.localdate()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


async def _async_chunks(chunks: Iterator[str]) -> AsyncIterator[str]:
    """Serve the export under ASGI without reading it all first: Django would turn a
    plain iterator into a list there. Each piece is read in the request's own thread,
    where its database connection (and schema) lives."""
    take = sync_to_async(lambda: next(chunks, None), thread_sensitive=True)
    while (chunk := await take()) is not None:
        yield chunk
