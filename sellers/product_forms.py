"""Forms of the dashboard's catalog pages: the product list's filters and bulk actions, the
product editor (product fields, attribute rows, variant rows) and stock adjustments.

The product editor parses input only: every rule (prices, SKUs, options, Markdown) is the
catalog service's, whose `ApplicationError.errors` keys ("title", "variants.2.price",
"attributes.0", "option_names", "variants") `ProductEditor.add_service_error` puts next
to the field or row they name. So the page, the API and CSV import say the same thing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import QueryDict

from marketplace.errors import ApplicationError
from sellers.catalog.models import Product, Variant
from sellers.catalog.selectors import PRODUCT_SORT_LABELS, CategoryNode, ProductSort
from sellers.catalog.services import ProductInput, VariantInput
from sellers.catalog.services.products import MAX_ATTRIBUTES, MAX_OPTION_NAMES, MAX_VARIANTS
from sellers.catalog.services.stock import ADJUSTMENT_REASONS

INDENT = "\u00a0\u00a0\u00a0"  # <option> text keeps no-break spaces, not ordinary ones
DESCRIPTION_HELP = (
    "Markdown: **bold**, *italic*, lists starting with “- ”, [a link](https://example.com), "
    "## a heading. Leave a blank line between paragraphs. HTML such as <script> or "
    "images is not allowed."
)
SLUG_HELP = (
    "The end of the product's web address. Leave it empty to make it from the title; "
    "changing it later breaks links shared before."
)


def category_choices(nodes: Iterable[CategoryNode], *, empty_label: str) -> list[tuple[Any, str]]:
    return [("", empty_label), *((node.id, INDENT * node.depth + node.name) for node in nodes)]


# --- the product list ----------------------------------------------------------------------


class ProductFilterForm(forms.Form):
    """The list's search, filters and sort (GET). Invalid values fall back to "any"."""

    q = forms.CharField(
        label="Search by title or SKU",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *Product.Status.choices]
    )
    category = forms.TypedChoiceField(
        label="Category", required=False, coerce=int, empty_value=None
    )
    low_stock = forms.BooleanField(label="Low stock only", required=False)
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[(sort.value, label) for sort, label in PRODUCT_SORT_LABELS.items()],
    )

    def __init__(self, *args: Any, categories: Sequence[CategoryNode], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.nodes = {node.id: node for node in categories}
        category = self.fields["category"]
        assert isinstance(category, forms.TypedChoiceField)
        category.choices = category_choices(categories, empty_label="Any category")

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for `products_for_dashboard`; invalid fields count as unset."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        category_id = data.get("category")
        node = self.nodes.get(category_id) if category_id else None
        return {
            "search": data.get("q") or "",
            "status": data.get("status") or None,
            "category_ids": node.subtree_ids if node else None,
            "low_stock": bool(data.get("low_stock")),
            "sort": ProductSort(data.get("sort") or ProductSort.NEWEST),
        }

    @property
    def is_filtered(self) -> bool:
        filters = self.filters()
        return bool(
            filters["search"]
            or filters["status"]
            or filters["category_ids"]
            or filters["low_stock"]
        )


# Query parameters of the list a bulk action may send people back to.
LIST_PARAMETERS = ("q", "status", "category", "low_stock", "sort", "page")


def list_query(source: QueryDict | str) -> str:
    """The list's own parameters from `source` (a QueryDict or a query string), encoded;
    anything else is dropped, so a "back to the list" address can't point elsewhere."""
    query = QueryDict(source) if isinstance(source, str) else source
    return urlencode([(key, value) for key in LIST_PARAMETERS for value in query.getlist(key)])


class IdListField(forms.Field):
    """Repeated `name=<id>` values → a list of distinct ints."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": "Choose products from the list."}

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        try:
            ids = [int(item) for item in values]
        except (TypeError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        return list(dict.fromkeys(ids))


class BulkAction(forms.Form):
    ACTIONS = {
        "publish": ("Publish", Product.Status.PUBLISHED),
        "unpublish": ("Unpublish", Product.Status.DRAFT),
        "archive": ("Archive", Product.Status.ARCHIVED),
        "delete": ("Delete", None),
    }

    action = forms.ChoiceField(choices=[(key, label) for key, (label, _) in ACTIONS.items()])
    product = IdListField(
        required=False, error_messages={"required": "Select at least one product."}
    )
    confirm = forms.BooleanField(required=False)
    back = forms.CharField(required=False, max_length=500)

    def clean_product(self) -> list[int]:
        ids: list[int] = self.cleaned_data["product"]
        if not ids:
            raise forms.ValidationError("Select at least one product first.", code="required")
        return ids


# --- the product editor --------------------------------------------------------------------


class OptionNamesWidget(forms.MultiWidget):
    def __init__(self) -> None:
        super().__init__(
            [
                forms.TextInput(attrs={"maxlength": 40, "autocomplete": "off"})
                for _ in range(MAX_OPTION_NAMES)
            ]
        )

    def decompress(self, value: Any) -> list[str]:
        names = list(value or [])[:MAX_OPTION_NAMES]
        return names + [""] * (MAX_OPTION_NAMES - len(names))


class OptionNamesField(forms.MultiValueField):
    """Up to three option names, in order; blanks are kept so column i stays name i."""

    widget = OptionNamesWidget

    def __init__(self, **kwargs: Any) -> None:
        fields = [forms.CharField(required=False) for _ in range(MAX_OPTION_NAMES)]
        super().__init__(fields=fields, require_all_fields=False, required=False, **kwargs)

    def compress(self, data_list: list[str]) -> list[str]:
        names = [str(name or "").strip() for name in data_list or []]
        return names + [""] * (MAX_OPTION_NAMES - len(names))


class ProductForm(forms.Form):
    """A product's own fields. Length and content rules are the service's (see module)."""

    # Shown with the required mark; the service says what is wrong with them.
    marked_required = ("title",)

    title = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"maxlength": 200, "autocomplete": "off"})
    )
    slug = forms.CharField(
        label="Address (optional)",
        required=False,
        help_text=SLUG_HELP,
        widget=forms.TextInput(
            attrs={"maxlength": 200, "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    description = forms.CharField(
        required=False,
        strip=False,
        help_text=DESCRIPTION_HELP,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    status = forms.ChoiceField(choices=Product.Status.choices, initial=Product.Status.DRAFT)
    category = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    option_names = OptionNamesField(label="Options")

    def __init__(self, *args: Any, categories: Sequence[CategoryNode], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, forms.TypedChoiceField)
        category.choices = category_choices(categories, empty_label="No category")

    def current_option_names(self) -> list[str]:
        """The option names as the form shows them now (typed, or the product's)."""
        value = self["option_names"].value()
        names = self.fields["option_names"].widget.decompress(value)
        if isinstance(value, list | tuple):
            names = [str(name or "").strip() for name in value]
        return (names + [""] * MAX_OPTION_NAMES)[:MAX_OPTION_NAMES]


class AttributeForm(forms.Form):
    name = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"maxlength": 60, "autocomplete": "off"})
    )
    value = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"maxlength": 200, "autocomplete": "off"})
    )


