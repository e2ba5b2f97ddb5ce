# ruff: noqa: E501  (generated postings are compared as Beancount prints them)
"""Loyalty on foreign-currency orders (SPEC Revision 2, "Foreign currency": loyalty
earns and redeems on the invoice's OPC value).

A redemption's discount is the points' value in the operating currency (OPC);
it settles the order in its own currency CUR, converted at the rate of the
order's oldest open invoice (whose lot it takes at its cost), else at the day's
price (a lot of its own, like money paid ahead). Every rounding goes to
``Income:FX``. Line numbers count from the line after the opening quotes.
"""

from __future__ import annotations

from tests.helpers import dedent
from tests.helpers import ledger


@ledger()
def test_redeemed_after_the_invoice_takes_its_lot(loaded):
    """
    option "operating_currency" "USD"
    plugin "beancount_orders.orders"
    2024-01-01 custom "loyalty-program" "PTS"
      value: 0.10 USD
    2024-01-01 custom "customer" "acme" "Acme GmbH"
      program: "PTS"
    2024-01-01 custom "loyalty-adjust" "acme" 200 PTS
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 50.00 EUR
      tax: 0.20
    2024-01-05 price EUR 1.10 USD
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-06 custom "redeem" "SO-1" 110 PTS
    2024-02-01 price EUR 1.15 USD
    2024-02-01 custom "payment" "SO-1" 110.00 EUR "card"
    """
    # 110 PTS are worth 11.00 USD: at INV-1's rate, 10.00 EUR of its lot, no rounding. The payment of the rest leaves no lot.
    assert loaded.expand() == dedent("""
        2024-01-01 * "Acme GmbH" "Loyalty adjustment of 200 PTS" ^ADJUST-20240101-1
          customer: "acme"
          program: "PTS"
          adjustment: "ADJUST-20240101-1"
          Liabilities:Loyalty:PTS             -200 PTS
          Expenses:Loyalty:PointsDistributed   200 PTS

        2024-01-05 * "Acme GmbH" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   120.00 EUR {1.10 USD, 2024-01-05, "INV-1"}
          Income:Sales            -110.00 USD
            item: "WIDGET"
          Liabilities:SalesTax     -22.00 USD
            rate: 0.20

        2024-01-05 * "Acme GmbH" "PTS points earned on invoice INV-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          program: "PTS"
          Liabilities:Loyalty:PTS             -132 PTS
          Expenses:Loyalty:PointsDistributed   132 PTS

        2024-01-06 * "Acme GmbH" "Redemption of 110 PTS on order SO-1" ^SO-1
          order: "SO-1"
          customer: "acme"
          program: "PTS"
          Liabilities:Loyalty:PTS                110 PTS
          Expenses:Loyalty:PointsDistributed    -110 PTS
          Expenses:Loyalty:Discounts           11.00 USD
          Assets:Receivable:Acme              -10.00 EUR {1.10 USD, 2024-01-05, "INV-1"}

        2024-02-01 * "Acme GmbH" "Payment for order SO-1 by card" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Clearing:Card     110.00 EUR @ 1.15 USD
          Assets:Receivable:Acme  -110.00 EUR {1.10 USD, 2024-01-05, "INV-1"}
          Income:FX                 -5.50 USD
    """)
    assert all(lot.units == 0 for lot in loaded.book.fx.lots.values())
    assert "Assets:Receivable:Acme" not in loaded.balances()
    assert loaded.balances()["Income:FX"] == "-5.50 USD"


