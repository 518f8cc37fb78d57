"""Product services: create, update (variants added, changed, removed), publish/archive,
delete, and the Listing each keeps in step."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django_tenants.utils import tenant_context

from marketplace.errors import ApplicationError
from sellers.catalog.models import Product, StockMovement, Variant
from sellers.catalog.services import (
    ProductInput,
    VariantInput,
    product_create,
    product_update,
    products_delete,
    products_set_status,
    stock_adjust,
)
from sellers.listings.models import Listing
from tenants.models import Membership, Shop
from tenants.services import shop_suspend
from tests.factories import CategoryFactory, UserFactory, make_product

pytestmark = pytest.mark.django_db


def member(world, who: str = "staff_a") -> Membership:  # type: ignore[no-untyped-def]
    user = getattr(world, who)
    shop = world.shop_b if who == "owner_b" else world.shop_a
    return Membership.objects.get(user=user, shop=shop)


def state(shop: Shop) -> tuple[object, ...]:
    with tenant_context(shop):
        return (
            sorted(Product.objects.values_list("id", "title", "slug", "status", "description")),
            sorted(Variant.objects.values_list("id", "sku", "price", "stock", "options")),
            StockMovement.objects.count(),
            sorted(Listing.objects.filter(shop=shop).values_list("product_id", "title", "price")),
        )


def listing(shop: Shop, product: Product) -> Listing:
    return Listing.objects.get(shop=shop, product_id=product.id)


def shirt(**changes: object) -> ProductInput:
    data = ProductInput(
        title="Linen shirt",
        status=Product.Status.PUBLISHED,
        description="Cool **linen**.",
        option_names=["Size", "Colour"],
        attributes=[{"name": "Material", "value": "Linen"}],
        variants=[
            VariantInput(
                sku="SH-S-W", price="39.00", stock=4, options={"Size": "S", "Colour": "White"}
            ),
            VariantInput(
                sku="SH-M-W",
                price="35.00",
                stock=0,
                compare_at_price="45.00",
                options={"Size": "M", "Colour": "White"},
            ),
        ],
    )
    return replace(data, **changes)


def raised(call) -> ApplicationError:  # type: ignore[no-untyped-def]
    with pytest.raises(ApplicationError) as info:
        call()
    return info.value


# --- create ---------------------------------------------------------------------------------


def test_create_saves_product_variants_stock_history_and_listing(world):
    staff = member(world)

    product = product_create(shop=world.shop_a, actor=staff, data=shirt())

    with tenant_context(world.shop_a):
        product.refresh_from_db()
        variants = list(product.variants.order_by("position"))
        movements = list(
            StockMovement.objects.filter(variant__product=product).values_list(
                "sku", "delta", "stock_after", "reason", "actor_id", "actor_email"
            )
        )
    assert (product.slug, product.description_html, product.option_names) == (
        "linen-shirt",
        "<p>Cool <strong>linen</strong>.</p>",
        ["Size", "Colour"],
    )
    assert product.published_at is not None
    assert [(v.sku, v.position, v.options) for v in variants] == [
        ("SH-S-W", 0, {"Size": "S", "Colour": "White"}),
        ("SH-M-W", 1, {"Size": "M", "Colour": "White"}),
    ]
    # No movement for a variant that starts at 0.
    assert movements == [("SH-S-W", 4, 4, "initial", world.staff_a.id, world.staff_a.email)]
    row = listing(world.shop_a, product)
    assert (row.title, row.slug, row.summary, row.currency) == (
        "Linen shirt",
        "linen-shirt",
        "Cool linen.",
        "EUR",
    )
    assert "S White M Material Linen" in row.search_text


def test_the_listing_shows_the_cheapest_variant_in_stock(world):
    """The M variant is cheaper but sold out: the S price shows, not on sale."""
    product = product_create(shop=world.shop_a, data=shirt())

    row = listing(world.shop_a, product)

    assert (row.price, row.compare_at_price, row.on_sale, row.in_stock) == (
        Decimal("39.00"),
        None,
        False,
        True,
    )


def test_the_listing_follows_stock_to_the_cheapest_buyable_variant_and_its_sale(world):
    product = product_create(shop=world.shop_a, data=shirt())
    with tenant_context(world.shop_a):
        medium = Variant.objects.get(sku="SH-M-W")

    stock_adjust(shop=world.shop_a, actor=None, variant_id=medium.id, delta=3, reason="restock")

    row = listing(world.shop_a, product)
    assert (row.price, row.compare_at_price, row.on_sale, row.in_stock) == (
        Decimal("35.00"),
        Decimal("45.00"),
        True,
        True,
    )


def test_with_nothing_in_stock_the_listing_shows_the_cheapest_price_and_out_of_stock(world):
    data = shirt(
        variants=[
            VariantInput(sku="A-1", price="20.00", stock=0, options={"Size": "S", "Colour": "R"}),
            VariantInput(sku="A-2", price="12.00", stock=0, options={"Size": "M", "Colour": "R"}),
        ]
    )

    product = product_create(shop=world.shop_a, data=data)

    row = listing(world.shop_a, product)
    assert (row.price, row.in_stock) == (Decimal("12.00"), False)


def test_a_variant_that_does_not_track_stock_is_always_buyable(world):
    data = shirt(
        option_names=[],
        variants=[VariantInput(sku="DL", price="5.00", stock=0, track_inventory=False)],
    )

    product = product_create(shop=world.shop_a, data=data)

    assert listing(world.shop_a, product).in_stock is True
    with tenant_context(world.shop_a):
        assert StockMovement.objects.filter(sku="DL").count() == 0


def test_a_draft_has_no_listing_until_published_and_archiving_removes_it(world):
    staff = member(world)
    product = product_create(shop=world.shop_a, actor=staff, data=shirt(status="draft"))
    assert not Listing.objects.filter(shop=world.shop_a, product_id=product.id).exists()

    published = products_set_status(
        shop=world.shop_a, actor=staff, product_ids=[product.id], status="published"
    )
    with tenant_context(world.shop_a):
        first_published_at = Product.objects.get(id=product.id).published_at
    assert published == 1
    assert listing(world.shop_a, product).price == Decimal("39.00")

    archived = products_set_status(
        shop=world.shop_a, actor=staff, product_ids=[product.id, 987654], status="archived"
    )
    again = products_set_status(
        shop=world.shop_a, actor=staff, product_ids=[product.id], status="archived"
    )
    assert (archived, again) == (1, 0)
    assert not Listing.objects.filter(shop=world.shop_a, product_id=product.id).exists()

    products_set_status(
        shop=world.shop_a, actor=staff, product_ids=[product.id], status="published"
    )
    with tenant_context(world.shop_a):
        # Publishing again keeps the first publication date ("new arrivals" stay honest).
        assert Product.objects.get(id=product.id).published_at == first_published_at


def test_an_unknown_status_is_refused(world):
    error = raised(
        lambda: products_set_status(shop=world.shop_a, actor=None, product_ids=[1], status="gone")
    )

    assert (error.field, error.message) == ("status", "Choose draft, published or archived.")


def test_addresses_are_made_unique_and_a_chosen_taken_one_is_refused(world):
    first = product_create(shop=world.shop_a, data=shirt(variants=shirt().variants))
    second = product_create(
        shop=world.shop_a,
        data=shirt(variants=[replace(v, sku=v.sku + "-2") for v in shirt().variants]),
    )
    before = state(world.shop_a)

    error = raised(
        lambda: product_create(
            shop=world.shop_a,
            data=shirt(
                slug="linen-shirt",
                variants=[replace(v, sku=v.sku + "-3") for v in shirt().variants],
            ),
        )
    )

    assert (first.slug, second.slug) == ("linen-shirt", "linen-shirt-2")
    assert error.errors == {"slug": "Another product of this shop already uses this address."}
    assert state(world.shop_a) == before


def test_skus_are_unique_in_the_shop_not_across_shops(world):
    before = state(world.shop_a)

    clash = raised(
        lambda: product_create(
            shop=world.shop_a,
            data=shirt(
                variants=[
                    VariantInput(
                        sku="alpha-lamp", price="1.00", options={"Size": "S", "Colour": "R"}
                    ),
                    VariantInput(sku="X-1", price="1.00", options={"Size": "M", "Colour": "R"}),
                    VariantInput(sku="X-1", price="1.00", options={"Size": "L", "Colour": "R"}),
                ]
            ),
        )
    )
    elsewhere = product_create(
        shop=world.shop_b,
        data=shirt(option_names=[], variants=[VariantInput(sku="alpha-lamp", price="2.00")]),
    )

    assert clash.errors == {
        "variants.2.sku": "Two variants can't share a SKU.",
        "variants.0.sku": "SKU alpha-lamp is already used by “Alpha lamp”.",
    }
    assert state(world.shop_a) == before
    with tenant_context(world.shop_b):
        assert Variant.objects.get(product_id=elsewhere.id).sku == "alpha-lamp"


@pytest.mark.parametrize(
    ("variant", "key", "message"),
    [
        ({"price": "-1"}, "price", "Enter an amount between 0 and 999,999.99."),
        ({"price": "1000000"}, "price", "Enter an amount between 0 and 999,999.99."),
        ({"price": "1.005"}, "price", "Use at most two decimal places."),
        ({"price": "NaN"}, "price", "Enter an amount such as 19.99."),
        ({"price": ""}, "price", "Enter a price."),
        (
            {"compare_at_price": "10.00"},
            "compare_at_price",
            "The compare-at price is the old price: make it higher than the price, or leave "
            "it empty.",
        ),
        (
            {"compare_at_price": "9.99"},
            "compare_at_price",
            "The compare-at price is the old price: make it higher than the price, or leave "
            "it empty.",
        ),
        ({"stock": "-3"}, "stock", "Stock must be between 0 and 1,000,000."),
        ({"stock": "1000001"}, "stock", "Stock must be between 0 and 1,000,000."),
        ({"stock": "2.5"}, "stock", "Stock must be a whole number."),
        (
            {"low_stock_threshold": "-1"},
            "low_stock_threshold",
            "The low-stock threshold must be between 0 and 1,000,000.",
        ),
        (
            {"sku": "has space"},
            "sku",
            "A SKU has 1–64 letters, digits, dots, dashes, slashes or underscores.",
        ),
        ({"sku": ""}, "sku", "Give the variant a SKU."),
    ],
)
def test_bad_variant_values_are_refused_with_a_message_for_the_field(world, variant, key, message):
    values = {"sku": "V-1", "price": "10.00", **variant}
    data = shirt(option_names=[], variants=[VariantInput(**values)])
    before = state(world.shop_a)

    error = raised(lambda: product_create(shop=world.shop_a, data=data))

    assert error.errors == {f"variants.0.{key}": message}
    assert error.field == f"variants.0.{key}"
    assert state(world.shop_a) == before


@pytest.mark.parametrize(
    ("description", "message"),
    [
        (
            "Nice <script>alert(1)</script>",
            "The description can't contain <script> HTML. "
            "Write it in Markdown: **bold**, *italic*, lists and [links](https://example.com).",
        ),
        (
            '<p onclick="x()">hi</p>',
            "The description can't contain <p> HTML. Write it in "
            "Markdown: **bold**, *italic*, lists and [links](https://example.com).",
        ),
        (
            "[click](javascript:alert(1))",
            "Links in the description must start with https://, http:// or mailto:.",
        ),
        (
            "<iframe src=x></iframe>",
            "The description can't contain <iframe> HTML. Write it "
            "in Markdown: **bold**, *italic*, lists and [links](https://example.com).",
        ),
    ],
)
def test_unsafe_descriptions_are_refused_not_silently_cleaned(world, description, message):
    before = state(world.shop_a)

    error = raised(lambda: product_create(shop=world.shop_a, data=shirt(description=description)))

    assert error.errors == {"description": message}
    assert state(world.shop_a) == before


def test_markdown_becomes_sanitised_html(world):
    source = "## Care\n\n- Wash *cold*\n- [Guide](https://example.com/care)\n\nPlain <em>ok</em>."

    product = product_create(shop=world.shop_a, data=shirt(description=source))

    with tenant_context(world.shop_a):
        rendered = Product.objects.get(id=product.id).description_html
    assert rendered == (
        # "#" is the page's <h2> (the product title is its <h1>), so "##" is an <h3>.
        "<h3>Care</h3>\n<ul>\n<li>Wash <em>cold</em></li>\n<li>"
        '<a href="https://example.com/care" rel="nofollow noopener">Guide</a></li>\n</ul>\n'
        "<p>Plain <em>ok</em>.</p>"
    )


def test_every_problem_is_reported_at_once_and_nothing_is_saved(world):
    before = state(world.shop_a)
    data = ProductInput(
        title="  ",
        status="sold",
        option_names=["Size", "size"],
        attributes=[{"name": "Material", "value": ""}, {"name": "", "value": ""}],
        variants=[VariantInput(sku="", price="abc")],
    )

    error = raised(lambda: product_create(shop=world.shop_a, data=data))

    assert error.errors == {
        "title": "Give the product a title of 1–200 characters.",
        "status": "Choose draft, published or archived.",
        "option_names": "Each option name may appear once.",
        "attributes.0": "An attribute needs a name (≤ 60) and a value (≤ 200).",
        "variants.0.sku": "Give the variant a SKU.",
        "variants.0.price": "Enter an amount such as 19.99.",
        "variants.0.options": "Choose a value for each option (Size, size).",
    }
    assert error.message.startswith("7 fields need attention. ")
    assert state(world.shop_a) == before


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        (
            {
                "option_names": ["A", "B", "C", "D"],
                "variants": [
                    VariantInput(
                        sku="A", price="1.00", options={"A": "1", "B": "1", "C": "1", "D": "1"}
                    )
                ],
            },
            {"option_names": "A product has at most 3 options (such as size and colour)."},
        ),
        (
            {
                "option_names": [],
                "variants": [
                    VariantInput(sku="A", price="1.00"),
                    VariantInput(sku="B", price="1.00"),
                ],
            },
            {"option_names": "Name the options (such as Size) that tell variants apart."},
        ),
        (
            {"variants": []},
            {"variants": "A product needs at least one variant (its price and stock)."},
        ),
        (
            {
                "option_names": ["Size"],
                "variants": [
                    VariantInput(sku="A", price="1.00", options={"Size": "S"}),
                    VariantInput(sku="B", price="1.00", options={"Size": "S"}),
                ],
            },
            {"variants.1.options": "Another variant has the same options."},
        ),
        ({"category_id": 99999999}, {"category": "Choose a category from the list."}),
    ],
)
def test_product_level_rules(world, changes, errors):
    before = state(world.shop_a)

    error = raised(lambda: product_create(shop=world.shop_a, data=shirt(**changes)))

    assert error.errors == errors
    assert state(world.shop_a) == before


def test_a_category_from_the_platform_tree(world):
    mugs = CategoryFactory(name="Mugs", slug="mugs-services")

    product = product_create(shop=world.shop_a, data=shirt(category_id=mugs.id))

    assert listing(world.shop_a, product).category_id == mugs.id


# --- update ---------------------------------------------------------------------------------


def test_update_changes_adds_and_removes_variants_and_records_stock_edits(world):
    staff = member(world)
    product = product_create(shop=world.shop_a, actor=staff, data=shirt())
    with tenant_context(world.shop_a):
        small, medium = product.variants.order_by("position")

    product_update(
        shop=world.shop_a,
        actor=staff,
        product_id=product.id,
        data=shirt(
            title="Linen shirt, relaxed",
            variants=[
                VariantInput(
                    id=small.id,
                    stock_was=4,
                    sku="SH-S-W",
                    price="29.00",
                    stock=9,
                    options={"Size": "S", "Colour": "White"},
                ),
                VariantInput(
                    sku="SH-L-W", price="41.00", stock=2, options={"Size": "L", "Colour": "White"}
                ),
            ],
        ),
    )

    with tenant_context(world.shop_a):
        rows = list(
            Variant.objects.filter(product=product)
            .order_by("position")
            .values_list("id", "sku", "price", "stock")
        )
        movements = sorted(
            StockMovement.objects.filter(sku__startswith="SH-").values_list(
                "sku", "delta", "stock_after", "reason"
            )
        )
    assert rows[0] == (small.id, "SH-S-W", Decimal("29.00"), 9)
    assert rows[1][1:] == ("SH-L-W", Decimal("41.00"), 2)
    assert medium.id not in {row[0] for row in rows}
    assert movements == [
        ("SH-L-W", 2, 2, "initial"),
        ("SH-S-W", 4, 4, "initial"),
        ("SH-S-W", 5, 9, "edit"),
    ]
    row = listing(world.shop_a, product)
    assert (row.title, row.price) == ("Linen shirt, relaxed", Decimal("29.00"))


def test_update_refuses_to_overwrite_a_stock_that_changed_meanwhile(world):
    product = product_create(shop=world.shop_a, data=shirt())
    with tenant_context(world.shop_a):
        small, medium = product.variants.order_by("position")
    stock_adjust(shop=world.shop_a, actor=None, variant_id=small.id, delta=-1, reason="damaged")
    before = state(world.shop_a)

    error = raised(
        lambda: product_update(
            shop=world.shop_a,
            actor=None,
            product_id=product.id,
            data=shirt(
                title="Renamed",
                variants=[
                    VariantInput(
                        id=small.id,
                        stock_was=4,
                        sku="SH-S-W",
                        price="39.00",
                        stock=10,
                        options={"Size": "S", "Colour": "White"},
                    ),
                    VariantInput(
                        id=medium.id,
                        stock_was=0,
                        sku="SH-M-W",
                        price="35.00",
                        stock=0,
                        options={"Size": "M", "Colour": "White"},
                    ),
                ],
            ),
        )
    )

    assert error.errors == {
        "variants.0.stock": "Stock of SH-S-W changed from 4 to 3 since you opened this page "
        "(an order or a colleague). Check it and save again."
    }
    assert state(world.shop_a) == before


def test_update_of_an_unknown_product_is_404(world):
    error = raised(
        lambda: product_update(shop=world.shop_a, actor=None, product_id=999999, data=shirt())
    )

    assert (error.status, error.code) == (404, "not_found")


def test_a_sku_may_move_from_a_removed_variant_to_a_new_one(world):
    product = product_create(shop=world.shop_a, data=shirt())

    product_update(
        shop=world.shop_a,
        actor=None,
        product_id=product.id,
        data=shirt(
            variants=[
                VariantInput(
                    sku="SH-S-W", price="30.00", stock=1, options={"Size": "XS", "Colour": "White"}
                )
            ]
        ),
    )

    with tenant_context(world.shop_a):
        assert list(product.variants.values_list("sku", "options")) == [
            ("SH-S-W", {"Size": "XS", "Colour": "White"})
        ]


# --- delete ---------------------------------------------------------------------------------


def test_delete_removes_products_and_listings_but_keeps_stock_history(world):
    staff = member(world)
    product = product_create(shop=world.shop_a, actor=staff, data=shirt())
    other = make_product(shop=world.shop_b, title="Stays")

    deleted = products_delete(shop=world.shop_a, actor=staff, product_ids=[product.id, 424242])

    assert deleted == 1
    with tenant_context(world.shop_a):
        assert not Product.objects.filter(id=product.id).exists()
        assert list(
            StockMovement.objects.filter(sku="SH-S-W").values_list("variant_id", "delta")
        ) == [(None, 4)]
    assert not Listing.objects.filter(shop=world.shop_a, product_id=product.id).exists()
    assert Listing.objects.filter(shop=world.shop_b, product_id=other.id).exists()


# --- who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner_a", "manager_a", "staff_a"])
def test_every_role_of_the_shop_may_manage_products(world, who):
    product = product_create(shop=world.shop_a, actor=member(world, who), data=shirt())

    assert product.id is not None


def test_a_membership_of_another_shop_never_grants_anything(world):
    before = state(world.shop_a)

    with pytest.raises(PermissionDenied):
        product_create(shop=world.shop_a, actor=member(world, "owner_b"), data=shirt())
    with pytest.raises(PermissionDenied):
        products_delete(shop=world.shop_a, actor=member(world, "owner_b"), product_ids=[1, 2])

    assert state(world.shop_a) == before


def test_a_suspended_shop_changes_nothing(world):
    shop_suspend(shop=world.shop_a, reason="Review", by=UserFactory(is_staff=True))
    shop = Shop.objects.get(id=world.shop_a.id)
    before = state(shop)
    staff = member(world)

    error = raised(lambda: product_create(shop=shop, actor=staff, data=shirt()))
    status_error = raised(
        lambda: products_set_status(shop=shop, actor=staff, product_ids=[1], status="archived")
    )

    assert (error.code, status_error.code) == ("shop_suspended", "shop_suspended")
    assert state(shop) == before


def test_two_variants_may_swap_their_options_and_skus(world):
    """Each value is unique per product (options) or shop (SKU): a swap must not trip
    over the row that still holds the other's value halfway through."""
    product = product_create(shop=world.shop_a, data=shirt())
    with tenant_context(world.shop_a):
        small, medium = product.variants.order_by("position")

    product_update(
        shop=world.shop_a,
        actor=None,
        product_id=product.id,
        data=shirt(
            variants=[
                VariantInput(
                    id=small.id,
                    sku="SH-M-W",
                    price="39.00",
                    stock=4,
                    options={"Size": "M", "Colour": "White"},
                ),
                VariantInput(
                    id=medium.id,
                    sku="SH-S-W",
                    price="35.00",
                    stock=0,
                    options={"Size": "S", "Colour": "White"},
                ),
            ]
        ),
    )

    with tenant_context(world.shop_a):
        rows = list(
            Variant.objects.filter(product=product)
            .order_by("position")
            .values_list("id", "sku", "options")
        )
    assert rows == [
        (small.id, "SH-M-W", {"Size": "M", "Colour": "White"}),
        (medium.id, "SH-S-W", {"Size": "S", "Colour": "White"}),
    ]
