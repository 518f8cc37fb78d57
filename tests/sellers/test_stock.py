"""Stock in the dashboard: a product's stock page (adjust, history) and the low-stock list."""

from __future__ import annotations

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from sellers.catalog.models import Product, StockMovement, Variant
from sellers.catalog.services import VariantInput, stock_adjust
from sellers.listings.models import Listing
from tenants.models import Shop
from tests.factories import make_product

pytestmark = pytest.mark.django_db

SHOP = "/sell/alpha-goods"
LOW = SHOP + "/stock/low/"


def stock_state(shop: Shop) -> tuple[object, ...]:
    with tenant_context(shop):
        return (
            sorted(Variant.objects.values_list("sku", "stock")),
            sorted(StockMovement.objects.values_list("sku", "delta", "reason", "note")),
        )


def lamp(world):  # type: ignore[no-untyped-def]
    with tenant_context(world.shop_a):
        product = Product.objects.get(title="Alpha lamp")
        return product, product.variants.get()


def stock_url(product: Product) -> str:
    return f"{SHOP}/products/{product.id}/stock/"


def names(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [template.name for template in response.templates]


def error_of(response, element_id: str) -> str:  # type: ignore[no-untyped-def]
    match = re.search(rf'id="{re.escape(element_id)}"[^>]*>([^<]*)<', response.content.decode())
    assert match, f"no #{element_id}"
    return html.unescape(match.group(1))


def flash(client, url: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(message) for message in client.get(url).context["messages"]]


# --- a product's stock page ---------------------------------------------------------------


def test_the_stock_page_shows_each_variant_and_the_history(world, as_user):
    product = make_product(
        shop=world.shop_a,
        title="Enamel mug",
        option_names=["Colour"],
        variants=[
            VariantInput(sku="MUG-RED", price="12.00", stock=8, options={"Colour": "Red"}),
            VariantInput(
                sku="MUG-TEAL",
                price="12.00",
                stock=0,
                options={"Colour": "Teal"},
                track_inventory=False,
            ),
        ],
    )
    with tenant_context(world.shop_a):
        red = Variant.objects.get(sku="MUG-RED")
    client = as_user(world.staff_a)
    client.post(
        stock_url(product),
        {
            "variant": red.id,
            "mode": "change",
            "quantity": "-3",
            "reason": "damaged",
            "note": "Dropped a box",
        },
    )

    response = client.get(stock_url(product))

    assert response.status_code == 200
    assert names(response)[0] == "sellers/stock/product.html"
    assert [variant.sku for variant in response.context["variants"]] == ["MUG-RED", "MUG-TEAL"]
    history = [
        (m.sku, m.delta, m.stock_after, m.reason, m.note, m.actor_email)
        for m in response.context["page_obj"].object_list
    ]
    assert history == [
        ("MUG-RED", -3, 5, "damaged", "Dropped a box", world.staff_a.email),
        ("MUG-RED", 8, 8, "initial", "", ""),
    ]
    body = response.content.decode()
    assert f'id="variant-{red.id}"' in body
    assert "Dropped a box" in body
    assert ">-3</td>" in body and ">+8</td>" in body
    assert "System" in body  # the initial stock came from no person
    assert "Doesn't track stock" in body
    assert body.count('class="stock-adjust"') == 1  # only the counted variant


def test_the_history_is_paginated(world, as_user):
    product, variant = lamp(world)
    for _ in range(27):
        stock_adjust(
            shop=world.shop_a, actor=None, variant_id=variant.id, delta=1, reason="restock"
        )
    client = as_user(world.owner_a)

    first = client.get(stock_url(product))
    second = client.get(stock_url(product) + "?page=2")

    assert first.context["page_obj"].paginator.count == 28
    assert len(first.context["page_obj"].object_list) == 25
    assert len(second.context["page_obj"].object_list) == 3


@pytest.mark.parametrize(
    ("mode", "quantity", "stock", "delta"),
    [("change", "+7", 12, 7), ("change", "-5", 0, -5), ("set", "2", 2, -3)],
)
def test_staff_adjust_stock_by_a_change_or_to_a_level(world, as_user, mode, quantity, stock, delta):
    product, variant = lamp(world)
    client = as_user(world.staff_a)

    response = client.post(
        stock_url(product),
        {"variant": variant.id, "mode": mode, "quantity": quantity, "reason": "correction"},
    )

    assert response.status_code == 302
    assert response["Location"] == f"{stock_url(product)}#variant-{variant.id}"
    with tenant_context(world.shop_a):
        assert Variant.objects.get(id=variant.id).stock == stock
        movement = StockMovement.objects.filter(variant=variant).first()
    assert (movement.delta, movement.stock_after, movement.reason, movement.actor_id) == (
        delta,
        stock,
        "correction",
        world.staff_a.id,
    )
    listing = Listing.objects.get(shop=world.shop_a, product_id=product.id)
    assert listing.in_stock is (stock > 0)
    assert flash(client, stock_url(product)) == [f"alpha-lamp now has {stock} in stock."]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"mode": "change", "quantity": "-6", "reason": "damaged"},
            "quantity",
            "alpha-lamp has 5 in stock; it can't go below zero.",
        ),
        (
            {"mode": "set", "quantity": "-1", "reason": "correction"},
            "quantity",
            "alpha-lamp has 5 in stock; it can't go below zero.",
        ),
        (
            {"mode": "change", "quantity": "lots", "reason": "restock"},
            "quantity",
            "Enter a whole number.",
        ),
        (
            {"mode": "change", "quantity": "1", "reason": "sale"},
            "reason",
            "Select a valid choice. sale is not one of the available choices.",
        ),
        (
            {"mode": "change", "quantity": "1", "reason": "restock", "note": "x" * 201},
            "note",
            "Ensure this value has at most 200 characters (it has 201).",
        ),
    ],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_bad_adjustments_are_shown_at_the_field_and_change_nothing(
    world, as_user, data, field, message, htmx
):
    product, variant = lamp(world)
    before = stock_state(world.shop_a)
    headers = {"HX-Request": "true", "HX-Target": "stock-main"} if htmx else {}

    response = as_user(world.owner_a).post(
        stock_url(product), {"variant": variant.id, **data}, headers=headers
    )

    assert response.status_code == 422
    expected = "sellers/stock/partials/product_stock.html" if htmx else "sellers/stock/product.html"
    assert names(response)[0] == expected
    assert error_of(response, f"id_v{variant.id}_{field}_error") == message
    assert stock_state(world.shop_a) == before