@ledger()
def test_redeemed_before_and_after_the_invoice_then_fully_credited(loaded):
    """
    option "operating_currency" "USD"
    plugin "beancount_orders.orders"
    2024-01-01 custom "loyalty-program" "PTS"
      value: 0.10 USD
    2024-01-01 custom "customer" "acme" "Acme GmbH"
      program: "PTS"
    2024-01-01 custom "loyalty-adjust" "acme" 500 PTS
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 33.33 EUR
      tax: 0.19
    2024-01-03 price EUR 1.1111 USD
    2024-01-03 custom "redeem" "SO-1" 100 PTS
    2024-01-05 price EUR 1.1734 USD
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-06 custom "redeem" "SO-1" 50 PTS
    2024-01-20 custom "credit-order" "CO-1" "INV-1"
    2024-01-20 custom "credit-line" "CO-1" "WIDGET" "credit" 1 33.33 EUR
    2024-01-21 custom "credit-order" "CO-2" "INV-1"
    2024-01-21 custom "credit-line" "CO-2" "WIDGET" "credit" 2 33.33 EUR
    """
    # 100 PTS before the invoice: 10.00 USD is 9.00 EUR at the day's 1.1111, held as a lot of its own (the rounding to fx) and set against INV-1 when it comes, which earns on its OPC value less that redemption (109.99 EUR x 1.1734 = 129.06 USD: 129 PTS). 50 PTS after it: 5.00 USD is 4.26 EUR of INV-1's lot. The two credit orders claw back what it earned and give back all 150 PTS: the discount at the OPC value it was redeemed at (the last exactly what is left), the receivable at INV-1's cost (the part of CO-2 beyond what was open on INV-1 from CO-2's own lot).
    assert loaded.expand() == dedent("""
        2024-01-01 * "Acme GmbH" "Loyalty adjustment of 500 PTS" ^ADJUST-20240101-1
          customer: "acme"
          program: "PTS"
          adjustment: "ADJUST-20240101-1"
          Liabilities:Loyalty:PTS             -500 PTS
          Expenses:Loyalty:PointsDistributed   500 PTS

        2024-01-03 * "Acme GmbH" "Redemption of 100 PTS on order SO-1" ^SO-1
          order: "SO-1"
          customer: "acme"
          program: "PTS"
          Liabilities:Loyalty:PTS                 100 PTS
          Expenses:Loyalty:PointsDistributed     -100 PTS
          Expenses:Loyalty:Discounts            10.00 USD
          Assets:Receivable:Acme                -9.00 EUR {1.1111 USD, 2024-01-03, "REDEMPTION-SO-1"}
          Income:FX                           -0.0001 USD

        2024-01-05 * "Acme GmbH" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme     118.99 EUR {1.1734 USD, 2024-01-05, "INV-1"}
          Income:Sales              -117.33 USD
            item: "WIDGET"
          Liabilities:SalesTax       -22.29 USD
            rate: 0.19
          Income:FX               -0.002866 USD

        2024-01-05 * "Acme GmbH" "PTS points earned on invoice INV-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          program: "PTS"
          Liabilities:Loyalty:PTS             -129 PTS
          Expenses:Loyalty:PointsDistributed   129 PTS

        2024-01-05 * "Acme GmbH" "Money held ahead (REDEMPTION-SO-1) set against invoice INV-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme    9.00 EUR {1.1111 USD, 2024-01-03, "REDEMPTION-SO-1"}
          Assets:Receivable:Acme   -9.00 EUR {1.1734 USD, 2024-01-05, "INV-1"}
          Income:FX               0.5607 USD

        2024-01-06 * "Acme GmbH" "Redemption of 50 PTS on order SO-1" ^SO-1
          order: "SO-1"
          customer: "acme"
          program: "PTS"
          Liabilities:Loyalty:PTS                    50 PTS
          Expenses:Loyalty:PointsDistributed        -50 PTS
          Expenses:Loyalty:Discounts               5.00 USD
          Assets:Receivable:Acme                  -4.26 EUR {1.1734 USD, 2024-01-05, "INV-1"}
          Income:FX                           -0.001316 USD

        2024-01-20 * "Acme GmbH" "Credit order CO-1 against invoice INV-1" ^CO-1 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-1"
          Income:Sales:Returns        39.11 USD
            item: "WIDGET"
            type: "credit"
          Liabilities:SalesTax         7.43 USD
            rate: 0.19
          Assets:Receivable:Acme     -39.66 EUR {1.1734 USD, 2024-01-05, "INV-1"}
          Income:FX               -0.002956 USD

        2024-01-20 * "Acme GmbH" "Loyalty on credit order CO-1: 43 PTS clawed back, 50 PTS given back" ^CO-1 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-1"
          program: "PTS"
          Liabilities:Loyalty:PTS                    43 PTS
          Expenses:Loyalty:PointsDistributed        -43 PTS
          Liabilities:Loyalty:PTS                   -50 PTS
          Expenses:Loyalty:PointsDistributed         50 PTS
          Assets:Receivable:Acme                   4.42 EUR {1.1734 USD, 2024-01-05, "INV-1"}
          Expenses:Loyalty:Discounts              -5.00 USD
          Income:FX                           -0.186428 USD

        2024-01-21 * "Acme GmbH" "Credit order CO-2 against invoice INV-1" ^CO-2 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-2"
          Income:Sales:Returns       78.22 USD
            item: "WIDGET"
            type: "credit"
          Liabilities:SalesTax       14.86 USD
            rate: 0.19
          Assets:Receivable:Acme    -70.49 EUR {1.1734 USD, 2024-01-05, "INV-1"}
          Assets:Receivable:Acme     -8.84 EUR {1.1734 USD, 2024-01-21, "CO-2"}
          Income:FX               0.005822 USD

        2024-01-21 * "Acme GmbH" "Loyalty on credit order CO-2: 86 PTS clawed back, 100 PTS given back" ^CO-2 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-2"
          program: "PTS"
          Liabilities:Loyalty:PTS                    86 PTS
          Expenses:Loyalty:PointsDistributed        -86 PTS
          Liabilities:Loyalty:PTS                  -100 PTS
          Expenses:Loyalty:PointsDistributed        100 PTS
          Assets:Receivable:Acme                   8.84 EUR {1.1734 USD, 2024-01-21, "CO-2"}
          Expenses:Loyalty:Discounts             -10.00 USD
          Income:FX                           -0.372856 USD
    """)
    # A fully credited invoice nets to zero in every account, to the cent and the point.
    balances = loaded.balances()
    assert balances["Income:Sales"] == "-117.33 USD"
    assert balances["Income:Sales:Returns"] == "117.33 USD"
    for account in (
        "Assets:Receivable:Acme",
        "Liabilities:SalesTax",
        "Income:FX",
        "Expenses:Loyalty:Discounts",
    ):
        assert account not in balances, account
    assert balances["Liabilities:Loyalty:PTS"] == "-500 PTS"
    assert all(lot.units == 0 for lot in loaded.book.fx.lots.values())


