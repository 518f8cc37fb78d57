"""The local mail sink: real SMTP in, an HTTP inbox out."""

from __future__ import annotations

import json
import smtplib
import urllib.request
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from django.test import override_settings

from marketplace.devtools.mailsink import MailSink
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def fetch(url: str) -> tuple[str, dict[str, str]]:
    """GET (or POST, for a Request) one of the sink's own loopback URLs."""
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
        return response.read().decode(), dict(response.headers)


@pytest.fixture
def sink() -> Iterator[MailSink]:
    sink = MailSink().start()
    yield sink
    sink.stop()


def smtp_to(sink: MailSink):  # type: ignore[no-untyped-def]
    port = sink.smtp_port
    return override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_USE_TLS=False,
        EMAIL_USE_SSL=False,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
    )


def test_an_account_email_travels_over_smtp_into_the_inbox(sink, client, deliver):
    UserFactory(email="smtp@example.test")
    with smtp_to(sink):
        client.post("/accounts/password/reset/", {"email": "smtp@example.test"})
        assert deliver() == 1

    message = sink.wait_for(to="smtp@example.test", subject_contains="Reset", timeout=5)
    assert message.subject == "Reset your password"
    assert message.mail_from == "noreply@localhost"
    assert message.links() == [
        message.links()[0],  # the reset link, then the site's address in the footer
        "http://localhost:8000/",
    ]
    assert message.links()[0].startswith("http://localhost:8000/accounts/password/reset/")
    assert f'href="{message.links()[0]}"' in message.html

    listed = json.loads(fetch(sink.inbox_url + "messages.json")[0])
    assert [(m["to"], m["subject"]) for m in listed] == [
        (["smtp@example.test"], "Reset your password")
    ]
    page, _ = fetch(sink.inbox_url)
    assert "Reset your password" in page
    assert f'<a href="{message.links()[0]}">' in page


def test_the_inbox_escapes_what_it_shows_and_sandboxes_html(sink):
    mail = EmailMessage()
    mail["Subject"] = "<script>alert(1)</script>"
    mail["From"] = "a@example.test"
    mail["To"] = "b@example.test"
    mail.set_content("plain <b>text</b>")
    mail.add_alternative("<p onclick='x()'>hi</p>", subtype="html")
    with smtplib.SMTP("127.0.0.1", sink.smtp_port, timeout=5) as smtp:
        smtp.send_message(mail)
    sink.wait_for(to="b@example.test", timeout=5)

    page, _ = fetch(sink.inbox_url)
    _, headers = fetch(sink.inbox_url + "messages/1.html")
    policy = headers["Content-Security-Policy"]

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;text&lt;/b&gt;" in page
    assert policy == "sandbox; default-src 'none'"


def test_waiting_for_a_message_that_never_comes_names_what_came(sink):
    with pytest.raises(AssertionError, match=r"no email to nobody@example.test .* received: \[\]"):
        sink.wait_for(to="nobody@example.test", timeout=0.2)


def test_clearing_the_inbox(sink):
    with smtplib.SMTP("127.0.0.1", sink.smtp_port, timeout=5) as smtp:
        smtp.sendmail("a@example.test", ["b@example.test"], b"Subject: hi\r\n\r\nbody")
    sink.wait_for(to="b@example.test", timeout=5)

    request = urllib.request.Request(sink.inbox_url + "clear", method="POST", data=b"")  # noqa: S310
    page, _ = fetch(request)  # type: ignore[arg-type]  # follows the 303 back to the inbox

    assert "No mail yet." in page

    assert sink.messages == []
