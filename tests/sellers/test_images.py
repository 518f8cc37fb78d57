"""Product images in the dashboard over HTTP: upload (several files, each checked on its
own), alt text, order, delete; bad input; who may do it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse

from marketplace.media.images import MEGABYTE
from sellers.catalog.models import Product, ProductImage
from sellers.catalog.services.images import product_image_add
from sellers.listings.models import Listing
from tenants.models import Shop
from tenants.schemas import shop_schema
from tenants.services import shop_suspend
from tests.factories import UserFactory
from tests.media.support import image_bytes, png_header

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true", "HX-Target": "product-images-list"}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
SECTION = "sellers/images/partial.html"
PAGE = "sellers/images/page.html"


# --- helpers ----------------------------------------------------------------------------


def jpeg(name: str = "photo.jpg", size: tuple[int, int] = (320, 240)) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes("JPEG", size=size), content_type="image/jpeg")


def file(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def product_id(shop: Shop, title: str) -> int:
    with shop_schema(shop):
        return Product.objects.get(title=title).id


def rows(shop: Shop) -> list[tuple[int, int, str, str, int]]:
    """(id, product id, name, alt, position) of every image of the shop."""
    with shop_schema(shop):
        return list(
            ProductImage.objects.order_by("product_id", "position", "id").values_list(
                "id", "product_id", "name", "alt", "position"
            )
        )


def files_under(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def listings() -> list[tuple[str, str, str]]:
    return sorted(Listing.objects.values_list("shop__slug", "image_name", "image_alt"))


def edit_url(shop_slug: str, product: int) -> str:
    """Where plain posts return: the product edit page's images section (the images page
    while the edit page doesn't exist)."""
    kwargs = {"shop_slug": shop_slug, "product_id": product}
    try:
        return reverse("sellers:product_edit", kwargs=kwargs) + "#product-images"
    except NoReverseMatch:
        return f"/sell/{shop_slug}/products/{product}/images/"


def errors_in(response) -> list[str]:  # type: ignore[no-untyped-def]
    body = response.content.decode()
    block = re.search(r"data-upload-errors>(.*?)</div>", body, flags=re.DOTALL)
    return re.findall(r"<li>([^<]*)</li>", block.group(1)) if block else []


@dataclass
class Alpha:
    lamp: int
    images: list[ProductImage]


@pytest.fixture
def lamp(world) -> int:  # type: ignore[no-untyped-def]
    return product_id(world.shop_a, "Alpha lamp")


@pytest.fixture
def alpha(world, lamp, media_root) -> Alpha:  # type: ignore[no-untyped-def]
    """The lamp with three images (alt #1, #2, #3)."""
    images = [
        product_image_add(
            shop=world.shop_a, actor=None, product_id=lamp, upload=jpeg(f"{n}.jpg"), alt=f"#{n}"
        )
        for n in (1, 2, 3)
    ]
    return Alpha(lamp=lamp, images=images)


def upload_url(product: int, shop_slug: str = "alpha-goods") -> str:
    return f"/sell/{shop_slug}/products/{product}/images/"


def order_url(product: int, shop_slug: str = "alpha-goods") -> str:
    return f"/sell/{shop_slug}/products/{product}/images/order/"


def alt_url(image_id: int, shop_slug: str = "alpha-goods") -> str:
    return f"/sell/{shop_slug}/images/{image_id}/"


def move_url(image_id: int, shop_slug: str = "alpha-goods") -> str:
    return f"/sell/{shop_slug}/images/{image_id}/move/"


def delete_url(image_id: int, shop_slug: str = "alpha-goods") -> str:
    return f"/sell/{shop_slug}/images/{image_id}/delete/"


