"""CSV import and export pages: upload → dry run → review → import, the job page's polling,
the streamed export, and who may do any of it."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient
from django.utils import timezone

from marketplace.events.models import OutboxEvent
from sellers.catalog.csv_io import import_job_process
from sellers.catalog.models import ImportJob, Product
from tenants.models import Shop
from tenants.schemas import shop_schema
from tenants.services import shop_suspend
from tests.factories import UserFactory, make_product
from tests.sellers.catalog.test_csv_services import (
    catalog_state,
    csv_upload,
    dry_run,
    member,
    row,
)

pytestmark = pytest.mark.django_db

IMPORT = "/sell/alpha-goods/products/import/"
EXPORT = "/sell/alpha-goods/products/export.csv"
TEMPLATE = "/sell/alpha-goods/products/import/template.csv"
POLL = {"HX-Request": "true", "HX-Target": "import-job"}


def job_url(job_id: int, shop: str = "alpha-goods") -> str:
    return f"/sell/{shop}/products/import/{job_id}/"


def jobs(shop: Shop) -> list[tuple[Any, ...]]:
    with shop_schema(shop):
        return list(ImportJob.objects.values_list("id", "status", "import_requested_at"))


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    """The page's visible words, tags dropped and whitespace collapsed."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    words = " ".join(re.sub(r"<[^>]+>", " ", body).split())
    return re.sub(r" ([.,:;])", r"\1", words)


def streamed(response) -> str:  # type: ignore[no-untyped-def]
    return b"".join(response.streaming_content).decode()


# --- the whole flow ---------------------------------------------------------------------


def test_upload_check_review_and_import(world, as_user):
    client = as_user(world.staff_a)
    upload = csv_upload([row("pine-shelf", "PS-1", status="published"), row("pine-box", "PB-1")])

    response = client.post(IMPORT, {"file": upload})

    ((job_id, status, requested),) = jobs(world.shop_a)
    assert (status, requested) == ("pending", None)
    assert response.status_code == 302
    assert response["Location"] == job_url(job_id)

    page = client.get(job_url(job_id))
    assert page.status_code == 200
    body = page.content.decode()
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in body
    assert f'hx-get="{job_url(job_id)}" hx-trigger="every 1s" hx-swap="outerHTML"' in body
    assert "Checking every row… Waiting to start Waiting for the import worker to start…" in (
        text_of(page)
    )

    import_job_process(shop_id=world.shop_a.id, job_id=job_id)
    page = client.get(job_url(job_id))
    assert "hx-trigger" not in page.content.decode()
    assert "refresh" not in page.content.decode().split("</head>")[0]
    assert "All 2 rows can be imported 2 new products Nothing has changed yet." in text_of(page)
    assert '<button type="submit" class="button button--primary">Import 2 rows</button>' in (
        page.content.decode()
    )

    confirmed = client.post(job_url(job_id))
    assert confirmed.status_code == 302
    assert confirmed["Location"] == job_url(job_id)
    page = client.get(job_url(job_id))
    assert "Importing… Waiting to start Waiting for the import worker to start…" in text_of(page)
    assert "hx-trigger" in page.content.decode()

    import_job_process(shop_id=world.shop_a.id, job_id=job_id)
    page = client.get(job_url(job_id))
    assert (
        "Imported 2 rows Products created 2 Products updated 0 Products unchanged 0 Variants "
        "created 2 Variants updated 0 Variants deleted 0 Stock changes recorded 2"
    ) in text_of(page)
    with shop_schema(world.shop_a):
        assert sorted(Product.objects.values_list("slug", "status")) == [
            ("alpha-draft-chair", "draft"), ("alpha-lamp", "published"),
            ("pine-box", "draft"), ("pine-shelf", "published"),
        ]  # fmt: skip


