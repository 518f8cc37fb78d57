"""Opening a shop: /sell/new/ and POST /api/v1/shops, only for verified people."""

from __future__ import annotations

import io
import json

import pytest
from django_tenants.utils import schema_exists
from PIL import Image

from marketplace.events.models import OutboxEvent
from tenants.models import Membership, Shop
from tenants.services import MAX_SHOPS_PER_OWNER
from tests.factories import UserFactory, make_shop
from tests.tenants.support import image_bytes, upload, verified_user

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Gamma Ceramics",
    "slug": "gamma-ceramics",
    "description": "Bowls thrown by hand.",
    "support_email": "help@gamma.example",
    "country": "PT",
}
API_BODY = {k: v for k, v in FORM.items()}


def state() -> tuple[object, ...]:
    return (
        sorted(Shop.objects.values_list("slug", flat=True)),
        Membership.objects.count(),
        OutboxEvent.objects.filter(type="shop.created").count(),
    )


def api_post(client, body):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/shops", json.dumps(body), content_type="application/json")


# --- the form ---------------------------------------------------------------------------


def test_a_verified_user_opens_a_shop_and_lands_on_its_dashboard(world, as_user, media_root):
    person = verified_user()
    client = as_user(person)

    response = client.post("/sell/new/", {**FORM, "logo": upload(image_bytes("PNG"))})

    assert response.status_code == 302
    assert response["Location"] == "/sell/gamma-ceramics/"
    shop = Shop.objects.get(slug="gamma-ceramics")
    assert (
        shop.name,
        shop.description,
        shop.support_email,
        shop.country,
        shop.status,
        shop.schema_name,
    ) == (
        "Gamma Ceramics",
        "Bowls thrown by hand.",
        "help@gamma.example",
        "PT",
        "active",
        "shop_gamma_ceramics",
    )
    assert schema_exists("shop_gamma_ceramics")
    assert list(shop.memberships.values_list("user", "role")) == [(person.id, "owner")]
    assert shop.logo.name.startswith(f"shops/{shop.id}/logo/")
    assert shop.logo.name.endswith(".png")
    assert (media_root / shop.logo.name).exists()

    dashboard = client.get("/sell/gamma-ceramics/")
    assert dashboard.status_code == 200
    assert "Gamma Ceramics is open. Add your first product below." in dashboard.content.decode()


def test_the_form_page_offers_the_fields_and_prefills_the_support_email(world, as_user):
    person = verified_user(email="maker@example.test")

    response = as_user(person).get("/sell/new/")

    assert response.status_code == 200
    assert list(response.context["form"].fields) == [
        "name",
        "slug",
        "description",
        "logo",
        "support_email",
        "country",
    ]
    assert response.context["form"]["support_email"].value() == "maker@example.test"
    body = response.content.decode()
    assert 'enctype="multipart/form-data"' in body
    assert '<option value="PT">Portugal</option>' in body
    assert "/shops/<strong>your-address</strong>/" in body


def test_anonymous_visitors_are_sent_to_sign_in(world, as_user):
    before = state()

    get = as_user(None).get("/sell/new/")
    post = as_user(None).post("/sell/new/", FORM)

    assert (get.status_code, get["Location"]) == (302, "/accounts/login/?next=/sell/new/")
    assert (post.status_code, post["Location"]) == (302, "/accounts/login/?next=/sell/new/")
    assert state() == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_unverified_user_is_told_to_verify_and_nothing_is_created(world, as_user, method):
    before = state()
    client = as_user(UserFactory())

    response = client.get("/sell/new/") if method == "get" else client.post("/sell/new/", FORM)

    assert response.status_code == 403
    assert response.templates[0].name == "sellers/open_shop_unverified.html"
    body = response.content.decode()
    assert "Verify your email address before opening a shop" in body
    assert 'href="/accounts/"' in body
    assert 'action="/accounts/verify/resend/"' in body
    assert state() == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "This field is required."),
        ("name", "   ", "This field is required."),
        ("slug", "Bad Slug", "Use 3–40 lowercase letters, digits and single hyphens, "
         "starting and ending with a letter or digit."),
        ("slug", "admin", "“admin” is reserved; please choose another address."),
        ("slug", "alpha-goods", "The address “alpha-goods” is taken."),
        ("support_email", "nope", "Enter a valid email address."),
        ("support_email", "", "This field is required."),
        ("country", "XX", "Select a valid choice. XX is not one of the available choices."),
        ("country", "", "This field is required."),
        ("description", "x" * 2001, "Ensure this value has at most 2000 characters (it has 2001)."),
    ],
)  # fmt: skip
def test_bad_input_is_shown_at_the_field_and_nothing_is_created(
    world, as_user, field, value, message
):
    before = state()

    response = as_user(verified_user()).post("/sell/new/", {**FORM, field: value})

    assert response.status_code == 422
    assert response.context["form"].errors == {field: [message]}
    assert message.replace("“", "&ldquo;") in response.content.decode() or (
        message in response.content.decode()
    )
    assert state() == before
    # What the person typed comes back.
    for name, typed in FORM.items():
        if name != field:
            assert response.context["form"][name].value() == typed


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"GIF89a not really", "That file is not a JPEG, PNG or WebP image."),
        (b"\x00" * (10 * 1024 * 1024 + 1), "Images must be 10 MB or smaller."),
    ],
)  # fmt: skip
def test_a_bad_logo_is_refused_at_the_field_and_nothing_is_stored(
    world, as_user, media_root, content, message
):
    before = state()

    response = as_user(verified_user()).post("/sell/new/", {**FORM, "logo": upload(content)})

    assert response.status_code == 422
    assert response.context["form"].errors == {"logo": [message]}
    assert state() == before
    assert list(media_root.rglob("*.*")) == []


