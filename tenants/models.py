from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django_tenants.models import DomainMixin, TenantMixin

from tenants.countries import country_name


class Shop(TenantMixin):
    """A seller's shop: the tenant. Its catalog lives in the schema `schema_name`."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=40, unique=True)
    description = models.TextField(blank=True)
    support_email = models.EmailField(blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code")
    # Written only by the shop services, which validate and re-encode the image.
    logo = models.ImageField(max_length=255, blank=True)
    banner = models.ImageField(max_length=255, blank=True)
    # What shoppers read before buying, on the shop and product pages (plain text).
    shipping_policy = models.TextField(blank=True)
    returns_policy = models.TextField(blank=True)
    # Checkout's shipping for this shop's part of an order: a flat amount per order, free
    # when that part's subtotal reaches the threshold (none: never free). Prices include
    # tax; tax_rate (percent) says how much of a price is tax, for checkout and invoices.
    shipping_flat_rate = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal(0))
    free_shipping_threshold = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True
    )
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(0))
    # Platform admins pick the shops the homepage features.
    is_featured = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspension_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Schemas come from shop provisioning (warm pool or template clone), never from save().
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        ordering = ["name"]
        constraints = [
            # Reinstating clears the suspension; an active shop never shows a stale reason.
            # (The service also requires a reason and a time when suspending.)
            models.CheckConstraint(
                condition=models.Q(status="suspended")
                | models.Q(suspended_at__isnull=True, suspension_reason=""),
                name="tenants_shop_active_not_suspended",
            ),
            models.CheckConstraint(
                condition=Q(shipping_flat_rate__gte=0), name="tenants_shop_shipping_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(free_shipping_threshold__isnull=True)
                | Q(free_shipping_threshold__gte=0),
                name="tenants_shop_free_shipping_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0) & Q(tax_rate__lte=100),
                name="tenants_shop_tax_rate_percent",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_suspended(self) -> bool:
        return self.status == self.Status.SUSPENDED

    @property
    def country_name(self) -> str:
        return country_name(self.country) if self.country else ""


class Domain(DomainMixin):
    """An extra host name for a shop's storefront. Path routing is the primary route."""


class Membership(models.Model):
    """A person working for a shop, with the role that decides what they may do."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        MANAGER = "manager", "Manager"
        STAFF = "staff", "Staff"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "user"], name="tenants_membership_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=["owner", "manager", "staff"]),
                name="tenants_membership_role_valid",
            ),
        ]
        indexes = [models.Index(fields=["shop", "role"], name="tenants_membership_role_idx")]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) at {self.shop}"


class Invitation(models.Model):
    """An emailed offer to join a shop with a role.

    The link carries a random token; only its SHA-256 digest is stored, so a database
    leak does not leak usable links. An invitation is open until it is accepted, revoked
    or past `expires_at`; a shop has at most one open invitation per email address.
    """

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="invitations")
    # Stored lower-cased: accepting compares it with the account's email case-insensitively.
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Membership.Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "email"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="tenants_invitation_one_open_per_email",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=["owner", "manager", "staff"]),
                name="tenants_invitation_role_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(accepted_at__isnull=True) | models.Q(revoked_at__isnull=True),
                name="tenants_invitation_accepted_or_revoked",
            ),
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")), name="tenants_invitation_email_lower"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.role}) to {self.shop}"


class PooledSchema(models.Model):
    """A shop schema created in advance, waiting to be renamed to a new shop's schema.

    `template_fingerprint` records which tenant migrations the schema carries; a pooled
    schema whose fingerprint differs from the template's current one is stale and is
    dropped instead of handed out.
    """

    schema_name = models.CharField(max_length=63, unique=True)
    template_fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.schema_name
