"""Factories for the shared-schema models. Shops go through the real service."""

from __future__ import annotations

import itertools
from decimal import Decimal

import factory
from django.utils.text import slugify

from marketplace.accounts.models import User
from sellers.catalog.models import Product
from sellers.catalog.services import ProductInput, VariantInput, product_create
from sellers.listings.models import Category
from tenants.models import Membership, Shop
from tenants.services import shop_create

PASSWORD = "correct-horse-battery"
_shop_numbers = itertools.count(1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):  # type: ignore[no-untyped-def]
        if create:
            instance.save()


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


def make_shop(
    *, owner: User | None = None, slug: str | None = None, name: str | None = None
) -> Shop:
    """A shop provisioned through the real service (pooled schema or template clone)."""
    number = next(_shop_numbers)
    return shop_create(
        name=name or f"Test Shop {number}",
        slug=slug or f"test-shop-{number}-{factory.Faker._get_faker().lexify('????').lower()}",
        owner=owner or UserFactory(),
    )


def add_member(*, shop: Shop, user: User | None = None, role: str = Membership.Role.STAFF) -> User:
    user = user or UserFactory()
    Membership.objects.create(shop=shop, user=user, role=role)
    return user


def make_product(
    *,
    shop: Shop,
    title: str = "Test product",
    price: str = "10.00",
    stock: int = 5,
    status: str = Product.Status.PUBLISHED,
    category: Category | None = None,
    compare_at_price: str | None = None,
    description: str = "",
    option_names: list[str] | None = None,
    variants: list[VariantInput] | None = None,
) -> Product:
    """A product through the real service: one variant (SKU from the title) unless
    `variants` are given."""
    data = ProductInput(
        title=title,
        status=status,
        description=description,
        category_id=category.id if category else None,
        option_names=option_names or [],
        variants=variants
        or [
            VariantInput(
                sku=slugify(title)[:64],
                price=Decimal(price),
                stock=stock,
                compare_at_price=compare_at_price,
            )
        ],
    )
    return product_create(shop=shop, data=data)
