# ruff: noqa: E501  (generated postings are compared as Beancount prints them)
"""Voids of foreign-currency documents (SPEC Revision 2, "void" and "Foreign
currency"): the exact reverse of the postings, lots and ``fx`` included, and the
receivable's lots set to what the book says is open, so that later money and the
``fx`` report see the document gone.

Line numbers in the ledgers count from the line after the opening quotes: the
``option`` line is line 2.
"""

from __future__ import annotations

import datetime
from decimal import Decimal as D

from beancount_orders.reports.ageing import aged_receivables
from beancount_orders.reports.fx import fx_report
from tests.helpers import dedent
from tests.helpers import ledger


def open_lots(loaded, day):
    """The fx report's rows on a day: (document, units, booked value)."""
    report = fx_report(loaded.book, datetime.date.fromisoformat(day))
    return [(row.document, row.amount, row.booked) for row in report.rows]


@ledger()
def test_foreign_invoice_voided_reinvoiced_and_paid(loaded):
    """
    option "operating_currency" "USD"
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme GmbH"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 50.00 EUR
      tax: 0.20
    2024-01-05 price EUR 1.10 USD
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-06 custom "payment" "INV-1" 100.00 EUR "card"
      id: "PAY-1"
      rate: 1.12
    2024-01-08 custom "void" "INV-1"
      reason: "one invoice per delivery"
    2024-01-09 price EUR 1.13 USD
    2024-01-09 custom "invoice" "SO-1" "INV-2" "WIDGET" 2
    2024-02-01 price EUR 1.15 USD
    2024-02-01 custom "payment" "SO-1" 20.00 EUR "card"
    """
    # The void reverses INV-1 and holds PAY-1's money as a lot of its own at its rate (the gain it realised on INV-1 reversed); INV-2 takes it, and the last payment leaves no lot.
    assert loaded.expand() == dedent("""
        2024-01-05 * "Acme GmbH" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   180.00 EUR {1.10 USD, 2024-01-05, "INV-1"}
          Income:Sales            -165.00 USD
            item: "WIDGET"
          Liabilities:SalesTax     -33.00 USD
            rate: 0.20

        2024-01-06 * "Acme GmbH" "Payment for invoice INV-1 (order SO-1) by card" ^INV-1 ^PAY-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          payment: "PAY-1"
          Assets:Clearing:Card     100.00 EUR @ 1.12 USD
          Assets:Receivable:Acme  -100.00 EUR {1.10 USD, 2024-01-05, "INV-1"}
          Income:FX                 -2.00 USD

        2024-01-08 * "Acme GmbH" "Void of Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          void: "INV-1"
          reason: "one invoice per delivery"
          Assets:Receivable:Acme  -180.00 EUR {1.10 USD, 2024-01-05, "INV-1"}
          Income:Sales             165.00 USD
            item: "WIDGET"
          Liabilities:SalesTax      33.00 USD
            rate: 0.20

        2024-01-08 * "Acme GmbH" "Void of INV-1: the money matched to it held again" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          void: "INV-1"
          reason: "one invoice per delivery"
          Assets:Receivable:Acme   100.00 EUR {1.10 USD, 2024-01-05, "INV-1"}
          Assets:Receivable:Acme  -100.00 EUR {1.12 USD, 2024-01-06, "PAY-1"}
          Income:FX                  2.00 USD

        2024-01-09 * "Acme GmbH" "Invoice INV-2 for order SO-1" ^INV-2 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-2"
          Assets:Receivable:Acme   120.00 EUR {1.13 USD, 2024-01-09, "INV-2"}
          Income:Sales            -113.00 USD
            item: "WIDGET"
          Liabilities:SalesTax     -22.60 USD
            rate: 0.20

        2024-01-09 * "Acme GmbH" "Money held ahead (PAY-1) set against invoice INV-2" ^INV-2 ^PAY-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-2"
          Assets:Receivable:Acme   100.00 EUR {1.12 USD, 2024-01-06, "PAY-1"}
          Assets:Receivable:Acme  -100.00 EUR {1.13 USD, 2024-01-09, "INV-2"}
          Income:FX                  1.00 USD

        2024-02-01 * "Acme GmbH" "Payment for order SO-1 by card" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Clearing:Card     20.00 EUR @ 1.15 USD
          Assets:Receivable:Acme  -20.00 EUR {1.13 USD, 2024-01-09, "INV-2"}
          Income:FX                -0.40 USD
    """)
    assert open_lots(loaded, "2024-01-06") == [("INV-1", D("80.00"), D("88.00"))]
    # From the void: INV-1 is gone, PAY-1's money is held at its own rate.
    assert open_lots(loaded, "2024-01-08") == [("PAY-1", D("-100.00"), D("-112.00"))]
    assert open_lots(loaded, "2024-01-09") == [("INV-2", D("20.00"), D("22.60"))]
    assert open_lots(loaded, "2024-02-01") == []
    assert all(lot.units == 0 for lot in loaded.book.fx.lots.values())
    assert "Assets:Receivable:Acme" not in loaded.balances()
    assert loaded.balances()["Income:FX"] == "0.60 USD"  # whole cents


