from __future__ import annotations

from django.conf import settings
from django.db import models
from django_tenants.models import DomainMixin, TenantMixin


class Shop(TenantMixin):
    """A seller's shop: the tenant. Its catalog lives in the schema `schema_name`."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=40, unique=True)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    # Schemas come from shop provisioning (warm pool or template clone), never from save().
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


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
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) at {self.shop}"


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