def template_names(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [template.name for template in response.templates]


# --- the section ------------------------------------------------------------------------


def test_the_images_page_shows_each_thumbnail_with_its_controls(world, as_user, alpha):
    response = as_user(world.staff_a).get(upload_url(alpha.lamp))

    assert response.status_code == 200
    assert template_names(response)[0] == PAGE
    assert [image.id for image in response.context["images"]] == [i.id for i in alpha.images]
    body = response.content.decode()
    for number, image in enumerate(alpha.images, start=1):
        thumb = "/media/" + image.name.replace(".jpg", "_thumb.jpg")
        assert f'src="{thumb}" alt="#{number}" width="96" height="96"' in body
        assert f'action="/sell/alpha-goods/images/{image.id}/"' in body
        assert f'action="/sell/alpha-goods/images/{image.id}/delete/"' in body
    assert body.count('name="direction" value="up"') == 3
    assert f'id="move-up-{alpha.images[0].id}" disabled' in body
    assert f'id="move-down-{alpha.images[2].id}" disabled' in body
    assert "3 of 20 images" in body
    assert 'type="file" name="images" multiple accept="image/jpeg,image/png,image/webp"' in body


def test_htmx_gets_the_section_alone_in_a_pinned_number_of_queries(
    world, as_user, alpha, django_assert_num_queries
):
    client = as_user(world.owner_a)
    client.get(upload_url(alpha.lamp), headers=HTMX)  # warm the session and caches

    # public schema, shop, shop schema, user, memberships, product, images
    with django_assert_num_queries(7):
        response = client.get(upload_url(alpha.lamp), headers=HTMX)

    assert response.status_code == 200
    assert template_names(response)[0] == SECTION


def test_an_unknown_product_is_404(world, as_user, media_root):
    response = as_user(world.owner_a).get(upload_url(999_999))

    assert response.status_code == 404


# --- upload -----------------------------------------------------------------------------


def test_several_files_are_added_at_once_and_a_plain_post_returns_to_the_product(
    world, as_user, lamp, media_root
):
    client = as_user(world.owner_a)

    response = client.post(upload_url(lamp), {"images": [jpeg("front.jpg"), jpeg("back.jpg")]})

    assert response.status_code == 302
    assert response["Location"] == edit_url("alpha-goods", lamp)
    saved = rows(world.shop_a)
    assert [(row[1], row[4]) for row in saved] == [(lamp, 0), (lamp, 1)]
    assert len(files_under(media_root)) == 8  # two originals, three sizes each
    followed = client.get(upload_url(lamp))
    assert [str(message) for message in followed.context["messages"]] == ["2 images added."]


def test_htmx_uploads_get_the_section_back_with_a_notice(world, as_user, lamp, media_root):
    response = as_user(world.staff_a).post(
        upload_url(lamp), {"images": [jpeg("one.jpg")]}, headers=HTMX
    )

    assert response.status_code == 200
    assert template_names(response)[0] == SECTION
    assert response.context["notice"] == "1 image added."
    assert len(response.context["images"]) == 1
    assert "1 image added." in response.content.decode()


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_good_files_are_kept_and_each_bad_one_is_named_with_its_reason(
    world, as_user, lamp, media_root, headers
):
    response = as_user(world.owner_a).post(
        upload_url(lamp),
        {
            "images": [
                jpeg("good.jpg"),
                file("notes.pdf", PDF, "application/pdf"),
                file("fake.jpg", PDF),
                file("tiny.png", image_bytes("PNG"), "image/png"),
            ]
        },
        headers=headers,
    )

    assert response.status_code == 422
    assert template_names(response)[0] == (SECTION if headers else PAGE)
    expected = [
        "notes.pdf: That file is not a JPEG, PNG or WebP image.",
        "fake.jpg: That file is not a JPEG, PNG or WebP image.",
    ]
    assert response.context["upload_errors"] == expected
    assert errors_in(response) == expected
    assert response.context["notice"] == "2 images added."
    assert len(rows(world.shop_a)) == 2
    assert len(files_under(media_root)) == 8


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (file("invoice.jpg", PDF), "invoice.jpg: That file is not a JPEG, PNG or WebP image."),
        (
            file("huge.jpg", b"\xff\xd8\xff" + b"\0" * (10 * MEGABYTE - 2)),
            "huge.jpg: Images must be 10 MB or smaller.",
        ),
        (
            file("bomb.png", png_header(width=8000, height=5001), "image/png"),
            "bomb.png: Images must be at most 40 megapixels.",
        ),
    ],
    ids=["pdf-named-jpg", "10-MB-plus-1", "over-40-megapixels"],
)
def test_a_refused_file_is_422_with_its_message_and_saves_nothing(
    world, as_user, lamp, media_root, upload, message
):
    before = listings()

    response = as_user(world.owner_a).post(upload_url(lamp), {"images": [upload]}, headers=HTMX)

    assert response.status_code == 422
    assert errors_in(response) == [message]
    assert response.context["notice"] == ""
    assert rows(world.shop_a) == []
    assert files_under(media_root) == []
    assert listings() == before