@ledger()
def test_foreign_payments_voided(loaded):
    """
    option "operating_currency" "USD"
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme GmbH"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 50.00 EUR
      tax: 0.20
    2024-01-03 custom "payment" "SO-1" 100.00 EUR "card"
      id: "PAY-1"
      rate: 1.08
    2024-01-05 price EUR 1.10 USD
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-06 custom "payment" "INV-1" 20.00 EUR "card"
      id: "PAY-2"
      rate: 1.12
    2024-01-10 custom "void" "PAY-1"
      reason: "charged back"
    2024-01-11 custom "void" "PAY-2"
    """
    # PAY-1 was held ahead, then set against INV-1: its void gives back its lot, then moves the 100.00 EUR back from its lot onto INV-1's (the fx of the close reversed). PAY-2 paid INV-1 directly: its exact reverse opens INV-1's lot again.
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

        2024-01-06 * "Acme GmbH" "Payment for invoice INV-1 (order SO-1) by card" ^INV-1 ^PAY-2 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          payment: "PAY-2"
          Assets:Clearing:Card     20.00 EUR @ 1.12 USD
          Assets:Receivable:Acme  -20.00 EUR {1.10 USD, 2024-01-05, "INV-1"}
          Income:FX                -0.40 USD

        2024-01-10 * "Acme GmbH" "Void of Payment for order SO-1 by card" ^PAY-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          payment: "PAY-1"
          void: "PAY-1"
          reason: "charged back"
          Assets:Clearing:Card    -100.00 EUR @ 1.08 USD
          Assets:Receivable:Acme   100.00 EUR {1.08 USD, 2024-01-03, "PAY-1"}

        2024-01-10 * "Acme GmbH" "Void of PAY-1: what it settled open again" ^PAY-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          void: "PAY-1"
          reason: "charged back"
          Assets:Receivable:Acme   100.00 EUR {1.10 USD, 2024-01-05, "INV-1"}
          Assets:Receivable:Acme  -100.00 EUR {1.08 USD, 2024-01-03, "PAY-1"}
          Income:FX                 -2.00 USD

        2024-01-11 * "Acme GmbH" "Void of Payment for invoice INV-1 (order SO-1) by card" ^INV-1 ^PAY-2 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          payment: "PAY-2"
          void: "PAY-2"
          Assets:Clearing:Card    -20.00 EUR @ 1.12 USD
          Assets:Receivable:Acme   20.00 EUR {1.10 USD, 2024-01-05, "INV-1"}
          Income:FX                 0.40 USD
    """)
    assert open_lots(loaded, "2024-01-09") == []
    assert open_lots(loaded, "2024-01-10") == [("INV-1", D("100.00"), D("110.00"))]
    assert open_lots(loaded, "2024-01-11") == [("INV-1", D("120.00"), D("132.00"))]
    assert "Income:FX" not in loaded.balances()
    ageing = aged_receivables(loaded.book, datetime.date(2024, 1, 31))
    (row,) = ageing.rows
    assert (row.currency, row.total, row.value) == ("EUR", D("120.00"), D("132.00"))


@ledger()
def test_foreign_credit_order_and_memo_voided(loaded):
    """
    option "operating_currency" "USD"
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme GmbH"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 33.33 EUR
      tax: 0.19
    2024-01-05 price EUR 1.1734 USD
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-20 custom "credit-order" "CO-1" "INV-1"
    2024-01-20 custom "credit-line" "CO-1" "WIDGET" "credit" 3 33.33 EUR
    2024-01-21 custom "void" "CO-1"
    2024-01-22 custom "credit-order" "CO-2" "INV-1"
    2024-01-22 custom "credit-line" "CO-2" "WIDGET" "credit" 1 33.33 EUR
    2024-01-23 custom "credit-memo" "MEMO-1" "acme" 10.00 EUR
      invoice: "INV-1"
    2024-01-24 custom "void" "MEMO-1"
    2024-01-25 custom "credit-order" "CO-3" "INV-1"
    2024-01-25 custom "credit-line" "CO-3" "WIDGET" "credit" 2 33.33 EUR
    """
    # A voided credit order gives back what it took of the invoice's converted line and tax: the credits after it still complete the invoice to the cent, and a voided memo leaves the lot as it was.
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
          Assets:Receivable:Acme   -118.99 EUR {1.1734 USD, 2024-01-05, "INV-1"}
          Income:FX               0.002866 USD

        2024-01-21 * "Acme GmbH" "Void of Credit order CO-1 against invoice INV-1" ^CO-1 ^INV-1 ^SO-1
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
          Assets:Receivable:Acme     118.99 EUR {1.1734 USD, 2024-01-05, "INV-1"}
          Income:FX               -0.002866 USD

        2024-01-22 * "Acme GmbH" "Credit order CO-2 against invoice INV-1" ^CO-2 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-2"
          Income:Sales:Returns        39.11 USD
            item: "WIDGET"
            type: "credit"
          Liabilities:SalesTax         7.43 USD
            rate: 0.19
          Assets:Receivable:Acme     -39.66 EUR {1.1734 USD, 2024-01-05, "INV-1"}
          Income:FX               -0.002956 USD

        2024-01-23 * "Acme GmbH" "Credit memo MEMO-1 against invoice INV-1" ^INV-1 ^MEMO-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          memo: "MEMO-1"
          invoice: "INV-1"
          Expenses:CreditMemos     11.73 USD
          Assets:Receivable:Acme  -10.00 EUR {1.1734 USD, 2024-01-05, "INV-1"}
          Income:FX                0.004 USD

        2024-01-24 * "Acme GmbH" "Void of Credit memo MEMO-1 against invoice INV-1" ^INV-1 ^MEMO-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          memo: "MEMO-1"
          invoice: "INV-1"
          void: "MEMO-1"
          Expenses:CreditMemos    -11.73 USD
          Assets:Receivable:Acme   10.00 EUR {1.1734 USD, 2024-01-05, "INV-1"}
          Income:FX               -0.004 USD

        2024-01-25 * "Acme GmbH" "Credit order CO-3 against invoice INV-1" ^CO-3 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-3"
          Income:Sales:Returns       78.22 USD
            item: "WIDGET"
            type: "credit"
          Liabilities:SalesTax       14.86 USD
            rate: 0.19
          Assets:Receivable:Acme    -79.33 EUR {1.1734 USD, 2024-01-05, "INV-1"}
          Income:FX               0.005822 USD
    """)
    balances = loaded.balances()
    assert "Assets:Receivable:Acme" not in balances
    assert "Liabilities:SalesTax" not in balances and "Income:FX" not in balances
    assert "Expenses:CreditMemos" not in balances
    assert open_lots(loaded, "2024-01-21") == [("INV-1", D("118.99"), D("139.62"))]