def test_a_variant_that_does_not_track_stock_cannot_be_adjusted(world, as_user):
    product = make_product(
        shop=world.shop_a,
        title="Download",
        variants=[VariantInput(sku="DL-1", price="3.00", track_inventory=False)],
    )
    with tenant_context(world.shop_a):
        variant = product.variants.get()
    before = stock_state(world.shop_a)

    response = as_user(world.owner_a).post(
        stock_url(product),
        {"variant": variant.id, "mode": "change", "quantity": "4", "reason": "restock"},
    )

    assert response.status_code == 422
    assert stock_state(world.shop_a) == before
    assert "DL-1 doesn&#x27;t track inventory." in response.content.decode()


def test_a_variant_of_another_product_is_404_here(world, as_user):
    product, _ = lamp(world)
    with tenant_context(world.shop_a):
        chair_variant = Variant.objects.get(sku="alpha-draft-chair")
    before = stock_state(world.shop_a)

    response = as_user(world.owner_a).post(
        stock_url(product),
        {"variant": chair_variant.id, "mode": "change", "quantity": "4", "reason": "restock"},
    )

    assert response.status_code == 404
    assert stock_state(world.shop_a) == before


def test_an_unknown_product_has_no_stock_page(world, as_user):
    assert as_user(world.owner_a).get(f"{SHOP}/products/999999/stock/").status_code == 404


def test_htmx_adjustment_answers_with_the_stock_area(world, as_user):
    product, variant = lamp(world)

    response = as_user(world.owner_a).post(
        stock_url(product),
        {"variant": variant.id, "mode": "change", "quantity": "3", "reason": "restock"},
        headers={"HX-Request": "true", "HX-Target": "stock-main"},
        follow=True,
    )

    assert response.status_code == 200
    assert names(response)[0] == "sellers/stock/partials/product_stock.html"
    body = response.content.decode()
    assert "alpha-lamp now has 8 in stock." in body
    assert '<strong class="stock-level__number">8</strong>' in body


# --- the low-stock list ---------------------------------------------------------------------


@pytest.fixture
def low(world):  # type: ignore[no-untyped-def]
    """World: both alpha products have 5 with the default alert at 5 (low)."""
    make_product(
        shop=world.shop_a,
        title="Candle",
        option_names=["Scent"],
        variants=[
            VariantInput(sku="CANDLE-FIG", price="9.00", stock=0, options={"Scent": "Fig"}),
            VariantInput(sku="CANDLE-OUD", price="9.00", stock=50, options={"Scent": "Oud"}),
            VariantInput(
                sku="CANDLE-TEA",
                price="9.00",
                stock=0,
                options={"Scent": "Tea"},
                track_inventory=False,
            ),
            VariantInput(
                sku="CANDLE-AMB",
                price="9.00",
                stock=3,
                options={"Scent": "Amber"},
                low_stock_threshold=2,
            ),
        ],
    )


