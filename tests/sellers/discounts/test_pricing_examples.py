"""The pricing engine with exact numbers: one example per rule of sellers/pricing.py."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sellers.pricing import (
    CartLine,
    FundedBy,
    PricingRule,
    RuleKind,
    RuleScope,
    ShopShipping,
    money,
    price_cart,
    price_one_unit,
)

D = Decimal


def rule(
    rule_id: int,
    kind: RuleKind = RuleKind.PERCENTAGE,
    value: str = "10",
    *,
    scope: RuleScope = RuleScope.SHOP,
    shop_id: int | None = 1,
    source: str = "discount",
    funded_by: FundedBy = FundedBy.SELLER,
    **fields,
) -> PricingRule:
    return PricingRule(
        source=source,
        rule_id=rule_id,
        name=f"Rule {rule_id}",
        kind=kind,
        value=D(value),
        scope=scope,
        funded_by=funded_by,
        shop_id=shop_id,
        **fields,
    )


def line(
    line_id: str,
    price: str,
    quantity: int = 1,
    *,
    shop_id: int = 1,
    product_id: int = 1,
    variant_id: int | None = None,
    categories: tuple[int, ...] = (),
) -> CartLine:
    return CartLine(
        line_id=line_id,
        shop_id=shop_id,
        product_id=product_id,
        variant_id=variant_id if variant_id is not None else product_id * 10,
        unit_price=D(price),
        quantity=quantity,
        category_ids=frozenset(categories),
    )


def amounts(result, line_id: str) -> list[tuple[str, Decimal]]:
    return [(each.rule_key, each.amount) for each in result.line(line_id).discounts]


def test_money_rounds_half_up_by_default_and_down_when_asked():
    assert money(D("1.005")) == D("1.01")
    assert money(D("1.009"), rounding="ROUND_DOWN") == D("1.00")


def test_a_percentage_rounds_down_per_unit_and_is_multiplied_by_the_quantity():
    result = price_cart(lines=[line("a", "19.99", 3)], rules=[rule(1, value="15")])

    priced = result.line("a")
    # 15 % of 19.99 = 2.9985 → 2.99 off each unit (never more than 15 %).
    assert priced.base == D("59.97")
    assert amounts(result, "a") == [("discount:1:1", D("8.97"))]
    assert priced.unit_final == D("17.00")
    assert priced.final == D("51.00")
    assert result.total == D("51.00")


def test_a_fixed_amount_comes_off_each_unit_and_never_below_zero():
    result = price_cart(
        lines=[line("a", "12.00", 2), line("b", "3.50", 4, product_id=2)],
        rules=[rule(1, RuleKind.FIXED_AMOUNT, "5.00")],
    )

    assert amounts(result, "a") == [("discount:1:1", D("10.00"))]
    assert result.line("a").final == D("14.00")
    # 5.00 off a 3.50 item takes 3.50: the price stops at zero.
    assert amounts(result, "b") == [("discount:1:1", D("14.00"))]
    assert result.line("b").final == D("0.00")
    assert result.total == D("14.00")


def test_each_line_gets_its_best_single_discount_and_no_stacking():
    rules = [
        rule(1, value="10"),
        rule(
            2, RuleKind.FIXED_AMOUNT, "3.00", scope=RuleScope.PRODUCTS, product_ids=frozenset({2})
        ),
    ]
    result = price_cart(
        lines=[line("cheap", "20.00", product_id=2), line("dear", "50.00", product_id=3)],
        rules=rules,
    )

    # 20.00: 10 % = 2.00 < 3.00 fixed; 50.00: only the 10 % (5.00) covers it.
    assert amounts(result, "cheap") == [("discount:1:2", D("3.00"))]
    assert amounts(result, "dear") == [("discount:1:1", D("5.00"))]
    assert result.discount == D("8.00")
    assert result.total == D("62.00")


def test_a_tie_goes_to_the_platform_then_to_the_lowest_rule():
    seller = rule(1, RuleKind.FIXED_AMOUNT, "2.00")
    platform = rule(
        9,
        RuleKind.FIXED_AMOUNT,
        "2.00",
        source="promotion",
        shop_id=None,
        funded_by=FundedBy.PLATFORM,
    )
    other_seller = rule(2, value="20")  # 20 % of 10.00 = 2.00 too

    result = price_cart(lines=[line("a", "10.00")], rules=[other_seller, seller, platform])
    assert amounts(result, "a") == [("promotion:9", D("2.00"))]
    assert result.line("a").discounts[0].funded_by == FundedBy.PLATFORM

    result = price_cart(lines=[line("a", "10.00")], rules=[other_seller, seller])
    assert amounts(result, "a") == [("discount:1:1", D("2.00"))]


def test_a_code_applies_only_when_entered_in_any_case():
    coded = rule(1, value="25", code="SUMMER25")

    assert price_cart(lines=[line("a", "40.00")], rules=[coded]).total == D("40.00")
    result = price_cart(lines=[line("a", "40.00")], rules=[coded], codes=[" summer25 "])
    assert amounts(result, "a") == [("discount:1:1", D("10.00"))]


def test_a_non_stacking_code_competes_with_the_automatic_discount():
    automatic = rule(1, value="10")
    code = rule(2, value="15", code="MORE")

    result = price_cart(lines=[line("a", "100.00")], rules=[automatic, code], codes=["more"])

    assert amounts(result, "a") == [("discount:1:2", D("15.00"))]


def test_a_stacking_code_adds_on_top_of_the_best_automatic_discount_on_what_is_left():
    automatic = [rule(1, value="10"), rule(3, RuleKind.FIXED_AMOUNT, "5.00")]
    code = rule(2, value="20", code="STACK", stacks=True)

    result = price_cart(lines=[line("a", "100.00", 2)], rules=[*automatic, code], codes=["STACK"])

    # Best automatic: 10 % = 10.00; then 20 % of the 90.00 left = 18.00; per unit.
    assert amounts(result, "a") == [("discount:1:1", D("20.00")), ("discount:1:2", D("36.00"))]
    assert result.line("a").unit_final == D("72.00")
    assert result.total == D("144.00")


def test_a_stacking_code_is_capped_at_the_line_price():
    automatic = rule(1, RuleKind.FIXED_AMOUNT, "8.00")
    code = rule(2, RuleKind.FIXED_AMOUNT, "5.00", code="STACK", stacks=True)

    result = price_cart(lines=[line("a", "10.00")], rules=[automatic, code], codes=["stack"])

    assert amounts(result, "a") == [("discount:1:1", D("8.00")), ("discount:1:2", D("2.00"))]
    assert result.line("a").final == D("0.00")


def test_a_stacking_code_alone_is_just_the_best_single_discount():
    code = rule(2, value="20", code="STACK", stacks=True)

    result = price_cart(lines=[line("a", "10.00")], rules=[code], codes=["stack"])

    assert amounts(result, "a") == [("discount:1:2", D("2.00"))]


def test_categories_match_through_ancestors_and_products_through_variants():
    rules = [
        rule(1, value="50", scope=RuleScope.CATEGORIES, category_ids=frozenset({7})),
        rule(2, value="30", scope=RuleScope.PRODUCTS, variant_ids=frozenset({99})),
    ]
    lines = [
        line("in-child-category", "10.00", product_id=1, categories=(8, 7)),
        line("other-category", "10.00", product_id=2, categories=(5,)),
        line("chosen-variant", "10.00", product_id=3, variant_id=99),
        line("other-variant", "10.00", product_id=3, variant_id=98),
    ]

    result = price_cart(lines=lines, rules=rules)

    assert [result.line(each.line_id).discount for each in lines] == [
        D("5.00"),
        D("0.00"),
        D("3.00"),
        D("0.00"),
    ]


def test_a_seller_discount_reaches_only_its_own_shop_and_a_platform_one_every_shop():
    seller = rule(1, value="20", shop_id=1)
    platform = rule(
        1,
        RuleKind.FIXED_AMOUNT,
        "1.00",
        source="promotion",
        shop_id=None,
        funded_by=FundedBy.PLATFORM,
    )
    result = price_cart(
        lines=[line("one", "10.00", shop_id=1), line("two", "10.00", shop_id=2)],
        rules=[seller, platform],
    )

    assert amounts(result, "one") == [("discount:1:1", D("2.00"))]
    assert amounts(result, "two") == [("promotion:1", D("1.00"))]
    assert (result.shop(1).seller_funded, result.shop(2).platform_funded) == (D("2.00"), D("1.00"))


def test_equal_discounts_prefer_the_platform_so_the_seller_keeps_more():
    seller = rule(1, value="10", shop_id=1)
    platform = rule(
        1,
        RuleKind.FIXED_AMOUNT,
        "1.00",
        source="promotion",
        shop_id=None,
        funded_by=FundedBy.PLATFORM,
    )
    result = price_cart(lines=[line("one", "10.00", shop_id=1)], rules=[seller, platform])

    assert amounts(result, "one") == [("promotion:1", D("1.00"))]
    shop = result.shop(1)
    assert (shop.seller_funded, shop.platform_funded) == (D("0.00"), D("1.00"))


def test_minimum_subtotal_is_checked_per_shop_before_discounts():
    minimum = rule(1, value="10", minimum_subtotal=D("50.00"))
    lines = [
        line("a", "30.00", shop_id=1),
        line("b", "20.00", shop_id=1, product_id=2),
        line("c", "49.99", shop_id=2, product_id=3),
    ]
    platform = rule(
        2,
        value="10",
        source="promotion",
        shop_id=None,
        funded_by=FundedBy.PLATFORM,
        minimum_subtotal=D("50.00"),
    )

    result = price_cart(lines=lines, rules=[minimum, platform])

    # Shop 1 has exactly 50.00 before discounts: both qualify (platform wins the tie).
    assert result.shop(1).discount == D("5.00")
    assert result.line("a").discounts[0].rule_key == "promotion:2"
    # Shop 2's 49.99 doesn't reach the minimum, though the cart's 99.99 would.
    assert result.shop(2).discount == D("0.00")


def test_remaining_uses_at_zero_switch_a_discount_off():
    limited = rule(1, value="10")

    used_up = price_cart(
        lines=[line("a", "10.00")], rules=[limited], remaining_uses={"discount:1:1": 0}
    )
    left = price_cart(
        lines=[line("a", "10.00")], rules=[limited], remaining_uses={"discount:1:1": 1}
    )

    assert used_up.discount == D("0.00")
    assert used_up.rules_used == frozenset()
    assert left.discount == D("1.00")
    assert left.rules_used == frozenset({"discount:1:1"})


def test_shipping_flat_rate_threshold_after_discounts_and_free_shipping_discount():
    shipping = {
        1: ShopShipping(flat_rate=D("4.90"), free_shipping_threshold=D("50.00")),
        2: ShopShipping(flat_rate=D("6.00")),
        3: ShopShipping(flat_rate=D("3.00")),
    }
    rules = [
        rule(1, value="10", shop_id=1),
        rule(
            2,
            RuleKind.FREE_SHIPPING,
            "0",
            shop_id=3,
            scope=RuleScope.PRODUCTS,
            product_ids=frozenset({30}),
        ),
    ]
    lines = [
        line("a", "55.00", shop_id=1),  # 49.50 after 10 %: below the 50.00 threshold
        line("b", "10.00", shop_id=2, product_id=20),
        line("c", "8.00", shop_id=3, product_id=30),
        line("d", "2.00", shop_id=3, product_id=31),
    ]

    result = price_cart(lines=lines, rules=rules, shipping=shipping)

    one, two, three = result.shop(1), result.shop(2), result.shop(3)
    assert (one.subtotal, one.discount, one.shipping_before, one.shipping, one.total) == (
        D("55.00"),
        D("5.50"),
        D("4.90"),
        D("4.90"),
        D("54.40"),
    )
    assert (two.shipping_before, two.shipping, two.total) == (D("6.00"), D("6.00"), D("16.00"))
    assert three.shipping_before == D("3.00")
    assert three.shipping_discount is not None
    assert (three.shipping_discount.rule_key, three.shipping_discount.amount) == (
        "discount:3:2",
        D("3.00"),
    )
    assert (three.shipping, three.total, three.seller_funded) == (D("0.00"), D("10.00"), D("3.00"))
    assert result.total == D("80.40")
    assert result.shipping == D("10.90")


def test_free_shipping_past_the_threshold_uses_no_discount():
    shipping = {1: ShopShipping(flat_rate=D("4.90"), free_shipping_threshold=D("20.00"))}
    free = rule(1, RuleKind.FREE_SHIPPING, "0")

    result = price_cart(lines=[line("a", "25.00")], rules=[free], shipping=shipping)

    assert result.shop(1).shipping_before == D("0.00")
    assert result.shop(1).shipping_discount is None
    assert result.rules_used == frozenset()


def test_a_listing_unit_price_uses_automatic_rules_only_and_respects_minimums():
    rules = [
        rule(1, value="10"),
        rule(2, value="50", code="HALF"),
        rule(3, value="30", minimum_subtotal=D("100.00")),
    ]

    priced = price_one_unit(
        shop_id=1,
        product_id=1,
        variant_id=10,
        unit_price=D("40.00"),
        category_ids=frozenset(),
        rules=rules,
    )

    assert (priced.unit_final, priced.discount) == (D("36.00"), D("4.00"))


@pytest.mark.parametrize(("quantity", "price"), [(0, "1.00"), (1, "-1.00"), (1, "1.001")])
def test_a_line_refuses_impossible_input(quantity, price):
    with pytest.raises(ValueError):
        line("a", price, quantity)
