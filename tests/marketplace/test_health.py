"""/healthz, and the web site carrying on while Kafka is down."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import override_settings
from django_tenants.utils import tenant_context

from marketplace.devtools.tansu import TansuBroker, free_port
from sellers.catalog.models import Product
from sellers.listings.models import Listing
from tests.sellers.test_products import editor_data, variant_row

pytestmark = pytest.mark.django_db

ALL_OK = {"postgres": "ok", "redis": "ok", "kafka": "ok"}


def test_healthz_is_ok_when_everything_answers(world, client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": ALL_OK}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_names_kafka_when_the_broker_is_unreachable(world, client):
    with override_settings(KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{free_port()}"):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "detail": "Unavailable: kafka",
        "code": "unhealthy",
        "checks": {"postgres": "ok", "redis": "ok", "kafka": "failed"},
    }


def test_healthz_names_redis_when_redis_is_unreachable(world, client):
    with override_settings(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "detail": "Unavailable: redis",
        "code": "unhealthy",
        "checks": {"postgres": "ok", "redis": "failed: ConnectionError", "kafka": "ok"},
    }


def test_healthz_names_every_failing_service(world, client):
    dead = free_port()
    with override_settings(
        REDIS_URL=f"redis://127.0.0.1:{dead}/0", KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{dead}"
    ):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["detail"] == "Unavailable: redis, kafka"


def test_healthz_only_answers_get(world, client):
    assert client.post("/healthz").status_code == 405


# --- the site without Kafka -------------------------------------------------------------


@pytest.fixture
def stopped_broker() -> Iterator[TansuBroker]:
    """A broker of this test only, pointed at by settings, that is up and then stopped."""
    broker = TansuBroker()
    broker.start()
    try:
        with override_settings(KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap):
            yield broker
    finally:
        broker.stop()


def _browse_and_sell(world, as_user) -> None:
    shopper = as_user(world.shopper)
    assert shopper.get("/").status_code == 200
    assert shopper.get("/search", {"q": "lamp"}).status_code == 200
    assert shopper.get("/shops/alpha-goods/").status_code == 200
    assert shopper.get("/shops/alpha-goods/products/alpha-lamp/").status_code == 200
    assert shopper.get("/api/v1/listings").status_code == 200

    owner = as_user(world.owner_a)
    assert owner.get("/sell/alpha-goods/").status_code == 200
    created = owner.post(
        "/sell/alpha-goods/products/new/",
        editor_data(
            title="Offline lamp",
            status="published",
            variants=(variant_row(sku="OFF-1", price="15.00", stock="2"),),
        ),
    )
    assert created.status_code == 302
    with tenant_context(world.shop_a):
        product = Product.objects.get(slug="offline-lamp")
    assert created["Location"] == f"/sell/alpha-goods/products/{product.id}/"
    assert Listing.objects.filter(shop=world.shop_a, product_id=product.id).count() == 1
    assert shopper.get("/shops/alpha-goods/products/offline-lamp/").status_code == 200


def test_stopping_the_broker_does_not_break_any_web_page(world, as_user, client, stopped_broker):
    assert client.get("/healthz").json()["checks"]["kafka"] == "ok"  # it was up

    stopped_broker.stop()

    assert client.get("/healthz").status_code == 503
    _browse_and_sell(world, as_user)


def test_web_pages_work_with_kafka_pointed_at_a_dead_port(world, as_user):
    with override_settings(KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{free_port()}"):
        _browse_and_sell(world, as_user)
