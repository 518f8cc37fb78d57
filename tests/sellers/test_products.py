"""The product editor: /sell/<slug>/products/new/ and /sell/<slug>/products/<id>/.

Inline variant and attribute rows (a formset), the service's messages in place, nothing
saved on error, what was typed kept, "add a row" without JavaScript, the stock guard.
"""

from __future__ import annotations

import html
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from sellers.catalog.models import Product, ProductImage, StockMovement, Variant
from sellers.catalog.services import VariantInput, stock_adjust
from sellers.listings.models import Listing
from tenants.models import Shop
from tenants.services import shop_suspend
from tests.factories import CategoryFactory, UserFactory, make_product

pytestmark = pytest.mark.django_db

SHOP = "/sell/alpha-goods"
NEW = SHOP + "/products/new/"
EDITOR = {"HX-Request": "true", "HX-Target": "product-editor"}


def variant_row(**fields: Any) -> dict[str, Any]:
    row = {
        "sku": "",
        "price": "",
        "compare_at_price": "",
        "stock": "0",
        "track_inventory": "on",
        "low_stock_threshold": "5",
        "option_0": "",
        "option_1": "",
        "option_2": "",
    }
    row.update(fields)
    return {key: value for key, value in row.items() if value is not None}


def editor_data(
    *,
    title: str = "Linen shirt",
    status: str = "draft",
    category: str = "",
    slug: str = "",
    description: str = "",
    options: tuple[str, str, str] = ("", "", ""),
    attributes: tuple[tuple[str, str], ...] = (),
    variants: tuple[dict[str, Any], ...] = (),
    initial_variants: int = 0,
    initial_attributes: int = 0,
) -> dict[str, str]:
    data = {
        "title": title,
        "slug": slug,
        "description": description,
        "status": status,
        "category": category,
        "option_names_0": options[0],
        "option_names_1": options[1],
        "option_names_2": options[2],
        "attributes-TOTAL_FORMS": str(len(attributes)),
        "attributes-INITIAL_FORMS": str(initial_attributes),
        "variants-TOTAL_FORMS": str(len(variants)),
        "variants-INITIAL_FORMS": str(initial_variants),
    }
    for index, (name, value) in enumerate(attributes):
        data[f"attributes-{index}-name"] = name
        data[f"attributes-{index}-value"] = value
    for index, row in enumerate(variants):
        for key, value in row.items():
            data[f"variants-{index}-{key}"] = value
    return data


SHIRT = editor_data(
    title="Linen shirt",
    status="published",
    description="Cool **linen** for hot days.",
    options=("Size", "", ""),
    attributes=(("Material", "Linen"), ("", "")),
    variants=(
        variant_row(sku="SHIRT-S", option_0="S", price="39.00", stock="4"),
        variant_row(
            sku="SHIRT-M", option_0="M", price="35.00", compare_at_price="45.00", stock="7"
        ),
    ),
)


def catalog(shop: Shop) -> list[tuple[str, str]]:
    with tenant_context(shop):
        return sorted(Product.objects.values_list("title", "status"))


def shop_state(shop: Shop) -> tuple[object, ...]:
    """Everything a product form could change in the shop, and its listings."""
    with tenant_context(shop):
        products = sorted(
            Product.objects.values_list(
                "id", "title", "slug", "status", "description", "attributes", "option_names"
            )
        )
        variants = sorted(
            Variant.objects.values_list("id", "product_id", "sku", "price", "stock", "options")
        )
        movements = StockMovement.objects.count()
    listings = sorted(Listing.objects.filter(shop=shop).values_list("product_id", "title", "price"))
    return products, variants, movements, listings


def element_text(response, element_id: str) -> str:  # type: ignore[no-untyped-def]
    body = response.content.decode()
    match = re.search(rf'<[^>]+\bid="{re.escape(element_id)}"[^>]*>(.*?)</', body, re.DOTALL)
    assert match, f"no element #{element_id}"
    return html.unescape(match.group(1)).strip()


def input_value(response, name: str) -> str:  # type: ignore[no-untyped-def]
    body = response.content.decode()
    match = re.search(rf'<input\b[^>]*\bname="{re.escape(name)}"[^>]*>', body)
    assert match, f"no input {name}"
    value = re.search(r'\bvalue="([^"]*)"', match.group(0))
    return html.unescape(value.group(1)) if value else ""


