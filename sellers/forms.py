from decimal import Decimal

from django import forms

from sellers.catalog.models import Product
from sellers.listings.models import Category


class ProductForm(forms.Form):
    title = forms.CharField(max_length=200)
    price = forms.DecimalField(
        min_value=Decimal("0"), max_value=Decimal("999999.99"), decimal_places=2
    )
    stock = forms.IntegerField(min_value=0, max_value=1_000_000, initial=0)
    category = forms.ModelChoiceField(queryset=Category.objects.all(), required=False)
    status = forms.ChoiceField(choices=Product.Status.choices, initial=Product.Status.DRAFT)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
