# ruff: noqa: E501  (generated postings are compared as Beancount prints them)
"""Foreign-currency orders (SPEC Revision 2, Foreign currency): rates, the
receivable's lots, realised gain and loss, and the FX errors.

Line numbers in the ledgers count from the line after the opening quotes: the
``option`` line is line 2.
"""

from __future__ import annotations

from decimal import Decimal as D

from tests.helpers import dedent
from tests.helpers import ledger


@ledger()
def test_paid_in_full_at_a_higher_rate_is_a_gain(loaded):
    """
    option "operating_currency" "USD"
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme GmbH"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 50.00 EUR
      tax: 0.20
    2024-01-05 price EUR 1.10 USD
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-02-01 price EUR 1.15 USD
    2024-02-01 custom "payment" "INV-1" 120.00 EUR "card"
    """
    # A foreign invoice paid in full when the euro is worth more: the gain is credited to Income:FX.
    assert loaded.expand() == dedent("""
        2024-01-05 * "Acme GmbH" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   120.00 EUR {1.10 USD, 2024-01-05, "INV-1"}
          Income:Sales            -110.00 USD
            item: "WIDGET"
          Liabilities:SalesTax     -22.00 USD
            rate: 0.20

        2024-02-01 * "Acme GmbH" "Payment for invoice INV-1 (order SO-1) by card" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Clearing:Card     120.00 EUR @ 1.15 USD
          Assets:Receivable:Acme  -120.00 EUR {1.10 USD, 2024-01-05, "INV-1"}
          Income:FX                 -6.00 USD
    """)


@ledger()
def test_paid_in_full_at_a_lower_rate_is_a_loss(loaded):
    """
    option "operating_currency" "USD"
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme GmbH"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 50.00 EUR
      tax: 0.20
    2024-01-05 price EUR 1.10 USD
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-02-01 price EUR 1.05 USD
    2024-02-01 custom "payment" "INV-1" 120.00 EUR "card"
    """
    # Paid when the euro is worth less: the loss is debited to Income:FX.
    assert loaded.expand() == dedent("""
        2024-01-05 * "Acme GmbH" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   120.00 EUR {1.10 USD, 2024-01-05, "INV-1"}
          Income:Sales            -110.00 USD
            item: "WIDGET"
          Liabilities:SalesTax     -22.00 USD
            rate: 0.20

        2024-02-01 * "Acme GmbH" "Payment for invoice INV-1 (order SO-1) by card" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Clearing:Card     120.00 EUR @ 1.05 USD
          Assets:Receivable:Acme  -120.00 EUR {1.10 USD, 2024-01-05, "INV-1"}
          Income:FX                  6.00 USD
    """)


@ledger()
def test_two_partial_payments_at_two_rates(loaded):
    """
    option "operating_currency" "USD"
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme GmbH"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 50.00 EUR
      tax: 0.20
    2024-01-05 price EUR 1.10 USD
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-02-01 price EUR 1.12 USD
    2024-02-01 custom "payment" "SO-1" 50.00 EUR "card"
    2024-03-01 price EUR 1.07 USD
    2024-03-01 custom "payment" "SO-1" 70.00 EUR "card"
    """
    # Each payment takes the invoice's lot at its cost and realises its own difference.
    assert loaded.expand() == dedent("""
        2024-01-05 * "Acme GmbH" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   120.00 EUR {1.10 USD, 2024-01-05, "INV-1"}
          Income:Sales            -110.00 USD
            item: "WIDGET"
          Liabilities:SalesTax     -22.00 USD
            rate: 0.20

        2024-02-01 * "Acme GmbH" "Payment for order SO-1 by card" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Clearing:Card     50.00 EUR @ 1.12 USD
          Assets:Receivable:Acme  -50.00 EUR {1.10 USD, 2024-01-05, "INV-1"}
          Income:FX                -1.00 USD

        2024-03-01 * "Acme GmbH" "Payment for order SO-1 by card" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Clearing:Card     70.00 EUR @ 1.07 USD
          Assets:Receivable:Acme  -70.00 EUR {1.10 USD, 2024-01-05, "INV-1"}
          Income:FX                 2.10 USD
    """)