VARIANT_DEFAULTS = {"stock": "0", "track_inventory": True, "low_stock_threshold": "5"}


class VariantForm(forms.Form):
    """One variant row. Numbers stay text here so what was typed comes back as typed and
    the service's message explains what is wrong with it."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # The stock this row showed when the page was rendered (product_update's guard).
    stock_was = forms.IntegerField(required=False, widget=forms.HiddenInput)
    sku = forms.CharField(
        label="SKU",
        required=False,
        widget=forms.TextInput(
            attrs={"maxlength": 64, "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    option_0 = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"maxlength": 60, "autocomplete": "off"})
    )
    option_1 = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"maxlength": 60, "autocomplete": "off"})
    )
    option_2 = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"maxlength": 60, "autocomplete": "off"})
    )
    price = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    compare_at_price = forms.CharField(
        label="Compare-at price",
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    stock = forms.CharField(
        required=False,
        initial=VARIANT_DEFAULTS["stock"],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    track_inventory = forms.BooleanField(
        label="Track stock", required=False, initial=VARIANT_DEFAULTS["track_inventory"]
    )
    low_stock_threshold = forms.CharField(
        label="Low-stock alert at",
        required=False,
        initial=VARIANT_DEFAULTS["low_stock_threshold"],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    OPTION_FIELDS = ("option_0", "option_1", "option_2")

    def is_blank(self) -> bool:
        """A row added and left empty (saving ignores it)."""
        data = self.cleaned_data
        typed = ("sku", "price", "compare_at_price", *self.OPTION_FIELDS)
        return data.get("id") is None and not any((data.get(name) or "").strip() for name in typed)


AttributeFormSet = forms.formset_factory(
    AttributeForm, extra=0, max_num=MAX_ATTRIBUTES, absolute_max=MAX_ATTRIBUTES * 2
)
VariantFormSet = forms.formset_factory(
    VariantForm,
    extra=0,
    can_delete=True,
    max_num=MAX_VARIANTS,
    absolute_max=MAX_VARIANTS,
    validate_max=True,
)


@dataclass(frozen=True)
class ErrorLink:
    """One line of the error summary at the top of the form, linking to the field."""

    message: str
    target: str  # the id of the input (or row) it is about


class ProductEditor:
    """The product form, its attribute rows and its variant rows, as one thing to bind,
    turn into a `ProductInput`, and show service errors on.

    `data` is the POST (None: unbound). `add_variant` / `add_attribute` in it ask for one
    more empty row (the "add" buttons without JavaScript): the editor is then shown again
    with that row instead of being saved.
    """

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        categories: Sequence[CategoryNode],
        product: Product | None = None,
        variants: Sequence[Variant] = (),
        read_only: bool = False,
    ) -> None:
        self.adding_row = False
        self.read_only = read_only
        if data is not None:
            data = data.copy()
            self.adding_row = self._add_rows(data) or bool(data.get("refresh"))
        self.data = data
        self.product = product
        initial: dict[str, Any] = {"status": Product.Status.DRAFT}
        attribute_rows: list[dict[str, Any]] = [{}]
        variant_rows: list[dict[str, Any]] = [dict(VARIANT_DEFAULTS)]
        if product is not None:
            initial = {
                "title": product.title,
                "slug": product.slug,
                "description": product.description,
                "status": product.status,
                "category": product.category_id,
                "option_names": list(product.option_names),
            }
            attribute_rows = [dict(attribute) for attribute in product.attributes] + [{}]
            variant_rows = [self._variant_initial(variant, product) for variant in variants]
        self.form = ProductForm(data, initial=initial, categories=categories)
        self.attributes = AttributeFormSet(data, initial=attribute_rows, prefix="attributes")
        self.variants = VariantFormSet(data, initial=variant_rows, prefix="variants")
        # Which variant form each service index ("variants.<index>") is, set by to_input.
        self._variant_forms: list[VariantForm] = []
        self.summary: list[ErrorLink] = []
        if read_only:
            for form in (self.form, *self.attributes.forms, *self.variants.forms):
                for field in form.fields.values():
                    field.disabled = True

    @staticmethod
    def _add_rows(data: QueryDict) -> bool:
        added = False
        if data.get("add_variant"):
            total = _total(data, "variants")
            for name, value in VARIANT_DEFAULTS.items():
                data[f"variants-{total}-{name}"] = "on" if value is True else str(value)
            data["variants-TOTAL_FORMS"] = str(total + 1)
            added = True
        if data.get("add_attribute"):
            data["attributes-TOTAL_FORMS"] = str(_total(data, "attributes") + 1)
            added = True
        return added

    @staticmethod
    def _variant_initial(variant: Variant, product: Product) -> dict[str, Any]:
        values = [variant.options.get(name, "") for name in product.option_names]
        row: dict[str, Any] = {
            "id": variant.id,
            "stock_was": variant.stock,
            "sku": variant.sku,
            "price": f"{variant.price:.2f}",
            "compare_at_price": f"{variant.compare_at_price:.2f}"
            if variant.compare_at_price is not None
            else "",
            "stock": str(variant.stock),
            "track_inventory": variant.track_inventory,
            "low_stock_threshold": str(variant.low_stock_threshold),
        }
        for index, value in enumerate(values[:MAX_OPTION_NAMES]):
            row[f"option_{index}"] = value
        return row

    # --- reading ---------------------------------------------------------------------------

    def option_names(self) -> list[str]:
        return self.form.current_option_names()

    def option_name_inputs(self) -> list[dict[str, Any]]:
        """The three option-name inputs (the ProductForm's OptionNamesField, drawn by hand
        so each gets its own label)."""
        field = self.form["option_names"]
        return [
            {
                "name": f"{field.html_name}_{index}",
                "id": f"{field.auto_id}_{index}",
                "value": name,
                "number": index + 1,
            }
            for index, name in enumerate(self.option_names())
        ]

    def _row(self, form: forms.Form, names: list[str]) -> dict[str, Any]:
        return {
            "form": form,
            "options": [
                {"field": form[f"option_{index}"], "name": name, "number": index + 1}
                for index, name in enumerate(names)
            ],
        }

    def variant_rows(self) -> list[dict[str, Any]]:
        """Each variant form with its option fields and the option names they are for."""
        names = self.option_names()
        return [self._row(form, names) for form in self.variants.forms]

    def empty_variant_row(self) -> dict[str, Any]:
        """The template a script copies for "Add variant" (`__prefix__` in its names)."""
        return self._row(self.variants.empty_form, self.option_names())

    def is_valid(self) -> bool:
        valid = [self.form.is_valid(), self.attributes.is_valid(), self.variants.is_valid()]
        if not all(valid):
            self._summarise_form_errors()
        return all(valid)

    def to_input(self) -> ProductInput:
        """The product as the services take it; call after `is_valid()`."""
        data = self.form.cleaned_data
        names = data["option_names"] or []
        option_columns = [(index, name) for index, name in enumerate(names) if name]
        variants = []
        self._variant_forms = []
        for form in self.variants.forms:
            if form.cleaned_data.get("DELETE"):
                continue
            if form.is_blank():
                continue
            row = form.cleaned_data
            variants.append(
                VariantInput(
                    id=row.get("id"),
                    stock_was=row.get("stock_was"),
                    sku=row.get("sku") or "",
                    price=row.get("price") or "",
                    compare_at_price=row.get("compare_at_price") or None,
                    stock=row.get("stock") or "0",
                    track_inventory=bool(row.get("track_inventory")),
                    low_stock_threshold=row.get("low_stock_threshold") or "0",
                    # A value left empty is left out, so the service asks for it by name.
                    options={
                        name: value
                        for index, name in option_columns
                        if (value := (row.get(f"option_{index}") or "").strip())
                    },
                )
            )
            self._variant_forms.append(form)
        return ProductInput(
            title=data.get("title") or "",
            slug=data.get("slug") or "",
            description=data.get("description") or "",
            status=data.get("status") or Product.Status.DRAFT,
            category_id=data.get("category"),
            # Every row, blank ones too: the service skips blanks but counts them, so
            # "attributes.<index>" is the index of the row on the page.
            attributes=[
                {
                    "name": form.cleaned_data.get("name", ""),
                    "value": form.cleaned_data.get("value", ""),
                }
                for form in self.attributes.forms
            ],
            option_names=[name for name in names if name],
            variants=variants,
        )

    # --- errors ----------------------------------------------------------------------------

    def add_service_error(self, error: ApplicationError) -> None:
        """Put each of the service's messages next to the field or row it names."""
        errors = error.errors or {"": error.message}
        for key, message in errors.items():
            parts = key.split(".")
            if parts[0] == "variants":
                self._variant_error(parts[1:], message)
            elif parts[0] == "attributes":
                self._attribute_error(parts[1:], message)
            elif key in self.form.fields:
                self.form.add_error(key, message)
                self.summary.append(ErrorLink(message, self._field_id(self.form, key)))
            else:
                self.form.add_error(None, message)
                self.summary.append(ErrorLink(message, "product-form"))

    def _variant_error(self, parts: list[str], message: str) -> None:
        form = None
        if parts and parts[0].isdigit() and int(parts[0]) < len(self._variant_forms):
            form = self._variant_forms[int(parts[0])]
        if form is None:
            self.variants.non_form_errors().append(message)
            self.summary.append(ErrorLink(message, "variants"))
            return
        field = parts[1] if len(parts) > 1 else None
        if field == "options":
            first = next(
                (f"option_{index}" for index, name in enumerate(self.option_names()) if name),
                None,
            )
            field = first
        if field not in form.fields:
            field = None
        form.add_error(field, message)
        target = self._field_id(form, field) if field else f"variant-{form.prefix}"
        self.summary.append(ErrorLink(message, target))

    def _attribute_error(self, parts: list[str], message: str) -> None:
        forms_ = self.attributes.forms
        if parts and parts[0].isdigit() and int(parts[0]) < len(forms_):
            form = forms_[int(parts[0])]
            form.add_error(None, message)
            self.summary.append(ErrorLink(message, self._field_id(form, "name")))
            return
        self.attributes.non_form_errors().append(message)
        self.summary.append(ErrorLink(message, "attributes"))

    def _summarise_form_errors(self) -> None:
        for name, messages in self.form.errors.items():
            target = self._field_id(self.form, name) if name in self.form.fields else "product-form"
            self.summary.extend(ErrorLink(str(message), target) for message in messages)
        for formset, anchor in ((self.attributes, "attributes"), (self.variants, "variants")):
            self.summary.extend(ErrorLink(str(m), anchor) for m in formset.non_form_errors())
            for form in formset.forms:
                for name, messages in form.errors.items():
                    target = self._field_id(form, name) if name in form.fields else anchor
                    self.summary.extend(ErrorLink(str(message), target) for message in messages)

    @staticmethod
    def _field_id(form: forms.Form, name: str) -> str:
        field_id = form[name].auto_id
        if name == "option_names":
            return f"{field_id}_0"
        return str(field_id)

    @property
    def has_errors(self) -> bool:
        return bool(self.summary)

    def show_current_stock(self, current: dict[int, int]) -> None:
        """After a refused save: rows of existing variants now say the stock they have in
        the database (`current`: variant id → stock), where the editor hadn't changed it,
        and remember it as the stock seen, so saving again after checking goes through.
        (Bound forms render from `self.data`; their errors are already computed.)"""
        if self.data is None:
            return
        for index in range(len(self.variants.forms)):
            prefix = f"variants-{index}-"
            try:
                variant_id = int(self.data.get(prefix + "id") or "")
            except ValueError:
                continue
            if variant_id not in current:
                continue
            now = str(current[variant_id])
            typed = (self.data.get(prefix + "stock") or "").strip()
            if typed == (self.data.get(prefix + "stock_was") or "").strip():
                self.data[prefix + "stock"] = now
            self.data[prefix + "stock_was"] = now


