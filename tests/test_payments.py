"""Payments: on an order, an invoice or a customer; methods; allocation.

Line numbers in the ledgers count from the line after the opening quotes: the
``plugin`` line is line 2.
"""

from __future__ import annotations

import datetime
from decimal import Decimal as D

from beancount.core import data

from beancount_orders.book import Status
from tests.helpers import dedent
from tests.helpers import ledger

# The invoice of most ledgers below: 2 WIDGET at 25.00 GBP, 20% tax.
INV_1 = dedent("""
    2024-01-05 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
      order: "SO-1"
      customer: "acme"
      invoice: "INV-1"
      Assets:Receivable:Acme   60.00 GBP
      Income:Sales            -50.00 GBP
        item: "WIDGET"
      Liabilities:SalesTax    -10.00 GBP
        rate: 0.20
""")


@ledger()
def test_payment_on_an_order(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-10 custom "payment" "SO-1" 60.00 GBP "card"
    """
    assert loaded.expand() == INV_1 + "\n" + dedent("""
        2024-01-10 * "Acme Ltd" "Payment for order SO-1 by card" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Clearing:Card     60.00 GBP
          Assets:Receivable:Acme  -60.00 GBP
    """)
    book = loaded.book
    order = book.orders["SO-1"]
    assert order.paid == D("60.00")
    assert order.outstanding == D(0)
    assert order.paid_status is Status.FULL
    (payment,) = book.payments.values()
    assert (payment.ref, payment.ref_kind) == ("SO-1", "order")
    assert (payment.order, payment.invoice) == ("SO-1", None)
    assert (payment.account, payment.method) == ("Assets:Clearing:Card", "card")
    assert order.payments == [payment.id]
    invoice = book.invoices["INV-1"]
    assert [(a.source, a.amount) for a in invoice.allocations] == [(payment.id, D("60.00"))]
    assert invoice.open_amount == D(0)
    assert payment.unallocated == D(0)
    assert book.customers["acme"].receivable["GBP"] == D(0)
    balances = loaded.balances()
    assert "Assets:Receivable:Acme" not in balances
    assert balances["Assets:Clearing:Card"] == "60.00 GBP"


@ledger()
def test_payment_on_an_invoice(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-10 custom "payment" "INV-1" 20.00 GBP "card"
    """
    assert loaded.expand() == INV_1 + "\n" + dedent("""
        2024-01-10 * "Acme Ltd" "Payment for invoice INV-1 (order SO-1) by card" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Clearing:Card     20.00 GBP
          Assets:Receivable:Acme  -20.00 GBP
    """)  # noqa: E501
    book = loaded.book
    order = book.orders["SO-1"]
    assert order.outstanding == D("40.00")
    assert order.paid_status is Status.PARTIAL
    (payment,) = book.payments.values()
    assert payment.ref_kind == "invoice"
    assert (payment.order, payment.invoice) == ("SO-1", "INV-1")
    assert book.invoices["INV-1"].open_amount == D("40.00")
    assert book.customers["acme"].receivable["GBP"] == D("40.00")
    assert loaded.balances()["Assets:Receivable:Acme"] == "40.00 GBP"


@ledger()
def test_payment_on_account(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-10 custom "payment" "acme" 100.00 GBP "card"
    """
    assert loaded.expand() == INV_1 + "\n" + dedent("""
        2024-01-10 * "Acme Ltd" "Payment on account by card"
          customer: "acme"
          Assets:Clearing:Card     100.00 GBP
          Assets:Receivable:Acme  -100.00 GBP
    """)
    book = loaded.book
    (payment,) = book.payments.values()
    assert (payment.ref_kind, payment.order, payment.invoice) == ("customer", None, None)
    assert payment.unallocated == D("100.00")
    # Not the order's money until it is allocated: the order still owes 60.00.
    assert book.orders["SO-1"].outstanding == D("60.00")
    assert book.orders["SO-1"].payments == []
    assert book.invoices["INV-1"].open_amount == D("60.00")
    assert book.customers["acme"].receivable["GBP"] == D("-40.00")
    assert loaded.balances()["Assets:Receivable:Acme"] == "-40.00 GBP"


@ledger()
def test_method_names_become_clearing_accounts(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-10 custom "payment" "SO-1" 35.00 GBP "card"
    2024-01-11 custom "payment" "SO-1" 25.00 GBP "bank transfer"
    """
    assert loaded.expand() == INV_1 + "\n" + dedent("""
        2024-01-10 * "Acme Ltd" "Payment for order SO-1 by card" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Clearing:Card     35.00 GBP
          Assets:Receivable:Acme  -35.00 GBP

        2024-01-11 * "Acme Ltd" "Payment for order SO-1 by bank transfer" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Clearing:Bank-transfer   25.00 GBP
          Assets:Receivable:Acme         -25.00 GBP
    """)
    order = loaded.book.orders["SO-1"]
    assert order.outstanding == D(0)
    assert order.paid_status is Status.FULL


@ledger(expect_errors=True)
def test_method_mapped_by_config(loaded):
    """
    plugin "beancount_orders.orders" "{'methods': {'card': 'Assets:Stripe'}}"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-10 custom "payment" "SO-1" 50.00 GBP "card"
    2024-01-10 custom "payment" "SO-1" 10.00 GBP "cash"
    """
    # With a methods map, a name outside it is an error (SPEC, Methods), never a
    # clearing account of its own.
    assert loaded.messages == [
        (
            9,
            'Payment on "SO-1": METHOD "cash" is none of the config\'s methods ("card") '
            'nor "credit"',
        )
    ]
    assert loaded.expand() == INV_1 + "\n" + dedent("""
        2024-01-10 * "Acme Ltd" "Payment for order SO-1 by card" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Stripe            50.00 GBP
          Assets:Receivable:Acme  -50.00 GBP
    """)
    assert [p.account for p in loaded.book.payments.values()] == ["Assets:Stripe"]


@ledger(expect_errors=True)
def test_method_names_that_are_not_methods(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "credit" "CR-1" "acme" 20.00 GBP
    2024-01-10 custom "payment" "acme" 10.00 GBP "Assets:Bank:Current"
    2024-01-10 custom "payment" "acme" 10.00 GBP "Credit"
    2024-01-10 custom "payment" "acme" 10.00 GBP "CREDIT"
    2024-01-10 custom "refund" "acme" 10.00 GBP "Credit"
    2024-01-10 custom "payment" "acme" 5.00 GBP "credit"
    """
    assert loaded.messages == [
        (
            5,
            'Payment on "acme": METHOD "Assets:Bank:Current" is an account name in '
            "quotes: write the account without quotes (Assets:Bank:Current) to pay "
            "into it",
        ),
        (
            6,
            'Payment on "acme": METHOD "Credit": write "credit" (lower case) to draw '
            "on the customer's credit balance",
        ),
        (
            7,
            'Payment on "acme": METHOD "CREDIT": write "credit" (lower case) to draw '
            "on the customer's credit balance",
        ),
        (
            8,
            'Refund to customer "acme": METHOD "Credit": write "credit" (lower case) to '
            "draw on the customer's credit balance",
        ),
    ]
    (payment,) = loaded.book.payments.values()
    assert payment.account == "Liabilities:CustomerCredit:Acme"
    assert loaded.book.customers["acme"].credit["GBP"] == 15


@ledger()
def test_method_written_as_an_account(loaded):
    """
    plugin "beancount_orders.orders"
    2020-01-01 open Assets:Bank:Current
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-10 custom "payment" "SO-1" 60.00 GBP Assets:Bank:Current
    """
    assert loaded.expand() == INV_1 + "\n" + dedent("""
        2024-01-10 * "Acme Ltd" "Payment for order SO-1 by Assets:Bank:Current" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Bank:Current      60.00 GBP
          Assets:Receivable:Acme  -60.00 GBP
    """)
    opened_by_plugin = [e.account for e in loaded.generated if isinstance(e, data.Open)]
    assert "Assets:Bank:Current" not in opened_by_plugin
    assert loaded.balances()["Assets:Bank:Current"] == "60.00 GBP"


@ledger()
def test_payment_before_invoicing_makes_balances_negative(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
      tax: 0.20
    2024-01-03 custom "payment" "SO-1" 100.00 GBP "card"
    """
    assert loaded.expand() == dedent("""
        2024-01-03 * "Acme Ltd" "Payment for order SO-1 by card" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Clearing:Card     100.00 GBP
          Assets:Receivable:Acme  -100.00 GBP
    """)
    book = loaded.book
    order = book.orders["SO-1"]
    assert order.outstanding == D("-100.00")
    assert order.invoiced_status is Status.NONE
    assert order.paid_status is Status.PARTIAL
    assert book.customers["acme"].receivable["GBP"] == D("-100.00")
    assert loaded.balances()["Assets:Receivable:Acme"] == "-100.00 GBP"
    (payment,) = book.payments.values()
    assert payment.unallocated == D("100.00")


@ledger()
def test_prepayment_is_allocated_when_the_invoice_arrives(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
      tax: 0.20
    2024-01-03 custom "payment" "SO-1" 100.00 GBP "card"
      id: "PAY-1"
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    """
    book = loaded.book
    invoice = book.invoices["INV-1"]
    assert [(a.source, a.invoice, a.date, a.amount) for a in invoice.allocations] == [
        ("PAY-1", "INV-1", datetime.date(2024, 1, 5), D("60.00"))
    ]
    assert invoice.open_amount == D(0)
    assert book.payments["PAY-1"].unallocated == D("40.00")
    order = book.orders["SO-1"]
    assert order.outstanding == D("-40.00")
    assert order.paid_status is Status.FULL
    assert book.customers["acme"].receivable["GBP"] == D("-40.00")
    assert loaded.balances()["Assets:Receivable:Acme"] == "-40.00 GBP"


@ledger()
def test_prepayment_spreads_over_later_invoices(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
      tax: 0.20
    2024-01-03 custom "payment" "SO-1" 50.00 GBP "card"
      id: "PAY-1"
    2024-01-05 custom "invoice" "SO-1" "INV-1" "WIDGET" 1
    2024-01-08 custom "invoice" "SO-1" "INV-2" "WIDGET" 1
    """
    # Each invoice is 30.00: INV-1 takes 30.00 of the 50.00, INV-2 the 20.00 left.
    book = loaded.book
    assert [(a.invoice, a.amount) for a in book.payments["PAY-1"].allocations] == [
        ("INV-1", D("30.00")),
        ("INV-2", D("20.00")),
    ]
    assert book.invoices["INV-2"].open_amount == D("10.00")
    assert book.orders["SO-1"].outstanding == D("10.00")
    assert book.orders["SO-1"].paid_status is Status.PARTIAL


@ledger()
def test_payments_by_two_methods(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-06 custom "payment" "SO-1" 20.00 GBP "card"
    2024-01-07 custom "payment" "SO-1" 40.00 GBP Assets:Bank:Current
    """
    assert loaded.expand() == INV_1 + "\n" + dedent("""
        2024-01-06 * "Acme Ltd" "Payment for order SO-1 by card" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Clearing:Card     20.00 GBP
          Assets:Receivable:Acme  -20.00 GBP

        2024-01-07 * "Acme Ltd" "Payment for order SO-1 by Assets:Bank:Current" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Bank:Current      40.00 GBP
          Assets:Receivable:Acme  -40.00 GBP
    """)
    order = loaded.book.orders["SO-1"]
    assert order.paid == D("60.00")
    assert order.outstanding == D(0)
    assert order.paid_status is Status.FULL
    balances = loaded.balances()
    assert balances["Assets:Clearing:Card"] == "20.00 GBP"
    assert balances["Assets:Bank:Current"] == "40.00 GBP"
    assert "Assets:Receivable:Acme" not in balances


@ledger()
def test_overpayment(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-10 custom "payment" "INV-1" 70.00 GBP "card"
    """
    book = loaded.book
    order = book.orders["SO-1"]
    assert order.outstanding == D("-10.00")
    assert order.paid_status is Status.FULL
    invoice = book.invoices["INV-1"]
    assert invoice.allocated == D("60.00")
    assert invoice.open_amount == D(0)
    (payment,) = book.payments.values()
    assert payment.unallocated == D("10.00")
    assert book.customers["acme"].receivable["GBP"] == D("-10.00")
    assert loaded.balances()["Assets:Receivable:Acme"] == "-10.00 GBP"


@ledger()
def test_order_payment_is_allocated_to_the_oldest_invoice_first(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
      tax: 0.20
    2024-01-08 custom "invoice" "SO-1" "INV-2" "WIDGET" 1
    2024-01-05 custom "invoice" "SO-1" "INV-1" "WIDGET" 1
    2024-01-10 custom "payment" "SO-1" 45.00 GBP "card"
      id: "PAY-1"
    """
    # Each invoice is 30.00. INV-1 is dated first (though written second).
    book = loaded.book
    assert book.orders["SO-1"].invoices == ["INV-1", "INV-2"]
    assert [(a.invoice, a.amount) for a in book.payments["PAY-1"].allocations] == [
        ("INV-1", D("30.00")),
        ("INV-2", D("15.00")),
    ]
    assert book.invoices["INV-1"].open_amount == D(0)
    assert book.invoices["INV-2"].open_amount == D("15.00")
    order = book.orders["SO-1"]
    assert order.outstanding == D("15.00")
    assert order.paid_status is Status.PARTIAL


@ledger()
def test_payment_id_adds_a_link(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-10 custom "payment" "SO-1" 60.00 GBP "card"
      id: "PAY-7"
    """
    assert loaded.expand() == INV_1 + "\n" + dedent("""
        2024-01-10 * "Acme Ltd" "Payment for order SO-1 by card" ^PAY-7 ^SO-1
          order: "SO-1"
          customer: "acme"
          payment: "PAY-7"
          Assets:Clearing:Card     60.00 GBP
          Assets:Receivable:Acme  -60.00 GBP
    """)
    book = loaded.book
    assert list(book.payments) == ["PAY-7"]
    assert book.documents["PAY-7"] == "payment"
    assert book.orders["SO-1"].payments == ["PAY-7"]
    assert loaded.transactions[1].meta["lineno"] == 8


@ledger()
def test_payment_written_before_its_invoice_on_the_same_day(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
      tax: 0.20
    2024-01-05 custom "payment" "INV-1" 60.00 GBP "card"
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    """
    # Within a day the document flow decides: the invoice, then its payment.
    assert loaded.book.invoices["INV-1"].open_amount == D(0)
    assert loaded.book.orders["SO-1"].paid_status is Status.FULL
    payment_txn = next(
        t
        for t in loaded.transactions
        if "invoice" in t.narration.lower() and t.narration.startswith("Payment")
    )
    assert payment_txn.meta["lineno"] == 7
    assert payment_txn.links == {"INV-1", "SO-1"}