def test_the_twenty_first_image_is_refused(world, as_user, lamp, media_root):
    with shop_schema(world.shop_a):
        ProductImage.objects.bulk_create(
            ProductImage(product_id=lamp, name=f"x/{n}.jpg", width=1, height=1, position=n)
            for n in range(20)
        )
    before = rows(world.shop_a)

    response = as_user(world.owner_a).post(
        upload_url(lamp), {"images": [jpeg("twenty-one.jpg")]}, headers=HTMX
    )

    assert response.status_code == 422
    assert errors_in(response) == [
        "twenty-one.jpg: A product has at most 20 images. Delete one first."
    ]
    assert "20 of 20 images — the most a product can have." in response.content.decode()
    assert rows(world.shop_a) == before
    assert files_under(media_root) == []


def test_a_post_without_files_asks_for_one(world, as_user, lamp, media_root):
    response = as_user(world.owner_a).post(upload_url(lamp), {}, headers=HTMX)

    assert response.status_code == 422
    assert errors_in(response) == ["Choose one or more JPEG, PNG or WebP images to upload."]


def test_uploading_to_an_unknown_product_is_404_and_stores_nothing(world, as_user, media_root):
    response = as_user(world.owner_a).post(upload_url(999_999), {"images": [jpeg()]})

    assert response.status_code == 404
    assert files_under(media_root) == []


# --- alt text ---------------------------------------------------------------------------


def test_alt_text_is_saved_in_place(world, as_user, alpha):
    image = alpha.images[1]

    response = as_user(world.owner_a).post(alt_url(image.id), {"alt": " Lamp, lit "}, headers=HTMX)

    assert response.status_code == 200
    assert template_names(response)[0] == SECTION
    assert response.context["notice"] == "Alt text saved."
    assert [row[3] for row in rows(world.shop_a)] == ["#1", "Lamp, lit", "#3"]


def test_a_plain_alt_post_returns_to_the_product(world, as_user, alpha):
    response = as_user(world.owner_a).post(alt_url(alpha.images[0].id), {"alt": "Front"})

    assert response.status_code == 302
    assert response["Location"] == edit_url("alpha-goods", alpha.lamp)
    assert listings() == sorted(
        [
            ("alpha-goods", alpha.images[0].name, "Front"),
            ("beta-store", "", ""),
        ]
    )


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_too_long_alt_text_is_422_at_its_field_and_keeps_what_was_typed(
    world, as_user, alpha, headers
):
    image = alpha.images[0]
    typed = "A very long description " * 11  # 264 characters
    before = rows(world.shop_a)

    response = as_user(world.owner_a).post(alt_url(image.id), {"alt": typed}, headers=headers)

    assert response.status_code == 422
    assert template_names(response)[0] == (SECTION if headers else PAGE)
    body = response.content.decode()
    message = "Keep the alt text to 250 characters or fewer; it has 263."
    assert response.context["alt_error"] == {
        "image_id": image.id,
        "message": message,
        "value": typed,
    }
    assert f'<p class="field__error" id="alt-{image.id}-error">{message}</p>' in body
    assert f'value="{typed}" aria-invalid="true"' in body
    assert rows(world.shop_a) == before


# --- order ------------------------------------------------------------------------------


def test_dragging_saves_the_whole_order(world, as_user, alpha):
    a, b, c = alpha.images

    response = as_user(world.owner_a).post(
        order_url(alpha.lamp), {"image_ids": [c.id, a.id, b.id]}, headers=HTMX
    )

    assert response.status_code == 200
    assert response.context["notice"] == "The new order is saved."
    assert [image.id for image in response.context["images"]] == [c.id, a.id, b.id]
    assert [(row[0], row[4]) for row in rows(world.shop_a)] == [(c.id, 0), (a.id, 1), (b.id, 2)]
    assert ("alpha-goods", c.name, "#3") in listings()


