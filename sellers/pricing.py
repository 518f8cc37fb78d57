"""The pricing engine: what a cart costs once discounts and shipping are applied.

Pure: no database, no clock, no settings. Callers load the rules that are live (seller
discounts of the shops in the cart, platform promotions), the shops' shipping settings
and the shopper's remaining uses, and pass them in; the same function prices a listing
(one unit of one variant), a cart, a checkout and an invoice, so they can never disagree.

The rules (docs/decisions.md, "Discounts"):

- Every amount is a `Decimal` in the marketplace currency, quantized by `money` only.
- Each line gets its **best single** discount (the largest amount; on a tie the
  platform-funded one, so the seller keeps more, then the lowest rule key). There is
  **no stacking**, except that a code marked `stacks` adds on top of the best automatic
  discount, applied to what is left of the price.
- Amounts are computed **per unit** and multiplied by the quantity: a percentage takes
  that share of the unit price, rounded *down* to the cent (so it never exceeds its
  percentage); a fixed amount takes that many euros off *each unit* whatever the scope.
  So a listing's sale price times the quantity is always the cart line's price.
- A discount never makes a price negative and never exceeds its value.
- A minimum subtotal is checked per shop against the shop's lines *before* discounts.
- Free shipping applies to a shop's shipping when it covers at least one of that shop's
  lines; it combines with item discounts (shipping is not an item).
- A shop's flat shipping rate is waived when its subtotal *after* item discounts reaches
  its free-shipping threshold.
- Totals are sums of cent amounts, so they add up to the cent; nothing depends on the
  order of the lines or of the rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from enum import StrEnum

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def money(amount: Decimal | int | str, *, rounding: str = ROUND_HALF_UP) -> Decimal:
    """`amount` to the cent: the one place the engine (and its callers) round money."""
    return Decimal(amount).quantize(CENT, rounding=rounding)


class RuleKind(StrEnum):
    PERCENTAGE = "percentage"
    FIXED_AMOUNT = "fixed_amount"
    FREE_SHIPPING = "free_shipping"


class RuleScope(StrEnum):
    SHOP = "shop"
    CATEGORIES = "categories"
    PRODUCTS = "products"


class FundedBy(StrEnum):
    SELLER = "seller"
    PLATFORM = "platform"


@dataclass(frozen=True)
class PricingRule:
    """A discount or promotion that is live now (the caller filtered on time and drafts).

    `source` and `rule_id` name it: ("discount", id in its shop's schema) or
    ("promotion", id). `shop_id` None means every shop (a platform-wide promotion).
    `category_ids` are the categories chosen; a line matches through its category or any
    ancestor of it, which the line lists. `code` None means automatic.
    """

    source: str
    rule_id: int
    name: str
    kind: RuleKind
    value: Decimal
    scope: RuleScope
    funded_by: FundedBy
    shop_id: int | None = None
    category_ids: frozenset[int] = frozenset()
    product_ids: frozenset[int] = frozenset()
    variant_ids: frozenset[int] = frozenset()
    code: str | None = None
    stacks: bool = False
    minimum_subtotal: Decimal | None = None

    @property
    def key(self) -> str:
        """Unique across the cart: discount ids repeat across shop schemas."""
        if self.source == "promotion":
            return f"promotion:{self.rule_id}"
        return f"{self.source}:{self.shop_id}:{self.rule_id}"

    @property
    def preference(self) -> tuple[int, str, int, int]:
        """Smaller wins a tie: platform-funded first, then by source, shop and id."""
        return (
            0 if self.funded_by == FundedBy.PLATFORM else 1,
            self.source,
            self.shop_id or 0,
            self.rule_id,
        )

    def unit_amount(self, unit_price: Decimal) -> Decimal:
        """What this rule takes off one unit costing `unit_price`: never more than the
        price, never more than the rule's value (a percentage rounds down)."""
        if unit_price <= 0:
            return ZERO
        if self.kind == RuleKind.PERCENTAGE:
            percent = min(max(self.value, Decimal(0)), HUNDRED)
            amount = money(unit_price * percent / HUNDRED, rounding=ROUND_DOWN)
        elif self.kind == RuleKind.FIXED_AMOUNT:
            amount = money(max(self.value, Decimal(0)), rounding=ROUND_DOWN)
        else:
            return ZERO
        return min(amount, unit_price)


@dataclass(frozen=True)
class CartLine:
    """One line of a cart: a quantity of one variant. `category_ids` holds the
    product's category and all its ancestors (empty when it has none)."""

    line_id: str
    shop_id: int
    product_id: int
    variant_id: int
    unit_price: Decimal
    quantity: int = 1
    category_ids: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        if self.quantity < 1:
            raise ValueError("A cart line has a quantity of at least 1.")
        if self.unit_price < 0 or money(self.unit_price) != self.unit_price:
            raise ValueError("A unit price is a non-negative amount in cents.")


@dataclass(frozen=True)
class ShopShipping:
    """A shop's shipping: a flat rate per order, waived from `free_shipping_threshold`
    (None: never waived by amount)."""

    flat_rate: Decimal = ZERO
    free_shipping_threshold: Decimal | None = None


@dataclass(frozen=True)
class AppliedDiscount:
    rule_key: str
    source: str
    rule_id: int
    name: str
    kind: RuleKind
    code: str | None
    funded_by: FundedBy
    unit_amount: Decimal  # per unit for item discounts; the shipping amount for shipping
    amount: Decimal


@dataclass(frozen=True)
class PricedLine:
    line_id: str
    shop_id: int
    product_id: int
    variant_id: int
    quantity: int
    unit_price: Decimal
    base: Decimal
    discounts: tuple[AppliedDiscount, ...]
    discount: Decimal
    unit_final: Decimal
    final: Decimal


@dataclass(frozen=True)
class PricedShop:
    shop_id: int
    subtotal: Decimal  # lines before discounts
    discount: Decimal  # item discounts
    discounted_subtotal: Decimal
    shipping_before: Decimal  # flat rate, or 0 past the shop's free-shipping threshold
    shipping_discount: AppliedDiscount | None
    shipping: Decimal
    total: Decimal
    seller_funded: Decimal  # item and shipping discounts the seller pays for
    platform_funded: Decimal  # ... and those the platform pays for


@dataclass(frozen=True)
class CartPricing:
    lines: tuple[PricedLine, ...]  # in the order given
    shops: tuple[PricedShop, ...]  # by shop id
    subtotal: Decimal
    discount: Decimal
    shipping: Decimal
    total: Decimal
    rules_used: frozenset[str] = field(default_factory=frozenset)

    def line(self, line_id: str) -> PricedLine:
        return next(line for line in self.lines if line.line_id == line_id)

    def shop(self, shop_id: int) -> PricedShop:
        return next(shop for shop in self.shops if shop.shop_id == shop_id)


# --- the rules -------------------------------------------------------------------------


def _normalise_code(code: str) -> str:
    return code.strip().casefold()


def rule_covers(rule: PricingRule, line: CartLine) -> bool:
    """Does the rule's shop and scope include this line (codes and limits aside)?"""
    if rule.shop_id is not None and rule.shop_id != line.shop_id:
        return False
    if rule.scope == RuleScope.SHOP:
        return True
    if rule.scope == RuleScope.CATEGORIES:
        return not rule.category_ids.isdisjoint(line.category_ids)
    return line.product_id in rule.product_ids or line.variant_id in rule.variant_ids


def _applicable(
    rule: PricingRule,
    line: CartLine,
    *,
    codes: frozenset[str],
    shop_subtotals: Mapping[int, Decimal],
    remaining_uses: Mapping[str, int | None],
) -> bool:
    if rule.code is not None and _normalise_code(rule.code) not in codes:
        return False
    remaining = remaining_uses.get(rule.key)
    if remaining is not None and remaining <= 0:
        return False
    if rule.minimum_subtotal is not None and shop_subtotals[line.shop_id] < rule.minimum_subtotal:
        return False
    return rule_covers(rule, line)


def _applied(rule: PricingRule, *, unit_amount: Decimal, quantity: int) -> AppliedDiscount:
    return AppliedDiscount(
        rule_key=rule.key,
        source=rule.source,
        rule_id=rule.rule_id,
        name=rule.name,
        kind=rule.kind,
        code=rule.code,
        funded_by=rule.funded_by,
        unit_amount=unit_amount,
        amount=unit_amount * quantity,
    )


def _best(rules: Iterable[PricingRule], unit_price: Decimal) -> tuple[PricingRule, Decimal] | None:
    """The rule taking the most off one unit (ties: `preference`), with its amount."""
    scored = [(rule.unit_amount(unit_price), rule) for rule in rules]
    if not scored:
        return None
    amount, rule = min(scored, key=lambda pair: (-pair[0], pair[1].preference))
    return rule, amount


Choice = tuple[tuple[PricingRule, Decimal], ...]


def _choice_order(choice: Choice) -> tuple[Decimal, int, tuple[tuple[int, str, int, int], ...]]:
    """Most taken off first; then a single rule before a pair; then `preference`."""
    total = sum((amount for _rule, amount in choice), ZERO)
    return (-total, len(choice), tuple(rule.preference for rule, _amount in choice))


def _line_discounts(line: CartLine, rules: Sequence[PricingRule]) -> tuple[AppliedDiscount, ...]:
    """The best single rule, or the best automatic one plus a stacking code on what is
    left of the price, whichever takes more off (a tie keeps the single rule)."""
    price = line.unit_price
    choices: list[Choice] = []
    single = _best(rules, price)
    if single is not None:
        choices.append((single,))
    automatic = _best((rule for rule in rules if rule.code is None), price)
    if automatic is not None:
        left = price - automatic[1]
        stacking = _best((rule for rule in rules if rule.code is not None and rule.stacks), left)
        if stacking is not None:
            choices.append((automatic, stacking))
    if not choices:
        return ()
    chosen = min(choices, key=_choice_order)
    return tuple(
        _applied(rule, unit_amount=amount, quantity=line.quantity)
        for rule, amount in chosen
        if amount > 0
    )


def _shipping_discount(
    shop_lines: Sequence[CartLine],
    rules: Sequence[PricingRule],
    *,
    shipping_before: Decimal,
    codes: frozenset[str],
    shop_subtotals: Mapping[int, Decimal],
    remaining_uses: Mapping[str, int | None],
) -> AppliedDiscount | None:
    if shipping_before <= 0:
        return None
    candidates = [
        rule
        for rule in rules
        if rule.kind == RuleKind.FREE_SHIPPING
        and any(
            _applicable(
                rule,
                line,
                codes=codes,
                shop_subtotals=shop_subtotals,
                remaining_uses=remaining_uses,
            )
            for line in shop_lines
        )
    ]
    if not candidates:
        return None
    rule = min(candidates, key=lambda candidate: candidate.preference)
    return _applied(rule, unit_amount=shipping_before, quantity=1)


def price_cart(
    *,
    lines: Sequence[CartLine],
    rules: Iterable[PricingRule] = (),
    codes: Iterable[str] = (),
    shipping: Mapping[int, ShopShipping] | None = None,
    remaining_uses: Mapping[str, int | None] | None = None,
) -> CartPricing:
    """Price `lines` with the live `rules`.

    `codes` are what the shopper typed (any case). `shipping` maps each shop id to its
    settings (a shop left out ships free: listings price without shipping).
    `remaining_uses` maps a rule key to how many more times this shopper may use it
    (the lower of the total and per-customer limits; missing or None: unlimited); a rule
    at 0 does not apply.
    """
    rules = tuple(rules)
    entered = frozenset(_normalise_code(code) for code in codes if code.strip())
    remaining = remaining_uses or {}
    shipping = shipping or {}
    shop_subtotals: dict[int, Decimal] = {}
    for line in lines:
        shop_subtotals[line.shop_id] = (
            shop_subtotals.get(line.shop_id, ZERO) + line.unit_price * line.quantity
        )
    item_rules = [rule for rule in rules if rule.kind != RuleKind.FREE_SHIPPING]

    priced_lines = []
    for line in lines:
        usable = [
            rule
            for rule in item_rules
            if _applicable(
                rule, line, codes=entered, shop_subtotals=shop_subtotals, remaining_uses=remaining
            )
        ]
        discounts = _line_discounts(line, usable)
        base = line.unit_price * line.quantity
        discount = sum((applied.amount for applied in discounts), ZERO)
        unit_discount = sum((applied.unit_amount for applied in discounts), ZERO)
        priced_lines.append(
            PricedLine(
                line_id=line.line_id,
                shop_id=line.shop_id,
                product_id=line.product_id,
                variant_id=line.variant_id,
                quantity=line.quantity,
                unit_price=line.unit_price,
                base=money(base),
                discounts=discounts,
                discount=money(discount),
                unit_final=money(line.unit_price - unit_discount),
                final=money(base - discount),
            )
        )

    priced_shops = []
    used: set[str] = set()
    for shop_id in sorted(shop_subtotals):
        shop_lines = [line for line in lines if line.shop_id == shop_id]
        shop_priced = [line for line in priced_lines if line.shop_id == shop_id]
        subtotal = money(sum((line.base for line in shop_priced), ZERO))
        discount = money(sum((line.discount for line in shop_priced), ZERO))
        discounted = subtotal - discount
        settings = shipping.get(shop_id, ShopShipping())
        threshold = settings.free_shipping_threshold
        shipping_before = (
            ZERO if threshold is not None and discounted >= threshold else money(settings.flat_rate)
        )
        shipping_discount = _shipping_discount(
            shop_lines,
            rules,
            shipping_before=shipping_before,
            codes=entered,
            shop_subtotals=shop_subtotals,
            remaining_uses=remaining,
        )
        applied = [applied for line in shop_priced for applied in line.discounts]
        if shipping_discount is not None:
            applied.append(shipping_discount)
        used.update(each.rule_key for each in applied)
        shipping_after = shipping_before - (shipping_discount.amount if shipping_discount else ZERO)
        priced_shops.append(
            PricedShop(
                shop_id=shop_id,
                subtotal=subtotal,
                discount=discount,
                discounted_subtotal=discounted,
                shipping_before=shipping_before,
                shipping_discount=shipping_discount,
                shipping=shipping_after,
                total=discounted + shipping_after,
                seller_funded=sum(
                    (each.amount for each in applied if each.funded_by == FundedBy.SELLER), ZERO
                ),
                platform_funded=sum(
                    (each.amount for each in applied if each.funded_by == FundedBy.PLATFORM), ZERO
                ),
            )
        )

    return CartPricing(
        lines=tuple(priced_lines),
        shops=tuple(priced_shops),
        subtotal=sum((shop.subtotal for shop in priced_shops), ZERO),
        discount=sum((shop.discount for shop in priced_shops), ZERO),
        shipping=sum((shop.shipping for shop in priced_shops), ZERO),
        total=sum((shop.total for shop in priced_shops), ZERO),
        rules_used=frozenset(used),
    )


def price_one_unit(
    *,
    shop_id: int,
    product_id: int,
    variant_id: int,
    unit_price: Decimal,
    category_ids: frozenset[int],
    rules: Sequence[PricingRule],
) -> PricedLine:
    """One unit of one variant with the automatic rules: a listing's sale price. A rule
    with a minimum subtotal above the price does not apply, as in a cart of that unit."""
    line = CartLine(
        line_id=str(variant_id),
        shop_id=shop_id,
        product_id=product_id,
        variant_id=variant_id,
        unit_price=unit_price,
        quantity=1,
        category_ids=category_ids,
    )
    automatic = [rule for rule in rules if rule.code is None]
    return price_cart(lines=[line], rules=automatic).lines[0]
