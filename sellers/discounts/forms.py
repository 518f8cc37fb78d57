"""The discount form (dashboard) and the rule fields it shares with the platform's
promotion form. The services validate; these forms only parse what the browser sends and
carry the service's messages back to their fields."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime
from functools import cache
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from marketplace.errors import ApplicationError
from sellers.discounts.models import RuleFields
from sellers.discounts.rules import RuleInput
from sellers.listings.models import Category

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


@cache
def timezone_choices() -> list[tuple[str, str]]:
    names = sorted(name for name in zoneinfo.available_timezones() if "/" in name)
    return [("UTC", "UTC"), *((name, name.replace("_", " ")) for name in names)]


def category_choices() -> list[tuple[int, str]]:
    """Every category, parents before their children, indented by depth."""
    rows = list(Category.objects.order_by("name").values_list("id", "name", "parent_id"))
    children: dict[int | None, list[tuple[int, str]]] = {}
    for category_id, name, parent_id in rows:
        children.setdefault(parent_id, []).append((category_id, name))
    choices: list[tuple[int, str]] = []

    def walk(parent: int | None, depth: int) -> None:
        for category_id, name in children.get(parent, []):
            choices.append((category_id, "\u2003" * depth + name))
            walk(category_id, depth + 1)

    walk(None, 0)
    return choices


class IdListField(forms.Field):
    """A list of ids: checkboxes (several values) or text such as "12, 15 18"."""

    def to_python(self, value: Any) -> list[int]:
        if value in (None, "", []):
            return []
        values = value if isinstance(value, list | tuple) else [value]
        ids = []
        for item in values:
            for part in str(item).replace(",", " ").split():
                if not part.isdigit():
                    raise ValidationError("Ids are whole numbers separated by commas.")
                ids.append(int(part))
        return ids


class ChosenIds(forms.MultipleHiddenInput):
    """Read every value of the name (the picker's checkboxes); the template renders them."""


class RuleForm(forms.Form):
    name = forms.CharField(max_length=120, required=False)
    kind = forms.ChoiceField(
        choices=RuleFields.Kind.choices,
        initial=RuleFields.Kind.PERCENTAGE,
        widget=forms.RadioSelect,
        required=False,
    )
    value = forms.CharField(
        required=False,
        label="Amount",
        help_text="Percent (such as 15) or an amount off each item (such as 5.00). Not used "
        "for free shipping.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    scope = forms.ChoiceField(
        choices=RuleFields.Scope.choices,
        initial=RuleFields.Scope.SHOP,
        widget=forms.RadioSelect,
        label="Applies to",
        required=False,
    )
    category_ids = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        label="Categories",
        help_text="Sub-categories are included.",
        widget=forms.CheckboxSelectMultiple,
    )
    product_ids = IdListField(required=False, widget=ChosenIds, label="Products")
    variant_ids = IdListField(required=False, widget=ChosenIds, label="Variants")
    code = forms.CharField(
        max_length=40,
        required=False,
        help_text="Leave empty to apply automatically. With a code, shoppers type it at "
        "checkout (any case).",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    stacks_with_others = forms.BooleanField(
        required=False,
        label="This code stacks with the automatic discount",
        help_text="Otherwise the shopper gets whichever discount is larger, never both.",
    )
    starts_at = forms.DateTimeField(
        required=False,
        label="Starts",
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
        help_text="Leave empty to start now.",
    )
    ends_at = forms.DateTimeField(
        required=False,
        label="Ends",
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
        help_text="Leave empty to run until you end it.",
    )
    time_zone = forms.ChoiceField(
        choices=timezone_choices,
        initial="UTC",
        label="Time zone of these times",
        widget=forms.Select(attrs={"data-discount-time-zone": ""}),
    )
    usage_limit = forms.CharField(
        required=False,
        label="Total uses",
        help_text="Empty: no limit.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    per_customer_limit = forms.CharField(
        required=False,
        label="Uses per customer",
        help_text="Empty: no limit.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    minimum_subtotal = forms.CharField(
        required=False,
        label="Minimum order from this shop",
        help_text="Before discounts. Empty: none.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    is_draft = forms.BooleanField(
        required=False,
        label="Save as a draft",
        help_text="A draft never starts; untick it to schedule or start the discount.",
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category_ids"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = category_choices()

    def _aware(self, value: datetime | None) -> datetime | None:
        """The browser sends a wall-clock time; it means that time in the chosen zone."""
        if value is None:
            return None
        zone_name = self.cleaned_data.get("time_zone") or "UTC"
        naive = timezone.make_naive(value, UTC) if timezone.is_aware(value) else value
        return naive.replace(tzinfo=zoneinfo.ZoneInfo(zone_name))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned["starts_at"] = self._aware(cleaned.get("starts_at"))
        cleaned["ends_at"] = self._aware(cleaned.get("ends_at"))
        return cleaned

    def rule_input(self) -> RuleInput:
        data = self.cleaned_data
        return RuleInput(
            name=data["name"],
            kind=data["kind"] or "",
            value=data["value"],
            scope=data["scope"] or "",
            category_ids=data["category_ids"],
            product_ids=data["product_ids"],
            variant_ids=data["variant_ids"],
            code=data["code"],
            stacks_with_others=data["stacks_with_others"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            usage_limit=data["usage_limit"],
            per_customer_limit=data["per_customer_limit"],
            minimum_subtotal=data["minimum_subtotal"],
            is_draft=data["is_draft"],
        )

    def add_service_error(self, error: ApplicationError) -> None:
        """Every field's message at its field; anything else above the form."""
        if not error.errors:
            self.add_error(None, error.message)
            return
        for name, message in error.errors.items():
            self.add_error(name if name in self.fields else None, message)


def rule_initial(rule: RuleFields) -> dict[str, Any]:
    """The form's initial values for an existing rule (times shown in UTC)."""
    return {
        "name": rule.name,
        "kind": rule.kind,
        "value": "" if rule.kind == RuleFields.Kind.FREE_SHIPPING else rule.value,
        "scope": rule.scope,
        "category_ids": rule.category_ids,
        "product_ids": rule.product_ids,
        "variant_ids": rule.variant_ids,
        "code": rule.code or "",
        "stacks_with_others": rule.stacks_with_others,
        "starts_at": timezone.localtime(rule.starts_at, UTC),
        "ends_at": timezone.localtime(rule.ends_at, UTC) if rule.ends_at else None,
        "time_zone": "UTC",
        "usage_limit": rule.usage_limit or "",
        "per_customer_limit": rule.per_customer_limit or "",
        "minimum_subtotal": rule.minimum_subtotal if rule.minimum_subtotal is not None else "",
        "is_draft": rule.is_draft,
        "version": rule.version,
    }