@ledger()
def test_credit_order_converts_at_the_invoice_rate(loaded):
    """
    option "operating_currency" "USD"
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme GmbH"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 50.00 EUR
      tax: 0.20
    2024-01-05 price EUR 1.10 USD
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-20 custom "credit-order" "CO-1" "INV-1"
    2024-01-20 custom "credit-line" "CO-1" "WIDGET" "credit" 1 50.00 EUR
    2024-02-01 price EUR 1.15 USD
    2024-02-01 custom "payment" "INV-1" 60.00 EUR "card"
    """
    # A credit order on a foreign invoice converts at the invoice's rate: no gain or loss.
    assert loaded.expand() == dedent("""
        2024-01-05 * "Acme GmbH" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   120.00 EUR {1.10 USD, 2024-01-05, "INV-1"}
          Income:Sales            -110.00 USD
            item: "WIDGET"
          Liabilities:SalesTax     -22.00 USD
            rate: 0.20

        2024-01-20 * "Acme GmbH" "Credit order CO-1 against invoice INV-1" ^CO-1 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-1"
          Income:Sales:Returns     55.00 USD
            item: "WIDGET"
            type: "credit"
          Liabilities:SalesTax     11.00 USD
            rate: 0.20
          Assets:Receivable:Acme  -60.00 EUR {1.10 USD, 2024-01-05, "INV-1"}

        2024-02-01 * "Acme GmbH" "Payment for invoice INV-1 (order SO-1) by card" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Clearing:Card     60.00 EUR @ 1.15 USD
          Assets:Receivable:Acme  -60.00 EUR {1.10 USD, 2024-01-05, "INV-1"}
          Income:FX                -3.00 USD
    """)


@ledger()
def test_rate_metadata_overrides_prices(loaded):
    """
    option "operating_currency" "USD"
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme GmbH"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 50.00 EUR
      tax: 0.20
    2024-01-05 price EUR 1.10 USD
    2024-01-05 custom "invoice" "SO-1" "INV-1"
      rate: 1.0875
    2024-02-01 price EUR 1.15 USD
    2024-02-01 custom "payment" "INV-1" 120.00 EUR "card"
      rate: 1.1421
    """
    # rate: on the invoice and the payment wins over the prices of their dates.
    assert loaded.expand() == dedent("""
        2024-01-05 * "Acme GmbH" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   120.00 EUR {1.0875 USD, 2024-01-05, "INV-1"}
          Income:Sales            -108.75 USD
            item: "WIDGET"
          Liabilities:SalesTax     -21.75 USD
            rate: 0.20

        2024-02-01 * "Acme GmbH" "Payment for invoice INV-1 (order SO-1) by card" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Clearing:Card     120.00 EUR @ 1.142083333333333333333333333 USD
          Assets:Receivable:Acme  -120.00 EUR {1.0875 USD, 2024-01-05, "INV-1"}
          Income:FX                 -6.55 USD
    """)


@ledger()
def test_rounding_difference_goes_to_fx(loaded):
    """
    option "operating_currency" "USD"
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme GmbH"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 33.33 EUR
      tax: 0.19
    2024-01-05 price EUR 1.1734 USD
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-02-01 price EUR 1.1699 USD
    2024-02-01 custom "payment" "INV-1" 118.99 EUR "card"
    """
    # Sales and tax are rounded each; the exact rest of the lot's weight goes to fx, and the fx postings of the fully paid invoice add up to whole cents.
    assert loaded.expand() == dedent("""
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

        2024-02-01 * "Acme GmbH" "Payment for invoice INV-1 (order SO-1) by card" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Clearing:Card      118.99 EUR @ 1.169930246239179763005294563 USD
          Assets:Receivable:Acme   -118.99 EUR {1.1734 USD, 2024-01-05, "INV-1"}
          Income:FX               0.412866 USD
    """)


@ledger()
def test_payment_before_the_invoice(loaded):
    """
    option "operating_currency" "USD"
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme GmbH"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 50.00 EUR
      tax: 0.20
    2024-01-05 price EUR 1.10 USD
    2024-01-03 custom "payment" "SO-1" 100.00 EUR "card"
      id: "PAY-1"
      rate: 1.08
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-02-01 price EUR 1.12 USD
    2024-02-01 custom "payment" "SO-1" 20.00 EUR "card"
    """
    # Money paid ahead is a lot of its own at its rate, closed against the invoice's lot when the invoice comes.
    assert loaded.expand() == dedent("""
        2024-01-03 * "Acme GmbH" "Payment for order SO-1 by card" ^PAY-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          payment: "PAY-1"
          Assets:Clearing:Card     100.00 EUR @ 1.08 USD
          Assets:Receivable:Acme  -100.00 EUR {1.08 USD, 2024-01-03, "PAY-1"}

        2024-01-05 * "Acme GmbH" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   120.00 EUR {1.10 USD, 2024-01-05, "INV-1"}
          Income:Sales            -110.00 USD
            item: "WIDGET"
          Liabilities:SalesTax     -22.00 USD
            rate: 0.20

        2024-01-05 * "Acme GmbH" "Money held ahead (PAY-1) set against invoice INV-1" ^INV-1 ^PAY-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   100.00 EUR {1.08 USD, 2024-01-03, "PAY-1"}
          Assets:Receivable:Acme  -100.00 EUR {1.10 USD, 2024-01-05, "INV-1"}
          Income:FX                  2.00 USD

        2024-02-01 * "Acme GmbH" "Payment for order SO-1 by card" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Clearing:Card     20.00 EUR @ 1.12 USD
          Assets:Receivable:Acme  -20.00 EUR {1.10 USD, 2024-01-05, "INV-1"}
          Income:FX                -0.40 USD
    """)


