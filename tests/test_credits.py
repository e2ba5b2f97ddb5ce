"""Credits: customer credit (Pakk), refunds, credit orders, credit memos, allocation.

Line numbers in the ledgers count from the line after the opening quotes: the
``plugin`` line is line 2.
"""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from beancount.core.position import Cost

from beancount_orders.book import Status
from beancount_orders.book.credits import Costing
from beancount_orders.reports.margin import margin_report
from tests.helpers import dedent
from tests.helpers import ledger
from tests.helpers import load

# --------------------------------------------------------------------------
# Customer credit (Pakk "credit"): we owe the customer.

# An invoice of 3 WIDGET at 10.00 GBP, 20% tax: 30.00 + 6.00 = 36.00.
INV_1 = dedent("""
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
def test_credit_means_we_owe_the_customer(loaded):
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
    2024-01-10 custom "credit" "CR-1" "acme" 50.00 GBP
      reason: "Goodwill"
      invoice: "INV-1"
    """
    text = loaded.expand()
    credit_text = dedent("""
        2024-01-10 * "Acme Ltd" "Credit CR-1 to Acme Ltd: Goodwill" ^CR-1 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          credit: "CR-1"
          invoice: "INV-1"
          Income:Sales:Credits              50.00 GBP
          Liabilities:CustomerCredit:Acme  -50.00 GBP
    """)
    assert text.endswith("\n" + credit_text)
    book = loaded.book
    acme = book.customers["acme"]
    # The receivable is untouched; the credit is a liability; the customer's
    # balance (owes us 36.00, we owe them 50.00) says we owe them 14.00.
    assert acme.receivable["GBP"] == D("36.00")
    assert acme.credit["GBP"] == D("50.00")
    assert acme.balance("GBP") == D("-14.00")
    credit = book.credits["CR-1"]
    assert (credit.customer, credit.date, credit.amount, credit.currency) == (
        "acme",
        datetime.date(2024, 1, 10),
        D("50.00"),
        "GBP",
    )
    assert (credit.reason, credit.invoice, credit.order) == ("Goodwill", "INV-1", "SO-1")
    assert book.documents["CR-1"] == "credit"
    # Not money against the order: the order still owes its invoice.
    order = book.orders["SO-1"]
    assert order.outstanding == D("36.00")
    assert order.paid_status is Status.NONE
    # No stock effect: the three widgets stay dispatched, seven stay on hand.
    (line,) = order.lines
    assert (line.dispatched, line.returned, line.cost) == (D(3), D(0), D("12.00"))
    assert [(p.item, p.on_hand, p.value) for p in book.stock_positions()] == [
        ("WIDGET", D(7), D("28.00")),
        ("WIDGET", D(7), D("28.00")),  # the PO-1 batch row
    ]
    assert book.returns == {}
    assert loaded.balances() == {
        "Assets:Inventory:Main": '7 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}',
        "Assets:Receivable:Acme": "36.00 GBP",
        "Expenses:COGS": "12.00 GBP",
        "Income:Sales": "-30.00 GBP",
        "Income:Sales:Credits": "50.00 GBP",
        "Liabilities:CustomerCredit:Acme": "-50.00 GBP",
        "Liabilities:Payable:Supplies-Co": "-40.00 GBP",
        "Liabilities:SalesTax": "-6.00 GBP",
    }


@ledger()
def test_credit_without_any_order(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "bob" "Bob's Bikes"
    2024-01-10 custom "credit" "CR-1" "bob" 25.00 GBP
    """
    assert loaded.expand() == dedent("""
        2024-01-10 * "Bob's Bikes" "Credit CR-1 to Bob's Bikes" ^CR-1
          customer: "bob"
          credit: "CR-1"
          Income:Sales:Credits             25.00 GBP
          Liabilities:CustomerCredit:Bob  -25.00 GBP
    """)
    bob = loaded.book.customers["bob"]
    assert bob.balance("GBP") == D("-25.00")
    credit = loaded.book.credits["CR-1"]
    assert (credit.reason, credit.invoice, credit.order) == (None, None, None)


@ledger()
def test_credit_used_on_an_order_then_refunded(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-10 custom "credit" "CR-1" "acme" 50.00 GBP
      order: "SO-1"
    2024-01-12 custom "payment" "INV-1" 36.00 GBP "credit"
    2024-01-15 custom "refund" "acme" 14.00 GBP "bank"
    """
    assert loaded.expand() == INV_1 + "\n" + dedent("""
        2024-01-10 * "Acme Ltd" "Credit CR-1 to Acme Ltd" ^CR-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          credit: "CR-1"
          Income:Sales:Credits              50.00 GBP
          Liabilities:CustomerCredit:Acme  -50.00 GBP

        2024-01-12 * "Acme Ltd" "Payment for invoice INV-1 (order SO-1) from customer credit" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Liabilities:CustomerCredit:Acme   36.00 GBP
          Assets:Receivable:Acme           -36.00 GBP

        2024-01-15 * "Acme Ltd" "Refund of customer credit by bank" ^REFUND-20240115-1
          customer: "acme"
          refund: "REFUND-20240115-1"
          Liabilities:CustomerCredit:Acme   14.00 GBP
          Assets:Clearing:Bank             -14.00 GBP
    """)  # noqa: E501
    book = loaded.book
    acme = book.customers["acme"]
    assert (acme.receivable["GBP"], acme.credit["GBP"], acme.balance("GBP")) == (0, 0, 0)
    order = book.orders["SO-1"]
    assert (order.paid, order.credited, order.outstanding) == (D("36.00"), 0, 0)
    assert order.paid_status is Status.FULL
    (payment,) = book.payments.values()
    assert (payment.method, payment.account) == (
        "credit",
        "Liabilities:CustomerCredit:Acme",
    )
    assert book.invoices["INV-1"].open_amount == 0
    (refund,) = book.refunds
    assert (refund.customer, refund.date, refund.amount, refund.currency) == (
        "acme",
        datetime.date(2024, 1, 15),
        D("14.00"),
        "GBP",
    )
    assert (refund.account, refund.method) == ("Assets:Clearing:Bank", "bank")
    balances = loaded.balances()
    assert "Liabilities:CustomerCredit:Acme" not in balances
    assert "Assets:Receivable:Acme" not in balances
    assert balances["Income:Sales:Credits"] == "50.00 GBP"
    assert balances["Assets:Clearing:Bank"] == "-14.00 GBP"


@ledger(expect_errors=True)
def test_credit_errors(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "customer" "bob" "Bob's Bikes"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-10 custom "credit" "CR-1" "acme" 20.00 GBP
    2024-01-11 custom "payment" "SO-1" 25.00 GBP "credit"
    2024-01-12 custom "payment" "SO-1" 15.00 GBP "credit"
    2024-01-13 custom "refund" "acme" 6.00 GBP "bank"
    2024-01-14 custom "refund" "acme" 5.00 GBP "bank"
    2024-01-15 custom "refund" "acme" 0.01 GBP "bank"
    2024-01-15 custom "refund" "acme" 1.00 GBP "credit"
    2024-01-15 custom "refund" "acme" 0.00 GBP "bank"
    2024-01-16 custom "credit" "CR-2" "acme" 0.00 GBP
    2024-01-16 custom "credit" "CR-3" "nobody" 1.00 GBP
    2024-01-16 custom "credit" "CR-4" "bob" 1.00 GBP
      order: "SO-1"
    2024-01-16 custom "credit" "CR-5" "acme" 1.00 GBP
      invoice: "INV-9"
    2024-01-16 custom "credit" "INV-1" "acme" 1.00 GBP
    """
    assert loaded.messages == [
        (
            9,
            'Payment on "SO-1": 25.00 GBP exceeds the credit balance of customer "acme" '
            "(20.00 GBP)",
        ),
        (
            11,
            'Refund to customer "acme": 6.00 GBP exceeds the credit balance of customer '
            '"acme" (5.00 GBP)',
        ),
        (
            13,
            'Refund to customer "acme": 0.01 GBP exceeds the credit balance of customer '
            '"acme" (0.00 GBP)',
        ),
        (
            14,
            'Refund to customer "acme": a refund pays credit out; "credit" is not a way '
            "to pay it",
        ),
        (15, 'Refund to customer "acme": amount must be greater than zero, got 0.00 GBP'),
        (16, 'Credit "CR-2": amount must be greater than zero, got 0.00 GBP'),
        (
            17,
            'Unknown customer "nobody": declare it first with custom "customer" "nobody" '
            '"NAME"',
        ),
        (18, 'Credit "CR-4": order "SO-1" belongs to customer "acme", not "bob"'),
        (20, 'Credit "CR-5": unknown invoice "INV-9"'),
        (
            22,
            'Duplicate document id "INV-1": already used by invoice "INV-1" (ids are '
            "unique across orders, invoices, credits and other documents)",
        ),
    ]
    book = loaded.book
    # Only the valid directives applied: 20.00 credited, 15.00 used, 5.00 refunded.
    acme = book.customers["acme"]
    assert acme.credit["GBP"] == D("0.00")
    assert acme.receivable["GBP"] == D("15.00")
    assert book.customers["bob"].credit.get("GBP", 0) == 0
    assert list(book.credits) == ["CR-1"]
    assert [refund.amount for refund in book.refunds] == [D("5.00")]
    assert [payment.amount for payment in book.payments.values()] == [D("15.00")]
    assert loaded.balances() == {
        "Assets:Clearing:Bank": "-5.00 GBP",
        "Assets:Receivable:Acme": "15.00 GBP",
        "Income:Sales": "-30.00 GBP",
        "Income:Sales:Credits": "20.00 GBP",
    }


# --------------------------------------------------------------------------
# Credit orders: statuses.

STATUS_LEDGER = """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
      po: "PO-77"
      rep: "jo"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-10 custom "credit-order" "CO-1" "INV-1"
      status: "{status}"
    2024-01-10 custom "credit-line" "CO-1" "WIDGET" "credit" 2 2.50 GBP
"""


@pytest.mark.parametrize("status", ["OPEN", "APPROVED"])
def test_open_and_approved_credit_orders_post_nothing(status):
    loaded = load(STATUS_LEDGER.format(status=status))
    assert loaded.messages == []
    assert loaded.expand() == INV_1
    book = loaded.book
    credit_order = book.credit_orders["CO-1"]
    assert credit_order.status == status
    assert not credit_order.posted
    assert book.documents["CO-1"] == "credit order"
    # Known to the engine, with its lines, but not costed, not settled, not counted.
    (line,) = credit_order.lines
    assert (line.item, line.type, line.qty, line.price) == (
        "WIDGET",
        "credit",
        2,
        D("2.50"),
    )
    assert (line.net, line.tax, line.gross) == (D("5.00"), D("1.00"), D("6.00"))
    assert line.costing is Costing.OPEN
    assert "CO-1" not in book.settlements
    assert book.invoices["INV-1"].lines[0].credited == 0
    assert book.invoices["INV-1"].open_amount == D("36.00")
    order = book.orders["SO-1"]
    assert order.credit_orders == ("CO-1",)
    assert (order.credited, order.outstanding) == (0, D("36.00"))
    assert order.lines[0].credited_net == 0
    assert "Income:Sales:Returns" not in loaded.balances()


def test_ready_credit_order_posts():
    loaded = load(STATUS_LEDGER.format(status="READY"))
    assert loaded.messages == []
    # 2 x 2.50 = 5.00 net, 1.00 tax: 6.00 off the receivable.
    assert loaded.expand() == INV_1 + "\n" + dedent("""
        2024-01-10 * "Acme Ltd" "Credit order CO-1 against invoice INV-1" ^CO-1 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-1"
          rep: "jo"
          po: "PO-77"
          Income:Sales:Returns     5.00 GBP
            item: "WIDGET"
            type: "credit"
          Liabilities:SalesTax     1.00 GBP
            rate: 0.20
          Assets:Receivable:Acme  -6.00 GBP
    """)
    book = loaded.book
    credit_order = book.credit_orders["CO-1"]
    assert credit_order.posted
    assert (credit_order.net, credit_order.tax, credit_order.gross) == (
        D("5.00"),
        D("1.00"),
        D("6.00"),
    )
    assert credit_order.lines[0].costing is Costing.NONE
    invoice = book.invoices["INV-1"]
    assert invoice.lines[0].credited == 2
    assert [(a.source, a.date, a.amount) for a in invoice.allocations] == [
        ("CO-1", datetime.date(2024, 1, 10), D("6.00"))
    ]
    assert invoice.open_amount == D("30.00")
    settlement = book.settlements["CO-1"]
    assert (settlement.kind, settlement.unallocated) == ("credit-order", 0)
    order = book.orders["SO-1"]
    assert (order.credited, order.outstanding) == (D("6.00"), D("30.00"))
    assert order.paid_status is Status.PARTIAL
    assert order.lines[0].credited_net == D("5.00")
    assert order.lines[0].margin == D("25.00")  # 30.00 - 5.00, nothing dispatched
    assert book.customers["acme"].receivable["GBP"] == D("30.00")
    assert loaded.balances() == {
        "Assets:Receivable:Acme": "30.00 GBP",
        "Income:Sales": "-30.00 GBP",
        "Income:Sales:Returns": "5.00 GBP",
        "Liabilities:SalesTax": "-5.00 GBP",
    }


def test_status_defaults_to_ready():
    text = STATUS_LEDGER.replace('      status: "{status}"\n', "")
    assert "status" not in text
    default = load(text)
    ready = load(STATUS_LEDGER.format(status="READY"))
    assert default.messages == []
    assert default.book.credit_orders["CO-1"].status == "READY"
    assert default.expand() == ready.expand()
    assert default.balances() == ready.balances()


# --------------------------------------------------------------------------
# Credit orders: return lines and credit lines.


DISPATCHED = dedent("""
    2024-01-06 * "Acme Ltd" "Dispatch for order SO-1" ^SO-1
      order: "SO-1"
      customer: "acme"
      Assets:Inventory:Main     -2 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
      Assets:Inventory:Main     -2 WIDGET {5.00 GBP, 2024-01-03, "PO-2"}
      Expenses:COGS          18.00 GBP
        item: "WIDGET"
""")
RECEIPT_PO_3 = dedent("""
    2024-01-20 * "Supplies Co" "Receipt PO-3: 5 WIDGET into Main" ^PO-3
      po: "PO-3"
      supplier: "Supplies Co"
      item: "WIDGET"
      Assets:Inventory:Main                 5 WIDGET {7.00 GBP, 2024-01-20, "PO-3"}
      Liabilities:Payable:Supplies-Co  -35.00 GBP
""")


@ledger()
def test_return_line_and_credit_line_on_one_credit_order(loaded):
    """
    plugin "beancount_orders.orders"
    option "booking_method" "FIFO"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 2 4.00 GBP
      supplier: "Supplies Co"
    2024-01-03 custom "stock-in" "PO-2" "WIDGET" 5 5.00 GBP
      supplier: "Supplies Co"
    2024-01-04 custom "order" "SO-1" "acme"
    2024-01-04 custom "line" "SO-1" "WIDGET" 4 10.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-06 custom "dispatch" "SO-1"
    2024-01-20 custom "stock-in" "PO-3" "WIDGET" 5 7.00 GBP
      supplier: "Supplies Co"
    2024-02-10 custom "credit-order" "CO-1" "INV-1"
      reason: "Damaged in transit"
    2024-02-10 custom "credit-line" "CO-1" "WIDGET" "return" 3 10.00 GBP
    2024-02-10 custom "credit-line" "CO-1" "WIDGET" "credit" 1 2.50 GBP
    """
    # Dispatched FIFO: 2 of PO-1 at 4.00 and 2 of PO-2 at 5.00 (18.00). The
    # return line brings 3 back at that original cost, in the order the dispatch
    # took them (2 x 4.00 + 1 x 5.00 = 13.00), not at PO-3's 7.00. Money: 3 x
    # 10.00 + 1 x 2.50 = 32.50 net, 6.50 tax, 39.00 off the receivable.
    expected = dedent("""
        2024-02-10 * "Acme Ltd" "Credit order CO-1 against invoice INV-1" ^CO-1 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-1"
          reason: "Damaged in transit"
          Income:Sales:Returns     30.00 GBP
            item: "WIDGET"
            type: "return"
          Income:Sales:Returns      2.50 GBP
            item: "WIDGET"
            type: "credit"
          Liabilities:SalesTax      6.50 GBP
            rate: 0.20
          Assets:Receivable:Acme  -39.00 GBP
          Assets:Inventory:Main        2 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
          Assets:Inventory:Main        1 WIDGET {5.00 GBP, 2024-01-03, "PO-2"}
          Expenses:COGS           -13.00 GBP
            item: "WIDGET"
    """)
    assert loaded.expand().endswith("\n".join([DISPATCHED, RECEIPT_PO_3, expected]))
    book = loaded.book
    credit_order = book.credit_orders["CO-1"]
    returned, credited = credit_order.lines
    assert (returned.type, returned.qty, returned.price) == ("return", 3, D("10.00"))
    assert (returned.net, returned.tax, returned.invoice_line) == (D("30.00"), D("6.00"), 1)
    assert returned.costing is Costing.COSTED
    assert returned.lots == [
        (
            "Assets:Inventory:Main",
            Cost(D("4.00"), "GBP", datetime.date(2024, 1, 1), "PO-1"),
            2,
        ),
        (
            "Assets:Inventory:Main",
            Cost(D("5.00"), "GBP", datetime.date(2024, 1, 3), "PO-2"),
            1,
        ),
    ]
    assert returned.cost == D("13.00")
    assert (credited.type, credited.qty, credited.price) == ("credit", 1, D("2.50"))
    assert (credited.net, credited.tax) == (D("2.50"), D("0.50"))
    assert credited.costing is Costing.NONE
    assert (credited.lots, credited.cost) == ([], 0)
    assert credit_order.reason == "Damaged in transit"
    assert (credit_order.date, credit_order.post_date) == (
        datetime.date(2024, 2, 10),
        datetime.date(2024, 2, 10),
    )
    assert book.invoices["INV-1"].lines[0].credited == 4
    (line,) = book.orders["SO-1"].lines
    assert (line.returned, line.credited_net, line.cost) == (3, D("32.50"), D("5.00"))
    # Revenue 40.00 less credits 32.50 less the cost of the one widget kept (5.00).
    assert line.margin == D("2.50")
    assert book.orders["SO-1"].outstanding == D("9.00")
    balances = loaded.balances()
    assert balances["Assets:Inventory:Main"] == (
        '2 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}, 4 WIDGET {5.00 GBP, 2024-01-03, "PO-2"}, '
        '5 WIDGET {7.00 GBP, 2024-01-20, "PO-3"}'
    )
    assert balances["Expenses:COGS"] == "5.00 GBP"
    assert balances["Income:Sales:Returns"] == "32.50 GBP"
    assert balances["Liabilities:SalesTax"] == "-1.50 GBP"
    assert balances["Assets:Receivable:Acme"] == "9.00 GBP"


@ledger()
def test_credit_date_invoice_posts_money_on_the_invoice_date(loaded):
    """
    plugin "beancount_orders.orders"
    option "booking_method" "FIFO"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 2 4.00 GBP
      supplier: "Supplies Co"
    2024-01-03 custom "stock-in" "PO-2" "WIDGET" 5 5.00 GBP
      supplier: "Supplies Co"
    2024-01-04 custom "order" "SO-1" "acme"
    2024-01-04 custom "line" "SO-1" "WIDGET" 4 10.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-06 custom "dispatch" "SO-1"
    2024-01-20 custom "stock-in" "PO-3" "WIDGET" 5 7.00 GBP
      supplier: "Supplies Co"
    2024-02-10 custom "credit-order" "CO-1" "INV-1"
      credit-date: "invoice"
    2024-02-10 custom "credit-line" "CO-1" "WIDGET" "return" 3 10.00 GBP
    """
    text = loaded.expand()
    invoice_text = dedent("""
        2024-01-05 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   48.00 GBP
          Income:Sales            -40.00 GBP
            item: "WIDGET"
          Liabilities:SalesTax     -8.00 GBP
            rate: 0.20
    """)
    # The money on the invoice's date; the goods come back on the credit
    # order's own date, in a second transaction. Both say credit-date: "invoice"; the
    # money's narration says so too, and when the credit order was made.
    money = dedent("""
        2024-01-05 * "Acme Ltd" "Credit order CO-1 against invoice INV-1 (credit-date: the invoice's date; made on 2024-02-10)" ^CO-1 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-1"
          credit-date: "invoice"
          Income:Sales:Returns     30.00 GBP
            item: "WIDGET"
            type: "return"
          Liabilities:SalesTax      6.00 GBP
            rate: 0.20
          Assets:Receivable:Acme  -36.00 GBP
    """)  # noqa: E501
    goods = dedent("""
        2024-02-10 * "Acme Ltd" "Goods back into stock for credit order CO-1" ^CO-1 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-1"
          credit-date: "invoice"
          Assets:Inventory:Main       2 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
          Assets:Inventory:Main       1 WIDGET {5.00 GBP, 2024-01-03, "PO-2"}
          Expenses:COGS          -13.00 GBP
            item: "WIDGET"
    """)  # noqa: E501
    expected = "\n".join([invoice_text, money, DISPATCHED, RECEIPT_PO_3, goods])
    assert text.endswith(expected)
    book = loaded.book
    credit_order = book.credit_orders["CO-1"]
    assert (credit_order.date, credit_order.post_date) == (
        datetime.date(2024, 2, 10),
        datetime.date(2024, 1, 5),
    )
    assert credit_order.lines[0].costing is Costing.COSTED
    assert book.settlements["CO-1"].date == datetime.date(2024, 1, 5)
    assert [(a.source, a.date, a.amount) for a in book.invoices["INV-1"].allocations] == [
        ("CO-1", datetime.date(2024, 1, 5), D("36.00"))
    ]
    # The two transactions each balance; together they are the credit order.
    for txn in book.transactions_for("CO-1"):
        assert txn.meta["lineno"] == 16


@ledger()
def test_full_credit_order_credits_what_is_left_of_every_line(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
      tax: 0.20
    2024-01-02 custom "line" "SO-1" "GADGET" 2 5.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-10 custom "credit-order" "CO-1" "INV-1"
    2024-01-10 custom "credit-line" "CO-1" "WIDGET" "credit" 1 10.00 GBP
    2024-01-20 custom "credit-order" "CO-2" "INV-1"
      full: TRUE
      reason: "Cancelled contract"
    """
    # INV-1: 30.00 + 6.00 tax + 10.00 = 46.00. CO-1: 10.00 + 2.00 = 12.00.
    # CO-2 credits what is left: 2 WIDGET (20.00 + 4.00) and 2 GADGET (10.00).
    expected = dedent("""
        2024-01-20 * "Acme Ltd" "Credit order CO-2 against invoice INV-1" ^CO-2 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-2"
          reason: "Cancelled contract"
          Income:Sales:Returns     20.00 GBP
            item: "WIDGET"
            type: "credit"
          Income:Sales:Returns     10.00 GBP
            item: "GADGET"
            type: "credit"
          Liabilities:SalesTax      4.00 GBP
            rate: 0.20
          Assets:Receivable:Acme  -34.00 GBP
    """)
    assert loaded.expand().endswith(expected)
    book = loaded.book
    lines = book.credit_orders["CO-2"].lines
    assert [(line.item, line.type, line.qty, line.price) for line in lines] == [
        ("WIDGET", "credit", 2, D("10.00")),
        ("GADGET", "credit", 2, D("5.00")),
    ]
    assert [line.credited for line in book.invoices["INV-1"].lines] == [3, 2]
    assert book.invoices["INV-1"].open_amount == 0
    order = book.orders["SO-1"]
    assert (order.credited, order.outstanding) == (D("46.00"), 0)
    assert order.paid_status is Status.FULL
    assert [line.margin for line in order.lines] == [0, 0]
    assert "Assets:Receivable:Acme" not in loaded.balances()


@ledger()
def test_full_credit_order_of_type_return(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 5 4.00 GBP
      supplier: "Supplies Co"
    2024-01-01 custom "stock-in" "PO-2" "GADGET" 5 1.50 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-02 custom "line" "SO-1" "GADGET" 2 5.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-05 custom "dispatch" "SO-1"
    2024-01-20 custom "credit-order" "CO-1" "INV-1"
      full: TRUE
      type: "return"
    """
    expected = dedent("""
        2024-01-20 * "Acme Ltd" "Credit order CO-1 against invoice INV-1" ^CO-1 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-1"
          Income:Sales:Returns     30.00 GBP
            item: "WIDGET"
            type: "return"
          Income:Sales:Returns     10.00 GBP
            item: "GADGET"
            type: "return"
          Assets:Receivable:Acme  -40.00 GBP
          Assets:Inventory:Main        3 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
          Expenses:COGS           -12.00 GBP
            item: "WIDGET"
          Assets:Inventory:Main        2 GADGET {1.50 GBP, 2024-01-01, "PO-2"}
          Expenses:COGS            -3.00 GBP
            item: "GADGET"
    """)
    assert loaded.expand().endswith(expected)
    book = loaded.book
    lines = book.credit_orders["CO-1"].lines
    assert [(line.item, line.type, line.qty, line.costing) for line in lines] == [
        ("WIDGET", "return", 3, Costing.COSTED),
        ("GADGET", "return", 2, Costing.COSTED),
    ]
    assert [line.cost for line in lines] == [D("12.00"), D("3.00")]
    order = book.orders["SO-1"]
    assert [(line.returned, line.cost, line.margin) for line in order.lines] == [
        (3, 0, 0),
        (2, 0, 0),
    ]
    balances = loaded.balances()
    assert "Expenses:COGS" not in balances
    assert balances["Assets:Inventory:Main"] == (
        '5 GADGET {1.50 GBP, 2024-01-01, "PO-2"}, 5 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}'
    )


@ledger()
def test_reason_rep_and_po_carried_po_defaults_from_the_order(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
      po: "PO-77"
      rep: "jo"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-10 custom "credit-order" "CO-1" "INV-1"
    2024-01-10 custom "credit-line" "CO-1" "WIDGET" "credit" 1 1.00 GBP
    2024-01-11 custom "credit-order" "CO-2" "INV-1"
      reason: "Price match"
      rep: "sam"
      po: "RMA-5"
    2024-01-11 custom "credit-line" "CO-2" "WIDGET" "credit" 1 1.00 GBP
    """
    assert loaded.expand() == dedent("""
        2024-01-05 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   30.00 GBP
          Income:Sales            -30.00 GBP
            item: "WIDGET"

        2024-01-10 * "Acme Ltd" "Credit order CO-1 against invoice INV-1" ^CO-1 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-1"
          rep: "jo"
          po: "PO-77"
          Income:Sales:Returns     1.00 GBP
            item: "WIDGET"
            type: "credit"
          Assets:Receivable:Acme  -1.00 GBP

        2024-01-11 * "Acme Ltd" "Credit order CO-2 against invoice INV-1" ^CO-2 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-2"
          reason: "Price match"
          rep: "sam"
          po: "RMA-5"
          Income:Sales:Returns     1.00 GBP
            item: "WIDGET"
            type: "credit"
          Assets:Receivable:Acme  -1.00 GBP
    """)
    cos = loaded.book.credit_orders
    assert (cos["CO-1"].reason, cos["CO-1"].rep, cos["CO-1"].po) == (None, "jo", "PO-77")
    assert (cos["CO-2"].reason, cos["CO-2"].rep, cos["CO-2"].po) == (
        "Price match",
        "sam",
        "RMA-5",
    )
    assert (cos["CO-1"].order, cos["CO-1"].customer, cos["CO-1"].invoice) == (
        "SO-1",
        "acme",
        "INV-1",
    )


@ledger()
def test_credit_lines_belong_to_their_credit_order_whatever_their_date(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-02 custom "line" "SO-1" "GADGET" 2 5.00 GBP
    2023-12-01 custom "credit-line" "CO-1" "WIDGET" "credit" 1 2.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-10 custom "credit-order" "CO-1" "INV-1"
    2024-03-01 custom "credit-line" "CO-1" "GADGET" "credit" 2 1.00 GBP
    """
    expected = dedent("""
        2024-01-10 * "Acme Ltd" "Credit order CO-1 against invoice INV-1" ^CO-1 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-1"
          Income:Sales:Returns     2.00 GBP
            item: "WIDGET"
            type: "credit"
          Income:Sales:Returns     2.00 GBP
            item: "GADGET"
            type: "credit"
          Assets:Receivable:Acme  -4.00 GBP
    """)
    assert loaded.expand().endswith(expected)
    lines = loaded.book.credit_orders["CO-1"].lines
    assert [(line.item, line.meta["lineno"]) for line in lines] == [
        ("WIDGET", 7),
        ("GADGET", 10),
    ]


def test_open_credit_orders_do_not_use_up_the_quantity():
    loaded = load("""
        plugin "beancount_orders.orders"
        2024-01-01 custom "customer" "acme" "Acme Ltd"
        2024-01-02 custom "order" "SO-1" "acme"
        2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
        2024-01-05 custom "invoice" "SO-1" "INV-1"
        2024-01-10 custom "credit-order" "CO-1" "INV-1"
          status: "OPEN"
        2024-01-10 custom "credit-line" "CO-1" "WIDGET" "credit" 3 1.00 GBP
        2024-01-11 custom "credit-order" "CO-2" "INV-1"
        2024-01-11 custom "credit-line" "CO-2" "WIDGET" "credit" 3 1.00 GBP
    """)
    assert loaded.messages == []
    assert loaded.book.invoices["INV-1"].lines[0].credited == 3
    assert loaded.book.credit_orders["CO-2"].gross == D("3.00")


# --------------------------------------------------------------------------
# Credit orders: validation.


@ledger(expect_errors=True)
def test_bad_credit_lines_are_reported_and_their_credit_order_is_not_posted(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 10 4.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
      tax: 0.20
    2024-01-02 custom "line" "SO-1" "GADGET" 2 5.00 GBP
    2024-01-02 custom "line" "SO-1" "GIZMO" 1 8.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1" "WIDGET" 3 "GADGET" 2
    2024-01-05 custom "dispatch" "SO-1" "WIDGET" 3
    2024-01-10 custom "credit-order" "CO-1" "INV-1"
    2024-01-10 custom "credit-line" "CO-1" "WIDGET" "return" 1 10.00 GBP
    2024-01-10 custom "credit-line" "CO-1" "WIDGET" "credit" 1 10.01 GBP
    2024-01-10 custom "credit-line" "CO-1" "WIDGET" "swap" 1 1.00 GBP
    2024-01-10 custom "credit-line" "CO-1" "WIDGET" "credit" 3 1.00 GBP
    2024-01-10 custom "credit-line" "CO-1" "GADGET" "return" 1 5.00 GBP
    2024-01-10 custom "credit-line" "CO-1" "GIZMO" "credit" 1 5.00 GBP
    2024-01-10 custom "credit-line" "CO-1" "GADGET" "credit" 1 1.00 USD
    2024-01-10 custom "credit-line" "CO-1" "GADGET" "credit" 1 (-1.00) GBP
    """
    assert loaded.messages == [
        (13, 'Credit order "CO-1": not posted, 7 of its 8 lines are invalid'),
        (
            15,
            'Credit order "CO-1" line WIDGET: price 10.01 GBP is above the invoice price '
            '10.00 GBP on "INV-1"',
        ),
        (
            16,
            'Credit order "CO-1" line WIDGET: TYPE must be "return" or "credit", '
            'got "swap"',
        ),
        # The return line of line 14 took one of the three widgets.
        (
            17,
            'Credit order "CO-1" line WIDGET: cannot credit 3 WIDGET: invoice "INV-1" '
            "billed 3 and 1 are already credited",
        ),
        (18, 'Credit order "CO-1" line GADGET: no GADGET was dispatched on order "SO-1"'),
        (19, 'Credit order "CO-1" line GIZMO: GIZMO is not on invoice "INV-1"'),
        (
            20,
            'Credit order "CO-1" line GADGET: price 1.00 USD is not in the invoice\'s GBP',
        ),
        (21, 'Credit order "CO-1" line GADGET: price must not be negative, got -1.00 GBP'),
    ]
    book = loaded.book
    # Nothing of CO-1 applied: not known, not posted, nothing credited or restocked.
    assert book.credit_orders == {}
    assert "CO-1" not in book.documents
    assert [line.credited for line in book.invoices["INV-1"].lines] == [0, 0]
    assert book.orders["SO-1"].lines[0].returned == 0
    assert [txn.narration for txn in loaded.transactions] == [
        "Receipt PO-1: 10 WIDGET into Main",
        "Invoice INV-1 for order SO-1",
        "Dispatch for order SO-1",
    ]


@ledger(expect_errors=True)
def test_quantity_may_not_exceed_invoiced_minus_credited_across_credit_orders(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 5 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1" "WIDGET" 3
    2024-01-06 custom "invoice" "SO-1" "INV-2" "WIDGET" 2
    2024-01-10 custom "credit-order" "CO-1" "INV-1"
    2024-01-10 custom "credit-line" "CO-1" "WIDGET" "credit" 2 1.00 GBP
    2024-01-11 custom "credit-order" "CO-2" "INV-1"
    2024-01-11 custom "credit-line" "CO-2" "WIDGET" "credit" 2 1.00 GBP
    2024-01-12 custom "credit-order" "CO-3" "INV-1"
    2024-01-12 custom "credit-line" "CO-3" "WIDGET" "credit" 1 1.00 GBP
    2024-01-13 custom "credit-order" "CO-4" "INV-1"
    2024-01-13 custom "credit-line" "CO-4" "WIDGET" "credit" 1 1.00 GBP
    """
    # INV-1 billed 3: CO-1 credits 2; CO-2 asks for 2 more (only 1 left); CO-3
    # takes the last one; CO-4 finds none left. INV-2's widgets do not count.
    assert loaded.messages == [
        (10, 'Credit order "CO-2": not posted, 1 of its 1 lines is invalid'),
        (
            11,
            'Credit order "CO-2" line WIDGET: cannot credit 2 WIDGET: invoice "INV-1" '
            "billed 3 and 2 are already credited",
        ),
        (14, 'Credit order "CO-4": not posted, 1 of its 1 lines is invalid'),
        (
            15,
            'Credit order "CO-4" line WIDGET: cannot credit 1 WIDGET: invoice "INV-1" '
            "billed 3 and 3 are already credited",
        ),
    ]
    book = loaded.book
    assert sorted(book.credit_orders) == ["CO-1", "CO-3"]
    assert book.invoices["INV-1"].lines[0].credited == 3
    assert book.invoices["INV-2"].lines[0].credited == 0
    assert book.orders["SO-1"].credited == D("3.00")


@ledger(expect_errors=True)
def test_credit_order_errors(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-11 custom "credit-order" "CO-2" "INV-9"
    2024-01-11 custom "credit-order" "CO-3" "SO-1"
    2024-01-11 custom "credit-order" "CO-4" "INV-1"
      status: "DRAFT"
    2024-01-11 custom "credit-order" "CO-5" "INV-1"
      full: TRUE
      type: "swap"
    2024-01-11 custom "credit-order" "CO-6" "INV-1"
      full: TRUE
    2024-01-11 custom "credit-line" "CO-6" "WIDGET" "credit" 1 1.00 GBP
    2024-01-11 custom "credit-order" "CO-7" "INV-1"
    2024-01-11 custom "credit-order" "CO-8" "INV-1"
      full: TRUE
      credit-date: "today"
    2024-01-11 custom "credit-order" "CO-9" "INV-1"
      full: "yes"
    2024-01-12 custom "credit-order" "CO-10" "INV-1"
      full: TRUE
    2024-01-13 custom "credit-order" "CO-11" "INV-1"
      full: TRUE
    2024-01-13 custom "credit-order" "CO-10" "INV-1"
      full: TRUE
    2024-01-14 custom "credit-line" "CO-12" "WIDGET" "credit" 1 1.00 GBP
    2024-01-14 custom "credit-line" "INV-1" "WIDGET" "credit" 1 1.00 GBP
    """
    assert loaded.messages == [
        (7, 'Credit order "CO-2": unknown invoice "INV-9"'),
        (8, 'Credit order "CO-3": unknown invoice "SO-1" ("SO-1" is an order)'),
        (
            9,
            'Credit order "CO-4": status must be "OPEN", "APPROVED" or "READY", '
            'got "DRAFT"',
        ),
        (11, 'Credit order "CO-5": type must be "credit" or "return", got "swap"'),
        (
            14,
            'Credit order "CO-6": full: TRUE credits every line of the invoice; it cannot '
            "also have credit-line directives (line 16)",
        ),
        (
            17,
            'Credit order "CO-7": no credit-line directives name it (custom "credit-line" '
            '"CO-7" ITEM TYPE QTY PRICE), and it is not full: TRUE',
        ),
        (
            18,
            'Credit order "CO-8": credit-date must be "invoice" (post on the invoice\'s '
            'date) or absent (post on the credit order\'s date), got "today"',
        ),
        (21, 'Credit order "CO-9": full must be TRUE or FALSE, got "yes"'),
        (25, 'Credit order "CO-11": everything on invoice "INV-1" is already credited'),
        (
            27,
            'Duplicate document id "CO-10": already used by credit order "CO-10" (ids are '
            "unique across orders, invoices, credits and other documents)",
        ),
        (29, 'Credit line for unknown credit order "CO-12"'),
        (30, 'Credit line for "INV-1", which is an invoice, not a credit order'),
    ]
    assert list(loaded.book.credit_orders) == ["CO-10"]
    assert loaded.book.credit_orders["CO-10"].gross == D("30.00")


@ledger(expect_errors=True)
def test_full_return_of_goods_never_dispatched(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-10 custom "credit-order" "CO-1" "INV-1"
      full: TRUE
      type: "return"
    2024-01-11 custom "credit-order" "CO-2" "INV-1"
      status: "OPEN"
      full: TRUE
      type: "return"
    """
    # Only a READY credit order moves goods; an OPEN one waits for them.
    assert loaded.messages == [
        (7, 'Credit order "CO-1" line WIDGET: no WIDGET was dispatched on order "SO-1"'),
    ]
    assert list(loaded.book.credit_orders) == ["CO-2"]


@ledger(expect_errors=True)
def test_return_line_beyond_what_was_dispatched(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 10 4.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-05 custom "dispatch" "SO-1" "WIDGET" 1
    2024-01-10 custom "credit-order" "CO-1" "INV-1"
    2024-01-10 custom "credit-line" "CO-1" "WIDGET" "return" 2 10.00 GBP
    """
    assert loaded.messages == [
        (10, 'Credit order "CO-1": not posted, 1 of its 1 lines is invalid'),
        (
            11,
            'Credit order "CO-1" line WIDGET: 2 WIDGET cannot come back: only 1 '
            "dispatched and not yet returned",
        ),
    ]


@ledger(expect_errors=True)
def test_two_return_lines_cannot_bring_back_the_same_goods(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 10 4.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-05 custom "dispatch" "SO-1" "WIDGET" 2
    2024-01-10 custom "credit-order" "CO-1" "INV-1"
    2024-01-10 custom "credit-line" "CO-1" "WIDGET" "return" 1 10.00 GBP
    2024-01-10 custom "credit-line" "CO-1" "WIDGET" "return" 2 9.00 GBP
    """
    # Three were invoiced but only two went out: the first line takes one of
    # them, the second asks for two of the one left.
    assert loaded.messages == [
        (10, 'Credit order "CO-1": not posted, 1 of its 2 lines is invalid'),
        (
            12,
            'Credit order "CO-1" line WIDGET: 2 WIDGET cannot come back: only 1 '
            "dispatched and not yet returned",
        ),
    ]
    assert loaded.balances()["Assets:Inventory:Main"] == (
        '8 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}'
    )


@ledger(expect_errors=True)
def test_return_line_for_uncosted_goods_is_uncosted(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-05 custom "dispatch" "SO-1"
    2024-01-10 custom "credit-order" "CO-1" "INV-1"
    2024-01-10 custom "credit-line" "CO-1" "WIDGET" "return" 1 10.00 GBP
    2024-01-12 custom "stock-in" "PO-1" "WIDGET" 5 4.00 GBP
      supplier: "Supplies Co"
    """
    # The dispatch went out with no stock: reported, its 3 units owed to stock.
    assert loaded.messages == [
        (
            7,
            'Dispatch for order "SO-1": not enough WIDGET at location Main '
            "(Assets:Inventory:Main): 3 needed, 0 on hand; 3 are owed to stock, costed "
            "from its next receipt there",
        ),
    ]
    # The money still comes back; there is no cost to restore.
    credit_order = dedent("""
        2024-01-10 * "Acme Ltd" "Credit order CO-1 against invoice INV-1" ^CO-1 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-1"
          Income:Sales:Returns     10.00 GBP
            item: "WIDGET"
            type: "return"
          Assets:Receivable:Acme  -10.00 GBP
    """)
    # The unit that came back is no longer owed: PO-1 costs the other 2 only.
    receipt_and_costing = dedent("""
        2024-01-12 * "Supplies Co" "Receipt PO-1: 5 WIDGET into Main" ^PO-1
          po: "PO-1"
          supplier: "Supplies Co"
          item: "WIDGET"
          Assets:Inventory:Main                 5 WIDGET {4.00 GBP, 2024-01-12, "PO-1"}
          Liabilities:Payable:Supplies-Co  -20.00 GBP

        2024-01-12 * "Acme Ltd" "Cost of 2 WIDGET dispatched short on 2024-01-05 for order SO-1" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Inventory:Main    -2 WIDGET {4.00 GBP, 2024-01-12, "PO-1"}
          Expenses:COGS          8.00 GBP
            item: "WIDGET"
    """)  # noqa: E501
    assert loaded.expand().endswith(credit_order + "\n" + receipt_and_costing)
    (line,) = loaded.book.credit_orders["CO-1"].lines
    assert line.costing is Costing.UNCOSTED
    assert (line.lots, line.cost) == ([], 0)
    order_line = loaded.book.orders["SO-1"].lines[0]
    assert (order_line.returned, order_line.uncosted, order_line.cost) == (1, 0, D("8.00"))
    [dispatch] = loaded.book.dispatches
    assert (dispatch.lines[0].owed, dispatch.lines[0].returned) == (0, 1)
    assert loaded.book.uncosted == []
    assert loaded.balances()["Assets:Inventory:Main"] == (
        '3 WIDGET {4.00 GBP, 2024-01-12, "PO-1"}'
    )


@ledger(expect_errors=True)
def test_malformed_credit_line_stops_its_credit_order(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-10 custom "credit-order" "CO-1" "INV-1"
    2024-01-10 custom "credit-line" "CO-1" "WIDGET" "credit" 1 1.00 GBP
    2024-01-10 custom "credit-line" "CO-1" "WIDGET" "credit" 1 1.00
    """
    assert loaded.messages == [
        (7, 'Credit order "CO-1": not posted, 1 of its 2 lines is invalid'),
        (
            9,
            'Invalid "credit-line" CO ITEM TYPE QTY PRICE: PRICE must be an amount such '
            "as 10.00 GBP, got a number 1.00",
        ),
    ]
    assert loaded.book.credit_orders == {}
    assert [txn.narration for txn in loaded.transactions] == [
        "Invoice INV-1 for order SO-1"
    ]


# --------------------------------------------------------------------------
# Credit memos.


@ledger()
def test_credit_memo_leaves_gross_margin_alone(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 10 4.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-05 custom "dispatch" "SO-1"
    2024-01-20 custom "credit-memo" "M-1" "acme" 6.00 GBP
      invoice: "INV-1"
      reason: "Bank charges"
    """
    expected = dedent("""
        2024-01-20 * "Acme Ltd" "Credit memo M-1 against invoice INV-1: Bank charges" ^INV-1 ^M-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          memo: "M-1"
          invoice: "INV-1"
          Expenses:CreditMemos     6.00 GBP
          Assets:Receivable:Acme  -6.00 GBP
    """)  # noqa: E501
    assert loaded.expand().endswith(expected)
    book = loaded.book
    memo = book.memos["M-1"]
    assert (memo.customer, memo.amount, memo.invoice, memo.reason) == (
        "acme",
        D("6.00"),
        "INV-1",
        "Bank charges",
    )
    assert book.documents["M-1"] == "credit memo"
    # Gross margin: revenue 30.00 less cost 12.00, the memo nowhere in it.
    (line,) = book.orders["SO-1"].lines
    assert (line.invoiced_net, line.credited_net, line.cost, line.margin) == (
        D("30.00"),
        0,
        D("12.00"),
        D("18.00"),
    )
    report = margin_report(book)
    (total,) = report.totals
    assert (total.revenue, total.credits, total.cogs, total.margin) == (
        D("30.00"),
        0,
        D("12.00"),
        D("18.00"),
    )
    (apart,) = report.apart
    assert (apart.key, apart.memos) == ("SO-1", D("6.00"))
    balances = loaded.balances()
    assert balances["Income:Sales"] == "-30.00 GBP"
    assert balances["Expenses:COGS"] == "12.00 GBP"
    assert balances["Expenses:CreditMemos"] == "6.00 GBP"
    assert balances["Liabilities:SalesTax"] == "-6.00 GBP"  # tax is not given back
    assert "Income:Sales:Returns" not in balances
    assert "Income:Sales:Credits" not in balances
    # No stock: the seven widgets left stay where they are.
    assert balances["Assets:Inventory:Main"] == '7 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}'
    # It reduces what the customer and the order owe and is matched to INV-1.
    assert balances["Assets:Receivable:Acme"] == "30.00 GBP"
    assert book.customers["acme"].receivable["GBP"] == D("30.00")
    invoice = book.invoices["INV-1"]
    assert [(a.source, a.amount) for a in invoice.allocations] == [("M-1", D("6.00"))]
    order = book.orders["SO-1"]
    assert (order.paid, order.credited, order.outstanding) == (0, D("6.00"), D("30.00"))
    assert order.paid_status is Status.PARTIAL
    assert book.settlements["M-1"].kind == "credit-memo"


@ledger()
def test_credit_memo_without_invoice_waits_for_allocation(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-20 custom "credit-memo" "M-1" "acme" 4.00 GBP
    2024-01-25 custom "allocate" "M-1" "INV-1" 4.00 GBP
    """
    expected = dedent("""
        2024-01-20 * "Acme Ltd" "Credit memo M-1" ^M-1
          customer: "acme"
          memo: "M-1"
          Expenses:CreditMemos     4.00 GBP
          Assets:Receivable:Acme  -4.00 GBP

        2024-01-25 * "Acme Ltd" "Allocation of 4.00 GBP of M-1 to invoice INV-1 (order SO-1)" ^INV-1 ^M-1 ^SO-1
          customer: "acme"
          order: "SO-1"
          invoice: "INV-1"
          allocate: "M-1"
    """)  # noqa: E501
    assert loaded.expand().endswith(expected)
    book = loaded.book
    settlement = book.settlements["M-1"]
    assert (settlement.order, settlement.invoice, settlement.unallocated) == (None, None, 0)
    assert [(a.invoice, a.date, a.amount) for a in settlement.allocations] == [
        ("INV-1", datetime.date(2024, 1, 25), D("4.00"))
    ]
    order = book.orders["SO-1"]
    assert (order.credited, order.outstanding) == (D("4.00"), D("26.00"))


@ledger(expect_errors=True)
def test_credit_memo_errors(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "customer" "bob" "Bob's Bikes"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-20 custom "credit-memo" "M-1" "bob" 4.00 GBP
      invoice: "INV-1"
    2024-01-20 custom "credit-memo" "M-2" "acme" 4.00 USD
      invoice: "INV-1"
    2024-01-20 custom "credit-memo" "M-3" "acme" 4.00 GBP
      order: "SO-1"
    2024-01-20 custom "credit-memo" "M-4" "acme" 0.00 GBP
    2024-01-20 custom "credit-memo" "M-5" "acme" 4.00 GBP
      invoice: "INV-9"
    """
    assert loaded.messages == [
        (
            8,
            'Credit memo "M-1": invoice "INV-1" belongs to customer "acme", not "bob"',
        ),
        (10, 'Credit memo "M-2": invoice "INV-1" is in GBP'),
        (
            12,
            'Credit memo "M-3": a memo is allocated to an invoice: use invoice metadata',
        ),
        (14, 'Credit memo "M-4": amount must be greater than zero, got 0.00 GBP'),
        (15, 'Credit memo "M-5": unknown invoice "INV-9"'),
    ]
    assert loaded.book.memos == {}
    assert [txn.narration for txn in loaded.transactions] == [
        "Invoice INV-1 for order SO-1"
    ]


# --------------------------------------------------------------------------
# Allocation: matching only, no money posted.

ALLOCATE_LEDGER = """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-06 custom "order" "SO-2" "acme"
    2024-01-06 custom "line" "SO-2" "GADGET" 1 20.00 GBP
    2024-01-06 custom "invoice" "SO-2" "INV-2"
    2024-01-10 custom "payment" "acme" 25.00 GBP "bank"
      id: "PAY-1"
"""


def test_allocate_matches_a_payment_to_invoices_without_posting():
    plain = load(ALLOCATE_LEDGER)
    loaded = load(
        ALLOCATE_LEDGER
        + """
    2024-01-12 custom "allocate" "PAY-1" "INV-2" 20.00 GBP
    2024-01-13 custom "allocate" "PAY-1" "INV-1" 5.00 GBP
    """
    )
    assert plain.messages == loaded.messages == []
    # The very same postings and balances with or without the allocations: each
    # is only a record without postings, linked to the money, the invoice and
    # its order.
    assert loaded.expand() == plain.expand() + "\n" + dedent("""
        2024-01-12 * "Acme Ltd" "Allocation of 20.00 GBP of PAY-1 to invoice INV-2 (order SO-2)" ^INV-2 ^PAY-1 ^SO-2
          customer: "acme"
          order: "SO-2"
          invoice: "INV-2"
          allocate: "PAY-1"

        2024-01-13 * "Acme Ltd" "Allocation of 5.00 GBP of PAY-1 to invoice INV-1 (order SO-1)" ^INV-1 ^PAY-1 ^SO-1
          customer: "acme"
          order: "SO-1"
          invoice: "INV-1"
          allocate: "PAY-1"
    """)  # noqa: E501
    assert loaded.balances() == plain.balances()
    expected = dedent("""
        2024-01-10 * "Acme Ltd" "Payment on account by bank" ^PAY-1
          customer: "acme"
          payment: "PAY-1"
          Assets:Clearing:Bank     25.00 GBP
          Assets:Receivable:Acme  -25.00 GBP
    """)
    assert plain.expand().endswith(expected)
    before, book = plain.book, loaded.book
    assert before.payments["PAY-1"].unallocated == D("25.00")
    assert [before.orders[o].outstanding for o in ("SO-1", "SO-2")] == [D(30), D(20)]
    payment = book.payments["PAY-1"]
    assert payment.unallocated == 0
    assert [(a.invoice, a.date, a.amount) for a in payment.allocations] == [
        ("INV-2", datetime.date(2024, 1, 12), D("20.00")),
        ("INV-1", datetime.date(2024, 1, 13), D("5.00")),
    ]
    assert book.invoices["INV-1"].open_amount == D("25.00")
    assert book.invoices["INV-2"].open_amount == 0
    so1, so2 = book.orders["SO-1"], book.orders["SO-2"]
    assert (so1.paid, so1.outstanding, so1.paid_status) == (5, 25, Status.PARTIAL)
    assert (so2.paid, so2.outstanding, so2.paid_status) == (20, 0, Status.FULL)
    assert book.customers["acme"].receivable["GBP"] == D("25.00")


@ledger()
def test_allocate_a_credit_order_left_over_on_a_paid_invoice(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-06 custom "payment" "INV-1" 30.00 GBP "bank"
    2024-01-06 custom "order" "SO-2" "acme"
    2024-01-06 custom "line" "SO-2" "GADGET" 1 20.00 GBP
    2024-01-06 custom "invoice" "SO-2" "INV-2"
    2024-01-10 custom "credit-order" "CO-1" "INV-1"
    2024-01-10 custom "credit-line" "CO-1" "WIDGET" "credit" 3 1.00 GBP
    2024-01-12 custom "allocate" "CO-1" "INV-2" 3.00 GBP
    """
    book = loaded.book
    # INV-1 was paid: the credit order allocates to it as far as it can (not at
    # all) and waits; SO-1 was overpaid by 3.00 until it moves to INV-2.
    settlement = book.settlements["CO-1"]
    assert [(a.invoice, a.date, a.amount) for a in settlement.allocations] == [
        ("INV-2", datetime.date(2024, 1, 12), D("3.00"))
    ]
    assert book.invoices["INV-1"].open_amount == 0
    assert book.invoices["INV-2"].open_amount == D("17.00")
    so1, so2 = book.orders["SO-1"], book.orders["SO-2"]
    assert (so1.paid, so1.credited, so1.outstanding) == (D(30), 0, 0)
    assert (so2.paid, so2.credited, so2.outstanding) == (0, D(3), D(17))
    assert loaded.balances()["Assets:Receivable:Acme"] == "17.00 GBP"


def test_credit_order_on_a_paid_invoice_leaves_the_order_in_credit():
    loaded = load("""
        plugin "beancount_orders.orders"
        2024-01-01 custom "customer" "acme" "Acme Ltd"
        2024-01-02 custom "order" "SO-1" "acme"
        2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
        2024-01-05 custom "invoice" "SO-1" "INV-1"
        2024-01-06 custom "payment" "INV-1" 30.00 GBP "bank"
        2024-01-10 custom "credit-order" "CO-1" "INV-1"
        2024-01-10 custom "credit-line" "CO-1" "WIDGET" "credit" 3 1.00 GBP
    """)
    assert loaded.messages == []
    book = loaded.book
    assert book.settlements["CO-1"].unallocated == D("3.00")
    assert book.orders["SO-1"].outstanding == D("-3.00")
    assert book.customers["acme"].receivable["GBP"] == D("-3.00")


@ledger()
def test_order_payment_goes_to_its_invoices_oldest_first(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 5 10.00 GBP
    2024-01-03 custom "payment" "SO-1" 5.00 GBP "bank"
      id: "PAY-0"
    2024-01-05 custom "invoice" "SO-1" "INV-1" "WIDGET" 2
    2024-01-10 custom "invoice" "SO-1" "INV-2"
    2024-01-15 custom "payment" "SO-1" 35.00 GBP "bank"
      id: "PAY-1"
    """
    book = loaded.book
    # PAY-0 came first and waited for INV-1; PAY-1 fills INV-1 (15.00 left) and
    # then INV-2.
    assert [(a.source, a.date, a.amount) for a in book.invoices["INV-1"].allocations] == [
        ("PAY-0", datetime.date(2024, 1, 5), D("5.00")),
        ("PAY-1", datetime.date(2024, 1, 15), D("15.00")),
    ]
    assert [(a.source, a.date, a.amount) for a in book.invoices["INV-2"].allocations] == [
        ("PAY-1", datetime.date(2024, 1, 15), D("20.00")),
    ]
    assert book.invoices["INV-2"].open_amount == D("10.00")
    assert book.orders["SO-1"].outstanding == D("10.00")


@ledger(expect_errors=True)
def test_allocate_errors(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "customer" "bob" "Bob's Bikes"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-06 custom "order" "SO-2" "bob"
    2024-01-06 custom "line" "SO-2" "WIDGET" 1 10.00 GBP
    2024-01-06 custom "invoice" "SO-2" "INV-2"
    2024-01-10 custom "credit-order" "CO-1" "INV-1"
      status: "OPEN"
    2024-01-10 custom "credit-line" "CO-1" "WIDGET" "credit" 1 1.00 GBP
    2024-01-13 custom "payment" "acme" 50.00 GBP "bank"
      id: "PAY-1"
    2024-01-13 custom "payment" "acme" 5.00 GBP "bank"
    2024-01-14 custom "credit" "CR-1" "acme" 5.00 GBP
    2024-01-14 custom "payment" "INV-1" 10.00 GBP "bank"
    2024-01-15 custom "allocate" "PAY-1" "INV-1" 60.00 GBP
    2024-01-15 custom "allocate" "PAY-1" "INV-1" 25.00 GBP
    2024-01-15 custom "allocate" "PAY-1" "INV-2" 5.00 GBP
    2024-01-15 custom "allocate" "PAY-9" "INV-1" 5.00 GBP
    2024-01-15 custom "allocate" "CR-1" "INV-1" 5.00 GBP
    2024-01-15 custom "allocate" "CO-1" "INV-1" 1.00 GBP
    2024-01-15 custom "allocate" "SO-1" "INV-1" 1.00 GBP
    2024-01-15 custom "allocate" "PAY-1" "INV-9" 1.00 GBP
    2024-01-15 custom "allocate" "PAY-1" "INV-1" 0.00 GBP
    2024-01-15 custom "allocate" "PAY-1" "INV-1" 1.00 USD
    2024-01-16 custom "allocate" "PAY-1" "INV-1" 20.00 GBP
    2024-01-17 custom "allocate" "PAY-1" "INV-1" 0.01 GBP
    """
    assert loaded.messages == [
        (
            19,
            'Allocation of "PAY-1" to invoice "INV-1": 60.00 GBP exceeds the unallocated '
            '50.00 GBP of "PAY-1"',
        ),
        (
            20,
            'Allocation of "PAY-1" to invoice "INV-1": 25.00 GBP exceeds the 20.00 GBP '
            "still open on the invoice",
        ),
        (
            21,
            'Allocation of "PAY-1" to invoice "INV-2": the invoice belongs to customer '
            '"bob", "PAY-1" to "acme"',
        ),
        (
            22,
            'Allocation of "PAY-9" to invoice "INV-1": unknown payment, credit order or '
            'memo "PAY-9" (give the payment an id metadata to allocate it)',
        ),
        (
            23,
            'Allocation of "CR-1" to invoice "INV-1": "CR-1" is a customer credit, which '
            'is not part of the receivable; use it with custom "payment" ... "credit"',
        ),
        (24, 'Allocation of "CO-1" to invoice "INV-1": credit order "CO-1" is not READY'),
        (
            25,
            'Allocation of "SO-1" to invoice "INV-1": "SO-1" is an order, not money '
            "received or credited",
        ),
        (26, 'Allocation of "PAY-1" to invoice "INV-9": unknown invoice "INV-9"'),
        (
            27,
            'Allocation of "PAY-1" to invoice "INV-1": amount must be greater than zero, '
            "got 0.00 GBP",
        ),
        (
            28,
            'Allocation of "PAY-1" to invoice "INV-1": 1.00 USD is not in the currency '
            "of both",
        ),
        (
            30,
            'Allocation of "PAY-1" to invoice "INV-1": 0.01 GBP exceeds the 0.00 GBP '
            "still open on the invoice",
        ),
    ]
    book = loaded.book
    payment = book.payments["PAY-1"]
    assert [(a.invoice, a.amount) for a in payment.allocations] == [("INV-1", D("20.00"))]
    assert payment.unallocated == D("30.00")
    assert book.invoices["INV-1"].open_amount == 0
    assert book.orders["SO-1"].outstanding == 0


# --------------------------------------------------------------------------
# Order status and outstanding with credits and memos.

STATUS_WITH_CREDITS = """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-10 custom "credit-order" "CO-1" "INV-1"
    2024-01-10 custom "credit-line" "CO-1" "WIDGET" "credit" 2 3.00 GBP
    2024-01-11 custom "credit-order" "CO-2" "INV-1"
      status: "APPROVED"
    2024-01-11 custom "credit-line" "CO-2" "WIDGET" "credit" 1 5.00 GBP
    2024-01-12 custom "credit-memo" "M-1" "acme" 3.00 GBP
      invoice: "INV-1"
    2024-01-13 custom "credit" "CR-1" "acme" 100.00 GBP
      order: "SO-1"
"""


@pytest.mark.parametrize(
    ("paid", "outstanding", "status"),
    [
        (None, D("25.80"), Status.PARTIAL),
        ("20.00", D("5.80"), Status.PARTIAL),
        ("25.80", D("0.00"), Status.FULL),
        ("30.00", D("-4.20"), Status.FULL),
    ],
)
def test_outstanding_and_paid_status_count_credit_orders_and_memos(
    paid, outstanding, status
):
    text = STATUS_WITH_CREDITS
    if paid:
        text += f'    2024-01-20 custom "payment" "SO-1" {paid} GBP "bank"\n'
    loaded = load(text)
    assert loaded.messages == []
    order = loaded.book.orders["SO-1"]
    # Invoiced 36.00; CO-1 2 x 3.00 + 20% = 7.20; M-1 3.00; CO-2 is not READY
    # and the customer credit CR-1 is not part of the receivable.
    assert (order.invoiced, order.credited) == (D("36.00"), D("10.20"))
    assert order.outstanding == outstanding
    assert order.paid_status is status
    assert order.is_open  # never dispatched
    assert loaded.book.invoices["INV-1"].open_amount == max(outstanding, D(0))
    receivable = loaded.balances().get("Assets:Receivable:Acme", "0.00 GBP")
    assert receivable == f"{outstanding} GBP"