@pytest.mark.parametrize(
    "image_ids",
    [["foreign"], ["1", "x"], []],
    ids=["foreign-image", "not-a-number", "nothing"],
)
def test_an_order_with_a_foreign_or_broken_id_changes_nothing(world, as_user, alpha, image_ids):
    chair = product_id(world.shop_a, "Alpha draft chair")
    foreign = product_image_add(shop=world.shop_a, actor=None, product_id=chair, upload=jpeg())
    a, b, _ = alpha.images
    ids = [a.id, b.id, foreign.id] if image_ids == ["foreign"] else image_ids
    before = rows(world.shop_a)

    response = as_user(world.owner_a).post(order_url(alpha.lamp), {"image_ids": ids}, headers=HTMX)

    assert response.status_code == 422
    expected = (
        "The new order was not understood. Reload the page and try again."
        if image_ids == ["1", "x"]
        else "The images changed meanwhile. Reload the page and try again."
    )
    assert response.context["order_error"] == expected
    assert expected in response.content.decode()
    assert rows(world.shop_a) == before


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_the_up_and_down_buttons_move_one_place(world, as_user, alpha, headers):
    a, b, c = alpha.images
    client = as_user(world.manager_a)

    up = client.post(move_url(c.id), {"direction": "up"}, headers=headers)
    down = client.post(move_url(a.id), {"direction": "down"}, headers=headers)

    if headers:
        assert (up.status_code, up.context["notice"]) == (200, "Image moved earlier.")
        assert (down.status_code, down.context["notice"]) == (200, "Image moved later.")
    else:
        assert (up.status_code, down.status_code) == (302, 302)
        assert down["Location"] == edit_url("alpha-goods", alpha.lamp)
    assert [row[0] for row in rows(world.shop_a)] == [c.id, a.id, b.id]


def test_a_move_without_a_direction_is_422(world, as_user, alpha):
    before = rows(world.shop_a)

    response = as_user(world.owner_a).post(move_url(alpha.images[0].id), {}, headers=HTMX)

    assert response.status_code == 422
    assert response.context["order_error"] == "Move an image up or down."
    assert rows(world.shop_a) == before


# --- delete -----------------------------------------------------------------------------


def test_the_delete_button_asks_first_without_javascript(world, as_user, alpha):
    body = as_user(world.owner_a).get(upload_url(alpha.lamp)).content.decode()

    image = alpha.images[0]
    confirm = re.search(
        r'<details class="image-item__delete">((?:(?!</details>).)*?'
        + re.escape(delete_url(image.id))
        + r".*?)</details>",
        body,
        flags=re.DOTALL,
    )
    assert confirm is not None
    assert "Delete this image for good?" in confirm.group(0)
    assert "Yes, delete image 1" in confirm.group(0)


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_deleting_removes_the_image_and_its_files(
    world, as_user, alpha, media_root, headers, django_capture_on_commit_callbacks
):
    a, b, c = alpha.images

    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(world.owner_a).post(delete_url(a.id), headers=headers)

    if headers:
        assert (response.status_code, response.context["notice"]) == (200, "Image deleted.")
        assert [image.id for image in response.context["images"]] == [b.id, c.id]
    else:
        assert response.status_code == 302
        assert response["Location"] == edit_url("alpha-goods", alpha.lamp)
    assert [row[0] for row in rows(world.shop_a)] == [b.id, c.id]
    stem = a.name.removesuffix(".jpg")
    assert [name for name in files_under(media_root) if name.startswith(stem)] == []
    assert len(files_under(media_root)) == 8


@pytest.mark.parametrize("route", [alt_url, move_url, delete_url])
def test_get_on_a_write_route_is_405(world, as_user, alpha, route):
    assert as_user(world.owner_a).get(route(alpha.images[0].id)).status_code == 405


# --- who may -----------------------------------------------------------------------------


def requests_on(alpha: Alpha) -> dict[str, tuple[str, str, dict]]:
    a, b, c = alpha.images
    return {
        "view": ("get", upload_url(alpha.lamp), {}),
        "upload": ("post", upload_url(alpha.lamp), {"images": [jpeg("x.jpg")]}),
        "alt": ("post", alt_url(a.id), {"alt": "hacked"}),
        "order": ("post", order_url(alpha.lamp), {"image_ids": [c.id, b.id, a.id]}),
        "move": ("post", move_url(c.id), {"direction": "up"}),
        "delete": ("post", delete_url(a.id), {}),
    }