@ledger()
def test_foreign_refund_voided(loaded):
    """
    option "operating_currency" "USD"
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme GmbH"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 50.00 EUR
      tax: 0.20
    2024-01-05 price EUR 1.10 USD
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-02-01 custom "payment" "INV-1" 130.00 EUR "card"
      rate: 1.15
    2024-02-10 custom "refund" "acme" 10.00 EUR "card"
      from: "receivable"
      rate: 1.12
      id: "R-1"
    2024-02-12 custom "void" "R-1"
    2024-02-13 custom "refund" "acme" 10.00 EUR "card"
      from: "receivable"
      rate: 1.11
    """
    # The void of a refund puts its money back into the lot it came from; a later refund gives it back again at its own rate.
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
          Assets:Clearing:Card     130.00 EUR @ 1.15 USD
          Assets:Receivable:Acme  -120.00 EUR {1.10 USD, 2024-01-05, "INV-1"}
          Assets:Receivable:Acme   -10.00 EUR {1.15 USD, 2024-02-01, "PAYMENT-INV-1"}
          Income:FX                 -6.00 USD

        2024-02-10 * "Acme GmbH" "Refund of money paid beyond what is owed, by card" ^R-1
          customer: "acme"
          refund: "R-1"
          Assets:Receivable:Acme   10.00 EUR {1.15 USD, 2024-02-01, "PAYMENT-INV-1"}
          Assets:Clearing:Card    -10.00 EUR @ 1.12 USD
          Income:FX                -0.30 USD

        2024-02-12 * "Acme GmbH" "Void of Refund of money paid beyond what is owed, by card" ^R-1
          customer: "acme"
          refund: "R-1"
          void: "R-1"
          Assets:Receivable:Acme  -10.00 EUR {1.15 USD, 2024-02-01, "PAYMENT-INV-1"}
          Assets:Clearing:Card     10.00 EUR @ 1.12 USD
          Income:FX                 0.30 USD

        2024-02-13 * "Acme GmbH" "Refund of money paid beyond what is owed, by card" ^REFUND-20240213-1
          customer: "acme"
          refund: "REFUND-20240213-1"
          Assets:Receivable:Acme   10.00 EUR {1.15 USD, 2024-02-01, "PAYMENT-INV-1"}
          Assets:Clearing:Card    -10.00 EUR @ 1.11 USD
          Income:FX                -0.40 USD
    """)
    assert open_lots(loaded, "2024-02-10") == []
    assert open_lots(loaded, "2024-02-12") == [("PAYMENT-INV-1", D("-10.00"), D("-11.50"))]
    assert open_lots(loaded, "2024-02-13") == []


@ledger()
def test_a_voided_payment_that_took_a_discount_on_a_foreign_invoice(loaded):
    """
    plugin "beancount_orders.orders"
    option "operating_currency" "GBP"
    2025-01-01 commodity EUR
    2025-01-01 open Assets:Bank:EUR EUR
    2025-01-01 custom "customer" "kh" "Kaffeehaus"
      discount: "2/10"
    2025-03-03 price EUR 0.8412 GBP
    2025-03-03 custom "order" "SO-1" "kh"
    2025-03-03 custom "line" "SO-1" "TEA" 10 10.00 EUR
      tax: 0.20
    2025-03-05 custom "invoice" "SO-1" "INV-1"
    2025-03-10 custom "payment" "INV-1" 117.60 EUR Assets:Bank:EUR
      rate: 0.85
      id: "PAY-1"
    2025-03-11 custom "void" "PAY-1"
    2025-03-20 custom "payment" "INV-1" 120.00 EUR Assets:Bank:EUR
      rate: 0.86
    """
    # The void takes the payment and its discount back (the invoice's lot open
    # again at 120.00 EUR); paid in full after the window, no lot is left, no
    # discount stays, and the fx postings add up to whole cents.
    assert loaded.balances() == {
        "Assets:Bank:EUR": "120.00 EUR",
        "Income:FX": "-2.26000 GBP",  # 120.00 x (0.86 - 0.8412), to the cent
        "Income:Sales": "-84.12 GBP",
        "Liabilities:SalesTax": "-16.82 GBP",
    }
    assert loaded.book.invoices["INV-1"].discount_taken == 0
