"""Session-wide test fixtures: real PostgreSQL, Redis and a Tansu Kafka broker.

Shop schemas are expensive, so the template schema, a small warm pool and the shops most
tests use are created once per session (per xdist worker) and committed; each test then
runs in a transaction that is rolled back.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings

from marketplace.accounts.models import User
from marketplace.devtools.tansu import TansuBroker
from tenants.models import Membership, Shop
from tenants.provisioning import pool_refill, template_prepare
from tests.factories import UserFactory, add_member, make_product, make_shop

pytest_plugins = ["tests.e2e.fixtures"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last in each process: what they do through the live stack is
    committed, and must not show up in the exact assertions of the other tests."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)


@pytest.fixture(autouse=True)
def _fresh_cache(request: pytest.FixtureRequest) -> Iterator[None]:
    """Sign-in throttle counters and cooldowns live in Redis, outside the rolled-back test
    transaction: each test gets a key prefix of its own, so it starts without them. (Not
    FLUSHDB: test runs in other processes may share the Redis database.) Browser tests keep
    the prefix the live stack uses."""
    if request.node.get_closest_marker("e2e") is not None:
        yield
        return
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    with override_settings(
        CACHES={"default": {**settings.CACHES["default"], "KEY_PREFIX": prefix}}
    ):
        yield


@pytest.fixture(scope="session")
def kafka_broker() -> Iterator[TansuBroker]:
    """This worker's own broker; settings point at it for the whole session."""
    broker = TansuBroker()
    broker.start()
    previous = settings.KAFKA_BOOTSTRAP_SERVERS
    settings.KAFKA_BOOTSTRAP_SERVERS = broker.bootstrap
    yield broker
    settings.KAFKA_BOOTSTRAP_SERVERS = previous
    broker.stop()


@pytest.fixture(scope="session", autouse=True)
def _session_broker(kafka_broker: TansuBroker) -> TansuBroker:
    return kafka_broker


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """The test database with the shop template schema and a warm pool of two."""
    with django_db_blocker.unblock():
        template_prepare()
        pool_refill(size=2)
    yield
    # Connections other threads opened (channels' database_sync_to_async) would keep
    # pytest-django from dropping the test database.
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@dataclass(frozen=True)
class World:
    """Two shops with their people and a shopper, committed once per session."""

    shop_a: Shop
    shop_b: Shop
    owner_a: User
    manager_a: User
    staff_a: User
    owner_b: User
    shopper: User


@pytest.fixture(scope="session")
def world(django_db_setup, django_db_blocker) -> World:  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        # Only a test database: pytest-django sets one up for django_db-marked tests only.
        assert connection.settings_dict["NAME"].startswith("test_")
        owner_a = UserFactory(email="owner-a@example.test")
        owner_b = UserFactory(email="owner-b@example.test")
        shop_a = make_shop(owner=owner_a, slug="alpha-goods", name="Alpha Goods")
        shop_b = make_shop(owner=owner_b, slug="beta-store", name="Beta Store")
        manager_a = add_member(shop=shop_a, role=Membership.Role.MANAGER)
        staff_a = add_member(shop=shop_a, role=Membership.Role.STAFF)
        make_product(shop=shop_a, title="Alpha lamp", price="30.00")
        make_product(shop=shop_a, title="Alpha draft chair", status="draft")
        make_product(shop=shop_b, title="Beta kettle", price="25.00")
        shopper = UserFactory(email="shopper@example.test")
    return World(shop_a, shop_b, owner_a, manager_a, staff_a, owner_b, shopper)


@pytest.fixture
def client() -> Client:
    return Client(HTTP_HOST="localhost")


def client_for(user: User | None) -> Client:
    client = Client(HTTP_HOST="localhost")
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def as_user():  # type: ignore[no-untyped-def]
    """`as_user(user)` is a test client signed in as `user` (None: anonymous)."""
    return client_for


os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop
