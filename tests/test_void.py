"""Voids (SPEC, Revision 2): the exact reverse of what a document posted, on the
void's date; the original kept; the document out of every balance, status and
ageing from that date; and every error of a void.

Line numbers in the ledgers count from the line after the opening quotes: the
``plugin`` line is line 2.
"""

from __future__ import annotations

import datetime
import textwrap
from decimal import Decimal as D

from beancount_orders.book import Status
from beancount_orders.book.locks import digests
from beancount_orders.book.locks import lock_text
from beancount_orders.reports.ageing import aged_receivables
from beancount_orders.reports.credits import credits_report
from beancount_orders.reports.orders import orders_report
from tests.helpers import dedent
from tests.helpers import ledger
from tests.helpers import load

INVOICE_1 = dedent("""
    2024-01-05 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
      order: "SO-1"
      customer: "acme"
      invoice: "INV-1"
      Assets:Receivable:Acme   36.00 GBP
      Income:Sales            -30.00 GBP
        item: "WIDGET"
      Liabilities:SalesTax     -6.00 GBP
        rate: 0.20
""")


@ledger()
def test_an_invoice_voided_and_invoiced_again(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
      tax: 0.20
    2024-01-03 custom "payment" "SO-1" 36.00 GBP "card"
      id: "PAY-1"
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-08 custom "void" "INV-1"
      reason: "wrong quantities"
    2024-01-09 custom "invoice" "SO-1" "INV-2" "WIDGET" 3
    """
    assert loaded.expand() == dedent("""
        2024-01-03 * "Acme Ltd" "Payment for order SO-1 by card" ^PAY-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          payment: "PAY-1"
          Assets:Clearing:Card     36.00 GBP
          Assets:Receivable:Acme  -36.00 GBP

    """) + "\n" + INVOICE_1 + "\n" + dedent("""
        2024-01-08 * "Acme Ltd" "Void of Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          void: "INV-1"
          reason: "wrong quantities"
          Assets:Receivable:Acme  -36.00 GBP
          Income:Sales             30.00 GBP
            item: "WIDGET"
          Liabilities:SalesTax      6.00 GBP
            rate: 0.20

        2024-01-09 * "Acme Ltd" "Invoice INV-2 for order SO-1" ^INV-2 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-2"
          Assets:Receivable:Acme   36.00 GBP
          Income:Sales            -30.00 GBP
            item: "WIDGET"
          Liabilities:SalesTax     -6.00 GBP
            rate: 0.20
    """)
    book = loaded.book
    inv1, inv2 = book.invoices["INV-1"], book.invoices["INV-2"]
    # The payment made ahead left INV-1 on the void's date and paid INV-2.
    assert inv1.voided == datetime.date(2024, 1, 8)
    assert inv1.open_amount == 0
    assert [(a.date, a.amount) for a in inv1.allocations] == [
        (datetime.date(2024, 1, 5), D("36.00")),
        (datetime.date(2024, 1, 8), D("-36.00")),
    ]
    assert [(a.source, a.amount) for a in inv2.allocations] == [("PAY-1", D("36.00"))]
    order = book.orders["SO-1"]
    assert (order.invoiced, order.paid, order.outstanding) == (D("36.00"), D("36.00"), 0)
    assert order.invoiced_status is Status.FULL
    assert book.customers["acme"].receivable["GBP"] == 0
    # The orders report shows both invoices, INV-1 as void.
    (row,) = orders_report(book)
    assert row.invoices == ("INV-1", "INV-2")
    assert row.voided == ("INV-1",)
    # Ageing: on the 6th INV-1 was open (paid); from the 8th it is gone, and
    # the payment waited for the next invoice.
    before = aged_receivables(book, datetime.date(2024, 1, 7))
    assert [i.item.document for i in before.open_invoices] == []
    between = aged_receivables(book, datetime.date(2024, 1, 8))
    assert [(i.item.document, i.item.amount) for i in between.unallocated] == [
        ("PAY-1", D("-36.00"))
    ]
    assert aged_receivables(book, datetime.date(2024, 1, 9)).open_invoices == ()


@ledger()
def test_a_voided_invoice_gives_back_its_points(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "loyalty-program" "PKLP"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
      program: "PKLP"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-08 custom "void" "INV-1"
    """
    assert loaded.expand().split("\n\n")[-1] == dedent("""
        2024-01-08 * "Acme Ltd" "Void of PKLP points earned on invoice INV-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          program: "PKLP"
          void: "INV-1"
          Liabilities:Loyalty:PKLP             30 PKLP
          Expenses:Loyalty:PointsDistributed  -30 PKLP
    """)
    assert loaded.book.points("acme", "PKLP") == 0
    balances = loaded.balances()
    assert "Liabilities:Loyalty:PKLP" not in balances
    assert "Assets:Receivable:Acme" not in balances


@ledger()
def test_a_voided_payment_that_was_allocated(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-06 custom "payment" "acme" 36.00 GBP "card"
      id: "PAY-1"
    2024-01-06 custom "allocate" "PAY-1" "INV-1" 36.00 GBP
    2024-01-12 custom "void" "PAY-1"
      reason: "bounced"
    """
    assert loaded.expand().split("\n\n")[-1] == dedent("""
        2024-01-12 * "Acme Ltd" "Void of Payment on account by card" ^PAY-1
          customer: "acme"
          payment: "PAY-1"
          void: "PAY-1"
          reason: "bounced"
          Assets:Clearing:Card    -36.00 GBP
          Assets:Receivable:Acme   36.00 GBP
    """)
    book = loaded.book
    invoice, payment = book.invoices["INV-1"], book.settlements["PAY-1"]
    assert invoice.open_amount == D("36.00")
    assert payment.voided == datetime.date(2024, 1, 12)
    assert payment.unallocated == 0
    order = book.orders["SO-1"]
    assert (order.paid, order.outstanding, order.paid_status) == (0, 36, Status.NONE)
    assert book.customers["acme"].receivable["GBP"] == D("36.00")
    # Paid on the 10th; open again (and aged from its date) from the 12th.
    assert aged_receivables(book, datetime.date(2024, 1, 10)).open_invoices == ()
    (line,) = aged_receivables(book, datetime.date(2024, 1, 12)).open_invoices
    assert (line.item.document, line.item.amount) == ("INV-1", D("36.00"))
    assert aged_receivables(book, datetime.date(2024, 1, 12)).unallocated == ()


@ledger()
def test_a_voided_credit_order_takes_its_goods_out_again(loaded):
    """
    plugin "beancount_orders.orders"
    option "booking_method" "FIFO"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 10 4.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-05 custom "dispatch" "SO-1"
    2024-01-10 custom "credit-order" "CO-1" "INV-1"
    2024-01-10 custom "credit-line" "CO-1" "WIDGET" "return" 1 10.00 GBP
    2024-01-13 custom "void" "CO-1"
    2024-01-14 custom "credit-order" "CO-2" "INV-1"
      full: TRUE
    """
    parts = loaded.expand().split("\n\n")
    assert parts[4] == dedent("""
        2024-01-13 * "Acme Ltd" "Void of Credit order CO-1 against invoice INV-1" ^CO-1 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-1"
          void: "CO-1"
          Income:Sales:Returns    -10.00 GBP
            item: "WIDGET"
            type: "return"
          Liabilities:SalesTax     -2.00 GBP
            rate: 0.20
          Assets:Receivable:Acme   12.00 GBP
          Assets:Inventory:Main       -1 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
          Expenses:COGS             4.00 GBP
            item: "WIDGET"
    """).rstrip("\n")  # noqa: E501
    book = loaded.book
    # What CO-1 credited is creditable again: CO-2 credits all 3 units.
    assert [(line.qty, line.net) for line in book.credit_orders["CO-2"].lines] == [
        (D(3), D("30.00"))
    ]
    assert book.stock.get("Assets:Inventory:Main", "WIDGET").units == 7
    (line,) = book.orders["SO-1"].lines
    assert (line.returned, line.cost) == (0, D("12.00"))
    report = credits_report(book)
    assert [(co.id, co.status) for co in report.credit_orders] == [
        ("CO-2", "READY"),
        ("CO-1", "VOID"),
    ]
    assert [group.status for group in report.by_status][-1] == "VOID"


@ledger()
def test_a_voided_stock_in_removes_its_lots(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 10 4.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "stock-in" "PO-2" "WIDGET" 5 5.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "stock-in" "PO-2" "GADGET" 2 7.50 GBP
      supplier: "Supplies Co"
    2024-01-14 custom "void" "PO-2"
      reason: "entered twice"
    """
    assert loaded.expand().split("\n\n")[-2:] == [
        dedent("""
            2024-01-14 * "Supplies Co" "Void of Receipt PO-2: 5 WIDGET into Main" ^PO-2
              po: "PO-2"
              supplier: "Supplies Co"
              item: "WIDGET"
              void: "PO-2"
              reason: "entered twice"
              Assets:Inventory:Main               -5 WIDGET {5.00 GBP, 2024-01-02, "PO-2"}
              Liabilities:Payable:Supplies-Co  25.00 GBP
        """).rstrip("\n"),
        dedent("""
            2024-01-14 * "Supplies Co" "Void of Receipt PO-2: 2 GADGET into Main" ^PO-2
              po: "PO-2"
              supplier: "Supplies Co"
              item: "GADGET"
              void: "PO-2"
              reason: "entered twice"
              Assets:Inventory:Main               -2 GADGET {7.50 GBP, 2024-01-02, "PO-2"}
              Liabilities:Payable:Supplies-Co  15.00 GBP
        """),
    ]
    assert loaded.balances() == {
        "Assets:Inventory:Main": '10 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}',
        "Liabilities:Payable:Supplies-Co": "-40.00 GBP",
    }


@ledger()
def test_credits_memos_and_refunds_voided(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-06 custom "credit-memo" "MEMO-1" "acme" 5.00 GBP
      invoice: "INV-1"
    2024-01-06 custom "credit" "CR-1" "acme" 20.00 GBP
    2024-01-07 custom "refund" "acme" 8.00 GBP "card"
    2024-01-09 custom "void" "MEMO-1"
    2024-01-09 custom "void" "REFUND-20240107-1"
    2024-01-10 custom "void" "CR-1"
    """
    assert [txn.narration for txn in loaded.transactions if "void" in txn.meta] == [
        "Void of Credit memo MEMO-1 against invoice INV-1",
        "Void of Refund of customer credit by card",
        "Void of Credit CR-1 to Acme Ltd",
    ]
    assert loaded.balances() == {
        "Assets:Receivable:Acme": "30.00 GBP",
        "Income:Sales": "-30.00 GBP",
    }
    book = loaded.book
    assert book.invoices["INV-1"].open_amount == D("30.00")
    assert book.customers["acme"].credit["GBP"] == 0
    report = credits_report(book)
    assert [(m.id, m.status, m.label) for m in report.memos] == [
        ("MEMO-1", "void", "MEMO-1 (void)")
    ]
    assert [(c.id, c.status) for c in report.credits] == [("CR-1", "void")]
    assert report.balances == ()


@ledger(expect_errors=True)
def test_each_void_error(loaded):
    """
    plugin "beancount_orders.orders"
    option "booking_method" "FIFO"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 4 4.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-05 custom "dispatch" "SO-1"
    2024-01-06 custom "return" "RET-1" "SO-1" "WIDGET" 1
    2024-01-07 custom "credit-order" "CO-1" "INV-1"
    2024-01-07 custom "credit-line" "CO-1" "WIDGET" "return" 1 10.00 GBP
    2024-01-08 custom "order" "SO-2" "acme"
    2024-01-08 custom "line" "SO-2" "WIDGET" 3 10.00 GBP
    2024-01-08 custom "dispatch" "SO-2"
    2024-01-09 custom "payment" "acme" 5.00 GBP "card"
      id: "PAY-1"
    2024-01-10 custom "void" "PAY-1"
    2024-01-11 custom "void" "PAY-1"
    2024-01-04 custom "void" "INV-1"
    2024-01-11 custom "void" "INV-1"
    2024-01-11 custom "void" "SO-1"
    2024-01-11 custom "void" "RET-1"
    2024-01-11 custom "void" "INV-9"
    2024-01-11 custom "void" "PO-1"
    2024-01-11 custom "void" "CO-1"
    """
    assert loaded.messages == [
        (
            20,
            'Void of "PAY-1": it is already voided (on 2024-01-10, line 19); '
            "a document is voided once",
        ),
        (
            21,
            'Void of "INV-1": the void is dated 2024-01-04, before "INV-1" '
            "(2024-01-05); a void is dated on or after its document",
        ),
        (
            22,
            'Void of "INV-1": credit order "CO-1" is posted against the invoice: '
            "void that first",
        ),
        (
            23,
            'Void of "SO-1": "SO-1" is an order, which cannot be voided: use "cancel" '
            "for what is not invoiced, and void its invoices",
        ),
        (24, 'Void of "RET-1": "RET-1" is a return, which cannot be voided'),
        (
            25,
            'Void of "INV-9": unknown document "INV-9" (a void names an invoice, credit '
            "order, credit memo, credit, refund, payment with an id, stock-in, receipt, "
            "bill, landed cost or bill payment)",
        ),
        (
            26,
            'Void of "PO-1": its lot WIDGET {4.00 GBP, 2024-01-01, "PO-1"} in '
            "Assets:Inventory:Main was already taken again (0 of 4 left: dispatched, "
            "moved or re-lotted)",
        ),
        (
            27,
            'Void of "CO-1": the goods it took back (1 WIDGET of lot {4.00 GBP, '
            '2024-01-01, "PO-1"} in Assets:Inventory:Main) were already taken again '
            "(0 left): void or undo what took them first",
        ),
    ]
    # Only the first void of PAY-1 applied.
    assert list(loaded.book.voids.voided) == ["PAY-1"]
    assert loaded.book.invoices["INV-1"].voided is None


@ledger(expect_errors=True)
def test_a_voided_invoice_cannot_be_credited(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-06 custom "void" "INV-1"
    2024-01-07 custom "credit-order" "CO-1" "INV-1"
      full: TRUE
    """
    assert loaded.messages == [
        (8, 'Credit order "CO-1": invoice "INV-1" is voided (on 2024-01-06)')
    ]


@ledger(expect_errors=True)
def test_a_void_dated_before_its_document_on_file(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-05 custom "payment" "acme" 5.00 GBP "card"
      id: "PAY-1"
    2024-01-09 custom "stock-in" "PO-1" "WIDGET" 1 4.00 GBP
      supplier: "Supplies Co"
    2024-01-07 custom "void" "PO-1"
    2024-01-10 custom "stock-in" "PO-1" "WIDGET" 1 4.00 GBP
      supplier: "Supplies Co"
    2024-01-09 custom "void" "PO-1"
    """
    assert loaded.messages == [
        (
            8,
            'Void of "PO-1": the void is dated 2024-01-07, before "PO-1" (2024-01-09); '
            "a void is dated on or after its document",
        ),
        (
            11,
            'Void of "PO-1": the void is dated 2024-01-09, before "PO-1" (2024-01-10); '
            "a void is dated on or after its document",
        ),
    ]


LOCKED = textwrap.dedent("""\
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-20 custom "payment" "INV-1" 30.00 GBP "card"
      id: "PAY-1"
""")
THROUGH = datetime.date(2024, 1, 31)


def test_a_void_after_a_lock_leaves_the_locked_month_as_it_was():
    before = load(LOCKED)
    lock = lock_text(THROUGH, digests(before.entries, THROUGH))
    after = load(
        LOCKED
        + lock
        + '2024-02-03 custom "void" "PAY-1"\n2024-02-03 custom "void" "INV-1"\n'
    )
    assert after.messages == []
    assert digests(after.entries, THROUGH) == digests(before.entries, THROUGH)
    assert sorted(after.book.voids.voided) == ["INV-1", "PAY-1"]
    assert after.balances() == {}


def test_a_void_inside_a_locked_period_is_an_error():
    before = load(LOCKED)
    lock = lock_text(THROUGH, digests(before.entries, THROUGH))
    inside = load(LOCKED + lock + '2024-01-25 custom "void" "PAY-1"\n')
    assert inside.messages == [
        (
            10,
            'Void of "PAY-1": 2024-01-25 is inside a locked period (locked through '
            "2024-01-31 at line 8); date the void after the lock",
        ),
        (
            8,
            "Period 2024-01 is locked (through 2024-01-31) and its entries have changed "
            "since: undo the change, or date it after the lock",
        ),
    ]
    assert inside.book.voids.voided == {}
    assert inside.balances()["Assets:Clearing:Card"] == "30.00 GBP"


@ledger()
def test_a_redemption_freed_by_a_voided_invoice_meets_a_later_credit_order(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "loyalty-program" "LEAF"
      value: 0.10 GBP
    2024-01-01 custom "customer" "joan" "Joan"
      program: "LEAF"
    2024-01-01 custom "loyalty-adjust" "joan" 200 LEAF
    2024-01-02 custom "order" "SO-1" "joan"
    2024-01-02 custom "line" "SO-1" "TEA" 2 10.00 GBP
    2024-01-02 custom "line" "SO-1" "POT" 1 30.00 GBP
    2024-01-03 custom "redeem" "SO-1" 50 LEAF
    2024-01-04 custom "invoice" "SO-1" "INV-A" "TEA" 2
    2024-01-04 custom "invoice" "SO-1" "INV-B" "POT" 1
    2024-01-05 custom "void" "INV-A"
    2024-01-07 custom "credit-order" "CO-1" "INV-B"
      full: TRUE
    2024-01-10 custom "invoice" "SO-1" "INV-C" "TEA" 2
    2024-01-11 custom "credit-order" "CO-3" "INV-C"
      full: TRUE
    """
    # The redemption INV-A had set against its basis waits under its own
    # settlement (it once crashed the credit order with a KeyError on INV-A);
    # with every invoice voided or credited, points and money net to nothing.
    assert loaded.balances() == {
        "Expenses:Loyalty:PointsDistributed": "200 LEAF",
        "Income:Sales": "-50.00 GBP",
        "Income:Sales:Returns": "50.00 GBP",
        "Liabilities:Loyalty:LEAF": "-200 LEAF",
    }
    assert loaded.book.customers["joan"].receivable["GBP"] == D("0.00")
