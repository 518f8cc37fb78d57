"""A shop's catalog. These tables exist once per shop schema (TENANT_APPS).

A product is what shoppers see as one page; its variants are what they buy (a size, a
colour). Every product has at least one variant; price and stock live on variants.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q


class Product(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    # Markdown as the seller wrote it, and the sanitised HTML rendered from it on save.
    description = models.TextField(blank=True)
    description_html = models.TextField(blank=True, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    # Categories are platform-wide (public schema); no database constraint crosses schemas.
    category = models.ForeignKey(
        "listings.Category",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    # Free-form facts shown on the product page: [{"name": "Material", "value": "Wool"}].
    attributes = models.JSONField(default=list, blank=True)
    # The option names variants choose between, in order: ["Size", "Colour"] (at most 3).
    option_names = models.JSONField(default=list, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="catalog_product_status_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class Variant(models.Model):
    """One buyable version of a product. Stock counts only when `track_inventory` is on."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(max_length=64, unique=True)
    # {"Size": "M", "Colour": "Red"}: one value per name in product.option_names.
    options = models.JSONField(default=dict, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2)
    compare_at_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    stock = models.IntegerField(default=0)
    track_inventory = models.BooleanField(default=True)
    low_stock_threshold = models.IntegerField(default=5)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["product_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gte=Decimal("0")), name="catalog_variant_price_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(compare_at_price__isnull=True) | Q(compare_at_price__gt=F("price")),
                name="catalog_variant_compare_at_gt_price",
            ),
            models.CheckConstraint(condition=Q(stock__gte=0), name="catalog_variant_stock_gte_0"),
            models.CheckConstraint(
                condition=Q(low_stock_threshold__gte=0), name="catalog_variant_threshold_gte_0"
            ),
            models.UniqueConstraint(
                fields=["product", "options"], name="catalog_variant_product_options"
            ),
        ]

    def __str__(self) -> str:
        return self.sku

    @property
    def in_stock(self) -> bool:
        return not self.track_inventory or self.stock > 0

    @property
    def is_low_stock(self) -> bool:
        return self.track_inventory and self.stock <= self.low_stock_threshold

    @property
    def label(self) -> str:
        """ "M / Red", or "Default" for a product without options."""
        return " / ".join(str(value) for value in self.options.values()) or "Default"


class StockMovement(models.Model):
    """One change of a variant's stock: who, when, why. Written by the stock services only.

    The variant may be deleted later; the row keeps its SKU so the history still reads.
    """

    class Reason(models.TextChoices):
        INITIAL = "initial", "Initial stock"
        EDIT = "edit", "Edited in the product form"
        RESTOCK = "restock", "Restock"
        CORRECTION = "correction", "Stock count correction"
        DAMAGED = "damaged", "Damaged or lost"
        IMPORT = "import", "CSV import"
        API = "api", "API"
        SALE = "sale", "Sale"
        RETURN = "return", "Return"

    variant = models.ForeignKey(
        Variant, on_delete=models.SET_NULL, null=True, related_name="stock_movements"
    )
    sku = models.CharField(max_length=64)
    delta = models.IntegerField()
    stock_after = models.IntegerField()
    reason = models.CharField(max_length=16, choices=Reason.choices)
    note = models.CharField(max_length=200, blank=True)
    # Users live in the public schema: their id and email at the time, no foreign key.
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_email = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["variant", "-created_at"], name="catalog_stock_variant_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.delta:+d}"


class ProductImage(models.Model):
    """An image of a product in media storage; `name` is the storage name of the original."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    name = models.CharField(max_length=255)
    alt = models.CharField(max_length=250, blank=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["product_id", "position", "id"]

    def __str__(self) -> str:
        return self.name


class ImportJob(models.Model):
    """One CSV import: the uploaded file, its dry run and, once confirmed, the import.

    Upload → `pending` → the worker checks every row (`validating`) → `validated` (no
    problems: the seller may confirm) or `failed` (problems listed in `errors`). Confirming
    sets `import_requested_at`; the worker imports (`importing`) → `done`, or `failed` with
    nothing changed. The CSV text is kept in the row: it is at most 20 MB, commits together
    with the job, and needs no file storage that only takes images.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be checked"
        VALIDATING = "validating", "Checking"
        VALIDATED = "validated", "Ready to import"
        IMPORTING = "importing", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed"

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    file_name = models.CharField(max_length=255)
    content = models.TextField()
    # Delete the variants of the file's products that the file leaves out (off: keep them).
    replace_variants = models.BooleanField(default=False)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # The first problems found: [{"row": 14, "column": "price", "message": "..."}]; row and
    # column are null for problems with the whole file.
    errors = models.JSONField(default=list, blank=True)
    # What the import did: {"products_created": 3, "variants_updated": 10, ...}.
    summary = models.JSONField(default=dict, blank=True)
    # Users live in the public schema: their id and email at the time, no foreign key.
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_by_email = models.CharField(max_length=254, blank=True)
    import_requested_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"

    @property
    def is_running(self) -> bool:
        """The worker has more to do: check the file, or import it once confirmed."""
        return self.status in (
            self.Status.PENDING,
            self.Status.VALIDATING,
            self.Status.IMPORTING,
        ) or (self.status == self.Status.VALIDATED and self.import_requested_at is not None)
