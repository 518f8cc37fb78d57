"""The running stack for browser tests: uvicorn (HTTP + websockets), relay and worker as
real subprocesses against this worker's test database, Redis database and broker."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection

from marketplace import env as settings_env
from marketplace.devtools.mailsink import MailSink
from marketplace.devtools.oauth_provider import LocalOAuthProvider
from marketplace.devtools.tansu import TansuBroker, free_port

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@dataclass
class LiveStack:
    url: str
    processes: dict[str, subprocess.Popen[bytes]]
    logs: dict[str, Path]

    def log(self, name: str) -> str:
        return self.logs[name].read_text(errors="replace")[-4000:]


def _stack_env(broker: TansuBroker) -> dict[str, str]:
    db = settings.DATABASES["default"]
    database_url = (
        f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{connection.settings_dict['NAME']}"
    )
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "marketplace.settings",
        "MARKETPLACE_ENV": "test",
        "DATABASE_URL": database_url,
        "REDIS_URL": settings.REDIS_URL,
        "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
        "KAFKA_TOPIC_PREFIX": settings.KAFKA_TOPIC_PREFIX,
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture(scope="session")
def oauth_provider() -> Iterator[LocalOAuthProvider]:
    """This worker's stand-in for Google and GitHub, at the address the test settings gave
    allauth (marketplace/settings_test.py); tests set `oauth_provider.identity`."""
    port = urlsplit(settings_env.get("GITHUB_URL")).port
    assert port is not None, "the test settings point GITHUB_URL at the local provider"
    provider = LocalOAuthProvider(port=port).start()
    yield provider
    provider.stop()


@pytest.fixture(scope="session")
def mail_sink() -> Iterator[MailSink]:
    """This worker's SMTP sink; the live stack sends every email to it. Read a message with
    `mail_sink.wait_for(to=..., subject_contains=...)` and its links with `.links()`."""
    sink = MailSink().start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def live_stack(
    world: Any,
    kafka_broker: TansuBroker,
    oauth_provider: LocalOAuthProvider,
    mail_sink: MailSink,
) -> Iterator[LiveStack]:
    """Starts once per worker session; the `world` data is committed before it starts.
    Google and GitHub sign-in are on, against the local OAuth provider."""
    port = free_port()
    env = {**_stack_env(kafka_broker), **oauth_provider.stack_env()}
    # Email goes out over real SMTP to the sink, with links back to this stack.
    env.update(EMAIL_URL=mail_sink.email_url, SITE_URL=f"http://127.0.0.1:{port}")
    bin_dir = Path(sys.executable).parent
    commands = {
        "web": [str(bin_dir / "uvicorn"), "marketplace.asgi:application",
                "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        "relay": [sys.executable, "manage.py", "relay"],
        "worker": [sys.executable, "manage.py", "worker"],
    }  # fmt: skip
    ARTIFACTS.mkdir(exist_ok=True)
    worker_id = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    processes: dict[str, subprocess.Popen[bytes]] = {}
    logs: dict[str, Path] = {}
    for name, command in commands.items():
        logs[name] = ARTIFACTS / f"stack-{worker_id}-{name}.log"
        processes[name] = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=logs[name].open("wb"),
            stderr=subprocess.STDOUT,
        )
    stack = LiveStack(url=f"http://127.0.0.1:{port}", processes=processes, logs=logs)
    try:
        _wait_healthy(stack)
        yield stack
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_healthy(stack: LiveStack, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name, process in stack.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited early:\n{stack.log(name)}")
        try:
            with urllib.request.urlopen(stack.url + "/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("stack not healthy in time:\n" + stack.log("web"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Per test module: Playwright's sync API keeps an event loop running in this thread,
    which other tests' async_to_sync calls must not find there."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def sign_in(page: Any, stack: LiveStack, *, email: str, password: str) -> None:
    page.goto(stack.url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
