"""The shop profile: name, logo, banner, policies, shipping and tax, in the dashboard
(/sell/<slug>/profile/) and the API (PATCH /api/v1/shops/<slug>, logo and banner)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from sellers.listings.models import Listing
from tenants.models import Shop
from tests.factories import UserFactory, make_product
from tests.tenants.support import image_bytes, upload

pytestmark = pytest.mark.django_db

PROFILE = "/sell/alpha-goods/profile/"
API = "/api/v1/shops/alpha-goods"
FORM = {
    "name": "Alpha Goods",
    "description": "Lamps.",
    "support_email": "care@alpha.example",
    "country": "NL",
    "shipping_policy": "Ships in 2 days.",
    "returns_policy": "30 days.",
    "shipping_flat_rate": "4.90",
    "free_shipping_threshold": "50",
    "tax_rate": "21",
}


def profile(shop_id: int) -> dict[str, object]:
    return Shop.objects.filter(id=shop_id).values().get()


def patch(client, body):  # type: ignore[no-untyped-def]
    return client.patch(API, json.dumps(body), content_type="application/json")


# --- the form ---------------------------------------------------------------------------


def test_a_manager_saves_policies_shipping_and_tax(world, as_user):
    response = as_user(world.manager_a).post(PROFILE, FORM)

    assert (response.status_code, response["Location"]) == (302, PROFILE)
    shop = Shop.objects.get(id=world.shop_a.id)
    assert (
        shop.shipping_policy,
        shop.returns_policy,
        shop.shipping_flat_rate,
        shop.free_shipping_threshold,
        shop.tax_rate,
    ) == ("Ships in 2 days.", "30 days.", Decimal("4.90"), Decimal("50.00"), Decimal("21.00"))


def test_empty_amounts_mean_none(world, as_user):
    Shop.objects.filter(id=world.shop_a.id).update(
        free_shipping_threshold=Decimal("40"),
        shipping_flat_rate=Decimal("5"),
        tax_rate=Decimal("9"),
    )

    as_user(world.owner_a).post(
        PROFILE,
        {**FORM, "free_shipping_threshold": "", "shipping_flat_rate": "", "tax_rate": ""},
    )

    shop = Shop.objects.get(id=world.shop_a.id)
    assert (shop.free_shipping_threshold, shop.shipping_flat_rate, shop.tax_rate) == (
        None,  # shipping is never free
        Decimal("0.00"),  # no shipping charge
        Decimal("0.00"),
    )


def test_the_form_shows_the_current_values_and_says_prices_include_tax(world, as_user):
    Shop.objects.filter(id=world.shop_a.id).update(
        shipping_flat_rate=Decimal("3.50"), tax_rate=Decimal("9.00")
    )

    response = as_user(world.owner_a).get(PROFILE)

    form = response.context["form"]
    assert (form["shipping_flat_rate"].value(), form["tax_rate"].value()) == (
        Decimal("3.50"),
        Decimal("9.00"),
    )
    body = response.content.decode()
    assert "Your prices include tax" in body
    assert '<label for="id_shipping_flat_rate">Shipping per order (EUR)' in body
    assert '<label for="id_free_shipping_threshold">Free shipping from (EUR)</label>' in body


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("shipping_flat_rate", "-1", "Ensure this value is greater than or equal to 0."),
        ("shipping_flat_rate", "4.999", "Ensure that there are no more than 2 decimal places."),
        ("shipping_flat_rate", "abc", "Enter a number."),
        ("free_shipping_threshold", "-5", "Ensure this value is greater than or equal to 0."),
        ("tax_rate", "100.01", "Ensure this value is less than or equal to 100."),
        ("tax_rate", "-0.5", "Ensure this value is greater than or equal to 0."),
        ("shipping_policy", "x" * 5001,
         "Ensure this value has at most 5000 characters (it has 5001)."),
        ("returns_policy", "x" * 5001,
         "Ensure this value has at most 5000 characters (it has 5001)."),
    ],
)  # fmt: skip
def test_bad_values_are_refused_at_the_field_and_nothing_changes(
    world, as_user, field, value, message
):
    before = profile(world.shop_a.id)

    response = as_user(world.owner_a).post(PROFILE, {**FORM, "name": "Changed", field: value})

    assert response.status_code == 422
    assert response.context["form"].errors == {field: [message]}
    assert response.context["form"]["name"].value() == "Changed"  # nothing typed is lost
    assert profile(world.shop_a.id) == before
    assert f'<p class="field__error" id="id_{field}_error">' in response.content.decode()


def test_every_faulty_field_is_reported_at_once(world, as_user):
    before = profile(world.shop_a.id)

    response = as_user(world.owner_a).post(
        PROFILE, {**FORM, "tax_rate": "150", "shipping_flat_rate": "-2", "banner": upload(b"x")}
    )

    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"tax_rate", "shipping_flat_rate"}
    assert profile(world.shop_a.id) == before


def test_logo_and_banner_are_stored_by_shop_id_with_their_sizes(world, as_user, media_root):
    client = as_user(world.owner_a)

    response = client.post(
        PROFILE,
        {
            **FORM,
            "logo": upload(image_bytes("PNG")),
            "banner": upload(image_bytes("JPEG", size=(1600, 400)), "b.jpg", "image/jpeg"),
        },
    )

    assert response.status_code == 302
    shop = Shop.objects.get(id=world.shop_a.id)
    assert shop.logo.name.startswith(f"shops/{shop.id}/logo/") and shop.logo.name.endswith(".png")
    assert shop.banner.name.startswith(f"shops/{shop.id}/banner/")
    assert shop.banner.name.endswith(".jpg")
    for name in (shop.logo.name, shop.banner.name):
        root, extension = name.rsplit(".", 1)
        assert (media_root / name).exists()
        for size in ("thumb", "card", "gallery"):
            assert (media_root / f"{root}_{size}.{extension}").exists()
    page = client.get("/shops/alpha-goods/").content.decode()
    banner_root = shop.banner.name.rsplit(".", 1)[0]
    assert f'src="/media/{banner_root}_gallery.jpg"' in page


def test_replacing_or_clearing_the_banner_deletes_the_old_files(world, as_user, media_root):
    client = as_user(world.owner_a)
    client.post(PROFILE, {**FORM, "banner": upload(image_bytes("PNG"))})
    first = Shop.objects.get(id=world.shop_a.id).banner.name

    client.post(PROFILE, {**FORM, "banner": upload(image_bytes("WEBP"), "b.webp")})
    second = Shop.objects.get(id=world.shop_a.id).banner.name
    client.post(PROFILE, {**FORM, "banner-clear": "on"})

    assert first != second and second.endswith(".webp")
    assert Shop.objects.get(id=world.shop_a.id).banner.name == ""
    assert list(media_root.rglob("*.*")) == []  # originals and sizes of both are gone


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.7", "That file is not a JPEG, PNG or WebP image."),
        (
            image_bytes("PNG", size=(300, 300))[:200],
            "That image is damaged or incomplete. Please export it again.",
        ),
    ],
)
def test_a_bad_banner_is_refused_at_the_field_and_nothing_is_stored(
    world, as_user, media_root, content, message
):
    before = profile(world.shop_a.id)

    response = as_user(world.owner_a).post(
        PROFILE, {**FORM, "name": "Changed", "banner": upload(content)}
    )

    assert response.status_code == 422
    assert response.context["form"].errors == {"banner": [message]}
    assert profile(world.shop_a.id) == before
    assert list(media_root.rglob("*.*")) == []


def test_staff_see_the_new_fields_read_only(world, as_user):
    Shop.objects.filter(id=world.shop_a.id).update(
        shipping_policy="Ships fast.", shipping_flat_rate=Decimal("4.90"), tax_rate=Decimal("21")
    )

    response = as_user(world.staff_a).get(PROFILE)

    body = response.content.decode()
    assert "Save profile" not in body
    assert "<dt>Shipping policy</dt><dd>Ships fast.</dd>" in body
    assert "<dt>Shipping</dt><dd>Flat EUR 4.90 per order</dd>" in body
    assert "<dt>Tax rate</dt><dd>21% (included in prices)</dd>" in body


# --- who may change it ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner_b", "shopper"])
def test_outsiders_are_refused_and_nothing_changes(world, as_user, who, media_root):
    before = profile(world.shop_a.id)
    client = as_user(getattr(world, who))

    form = client.post(PROFILE, {**FORM, "name": "Hijacked", "banner": upload(image_bytes())})
    api = patch(client, {"name": "Hijacked", "tax_rate": "0"})
    banner = client.post(API + "/banner", {"banner": upload(image_bytes())})
    removed = client.delete(API + "/logo")

    assert form.status_code == 403
    assert (api.status_code, api.json()["code"]) == (403, "permission_denied")
    assert (banner.status_code, removed.status_code) == (403, 403)
    assert profile(world.shop_a.id) == before
    assert list(media_root.rglob("*.*")) == []


def test_staff_may_not_edit_the_profile(world, as_user, media_root):
    before = profile(world.shop_a.id)
    client = as_user(world.staff_a)

    form = client.post(PROFILE, {**FORM, "name": "Staff edit"})
    api = patch(client, {"shipping_flat_rate": "0"})
    banner = client.post(API + "/banner", {"banner": upload(image_bytes())})

    assert form.status_code == 403
    assert "Your role (staff) doesn&#x27;t allow this in Alpha Goods." in form.content.decode()
    assert (api.status_code, api.json()["code"]) == (403, "role_not_allowed")
    assert (banner.status_code, banner.json()["code"]) == (403, "role_not_allowed")
    assert profile(world.shop_a.id) == before
    assert list(media_root.rglob("*.*")) == []


def test_anonymous_visitors_are_sent_to_sign_in_and_nothing_changes(world, as_user):
    before = profile(world.shop_a.id)
    client = as_user(None)

    form = client.post(PROFILE, {**FORM, "name": "Anonymous"})
    api = patch(client, {"name": "Anonymous"})

    assert (form.status_code, form["Location"]) == (302, f"/accounts/login/?next={PROFILE}")
    assert (api.status_code, api.json()["code"]) == (401, "not_authenticated")
    assert profile(world.shop_a.id) == before


def test_a_platform_admin_who_is_not_a_member_is_refused(world, as_user):
    before = profile(world.shop_a.id)

    response = as_user(UserFactory(is_staff=True)).post(PROFILE, {**FORM, "name": "Admin"})

    assert response.status_code == 403
    assert profile(world.shop_a.id) == before


# --- the API ----------------------------------------------------------------------------


def test_the_api_reads_and_patches_policies_shipping_and_tax(world, as_user):
    client = as_user(world.owner_a)

    response = patch(
        client,
        {
            "shipping_policy": "  Ships in 2 days.  ",
            "returns_policy": "30 days.",
            "shipping_flat_rate": "4.90",
            "free_shipping_threshold": 50,
            "tax_rate": 21,
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert {key: body[key] for key in (
        "shipping_policy", "returns_policy", "shipping_flat_rate",
        "free_shipping_threshold", "tax_rate", "currency", "banner_url",
    )} == {
        "shipping_policy": "Ships in 2 days.",
        "returns_policy": "30 days.",
        "shipping_flat_rate": "4.90",
        "free_shipping_threshold": "50.00",
        "tax_rate": "21.00",
        "currency": "EUR",
        "banner_url": None,
    }  # fmt: skip
    cleared = patch(client, {"free_shipping_threshold": None, "name": None})
    assert cleared.json()["free_shipping_threshold"] is None
    assert cleared.json()["name"] == "Alpha Goods"  # null for the name changes nothing
    assert client.get(API).json()["shipping_flat_rate"] == "4.90"


def test_the_api_reports_every_faulty_field_and_changes_nothing(world, as_user):
    before = profile(world.shop_a.id)

    response = patch(
        as_user(world.owner_a),
        {
            "name": "",
            "shipping_flat_rate": "-1",
            "free_shipping_threshold": "12.345",
            "tax_rate": 101,
            "returns_policy": "x" * 5001,
        },
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": [
            {"field": "name", "message": "Give the shop a name of 1–120 characters."},
            {"field": "returns_policy",
             "message": "Keep the policy under 5,000 characters; it has 5,001."},
            {"field": "shipping_flat_rate", "message": "Enter an amount from 0 to 9,999.99."},
            {"field": "free_shipping_threshold", "message": "Use at most two decimal places."},
            {"field": "tax_rate", "message": "Enter a percentage from 0 to 100."},
        ],
        "code": "invalid",
    }  # fmt: skip
    assert profile(world.shop_a.id) == before


def test_the_api_refuses_a_non_number_at_the_field(world, as_user):
    response = patch(as_user(world.owner_a), {"tax_rate": "lots"})

    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "tax_rate"


def test_the_api_uploads_and_removes_a_banner(world, as_user, media_root):
    client = as_user(world.manager_a)

    uploaded = client.post(API + "/banner", {"banner": upload(image_bytes("PNG"))})
    name = Shop.objects.get(id=world.shop_a.id).banner.name
    removed = client.delete(API + "/banner")

    assert uploaded.status_code == 200
    assert name.startswith(f"shops/{world.shop_a.id}/banner/")
    assert uploaded.json()["banner_url"] == f"http://localhost/media/{name}"
    assert removed.json()["banner_url"] is None
    assert list(media_root.rglob("*.*")) == []


def test_a_bad_banner_through_the_api_is_refused_at_the_field(world, as_user, media_root):
    response = as_user(world.owner_a).post(API + "/banner", {"banner": upload(b"GIF89a")})

    assert response.status_code == 400
    assert response.json() == {
        "detail": [{"field": "banner", "message": "That file is not a JPEG, PNG or WebP image."}],
        "code": "image_type",
    }
    assert Shop.objects.get(id=world.shop_a.id).banner.name == ""
    assert list(media_root.rglob("*.*")) == []


# --- renaming keeps the listings' search text in step -----------------------------------


def test_renaming_the_shop_updates_its_listings_search_text(world, as_user):
    make_product(shop=world.shop_a, title="Brass lamp")

    as_user(world.owner_a).post(PROFILE, {**FORM, "name": "Lumen Atelier"})

    texts = dict(Listing.objects.filter(shop=world.shop_a).values_list("title", "search_text"))
    assert all("Lumen Atelier" in text and "Alpha Goods" not in text for text in texts.values())
    assert set(texts) == {"Alpha lamp", "Brass lamp"}
    assert Listing.objects.get(shop=world.shop_b).search_text == "Beta Store"


def test_renaming_through_the_api_updates_the_listings_too(world, as_user):
    patch(as_user(world.manager_a), {"name": "Lumen Atelier"})

    assert Listing.objects.get(shop=world.shop_a).search_text == "Lumen Atelier"


def test_other_profile_changes_leave_the_listings_alone(world, as_user):
    before = list(Listing.objects.filter(shop=world.shop_a).values_list("id", "updated_at"))

    patch(as_user(world.owner_a), {"tax_rate": "9"})

    assert list(Listing.objects.filter(shop=world.shop_a).values_list("id", "updated_at")) == before