def test_the_logo_is_stored_without_its_exif(world, as_user, media_root):
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    content = image_bytes("JPEG", exif=exif.tobytes())

    as_user(verified_user()).post(
        "/sell/new/", {**FORM, "logo": upload(content, "me.jpg", "image/jpeg")}
    )

    stored = (media_root / Shop.objects.get(slug="gamma-ceramics").logo.name).read_bytes()
    assert b"SpyCam" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert (image.format, dict(image.getexif())) == ("JPEG", {})


def test_a_person_can_own_several_shops_up_to_the_cap(world, as_user):
    person = verified_user()
    for number in range(MAX_SHOPS_PER_OWNER - 1):
        make_shop(owner=person, slug=f"cap-shop-{number}")
    client = as_user(person)

    assert client.post("/sell/new/", FORM).status_code == 302
    before = state()
    response = client.post("/sell/new/", {**FORM, "slug": "one-too-many"})

    assert response.status_code == 422
    assert response.context["form"].non_field_errors() == [
        f"You already own {MAX_SHOPS_PER_OWNER} shops, the most one person can open. "
        "Contact support if you need more."
    ]
    assert state() == before


def test_new_is_not_mistaken_for_a_shop(world, as_user):
    """/sell/new/ runs in the public schema; no shop can be called "new"."""
    response = as_user(verified_user()).get("/sell/new/")

    assert response.status_code == 200
    assert response.wsgi_request.shop is None


# --- the live address hint --------------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        ("fresh-name", "/shops/<strong>fresh-name</strong>/"),
        ("alpha-goods", "The address “alpha-goods” is taken."),
        ("new", "“new” is reserved; please choose another address."),
        ("No Good", "Use 3–40 lowercase letters"),
        ("", "/shops/<strong>your-address</strong>/"),
    ],
)
def test_the_slug_hint_says_where_the_shop_will_be_or_what_is_wrong(world, as_user, slug, expected):
    response = as_user(verified_user()).get(
        "/sell/new/address/", {"slug": slug}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert expected in response.content.decode()


def test_the_slug_hint_needs_a_signed_in_user(world, as_user):
    response = as_user(None).get("/sell/new/address/", {"slug": "x"})

    assert response.status_code == 302


# --- the API ----------------------------------------------------------------------------


def test_the_api_opens_a_shop_for_a_verified_caller(world, as_user):
    person = verified_user()

    response = api_post(as_user(person), API_BODY)

    assert response.status_code == 201
    body = response.json()
    assert body.pop("created_at")
    assert body == {
        "slug": "gamma-ceramics",
        "name": "Gamma Ceramics",
        "description": "Bowls thrown by hand.",
        "support_email": "help@gamma.example",
        "country": "PT",
        "logo_url": None,
        "banner_url": None,
        "shipping_policy": "",
        "returns_policy": "",
        "shipping_flat_rate": "0.00",
        "free_shipping_threshold": None,
        "tax_rate": "0.00",
        "currency": "EUR",
        "status": "active",
    }
    assert Membership.objects.get(shop__slug="gamma-ceramics").user == person


def test_the_api_refuses_anonymous_callers(world, as_user):
    before = state()

    response = api_post(as_user(None), API_BODY)

    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication required.", "code": "not_authenticated"}
    assert state() == before


def test_the_api_refuses_an_unverified_caller(world, as_user):
    before = state()

    response = api_post(as_user(UserFactory()), API_BODY)

    assert response.status_code == 403
    assert response.json()["code"] == "email_not_verified"
    assert state() == before


def test_the_api_says_a_taken_slug_is_a_conflict(world, as_user):
    before = state()

    response = api_post(as_user(verified_user()), {**API_BODY, "slug": "alpha-goods"})

    assert response.status_code == 409
    assert response.json() == {
        "detail": [{"field": "slug", "message": "The address “alpha-goods” is taken."}],
        "code": "slug_taken",
    }
    assert state() == before


@pytest.mark.parametrize(
    "extra", [{"status": "active"}, {"owner_id": 1}, {"schema_name": "public"}]
)
def test_the_api_refuses_unknown_fields(world, as_user, extra):
    before = state()

    response = api_post(as_user(verified_user()), {**API_BODY, **extra})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert state() == before


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [("country", "ZZ", "invalid"), ("support_email", "x", "invalid"), ("name", " ", "invalid")],
)
def test_the_api_refuses_bad_values_at_the_field(world, as_user, field, value, code):
    response = api_post(as_user(verified_user()), {**API_BODY, field: value})

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["detail"][0]["field"] == field


def test_the_api_needs_csrf_with_a_session_cookie(world, as_user):
    from django.test import Client

    client = Client(HTTP_HOST="localhost", enforce_csrf_checks=True)
    client.force_login(verified_user())
    before = state()

    response = api_post(client, API_BODY)

    assert response.status_code == 403
    assert state() == before


def test_my_shops_in_the_api_lists_every_shop_with_the_role(world, as_user):
    person = UserFactory()
    Membership.objects.create(shop=world.shop_b, user=person, role="manager")
    Membership.objects.create(shop=world.shop_a, user=person, role="staff")

    response = as_user(person).get("/api/v1/me/shops")

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["page"], body["pages"]) == (2, 1, 1)
    assert [(item["shop"]["slug"], item["role"]) for item in body["items"]] == [
        ("alpha-goods", "staff"),
        ("beta-store", "manager"),
    ]
