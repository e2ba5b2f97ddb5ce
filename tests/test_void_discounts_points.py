"""Voids of what early-payment discounts and loyalty points rest on (SPEC,
Revision 2: ``void``, Early-payment discounts, Remainders).

- Voiding the money that settled an invoice with its discount (a payment, a
  payment on account matched by ``allocate``), or the invoice itself, undoes the
  discount: its transaction reversed on the void's date, the invoice open again
  for its gross less the money still matched to it; money inside the window may
  take the discount again, money after it does not.
- Voiding a credit order that clawed back or gave back loyalty points moves them
  back: the points clawed back return to the customer (into their parcels, with
  their expiry, while those have not expired), the points given back are taken
  again (capped by what the customer holds), and a later full credit of the
  invoice takes what is left (it nets to zero, to the cent and the point).

Line numbers in the ledgers count from the line after the opening quotes: the
``plugin`` line is line 2.
"""

from __future__ import annotations

import datetime
from decimal import Decimal as D

from beancount_orders.reports.ageing import aged_receivables
from tests.helpers import dedent
from tests.helpers import ledger


def _tail(expanded: str, start: int) -> str:
    return "\n\n".join(expanded.split("\n\n")[start:])


@ledger()
def test_a_voided_payment_undoes_its_discount_and_a_new_one_takes_it_again(loaded):
    """
    plugin "beancount_orders.orders"
    2025-03-01 custom "customer" "acme" "Acme"
      discount: "2/10"
    2025-03-03 custom "order" "SO-2" "acme"
    2025-03-03 custom "line" "SO-2" "TEA" 10 10.00 GBP
    2025-03-05 custom "invoice" "SO-2" "INV-2"
    2025-03-06 custom "payment" "INV-2" 98.00 GBP "card"
      id: "PAY-2"
    2025-03-07 custom "void" "PAY-2"
    2025-03-08 custom "payment" "INV-2" 98.00 GBP "card"
      id: "PAY-3"
    """
    assert _tail(loaded.expand(), 1) == dedent("""
        2025-03-06 * "Acme" "Payment for invoice INV-2 (order SO-2) by card" ^INV-2 ^PAY-2 ^SO-2
          order: "SO-2"
          customer: "acme"
          invoice: "INV-2"
          payment: "PAY-2"
          Assets:Clearing:Card     98.00 GBP
          Assets:Receivable:Acme  -98.00 GBP

        2025-03-06 * "Acme" "Early-payment discount on invoice INV-2 (order SO-2): 2/10" ^INV-2 ^SO-2
          order: "SO-2"
          customer: "acme"
          invoice: "INV-2"
          discount: "2/10"
          Expenses:Sales:Discounts   2.00 GBP
          Assets:Receivable:Acme    -2.00 GBP

        2025-03-07 * "Acme" "Void of Payment for invoice INV-2 (order SO-2) by card" ^INV-2 ^PAY-2 ^SO-2
          order: "SO-2"
          customer: "acme"
          invoice: "INV-2"
          payment: "PAY-2"
          void: "PAY-2"
          Assets:Clearing:Card    -98.00 GBP
          Assets:Receivable:Acme   98.00 GBP

        2025-03-07 * "Acme" "Void of Early-payment discount on invoice INV-2 (order SO-2): 2/10" ^INV-2 ^PAY-2 ^SO-2
          order: "SO-2"
          customer: "acme"
          invoice: "INV-2"
          discount: "2/10"
          void: "PAY-2"
          Expenses:Sales:Discounts  -2.00 GBP
          Assets:Receivable:Acme     2.00 GBP

        2025-03-08 * "Acme" "Payment for invoice INV-2 (order SO-2) by card" ^INV-2 ^PAY-3 ^SO-2
          order: "SO-2"
          customer: "acme"
          invoice: "INV-2"
          payment: "PAY-3"
          Assets:Clearing:Card     98.00 GBP
          Assets:Receivable:Acme  -98.00 GBP

        2025-03-08 * "Acme" "Early-payment discount on invoice INV-2 (order SO-2): 2/10" ^INV-2 ^SO-2
          order: "SO-2"
          customer: "acme"
          invoice: "INV-2"
          discount: "2/10"
          Expenses:Sales:Discounts   2.00 GBP
          Assets:Receivable:Acme    -2.00 GBP
    """)  # noqa: E501
    book = loaded.book
    invoice = book.invoices["INV-2"]
    assert (invoice.open_amount, invoice.discount_taken) == (D("0.00"), D("2.00"))
    # The first discount is voided on the 7th; the second has an id of its own.
    assert book.settlements["discount:INV-2"].voided == datetime.date(2025, 3, 7)
    assert book.settlements["discount:INV-2:2"].voided is None
    # On the 7th the invoice is open for its full gross again.
    on_7th = aged_receivables(book, datetime.date(2025, 3, 7))
    assert [(i.item.document, i.item.amount) for i in on_7th.open_invoices] == [
        ("INV-2", D("100.00"))
    ]
    on_6th = aged_receivables(book, datetime.date(2025, 3, 6))
    assert on_6th.open_invoices == ()
    assert loaded.balances() == {
        "Assets:Clearing:Card": "98.00 GBP",
        "Expenses:Sales:Discounts": "2.00 GBP",
        "Income:Sales": "-100.00 GBP",
    }