def test_the_job_page_polls_only_its_live_part_with_htmx(world, as_user):
    job = dry_run(world.shop_a, world.owner_a, csv_upload([row("p", "P-1")]))
    with shop_schema(world.shop_a):
        ImportJob.objects.filter(id=job.id).update(
            status="importing",
            processed_rows=1_500,
            total_rows=4_000,
            import_requested_at=job.created_at,
        )

    response = as_user(world.owner_a).get(job_url(job.id), headers=POLL)

    assert [t.name for t in response.templates] == [
        "sellers/csv/partials/job_status.html", "sellers/csv/partials/steps.html",
    ]  # fmt: skip
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="import-job"')
    assert 'max="4000" value="1500">1500 of 4000</progress>' in body
    assert "1,500 of 4,000 rows saved." in text_of(response)


def test_a_job_the_worker_dropped_says_so_instead_of_polling_forever(world, as_user):
    job = dry_run(world.shop_a, world.owner_a, csv_upload([row("p", "P-1")]))
    with shop_schema(world.shop_a):
        ImportJob.objects.filter(id=job.id).update(
            status="importing",
            import_requested_at=timezone.now(),
            updated_at=timezone.now() - timedelta(minutes=11),
        )
    client = as_user(world.owner_a)

    page = client.get(job_url(job.id))
    listing = client.get(IMPORT)

    assert "hx-trigger" not in page.content.decode()
    assert (
        "This job stopped without finishing (the import worker was restarted). Nothing was "
        "imported. Upload the file again."
    ) in text_of(page)
    assert page.context["steps"] == [
        ("Upload", "done"), ("Check every row", "done"), ("Import", "failed")
    ]  # fmt: skip
    assert '<span class="badge badge--danger">Stopped</span>' in listing.content.decode()


def test_a_dry_run_with_problems_lists_them_page_by_page(world, as_user):
    before = catalog_state(world.shop_a)
    upload = csv_upload([row(f"p-{n}", f"S-{n}", price="1.234") for n in range(60)])
    job = dry_run(world.shop_a, world.owner_a, upload)
    client = as_user(world.owner_a)

    first = client.get(job_url(job.id))
    second = client.get(job_url(job.id) + "?page=2")

    assert first.status_code == 200
    assert (
        "60 problems found: nothing was imported. Fix them in your file and upload it again."
    ) in text_of(first)
    assert "2 price Use at most two decimal places." in text_of(first)
    assert len(first.context["page_obj"].object_list) == 50
    assert [error["row"] for error in second.context["page_obj"].object_list] == list(range(52, 62))
    assert "Import 60 rows" not in first.content.decode()
    # Importing it anyway is refused, and nothing happens.
    refused = client.post(job_url(job.id))
    assert refused.status_code == 409
    assert "Only a file whose check found no problems can be imported." in text_of(refused)
    assert catalog_state(world.shop_a) == before


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (csv_upload(data=b""), "The submitted file is empty."),
        (csv_upload(data=b"\x89PNG\r\n\x1a\n\x00\x00", name="photo.png"),
         "The file isn't UTF-8 text. In Excel, save it as “CSV UTF-8 (Comma delimited)”; in "
         "Numbers or Google Sheets, export it as CSV."),
        (csv_upload(data=b"name,price\r\nMug,3\r\n"),
         "Unknown column “name”. The columns are: handle, title, description, status, "
         "category, option1_name, option1_value, option2_name, option2_value, option3_name, "
         "option3_value, sku, price, compare_at_price, stock, track_inventory, "
         "low_stock_threshold, attributes. The file needs the columns handle and sku."),
        (None, "This field is required."),
    ],
)  # fmt: skip
def test_a_file_that_is_no_product_csv_is_refused_at_the_field(world, as_user, upload, message):
    response = as_user(world.owner_a).post(IMPORT, {"file": upload} if upload else {})

    assert response.status_code == 422
    body = response.content.decode()
    assert re.findall(r'<p class="field__error" id="id_file_error">([^<]*)</p>', body) == [
        message.replace("“", "“").replace("'", "&#x27;")
    ]
    assert jobs(world.shop_a) == []
    assert not OutboxEvent.objects.filter(type="catalog.import.requested").exists()


