"""Browser tests: product images in the dashboard — several files at once (file picker and
drag and drop) with per-file progress, a refused file named with its reason, drag to
reorder, alt text, move buttons, delete; and the same without JavaScript."""

from __future__ import annotations

import base64
import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.fixtures import ARTIFACTS, sign_in
from tests.e2e.test_shops import committed
from tests.factories import PASSWORD, UserFactory, make_product, make_shop
from tests.media.support import image_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def shop_with_product() -> tuple[str, str, int]:
    """A fresh shop with one product, committed; (owner email, shop slug, product id)."""
    name = uuid.uuid4().hex[:8]
    email = f"owner-{name}@example.test"
    slug = f"pics-{name}"

    def setup() -> int:
        shop = make_shop(owner=UserFactory(email=email), slug=slug, name=f"Pics {name}")
        return make_product(shop=shop, title="Walnut stool", price="80.00").id

    return email, slug, committed(setup)


def picture(name: str, size: tuple[int, int], image_format: str = "PNG") -> dict[str, Any]:
    mime = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}[image_format]
    return {"name": name, "mimeType": mime, "buffer": image_bytes(image_format, size=size)}


def drop_files(page: Any, selector: str, files: list[dict[str, Any]]) -> None:
    """Drop `files` on the element as a person dragging them from their desktop would."""
    payload = [
        {"name": f["name"], "type": f["mimeType"], "data": base64.b64encode(f["buffer"]).decode()}
        for f in files
    ]
    page.locator(selector).evaluate(
        """(zone, files) => {
            const transfer = new DataTransfer();
            for (const f of files) {
                const bytes = Uint8Array.from(atob(f.data), c => c.charCodeAt(0));
                transfer.items.add(new File([bytes], f.name, {type: f.type}));
            }
            for (const type of ["dragenter", "dragover", "drop"]) {
                const init = {dataTransfer: transfer, bubbles: true, cancelable: true};
                zone.dispatchEvent(new DragEvent(type, init));
            }
        }""",
        payload,
    )


def sizes(page: Any) -> list[str]:
    """The pixel sizes of the images in the order shown (each test image has its own)."""
    return [
        re.search(r"\d+×\d+", text).group(0)  # type: ignore[union-attr]
        for text in page.locator(".image-item__meta").all_inner_texts()
    ]


def drag_before(page: Any, moving: Any, target: Any) -> None:
    """Drag `moving` by its handle to just above `target`, with the mouse (both must fit
    in the window: the list is scrolled to its top first)."""
    target.evaluate("item => item.scrollIntoView({block: 'start'})")
    handle = moving.locator("[data-drag-handle]").bounding_box()
    box = target.bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    page.mouse.move(handle["x"] + handle["width"] / 2, box["y"] + 5, steps=12)
    page.mouse.up()


def images_page(stack: Any, slug: str, product: int) -> str:
    """The images section's own page (where a refused plain post lands)."""
    return f"{stack.url}/sell/{slug}/products/{product}/images/"


def edit_page(stack: Any, slug: str, product: int) -> str:
    """The product edit page, which includes the images section."""
    return f"{stack.url}/sell/{slug}/products/{product}/"


def test_a_seller_uploads_reorders_describes_and_deletes_images(page, live_stack):
    email, slug, product = shop_with_product()
    sign_in(page, live_stack, email=email, password=PASSWORD)
    page.goto(edit_page(live_stack, slug, product))
    expect(page.get_by_text("No images yet.")).to_be_visible()

    # Two files at once from the file picker: each gets a progress row, then appears.
    page.get_by_label("Choose images to add").set_input_files(
        files=[picture("front.png", (300, 200)), picture("side.jpg", (200, 300), "JPEG")]
    )
    progress = page.locator(".upload-progress__item")
    expect(progress).to_have_count(2)
    expect(progress.nth(0)).to_have_attribute("data-state", "done")
    expect(progress.nth(1)).to_have_attribute("data-state", "done")
    expect(progress.nth(1)).to_contain_text("side.jpg")
    expect(page.locator(".image-item")).to_have_count(2)
    assert sizes(page) == ["300×200", "200×300"]

    # Dropped on the zone: a good one is added, the PDF is refused by name with the reason.
    drop_files(
        page,
        "[data-drop-zone]",
        [
            picture("top.webp", (120, 120), "WEBP"),
            {"name": "notes.pdf", "mimeType": "application/pdf", "buffer": PDF},
        ],
    )
    expect(progress).to_have_count(2)  # a new batch replaces the old rows
    expect(progress.nth(1)).to_have_attribute("data-state", "failed")
    expect(progress.nth(1)).to_contain_text(
        "notes.pdf: That file is not a JPEG, PNG or WebP image."
    )
    expect(progress.nth(0)).to_have_attribute("data-state", "done")
    expect(page.locator(".image-item")).to_have_count(3)
    assert sizes(page) == ["300×200", "200×300", "120×120"]
    expect(page.get_by_text("3 of 20 images")).to_be_visible()

    # Drag the third image to the top with the mouse: it becomes the main image.
    items = page.locator(".image-item")
    drag_before(page, items.nth(2), items.nth(0))
    expect(page.get_by_text("The new order is saved.")).to_be_visible()
    assert sizes(page) == ["120×120", "300×200", "200×300"]
    expect(items.nth(0).get_by_text("Main image")).to_be_visible()

    # Alt text, in place.
    page.get_by_label("Alt text").first.fill("Walnut stool from above")
    page.get_by_role("button", name="Save alt text of image 1").click()
    expect(page.get_by_text("Alt text saved.")).to_be_visible()
    expect(page.get_by_label("Alt text").first).to_have_value("Walnut stool from above")

    # The buttons that work for keyboards too.
    page.get_by_role("button", name="Down (move image 1 later)").click()
    expect(page.get_by_text("Image moved later.")).to_be_visible()
    assert sizes(page) == ["300×200", "120×120", "200×300"]

    # Delete asks first.
    page.get_by_text("Delete… (image 3)").click()
    page.get_by_role("button", name="Yes, delete image 3").click()
    expect(page.get_by_text("Image deleted.")).to_be_visible()
    assert sizes(page) == ["300×200", "120×120"]

    # All of it was saved.
    page.reload()
    assert sizes(page) == ["300×200", "120×120"]
    expect(page.get_by_label("Alt text").nth(1)).to_have_value("Walnut stool from above")
    thumb = page.locator(".image-item__thumb").first
    natural = thumb.evaluate(
        "img => img.complete ? [img.naturalWidth, img.naturalHeight]"
        " : new Promise(done => img.addEventListener('load',"
        " () => done([img.naturalWidth, img.naturalHeight])))"
    )
    assert natural == [96, 96]