def summary(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [link.message for link in response.context["editor"].summary]


def alpha_lamp(world) -> Product:  # type: ignore[no-untyped-def]
    with tenant_context(world.shop_a):
        return Product.objects.get(title="Alpha lamp")


def edit_url(product: Product) -> str:
    return f"{SHOP}/products/{product.id}/"


def names(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [template.name for template in response.templates]


# --- the new product page --------------------------------------------------------------------


def test_the_new_product_page_offers_one_empty_variant_row(world, as_user):
    shoes = CategoryFactory(name="Shoes", slug="shoes-h1")
    CategoryFactory(name="Boots", slug="boots-h1", parent=shoes)

    response = as_user(world.staff_a).get(NEW)

    assert response.status_code == 200
    assert names(response)[0] == "sellers/products/edit.html"
    editor = response.context["editor"]
    assert len(editor.variants.forms) == 1
    assert len(editor.attributes.forms) == 1
    assert input_value(response, "variants-0-stock") == "0"
    assert input_value(response, "variants-0-low_stock_threshold") == "5"
    body = response.content.decode()
    assert 'name="variants-0-track_inventory" id="id_variants-0-track_inventory" checked' in body
    # The category tree, children indented under their parent.
    choices = [label for _, label in editor.form.fields["category"].choices]
    assert choices[0] == "No category"
    assert choices.index("\u00a0\u00a0\u00a0Boots") == choices.index("Shoes") + 1
    # The empty row a script copies, and the no-JavaScript "add" buttons.
    assert '<template id="variants-template">' in body
    assert 'name="variants-__prefix__-sku"' in body
    assert 'name="add_variant" value="1"' in body
    assert "Markdown: **bold**" in body
    assert "sellers/images/section.html" not in names(response)  # no images before saving


def test_staff_create_a_product_with_two_variants(world, as_user):
    beta_before = shop_state(world.shop_b)
    client = as_user(world.staff_a)

    response = client.post(NEW, SHIRT)

    with tenant_context(world.shop_a):
        product = Product.objects.get(slug="linen-shirt")
        variants = list(product.variants.order_by("position"))
        movements = sorted(
            StockMovement.objects.filter(variant__product=product).values_list(
                "sku", "delta", "stock_after", "reason", "actor_email"
            )
        )
    assert response.status_code == 302
    assert response["Location"] == edit_url(product)
    assert (
        product.title,
        product.status,
        product.description_html,
        product.attributes,
        product.option_names,
    ) == (
        "Linen shirt",
        "published",
        "<p>Cool <strong>linen</strong> for hot days.</p>",
        [{"name": "Material", "value": "Linen"}],
        ["Size"],
    )
    assert [
        (v.sku, v.options, v.price, v.compare_at_price, v.stock, v.track_inventory)
        for v in variants
    ] == [
        ("SHIRT-S", {"Size": "S"}, Decimal("39.00"), None, 4, True),
        ("SHIRT-M", {"Size": "M"}, Decimal("35.00"), Decimal("45.00"), 7, True),
    ]
    assert movements == [
        ("SHIRT-M", 7, 7, "initial", world.staff_a.email),
        ("SHIRT-S", 4, 4, "initial", world.staff_a.email),
    ]
    listing = Listing.objects.get(shop=world.shop_a, product_id=product.id)
    assert (listing.price, listing.compare_at_price, listing.on_sale, listing.in_stock) == (
        Decimal("35.00"),
        Decimal("45.00"),
        True,
        True,
    )
    assert shop_state(world.shop_b) == beta_before
    page = client.get(response["Location"])
    assert "“Linen shirt” was added." in page.content.decode()


def test_htmx_create_sends_the_browser_to_the_new_product(world, as_user):
    response = as_user(world.owner_a).post(NEW, SHIRT, headers=EDITOR)

    with tenant_context(world.shop_a):
        product = Product.objects.get(slug="linen-shirt")
    assert response.status_code == 200
    assert response["HX-Redirect"] == edit_url(product)


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_every_problem_is_shown_at_its_field_or_row_and_nothing_is_saved(world, as_user, htmx):
    before = shop_state(world.shop_a)
    data = editor_data(
        title="",
        description="Hi <script>alert(1)</script>",
        options=("Size", "", ""),
        attributes=(("Material", ""),),
        variants=(
            variant_row(sku="alpha-lamp", option_0="S", price="12.00", stock="3"),
            variant_row(sku="SHIRT-M", option_0="M", price="-1", stock="2"),
            variant_row(sku="SHIRT-L", option_0="L", price="20.00", compare_at_price="15.00"),
        ),
    )

    response = as_user(world.owner_a).post(NEW, data, headers=EDITOR if htmx else {})

    assert response.status_code == 422
    expected_template = (
        "sellers/products/partials/editor.html" if htmx else "sellers/products/edit.html"
    )
    assert names(response)[0] == expected_template
    assert element_text(response, "id_title_error") == (
        "Give the product a title of 1–200 characters."
    )
    assert element_text(response, "id_description_error") == (
        "The description can't contain <script> HTML. Write it in Markdown: **bold**, "
        "*italic*, lists and [links](https://example.com)."
    )
    assert element_text(response, "id_attributes-0-name_error") == (
        "An attribute needs a name (≤ 60) and a value (≤ 200)."
    )
    assert element_text(response, "id_variants-0-sku_error") == (
        "SKU alpha-lamp is already used by “Alpha lamp”."
    )
    assert element_text(response, "id_variants-1-price_error") == (
        "Enter an amount between 0 and 999,999.99."
    )
    assert element_text(response, "id_variants-2-compare_at_price_error") == (
        "The compare-at price is the old price: make it higher than the price, or leave it empty."
    )
    assert len(summary(response)) == 6
    assert [link.target for link in response.context["editor"].summary] == [
        "id_title",
        "id_description",
        "id_attributes-0-name",
        "id_variants-1-price",
        "id_variants-2-compare_at_price",
        "id_variants-0-sku",
    ]
    # What was typed comes back as typed.
    assert input_value(response, "variants-1-price") == "-1"
    assert input_value(response, "variants-2-sku") == "SHIRT-L"
    assert input_value(response, "option_names_0") == "Size"
    assert input_value(response, "attributes-0-name") == "Material"
    assert "Hi &lt;script&gt;alert(1)&lt;/script&gt;</textarea>" in response.content.decode()
    assert shop_state(world.shop_a) == before


def test_errors_land_on_the_row_they_name_when_rows_are_skipped(world, as_user):
    """An empty added row and a removed row are not sent to the service, so its
    "variants.1" is the third row on the page."""
    before = shop_state(world.shop_a)
    data = editor_data(
        options=("Colour", "", ""),
        variants=(
            variant_row(sku="MUG-RED", option_0="Red", price="9.00"),
            variant_row(),  # added and left empty
            variant_row(sku="MUG-BLUE", option_0="Blue", price="", DELETE="on"),
            variant_row(sku="MUG-GREEN", option_0="Green", price="abc"),
        ),
    )

    response = as_user(world.owner_a).post(NEW, data)

    assert response.status_code == 422
    assert summary(response) == ["Enter an amount such as 19.99."]
    assert element_text(response, "id_variants-3-price_error") == "Enter an amount such as 19.99."
    assert shop_state(world.shop_a) == before


def test_option_names_and_missing_variants_are_reported_on_their_sections(world, as_user):
    before = shop_state(world.shop_a)
    two_without_options = editor_data(
        variants=(
            variant_row(sku="A-1", price="1.00"),
            variant_row(sku="A-2", price="2.00"),
        )
    )
    no_variant = editor_data(variants=(variant_row(),))
    client = as_user(world.owner_a)

    first = client.post(NEW, two_without_options)
    second = client.post(NEW, no_variant)

    assert first.status_code == 422
    assert element_text(first, "option-names-error") == (
        "Name the options (such as Size) that tell variants apart."
    )
    assert [link.target for link in first.context["editor"].summary] == ["id_option_names_0"]
    assert second.status_code == 422
    assert summary(second) == ["A product needs at least one variant (its price and stock)."]
    assert list(second.context["editor"].variants.non_form_errors()) == [
        "A product needs at least one variant (its price and stock)."
    ]
    assert "A product needs at least one variant (its price and stock)." in second.content.decode()
    assert shop_state(world.shop_a) == before


def test_missing_option_values_show_at_the_first_option_of_the_row(world, as_user):
    data = editor_data(
        options=("Size", "Colour", ""),
        variants=(variant_row(sku="T-1", option_0="S", price="5.00"),),
    )

    response = as_user(world.owner_a).post(NEW, data)

    assert response.status_code == 422
    assert element_text(response, "id_variants-0-option_0_error") == (
        "Choose a value for each option (Size, Colour)."
    )


@pytest.mark.parametrize("flag", ["add_variant", "add_attribute", "refresh"])
def test_the_add_buttons_work_without_javascript_and_save_nothing(world, as_user, flag):
    before = shop_state(world.shop_a)
    data = {**SHIRT, flag: "1"}

    response = as_user(world.owner_a).post(NEW, data)

    assert response.status_code == 200
    editor = response.context["editor"]
    assert len(editor.variants.forms) == (3 if flag == "add_variant" else 2)
    assert len(editor.attributes.forms) == (3 if flag == "add_attribute" else 2)
    assert editor.summary == []
    assert input_value(response, "variants-1-sku") == "SHIRT-M"
    if flag == "add_variant":
        # The new row starts like the first one did: counting stock, alert at 5.
        assert input_value(response, "variants-2-sku") == ""
        assert input_value(response, "variants-2-low_stock_threshold") == "5"
        assert 'name="variants-2-track_inventory" id="id_variants-2-track_inventory" checked' in (
            response.content.decode()
        )
    assert shop_state(world.shop_a) == before


def test_option_columns_follow_the_option_names(world, as_user):
    response = as_user(world.owner_a).post(
        NEW, {**SHIRT, "option_names_1": "Colour", "refresh": "1"}
    )

    body = response.content.decode()
    columns = re.findall(
        r'<div class="field[^"]*" data-option-column="(\d)"( hidden)?>\s*<label[^>]*>([^<]*)<',
        body,
    )
    # Two rows and the template row, each with three option columns.
    assert columns[:3] == [("0", "", "Size"), ("1", "", "Colour"), ("2", " hidden", "Option")]
    assert len(columns) == 9


# --- the edit page ---------------------------------------------------------------------------


def test_the_edit_page_shows_the_product_its_variants_and_their_stock_links(world, as_user):
    product = make_product(
        shop=world.shop_a,
        title="Wool socks",
        option_names=["Size"],
        variants=[
            VariantInput(sku="SOCK-S", price="8.00", stock=3, options={"Size": "S"}),
            VariantInput(sku="SOCK-L", price="9.00", stock=0, options={"Size": "L"}),
        ],
    )
    with tenant_context(world.shop_a):
        ids = list(product.variants.order_by("position").values_list("id", flat=True))

    response = as_user(world.staff_a).get(edit_url(product))

    assert response.status_code == 200
    assert "sellers/images/section.html" in names(response)
    assert response.context["images"] == []
    assert input_value(response, "title") == "Wool socks"
    assert input_value(response, "option_names_0") == "Size"
    assert [
        (
            input_value(response, f"variants-{i}-id"),
            input_value(response, f"variants-{i}-sku"),
            input_value(response, f"variants-{i}-option_0"),
            input_value(response, f"variants-{i}-price"),
            input_value(response, f"variants-{i}-stock"),
            input_value(response, f"variants-{i}-stock_was"),
        )
        for i in range(2)
    ] == [
        (str(ids[0]), "SOCK-S", "S", "8.00", "3", "3"),
        (str(ids[1]), "SOCK-L", "L", "9.00", "0", "0"),
    ]
    assert input_value(response, "variants-INITIAL_FORMS") == "2"
    body = response.content.decode()
    for variant_id in ids:
        assert f'href="{SHOP}/products/{product.id}/stock/#variant-{variant_id}"' in body
    assert f'href="{SHOP}/products/{product.id}/stock/"' in body


def test_saving_the_edit_form_updates_adds_and_removes_variants(world, as_user):
    product = make_product(
        shop=world.shop_a,
        title="Wool socks",
        option_names=["Size"],
        variants=[
            VariantInput(sku="SOCK-S", price="8.00", stock=3, options={"Size": "S"}),
            VariantInput(sku="SOCK-L", price="9.00", stock=0, options={"Size": "L"}),
        ],
    )
    with tenant_context(world.shop_a):
        small, large = product.variants.order_by("position")
    data = editor_data(
        title="Wool socks, warm",
        status="published",
        options=("Size", "", ""),
        initial_variants=2,
        variants=(
            variant_row(
                id=str(small.id),
                stock_was="3",
                sku="SOCK-S",
                option_0="S",
                price="7.50",
                stock="10",
            ),
            variant_row(
                id=str(large.id),
                stock_was="0",
                sku="SOCK-L",
                option_0="L",
                price="9.00",
                stock="0",
                DELETE="on",
            ),
            variant_row(sku="SOCK-M", option_0="M", price="8.50", stock="2"),
        ),
    )

    client = as_user(world.manager_a)

    response = client.post(edit_url(product), data)

    assert response.status_code == 302
    assert response["Location"] == edit_url(product)
    with tenant_context(world.shop_a):
        product.refresh_from_db()
        rows = list(product.variants.order_by("position").values_list("sku", "price", "stock"))
        movements = sorted(
            StockMovement.objects.filter(sku__startswith="SOCK-").values_list(
                "sku", "delta", "reason"
            )
        )
    assert (product.title, product.status) == ("Wool socks, warm", "published")
    assert rows == [("SOCK-S", Decimal("7.50"), 10), ("SOCK-M", Decimal("8.50"), 2)]
    assert movements == [
        ("SOCK-M", 2, "initial"),
        ("SOCK-S", 3, "initial"),
        ("SOCK-S", 7, "edit"),
    ]
    assert Listing.objects.get(shop=world.shop_a, product_id=product.id).price == Decimal("7.50")
    assert "Saved." in client.get(edit_url(product)).content.decode()


def test_htmx_save_puts_the_fresh_editor_back_in_place(world, as_user):
    product = alpha_lamp(world)
    with tenant_context(world.shop_a):
        variant = product.variants.get()
    data = editor_data(
        title="Alpha lamp",
        status="published",
        initial_variants=1,
        variants=(
            variant_row(
                id=str(variant.id), stock_was="5", sku="alpha-lamp", price="31.00", stock="5"
            ),
        ),
    )

    response = as_user(world.owner_a).post(edit_url(product), data, headers=EDITOR)

    assert response.status_code == 200
    assert names(response)[0] == "sellers/products/partials/editor.html"
    assert "base.html" not in names(response)
    assert "Saved." in response.content.decode()
    assert response.context["editor"].form.is_bound is False
    assert input_value(response, "variants-0-price") == "31.00"
    assert Listing.objects.get(shop=world.shop_a, product_id=product.id).price == Decimal("31.00")


def test_a_stock_change_made_meanwhile_is_not_overwritten(world, as_user):
    product = alpha_lamp(world)
    with tenant_context(world.shop_a):
        variant = product.variants.get()
    stock_adjust(shop=world.shop_a, actor=None, variant_id=variant.id, delta=-2, reason="damaged")
    before = shop_state(world.shop_a)
    data = editor_data(
        title="Alpha lamp renamed",
        status="published",
        initial_variants=1,
        variants=(
            variant_row(
                id=str(variant.id), stock_was="5", sku="alpha-lamp", price="30.00", stock="5"
            ),
        ),
    )
    client = as_user(world.owner_a)

    response = client.post(edit_url(product), data)

    message = (
        "Stock of alpha-lamp changed from 5 to 3 since you opened this page (an order or a "
        "colleague). Check it and save again."
    )
    assert response.status_code == 422
    assert element_text(response, "id_variants-0-stock_error") == message
    assert shop_state(world.shop_a) == before
    # The untouched stock field now says 3, and saving again keeps it.
    assert input_value(response, "variants-0-stock") == "3"
    assert input_value(response, "variants-0-stock_was") == "3"
    assert input_value(response, "title") == "Alpha lamp renamed"
    data.update({"variants-0-stock": "3", "variants-0-stock_was": "3"})
    assert client.post(edit_url(product), data).status_code == 302
    with tenant_context(world.shop_a):
        assert Variant.objects.get(id=variant.id).stock == 3
        assert Product.objects.get(id=product.id).title == "Alpha lamp renamed"


def test_a_stock_the_editor_changed_is_kept_when_it_changed_meanwhile(world, as_user):
    product = alpha_lamp(world)
    with tenant_context(world.shop_a):
        variant = product.variants.get()
    stock_adjust(shop=world.shop_a, actor=None, variant_id=variant.id, delta=1, reason="restock")
    data = editor_data(
        title="Alpha lamp",
        status="published",
        initial_variants=1,
        variants=(
            variant_row(
                id=str(variant.id), stock_was="5", sku="alpha-lamp", price="30.00", stock="9"
            ),
        ),
    )

    response = as_user(world.owner_a).post(edit_url(product), data)

    assert response.status_code == 422
    assert input_value(response, "variants-0-stock") == "9"
    assert input_value(response, "variants-0-stock_was") == "6"


def test_a_variant_of_another_product_cannot_be_taken_over(world, as_user):
    lamp = alpha_lamp(world)
    with tenant_context(world.shop_a):
        chair_variant = Variant.objects.get(sku="alpha-draft-chair")
    before = shop_state(world.shop_a)
    data = editor_data(
        title="Alpha lamp",
        status="published",
        initial_variants=1,
        variants=(
            variant_row(id=str(chair_variant.id), sku="alpha-lamp", price="1.00", stock="5"),
        ),
    )

    response = as_user(world.owner_a).post(edit_url(lamp), data)

    assert response.status_code == 422
    assert summary(response) == ["This variant was deleted meanwhile."]
    assert response.context["editor"].summary[0].target == "variant-variants-0"
    assert (
        '<p class="field__error variant-row__error">This variant was deleted meanwhile.</p>'
        in response.content.decode()
    )
    assert shop_state(world.shop_a) == before


def test_an_unknown_product_is_404(world, as_user):
    response = as_user(world.owner_a).get(f"{SHOP}/products/999999/")

    assert response.status_code == 404


def test_another_shops_product_id_only_ever_means_a_product_of_this_shop(world, as_user):
    """Ids are per shop schema: beta's owner asking for alpha's product id at beta's
    address gets beta's own product with that id, or 404, never alpha's."""
    lamp = alpha_lamp(world)
    before = shop_state(world.shop_a)

    response = as_user(world.owner_b).get(f"/sell/beta-store/products/{lamp.id}/")

    if response.status_code == 200:
        assert response.context["product"].title == "Beta kettle"
    else:
        assert response.status_code == 404
    assert "Alpha lamp" not in response.content.decode()
    assert shop_state(world.shop_a) == before


def test_a_suspended_shops_products_are_shown_read_only(world, as_user):
    product = alpha_lamp(world)
    shop_suspend(shop=world.shop_a, reason="Checking documents", by=UserFactory(is_staff=True))
    client = as_user(world.owner_a)

    edit = client.get(edit_url(product))
    new = client.get(NEW)

    assert edit.status_code == 200
    assert edit.context["editor"].read_only is True
    body = edit.content.decode()
    assert re.search(r'<input type="text" name="title"[^>]*disabled', body)
    assert "Save changes" not in body
    assert "You can look at this product but not change it while the shop is suspended." in body
    assert new.status_code == 200
    assert "Adding products isn't possible right now" in new.content.decode()
    assert 'name="title"' not in new.content.decode()


# Statements for the edit page: the shop (routing), the user, the memberships, the
# product, its variants, its images, the categories for the <select>; plus two
# `SET search_path` (public for the shop lookup, then the shop's schema). Nothing per
# variant: one variant or ten cost the same.
EDIT_PAGE_QUERIES = 9


def test_edit_page_query_count_does_not_grow_with_variants(
    world, as_user, django_assert_num_queries
):
    one = alpha_lamp(world)
    many = make_product(
        shop=world.shop_a,
        title="Paint",
        option_names=["Colour"],
        variants=[
            VariantInput(sku=f"PAINT-{n}", price="4.00", stock=n, options={"Colour": f"C{n}"})
            for n in range(10)
        ],
    )
    with tenant_context(world.shop_a):
        ProductImage.objects.create(product=many, name="shops/x/p/a.png", width=1, height=1)
    client = as_user(world.owner_a)
    client.get(edit_url(one))  # warm the session cache

    with CaptureQueriesContext(connection) as first:
        client.get(edit_url(one))
    with django_assert_num_queries(EDIT_PAGE_QUERIES):
        response = client.get(edit_url(many))

    assert len(response.context["editor"].variants.forms) == 10
    assert len(first.captured_queries) == EDIT_PAGE_QUERIES