def test_the_import_page_lists_recent_jobs_in_a_fixed_number_of_queries(
    world, as_user, django_assert_num_queries
):
    client = as_user(world.owner_a)
    for n in range(12):
        dry_run(
            world.shop_a, world.owner_a, csv_upload([row(f"q-{n}", f"Q-{n}")], name=f"f{n}.csv")
        )
    client.get(IMPORT)

    # search_path to public, the shop, search_path to the shop, user, memberships, job
    # count, one page of jobs, categories: the same for any number of jobs.
    with django_assert_num_queries(8):
        response = client.get(IMPORT)

    assert response.status_code == 200
    assert [job.file_name for job in response.context["page_obj"].object_list] == [
        f"f{n}.csv" for n in range(11, 1, -1)
    ]
    assert "Recent imports" in text_of(response)


def test_the_job_page_takes_a_fixed_number_of_queries(world, as_user, django_assert_num_queries):
    job = dry_run(world.shop_a, world.owner_a, csv_upload([row("z", "Z-1", price="x")] * 1))
    client = as_user(world.owner_a)
    client.get(job_url(job.id))

    with django_assert_num_queries(6):
        response = client.get(job_url(job.id))

    assert response.status_code == 200


# --- export and template ----------------------------------------------------------------


def test_the_export_streams_every_product_as_an_excel_friendly_download(world, as_user):
    response = as_user(world.staff_a).get(EXPORT)

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="alpha-goods-products-\d{4}-\d{2}-\d{2}\.csv"',
        response["Content-Disposition"],
    )
    assert response["Cache-Control"] == "no-store"
    lines = streamed(response).split("\r\n")
    assert lines[0] == "\ufeffhandle,title,description,status,category,option1_name," \
        "option1_value,option2_name,option2_value,option3_name,option3_value,sku,price," \
        "compare_at_price,stock,track_inventory,low_stock_threshold,attributes"  # fmt: skip
    assert lines[1:] == [
        "alpha-lamp,Alpha lamp,,published,,,,,,,,alpha-lamp,30.00,,5,yes,5,",
        "alpha-draft-chair,Alpha draft chair,,draft,,,,,,,,alpha-draft-chair,10.00,,5,yes,5,",
        "",
    ]


def test_the_export_streams_piece_by_piece_under_asgi(world):
    """uvicorn serves the site through ASGI, where Django would read a plain iterator
    into a list first; the view hands it an async iterator there."""
    make_product(shop=world.shop_a, title="Another lamp")

    async def fetch() -> tuple[Any, list[bytes]]:
        client = AsyncClient(headers={"host": "localhost"})
        await client.aforce_login(world.owner_a)
        response = await client.get(EXPORT)
        return response, [chunk async for chunk in response.streaming_content]  # type: ignore[attr-defined]

    with mock.patch("sellers.catalog.csv_io.export.PRODUCTS_PER_QUERY", 2):
        response, chunks = async_to_sync(fetch)()

    assert response.status_code == 200
    assert response.is_async
    assert [chunk.decode().count("\r\n") for chunk in chunks] == [1, 2, 1]
    assert b"".join(chunks).decode().splitlines()[1:] == [
        "alpha-lamp,Alpha lamp,,published,,,,,,,,alpha-lamp,30.00,,5,yes,5,",
        "alpha-draft-chair,Alpha draft chair,,draft,,,,,,,,alpha-draft-chair,10.00,,5,yes,5,",
        "another-lamp,Another lamp,,published,,,,,,,,another-lamp,10.00,,5,yes,5,",
    ]


def test_the_export_can_keep_to_one_status(world, as_user):
    response = as_user(world.owner_a).get(EXPORT + "?status=draft")

    assert 'filename="alpha-goods-products-draft-' in response["Content-Disposition"]
    assert [line.split(",")[0] for line in streamed(response).split("\r\n")[1:-1]] == [
        "alpha-draft-chair"
    ]
    unknown = as_user(world.owner_a).get(EXPORT + "?status=secret")
    assert len(streamed(unknown).split("\r\n")) == 4


