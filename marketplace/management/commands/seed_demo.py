"""A small demo marketplace: shops with owners, categories, products, shoppers, an admin.

Idempotent: running it again finds what exists and creates only what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.utils import timezone
from django_tenants.utils import tenant_context

from marketplace.accounts.models import User
from sellers.catalog.models import Product
from sellers.catalog.services import product_create
from sellers.listings.models import Category
from tenants.models import Shop
from tenants.services import shop_create

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105  (printed for the demo on purpose)

CATEGORIES = [
    ("Home & Kitchen", "home-kitchen", None),
    ("Coffee & Tea", "coffee-tea", "home-kitchen"),
    ("Ceramics", "ceramics", "home-kitchen"),
    ("Clothing", "clothing", None),
    ("Knitwear", "knitwear", "clothing"),
    ("Books & Paper", "books-paper", None),
]


@dataclass(frozen=True)
class DemoShop:
    slug: str
    name: str
    owner: str
    description: str
    products: list[tuple[str, str, str, int]]  # title, category slug, price, stock


SHOPS = [
    DemoShop(
        slug="north-roast",
        name="North Roast Coffee",
        owner="owner@north-roast.example",
        description="Small-batch coffee roasted in Tromsø every Tuesday.",
        products=[
            ("Ethiopia Guji, 250 g", "coffee-tea", "12.50", 40),
            ("Colombia Huila, 250 g", "coffee-tea", "11.90", 25),
            ("Decaf Brazil, 250 g", "coffee-tea", "10.50", 0),
            ("Hand grinder", "home-kitchen", "59.00", 8),
            ("Pour-over kettle", "home-kitchen", "45.00", 12),
        ],
    ),
    DemoShop(
        slug="clay-and-glaze",
        name="Clay & Glaze",
        owner="owner@clay-and-glaze.example",
        description="Wheel-thrown stoneware for every day.",
        products=[
            ("Speckled mug", "ceramics", "24.00", 30),
            ("Pour-over dripper", "ceramics", "32.00", 10),
            ("Serving bowl", "ceramics", "48.00", 5),
            ("Espresso cups, set of two", "ceramics", "28.00", 14),
        ],
    ),
    DemoShop(
        slug="woolly-days",
        name="Woolly Days",
        owner="owner@woolly-days.example",
        description="Hand-knitted jumpers, hats and socks from Shetland wool.",
        products=[
            ("Fair Isle jumper", "knitwear", "149.00", 3),
            ("Ribbed beanie", "knitwear", "29.00", 22),
            ("Walking socks", "knitwear", "18.00", 40),
            ("Knitting pattern book", "books-paper", "21.00", 9),
        ],
    ),
]

SHOPPERS = ["ada@shopper.example", "ben@shopper.example"]
ADMIN = "admin@marketplace.example"


class Command(BaseCommand):
    help = "Load a small demo marketplace (idempotent) and print its logins."

    def handle(self, *args: object, **options: object) -> None:
        categories = self._categories()
        admin = self._user(ADMIN, name="Platform Admin", staff=True)
        shoppers = [self._user(email, name=email.split("@")[0].title()) for email in SHOPPERS]
        owners = []
        for spec in SHOPS:
            owner = self._user(spec.owner, name=f"{spec.name} owner")
            owners.append(owner)
            shop = Shop.objects.filter(slug=spec.slug).first() or shop_create(
                name=spec.name, slug=spec.slug, owner=owner, description=spec.description
            )
            with tenant_context(shop):
                existing = set(Product.objects.values_list("title", flat=True))
            for title, category_slug, price, stock in spec.products:
                if title in existing:
                    continue
                product_create(
                    shop=shop,
                    title=title,
                    price=Decimal(price),
                    stock=stock,
                    category=categories[category_slug],
                    status=Product.Status.PUBLISHED,
                    description=f"{title} from {spec.name}.",
                )
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        self.stdout.write(f"  platform admin  {admin.email}")
        for spec, owner in zip(SHOPS, owners, strict=True):
            self.stdout.write(f"  shop owner      {owner.email}  → /sell/{spec.slug}/")
        for shopper in shoppers:
            self.stdout.write(f"  shopper         {shopper.email}")

    def _categories(self) -> dict[str, Category]:
        by_slug: dict[str, Category] = {}
        for name, slug, parent in CATEGORIES:
            by_slug[slug], _ = Category.objects.get_or_create(
                slug=slug, defaults={"name": name, "parent": by_slug.get(parent or "")}
            )
        return by_slug

    def _user(self, email: str, *, name: str, staff: bool = False) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            create = User.objects.create_superuser if staff else User.objects.create_user
            user = create(
                email=email, password=DEMO_PASSWORD, name=name, email_verified_at=timezone.now()
            )
        return user
