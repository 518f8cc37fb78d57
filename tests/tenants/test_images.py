"""Shop logos and banners go through marketplace.media (checked by content, EXIF removed,
stored under the shop's id with their sizes). The checks themselves are tested in
tests/media; these tests pin how the shop services use them."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from marketplace.errors import ApplicationError
from marketplace.media.images import MAX_IMAGE_BYTES
from tenants import services
from tenants.models import Membership, Shop
from tenants.services import shop_create, shop_profile_update
from tests.factories import UserFactory, make_shop
from tests.tenants.support import image_bytes, upload

pytestmark = pytest.mark.django_db


def exif_with_gps_and_orientation(orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x0112] = orientation  # Orientation
    exif[0x8825] = {1: "N", 2: (52.0, 22.0, 1.0)}  # GPS IFD
    return exif.tobytes()


def owner_of(shop: Shop) -> Membership:
    return Membership.objects.get(shop=shop, role="owner")


def stored_files(root) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(str(path.relative_to(root)) for path in root.rglob("*.*"))


@pytest.mark.parametrize(
    ("image_format", "extension"), [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp")]
)
def test_a_logo_is_stored_under_the_shops_id_with_every_size(
    world, media_root, image_format, extension
):
    shop = make_shop(name="Logo Shop")

    shop_profile_update(
        actor=owner_of(shop), shop=shop, logo=upload(image_bytes(image_format), f"l.{extension}")
    )

    name = Shop.objects.get(id=shop.id).logo.name
    root = name.removesuffix(f".{extension}")
    assert root.startswith(f"shops/{shop.id}/logo/") and len(root.rsplit("/", 1)[1]) == 32
    assert stored_files(media_root) == sorted(
        [name] + [f"{root}_{size}.{extension}" for size in ("card", "gallery", "thumb")]
    )


def test_a_banner_is_stored_in_its_own_folder(world, media_root):
    shop = make_shop(name="Banner Shop")

    shop_profile_update(
        actor=owner_of(shop), shop=shop, banner=upload(image_bytes("PNG", size=(1600, 400)))
    )

    name = Shop.objects.get(id=shop.id).banner.name
    assert name.startswith(f"shops/{shop.id}/banner/") and name.endswith(".png")
    with Image.open(media_root / name) as image:
        assert image.size == (1600, 400)


def test_a_logo_given_when_the_shop_opens_is_stored_under_the_new_shops_id(world, media_root):
    shop = shop_create(
        name="Opened With Logo",
        slug="opened-with-logo",
        owner=UserFactory(),
        logo=upload(image_bytes("PNG")),
    )

    assert shop.logo.name.startswith(f"shops/{shop.id}/logo/")
    assert Shop.objects.get(slug="opened-with-logo").logo.name == shop.logo.name
    assert (media_root / shop.logo.name).exists()


def test_a_failed_opening_leaves_no_logo_behind(world, media_root):
    with pytest.raises(ApplicationError):
        shop_create(
            name="Taken",
            slug="alpha-goods",
            owner=UserFactory(),
            logo=upload(image_bytes("PNG")),
        )

    assert stored_files(media_root) == []


def test_exif_is_stripped_and_its_orientation_applied(world, media_root):
    shop = make_shop(name="Exif Shop")
    # Orientation 6: the camera was turned; the upright picture is 48 wide, 64 high.
    content = image_bytes("JPEG", size=(64, 48), exif=exif_with_gps_and_orientation(6))

    shop_profile_update(
        actor=owner_of(shop), shop=shop, logo=upload(content, "me.jpg", "image/jpeg")
    )

    stored = (media_root / Shop.objects.get(id=shop.id).logo.name).read_bytes()
    assert b"SpyCam" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert (dict(image.getexif()), image.size) == ({}, (48, 64))


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        (b"GIF89a not really", "image_type", "That file is not a JPEG, PNG or WebP image."),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image_type",
         "That file is not a JPEG, PNG or WebP image."),
        (image_bytes("PNG", size=(300, 300))[:200], "image_corrupt",
         "That image is damaged or incomplete. Please export it again."),
    ],
)  # fmt: skip
@pytest.mark.parametrize("field", ["logo", "banner"])
def test_files_that_are_not_usable_images_are_refused_at_their_field(
    world, media_root, field, content, code, message
):
    shop = make_shop(name="Refusing Shop")
    before = Shop.objects.filter(id=shop.id).values().get()

    with pytest.raises(ApplicationError) as error:
        shop_profile_update(actor=owner_of(shop), shop=shop, **{field: upload(content)})

    assert (error.value.field, error.value.message) == (field, message)
    assert error.value.errors == {field: message}
    assert Shop.objects.filter(id=shop.id).values().get() == before
    assert stored_files(media_root) == []


def test_more_than_ten_megabytes_is_refused_before_decoding(world, media_root):
    shop = make_shop(name="Big Shop")
    big = upload(image_bytes("PNG"))
    big.size = MAX_IMAGE_BYTES + 1

    with pytest.raises(ApplicationError) as error:
        shop_profile_update(actor=owner_of(shop), shop=shop, banner=big)

    assert (error.value.field, error.value.message) == (
        "banner",
        "Images must be 10 MB or smaller.",
    )
    assert stored_files(media_root) == []


def test_a_bad_field_elsewhere_stores_no_image(world, media_root):
    shop = make_shop(name="Careful Shop")

    with pytest.raises(ApplicationError) as error:
        shop_profile_update(
            actor=owner_of(shop),
            shop=shop,
            logo=upload(image_bytes("PNG")),
            banner=upload(image_bytes("PNG")),
            tax_rate="101",
        )

    assert error.value.errors == {"tax_rate": "Enter a percentage from 0 to 100."}
    assert stored_files(media_root) == []


def test_a_failing_profile_hook_rolls_back_and_removes_the_new_files(
    world, media_root, monkeypatch
):
    shop = make_shop(name="Hooked Shop")
    before = Shop.objects.filter(id=shop.id).values().get()

    def failing_hook(*, shop: Shop, fields: frozenset[str]) -> None:
        raise RuntimeError("downstream failure")

    monkeypatch.setattr(services, "_profile_hooks", [failing_hook])
    with pytest.raises(RuntimeError):
        shop_profile_update(
            actor=owner_of(shop), shop=shop, name="Renamed", banner=upload(image_bytes("PNG"))
        )

    assert Shop.objects.filter(id=shop.id).values().get() == before
    assert stored_files(media_root) == []


def test_profile_hooks_hear_only_fields_that_changed(world, monkeypatch):
    shop = make_shop(name="Quiet Shop")
    heard: list[tuple[str, frozenset[str]]] = []
    monkeypatch.setattr(
        services,
        "_profile_hooks",
        [lambda *, shop, fields: heard.append((shop.name, fields))],
    )

    shop_profile_update(actor=owner_of(shop), shop=shop, name="Quiet Shop", tax_rate="0")
    shop_profile_update(actor=owner_of(shop), shop=shop, name="Loud Shop", tax_rate="0")

    assert heard == [("Loud Shop", frozenset({"name"}))]
