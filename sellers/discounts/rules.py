"""Checking what a seller (discount) or a platform admin (promotion) typed.

`check_rule` validates every field at once (errors keyed by field name, as the form and
the API name them) and returns clean values; the services add the checks that need the
database (codes taken, products of the shop).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from marketplace.money import CENT, decimal_typed, in_cents
from sellers.catalog.services.products import Errors, parse_money
from sellers.discounts.models import RuleFields
from sellers.listings.models import Category

CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{2,39}")
MAX_LIMIT = 1_000_000_000
MAX_CHOSEN = 500  # categories, products or variants one rule may name


@dataclass
class RuleInput:
    """A discount or promotion as a form, API request or command gives it."""

    name: str
    kind: str
    value: Decimal | str | None = None
    scope: str = RuleFields.Scope.SHOP
    category_ids: list[int] = field(default_factory=list)
    product_ids: list[int] = field(default_factory=list)
    variant_ids: list[int] = field(default_factory=list)
    code: str | None = None
    stacks_with_others: bool = False
    starts_at: datetime | None = None  # None: now
    ends_at: datetime | None = None  # None: open-ended
    usage_limit: int | str | None = None
    per_customer_limit: int | str | None = None
    minimum_subtotal: Decimal | str | None = None
    is_draft: bool = False


def _parse_percentage(value: Decimal | str | None, errors: Errors) -> Decimal | None:
    message = "A percentage is more than 0 and at most 100, with at most two decimals."
    amount = decimal_typed(value)
    if amount is None or amount <= 0 or amount > 100 or not in_cents(amount):
        errors.add("value", message)
        return None
    return amount.quantize(CENT)


def _parse_limit(value: int | str | None, *, name: str, errors: Errors) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        number = 0
    if number < 1 or number > MAX_LIMIT:
        errors.add(name, "A limit is a whole number of at least 1 (leave it empty for none).")
        return None
    return number


def _ids(values: list[int], *, name: str, errors: Errors) -> list[int]:
    try:
        ids = sorted({int(value) for value in values})
    except (TypeError, ValueError):
        errors.add(name, "Choose from the list.")
        return []
    if len(ids) > MAX_CHOSEN:
        errors.add(name, f"Choose at most {MAX_CHOSEN}.")
    return ids


def _aware(value: datetime | None, *, name: str, errors: Errors) -> datetime | None:
    if value is not None and timezone.is_naive(value):
        errors.add(name, "Give the time with its time zone (for example 2026-06-01T09:00+02:00).")
        return None
    return value


def check_rule(
    data: RuleInput, *, errors: Errors, now: datetime, previous: RuleFields | None = None
) -> dict[str, Any]:
    """Clean values for the model fields; problems go to `errors`.

    `previous` is the rule being edited: its end may stay in the past (an expired
    discount keeps its dates), a new end may not.
    """
    name = (data.name or "").strip()
    if not name or len(name) > 120:
        errors.add("name", "Give it a name of 1–120 characters.")
    kind = data.kind
    value: Decimal | None = Decimal(0)
    if kind not in RuleFields.Kind.values:
        errors.add("kind", "Choose percentage off, amount off each item or free shipping.")
    elif kind == RuleFields.Kind.PERCENTAGE:
        value = _parse_percentage(data.value, errors)
    elif kind == RuleFields.Kind.FIXED_AMOUNT:
        value = parse_money(data.value, name="value", errors=errors)
        if value is not None and value <= 0:
            value = None
        if value is None:
            errors.add("value", "Enter the amount taken off each item, such as 5.00.")

    scope = data.scope
    category_ids: list[int] = []
    product_ids: list[int] = []
    variant_ids: list[int] = []
    if scope not in RuleFields.Scope.values:
        errors.add("scope", "Choose everything, categories or products.")
    elif scope == RuleFields.Scope.CATEGORIES:
        category_ids = _ids(data.category_ids, name="category_ids", errors=errors)
        if not category_ids:
            errors.add("category_ids", "Choose at least one category.")
        elif "category_ids" not in errors.by_field:
            found = set(Category.objects.filter(id__in=category_ids).values_list("id", flat=True))
            if found != set(category_ids):
                errors.add("category_ids", "Choose categories from the list.")
    elif scope == RuleFields.Scope.PRODUCTS:
        product_ids = _ids(data.product_ids, name="product_ids", errors=errors)
        variant_ids = _ids(data.variant_ids, name="variant_ids", errors=errors)
        if not product_ids and not variant_ids:
            errors.add("product_ids", "Choose at least one product or variant.")

    code = (data.code or "").strip() or None
    if code is not None and not CODE_PATTERN.fullmatch(code):
        errors.add("code", "A code has 3–40 letters, digits, dashes or underscores.")
    stacks = bool(data.stacks_with_others)
    if stacks and code is None:
        errors.add(
            "stacks_with_others",
            "Only a discount with a code can stack with others: add a code or untick this.",
        )

    starts_at = _aware(data.starts_at, name="starts_at", errors=errors)
    if starts_at is None and "starts_at" not in errors.by_field:
        starts_at = previous.starts_at if previous is not None else now
    ends_at = _aware(data.ends_at, name="ends_at", errors=errors)
    if ends_at is not None and starts_at is not None and ends_at <= starts_at:
        errors.add("ends_at", "The end must be after the start.")
    elif (
        ends_at is not None and ends_at <= now and (previous is None or previous.ends_at != ends_at)
    ):
        errors.add("ends_at", "The end is in the past: choose a later time, or leave it empty.")

    minimum = parse_money(data.minimum_subtotal, name="minimum_subtotal", errors=errors)
    return {
        "name": name,
        "kind": kind,
        "value": value if kind != RuleFields.Kind.FREE_SHIPPING else Decimal(0),
        "scope": scope,
        "category_ids": category_ids,
        "product_ids": product_ids,
        "variant_ids": variant_ids,
        "code": code,
        "stacks_with_others": stacks,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "usage_limit": _parse_limit(data.usage_limit, name="usage_limit", errors=errors),
        "per_customer_limit": _parse_limit(
            data.per_customer_limit, name="per_customer_limit", errors=errors
        ),
        "minimum_subtotal": minimum,
        "is_draft": bool(data.is_draft),
    }