@ledger()
def test_cancel_gives_back_a_foreign_redemption(loaded):
    """
    option "operating_currency" "USD"
    plugin "beancount_orders.orders"
    2024-01-01 custom "loyalty-program" "PTS"
      value: 0.10 USD
    2024-01-01 custom "customer" "acme" "Acme GmbH"
      program: "PTS"
    2024-01-01 custom "loyalty-adjust" "acme" 500 PTS
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 EUR
    2024-01-03 price EUR 1.10 USD
    2024-01-03 custom "redeem" "SO-1" 250 PTS
    2024-01-04 custom "cancel" "SO-1" "WIDGET" 2
    """
    # Cancels leave 10.00 EUR of the order; the 12.73 EUR beyond it come back from the redemption's lot, its discount at the OPC value it was redeemed at.
    assert loaded.expand() == dedent("""
        2024-01-01 * "Acme GmbH" "Loyalty adjustment of 500 PTS" ^ADJUST-20240101-1
          customer: "acme"
          program: "PTS"
          adjustment: "ADJUST-20240101-1"
          Liabilities:Loyalty:PTS             -500 PTS
          Expenses:Loyalty:PointsDistributed   500 PTS

        2024-01-03 * "Acme GmbH" "Redemption of 250 PTS on order SO-1" ^SO-1
          order: "SO-1"
          customer: "acme"
          program: "PTS"
          Liabilities:Loyalty:PTS                250 PTS
          Expenses:Loyalty:PointsDistributed    -250 PTS
          Expenses:Loyalty:Discounts           25.00 USD
          Assets:Receivable:Acme              -22.73 EUR {1.10 USD, 2024-01-03, "REDEMPTION-SO-1"}
          Income:FX                            0.003 USD

        2024-01-04 * "Acme GmbH" "Cancelled redemption on order SO-1: 141 PTS back" ^SO-1
          order: "SO-1"
          customer: "acme"
          program: "PTS"
          Liabilities:Loyalty:PTS               -141 PTS
          Expenses:Loyalty:PointsDistributed     141 PTS
          Assets:Receivable:Acme               12.73 EUR {1.10 USD, 2024-01-03, "REDEMPTION-SO-1"}
          Expenses:Loyalty:Discounts          -14.00 USD
          Income:FX                           -0.003 USD
    """)