def test_without_javascript_every_image_action_is_a_plain_form(browser, live_stack):
    email, slug, product = shop_with_product()
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, live_stack, email=email, password=PASSWORD)
        page.goto(edit_page(live_stack, slug, product))

        page.get_by_label("Choose images to add").set_input_files(
            files=[
                picture("a.png", (300, 200)),
                {"name": "notes.pdf", "mimeType": "application/pdf", "buffer": PDF},
                picture("b.png", (200, 300)),
            ]
        )
        page.get_by_role("button", name="Upload").click()
        # One refused: the images page says which and why (422), the others were kept.
        expect(page).to_have_url(images_page(live_stack, slug, product))
        expect(
            page.get_by_text("notes.pdf: That file is not a JPEG, PNG or WebP image.")
        ).to_be_visible()
        expect(page.get_by_text("2 images added.")).to_be_visible()
        assert sizes(page) == ["300×200", "200×300"]

        page.get_by_role("button", name="Up (move image 2 earlier)").click()
        # Back on the product edit page, at its images.
        expect(page).to_have_url(edit_page(live_stack, slug, product) + "#product-images")
        expect(page.get_by_text("Image moved earlier.")).to_be_visible()
        assert sizes(page) == ["200×300", "300×200"]

        page.get_by_label("Alt text").first.fill("x" * 260)
        page.get_by_role("button", name="Save alt text of image 1").click()
        expect(
            page.get_by_text("Keep the alt text to 250 characters or fewer; it has 260.")
        ).to_be_visible()

        page.get_by_text("Delete… (image 1)").click()
        page.get_by_role("button", name="Yes, delete image 1").click()
        expect(page.get_by_text("Image deleted.")).to_be_visible()
        assert sizes(page) == ["300×200"]
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "mobile"])
def test_screenshots_of_the_images_section(browser, live_stack, width):
    """For review: three images, then a refused upload, at desktop and phone width."""
    email, slug, product = shop_with_product()
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, live_stack, email=email, password=PASSWORD)
        page.goto(edit_page(live_stack, slug, product))
        page.get_by_label("Choose images to add").set_input_files(
            files=[
                picture("front.png", (300, 200)),
                picture("side.png", (200, 300)),
                picture("top.png", (120, 120)),
            ]
        )
        expect(page.locator(".image-item")).to_have_count(3)
        page.get_by_label("Alt text").first.fill("Walnut stool, front")
        page.get_by_role("button", name="Save alt text of image 1").click()
        expect(page.get_by_text("Alt text saved.")).to_be_visible()
        page.locator("#product-images").screenshot(
            path=str(ARTIFACTS / f"images-three-{width}.png")
        )

        drop_files(
            page,
            "[data-drop-zone]",
            [{"name": "quarterly-report-final.pdf", "mimeType": "application/pdf", "buffer": PDF}],
        )
        expect(page.locator(".upload-progress__item")).to_have_attribute("data-state", "failed")
        page.get_by_text("Delete… (image 2)").click()
        page.locator("#product-images").screenshot(
            path=str(ARTIFACTS / f"images-error-{width}.png")
        )
        page.screenshot(path=str(ARTIFACTS / f"images-page-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        context.close()
