"""/sell/<slug>/discounts/: the list, the form (plain posts and htmx), the product
picker, editing, deleting — and who may do which."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from sellers.discounts.models import Discount
from sellers.promotions.models import ScheduledDiscount
from tests.sellers.discounts.conftest import HOUR, NOW, discounts_of, listing_prices, make_discount

pytestmark = pytest.mark.django_db
D = Decimal

LIST = "/sell/alpha-goods/discounts/"
NEW = "/sell/alpha-goods/discounts/new/"
PICKER = "/sell/alpha-goods/discounts/products/"
VALID = {
    "name": "Spring sale",
    "kind": "percentage",
    "value": "15",
    "scope": "shop",
    "time_zone": "UTC",
}


def edit_url(discount_id: int) -> str:
    return f"/sell/alpha-goods/discounts/{discount_id}/"


def error_at(response, field: str) -> list[str]:
    return re.findall(rf'id="id_{field}_error">([^<]*)<', response.content.decode())


def names_on(response) -> list[str]:
    return [discount.name for discount in response.context["page_obj"].object_list]


# --- the list -----------------------------------------------------------------------------


def test_the_list_shows_each_discount_with_its_status(world, as_user):
    make_discount(world.shop_a, name="Scheduled one", starts_at=NOW + HOUR)
    make_discount(world.shop_a, name="Draft one", is_draft=True)
    make_discount(world.shop_a, name="Running one", starts_at=None, now=datetime.now(UTC))

    response = as_user(world.owner_a).get(LIST)

    assert response.status_code == 200
    assert names_on(response) == ["Running one", "Draft one", "Scheduled one"]
    body = response.content.decode()
    assert re.findall(r'data-status="(\w+)">(\w+)<', body) == [
        ("active", "Active"),
        ("draft", "Draft"),
        ("scheduled", "Scheduled"),
    ]
    assert 'href="/sell/alpha-goods/discounts/new/"' in body
    assert "css/discounts.css" in body


def test_the_list_filters_by_status_and_htmx_gets_only_the_list(world, as_user):
    make_discount(world.shop_a, name="Scheduled one", starts_at=NOW + HOUR)
    make_discount(world.shop_a, name="Draft one", is_draft=True)
    client = as_user(world.owner_a)

    scheduled = client.get(LIST, {"status": "scheduled"})
    bogus = client.get(LIST, {"status": "bogus"})
    partial = client.get(
        LIST, {"status": "draft"}, headers={"HX-Request": "true", "HX-Target": "discounts-main"}
    )

    assert names_on(scheduled) == ["Scheduled one"]
    assert names_on(bogus) == ["Draft one", "Scheduled one"]
    assert names_on(partial) == ["Draft one"]
    assert next(t.name for t in partial.templates) == "sellers/discounts/partials/list_main.html"
    assert "<html" not in partial.content.decode()


# Statements for one list page, signed in: SET search_path public, the shop (routing
# middleware), SET search_path to the shop, the user, the memberships (shop switcher and
# permissions), COUNT of the discounts, the page of discounts.
LIST_QUERIES = 7


def test_the_list_is_paginated_with_a_fixed_number_of_queries(
    world, as_user, django_assert_num_queries
):
    client = as_user(world.owner_a)
    for number in range(3):
        make_discount(world.shop_a, name=f"Discount {number:02}", starts_at=NOW + HOUR)
    client.get(LIST)  # warm the session cache
    with django_assert_num_queries(LIST_QUERIES):
        few = client.get(LIST)
    for number in range(3, 27):
        make_discount(world.shop_a, name=f"Discount {number:02}", starts_at=NOW + HOUR)

    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(LIST)
    second = client.get(LIST, {"page": 2})

    assert len(names_on(few)) == 3
    assert len(names_on(response)) == 25
    assert names_on(second) == ["Discount 01", "Discount 00"]


def test_staff_see_the_list_but_no_way_to_change_it(world, as_user):
    discount = make_discount(world.shop_a, name="Spring", starts_at=NOW + HOUR)

    response = as_user(world.staff_a).get(LIST)

    body = response.content.decode()
    assert response.status_code == 200
    assert names_on(response) == ["Spring"]
    assert "/discounts/new/" not in body
    assert edit_url(discount.id) not in body


def test_the_dashboard_nav_links_to_discounts(world, as_user):
    response = as_user(world.owner_a).get(LIST)

    link = (
        '<a class="dashboard-nav__link" href="/sell/alpha-goods/discounts/" '
        'aria-current="page">Discounts</a>'
    )
    assert link in response.content.decode()


# --- creating -----------------------------------------------------------------------------


def test_a_plain_post_creates_the_discount_and_redirects_to_the_list(world, as_user):
    client = as_user(world.owner_a)

    response = client.post(NEW, VALID)

    assert response.status_code == 302
    assert response["Location"] == LIST
    assert discounts_of(world.shop_a) == [("Spring sale", 1)]
    assert listing_prices(world.shop_a, "Alpha lamp") == (D("25.50"), D("30.00"), True)
    followed = client.get(LIST)
    assert "“Spring sale” was created." in followed.content.decode()


def test_htmx_posts_redirect_the_page_on_success(world, as_user):
    response = as_user(world.manager_a).post(
        NEW, VALID, headers={"HX-Request": "true", "HX-Target": "discount-form"}
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == LIST
    assert discounts_of(world.shop_a) == [("Spring sale", 1)]


def test_bad_input_is_refused_with_each_message_at_its_field(world, as_user):
    response = as_user(world.owner_a).post(
        NEW,
        {
            **VALID,
            "name": "",
            "value": "150",
            "stacks_with_others": "on",
            "starts_at": "2031-03-02T10:00",
            "ends_at": "2031-03-02T09:00",
        },
    )

    assert response.status_code == 422
    assert error_at(response, "name") == ["Give it a name of 1–120 characters."]
    assert error_at(response, "value") == [
        "A percentage is more than 0 and at most 100, with at most two decimals."
    ]
    assert error_at(response, "stacks_with_others") == [
        "Only a discount with a code can stack with others: add a code or untick this."
    ]
    assert error_at(response, "ends_at") == ["The end must be after the start."]
    # What was typed stays in the form.
    assert 'value="150"' in response.content.decode()
    assert discounts_of(world.shop_a) == []


def test_htmx_gets_the_form_back_with_422(world, as_user):
    response = as_user(world.owner_a).post(
        NEW, {**VALID, "value": "0"}, headers={"HX-Request": "true", "HX-Target": "discount-form"}
    )

    assert response.status_code == 422
    assert next(t.name for t in response.templates) == "sellers/discounts/partials/form.html"
    assert error_at(response, "value") == [
        "A percentage is more than 0 and at most 100, with at most two decimals."
    ]


def test_times_are_read_in_the_chosen_time_zone(world, as_user):
    as_user(world.owner_a).post(
        NEW,
        {
            **VALID,
            "time_zone": "Europe/Berlin",
            "starts_at": "2031-03-02T10:00",
            "ends_at": "2031-03-09T10:00",
        },
    )

    with tenant_context(world.shop_a):
        discount = Discount.objects.get()
    assert (discount.starts_at, discount.ends_at) == (
        datetime(2031, 3, 2, 9, 0, tzinfo=UTC),
        datetime(2031, 3, 9, 9, 0, tzinfo=UTC),
    )
    assert list(ScheduledDiscount.objects.values_list("discount_id", "due_at")) == [
        (discount.id, datetime(2031, 3, 2, 9, 0, tzinfo=UTC))
    ]


def test_a_categories_discount_from_the_form(world, as_user):
    from tests.factories import CategoryFactory

    home = CategoryFactory(name="Home", slug="dash-home")

    response = as_user(world.owner_a).post(
        NEW, {**VALID, "scope": "categories", "category_ids": [str(home.id)]}
    )

    assert response.status_code == 302
    with tenant_context(world.shop_a):
        assert Discount.objects.get().category_ids == [home.id]


# --- the product picker -------------------------------------------------------------------


def test_find_without_javascript_shows_matches_and_saves_nothing(world, as_user, lamp_id):
    response = as_user(world.owner_a).post(
        NEW, {**VALID, "scope": "products", "product_query": "lamp", "find_products": "1"}
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert [p.title for p in response.context["picker"].results] == ["Alpha lamp"]
    assert f'name="product_ids" value="{lamp_id}">' in body
    assert 'value="Spring sale"' in body
    assert 'class="field__error"' not in body
    assert discounts_of(world.shop_a) == []


def test_the_picker_partial_keeps_chosen_products_ticked(world, as_user, lamp_id):
    response = as_user(world.owner_a).get(
        PICKER, {"product_query": "chair", "product_ids": [str(lamp_id)]}
    )

    picker = response.context["picker"]
    assert response.status_code == 200
    assert [p.title for p in picker.chosen] == ["Alpha lamp"]
    assert [p.title for p in picker.results] == ["Alpha draft chair"]
    assert f'name="product_ids" value="{lamp_id}" checked>' in response.content.decode()


def test_chosen_products_are_saved(world, as_user, lamp_id):
    response = as_user(world.owner_a).post(
        NEW, {**VALID, "scope": "products", "product_ids": [str(lamp_id)]}
    )

    assert response.status_code == 302
    with tenant_context(world.shop_a):
        assert Discount.objects.get().product_ids == [lamp_id]
    assert listing_prices(world.shop_a, "Alpha lamp") == (D("25.50"), D("30.00"), True)


# --- editing and deleting ----------------------------------------------------------------


def test_the_edit_form_shows_the_discount_and_saves_a_new_version(world, as_user):
    discount = make_discount(world.shop_a, starts_at=NOW + HOUR, code="SPRING")
    client = as_user(world.owner_a)

    page = client.get(edit_url(discount.id))
    body = page.content.decode()
    assert page.status_code == 200
    assert 'value="SPRING"' in body
    assert 'value="2031-03-02T10:00"' in body
    assert 'name="version" value="1"' in body

    response = client.post(
        edit_url(discount.id),
        {
            **VALID,
            "name": "Spring, longer",
            "code": "SPRING",
            "starts_at": "2031-03-02T10:00",
            "version": "1",
        },
    )

    assert response.status_code == 302
    assert discounts_of(world.shop_a) == [("Spring, longer", 2)]


def test_saving_over_someone_elses_edit_is_refused(world, as_user):
    discount = make_discount(world.shop_a, starts_at=NOW + HOUR)
    client = as_user(world.owner_a)
    client.post(
        edit_url(discount.id),
        {**VALID, "name": "First", "version": "1", "starts_at": "2031-03-02T10:00"},
    )

    response = client.post(
        edit_url(discount.id),
        {**VALID, "name": "Second", "version": "1", "starts_at": "2031-03-02T10:00"},
    )

    assert response.status_code == 409
    assert "Someone saved this discount since you opened it." in response.content.decode()
    assert discounts_of(world.shop_a) == [("First", 2)]


def test_deleting_removes_the_discount(world, as_user):
    discount = make_discount(world.shop_a, starts_at=NOW + HOUR)

    response = as_user(world.owner_a).post(edit_url(discount.id) + "delete/")

    assert (response.status_code, response["Location"]) == (302, LIST)
    assert discounts_of(world.shop_a) == []
    assert ScheduledDiscount.objects.count() == 0


def test_an_unknown_or_other_shops_discount_is_404(world, as_user):
    other = make_discount(world.shop_b, name="Beta's", starts_at=NOW + HOUR)
    own = make_discount(world.shop_a, name="Alpha's", starts_at=NOW + HOUR)
    missing = max(other.id, own.id) + 1
    client = as_user(world.owner_a)

    assert client.get(edit_url(missing)).status_code == 404
    assert client.post(edit_url(missing) + "delete/").status_code == 404
    assert discounts_of(world.shop_b) == [("Beta's", 1)]
