"""The product CSV format: its columns, how cells are written and read, the limits.

One row per variant. Rows with the same `handle` (the product's address) form one
product; product columns are read from the first row of each handle.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_ROWS = 50_000
MAX_BYTES = 20 * 1024 * 1024
# Problems kept on a job for the seller to read; the count covers all of them.
MAX_STORED_ERRORS = 500

PRODUCT_COLUMNS = (
    "handle",
    "title",
    "description",
    "status",
    "category",
    "option1_name",
    "option2_name",
    "option3_name",
    "attributes",
)
OPTION_NUMBERS = (1, 2, 3)
COLUMNS = (
    "handle",
    "title",
    "description",
    "status",
    "category",
    "option1_name",
    "option1_value",
    "option2_name",
    "option2_value",
    "option3_name",
    "option3_value",
    "sku",
    "price",
    "compare_at_price",
    "stock",
    "track_inventory",
    "low_stock_threshold",
    "attributes",
)
REQUIRED_COLUMNS = ("handle", "sku")
# Columns whose empty cell means "none"; in the others an empty cell keeps what the
# product or variant has (or the default for a new one).
CLEARABLE_COLUMNS = frozenset(
    {
        "description",
        "category",
        "compare_at_price",
        "attributes",
        "option1_name",
        "option1_value",
        "option2_name",
        "option2_value",
        "option3_name",
        "option3_value",
    }
)

TRUE_WORDS = frozenset({"yes", "true", "1", "y"})
FALSE_WORDS = frozenset({"no", "false", "0", "n"})

# A spreadsheet runs a cell that starts with one of these as a formula. Exports put a
# single quote in front (and before a quote already there, so reading undoes exactly it).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_GUARDED_SECOND = (*FORMULA_STARTS, "'")


@dataclass(frozen=True)
class ColumnHelp:
    name: str
    required: str
    meaning: str
    example: str


COLUMN_HELP = (
    ColumnHelp("handle", "always", "The product's address: lowercase letters, digits and "
               "hyphens. Rows with the same handle are one product; an existing product "
               "with this address is updated, a new handle creates a product.", "blue-mug"),
    ColumnHelp("title", "new products", "The product's name (1–200 characters).",
               "Blue mug"),
    ColumnHelp("description", "no", "Markdown: **bold**, *italic*, lists, links. No HTML "
               "such as <script>.", "Hand-thrown, holds **300 ml**."),
    ColumnHelp("status", "no", "draft, published or archived. New products are drafts "
               "unless this says otherwise.", "published"),
    ColumnHelp("category", "no", "The address of a category from the list below; empty for "
               "none.", "kitchen"),
    ColumnHelp("option1_name … option3_name", "no", "The options variants differ in, such "
               "as Size and Colour (up to three).", "Size"),
    ColumnHelp("option1_value … option3_value", "with a name", "This variant's value of each "
               "option.", "Large"),
    ColumnHelp("sku", "always", "The variant's stock-keeping unit, unique in the shop: "
               "1–64 letters, digits, dots, dashes, slashes or underscores. Variants of an "
               "existing product are matched by SKU.", "MUG-BLUE-L"),
    ColumnHelp("price", "new variants", "Price with tax, at most two decimals.", "24.50"),
    ColumnHelp("compare_at_price", "no", "The old price shown crossed out; higher than the "
               "price, or empty.", "29.00"),
    ColumnHelp("stock", "no", "Units in stock (0–1,000,000). A change is recorded in the "
               "stock history as a CSV import.", "12"),
    ColumnHelp("track_inventory", "no", "yes or no (also true/false, 1/0). New variants "
               "track stock.", "yes"),
    ColumnHelp("low_stock_threshold", "no", "Warn when stock falls to this many (default "
               "5).", "3"),
    ColumnHelp("attributes", "no", "Facts shown on the product page, as Name: Value pairs "
               "separated by semicolons. Write \\; for a semicolon inside a value.",
               "Material: Stoneware; Care: Dishwasher safe"),
)  # fmt: skip

TEMPLATE_ROWS = (
    {
        "handle": "blue-mug",
        "title": "Blue mug",
        "description": "Hand-thrown stoneware.\n\n- Holds 300 ml\n- Dishwasher safe",
        "status": "draft",
        "option1_name": "Size",
        "option1_value": "Small",
        "sku": "MUG-BLUE-S",
        "price": "19.00",
        "stock": "12",
        "track_inventory": "yes",
        "low_stock_threshold": "3",
        "attributes": "Material: Stoneware; Care: Dishwasher safe",
    },
    {
        "handle": "blue-mug",
        "option1_name": "Size",
        "option1_value": "Large",
        "sku": "MUG-BLUE-L",
        "price": "24.50",
        "compare_at_price": "29.00",
        "stock": "4",
        "track_inventory": "yes",
        "low_stock_threshold": "3",
    },
)


def normalise_column(name: str) -> str:
    """ "Option1 Name" → "option1_name": spreadsheets and people vary the spelling."""
    return "_".join(name.strip().lower().replace("-", " ").replace("_", " ").split())


def cell_write(value: str) -> str:
    """A cell as exports write it: safe to open in a spreadsheet (no formula runs)."""
    if value.startswith(FORMULA_STARTS) or (
        value.startswith("'") and value[1:2] and value[1] in _GUARDED_SECOND
    ):
        return "'" + value
    return value


def cell_read(value: str) -> str:
    """Undo `cell_write`: drop the quote an export put in front of a formula character."""
    if value.startswith("'") and value[1:2] and value[1] in _GUARDED_SECOND:
        return value[1:]
    return value


def parse_flag(value: str) -> bool | None:
    """yes/no, true/false, 1/0 (any case); None when it is none of them."""
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def attributes_write(attributes: list[dict[str, str]]) -> str:
    """[{"name": "Material", "value": "Wool"}, …] → "Material: Wool; …" (\\ escapes)."""

    def escape(text: str, specials: str) -> str:
        text = text.replace("\\", "\\\\")
        for special in specials:
            text = text.replace(special, "\\" + special)
        return text

    return "; ".join(
        f"{escape(str(item.get('name', '')), ';:')}: {escape(str(item.get('value', '')), ';')}"
        for item in attributes
    )


def attributes_read(text: str) -> list[dict[str, str]] | None:
    """Undo `attributes_write`; None when an item has no "Name: Value" shape."""
    items: list[dict[str, str]] = []
    name: list[str] | None = None
    current: list[str] = []
    escaped = False

    def finish() -> bool:
        if name is None:
            return not "".join(current).strip()  # an empty item (a trailing ;) is fine
        items.append({"name": "".join(name).strip(), "value": "".join(current).strip()})
        return True

    for char in text:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ":" and name is None:
            name, current = current, []
        elif char == ";":
            if not finish():
                return None
            name, current = None, []
        else:
            current.append(char)
    if escaped:
        current.append("\\")
    if not finish():
        return None
    return items
