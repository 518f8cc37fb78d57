from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import schema_exists, tenant_context

from marketplace.errors import ApplicationError
from marketplace.events.models import OutboxEvent
from sellers.catalog.models import Product
from tenants.models import Membership, PooledSchema, Shop
from tenants.provisioning import pool_refill, template_fingerprint
from tenants.services import check_shop_slug, shop_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_shop_create_takes_a_pooled_schema_and_makes_the_owner(world):
    PooledSchema.objects.all().delete()  # whatever other tests or a worker left
    pool_refill(size=1)
    pooled = PooledSchema.objects.get()
    owner = UserFactory()

    shop = shop_create(name="Gamma", slug="gamma-shop", owner=owner)

    assert shop.schema_name == "shop_gamma_shop"
    assert schema_exists("shop_gamma_shop")
    assert not schema_exists(pooled.schema_name)
    assert PooledSchema.objects.count() == 0
    assert list(Membership.objects.filter(shop=shop).values_list("user", "role")) == [
        (owner.id, "owner")
    ]
    event = OutboxEvent.objects.get(type="shop.created", key=str(shop.id))
    assert event.data == {"shop_id": shop.id, "slug": "gamma-shop", "owner_id": owner.id}
    with tenant_context(shop):
        assert Product.objects.count() == 0  # the catalog tables exist and are empty


def test_shop_create_clones_the_template_when_the_pool_is_empty(world):
    PooledSchema.objects.all().delete()

    shop = shop_create(name="Delta", slug="delta-shop", owner=UserFactory())

    with tenant_context(shop):
        Product.objects.create(title="Cloned ok", slug="cloned-ok")
        assert Product.objects.count() == 1


def test_stale_pooled_schemas_are_dropped_and_replaced(world):
    PooledSchema.objects.all().delete()
    pool_refill(size=1)
    stale = PooledSchema.objects.get()
    PooledSchema.objects.filter(id=stale.id).update(template_fingerprint="old")

    added = pool_refill(size=1)

    assert added == 1
    assert not schema_exists(stale.schema_name)
    assert PooledSchema.objects.get().template_fingerprint == template_fingerprint()


@pytest.mark.parametrize(
    "slug",
    ["ab", "a" * 41, "Upper", "has_underscore", "-start", "end-", "double--hyphen", "sp ace",
     "admin", "api", "static", "media", "www", "public", "sell", "shops", "template"],
)  # fmt: skip
def test_bad_or_reserved_slugs_are_refused_and_nothing_is_created(world, slug):
    shops_before = Shop.objects.count()
    events_before = OutboxEvent.objects.count()

    with pytest.raises(ApplicationError) as error:
        shop_create(name="Nope", slug=slug, owner=UserFactory())

    assert error.value.field == "slug"
    assert Shop.objects.count() == shops_before
    assert OutboxEvent.objects.count() == events_before


@pytest.mark.parametrize("slug", ["abc", "a" * 40, "shop-42", "9lives"])
def test_good_slugs_pass(slug):
    assert check_shop_slug(slug) == slug


def test_a_taken_slug_is_a_conflict_and_changes_nothing(world):
    schemas_before = PooledSchema.objects.count()

    with pytest.raises(ApplicationError) as error:
        shop_create(name="Again", slug=world.shop_a.slug, owner=UserFactory())

    assert (error.value.code, error.value.status) == ("slug_taken", 409)
    assert Shop.objects.filter(slug=world.shop_a.slug).count() == 1
    assert PooledSchema.objects.count() == schemas_before


def test_create_shop_command(world, capsys):
    owner = UserFactory(email="cmd-owner@example.test")

    call_command("create_shop", "cmd-shop", "--name", "Command Shop", "--owner", owner.email)

    shop = Shop.objects.get(slug="cmd-shop")
    assert shop.memberships.get().user == owner
    assert "created shop cmd-shop (schema shop_cmd_shop)" in capsys.readouterr().out
    connection.set_schema_to_public()