ACTIONS = ["view", "upload", "alt", "order", "move", "delete"]


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("who", ["owner_b", "shopper", "anonymous"])
@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_outsiders_can_neither_see_nor_change_the_images(
    world, as_user, alpha, media_root, who, action, headers, django_capture_on_commit_callbacks
):
    user = None if who == "anonymous" else getattr(world, who)
    method, url, data = requests_on(alpha)[action]
    before = (rows(world.shop_a), files_under(media_root), listings())

    with django_capture_on_commit_callbacks(execute=True):
        response = getattr(as_user(user), method)(url, data, headers=headers)

    if user is None:
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url}"
    else:
        assert response.status_code == 403
        assert template_names(response)[0] == "403.html"
    assert (rows(world.shop_a), files_under(media_root), listings()) == before


@pytest.mark.parametrize("action", ["upload", "alt", "order", "move", "delete"])
def test_a_suspended_shop_refuses_every_change(world, as_user, alpha, media_root, action):
    shop_suspend(shop=world.shop_a, reason="Counterfeit goods", by=UserFactory(is_staff=True))
    method, url, data = requests_on(alpha)[action]
    before = (rows(world.shop_a), files_under(media_root))

    response = getattr(as_user(world.owner_a), method)(url, data)

    assert response.status_code == 403
    assert response.context["error"].code == "shop_suspended"
    assert (rows(world.shop_a), files_under(media_root)) == before


def test_a_suspended_shops_images_stay_readable_without_controls(world, as_user, alpha):
    shop_suspend(shop=world.shop_a, reason="Counterfeit goods", by=UserFactory(is_staff=True))

    response = as_user(world.staff_a).get(upload_url(alpha.lamp))

    body = response.content.decode()
    assert response.status_code == 200
    assert 'type="file"' not in body
    assert "/delete/" not in body
    assert '<p class="image-item__alt-text">#1</p>' in body


@pytest.fixture
def kettle_image(world, media_root) -> ProductImage:  # type: ignore[no-untyped-def]
    kettle = product_id(world.shop_b, "Beta kettle")
    return product_image_add(
        shop=world.shop_b, actor=None, product_id=kettle, upload=jpeg("kettle.jpg"), alt="kettle"
    )


@pytest.mark.parametrize("action", ["alt", "move", "delete"])
def test_another_shops_image_id_is_404_here(world, as_user, alpha, kettle_image, action):
    """Shops' schemas are separate: an id from beta-store finds nothing in alpha-goods."""
    with shop_schema(world.shop_a):
        ProductImage.objects.filter(id=kettle_image.id).delete()  # make sure ids differ
    route = {"alt": alt_url, "move": move_url, "delete": delete_url}[action]
    before = (rows(world.shop_a), rows(world.shop_b))

    response = as_user(world.owner_a).post(
        route(kettle_image.id), {"alt": "mine now", "direction": "up"}
    )

    assert response.status_code == 404
    assert (rows(world.shop_a), rows(world.shop_b)) == before


def test_another_shops_product_id_is_404_here(world, as_user, media_root):
    kettle = product_id(world.shop_b, "Beta kettle")
    with shop_schema(world.shop_a):
        assert not Product.objects.filter(id=kettle + 1000).exists()

    response = as_user(world.owner_b).post(
        upload_url(kettle + 1000, shop_slug="beta-store"), {"images": [jpeg()]}
    )

    assert response.status_code == 404
    assert files_under(media_root) == []


def test_the_same_image_id_in_two_shops_reaches_only_the_shop_in_the_address(
    world, as_user, alpha, media_root, django_capture_on_commit_callbacks
):
    kettle = product_id(world.shop_b, "Beta kettle")
    alpha_image = alpha.images[0]
    with shop_schema(world.shop_b):
        ProductImage.objects.create(
            id=alpha_image.id, product_id=kettle, name="x/beta.jpg", width=1, height=1, alt="beta"
        )
    before_alpha = rows(world.shop_a)

    owner_b = as_user(world.owner_b)
    alt = owner_b.post(alt_url(alpha_image.id, shop_slug="beta-store"), {"alt": "beta, new"})
    with django_capture_on_commit_callbacks(execute=True):
        deleted = owner_b.post(delete_url(alpha_image.id, shop_slug="beta-store"))
    denied = owner_b.post(delete_url(alpha_image.id))  # the same id, in alpha-goods

    assert (alt.status_code, deleted.status_code, denied.status_code) == (302, 302, 403)
    assert rows(world.shop_b) == []
    assert rows(world.shop_a) == before_alpha
    assert (media_root / alpha_image.name).exists()
