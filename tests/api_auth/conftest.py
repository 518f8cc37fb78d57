"""Fixtures for the API authentication tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client, override_settings

# The rates settings.py gives outside tests (tests relax them: every test client calls
# from 127.0.0.1).
REAL_THROTTLE_RATES = {"auth": "20/min", "write": "120/min"}


@pytest.fixture(autouse=True)
def _own_cache() -> Iterator[None]:
    """A cache prefix of this test's own: throttle counters and cooldowns live in Redis,
    which every test and every test run on this machine share."""
    caches = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}
    with override_settings(CACHES=caches):
        yield


@pytest.fixture
def api() -> Client:
    return Client(HTTP_HOST="localhost")


@pytest.fixture
def real_throttle_rates() -> Iterator[dict[str, str]]:
    with override_settings(API_THROTTLE_RATES=REAL_THROTTLE_RATES):
        yield REAL_THROTTLE_RATES
