"""HTML forms of the account pages. They check the shape of the input; the services decide
everything else and their errors are put back on these forms' fields."""

from __future__ import annotations

from django import forms

from marketplace.accounts.models import Address
from tenants.countries import COUNTRIES

PASSWORD_HELP = "At least 8 characters, not only digits and not a common password."  # noqa: S105


def _email_field(label: str = "Email", *, autocomplete: str = "email") -> forms.EmailField:
    return forms.EmailField(
        label=label,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": autocomplete, "spellcheck": "false"}),
    )


def _password_field(label: str, *, autocomplete: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,  # spaces are part of a password
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


class LoginForm(forms.Form):
    # Named "username" like Django's own form, so password managers recognise it.
    username = _email_field()
    password = _password_field("Password", autocomplete="current-password")
    remember = forms.BooleanField(
        label="Keep me signed in",
        required=False,
        help_text="Leave this off on a shared computer: you are signed out when the browser "
        "closes.",
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["username"].widget.attrs["autofocus"] = True


class RegisterForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=150,
        required=False,
        help_text="Optional. Shops see it on your orders.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = _email_field()
    password = _password_field("Password", autocomplete="new-password", help_text=PASSWORD_HELP)


class PasswordChangeForm(forms.Form):
    old_password = _password_field("Current password", autocomplete="current-password")
    new_password = _password_field(
        "New password", autocomplete="new-password", help_text=PASSWORD_HELP
    )


class PasswordResetRequestForm(forms.Form):
    email = _email_field()


class PasswordResetConfirmForm(forms.Form):
    new_password = _password_field(
        "New password", autocomplete="new-password", help_text=PASSWORD_HELP
    )


class ProfileForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


class EmailChangeForm(forms.Form):
    new_email = _email_field("New email address")
    password = _password_field(
        "Current password",
        autocomplete="current-password",
        help_text="To make sure it is you.",
    )


class DeactivateForm(forms.Form):
    password = _password_field("Current password", autocomplete="current-password")
    confirm = forms.BooleanField(
        label="I understand that I will no longer be able to sign in.",
        error_messages={"required": "Tick this box to close your account."},
    )


class AddressForm(forms.ModelForm):
    country = forms.ChoiceField(
        choices=[("", "Choose a country"), *COUNTRIES],
        widget=forms.Select(attrs={"autocomplete": "shipping country"}),
    )

    class Meta:
        model = Address
        fields = [
            "full_name",
            "line1",
            "line2",
            "city",
            "region",
            "postal_code",
            "country",
            "phone",
        ]
        widgets = {
            "full_name": forms.TextInput(attrs={"autocomplete": "shipping name"}),
            "line1": forms.TextInput(attrs={"autocomplete": "shipping address-line1"}),
            "line2": forms.TextInput(attrs={"autocomplete": "shipping address-line2"}),
            "city": forms.TextInput(attrs={"autocomplete": "shipping address-level2"}),
            "region": forms.TextInput(attrs={"autocomplete": "shipping address-level1"}),
            "postal_code": forms.TextInput(attrs={"autocomplete": "shipping postal-code"}),
            "phone": forms.TextInput(attrs={"autocomplete": "shipping tel", "type": "tel"}),
        }


class NewAddressForm(AddressForm):
    is_default = forms.BooleanField(label="Use as my default address", required=False)