def _total(data: QueryDict, prefix: str) -> int:
    try:
        return max(0, int(data.get(f"{prefix}-TOTAL_FORMS") or "0"))
    except ValueError:
        return 0


# --- stock -----------------------------------------------------------------------------------

REASON_CHOICES = [(reason.value, reason.label) for reason in ADJUSTMENT_REASONS]
QUANTITY_LIMIT = 1_000_000


class StockAdjustForm(forms.Form):
    """Change one variant's stock by a number (+/-), or set it to a number."""

    MODES = [("change", "Change by"), ("set", "Set to")]

    variant = forms.IntegerField(widget=forms.HiddenInput)
    mode = forms.ChoiceField(
        label="Adjust", choices=MODES, initial="change", widget=forms.RadioSelect
    )
    quantity = forms.IntegerField(
        min_value=-QUANTITY_LIMIT,
        max_value=QUANTITY_LIMIT,
        help_text="Change by: +12 after a delivery, -2 for breakage. Set to: the count.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    reason = forms.ChoiceField(choices=REASON_CHOICES, initial=REASON_CHOICES[0][0])
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def change(self) -> dict[str, int]:
        """`delta=` or `set_to=` for `stock_adjust`."""
        data = self.cleaned_data
        if data["mode"] == "set":
            return {"set_to": data["quantity"]}
        return {"delta": data["quantity"]}

    def add_service_error(self, error: ApplicationError) -> None:
        for key, message in (error.errors or {"": error.message}).items():
            field = "quantity" if key in {"delta", "set_to"} else key
            self.add_error(field if field in self.fields else None, message)


class QuickStockForm(forms.Form):
    """The low-stock list's one-line "add N" form."""

    variant = forms.IntegerField(widget=forms.HiddenInput)
    delta = forms.IntegerField(
        label="Change by",
        min_value=-QUANTITY_LIMIT,
        max_value=QUANTITY_LIMIT,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "+10"}
        ),
    )
    reason = forms.ChoiceField(choices=REASON_CHOICES, initial=REASON_CHOICES[0][0])

    def add_service_error(self, error: ApplicationError) -> None:
        for key, message in (error.errors or {"": error.message}).items():
            field = "delta" if key in {"delta", "set_to"} else key
            self.add_error(field if field in self.fields else None, message)