def test_the_template_download_is_a_csv_with_every_column(world, as_user):
    response = as_user(world.owner_a).get(TEMPLATE)

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="products-template.csv"'
    assert response.content.decode().startswith("\ufeffhandle,title,description,status,")


# --- who may do what --------------------------------------------------------------------


def routes(job_id: int) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [
        ("get", IMPORT, None),
        ("post", IMPORT, {"file": "upload"}),
        ("get", TEMPLATE, None),
        ("get", job_url(job_id), None),
        ("post", job_url(job_id), {}),
        ("get", EXPORT, None),
        ("get", EXPORT + "?status=draft", None),
    ]


def send(client, method: str, url: str, data: dict[str, Any] | None):  # type: ignore[no-untyped-def]
    if data and data.get("file") == "upload":
        data = {"file": csv_upload([row("intruder", "IN-1")])}
    return getattr(client, method)(url, data)


@pytest.mark.parametrize("who", ["owner_b", "shopper", "platform_admin", "anonymous"])
def test_nobody_outside_the_shop_can_upload_see_jobs_or_export(world, as_user, who):
    job = dry_run(world.shop_a, world.owner_a, csv_upload([row("secret-draft", "SD-1")]))
    user = {
        "owner_b": world.owner_b,
        "shopper": world.shopper,
        "platform_admin": UserFactory(is_staff=True, is_superuser=True),
        "anonymous": None,
    }[who]
    before = (catalog_state(world.shop_a), jobs(world.shop_a))

    for method, url, data in routes(job.id):
        response = send(as_user(user), method, url, data)
        if user is None:
            assert response.status_code == 302, url
            assert response["Location"].startswith("/accounts/login/?next=/sell/alpha-goods/")
        else:
            assert response.status_code == 403, url
            assert response.templates[0].name == "403.html"
        assert "alpha-draft-chair" not in response.content.decode()

    assert (catalog_state(world.shop_a), jobs(world.shop_a)) == before


def test_a_job_of_another_shop_is_not_found(world, as_user):
    theirs = dry_run(world.shop_b, world.owner_b, csv_upload([row("kettle-lid", "KL-1")]))
    assert jobs(world.shop_a) == []

    seen = as_user(world.owner_a).get(job_url(theirs.id))
    confirmed = as_user(world.owner_a).post(job_url(theirs.id))

    assert (seen.status_code, confirmed.status_code) == (404, 404)
    with shop_schema(world.shop_b):
        assert ImportJob.objects.get(id=theirs.id).import_requested_at is None
    # And the owner of that shop can't reach alpha's jobs through their own shop's URL.
    ours = dry_run(world.shop_a, world.owner_a, csv_upload([row("ours", "OU-1")]))
    if ours.id != theirs.id:
        assert as_user(world.owner_b).get(job_url(ours.id, "beta-store")).status_code == 404


def test_a_suspended_shop_can_read_and_export_but_not_import(world, as_user):
    job = dry_run(world.shop_a, world.owner_a, csv_upload([row("held", "HE-1")]))
    shop_suspend(
        shop=world.shop_a, reason="Counterfeit goods reported", by=UserFactory(is_staff=True)
    )
    before = (catalog_state(world.shop_a), jobs(world.shop_a))
    client = as_user(world.owner_a)

    assert client.get(IMPORT).status_code == 200
    assert client.get(job_url(job.id)).status_code == 200
    assert client.get(EXPORT).status_code == 200
    for response in (
        send(client, "post", IMPORT, {"file": "upload"}),
        client.post(job_url(job.id)),
    ):
        assert response.status_code == 403
        assert response.context["error"].code == "shop_suspended"
    assert (catalog_state(world.shop_a), jobs(world.shop_a)) == before
    import_job_process(shop_id=world.shop_a.id, job_id=job.id)
    assert member(world.shop_a, world.owner_a).role == "owner"
