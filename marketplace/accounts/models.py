from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from tenants.countries import COUNTRY_CODES, country_name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields: Any) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone who signs in: shopper, seller staff or platform admin. Email is the login."""

    email = models.EmailField("email address", unique=True)
    name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(
        default=False, help_text="Platform admin: may use the admin site and dashboards."
    )
    is_active = models.BooleanField(default=True)  # type: ignore[misc]
    date_joined = models.DateTimeField(default=timezone.now)
    # Set when the person follows the signed link we emailed; needed to open a shop.
    email_verified_at = models.DateTimeField(null=True, blank=True)
    # Set with is_active=False when the person deactivates their own account.
    deactivated_at = models.DateTimeField(null=True, blank=True)
    # Per-kind notification settings ({"order_updates": {"email": true}, ...}). Empty
    # until the notification issues define the kinds; readers treat a missing key as "on".
    notification_preferences = models.JSONField(default=dict, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_email_verified(self) -> bool:
        return self.email_verified_at is not None

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name or self.email.split("@")[0]


def validate_country_code(value: str) -> None:
    if value not in COUNTRY_CODES:
        raise ValidationError("Choose a country from the list.", code="invalid_country")


class Address(models.Model):
    """A saved shipping address. A user has at most one default address."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="addresses")
    full_name = models.CharField("full name", max_length=150)
    line1 = models.CharField("address line 1", max_length=200)
    line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    region = models.CharField("state, province or region", max_length=100, blank=True)
    # Optional: some countries have no postal codes.
    postal_code = models.CharField("postal code", max_length=20, blank=True)
    country = models.CharField(
        max_length=2, validators=[validate_country_code], help_text="ISO 3166-1 alpha-2 code"
    )
    phone = models.CharField(
        max_length=32,
        blank=True,
        validators=[
            RegexValidator(
                r"^\+?[0-9][0-9 ()./-]{3,30}$",
                "Enter a phone number of digits, spaces and + ( ) - . /",
                code="invalid_phone",
            )
        ],
    )
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_default", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(is_default=True),
                name="accounts_address_one_default_per_user",
            ),
            models.CheckConstraint(
                condition=models.Q(country__regex=r"^[A-Z]{2}$"),
                name="accounts_address_country_iso2",
            ),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="accounts_address_user_idx")]

    def __str__(self) -> str:
        return f"{self.full_name}, {self.line1}, {self.city} ({self.country})"

    @property
    def country_name(self) -> str:
        return country_name(self.country)
