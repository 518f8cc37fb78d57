from django import forms

from sellers.discounts.forms import IdListField, RuleForm


class PromotionForm(RuleForm):
    """A discount's fields plus the shop it is limited to. Product and variant ids are
    typed (they are ids in that shop's catalog)."""

    shop = forms.CharField(
        max_length=40,
        required=False,
        label="Only for the shop at this address",
        help_text="Such as north-roast. Empty: every shop. Needed for products.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    product_ids = IdListField(
        required=False,
        label="Product ids",
        help_text="Ids in that shop's catalog, separated by commas.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    variant_ids = IdListField(
        required=False,
        label="Variant ids",
        help_text="Ids in that shop's catalog, separated by commas.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    field_order = ["name", "kind", "value", "shop"]