@ledger(expect_errors=True)
def test_foreign_redemption_errors(loaded):
    """
    option "operating_currency" "USD"
    plugin "beancount_orders.orders"
    2024-01-01 custom "loyalty-program" "PTS"
      value: 0.10 USD
    2024-01-01 custom "loyalty-program" "GBPTS"
      value: 0.10 GBP
    2024-01-01 custom "customer" "acme" "Acme GmbH"
      program: "PTS"
    2024-01-01 custom "loyalty-adjust" "acme" 200 PTS
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 50.00 EUR
    2024-01-03 custom "redeem" "SO-1" 10 PTS
    2024-01-02 custom "order" "SO-2" "acme"
      program: "GBPTS"
    2024-01-02 custom "line" "SO-2" "WIDGET" 2 50.00 EUR
    2024-01-03 custom "redeem" "SO-2" 10 GBPTS
    """
    # Before any invoice the day's price converts; none is an error. Points worth another currency than OPC cannot be redeemed on a foreign order.
    assert loaded.messages == [
        (
            13,
            'Redemption of 10 PTS on order "SO-1": no rate for EUR in USD on or before 2024-01-03: write a price (2024-01-03 price EUR RATE USD)',
        ),
        (
            17,
            'Redemption of 10 GBPTS on order "SO-2": points are worth GBP; on an order in EUR, a foreign currency, they are redeemed at their value in USD',
        ),
    ]


