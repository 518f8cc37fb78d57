"""Notifications: storing once, settings per kind and channel, pushes, emails and digests,
the notification centre, the settings page and the API — and who may see what."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marketplace.events.consumers import Event, event_process, registered_groups
from marketplace.events.models import OutboxEvent
from realtime.emails import digests_send, instant_emails_send
from realtime.kinds import DISCOUNT_STARTED, NEW_ORDER
from realtime.models import Notification, NotificationPreference
from realtime.services import (
    EMAILS_DUE,
    notification_preferences_update,
    notify,
    notify_shop,
)
from tests.realtime.support import connect, redis_down, shopper

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def tell(*people, key: str = "discount:1:1", title: str = "Alpha Goods: 20% off", **extra):  # type: ignore[no-untyped-def]
    return notify(
        recipients=[person.id for person in people],
        kind=DISCOUNT_STARTED,
        dedupe_key=key,
        title=title,
        body=extra.get("body", "Spring sale."),
        url=extra.get("url", "/shops/alpha-goods/"),
        data={"shop_id": 1},
    )


def prefer(person, *, in_app: str | None = None, email: str | None = None) -> None:  # type: ignore[no-untyped-def]
    changes = {}
    if in_app:
        changes["in_app"] = in_app
    if email:
        changes["email"] = email
    notification_preferences_update(user=person, changes={DISCOUNT_STARTED: changes})


def emails_due_events() -> list[dict]:
    return list(OutboxEvent.objects.filter(type=EMAILS_DUE).values_list("data", flat=True))


# --- notify: once, as each person wants -------------------------------------------------------


def test_each_person_is_told_once_however_often_it_is_asked():
    ann, bob = shopper(), shopper()

    first = tell(ann, bob, bob)
    again = tell(ann, bob)

    assert first.notified == sorted([ann.id, bob.id])
    assert (again.notified, again.pushed) == ([], [])
    assert Notification.objects.filter(dedupe_key="discount:1:1").count() == 2
    other_news = tell(ann, key="discount:1:2")
    assert other_news.notified == [ann.id]


def test_defaults_show_it_in_the_site_and_keep_the_email_for_the_digest():
    ann = shopper()

    tell(ann)

    row = Notification.objects.get(user=ann)
    assert (row.in_app, row.email_mode, row.emailed_at, row.read_at) == (
        True,
        "daily_digest",
        None,
        None,
    )
    assert emails_due_events() == []  # nothing to send at once


def test_settings_off_instant_and_digest_are_honoured():
    silent, email_only, instant, unverified, gone = (shopper() for _ in range(5))
    prefer(silent, in_app="off", email="off")
    prefer(email_only, in_app="off", email="instant")
    prefer(instant, email="instant")
    unverified.email_verified_at = None
    unverified.save()
    prefer(unverified, email="instant")
    gone.is_active = False
    gone.save()

    delivery = tell(silent, email_only, instant, unverified, gone)

    rows = {row.user_id: (row.in_app, row.email_mode) for row in Notification.objects.all()}
    assert rows == {
        email_only.id: (False, "instant"),
        instant.id: (True, "instant"),
        unverified.id: (True, "off"),  # we email confirmed addresses only
    }
    assert delivery.pushed == sorted([instant.id, unverified.id])
    assert delivery.emailed_now == sorted([email_only.id, instant.id])
    assert emails_due_events() == [{"kind": DISCOUNT_STARTED, "dedupe_key": "discount:1:1"}]


def test_unknown_kinds_are_a_programming_error():
    with pytest.raises(ValueError):
        notify(recipients=[1], kind="nonsense", dedupe_key="x", title="x")
    with pytest.raises(ValueError):
        notify(recipients=[1], kind=NEW_ORDER, dedupe_key="x", title="x")  # a shop kind


def test_a_new_notification_is_pushed_with_the_unread_count(
    world, django_capture_on_commit_callbacks
):
    ann = shopper()
    Notification.objects.create(user=ann, kind=DISCOUNT_STARTED, dedupe_key="old", title="Old")
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        tell(ann)
    row = Notification.objects.get(user=ann, dedupe_key="discount:1:1")
    socket = connect(ann)

    async def scenario() -> dict:
        await socket.connect()
        await socket.receive_json_from(timeout=3)  # the count on opening
        await asyncio.sleep(0.2)
        for callback in after_commit:  # what the commit would run: the push (no database)
            await sync_to_async(callback)()
        message = await socket.receive_json_from(timeout=3)
        await socket.disconnect()
        return message

    message = async_to_sync(scenario)()

    assert message == {
        "type": "notification",
        "id": row.id,
        "kind": "discount_started",
        "title": "Alpha Goods: 20% off",
        "body": "Spring sale.",
        "url": "/shops/alpha-goods/",
        "unread": 2,
    }


def test_pushes_wait_for_the_commit(django_capture_on_commit_callbacks):
    ann = shopper()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tell(ann)

    assert len(callbacks) == 1  # the push, registered for after the commit


# --- Redis down -------------------------------------------------------------------------------


def test_with_redis_down_notifications_are_stored_and_pages_and_api_work(
    world, as_user, django_capture_on_commit_callbacks, caplog
):
    ann = shopper()
    with redis_down():
        with django_capture_on_commit_callbacks(execute=True):
            delivery = tell(ann)
        client = as_user(ann)
        page = client.get("/notifications/")
        count = client.get("/api/v1/me/notifications/unread-count")
        listed = client.get("/api/v1/me/notifications")
        row = Notification.objects.get(user=ann)
        marked = client.post(f"/notifications/{row.id}/read/")

    assert delivery.pushed == [ann.id]
    assert "notification pushes to 1 people failed" in caplog.text
    assert page.status_code == 200
    assert "Alpha Goods: 20% off" in page.content.decode()
    assert count.json() == {"count": 1}
    assert [item["title"] for item in listed.json()["items"]] == ["Alpha Goods: 20% off"]
    assert marked.status_code == 302
    row.refresh_from_db()
    assert row.read_at is not None


# --- emails -----------------------------------------------------------------------------------


def test_instant_emails_go_out_once_through_the_outbox_consumer(
    mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://market.example"
    ann, ben = shopper(name="Ann"), shopper()
    prefer(ann, email="instant")
    tell(ann, ben)
    (due,) = OutboxEvent.objects.filter(type=EMAILS_DUE)
    event = Event(due.event_id, due.type, 1, due.key, due.occurred_at, due.data)
    registrations = registered_groups()["notification-email"]

    with django_capture_on_commit_callbacks(execute=True):
        assert event_process(group="notification-email", event=event, registrations=registrations)
    with django_capture_on_commit_callbacks(execute=True):
        assert not event_process(
            group="notification-email", event=event, registrations=registrations
        )
    assert instant_emails_send() == 0  # the sweep finds nothing left

    assert [message.to for message in mailoutbox] == [[ann.email]]
    message = mailoutbox[0]
    assert message.subject == "Alpha Goods: 20% off"
    assert "https://market.example/shops/alpha-goods/" in message.body
    assert "https://market.example/accounts/notifications/" in message.body
    assert "Hello Ann" in message.alternatives[0][0]
    assert Notification.objects.get(user=ann).emailed_at is not None
    assert Notification.objects.get(user=ben).emailed_at is None  # ben: the daily digest


def test_a_refused_email_is_retried_then_given_up(mailoutbox, monkeypatch):
    ann = shopper()
    prefer(ann, email="instant")
    tell(ann)

    def refuse(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError("mail server says no")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    for _ in range(4):
        assert instant_emails_send() == 0

    row = Notification.objects.get(user=ann)
    assert (row.emailed_at, row.email_attempts) == (None, 3)
    assert mailoutbox == []


def test_a_daily_digest_collects_the_unread_ones_once_a_day(mailoutbox):
    ann = shopper()
    tell(ann, key="discount:1:1", title="Alpha: 10% off")
    tell(ann, key="discount:2:1", title="Beta: free shipping")
    tell(ann, key="discount:3:1", title="Gamma: 5% off")
    Notification.objects.filter(title="Gamma: 5% off").update(read_at=timezone.now())

    assert digests_send() == 1
    assert digests_send() == 0  # nothing waiting
    tell(ann, key="discount:4:1", title="Delta: 15% off")
    assert digests_send() == 0  # a digest went less than a day ago
    assert digests_send(now=timezone.now() + timedelta(hours=24)) == 1

    assert [message.subject for message in mailoutbox] == [
        "2 updates from shops you follow",
        "1 update from shops you follow",
    ]
    first = mailoutbox[0].body
    assert "Alpha: 10% off" in first
    assert "Beta: free shipping" in first
    assert "Gamma" not in first  # read in the site already
    assert "Delta: 15% off" in mailoutbox[1].body
    assert (
        not Notification.objects.filter(emailed_at__isnull=True).exclude(email_mode="off").exists()
    )


# --- the notification centre ------------------------------------------------------------------


def test_the_centre_lists_my_notifications_newest_first(world, as_user):
    ann = shopper()
    tell(ann, key="a", title="First")
    tell(ann, key="b", title="Second")
    tell(world.shopper, key="a", title="Not yours")

    response = as_user(ann).get("/notifications/")

    assert response.status_code == 200
    assert [n.title for n in response.context["page_obj"].object_list] == ["Second", "First"]
    assert response.context["unread"] == 2
    body = response.content.decode()
    assert "Not yours" not in body
    assert "2 unread" in body


def test_mark_one_read_without_javascript_and_with_htmx(as_user):
    ann = shopper()
    tell(ann, key="a", title="First")
    tell(ann, key="b", title="Second")
    first, second = Notification.objects.filter(user=ann).order_by("id")
    client = as_user(ann)

    plain = client.post(f"/notifications/{first.id}/read/", {"page": "2"})
    htmx = client.post(f"/notifications/{second.id}/read/", **HTMX)

    assert plain.status_code == 302
    assert plain["Location"] == "/notifications/?page=2"
    assert htmx.status_code == 200
    assert [t.name for t in htmx.templates] == ["realtime/notification_item.html"]
    assert json.loads(htmx["HX-Trigger"]) == {"badge": {"count": 0}}
    assert "Mark read" not in htmx.content.decode()
    assert Notification.objects.filter(user=ann, read_at__isnull=True).count() == 0


def test_mark_all_read(as_user):
    ann = shopper()
    for key in "abc":
        tell(ann, key=key)
    client = as_user(ann)

    plain = client.post("/notifications/read-all/")
    tell(ann, key="d")
    htmx = client.post("/notifications/read-all/", **HTMX)

    assert plain.status_code == 302
    assert plain["Location"] == "/notifications/"
    assert json.loads(htmx["HX-Trigger"]) == {"badge": {"count": 0}}
    assert "You're all caught up." in htmx.content.decode()
    assert Notification.objects.filter(user=ann, read_at__isnull=True).count() == 0


def test_nobody_marks_someone_elses_notification(world, as_user, client):
    ann = shopper()
    tell(ann)
    row = Notification.objects.get(user=ann)

    html = as_user(world.shopper).post(f"/notifications/{row.id}/read/")
    api = as_user(world.shopper).post(f"/api/v1/me/notifications/{row.id}/read")
    as_user(world.shopper).post("/notifications/read-all/")
    anonymous = client.post(f"/notifications/{row.id}/read/")

    assert html.status_code == 404
    assert (api.status_code, api.json()["code"]) == (404, "not_found")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    row.refresh_from_db()
    assert row.read_at is None


def test_the_centre_needs_sign_in_post_and_csrf(world, client):
    assert client.get("/notifications/")["Location"] == "/accounts/login/?next=/notifications/"
    strict = Client(HTTP_HOST="localhost", enforce_csrf_checks=True)
    strict.force_login(world.shopper)
    tell(world.shopper)
    row = Notification.objects.get(user=world.shopper)

    assert strict.get(f"/notifications/{row.id}/read/").status_code == 405
    assert strict.post(f"/notifications/{row.id}/read/").status_code == 403
    assert strict.post("/notifications/read-all/").status_code == 403
    row.refresh_from_db()
    assert row.read_at is None


# Session (cache), user, COUNT, the page, the unread count.
CENTRE_QUERIES = 4


def test_the_centre_is_paginated_with_a_fixed_number_of_queries(as_user, django_assert_num_queries):
    ann = shopper()
    client = as_user(ann)
    for number in range(3):
        tell(ann, key=f"few-{number}")
    client.get("/notifications/")  # the session is now in the cache
    with CaptureQueriesContext(connection) as few:
        client.get("/notifications/")
    for number in range(30):
        tell(ann, key=f"many-{number}")

    with django_assert_num_queries(CENTRE_QUERIES):
        response = client.get("/notifications/?page=2")

    assert len(few.captured_queries) == CENTRE_QUERIES
    assert response.context["page_obj"].paginator.count == 33
    assert len(response.context["page_obj"].object_list) == 13


# --- the settings page ------------------------------------------------------------------------


def test_the_settings_page_shows_the_defaults_and_saves_a_choice(as_user):
    ann = shopper()
    client = as_user(ann)

    page = client.get("/accounts/notifications/")
    saved = client.post(
        "/notifications/settings/",
        {"discount_started.in_app": "instant", "discount_started.email": "instant"},
    )

    body = page.content.decode()
    assert page.status_code == 200
    assert 'name="discount_started.email" value="daily_digest" checked' in body
    assert 'name="discount_started.in_app" value="instant" checked' in body
    assert saved.status_code == 302
    assert saved["Location"] == "/accounts/notifications/"
    assert set(NotificationPreference.objects.filter(user=ann).values_list("channel", "mode")) == {
        ("in_app", "instant"),
        ("email", "instant"),
    }
    again = client.get("/accounts/notifications/").content.decode()
    assert 'name="discount_started.email" value="instant" checked' in again


def test_a_bad_choice_is_refused_at_its_field_and_nothing_is_saved(as_user):
    ann = shopper()
    client = as_user(ann)

    response = client.post(
        "/notifications/settings/",
        {"discount_started.in_app": "daily_digest", "discount_started.email": "off"},
    )

    assert response.status_code == 422
    body = response.content.decode()
    assert "Choose one of: instant, off." in body
    assert 'id="discount_startedin_app-error"' in body
    assert 'name="discount_started.email" value="off" checked' in body  # kept as typed
    assert not NotificationPreference.objects.exists()


def test_the_settings_form_needs_sign_in(client):
    response = client.post("/notifications/settings/", {"discount_started.email": "off"})

    assert response.status_code == 302
    assert not NotificationPreference.objects.exists()


# --- the API ----------------------------------------------------------------------------------


def test_the_api_lists_counts_and_marks_read(as_user):
    ann = shopper()
    tell(ann, key="a", title="First")
    tell(ann, key="b", title="Second")
    first = Notification.objects.get(user=ann, dedupe_key="a")
    client = as_user(ann)

    listed = client.get("/api/v1/me/notifications")
    read = client.post(f"/api/v1/me/notifications/{first.id}/read")
    unread_only = client.get("/api/v1/me/notifications?unread=true")
    count = client.get("/api/v1/me/notifications/unread-count")
    all_read = client.post("/api/v1/me/notifications/read-all")

    items = listed.json()["items"]
    assert [item["title"] for item in items] == ["Second", "First"]
    assert items[1] == {
        "id": first.id,
        "kind": "discount_started",
        "title": "First",
        "body": "Spring sale.",
        "url": "/shops/alpha-goods/",
        "data": {"shop_id": 1},
        "created_at": items[1]["created_at"],
        "read_at": None,
        "is_read": False,
    }
    assert read.json()["is_read"] is True
    assert [item["title"] for item in unread_only.json()["items"]] == ["Second"]
    assert count.json() == {"count": 1}
    assert all_read.json() == {"marked": 1}


def test_the_api_is_for_the_signed_in_owner_only(world, as_user, client):
    ann = shopper()
    tell(ann)

    for path in ("/api/v1/me/notifications", "/api/v1/me/notifications/unread-count"):
        assert client.get(path).status_code == 401
    assert client.post("/api/v1/me/notifications/read-all").status_code == 401
    assert as_user(world.shopper).get("/api/v1/me/notifications").json()["count"] == 0
    assert as_user(world.shopper).post("/api/v1/me/notifications/read-all").json() == {"marked": 0}
    assert Notification.objects.get(user=ann).read_at is None


def test_the_api_settings(as_user):
    ann = shopper()
    client = as_user(ann)

    before = client.get("/api/v1/me/notification-preferences").json()
    changed = client.patch(
        "/api/v1/me/notification-preferences",
        {"discount_started": {"email": "off"}},
        content_type="application/json",
    )
    refused = client.patch(
        "/api/v1/me/notification-preferences",
        {"discount_started": {"sms": "instant", "in_app": "sometimes"}, "new_order": {}},
        content_type="application/json",
    )

    assert before == [
        {
            "kind": "discount_started",
            "label": "Discounts",
            "description": before[0]["description"],
            "in_app": "instant",
            "email": "daily_digest",
            "in_app_choices": ["instant", "off"],
            "email_choices": ["instant", "daily_digest", "off"],
        }
    ]
    assert changed.json()[0]["email"] == "off"
    assert refused.status_code == 400
    assert {error["field"] for error in refused.json()["detail"]} == {
        "discount_started.sms",
        "discount_started.in_app",
        "new_order",
    }
    assert list(NotificationPreference.objects.values_list("channel", "mode")) == [("email", "off")]


# --- a shop's notifications -------------------------------------------------------------------


def test_a_shop_is_told_once_and_its_members_read_it(world, as_user, client):
    first = notify_shop(
        shop_id=world.shop_a.id, kind=NEW_ORDER, dedupe_key="order:7", title="New order #7"
    )
    again = notify_shop(
        shop_id=world.shop_a.id, kind=NEW_ORDER, dedupe_key="order:7", title="New order #7"
    )

    listed = as_user(world.staff_a).get("/api/v1/shops/alpha-goods/notifications")
    read = as_user(world.manager_a).post(f"/api/v1/shops/alpha-goods/notifications/{first.id}/read")

    assert first is not None and again is None
    assert [item["title"] for item in listed.json()["items"]] == ["New order #7"]
    assert read.json()["is_read"] is True


def test_only_a_shops_members_see_or_mark_its_notifications(world, as_user, client):
    row = notify_shop(
        shop_id=world.shop_a.id, kind=NEW_ORDER, dedupe_key="order:8", title="New order #8"
    )
    path = "/api/v1/shops/alpha-goods/notifications"

    for person in (world.owner_b, world.shopper):
        assert as_user(person).get(path).status_code == 403
        assert as_user(person).post(f"{path}/{row.id}/read").status_code == 403
        assert as_user(person).post(f"{path}/read-all").status_code == 403
    assert client.get(path).status_code == 401
    # A member of shop B can't reach shop A's row through shop B either.
    via_b = as_user(world.owner_b).post(f"/api/v1/shops/beta-store/notifications/{row.id}/read")
    assert via_b.status_code == 404
    row.refresh_from_db()
    assert row.read_at is None
    assert not Notification.objects.filter(user__isnull=False).exists()


def test_the_export_has_my_notifications_and_settings(as_user):
    ann = shopper()
    tell(ann)
    prefer(ann, email="off")

    data = json.loads(as_user(ann).get("/accounts/export/").content)

    assert [n["title"] for n in data["notifications"]] == ["Alpha Goods: 20% off"]
    assert data["notification_settings"] == [
        {"kind": "discount_started", "channel": "email", "mode": "off"}
    ]


def test_users_without_in_site_notifications_see_no_rows(as_user):
    ann = shopper()
    prefer(ann, in_app="off", email="instant")
    tell(ann)

    assert as_user(ann).get("/api/v1/me/notifications").json()["count"] == 0
    assert Notification.objects.filter(user=ann).count() == 1  # kept for the email

    # Nothing for an id that is nobody's.
    unknown = notify(recipients=[999999], kind=DISCOUNT_STARTED, dedupe_key="x", title="x")
    assert unknown.notified == []
