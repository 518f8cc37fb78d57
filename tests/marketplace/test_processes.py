"""The relay and worker processes stop cleanly on SIGTERM (as a supervisor or Kubernetes sends)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from marketplace.devtools.tansu import TansuBroker
from tests.e2e.fixtures import ROOT, _stack_env

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_broker() -> Iterator[TansuBroker]:
    """A broker of this test only: consumer groups a SIGTERM'd worker had joined stayed
    stuck on the session broker, and a later live-stack worker never got its events."""
    broker = TansuBroker()
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


@pytest.mark.parametrize(
    ("command", "ready", "stopped"),
    [
        ("relay", b"relay: publishing outbox events", b"relay: stopped"),
        ("worker", b"worker: running", b"worker: stopped"),
    ],
)
def test_process_exits_cleanly_on_sigterm(own_broker, command, ready, stopped):
    process = subprocess.Popen(
        [sys.executable, "manage.py", command],
        cwd=ROOT,
        # No pool refill: other tests in this process count the pooled schemas.
        env={**_stack_env(own_broker), "SHOP_SCHEMA_POOL_SIZE": "0"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        output = b""
        deadline = time.monotonic() + 30
        while ready not in output and time.monotonic() < deadline:
            output += process.stdout.readline()
        assert ready in output

        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()

    assert process.returncode == 0
    assert stopped in output + rest
    assert b"Traceback" not in output + rest