def fx_total(loaded) -> D:
    """The sum of every posting to Income:FX."""
    return sum(
        (
            posting.units.number
            for txn in loaded.transactions
            for posting in txn.postings
            if posting.account == "Income:FX"
        ),
        D(0),
    )


def test_paid_invoices_leave_no_lots_and_fx_in_whole_cents():
    """After each ledger above pays its invoice in full, the receivable holds no lot
    and Income:FX holds whole cents."""
    from tests.helpers import load

    for name, expected in (
        ("gain", "-6.00"),
        ("loss", "6.00"),
        ("partial", "1.10"),
        ("rounding", "0.41"),
        ("ahead", "1.60"),
    ):
        test = globals()[
            {
                "gain": "test_paid_in_full_at_a_higher_rate_is_a_gain",
                "loss": "test_paid_in_full_at_a_lower_rate_is_a_loss",
                "partial": "test_two_partial_payments_at_two_rates",
                "rounding": "test_rounding_difference_goes_to_fx",
                "ahead": "test_payment_before_the_invoice",
            }[name]
        ]
        loaded = load(test.__wrapped__.__doc__)
        assert fx_total(loaded) == D(expected), name
        assert "Assets:Receivable:Acme" not in loaded.balances(), name
        assert all(lot.units == 0 for lot in loaded.book.fx.lots.values()), name


@ledger(expect_errors=True)
def test_fx_errors(loaded):
    """
    option "operating_currency" "USD"
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme GmbH"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 50.00 EUR
    2024-01-04 price USD 0.91 EUR
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-06 custom "invoice" "SO-1" "INV-2"
      rate: -1.1
    2024-01-07 custom "invoice" "SO-1" "INV-3"
      rate: "1.1"
    2024-01-08 custom "payment" "SO-1" 50.00 USD "card"
    2024-01-09 custom "payment" "SO-1" 50.00 EUR "card"
    2024-01-10 custom "payment" "SO-1" 50.00 EUR "card"
      rate: 0
    2024-01-11 custom "order" "SO-2" "acme"
    2024-01-11 custom "line" "SO-2" "WIDGET" 1 10.00 USD
    2024-01-12 custom "invoice" "SO-2" "INV-4"
      rate: 1.1
    """
    # A price quoted the other way round (USD in EUR) is not inverted.
    assert loaded.messages == [
        (
            8,
            'Invoice "INV-1": no rate for EUR in USD on or before 2024-01-05: write a '
            "price (2024-01-05 price EUR RATE USD) or rate: metadata",
        ),
        (
            9,
            'Invoice "INV-2": rate must be a positive number of USD per EUR such as '
            "1.17, got -1.1",
        ),
        (
            11,
            'Invoice "INV-3": rate must be a positive number of USD per EUR such as '
            '1.17, got "1.1"',
        ),
        (13, 'Payment of 50.00 USD on order "SO-1": order "SO-1" is in EUR'),
        (
            14,
            'Payment on "SO-1": no rate for EUR in USD on or before 2024-01-09: write a '
            "price (2024-01-09 price EUR RATE USD) or rate: metadata",
        ),
        (
            15,
            'Payment on "SO-1": rate must be a positive number of USD per EUR such as '
            "1.17, got 0",
        ),
        (
            19,
            'Invoice "INV-4": rate: is for documents in a currency other than the '
            "operating currency USD; this one is in USD",
        ),
    ]
    assert loaded.transactions == []


@ledger()
def test_fx_report_and_ageing_values(loaded):
    """
    option "operating_currency" "USD"
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme GmbH"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 50.00 EUR
      tax: 0.20
    2024-01-05 price EUR 1.10 USD
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-02-01 price EUR 1.12 USD
    2024-02-01 custom "payment" "SO-1" 50.00 EUR "card"
    2024-03-01 price EUR 1.05 USD
    """
    import datetime

    from beancount_orders.reports.ageing import aged_receivables
    from beancount_orders.reports.fx import fx_report

    report = fx_report(loaded.book, datetime.date(2024, 3, 31))
    (row,) = report.rows
    assert (row.document, row.amount, row.booked_rate, row.booked) == (
        "INV-1",
        D("70.00"),
        D("1.10"),
        D("77.00"),
    )
    assert (row.rate, row.revalued, row.difference) == (D("1.05"), D("73.50"), D("-3.50"))
    # Before the payment the whole invoice was open, at the rate of that day.
    (early,) = fx_report(loaded.book, datetime.date(2024, 1, 31)).rows
    assert (early.amount, early.rate, early.difference) == (D("120.00"), D("1.10"), D(0))
    ageing = aged_receivables(loaded.book, datetime.date(2024, 3, 31))
    (customer,) = ageing.rows
    assert (customer.currency, customer.total, customer.value) == (
        "EUR",
        D("70.00"),
        D("77.00"),
    )
    assert ageing.operating_currency == "USD"
