"""A line's ``jurisdiction`` and ``tax-amount``: the tax a shop's system computed,
kept to the cent, and tax postings by rate and jurisdiction.

Line numbers in the ledgers count from the line after the opening quotes: the
``plugin`` line is line 2.
"""

from __future__ import annotations

from decimal import Decimal as D

from tests.helpers import dedent
from tests.helpers import ledger
from tests.helpers import load

NYC = "NY State Tax 4%, New York City Tax 4.875%"


@ledger()
def test_the_tax_posting_names_the_lines_jurisdiction(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 10.00 USD
      tax: 0.08875
      jurisdiction: "NY State Tax 4%, New York City Tax 4.875%"
    2024-01-03 custom "invoice" "SO-1" "INV-1"
    """
    # 20.00 x 0.08875 = 1.775, rounded half up: 1.78.
    assert loaded.expand() == dedent("""
        2024-01-03 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   21.78 USD
          Income:Sales            -20.00 USD
            item: "WIDGET"
          Liabilities:SalesTax     -1.78 USD
            rate: 0.08875
            jurisdiction: "NY State Tax 4%, New York City Tax 4.875%"
    """)
    (line,) = loaded.book.orders["SO-1"].lines
    assert (line.jurisdiction, line.tax_amount) == (NYC, None)
    assert loaded.book.invoices["INV-1"].lines[0].jurisdiction == NYC


@ledger()
def test_one_rate_in_two_jurisdictions_posts_twice(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 10.00 USD
      tax: 0.08
      jurisdiction: "Springfield 8%"
    2024-01-02 custom "line" "SO-1" "GADGET" 1 5.00 USD
      tax: 0.08
      jurisdiction: "Shelbyville 8%"
    2024-01-02 custom "line" "SO-1" "BOLT" 3 1.00 USD
      tax: 0.08
    2024-01-02 custom "line" "SO-1" "NUT" 1 2.50 USD
      tax: 0.08
      jurisdiction: "Springfield 8%"
    2024-01-02 custom "line" "SO-1" "TEA" 1 4.00 USD
      tax: 0.05
      jurisdiction: "Springfield 5%"
    2024-01-03 custom "invoice" "SO-1" "INV-1"
    """
    # By rising rate; within a rate, the tax without a jurisdiction first, then
    # by jurisdiction. WIDGET and NUT share one: 1.60 + 0.20.
    assert loaded.expand() == dedent("""
        2024-01-03 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   37.14 USD
          Income:Sales            -20.00 USD
            item: "WIDGET"
          Income:Sales             -5.00 USD
            item: "GADGET"
          Income:Sales             -3.00 USD
            item: "BOLT"
          Income:Sales             -2.50 USD
            item: "NUT"
          Income:Sales             -4.00 USD
            item: "TEA"
          Liabilities:SalesTax     -0.20 USD
            rate: 0.05
            jurisdiction: "Springfield 5%"
          Liabilities:SalesTax     -0.24 USD
            rate: 0.08
          Liabilities:SalesTax     -0.40 USD
            rate: 0.08
            jurisdiction: "Shelbyville 8%"
          Liabilities:SalesTax     -1.80 USD
            rate: 0.08
            jurisdiction: "Springfield 8%"
    """)


@ledger()
def test_a_tax_amount_a_cent_above_the_rate_is_the_tax(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 7.50 USD
      tax: 0.08875
      tax-amount: 2.01 USD
    2024-01-03 custom "invoice" "SO-1" "INV-1"
    """
    # The rate gives 22.50 x 0.08875 = 1.996875, 2.00; the shop said 2.01.
    assert loaded.expand() == dedent("""
        2024-01-03 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   24.51 USD
          Income:Sales            -22.50 USD
            item: "WIDGET"
          Liabilities:SalesTax     -2.01 USD
            rate: 0.08875
    """)
    order = loaded.book.orders["SO-1"]
    assert (order.lines[0].tax_amount, order.lines[0].invoiced_tax) == (
        D("2.01"),
        D("2.01"),
    )
    assert order.total == D("22.50")


@ledger()
def test_with_prices_including_tax_the_net_is_the_value_less_the_tax_amount(loaded):
    """
    plugin "beancount_orders.orders" "{'prices_include_tax': True}"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 8.17 USD
      tax: 0.08875
      tax-amount: 2.01 USD
      jurisdiction: "NY State Tax 4%, New York City Tax 4.875%"
    2024-01-03 custom "invoice" "SO-1" "INV-1"
    """
    # 3 x 8.17 = 24.51 gross; the rate gives a net of 24.51 / 1.08875 = 22.51 and
    # a tax of 2.00. The shop said 2.01: the net is 24.51 - 2.01 = 22.50.
    assert loaded.expand() == dedent("""
        2024-01-03 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   24.51 USD
          Income:Sales            -22.50 USD
            item: "WIDGET"
          Liabilities:SalesTax     -2.01 USD
            rate: 0.08875
            jurisdiction: "NY State Tax 4%, New York City Tax 4.875%"
    """)
    assert loaded.book.orders["SO-1"].total == D("22.50")


TWO_PARTS = """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 7.50 USD
      tax: 0.08875
      tax-amount: 2.01 USD
      jurisdiction: "NY State Tax 4%, New York City Tax 4.875%"
    2024-01-02 custom "line" "SO-1" "GADGET" 1 10.00 USD
      tax: 0.08875
      jurisdiction: "NJ 6.625%"
    2024-01-03 custom "invoice" "SO-1" "INV-1" "WIDGET" 1
    2024-01-04 custom "invoice" "SO-1" "INV-2"
    """


def test_the_invoice_that_completes_the_line_takes_the_rest_of_its_tax_amount():
    loaded = load(TWO_PARTS)
    assert loaded.messages == []
    # INV-1: 1 WIDGET, 7.50 x 0.08875 = 0.665625, 0.67 by the rate. INV-2 bills the
    # last 2 WIDGET: the rate would give 1.33, but the line's tax is 2.01, so
    # 2.01 - 0.67 = 1.34. GADGET: 0.8875, 0.89.
    assert loaded.expand() == dedent("""
        2024-01-03 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   8.17 USD
          Income:Sales            -7.50 USD
            item: "WIDGET"
          Liabilities:SalesTax    -0.67 USD
            rate: 0.08875
            jurisdiction: "NY State Tax 4%, New York City Tax 4.875%"

        2024-01-04 * "Acme Ltd" "Invoice INV-2 for order SO-1" ^INV-2 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-2"
          Assets:Receivable:Acme   27.23 USD
          Income:Sales            -15.00 USD
            item: "WIDGET"
          Income:Sales            -10.00 USD
            item: "GADGET"
          Liabilities:SalesTax     -0.89 USD
            rate: 0.08875
            jurisdiction: "NJ 6.625%"
          Liabilities:SalesTax     -1.34 USD
            rate: 0.08875
            jurisdiction: "NY State Tax 4%, New York City Tax 4.875%"
    """)
    widget = loaded.book.orders["SO-1"].lines[0]
    assert (widget.invoiced, widget.invoiced_tax) == (D(3), D("2.01"))


def test_a_fully_credited_invoice_of_such_lines_nets_to_zero():
    loaded = load(
        TWO_PARTS
        + """
    2024-01-10 custom "credit-order" "CO-1" "INV-2"
    2024-01-10 custom "credit-line" "CO-1" "WIDGET" "credit" 1 7.50 USD
    2024-01-11 custom "credit-order" "CO-2" "INV-2"
      full: TRUE
    2024-01-12 custom "credit-order" "CO-3" "INV-1"
      full: TRUE
    """
    )
    assert loaded.messages == []
    # CO-1 credits 1 of INV-2's 2 WIDGET by the rate: 0.67 tax. CO-2 takes what is
    # left of INV-2 (SPEC, Remainders): 1.34 - 0.67 = 0.67 of WIDGET's tax, and
    # GADGET's 0.89. Each tax posting names the jurisdiction it gives back.
    generated = loaded.expand().split("\n\n")
    assert generated[2:] == [
        dedent("""
        2024-01-10 * "Acme Ltd" "Credit order CO-1 against invoice INV-2" ^CO-1 ^INV-2 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-2"
          credit-order: "CO-1"
          Income:Sales:Returns     7.50 USD
            item: "WIDGET"
            type: "credit"
          Liabilities:SalesTax     0.67 USD
            rate: 0.08875
            jurisdiction: "NY State Tax 4%, New York City Tax 4.875%"
          Assets:Receivable:Acme  -8.17 USD
        """).rstrip("\n"),
        dedent("""
        2024-01-11 * "Acme Ltd" "Credit order CO-2 against invoice INV-2" ^CO-2 ^INV-2 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-2"
          credit-order: "CO-2"
          Income:Sales:Returns      7.50 USD
            item: "WIDGET"
            type: "credit"
          Income:Sales:Returns     10.00 USD
            item: "GADGET"
            type: "credit"
          Liabilities:SalesTax      0.89 USD
            rate: 0.08875
            jurisdiction: "NJ 6.625%"
          Liabilities:SalesTax      0.67 USD
            rate: 0.08875
            jurisdiction: "NY State Tax 4%, New York City Tax 4.875%"
          Assets:Receivable:Acme  -19.06 USD
        """).rstrip("\n"),
        dedent("""
        2024-01-12 * "Acme Ltd" "Credit order CO-3 against invoice INV-1" ^CO-3 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-3"
          Income:Sales:Returns     7.50 USD
            item: "WIDGET"
            type: "credit"
          Liabilities:SalesTax     0.67 USD
            rate: 0.08875
            jurisdiction: "NY State Tax 4%, New York City Tax 4.875%"
          Assets:Receivable:Acme  -8.17 USD
        """),
    ]
    # Nothing is left owed or in tax; the returns undo the sales to the cent.
    assert loaded.balances() == {
        "Income:Sales": "-32.50 USD",
        "Income:Sales:Returns": "32.50 USD",
    }
    assert loaded.book.orders["SO-1"].outstanding == 0


@ledger()
def test_a_line_with_cancelled_units_is_taxed_by_its_rate(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 4 7.50 USD
      tax: 0.08875
      tax-amount: 2.67 USD
    2024-01-03 custom "cancel" "SO-1" "WIDGET" 1
    2024-01-04 custom "invoice" "SO-1" "INV-1"
    """
    # The tax-amount was the tax of all 4 units (the rate gives 2.6625, 2.66); the
    # 3 that are invoiced are taxed by the rate: 22.50 x 0.08875 = 1.996875, 2.00.
    assert loaded.book.invoices["INV-1"].tax == D("2.00")
    assert loaded.book.orders["SO-1"].total == D("22.50")


@ledger()
def test_a_tax_amount_may_differ_by_five_quanta(loaded):
    """
    plugin "beancount_orders.orders" "{'precision': 3}"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 7.50 USD
      tax: 0.08875
      tax-amount: 2.002 USD
    2024-01-02 custom "line" "SO-1" "GADGET" 3 7.50 USD
      tax: 0.08875
      tax-amount: 1.992 USD
    2024-01-03 custom "invoice" "SO-1" "INV-1"
    """
    # At precision 3 the rate gives 1.997 on each line; 0.005 either side is allowed.
    assert [line.tax for line in loaded.book.invoices["INV-1"].lines] == [
        D("2.002"),
        D("1.992"),
    ]


@ledger(expect_errors=True)
def test_bad_tax_amounts_and_jurisdictions_are_errors_and_the_line_is_not_applied(
    loaded,
):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 7.50 USD
      tax: 0.08875
      tax-amount: 2.01 EUR
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 7.50 USD
      tax: 0.08875
      tax-amount: -2.00 USD
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 7.50 USD
      tax: 0.08875
      tax-amount: 2.06 USD
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 7.50 USD
      tax: 0.08875
      tax-amount: 1.94 USD
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 7.50 USD
      tax: 0.08875
      jurisdiction: 4
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 7.50 USD
      tax: 0.08875
      tax-amout: 2.00 USD
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 7.50 USD
      tax: 0.08875
      tax-amount: 2.005 USD
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 7.50 USD
      tax: 0.08875
      tax-amount: 2
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 7.50 USD
      jurisdicton: "NJ"
      tax_amount: 0.00 USD
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 7.50 USD
      tax-amount: 0.06 USD
    """
    line = 'Order "SO-1" line WIDGET'
    assert loaded.messages == [
        (5, f"{line}: tax-amount 2.01 EUR is not in the line's currency USD"),
        (8, f"{line}: tax-amount must not be negative, got -2.00 USD"),
        (
            11,
            f"{line}: tax-amount 2.06 USD is more than 0.05 USD from the tax that rate "
            "0.08875 gives on the line's 22.50 USD (2.00 USD); it may differ by "
            "rounding only",
        ),
        (
            14,
            f"{line}: tax-amount 1.94 USD is more than 0.05 USD from the tax that rate "
            "0.08875 gives on the line's 22.50 USD (2.00 USD); it may differ by "
            "rounding only",
        ),
        (
            17,
            f"{line}: jurisdiction must be a string naming the line's taxes such as "
            '"NY State Tax 4%", got 4',
        ),
        (
            20,
            'Unknown metadata key "tax-amout" on a "line" directive: did you mean '
            '"tax-amount"? It was not applied',
        ),
        (
            23,
            f"{line}: tax-amount 2.005 USD has more decimal places than the currency's "
            "precision (0.01 USD)",
        ),
        (
            26,
            f"{line}: tax-amount must be an amount such as 1.97 USD (the tax of the "
            "whole line), got 2",
        ),
        (
            29,
            'Unknown metadata key "jurisdicton" on a "line" directive: did you mean '
            '"jurisdiction"? It was not applied',
        ),
        (
            29,
            'Unknown metadata key "tax_amount" on a "line" directive: did you mean '
            '"tax-amount"? It was not applied',
        ),
        (
            32,
            f"{line}: tax-amount 0.06 USD is more than 0.05 USD from the tax that rate "
            "0 gives on the line's 22.50 USD (0.00 USD); it may differ by rounding only",
        ),
    ]
    assert loaded.book.orders["SO-1"].lines == []


@ledger(expect_errors=True)
def test_with_prices_including_tax_the_tax_amount_is_at_most_the_value(loaded):
    """
    plugin "beancount_orders.orders" "{'prices_include_tax': True}"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "PIN" 1 0.02 USD
      tax: 0.20
      tax-amount: 0.03 USD
    2024-01-02 custom "line" "SO-1" "PIN" 1 0.02 USD
      tax: 0.20
      tax-amount: 0.02 USD
    """
    # The rate gives 0.02 - 0.02 / 1.2 = 0.02 - 0.02 = 0.00: both are within 0.05,
    # but a tax above the gross would leave a negative net.
    assert loaded.messages == [
        (
            5,
            'Order "SO-1" line PIN: tax-amount 0.03 USD is more than the line\'s value '
            "of 0.02 USD, which includes the tax",
        ),
    ]
    assert loaded.book.orders["SO-1"].lines[0].net_value(1) == 0