@ledger()
def test_a_voided_allocated_payment_undoes_its_discount_and_none_after_the_window(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
      discount: "2/10"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-06 custom "payment" "acme" 49.00 GBP "card"
      id: "PAY-1"
    2024-01-08 custom "allocate" "PAY-1" "INV-1" 49.00 GBP
    2024-01-16 custom "void" "PAY-1"
    2024-01-17 custom "payment" "INV-1" 49.00 GBP "card"
    """
    # The discount was taken at the allocate (not the payment's own): the void
    # reverses it as well as the payment. (Before it: the invoice, the payment
    # and the allocate's record, a transaction without postings.)
    assert _tail(loaded.expand(), 3) == dedent("""
        2024-01-08 * "Acme Ltd" "Early-payment discount on invoice INV-1 (order SO-1): 2/10" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          discount: "2/10"
          Expenses:Sales:Discounts   1.00 GBP
          Assets:Receivable:Acme    -1.00 GBP

        2024-01-16 * "Acme Ltd" "Void of Payment on account by card" ^PAY-1
          customer: "acme"
          payment: "PAY-1"
          void: "PAY-1"
          Assets:Clearing:Card    -49.00 GBP
          Assets:Receivable:Acme   49.00 GBP

        2024-01-16 * "Acme Ltd" "Void of Early-payment discount on invoice INV-1 (order SO-1): 2/10" ^INV-1 ^PAY-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          discount: "2/10"
          void: "PAY-1"
          Expenses:Sales:Discounts  -1.00 GBP
          Assets:Receivable:Acme     1.00 GBP

        2024-01-17 * "Acme Ltd" "Payment for invoice INV-1 (order SO-1) by card" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Clearing:Card     49.00 GBP
          Assets:Receivable:Acme  -49.00 GBP
    """)  # noqa: E501
    # After the window (it closed on the 15th) the new payment is ordinary.
    invoice = loaded.book.invoices["INV-1"]
    assert (invoice.open_amount, invoice.discount_taken) == (D("1.00"), D("0"))
    assert loaded.book.orders["SO-1"].paid_status.value == "partial"


@ledger()
def test_an_invoice_settled_with_a_discount_voided(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
      discount: "2/10"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-08 custom "payment" "INV-1" 49.00 GBP "card"
      id: "PAY-1"
    2024-01-09 custom "void" "INV-1"
      reason: "billed to the wrong address"
    2024-01-10 custom "invoice" "SO-1" "INV-2"
    2024-01-12 custom "void" "PAY-1"
      reason: "charged back"
    """
    # The void of INV-1 reverses its discount (posted with PAY-1); PAY-1 is then
    # money of the order, and INV-2 takes it with a discount of its own. The void
    # of PAY-1 reverses the payment and INV-2's discount, not INV-1's again.
    assert _tail(loaded.expand(), 1) == dedent("""
        2024-01-08 * "Acme Ltd" "Payment for invoice INV-1 (order SO-1) by card" ^INV-1 ^PAY-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          payment: "PAY-1"
          Assets:Clearing:Card     49.00 GBP
          Assets:Receivable:Acme  -49.00 GBP

        2024-01-08 * "Acme Ltd" "Early-payment discount on invoice INV-1 (order SO-1): 2/10" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          discount: "2/10"
          Expenses:Sales:Discounts   1.00 GBP
          Assets:Receivable:Acme    -1.00 GBP

        2024-01-09 * "Acme Ltd" "Void of Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          void: "INV-1"
          reason: "billed to the wrong address"
          Assets:Receivable:Acme  -50.00 GBP
          Income:Sales             50.00 GBP
            item: "WIDGET"

        2024-01-09 * "Acme Ltd" "Void of Early-payment discount on invoice INV-1 (order SO-1): 2/10" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          discount: "2/10"
          void: "INV-1"
          reason: "billed to the wrong address"
          Expenses:Sales:Discounts  -1.00 GBP
          Assets:Receivable:Acme     1.00 GBP

        2024-01-10 * "Acme Ltd" "Invoice INV-2 for order SO-1" ^INV-2 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-2"
          Assets:Receivable:Acme   50.00 GBP
          Income:Sales            -50.00 GBP
            item: "WIDGET"

        2024-01-10 * "Acme Ltd" "Early-payment discount on invoice INV-2 (order SO-1): 2/10" ^INV-2 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-2"
          discount: "2/10"
          Expenses:Sales:Discounts   1.00 GBP
          Assets:Receivable:Acme    -1.00 GBP

        2024-01-12 * "Acme Ltd" "Void of Payment for invoice INV-1 (order SO-1) by card" ^INV-1 ^PAY-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          payment: "PAY-1"
          void: "PAY-1"
          reason: "charged back"
          Assets:Clearing:Card    -49.00 GBP
          Assets:Receivable:Acme   49.00 GBP

        2024-01-12 * "Acme Ltd" "Void of Early-payment discount on invoice INV-2 (order SO-1): 2/10" ^INV-2 ^PAY-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-2"
          discount: "2/10"
          void: "PAY-1"
          reason: "charged back"
          Expenses:Sales:Discounts  -1.00 GBP
          Assets:Receivable:Acme     1.00 GBP
    """)  # noqa: E501
    book = loaded.book
    order = book.orders["SO-1"]
    assert (order.paid, order.credited, order.outstanding) == (D("0"), D("0"), D("50.00"))
    assert order.pending == ()
    assert book.invoices["INV-2"].open_amount == D("50.00")
    assert book.invoices["INV-1"].discount_taken == 0
    on_9th = aged_receivables(book, datetime.date(2024, 1, 9))
    assert [(i.item.document, i.item.amount) for i in on_9th.unallocated] == [
        ("PAY-1", D("-49.00"))
    ]
    assert loaded.balances() == {
        "Assets:Receivable:Acme": "50.00 GBP",
        "Income:Sales": "-50.00 GBP",
    }


@ledger()
def test_a_voided_credit_order_gives_back_the_points_it_clawed_back(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "loyalty-program" "PKLP"
      value: 0.10 GBP
    2024-01-01 custom "customer" "acme" "Acme Ltd"
      program: "PKLP"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-07 custom "credit-order" "CO-1" "INV-1"
    2024-01-07 custom "credit-line" "CO-1" "WIDGET" "credit" 1 10.00 GBP
    2024-01-09 custom "void" "CO-1"
      reason: "keyed against the wrong invoice"
    2024-01-12 custom "credit-order" "CO-2" "INV-1"
      full: TRUE
    """
    assert _tail(loaded.expand(), 2) == dedent("""
        2024-01-07 * "Acme Ltd" "Credit order CO-1 against invoice INV-1" ^CO-1 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-1"
          Income:Sales:Returns     10.00 GBP
            item: "WIDGET"
            type: "credit"
          Liabilities:SalesTax      2.00 GBP
            rate: 0.20
          Assets:Receivable:Acme  -12.00 GBP

        2024-01-07 * "Acme Ltd" "Loyalty on credit order CO-1: 12 PKLP clawed back" ^CO-1 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-1"
          program: "PKLP"
          Liabilities:Loyalty:PKLP             12 PKLP
          Expenses:Loyalty:PointsDistributed  -12 PKLP

        2024-01-09 * "Acme Ltd" "Void of Credit order CO-1 against invoice INV-1" ^CO-1 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-1"
          void: "CO-1"
          reason: "keyed against the wrong invoice"
          Income:Sales:Returns    -10.00 GBP
            item: "WIDGET"
            type: "credit"
          Liabilities:SalesTax     -2.00 GBP
            rate: 0.20
          Assets:Receivable:Acme   12.00 GBP

        2024-01-09 * "Acme Ltd" "Void of Loyalty on credit order CO-1: 12 PKLP clawed back" ^CO-1 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-1"
          program: "PKLP"
          void: "CO-1"
          reason: "keyed against the wrong invoice"
          Liabilities:Loyalty:PKLP            -12 PKLP
          Expenses:Loyalty:PointsDistributed   12 PKLP

        2024-01-12 * "Acme Ltd" "Credit order CO-2 against invoice INV-1" ^CO-2 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-2"
          Income:Sales:Returns     30.00 GBP
            item: "WIDGET"
            type: "credit"
          Liabilities:SalesTax      6.00 GBP
            rate: 0.20
          Assets:Receivable:Acme  -36.00 GBP

        2024-01-12 * "Acme Ltd" "Loyalty on credit order CO-2: 36 PKLP clawed back" ^CO-2 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-2"
          program: "PKLP"
          Liabilities:Loyalty:PKLP             36 PKLP
          Expenses:Loyalty:PointsDistributed  -36 PKLP
    """)  # noqa: E501
    # Fully credited (Remainders): no points, no money, no tax left anywhere.
    assert loaded.book.points("acme", "PKLP") == 0
    assert loaded.balances() == {
        "Income:Sales": "-30.00 GBP",
        "Income:Sales:Returns": "30.00 GBP",
    }
    invoice = loaded.book.invoices["INV-1"]
    assert (invoice.points_earned, invoice.points_clawed) == (D(36), D(36))


@ledger()
def test_a_voided_credit_order_takes_again_the_points_it_gave_back(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "loyalty-program" "PKLP"
      value: 0.10 GBP
    2024-01-01 custom "customer" "acme" "Acme Ltd"
      program: "PKLP"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 10 10.00 GBP
    2024-01-03 custom "invoice" "SO-1" "INV-1"
    2024-01-04 custom "order" "SO-2" "acme"
    2024-01-04 custom "line" "SO-2" "WIDGET" 2 10.00 GBP
    2024-01-04 custom "redeem" "SO-2" 50 PKLP
    2024-01-05 custom "invoice" "SO-2" "INV-2"
    2024-01-07 custom "credit-order" "CO-1" "INV-2"
    2024-01-07 custom "credit-line" "CO-1" "WIDGET" "credit" 1 10.00 GBP
    2024-01-08 custom "redeem" "SO-1" 75 PKLP
    2024-01-09 custom "void" "CO-1"
    2024-01-12 custom "credit-order" "CO-2" "INV-2"
      full: TRUE
    """
    # CO-1 clawed back 8 and gave back 25 points (2.50 GBP of the discount). The
    # customer then spent 75 of their 82: the void gives the 8 back and takes
    # what they then hold, 15 of the 25, and the 2.50 GBP in full.
    assert _tail(loaded.expand(), 6) == dedent("""
        2024-01-07 * "Acme Ltd" "Loyalty on credit order CO-1: 8 PKLP clawed back, 25 PKLP given back" ^CO-1 ^INV-2 ^SO-2
          order: "SO-2"
          customer: "acme"
          invoice: "INV-2"
          credit-order: "CO-1"
          program: "PKLP"
          Liabilities:Loyalty:PKLP                8 PKLP
          Expenses:Loyalty:PointsDistributed     -8 PKLP
          Liabilities:Loyalty:PKLP              -25 PKLP
          Expenses:Loyalty:PointsDistributed     25 PKLP
          Assets:Receivable:Acme               2.50 GBP
          Expenses:Loyalty:Discounts          -2.50 GBP

        2024-01-08 * "Acme Ltd" "Redemption of 75 PKLP on order SO-1" ^SO-1
          order: "SO-1"
          customer: "acme"
          program: "PKLP"
          Liabilities:Loyalty:PKLP               75 PKLP
          Expenses:Loyalty:PointsDistributed    -75 PKLP
          Expenses:Loyalty:Discounts           7.50 GBP
          Assets:Receivable:Acme              -7.50 GBP

        2024-01-09 * "Acme Ltd" "Void of Credit order CO-1 against invoice INV-2" ^CO-1 ^INV-2 ^SO-2
          order: "SO-2"
          customer: "acme"
          invoice: "INV-2"
          credit-order: "CO-1"
          void: "CO-1"
          Income:Sales:Returns    -10.00 GBP
            item: "WIDGET"
            type: "credit"
          Assets:Receivable:Acme   10.00 GBP

        2024-01-09 * "Acme Ltd" "Void of loyalty on credit order CO-1: 15 of 25 PKLP given back taken again" ^CO-1 ^INV-2 ^SO-2
          order: "SO-2"
          customer: "acme"
          invoice: "INV-2"
          credit-order: "CO-1"
          program: "PKLP"
          void: "CO-1"
          Liabilities:Loyalty:PKLP               -8 PKLP
          Expenses:Loyalty:PointsDistributed      8 PKLP
          Liabilities:Loyalty:PKLP               15 PKLP
          Expenses:Loyalty:PointsDistributed    -15 PKLP
          Assets:Receivable:Acme              -2.50 GBP
          Expenses:Loyalty:Discounts           2.50 GBP

        2024-01-12 * "Acme Ltd" "Credit order CO-2 against invoice INV-2" ^CO-2 ^INV-2 ^SO-2
          order: "SO-2"
          customer: "acme"
          invoice: "INV-2"
          credit-order: "CO-2"
          Income:Sales:Returns     20.00 GBP
            item: "WIDGET"
            type: "credit"
          Assets:Receivable:Acme  -20.00 GBP

        2024-01-12 * "Acme Ltd" "Loyalty on credit order CO-2: 15 PKLP already used, not clawed back, 40 PKLP given back" ^CO-2 ^INV-2 ^SO-2
          order: "SO-2"
          customer: "acme"
          invoice: "INV-2"
          credit-order: "CO-2"
          program: "PKLP"
          Liabilities:Loyalty:PKLP              -40 PKLP
          Expenses:Loyalty:PointsDistributed     40 PKLP
          Assets:Receivable:Acme               5.00 GBP
          Expenses:Loyalty:Discounts          -5.00 GBP
    """)  # noqa: E501
    # CO-2 completes INV-2: it gives back the 50 redeemed less the 10 the
    # customer kept (40), and all 5.00 GBP of the discount; SO-2 nets to zero.
    book = loaded.book
    invoice = book.invoices["INV-2"]
    assert (invoice.points_given_back, invoice.value_given_back) == (D(50), D("5.00"))
    order = book.orders["SO-2"]
    assert (order.outstanding, order.discount) == (D("0.00"), D("0.00"))
    assert book.points("acme", "PKLP") == 40
    assert loaded.balances()["Liabilities:Loyalty:PKLP"] == "-40 PKLP"


@ledger()
def test_points_clawed_back_return_to_their_parcel_with_its_expiry(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "loyalty-program" "PKLP"
      expiry: 10
    2024-01-01 custom "customer" "acme" "Acme Ltd"
      program: "PKLP"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-07 custom "credit-order" "CO-1" "INV-1"
      full: TRUE
    2024-01-12 custom "void" "CO-1"
    2024-01-20 custom "credit-order" "CO-2" "INV-1"
      full: TRUE
    2024-01-21 custom "void" "CO-2"
    """
    # Voided on the 12th, CO-1's 30 points go back to INV-1's parcel, which
    # expires on the 15th; CO-2 finds them expired (nothing to claw back: no
    # points posted), and its void has none to give back.
    assert _tail(loaded.expand(), 5) == dedent("""
        2024-01-12 * "Acme Ltd" "Void of Loyalty on credit order CO-1: 30 PKLP clawed back" ^CO-1 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-1"
          program: "PKLP"
          void: "CO-1"
          Liabilities:Loyalty:PKLP            -30 PKLP
          Expenses:Loyalty:PointsDistributed   30 PKLP

        2024-01-15 * "Acme Ltd" "Expiry of 30 PKLP earned 2024-01-05 on invoice INV-1" ^INV-1
          customer: "acme"
          program: "PKLP"
          invoice: "INV-1"
          Liabilities:Loyalty:PKLP             30 PKLP
          Expenses:Loyalty:PointsDistributed  -30 PKLP

        2024-01-20 * "Acme Ltd" "Credit order CO-2 against invoice INV-1" ^CO-2 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-2"
          Income:Sales:Returns     30.00 GBP
            item: "WIDGET"
            type: "credit"
          Assets:Receivable:Acme  -30.00 GBP

        2024-01-21 * "Acme Ltd" "Void of Credit order CO-2 against invoice INV-1" ^CO-2 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-2"
          void: "CO-2"
          Income:Sales:Returns    -30.00 GBP
            item: "WIDGET"
            type: "credit"
          Assets:Receivable:Acme   30.00 GBP
    """)  # noqa: E501
    assert loaded.book.points("acme", "PKLP") == 0


@ledger()
def test_points_clawed_back_from_an_expired_parcel_return_as_a_new_one(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "loyalty-program" "PKLP"
      expiry: 10
    2024-01-01 custom "customer" "acme" "Acme Ltd"
      program: "PKLP"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-07 custom "credit-order" "CO-1" "INV-1"
      full: TRUE
    2024-01-20 custom "void" "CO-1"
    """
    # INV-1's parcel expired on the 15th: the 30 points come back as a parcel of
    # the void's date, expiring ten days later.
    assert _tail(loaded.expand(), 5) == dedent("""
        2024-01-20 * "Acme Ltd" "Void of Loyalty on credit order CO-1: 30 PKLP clawed back" ^CO-1 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-1"
          program: "PKLP"
          void: "CO-1"
          Liabilities:Loyalty:PKLP            -30 PKLP
          Expenses:Loyalty:PointsDistributed   30 PKLP

        2024-01-30 * "Acme Ltd" "Expiry of 30 PKLP earned 2024-01-20 on credit order CO-1" ^CO-1
          customer: "acme"
          program: "PKLP"
          credit-order: "CO-1"
          Liabilities:Loyalty:PKLP             30 PKLP
          Expenses:Loyalty:PointsDistributed  -30 PKLP
    """)  # noqa: E501
    wallet = loaded.book.wallets[("acme", "PKLP")]
    assert [(p.source, p.date, p.points, p.expires) for p in wallet.parcels] == [
        ("INV-1", datetime.date(2024, 1, 5), D(30), datetime.date(2024, 1, 15)),
        ("CO-1", datetime.date(2024, 1, 20), D(30), datetime.date(2024, 1, 30)),
    ]
    invoice = loaded.book.invoices["INV-1"]
    assert (invoice.points_earned, invoice.points_clawed) == (D(30), D(0))
