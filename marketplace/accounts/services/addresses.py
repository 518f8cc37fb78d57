"""Saved shipping addresses: at most one default per person, at most MAX_ADDRESSES each."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from marketplace.accounts.models import Address, User
from marketplace.accounts.services.checks import user_locked
from marketplace.errors import ApplicationError

MAX_ADDRESSES = 50
ADDRESS_FIELDS = (
    "full_name",
    "line1",
    "line2",
    "city",
    "region",
    "postal_code",
    "country",
    "phone",
)


def _address_validated(address: Address) -> None:
    try:
        address.full_clean(exclude=["user", "is_default"])
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ApplicationError(
            messages[0], code="invalid", field=None if field == "__all__" else field
        ) from None


def _address_cleaned(fields: dict[str, str]) -> dict[str, str]:
    # Collapsed whitespace: a stray double space or newline never reaches a shipping label.
    cleaned = {name: " ".join((fields[name] or "").split()) for name in ADDRESS_FIELDS}
    cleaned["country"] = cleaned["country"].upper()
    return cleaned


def address_create(
    *,
    user: User,
    full_name: str,
    line1: str,
    city: str,
    country: str,
    line2: str = "",
    region: str = "",
    postal_code: str = "",
    phone: str = "",
    is_default: bool = False,
) -> Address:
    """Save a new address. The first one becomes the default."""
    fields = _address_cleaned(
        {
            "full_name": full_name,
            "line1": line1,
            "line2": line2,
            "city": city,
            "region": region,
            "postal_code": postal_code,
            "country": country,
            "phone": phone,
        }
    )
    address = Address(user=user, **fields)
    _address_validated(address)
    with transaction.atomic():
        user_locked(user)  # serialises this user's address writes: count and default stay exact
        existing = Address.objects.filter(user=user)
        if existing.count() >= MAX_ADDRESSES:
            raise ApplicationError(
                f"You can save up to {MAX_ADDRESSES} addresses. Delete one you no longer use.",
                code="too_many_addresses",
                status=409,
            )
        has_default = existing.filter(is_default=True).exists()
        if is_default and has_default:
            existing.filter(is_default=True).update(is_default=False)
        address.is_default = is_default or not has_default
        address.save()
    return address


def address_update(
    *,
    address: Address,
    full_name: str,
    line1: str,
    city: str,
    country: str,
    line2: str = "",
    region: str = "",
    postal_code: str = "",
    phone: str = "",
) -> Address:
    """Replace the address's fields (not whether it is the default: address_set_default).
    The caller checked ownership (selectors.access_address)."""
    fields = _address_cleaned(
        {
            "full_name": full_name,
            "line1": line1,
            "line2": line2,
            "city": city,
            "region": region,
            "postal_code": postal_code,
            "country": country,
            "phone": phone,
        }
    )
    for name, value in fields.items():
        setattr(address, name, value)
    _address_validated(address)
    address.save(update_fields=[*ADDRESS_FIELDS, "updated_at"])
    return address


def address_set_default(*, address: Address) -> Address:
    with transaction.atomic():
        user_locked(address.user)
        Address.objects.filter(user_id=address.user_id, is_default=True).exclude(
            pk=address.pk
        ).update(is_default=False)
        Address.objects.filter(pk=address.pk).update(is_default=True)
    address.is_default = True
    return address


def address_delete(*, address: Address) -> None:
    """Delete the address; when it was the default, the newest remaining one takes over."""
    with transaction.atomic():
        user_locked(address.user)
        was_default = Address.objects.filter(pk=address.pk, is_default=True).exists()
        Address.objects.filter(pk=address.pk).delete()
        if was_default:
            successor = (
                Address.objects.filter(user_id=address.user_id)
                .order_by("-created_at", "-id")
                .first()
            )
            if successor is not None:
                Address.objects.filter(pk=successor.pk).update(is_default=True)
