"""Reading accounts and saved addresses."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from marketplace.accounts.models import Address, User


def addresses_of(*, user: User) -> QuerySet[Address]:
    """The user's saved addresses, the default first, then the newest."""
    return Address.objects.filter(user=user).order_by("-is_default", "-created_at", "-id")


def access_address(*, user: User, address_id: int) -> Address:
    """The user's own address; Http404 for anyone else's, so ids reveal nothing."""
    address = Address.objects.filter(pk=address_id, user=user).first()
    if address is None:
        raise Http404("No such address.")
    return address
