"""A local mail sink for dev and browser tests: an SMTP server on loopback that keeps every
message in memory, and a tiny HTTP inbox to read them.

    sink = MailSink(smtp_port=1025, http_port=8025).start()
    # EMAIL_URL=smtp://127.0.0.1:1025 ; inbox at http://127.0.0.1:8025/
    message = sink.wait_for(to="ada@example.test", subject_contains="Confirm")
    message.links()  # the URLs in its text body
    sink.stop()

HTTP: `GET /` lists the messages (newest first) with their text bodies and clickable
links, `GET /messages.json` gives them as JSON, `GET /messages/<id>.html` shows a
message's HTML part (sandboxed), `POST /clear` empties the inbox.

Also a command: `python -m marketplace.devtools.mailsink [--smtp-port N] [--http-port N]`.
Nothing leaves the machine: the sink never relays.
"""

from __future__ import annotations

import argparse
import html
import itertools
import json
import re
import signal
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

HOST = "127.0.0.1"
URL_PATTERN = re.compile(r"https?://[^\s<>\"')]+")


@dataclass(frozen=True)
class SunkMessage:
    id: int
    received_at: str
    mail_from: str
    to: list[str]
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)

    def links(self) -> list[str]:
        """Every http(s) URL in the text body, in order."""
        return URL_PATTERN.findall(self.text)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _parse(message_id: int, envelope: Envelope) -> SunkMessage:
    content = envelope.content
    raw = content if isinstance(content, bytes) else (content or "").encode()
    parsed = message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    text_part = parsed.get_body(preferencelist=("plain",))
    html_part = parsed.get_body(preferencelist=("html",))
    return SunkMessage(
        id=message_id,
        received_at=datetime.now(UTC).isoformat(),
        mail_from=str(envelope.mail_from or ""),
        to=[str(address) for address in envelope.rcpt_tos],
        subject=str(parsed.get("Subject", "")),
        text=text_part.get_content() if text_part is not None else "",
        html=html_part.get_content() if html_part is not None else "",
        headers={name: str(value) for name, value in parsed.items()},
    )


class _Inbox:
    """The messages received so far; safe to use from the SMTP and HTTP threads."""

    def __init__(self) -> None:
        self._messages: list[SunkMessage] = []
        self._ids = itertools.count(1)
        self._changed = threading.Condition()

    def add(self, envelope: Envelope) -> SunkMessage:
        with self._changed:
            message = _parse(next(self._ids), envelope)
            self._messages.append(message)
            self._changed.notify_all()
        return message

    def all(self) -> list[SunkMessage]:
        with self._changed:
            return list(self._messages)

    def clear(self) -> None:
        with self._changed:
            self._messages.clear()

    def wait(self, predicate: Any, timeout: float) -> SunkMessage | None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for message in self._messages:
                    if predicate(message):
                        return message
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._changed.wait(left)


class _SmtpHandler:
    def __init__(self, inbox: _Inbox) -> None:
        self.inbox = inbox

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.inbox.add(envelope)
        return "250 Message accepted for delivery"


