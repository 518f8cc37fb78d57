"""Properties of the pricing engine that hold for every cart and every set of rules:
a discount never makes a price negative, never exceeds its value, totals add up to the
cent, and the result does not depend on the order of the lines (or rules)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from sellers.pricing import (
    CartLine,
    CartPricing,
    FundedBy,
    PricingRule,
    RuleKind,
    RuleScope,
    ShopShipping,
    price_cart,
)

SHOPS = (1, 2, 3)
CODES = ("SAVE", "MORE", "EXTRA")


def cents(low: int, high: int) -> st.SearchStrategy[Decimal]:
    return st.integers(low, high).map(lambda value: Decimal(value) / 100)


ids = st.frozensets(st.integers(1, 6), max_size=3)


@st.composite
def lines(draw: st.DrawFn) -> list[CartLine]:
    count = draw(st.integers(1, 8))
    return [
        CartLine(
            line_id=f"line-{index}",
            shop_id=draw(st.sampled_from(SHOPS)),
            product_id=draw(st.integers(1, 6)),
            variant_id=draw(st.integers(1, 6)),
            unit_price=draw(cents(0, 50_000)),
            quantity=draw(st.integers(1, 12)),
            category_ids=draw(ids),
        )
        for index in range(count)
    ]


@st.composite
def rules(draw: st.DrawFn) -> list[PricingRule]:
    count = draw(st.integers(0, 7))
    made = []
    for index in range(count):
        kind = draw(st.sampled_from(list(RuleKind)))
        value = {
            RuleKind.PERCENTAGE: draw(cents(1, 10_000)),
            RuleKind.FIXED_AMOUNT: draw(cents(1, 60_000)),
            RuleKind.FREE_SHIPPING: Decimal(0),
        }[kind]
        platform = draw(st.booleans())
        code = draw(st.one_of(st.none(), st.sampled_from(CODES)))
        made.append(
            PricingRule(
                source="promotion" if platform else "discount",
                rule_id=index + 1,
                name=f"Rule {index + 1}",
                kind=kind,
                value=value,
                scope=draw(st.sampled_from(list(RuleScope))),
                funded_by=FundedBy.PLATFORM if platform else FundedBy.SELLER,
                shop_id=draw(st.one_of(st.none(), st.sampled_from(SHOPS)))
                if platform
                else draw(st.sampled_from(SHOPS)),
                category_ids=draw(ids),
                product_ids=draw(ids),
                variant_ids=draw(ids),
                code=code,
                stacks=code is not None and draw(st.booleans()),
                minimum_subtotal=draw(st.one_of(st.none(), cents(0, 100_000))),
            )
        )
    return made


shipping = st.fixed_dictionaries(
    {
        shop: st.builds(
            ShopShipping,
            flat_rate=cents(0, 2_000),
            free_shipping_threshold=st.one_of(st.none(), cents(0, 100_000)),
        )
        for shop in SHOPS
    }
)
codes = st.lists(st.sampled_from([*CODES, *(code.lower() for code in CODES)]), max_size=3)
remaining = st.dictionaries(
    st.sampled_from(
        [f"discount:{shop}:{n}" for shop in SHOPS for n in range(1, 8)]
        + [f"promotion:{n}" for n in range(1, 8)]
    ),
    st.one_of(st.none(), st.integers(0, 2)),
    max_size=6,
)


def price(cart, rule_set, code_list, shipping_map, uses) -> CartPricing:
    return price_cart(
        lines=cart, rules=rule_set, codes=code_list, shipping=shipping_map, remaining_uses=uses
    )


def is_cents(amount: Decimal) -> bool:
    return amount.as_tuple().exponent == -2


CASES = dict(cart=lines(), rule_set=rules(), code_list=codes, shipping_map=shipping, uses=remaining)


@settings(max_examples=200, deadline=None)
@given(**CASES)
def test_a_discount_never_makes_a_price_negative(cart, rule_set, code_list, shipping_map, uses):
    result = price(cart, rule_set, code_list, shipping_map, uses)

    for line in result.lines:
        assert line.unit_final >= 0
        assert line.final >= 0
        assert line.discount <= line.base
    for shop in result.shops:
        assert shop.discounted_subtotal >= 0
        assert 0 <= shop.shipping <= shop.shipping_before
        assert shop.total >= 0
    assert result.total >= 0


@settings(max_examples=200, deadline=None)
@given(**CASES)
def test_a_discount_never_exceeds_its_value(cart, rule_set, code_list, shipping_map, uses):
    result = price(cart, rule_set, code_list, shipping_map, uses)
    by_key = {rule.key: rule for rule in rule_set}

    for line in result.lines:
        for applied in line.discounts:
            rule = by_key[applied.rule_key]
            assert applied.amount == applied.unit_amount * line.quantity
            assert 0 < applied.unit_amount <= line.unit_price
            if rule.kind == RuleKind.PERCENTAGE:
                assert applied.unit_amount <= line.unit_price * rule.value / 100
            else:
                assert rule.kind == RuleKind.FIXED_AMOUNT
                assert applied.unit_amount <= rule.value
        keys = [applied.rule_key for applied in line.discounts]
        assert len(keys) == len(set(keys)) <= 2
        if len(keys) == 2:  # only an automatic discount and a stacking code combine
            first, second = (by_key[key] for key in keys)
            assert first.code is None
            assert second.code is not None and second.stacks
    for shop in result.shops:
        if shop.shipping_discount is not None:
            assert shop.shipping_discount.amount == shop.shipping_before


@settings(max_examples=200, deadline=None)
@given(**CASES)
def test_totals_add_up_to_the_cent(cart, rule_set, code_list, shipping_map, uses):
    result = price(cart, rule_set, code_list, shipping_map, uses)

    for line, given_line in zip(result.lines, cart, strict=True):
        assert line.line_id == given_line.line_id
        assert line.base == given_line.unit_price * given_line.quantity
        assert line.final == line.base - line.discount
        assert line.discount == sum((applied.amount for applied in line.discounts), Decimal(0))
        assert line.final == line.unit_final * line.quantity
        assert all(map(is_cents, (line.base, line.discount, line.final, line.unit_final)))
    for shop in result.shops:
        shop_lines = [line for line in result.lines if line.shop_id == shop.shop_id]
        assert shop.subtotal == sum((line.base for line in shop_lines), Decimal(0))
        assert shop.discount == sum((line.discount for line in shop_lines), Decimal(0))
        assert shop.discounted_subtotal == sum((line.final for line in shop_lines), Decimal(0))
        shipping_discount = shop.shipping_discount.amount if shop.shipping_discount else 0
        assert shop.shipping == shop.shipping_before - shipping_discount
        assert shop.total == shop.discounted_subtotal + shop.shipping
        assert shop.seller_funded + shop.platform_funded == shop.discount + shipping_discount
        assert all(map(is_cents, (shop.subtotal, shop.discount, shop.shipping, shop.total)))
    assert result.subtotal == sum((shop.subtotal for shop in result.shops), Decimal(0))
    assert result.discount == sum((shop.discount for shop in result.shops), Decimal(0))
    assert result.shipping == sum((shop.shipping for shop in result.shops), Decimal(0))
    assert result.total == sum((shop.total for shop in result.shops), Decimal(0))
    assert result.total == result.subtotal - result.discount + result.shipping
    assert is_cents(result.total)


@settings(max_examples=200, deadline=None)
@given(**CASES, data=st.data())
def test_the_result_does_not_depend_on_the_order_of_lines_or_rules(
    cart, rule_set, code_list, shipping_map, uses, data
):
    shuffled_lines = data.draw(st.permutations(cart))
    shuffled_rules = data.draw(st.permutations(rule_set))

    first = price(cart, rule_set, code_list, shipping_map, uses)
    second = price(shuffled_lines, shuffled_rules, code_list, shipping_map, uses)

    assert {line.line_id: line for line in first.lines} == {
        line.line_id: line for line in second.lines
    }
    assert first.shops == second.shops
    assert (first.subtotal, first.discount, first.shipping, first.total) == (
        second.subtotal,
        second.discount,
        second.shipping,
        second.total,
    )
    assert first.rules_used == second.rules_used


@settings(max_examples=200, deadline=None)
@given(**CASES, extra=rules())
def test_one_more_live_rule_never_raises_a_line_price(
    cart, rule_set, code_list, shipping_map, uses, extra
):
    before = price(cart, rule_set, code_list, shipping_map, uses)
    renumbered = [
        PricingRule(**{**vars(rule), "rule_id": rule.rule_id + 100}) for rule in extra[:1]
    ]
    after = price(cart, [*rule_set, *renumbered], code_list, shipping_map, uses)

    for old, new in zip(before.lines, after.lines, strict=True):
        assert new.final <= old.final
