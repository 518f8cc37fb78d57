"""Browser tests: opening a shop, inviting a colleague who accepts, suspending a shop."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.fixtures import sign_in
from tests.factories import PASSWORD, UserFactory, make_shop
from tests.tenants.support import image_bytes, verified_user
from tests.threads import committed

# django_db: the stack reads the test database the session fixtures committed to.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


def tag() -> str:
    return uuid.uuid4().hex[:8]


def test_a_verified_user_opens_a_shop_and_lands_on_its_dashboard(page, live_stack):
    name = tag()
    email = f"opener-{name}@example.test"
    committed(lambda: verified_user(email=email))
    sign_in(page, live_stack, email=email, password=PASSWORD)

    page.goto(live_stack.url + "/sell/")
    page.get_by_role("link", name="Open a shop").first.click()
    expect(page).to_have_url(live_stack.url + "/sell/new/")
    page.get_by_label("Name").fill("Browser Pottery")
    page.get_by_label("Address").fill(f"pottery-{name}")
    # The live hint (htmx) shows where the shop will be.
    expect(page.locator("#slug-hint")).to_contain_text(f"/shops/pottery-{name}/")
    page.get_by_label("Description").fill("Mugs and bowls.")
    page.get_by_label("Logo").set_input_files(
        files=[{"name": "logo.png", "mimeType": "image/png", "buffer": image_bytes("PNG")}]
    )
    expect(page.get_by_label("Support email")).to_have_value(email)
    page.get_by_label("Country").select_option("PT")
    page.get_by_role("button", name="Open my shop").click()

    expect(page).to_have_url(live_stack.url + f"/sell/pottery-{name}/")
    expect(page.get_by_role("heading", name="Browser Pottery", level=1)).to_be_visible()
    expect(
        page.get_by_text("Browser Pottery is open. Add your first product below.")
    ).to_be_visible()
    logo = page.locator(".dashboard__identity img")
    expect(logo).to_have_attribute("src", re.compile(r"^/media/shops/\d+/logo/"))
    # Wait for the image to finish loading before reading its size (no wait_for_function:
    # the site's CSP forbids the eval it needs).
    natural_width = page.evaluate(
        "img => img.complete ? img.naturalWidth"
        " : new Promise(done => img.addEventListener('load', () => done(img.naturalWidth)))",
        logo.element_handle(),
    )
    assert natural_width == 64


def test_a_taken_address_is_refused_in_place_and_keeps_what_was_typed(page, live_stack, world):
    email = f"opener-{tag()}@example.test"
    committed(lambda: verified_user(email=email))
    sign_in(page, live_stack, email=email, password=PASSWORD)

    page.goto(live_stack.url + "/sell/new/")
    page.get_by_label("Name").fill("Copycat")
    page.get_by_label("Address").fill("alpha-goods")
    expect(page.locator("#slug-hint")).to_contain_text("The address “alpha-goods” is taken.")
    page.get_by_label("Country").select_option("FR")
    page.get_by_role("button", name="Open my shop").click()

    expect(page.locator("#id_slug_error")).to_have_text("The address “alpha-goods” is taken.")
    expect(page.get_by_label("Name")).to_have_value("Copycat")
    expect(page.get_by_label("Country")).to_have_value("FR")


def test_an_owner_invites_a_colleague_who_accepts_and_sees_the_dashboard(
    page, browser, live_stack, mail_sink
):
    name = tag()
    owner_email = f"owner-{name}@example.test"
    colleague_email = f"colleague-{name}@example.test"
    slug = f"team-{name}"

    def setup() -> None:
        make_shop(owner=UserFactory(email=owner_email), slug=slug, name=f"Team {name}")
        UserFactory(email=colleague_email)

    committed(setup)
    sign_in(page, live_stack, email=owner_email, password=PASSWORD)
    page.goto(live_stack.url + f"/sell/{slug}/")
    page.get_by_role("link", name="Team", exact=True).click()
    page.get_by_role("link", name="Invite someone").click()
    page.get_by_label("Email").fill(colleague_email)
    page.get_by_label("Role").select_option("manager")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text(f"Invitation sent to {colleague_email}.")).to_be_visible()
    expect(page.get_by_role("cell", name=colleague_email, exact=True)).to_be_visible()

    message = mail_sink.wait_for(to=colleague_email, subject_contains=f"Join Team {name}")
    (link,) = [url for url in message.links() if "/invitations/" in url]
    assert link.startswith(live_stack.url + "/invitations/")

    colleague = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    colleague.set_default_timeout(10_000)
    try:
        colleague.goto(link)
        expect(colleague.get_by_role("heading", name=f"Join Team {name}")).to_be_visible()
        colleague.get_by_role("link", name="Sign in to accept").click()
        colleague.get_by_label("Email").fill(colleague_email)
        colleague.get_by_label("Password").fill(PASSWORD)
        colleague.get_by_role("button", name="Sign in").click()
        expect(colleague).to_have_url(link)
        colleague.get_by_role("button", name="Accept and open the dashboard").click()

        expect(colleague).to_have_url(live_stack.url + f"/sell/{slug}/")
        expect(colleague.get_by_role("heading", name=f"Team {name}", level=1)).to_be_visible()
        expect(
            colleague.get_by_text(f"Welcome to Team {name}! You joined as manager.")
        ).to_be_visible()

        colleague.goto(link)
        expect(colleague.get_by_text("This invitation has already been used.")).to_be_visible()
    finally:
        colleague.context.close()

    page.goto(live_stack.url + f"/sell/{slug}/team/")
    expect(page.get_by_role("row", name=re.compile(colleague_email))).to_contain_text("Manager")


def test_an_admin_suspends_a_shop_and_its_storefront_shows_a_notice(page, live_stack):
    name = tag()
    admin_email = f"admin-{name}@example.test"
    slug = f"suspend-{name}"

    def setup() -> None:
        UserFactory(email=admin_email, is_staff=True)
        make_shop(slug=slug, name=f"Suspect {name}")

    committed(setup)
    sign_in(page, live_stack, email=admin_email, password=PASSWORD)
    page.goto(live_stack.url + "/platform/shops/")
    page.get_by_label("Name, address or owner email").fill(slug)
    page.get_by_role("button", name="Search").last.click()
    page.get_by_role("link", name=f"Suspect {name}").click()
    page.get_by_role("button", name=f"Suspend Suspect {name}").click()
    expect(page.locator("#id_reason_error")).to_have_text("This field is required.")
    page.get_by_label("Reason").fill("Selling counterfeit goods")
    page.get_by_role("button", name=f"Suspend Suspect {name}").click()
    expect(page.get_by_text(f"Suspect {name} is suspended.")).to_be_visible()

    page.goto(live_stack.url + f"/shops/{slug}/")
    expect(page.get_by_text("This shop is temporarily unavailable")).to_be_visible()
    expect(page.get_by_text("Selling counterfeit goods")).to_have_count(0)

    page.goto(live_stack.url + f"/platform/shops/{slug}/")
    page.get_by_role("button", name=f"Reinstate Suspect {name}").click()
    expect(page.get_by_text(f"Suspect {name} is reinstated.")).to_be_visible()
    page.goto(live_stack.url + f"/shops/{slug}/")
    expect(page.get_by_text("This shop has no products on sale yet.")).to_be_visible()