@ledger()
def test_voided_invoice_hands_its_redemption_to_the_next(loaded):
    """
    option "operating_currency" "USD"
    plugin "beancount_orders.orders"
    2024-01-01 custom "loyalty-program" "PTS"
      value: 0.10 USD
    2024-01-01 custom "customer" "acme" "Acme GmbH"
      program: "PTS"
    2024-01-01 custom "loyalty-adjust" "acme" 500 PTS
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 50.00 EUR
      tax: 0.20
    2024-01-03 price EUR 1.08 USD
    2024-01-03 custom "redeem" "SO-1" 108 PTS
    2024-01-05 price EUR 1.10 USD
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-06 custom "void" "INV-1"
    2024-01-07 custom "invoice" "SO-1" "INV-2"
    2024-01-08 custom "credit-order" "CO-1" "INV-2"
    2024-01-08 custom "credit-line" "CO-1" "WIDGET" "credit" 2 50.00 EUR
    """
    # The void reverses the close of the redemption's lot against INV-1 and the points INV-1 earned; INV-2 takes the redemption (its basis and its lot), and the full credit order gives back its 108 PTS at the 10.80 USD they were redeemed at: every account nets to zero.
    assert loaded.expand() == dedent("""
        2024-01-01 * "Acme GmbH" "Loyalty adjustment of 500 PTS" ^ADJUST-20240101-1
          customer: "acme"
          program: "PTS"
          adjustment: "ADJUST-20240101-1"
          Liabilities:Loyalty:PTS             -500 PTS
          Expenses:Loyalty:PointsDistributed   500 PTS

        2024-01-03 * "Acme GmbH" "Redemption of 108 PTS on order SO-1" ^SO-1
          order: "SO-1"
          customer: "acme"
          program: "PTS"
          Liabilities:Loyalty:PTS                108 PTS
          Expenses:Loyalty:PointsDistributed    -108 PTS
          Expenses:Loyalty:Discounts           10.80 USD
          Assets:Receivable:Acme              -10.00 EUR {1.08 USD, 2024-01-03, "REDEMPTION-SO-1"}

        2024-01-05 * "Acme GmbH" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   120.00 EUR {1.10 USD, 2024-01-05, "INV-1"}
          Income:Sales            -110.00 USD
            item: "WIDGET"
          Liabilities:SalesTax     -22.00 USD
            rate: 0.20

        2024-01-05 * "Acme GmbH" "PTS points earned on invoice INV-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          program: "PTS"
          Liabilities:Loyalty:PTS             -121 PTS
          Expenses:Loyalty:PointsDistributed   121 PTS

        2024-01-05 * "Acme GmbH" "Money held ahead (REDEMPTION-SO-1) set against invoice INV-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   10.00 EUR {1.08 USD, 2024-01-03, "REDEMPTION-SO-1"}
          Assets:Receivable:Acme  -10.00 EUR {1.10 USD, 2024-01-05, "INV-1"}
          Income:FX                 0.20 USD

        2024-01-06 * "Acme GmbH" "Void of Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          void: "INV-1"
          Assets:Receivable:Acme  -120.00 EUR {1.10 USD, 2024-01-05, "INV-1"}
          Income:Sales             110.00 USD
            item: "WIDGET"
          Liabilities:SalesTax      22.00 USD
            rate: 0.20

        2024-01-06 * "Acme GmbH" "Void of Money held ahead (REDEMPTION-SO-1) set against invoice INV-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          void: "INV-1"
          Assets:Receivable:Acme  -10.00 EUR {1.08 USD, 2024-01-03, "REDEMPTION-SO-1"}
          Assets:Receivable:Acme   10.00 EUR {1.10 USD, 2024-01-05, "INV-1"}
          Income:FX                -0.20 USD

        2024-01-06 * "Acme GmbH" "Void of PTS points earned on invoice INV-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          program: "PTS"
          void: "INV-1"
          Liabilities:Loyalty:PTS              121 PTS
          Expenses:Loyalty:PointsDistributed  -121 PTS

        2024-01-07 * "Acme GmbH" "Invoice INV-2 for order SO-1" ^INV-2 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-2"
          Assets:Receivable:Acme   120.00 EUR {1.10 USD, 2024-01-07, "INV-2"}
          Income:Sales            -110.00 USD
            item: "WIDGET"
          Liabilities:SalesTax     -22.00 USD
            rate: 0.20

        2024-01-07 * "Acme GmbH" "PTS points earned on invoice INV-2" ^INV-2 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-2"
          program: "PTS"
          Liabilities:Loyalty:PTS             -121 PTS
          Expenses:Loyalty:PointsDistributed   121 PTS

        2024-01-07 * "Acme GmbH" "Money held ahead (REDEMPTION-SO-1) set against invoice INV-2" ^INV-2 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-2"
          Assets:Receivable:Acme   10.00 EUR {1.08 USD, 2024-01-03, "REDEMPTION-SO-1"}
          Assets:Receivable:Acme  -10.00 EUR {1.10 USD, 2024-01-07, "INV-2"}
          Income:FX                 0.20 USD

        2024-01-08 * "Acme GmbH" "Credit order CO-1 against invoice INV-2" ^CO-1 ^INV-2 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-2"
          credit-order: "CO-1"
          Income:Sales:Returns     110.00 USD
            item: "WIDGET"
            type: "credit"
          Liabilities:SalesTax      22.00 USD
            rate: 0.20
          Assets:Receivable:Acme  -110.00 EUR {1.10 USD, 2024-01-07, "INV-2"}
          Assets:Receivable:Acme   -10.00 EUR {1.10 USD, 2024-01-08, "CO-1"}

        2024-01-08 * "Acme GmbH" "Loyalty on credit order CO-1: 121 PTS clawed back, 108 PTS given back" ^CO-1 ^INV-2 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-2"
          credit-order: "CO-1"
          program: "PTS"
          Liabilities:Loyalty:PTS                121 PTS
          Expenses:Loyalty:PointsDistributed    -121 PTS
          Liabilities:Loyalty:PTS               -108 PTS
          Expenses:Loyalty:PointsDistributed     108 PTS
          Assets:Receivable:Acme               10.00 EUR {1.10 USD, 2024-01-08, "CO-1"}
          Expenses:Loyalty:Discounts          -10.80 USD
          Income:FX                            -0.20 USD
    """)

    balances = loaded.balances()
    assert set(balances) == {
        "Income:Sales",
        "Income:Sales:Returns",
        "Liabilities:Loyalty:PTS",
        "Expenses:Loyalty:PointsDistributed",
    }
    assert balances["Liabilities:Loyalty:PTS"] == "-500 PTS"