def skus_on(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [variant.sku for variant in response.context["page_obj"].object_list]


def test_the_low_stock_list_has_tracked_variants_at_or_under_their_alert(world, as_user, low):
    response = as_user(world.staff_a).get(LOW)

    assert response.status_code == 200
    assert skus_on(response) == ["CANDLE-FIG", "alpha-draft-chair", "alpha-lamp"]
    body = response.content.decode()
    assert "Beta kettle" not in body
    with tenant_context(world.shop_a):
        candle = Product.objects.get(title="Candle")
    assert f'href="{SHOP}/products/{candle.id}/"' in body
    assert 'name="delta"' in body


def test_the_low_stock_list_is_paginated(world, as_user):
    for number in range(26):
        make_product(shop=world.shop_a, title=f"Thin {number:02d}", stock=1)
    client = as_user(world.owner_a)

    first = client.get(LOW)
    second = client.get(LOW + "?page=2")

    assert first.context["page_obj"].paginator.count == 28
    assert len(skus_on(first)) == 25
    assert len(skus_on(second)) == 3


def test_quick_adjust_without_javascript(world, as_user, low):
    client = as_user(world.owner_a)
    with tenant_context(world.shop_a):
        fig = Variant.objects.get(sku="CANDLE-FIG")

    response = client.post(LOW + "?page=1", {"variant": fig.id, "delta": "12", "reason": "restock"})

    assert response.status_code == 302
    assert response["Location"] == LOW + "?page=1"
    with tenant_context(world.shop_a):
        assert Variant.objects.get(id=fig.id).stock == 12
        movement = StockMovement.objects.filter(variant=fig).first()
    assert (movement.delta, movement.reason, movement.actor_email) == (
        12,
        "restock",
        world.owner_a.email,
    )
    page = client.get(LOW)
    assert [str(m) for m in page.context["messages"]] == ["CANDLE-FIG now has 12 in stock."]
    assert "CANDLE-FIG" not in skus_on(page)


def test_quick_adjust_with_htmx_answers_with_the_row(world, as_user, low):
    with tenant_context(world.shop_a):
        fig = Variant.objects.get(sku="CANDLE-FIG")
    headers = {"HX-Request": "true", "HX-Target": f"low-{fig.id}"}
    client = as_user(world.owner_a)

    done = client.post(LOW, {"variant": fig.id, "delta": "2", "reason": "restock"}, headers=headers)
    refused = client.post(
        LOW, {"variant": fig.id, "delta": "-9", "reason": "damaged"}, headers=headers
    )

    assert done.status_code == 200
    assert names(done)[0] == "sellers/stock/partials/low_row.html"
    body = done.content.decode()
    assert body.strip().startswith(f'<tr id="low-{fig.id}" class="low-table__row--adjusted">')
    assert '<strong class="low-table__count">2</strong>' in body and "Still low" in body
    assert refused.status_code == 422
    assert error_of(refused, f"id_low{fig.id}_delta_error") == (
        "CANDLE-FIG has 2 in stock; it can't go below zero."
    )
    with tenant_context(world.shop_a):
        assert Variant.objects.get(id=fig.id).stock == 2


def test_a_refused_quick_adjust_without_javascript_shows_on_its_row(world, as_user, low):
    with tenant_context(world.shop_a):
        fig = Variant.objects.get(sku="CANDLE-FIG")
    before = stock_state(world.shop_a)

    response = as_user(world.owner_a).post(
        LOW, {"variant": fig.id, "delta": "-1", "reason": "damaged"}
    )

    assert response.status_code == 422
    assert names(response)[0] == "sellers/stock/low.html"
    assert error_of(response, f"id_low{fig.id}_delta_error") == (
        "CANDLE-FIG has 0 in stock; it can't go below zero."
    )
    assert stock_state(world.shop_a) == before


def test_a_quick_adjust_of_an_unknown_variant_is_404(world, as_user):
    before = stock_state(world.shop_a)

    response = as_user(world.owner_a).post(
        LOW, {"variant": "999999", "delta": "1", "reason": "restock"}
    )

    assert response.status_code == 404
    assert stock_state(world.shop_a) == before


# Statements for the low-stock page: the shop (routing), the user, the memberships, COUNT
# of the low variants, the page of them with their products; plus two `SET search_path`.
LOW_STOCK_QUERIES = 7


def test_low_stock_query_count_does_not_grow_with_rows(world, as_user, django_assert_num_queries):
    client = as_user(world.owner_a)
    client.get(LOW)  # warm the session cache
    with CaptureQueriesContext(connection) as two:
        client.get(LOW)
    for number in range(30):
        make_product(shop=world.shop_a, title=f"Scarce {number}", stock=1)

    with django_assert_num_queries(LOW_STOCK_QUERIES):
        response = client.get(LOW)

    assert len(skus_on(response)) == 25
    assert len(two.captured_queries) == LOW_STOCK_QUERIES
