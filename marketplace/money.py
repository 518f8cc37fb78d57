"""Reading amounts people type. Each caller applies its own bounds and messages."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

CENT = Decimal("0.01")


def decimal_typed(value: Decimal | str | int | None) -> Decimal | None:
    """`value` as a finite Decimal ("19,99" reads as 19.99), or None when it isn't one."""
    try:
        number = Decimal(str(value if value is not None else "").strip().replace(",", "."))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def in_cents(amount: Decimal) -> bool:
    """True when `amount` has no more than two decimal places."""
    return amount == amount.quantize(CENT)