@ledger()
def test_voided_credit_order_takes_its_foreign_give_back_again(loaded):
    """
    option "operating_currency" "USD"
    plugin "beancount_orders.orders"
    2024-01-01 custom "loyalty-program" "PTS"
      value: 0.10 USD
    2024-01-01 custom "customer" "acme" "Acme GmbH"
      program: "PTS"
    2024-01-01 custom "loyalty-adjust" "acme" 200 PTS
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 33.33 EUR
      tax: 0.19
    2024-01-05 price EUR 1.1734 USD
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-06 custom "redeem" "SO-1" 150 PTS
    2024-01-20 custom "credit-order" "CO-1" "INV-1"
    2024-01-20 custom "credit-line" "CO-1" "WIDGET" "credit" 3 33.33 EUR
    2024-01-21 custom "loyalty-adjust" "acme" -200 PTS
    2024-01-22 custom "void" "CO-1"
    2024-01-23 custom "credit-order" "CO-2" "INV-1"
    2024-01-23 custom "credit-line" "CO-2" "WIDGET" "credit" 3 33.33 EUR
    """
    # The void of CO-1 takes back what it gave back (capped at 139 PTS: the customer spent the rest) and the discount money exactly, its lot and fx; CO-2 then gives back the same 15.00 USD: the discount nets to zero.
    assert loaded.expand() == dedent("""
        2024-01-01 * "Acme GmbH" "Loyalty adjustment of 200 PTS" ^ADJUST-20240101-1
          customer: "acme"
          program: "PTS"
          adjustment: "ADJUST-20240101-1"
          Liabilities:Loyalty:PTS             -200 PTS
          Expenses:Loyalty:PointsDistributed   200 PTS

        2024-01-05 * "Acme GmbH" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme     118.99 EUR {1.1734 USD, 2024-01-05, "INV-1"}
          Income:Sales              -117.33 USD
            item: "WIDGET"
          Liabilities:SalesTax       -22.29 USD
            rate: 0.19
          Income:FX               -0.002866 USD

        2024-01-05 * "Acme GmbH" "PTS points earned on invoice INV-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          program: "PTS"
          Liabilities:Loyalty:PTS             -139 PTS
          Expenses:Loyalty:PointsDistributed   139 PTS

        2024-01-06 * "Acme GmbH" "Redemption of 150 PTS on order SO-1" ^SO-1
          order: "SO-1"
          customer: "acme"
          program: "PTS"
          Liabilities:Loyalty:PTS                   150 PTS
          Expenses:Loyalty:PointsDistributed       -150 PTS
          Expenses:Loyalty:Discounts              15.00 USD
          Assets:Receivable:Acme                 -12.78 EUR {1.1734 USD, 2024-01-05, "INV-1"}
          Income:FX                           -0.003948 USD

        2024-01-20 * "Acme GmbH" "Credit order CO-1 against invoice INV-1" ^CO-1 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-1"
          Income:Sales:Returns      117.33 USD
            item: "WIDGET"
            type: "credit"
          Liabilities:SalesTax       22.29 USD
            rate: 0.19
          Assets:Receivable:Acme   -106.21 EUR {1.1734 USD, 2024-01-05, "INV-1"}
          Assets:Receivable:Acme    -12.78 EUR {1.1734 USD, 2024-01-20, "CO-1"}
          Income:FX               0.002866 USD

        2024-01-20 * "Acme GmbH" "Loyalty on credit order CO-1: 139 PTS clawed back, 150 PTS given back" ^CO-1 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-1"
          program: "PTS"
          Liabilities:Loyalty:PTS                  139 PTS
          Expenses:Loyalty:PointsDistributed      -139 PTS
          Liabilities:Loyalty:PTS                 -150 PTS
          Expenses:Loyalty:PointsDistributed       150 PTS
          Assets:Receivable:Acme                 12.78 EUR {1.1734 USD, 2024-01-20, "CO-1"}
          Expenses:Loyalty:Discounts            -15.00 USD
          Income:FX                           0.003948 USD

        2024-01-21 * "Acme GmbH" "Loyalty adjustment of -200 PTS" ^ADJUST-20240121-1
          customer: "acme"
          program: "PTS"
          adjustment: "ADJUST-20240121-1"
          Liabilities:Loyalty:PTS              200 PTS
          Expenses:Loyalty:PointsDistributed  -200 PTS

        2024-01-22 * "Acme GmbH" "Void of Credit order CO-1 against invoice INV-1" ^CO-1 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-1"
          void: "CO-1"
          Income:Sales:Returns      -117.33 USD
            item: "WIDGET"
            type: "credit"
          Liabilities:SalesTax       -22.29 USD
            rate: 0.19
          Assets:Receivable:Acme     106.21 EUR {1.1734 USD, 2024-01-05, "INV-1"}
          Assets:Receivable:Acme      12.78 EUR {1.1734 USD, 2024-01-20, "CO-1"}
          Income:FX               -0.002866 USD

        2024-01-22 * "Acme GmbH" "Void of loyalty on credit order CO-1: 139 of 150 PTS given back taken again" ^CO-1 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-1"
          program: "PTS"
          void: "CO-1"
          Liabilities:Loyalty:PTS                  -139 PTS
          Expenses:Loyalty:PointsDistributed        139 PTS
          Liabilities:Loyalty:PTS                   139 PTS
          Expenses:Loyalty:PointsDistributed       -139 PTS
          Assets:Receivable:Acme                 -12.78 EUR {1.1734 USD, 2024-01-20, "CO-1"}
          Expenses:Loyalty:Discounts              15.00 USD
          Income:FX                           -0.003948 USD

        2024-01-23 * "Acme GmbH" "Credit order CO-2 against invoice INV-1" ^CO-2 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-2"
          Income:Sales:Returns      117.33 USD
            item: "WIDGET"
            type: "credit"
          Liabilities:SalesTax       22.29 USD
            rate: 0.19
          Assets:Receivable:Acme   -106.21 EUR {1.1734 USD, 2024-01-05, "INV-1"}
          Assets:Receivable:Acme    -12.78 EUR {1.1734 USD, 2024-01-23, "CO-2"}
          Income:FX               0.002866 USD

        2024-01-23 * "Acme GmbH" "Loyalty on credit order CO-2: 139 PTS already used, not clawed back, 139 PTS given back" ^CO-2 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-2"
          program: "PTS"
          Liabilities:Loyalty:PTS                 -139 PTS
          Expenses:Loyalty:PointsDistributed       139 PTS
          Assets:Receivable:Acme                 12.78 EUR {1.1734 USD, 2024-01-23, "CO-2"}
          Expenses:Loyalty:Discounts            -15.00 USD
          Income:FX                           0.003948 USD
    """)

    balances = loaded.balances()
    assert "Expenses:Loyalty:Discounts" not in balances and "Income:FX" not in balances
    assert all(lot.units == 0 for lot in loaded.book.fx.lots.values())