def _inbox_page(messages: list[SunkMessage]) -> str:
    def linked(text: str) -> str:
        escaped = html.escape(text)
        return URL_PATTERN.sub(lambda match: f'<a href="{match[0]}">{match[0]}</a>', escaped)

    items = "".join(
        f"<article><h2>{html.escape(message.subject)}</h2>"
        f"<p><b>To:</b> {html.escape(', '.join(message.to))} · <b>From:</b> "
        f"{html.escape(message.mail_from)} · {html.escape(message.received_at)}"
        + (f' · <a href="/messages/{message.id}.html">HTML version</a>' if message.html else "")
        + f"</p><pre>{linked(message.text)}</pre></article>"
        for message in reversed(messages)
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<title>Mail sink</title><style>body{font-family:system-ui,sans-serif;margin:2rem;"
        "max-width:60rem}article{border-top:1px solid #ccc;padding:1rem 0}"
        "pre{white-space:pre-wrap}</style></head><body>"
        f"<h1>Mail sink: {len(messages)} message(s)</h1>"
        "<form method='post' action='/clear'><button>Empty the inbox</button></form>"
        + (items or "<p>No mail yet.</p>")
        + "</body></html>"
    )


def _http_handler(inbox: _Inbox) -> type[BaseHTTPRequestHandler]:
    class InboxHandler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: dev output belongs to the app

        def _send(
            self, status: int, body: str, content_type: str, extra: dict[str, str] | None = None
        ) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            messages = inbox.all()
            path = self.path.split("?", 1)[0]
            if path == "/":
                self._send(200, _inbox_page(messages), "text/html; charset=utf-8")
            elif path == "/messages.json":
                body = json.dumps([message.as_json() for message in messages], indent=2)
                self._send(200, body, "application/json")
            elif match := re.fullmatch(r"/messages/(\d+)\.html", path):
                found = [message for message in messages if message.id == int(match[1])]
                if not found:
                    self._send(404, "no such message", "text/plain; charset=utf-8")
                    return
                # Mail HTML is untrusted: no scripts, no same-origin access to the inbox.
                policy_header = {"Content-Security-Policy": "sandbox; default-src 'none'"}
                self._send(200, found[0].html, "text/html; charset=utf-8", policy_header)
            else:
                self._send(404, "not found", "text/plain; charset=utf-8")

        def do_POST(self) -> None:
            if self.path != "/clear":
                self._send(404, "not found", "text/plain; charset=utf-8")
                return
            inbox.clear()
            self.send_response(303)
            self.send_header("Location", "/")
            self.send_header("Content-Length", "0")
            self.end_headers()

    return InboxHandler


class MailSink:
    """The SMTP server and the HTTP inbox, each on its own loopback port (0: any free one),
    running in background threads of this process."""

    def __init__(self, *, smtp_port: int = 0, http_port: int = 0, host: str = HOST) -> None:
        self.host = host
        self._smtp_port = smtp_port
        self._http_port = http_port
        self._inbox = _Inbox()
        self._controller: Controller | None = None
        self._http: ThreadingHTTPServer | None = None
        self._http_thread: threading.Thread | None = None

    @property
    def smtp_port(self) -> int:
        return self._smtp_port

    @property
    def email_url(self) -> str:
        """The EMAIL_URL that sends to this sink."""
        return f"smtp://{self.host}:{self._smtp_port}"

    @property
    def inbox_url(self) -> str:
        return f"http://{self.host}:{self._http_port}/"

    def start(self) -> Self:
        if self._smtp_port == 0:
            from marketplace.devtools.tansu import free_port

            self._smtp_port = free_port()
        self._controller = Controller(
            _SmtpHandler(self._inbox), hostname=self.host, port=self._smtp_port, ready_timeout=5
        )
        self._controller.start()
        self._http = ThreadingHTTPServer((self.host, self._http_port), _http_handler(self._inbox))
        self._http_port = int(self._http.server_address[1])
        self._http_thread = threading.Thread(
            target=self._http.serve_forever, name="mailsink-http", daemon=True
        )
        self._http_thread.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None

    @property
    def messages(self) -> list[SunkMessage]:
        return self._inbox.all()

    def clear(self) -> None:
        self._inbox.clear()

    def wait_for(
        self, *, to: str, subject_contains: str = "", timeout: float = 30.0
    ) -> SunkMessage:
        """The first message to `to` (case-insensitive) whose subject contains
        `subject_contains`; AssertionError listing what did arrive after `timeout` s."""

        def matches(message: SunkMessage) -> bool:
            recipients = [address.lower() for address in message.to]
            return to.lower() in recipients and subject_contains in message.subject

        found = self._inbox.wait(matches, timeout)
        if found is None:
            seen = [(message.to, message.subject) for message in self._inbox.all()]
            raise AssertionError(
                f"no email to {to} with {subject_contains!r} in the subject within "
                f"{timeout:.0f} s; received: {seen}"
            )
        return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smtp-port", type=int, default=1025)
    parser.add_argument("--http-port", type=int, default=8025)
    args = parser.parse_args()
    sink = MailSink(smtp_port=args.smtp_port, http_port=args.http_port).start()
    print(f"SMTP on {sink.email_url}, inbox at {sink.inbox_url} (Ctrl-C stops)", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        sink.stop()


if __name__ == "__main__":
    main()
