from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.urls import reverse_lazy

from tenants.countries import COUNTRIES
from tenants.models import Membership

COUNTRY_CHOICES = [("", "Choose a country"), *COUNTRIES]
LOGO_HELP = "JPEG, PNG or WebP, up to 10 MB. Shown square: a simple mark works best."
BANNER_HELP = (
    "The wide picture across the top of your shop page: JPEG, PNG or WebP, up to 10 MB. "
    "About 1600×400 pixels looks best; the sides may be cropped on phones."
)
LOGO_ACCEPT = "image/jpeg,image/png,image/webp"


class ShopOpenForm(forms.Form):
    """Opening a shop. The service checks every rule again; this form only parses input."""

    name = forms.CharField(max_length=120, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    slug = forms.CharField(
        label="Address",
        max_length=40,
        help_text="Lowercase letters, digits and hyphens; it can't be changed later.",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "none",
                "spellcheck": "false",
                "hx-get": reverse_lazy("sellers:slug_hint"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#slug-hint",
                "hx-sync": "this:replace",
                "aria-describedby": "slug-hint",
            }
        ),
    )
    description = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    logo = forms.FileField(
        required=False,
        help_text=LOGO_HELP,
        widget=forms.ClearableFileInput(attrs={"accept": LOGO_ACCEPT}),
    )
    support_email = forms.EmailField(
        label="Support email",
        help_text="Shoppers write here with questions about their orders.",
    )
    country = forms.ChoiceField(choices=COUNTRY_CHOICES)


class ShopProfileForm(forms.Form):
    """The shop's public profile. The service checks every rule again; amounts are in the
    marketplace currency and, like every price, include tax."""

    name = forms.CharField(max_length=120)
    description = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    support_email = forms.EmailField(label="Support email")
    country = forms.ChoiceField(choices=COUNTRY_CHOICES)
    logo = forms.FileField(
        required=False,
        help_text=LOGO_HELP,
        widget=forms.ClearableFileInput(attrs={"accept": LOGO_ACCEPT}),
    )
    banner = forms.FileField(
        required=False,
        help_text=BANNER_HELP,
        widget=forms.ClearableFileInput(attrs={"accept": LOGO_ACCEPT}),
    )
    shipping_policy = forms.CharField(
        label="Shipping policy",
        max_length=5000,
        required=False,
        help_text="Where you ship, how fast, with which carriers. Plain text, up to 5,000 "
        "characters.",
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    returns_policy = forms.CharField(
        label="Returns policy",
        max_length=5000,
        required=False,
        help_text="How long shoppers have to return items and who pays for it. Plain text, "
        "up to 5,000 characters.",
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    shipping_flat_rate = forms.DecimalField(
        label=f"Shipping per order ({settings.MARKETPLACE_CURRENCY})",
        required=False,  # empty: no charge
        min_value=Decimal("0"),
        max_value=Decimal("9999.99"),
        decimal_places=2,
        help_text="Charged once for everything a shopper buys from your shop in one order. "
        "Empty or 0: shipping is free.",
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    free_shipping_threshold = forms.DecimalField(
        label=f"Free shipping from ({settings.MARKETPLACE_CURRENCY})",
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("999999.99"),
        decimal_places=2,
        help_text="Orders from your shop of this amount or more ship free. Leave empty if "
        "shipping is never free.",
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    tax_rate = forms.DecimalField(
        label="Tax rate (%)",
        required=False,  # empty: 0
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        decimal_places=2,
        help_text="Your prices include tax: enter the rate they include (21 for 21% VAT), "
        "so checkout and invoices can show how much of each price is tax. Empty or 0 if "
        "you charge none.",
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.STAFF)

    def __init__(self, *args: Any, allow_owner: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not allow_owner:
            # Managers can't invite owners; the service refuses it anyway.
            role = self.fields["role"]
            assert isinstance(role, forms.ChoiceField)
            role.choices = [
                choice for choice in Membership.Role.choices if choice[0] != Membership.Role.OWNER
            ]
