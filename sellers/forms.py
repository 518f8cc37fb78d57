from decimal import Decimal
from typing import Any

from django import forms
from django.urls import reverse_lazy

from sellers.catalog.models import Product
from sellers.listings.models import Category
from tenants.countries import COUNTRIES
from tenants.models import Membership


class ProductForm(forms.Form):
    title = forms.CharField(max_length=200)
    price = forms.DecimalField(
        min_value=Decimal("0"), max_value=Decimal("999999.99"), decimal_places=2
    )
    stock = forms.IntegerField(min_value=0, max_value=1_000_000, initial=0)
    category = forms.ModelChoiceField(queryset=Category.objects.all(), required=False)
    status = forms.ChoiceField(choices=Product.Status.choices, initial=Product.Status.DRAFT)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)


COUNTRY_CHOICES = [("", "Choose a country"), *COUNTRIES]
LOGO_HELP = "JPEG, PNG or WebP, up to 5 MB and 4096×4096 pixels."
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
    name = forms.CharField(max_length=120)
    description = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    logo = forms.FileField(
        required=False,
        help_text=LOGO_HELP,
        widget=forms.ClearableFileInput(attrs={"accept": LOGO_ACCEPT}),
    )
    support_email = forms.EmailField(label="Support email")
    country = forms.ChoiceField(choices=COUNTRY_CHOICES)


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
