"""A small demo marketplace: shops with owners, categories, products, shoppers, an admin.

Idempotent: running it again finds what exists and creates only what is missing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.text import slugify
from django_tenants.utils import tenant_context
from PIL import Image, ImageDraw

from marketplace.accounts.models import User
from sellers.catalog.models import Product
from sellers.catalog.services import (
    ProductInput,
    VariantInput,
    product_create,
    product_image_add,
)
from sellers.listings.models import Category
from sellers.listings.services import category_tree_invalidate
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


# (options, price, stock, compare-at price); options {} for a product's single variant.
VariantSpec = tuple[dict[str, str], str, int, str | None]


@dataclass(frozen=True)
class DemoProduct:
    title: str
    category: str  # category slug
    variants: list[VariantSpec]
    description: str = ""
    attributes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class DemoShop:
    slug: str
    name: str
    owner: str
    description: str
    colour: tuple[int, int, int]  # of its generated product pictures
    shipping_flat_rate: str
    free_shipping_threshold: str | None
    featured: bool
    products: list[DemoProduct]


def single(price: str, stock: int, compare_at: str | None = None) -> list[VariantSpec]:
    return [({}, price, stock, compare_at)]


SHOPS = [
    DemoShop(
        slug="north-roast",
        name="North Roast Coffee",
        owner="owner@north-roast.example",
        description="Small-batch coffee roasted in Tromsø every Tuesday.",
        colour=(120, 72, 40),
        shipping_flat_rate="4.90",
        free_shipping_threshold="40.00",
        featured=True,
        products=[
            DemoProduct(
                "Ethiopia Guji",
                "coffee-tea",
                [({"Size": "250 g"}, "12.50", 40, None), ({"Size": "1 kg"}, "42.00", 6, None)],
                "Washed heirloom varieties from **Guji**: peach, jasmine and bergamot.\n\n"
                "- Roasted on Tuesday, shipped on Wednesday\n- Whole beans",
                (("Origin", "Ethiopia"), ("Process", "Washed")),
            ),
            DemoProduct(
                "Colombia Huila",
                "coffee-tea",
                [({"Size": "250 g"}, "11.90", 25, None), ({"Size": "1 kg"}, "39.00", 10, None)],
                "Caramel, red apple and cocoa from small farms in *Huila*.",
                (("Origin", "Colombia"),),
            ),
            DemoProduct("Decaf Brazil, 250 g", "coffee-tea", single("10.50", 0)),
            DemoProduct(
                "Hand grinder",
                "home-kitchen",
                single("59.00", 8, "69.00"),
                "Steel burrs, 40 click settings, from espresso to French press.",
            ),
            DemoProduct("Pour-over kettle", "home-kitchen", single("45.00", 12)),
        ],
    ),
    DemoShop(
        slug="clay-and-glaze",
        name="Clay & Glaze",
        owner="owner@clay-and-glaze.example",
        description="Wheel-thrown stoneware for every day.",
        colour=(70, 110, 130),
        shipping_flat_rate="6.50",
        free_shipping_threshold=None,
        featured=True,
        products=[
            DemoProduct(
                "Speckled mug",
                "ceramics",
                [
                    ({"Glaze": "Oat"}, "24.00", 30, None),
                    ({"Glaze": "Moss"}, "24.00", 3, None),
                    ({"Glaze": "Ink"}, "22.00", 0, "26.00"),
                ],
                "Holds 300 ml. Dishwasher and microwave safe.",
                (("Material", "Stoneware"), ("Capacity", "300 ml")),
            ),
            DemoProduct("Pour-over dripper", "ceramics", single("32.00", 10)),
            DemoProduct("Serving bowl", "ceramics", single("48.00", 5)),
            DemoProduct("Espresso cups, set of two", "ceramics", single("24.00", 14, "28.00")),
        ],
    ),
    DemoShop(
        slug="woolly-days",
        name="Woolly Days",
        owner="owner@woolly-days.example",
        description="Hand-knitted jumpers, hats and socks from Shetland wool.",
        colour=(150, 60, 80),
        shipping_flat_rate="3.90",
        free_shipping_threshold="60.00",
        featured=False,
        products=[
            DemoProduct(
                "Fair Isle jumper",
                "knitwear",
                [
                    ({"Size": "S", "Colour": "Natural"}, "149.00", 1, None),
                    ({"Size": "M", "Colour": "Natural"}, "149.00", 2, None),
                    ({"Size": "L", "Colour": "Natural"}, "149.00", 0, None),
                    ({"Size": "M", "Colour": "Indigo"}, "139.00", 2, "159.00"),
                ],
                "Knitted by hand in Shetland wool, in the traditional two-colour pattern.",
                (("Material", "100 % Shetland wool"), ("Care", "Hand wash cold")),
            ),
            DemoProduct("Ribbed beanie", "knitwear", single("29.00", 22)),
            DemoProduct("Walking socks", "knitwear", single("18.00", 40)),
            DemoProduct("Knitting pattern book", "books-paper", single("21.00", 9)),
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
            self._profile(shop, spec)
            with tenant_context(shop):
                existing = set(Product.objects.values_list("title", flat=True))
            for product_spec in spec.products:
                if product_spec.title not in existing:
                    self._product(shop, spec, product_spec, categories)
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        self.stdout.write(f"  platform admin  {admin.email}")
        for spec, owner in zip(SHOPS, owners, strict=True):
            self.stdout.write(f"  shop owner      {owner.email}  → /sell/{spec.slug}/")
        for shopper in shoppers:
            self.stdout.write(f"  shopper         {shopper.email}")

    def _profile(self, shop: Shop, spec: DemoShop) -> None:
        Shop.objects.filter(id=shop.id).update(
            shipping_flat_rate=Decimal(spec.shipping_flat_rate),
            free_shipping_threshold=Decimal(spec.free_shipping_threshold)
            if spec.free_shipping_threshold
            else None,
            tax_rate=Decimal("25.00"),
            is_featured=spec.featured,
            shipping_policy="Orders placed before noon ship the same working day from Norway. "
            "Tracked delivery in 2–5 working days.",
            returns_policy="Return unused items within 30 days for a full refund; we pay "
            "return shipping if something arrived damaged.",
        )

    def _product(
        self,
        shop: Shop,
        spec: DemoShop,
        product_spec: DemoProduct,
        categories: dict[str, Category],
    ) -> None:
        option_names = list(product_spec.variants[0][0])
        variants = []
        for variant in product_spec.variants:
            options, price, stock, compare_at = variant
            suffix = "-".join(slugify(value) for value in options.values())
            variants.append(
                VariantInput(
                    sku=f"{slugify(product_spec.title)[:40]}{'-' + suffix if suffix else ''}",
                    options=options,
                    price=Decimal(price),
                    stock=stock,
                    compare_at_price=Decimal(compare_at) if compare_at else None,
                )
            )
        product = product_create(
            shop=shop,
            data=ProductInput(
                title=product_spec.title,
                description=product_spec.description or f"{product_spec.title} from {spec.name}.",
                status=Product.Status.PUBLISHED,
                category_id=categories[product_spec.category].id,
                attributes=[{"name": n, "value": v} for n, v in product_spec.attributes],
                option_names=option_names,
                variants=variants,
            ),
        )
        product_image_add(
            shop=shop,
            actor=None,
            product_id=product.id,
            upload=demo_picture(product_spec.title, spec.colour),
            alt=product_spec.title,
        )

    def _categories(self) -> dict[str, Category]:
        by_slug: dict[str, Category] = {}
        for name, slug, parent in CATEGORIES:
            by_slug[slug], _ = Category.objects.get_or_create(
                slug=slug, defaults={"name": name, "parent": by_slug.get(parent or "")}
            )
        category_tree_invalidate()  # search caches the tree for minutes
        return by_slug

    def _user(self, email: str, *, name: str, staff: bool = False) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            create = User.objects.create_superuser if staff else User.objects.create_user
            user = create(
                email=email, password=DEMO_PASSWORD, name=name, email_verified_at=timezone.now()
            )
        return user


def demo_picture(title: str, colour: tuple[int, int, int]) -> SimpleUploadedFile:
    """A generated product picture (the demo ships no photos): the shop's colour with a
    lighter disc and stripes that vary with the title, as a JPEG upload."""
    seed = sum(title.encode())
    image = Image.new("RGB", (800, 800), colour)
    draw = ImageDraw.Draw(image)
    light = tuple(min(255, channel + 70) for channel in colour)
    for stripe in range(seed % 5 + 3):
        y = 80 + stripe * 90
        draw.rectangle((0, y, 800, y + 18), fill=tuple(min(255, c + 30) for c in colour))
    radius = 180 + seed % 120
    draw.ellipse((400 - radius, 400 - radius, 400 + radius, 400 + radius), fill=light)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return SimpleUploadedFile(f"{slugify(title)}.jpg", buffer.getvalue(), "image/jpeg")
