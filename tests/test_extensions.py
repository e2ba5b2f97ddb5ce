"""Two additions to the order language beyond the SPEC.

- ``stock: FALSE`` on an item's ``commodity`` directive: a service or other
  non-stock item (delivery, installation, a download), invoiced like any item
  but never dispatched (docs/stock.md, "Services and other non-stock items").
- ``refund`` with ``from: "receivable"``: pays back money received beyond what
  is owed, Dr receivable / Cr the method's account (docs/credits.md, "Paying
  back an overpayment"). The default, ``from: "credit"``, is the SPEC's refund
  of customer credit.

Line numbers in the ledgers count from the line after the opening quotes: the
``plugin`` line is line 2.
"""

from __future__ import annotations

import datetime
from decimal import Decimal as D

from beancount_orders.book import Status
from beancount_orders.book.model import still_open
from beancount_orders.reports.ageing import aged_receivables
from beancount_orders.reports.margin import margin_report
from beancount_orders.reports.orders import orders_report
from tests.helpers import dedent
from tests.helpers import ledger
from tests.helpers import load

# --------------------------------------------------------------------------
# Non-stock items: stock: FALSE


@ledger()
def test_a_dispatch_skips_the_non_stock_lines(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Inventory:Main "FIFO"
    2024-01-01 commodity DELIVERY
      name: "Next-day delivery"
      tax: 0.20
      stock: FALSE
      income: "Income:Sales:Delivery"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 5 4.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 10.00 GBP
      tax: 0.20
    2024-01-02 custom "line" "SO-1" "DELIVERY" 1 5.00 GBP
    2024-01-03 custom "invoice" "SO-1" "INV-1"
    2024-01-04 custom "dispatch" "SO-1"
    """
    assert loaded.expand() == dedent("""
        2024-01-01 * "Supplies Co" "Receipt PO-1: 5 WIDGET into Main" ^PO-1
          po: "PO-1"
          supplier: "Supplies Co"
          item: "WIDGET"
          Assets:Inventory:Main                 5 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
          Liabilities:Payable:Supplies-Co  -20.00 GBP

        2024-01-03 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   30.00 GBP
          Income:Sales            -20.00 GBP
            item: "WIDGET"
          Income:Sales:Delivery    -5.00 GBP
            item: "DELIVERY"
          Liabilities:SalesTax     -5.00 GBP
            rate: 0.20

        2024-01-04 * "Acme Ltd" "Dispatch for order SO-1" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Inventory:Main    -2 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
          Expenses:COGS          8.00 GBP
            item: "WIDGET"
    """)
    book = loaded.book
    order = book.orders["SO-1"]
    widget, delivery = order.lines
    assert (widget.stocked, widget.dispatched, widget.cost) == (True, 2, D("8.00"))
    assert (delivery.stocked, delivery.invoiced, delivery.dispatched) == (False, 1, 0)
    assert delivery.cost == 0
    # The dispatch recorded the widgets only.
    (dispatch,) = book.dispatches
    assert [(line.item, line.qty) for line in dispatch.lines] == [("WIDGET", 2)]
    # Dispatched counts the stock lines only: the order is fully dispatched.
    assert order.ships
    assert order.dispatched_status is Status.FULL
    assert order.invoiced_status is Status.FULL
    assert order.is_open  # still to be paid
    # A non-stock item has no stock position.
    assert {row.item for row in book.stock_positions()} == {"WIDGET"}


@ledger()
def test_the_dispatched_axis_counts_stock_lines_only(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Inventory:Main "FIFO"
    2024-01-01 commodity INSTALL
      stock: FALSE
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 10 4.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 4 10.00 GBP
    2024-01-02 custom "line" "SO-1" "INSTALL" 10 40.00 GBP
    2024-01-03 custom "dispatch" "SO-1" "WIDGET" 1
    """
    order = loaded.book.orders["SO-1"]
    # 1 of the 4 widgets: partial, whatever the 10 hours of installation.
    assert order.dispatched_status is Status.PARTIAL
    later = load("""
        plugin "beancount_orders.orders"
        2024-01-01 open Assets:Inventory:Main "FIFO"
        2024-01-01 commodity INSTALL
          stock: FALSE
        2024-01-01 custom "customer" "acme" "Acme Ltd"
        2024-01-01 custom "stock-in" "PO-1" "WIDGET" 10 4.00 GBP
          supplier: "Supplies Co"
        2024-01-02 custom "order" "SO-1" "acme"
        2024-01-02 custom "line" "SO-1" "WIDGET" 4 10.00 GBP
        2024-01-02 custom "line" "SO-1" "INSTALL" 10 40.00 GBP
        2024-01-03 custom "dispatch" "SO-1" "WIDGET" 1
        2024-01-04 custom "dispatch" "SO-1"
        2024-01-05 custom "invoice" "SO-1" "INV-1"
        2024-01-06 custom "payment" "INV-1" 440.00 GBP "bank"
    """)
    assert later.errors == []
    order = later.book.orders["SO-1"]
    assert [(line.item, line.dispatched) for line in order.lines] == [
        ("WIDGET", 4),
        ("INSTALL", 0),
    ]
    assert (order.dispatched_status, order.invoiced_status, order.paid_status) == (
        Status.FULL,
        Status.FULL,
        Status.FULL,
    )
    assert not order.is_open


@ledger()
def test_an_order_of_services_only_closes_when_invoiced_and_paid(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 commodity INSTALL
      name: "Installation, per hour"
      stock: FALSE
      income: "Income:Services"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-10 custom "order" "SO-1" "acme"
    2024-01-10 custom "line" "SO-1" "INSTALL" 3 40.00 GBP
    2024-01-10 custom "order" "SO-2" "acme"
    2024-01-10 custom "line" "SO-2" "INSTALL" 1 40.00 GBP
    2024-01-12 custom "invoice" "SO-1" "INV-1"
    2024-01-12 custom "invoice" "SO-2" "INV-2"
    2024-01-20 custom "payment" "INV-1" 120.00 GBP "bank"
    """
    assert loaded.expand() == dedent("""
        2024-01-12 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   120.00 GBP
          Income:Services         -120.00 GBP
            item: "INSTALL"

        2024-01-12 * "Acme Ltd" "Invoice INV-2 for order SO-2" ^INV-2 ^SO-2
          order: "SO-2"
          customer: "acme"
          invoice: "INV-2"
          Assets:Receivable:Acme   40.00 GBP
          Income:Services         -40.00 GBP
            item: "INSTALL"

        2024-01-20 * "Acme Ltd" "Payment for invoice INV-1 (order SO-1) by bank" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Clearing:Bank     120.00 GBP
          Assets:Receivable:Acme  -120.00 GBP
    """)  # noqa: E501
    book = loaded.book
    paid, unpaid = book.orders["SO-1"], book.orders["SO-2"]
    for order in (paid, unpaid):
        assert not order.ships
        # Nothing to dispatch: the axis stays none and does not keep it open.
        assert order.dispatched_status is Status.NONE
        assert order.invoiced_status is Status.FULL
    assert (paid.paid_status, paid.outstanding, paid.is_open) == (
        Status.FULL,
        D("0.00"),
        False,
    )
    assert (unpaid.paid_status, unpaid.outstanding, unpaid.is_open) == (
        Status.NONE,
        D("40.00"),
        True,
    )
    # The orders report says the same.
    rows = {row.id: row for row in orders_report(book)}
    assert (rows["SO-1"].state, rows["SO-2"].state) == ("closed", "open")
    # Revenue without cost of goods.
    margin = {row.key: row for row in margin_report(book).rows}
    assert (margin["SO-1"].revenue, margin["SO-1"].cogs, margin["SO-1"].margin) == (
        D("120.00"),
        0,
        D("120.00"),
    )
    assert book.stock_positions() == []


def test_still_open_without_anything_to_ship() -> None:
    """The rule behind Order.is_open, with and without stock lines."""
    full, none = Status.FULL, Status.NONE
    assert still_open(False, full, none, D(0), ships=True)  # goods not gone yet
    assert not still_open(False, full, none, D(0), ships=False)  # services only
    assert still_open(False, full, none, D(1), ships=False)  # not paid
    assert still_open(False, none, none, D(0), ships=False)  # not invoiced
    assert not still_open(False, full, full, D(0))  # ships by default


@ledger(expect_errors=True)
def test_naming_a_non_stock_item_in_a_dispatch_is_an_error(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 commodity DELIVERY
      stock: FALSE
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 5 4.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 10.00 GBP
    2024-01-02 custom "line" "SO-1" "DELIVERY" 1 5.00 GBP
    2024-01-03 custom "dispatch" "SO-1" "DELIVERY" 1
    2024-01-03 custom "dispatch" "SO-1" "WIDGET" 1 "DELIVERY" 1
    2024-01-04 custom "order" "SO-2" "acme"
    2024-01-04 custom "line" "SO-2" "DELIVERY" 1 5.00 GBP
    2024-01-05 custom "dispatch" "SO-2"
    2024-01-06 custom "return" "R-1" "SO-1" "DELIVERY" 1
    """
    message = (
        'Dispatch for order "SO-1": DELIVERY is not a stock item (stock: FALSE on its '
        "commodity); it is never dispatched"
    )
    assert loaded.messages == [
        (11, message),
        (12, message),
        (15, 'Nothing left to dispatch on order "SO-2"'),
        (16, 'Return "R-1" of order "SO-1": no DELIVERY was dispatched on order "SO-1"'),
    ]
    # A dispatch naming a non-stock item is rejected whole: no widget left.
    assert loaded.book.dispatches == []
    assert [line.dispatched for line in loaded.book.orders["SO-1"].lines] == [0, 0]
    assert loaded.transactions[1:] == []  # only the receipt


@ledger(expect_errors=True)
def test_stock_must_be_a_boolean(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 commodity GIFTWRAP
      stock: "no"
    2024-01-01 commodity DOWNLOAD
      stock: 0
    2024-01-01 commodity WIDGET
      stock: TRUE
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "GIFTWRAP" 1 2.00 GBP
    2024-01-02 custom "line" "SO-1" "DOWNLOAD" 1 9.00 GBP
    2024-01-02 custom "line" "SO-1" "WIDGET" 1 10.00 GBP
    """
    # Reported at each line of the item, naming its commodity; the line is rejected.
    assert loaded.messages == [
        (
            11,
            "Commodity GIFTWRAP: stock must be TRUE or FALSE (FALSE: a service or other "
            'item that is never dispatched), got "no"',
        ),
        (
            12,
            "Commodity DOWNLOAD: stock must be TRUE or FALSE (FALSE: a service or other "
            "item that is never dispatched), got 0",
        ),
    ]
    (line,) = loaded.book.orders["SO-1"].lines
    assert (line.item, line.stocked) == ("WIDGET", True)


@ledger()
def test_a_service_is_credited_with_a_credit_line(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 commodity INSTALL
      stock: FALSE
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "INSTALL" 3 40.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-10 custom "credit-order" "CO-1" "INV-1"
      reason: "One hour less than invoiced"
    2024-01-10 custom "credit-line" "CO-1" "INSTALL" "credit" 1 40.00 GBP
    """
    assert loaded.expand().endswith(
        "\n"
        + dedent("""
        2024-01-10 * "Acme Ltd" "Credit order CO-1 against invoice INV-1" ^CO-1 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          credit-order: "CO-1"
          reason: "One hour less than invoiced"
          Income:Sales:Returns     40.00 GBP
            item: "INSTALL"
            type: "credit"
          Liabilities:SalesTax      8.00 GBP
            rate: 0.20
          Assets:Receivable:Acme  -48.00 GBP
        """)
    )
    order = loaded.book.orders["SO-1"]
    assert (order.invoiced, order.credited, order.outstanding) == (
        D("144.00"),
        D("48.00"),
        D("96.00"),
    )


# --------------------------------------------------------------------------
# Refunds of money received beyond what is owed: from: "receivable"

# An invoice of 2 WIDGET at 10.00 GBP, paid 25.00 GBP by bank transfer.
OVERPAID = dedent("""
    2024-01-05 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
      order: "SO-1"
      customer: "acme"
      invoice: "INV-1"
      Assets:Receivable:Acme   20.00 GBP
      Income:Sales            -20.00 GBP
        item: "WIDGET"

    2024-01-10 * "Acme Ltd" "Payment for invoice INV-1 (order SO-1) by Assets:Bank:Current" ^INV-1 ^SO-1
      order: "SO-1"
      customer: "acme"
      invoice: "INV-1"
      Assets:Bank:Current      25.00 GBP
      Assets:Receivable:Acme  -25.00 GBP
""")  # noqa: E501


@ledger()
def test_refund_of_an_overpayment_against_its_order(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Bank:Current
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-10 custom "payment" "INV-1" 25.00 GBP Assets:Bank:Current
    2024-01-12 custom "refund" "acme" 5.00 GBP Assets:Bank:Current
      from: "receivable"
      order: "SO-1"
    """
    assert loaded.expand() == OVERPAID + "\n" + dedent("""
        2024-01-12 * "Acme Ltd" "Refund of money paid beyond what is owed, by Assets:Bank:Current" ^REFUND-20240112-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          refund: "REFUND-20240112-1"
          Assets:Receivable:Acme   5.00 GBP
          Assets:Bank:Current     -5.00 GBP
    """)  # noqa: E501
    (refund,) = loaded.transactions[2:]
    assert (refund.meta["filename"], refund.meta["lineno"]) == ("<string>", 9)
    book = loaded.book
    order = book.orders["SO-1"]
    # Paid 25.00 - 5.00 = 20.00: outstanding back from -5.00 to 0.
    assert (order.paid, order.outstanding, order.paid_status) == (
        D("20.00"),
        D("0.00"),
        Status.FULL,
    )
    assert order.is_open  # the widgets are still to be dispatched
    acme = book.customers["acme"]
    assert (acme.receivable["GBP"], acme.credit.get("GBP", 0)) == (D("0.00"), 0)
    assert loaded.balances() == {
        "Assets:Bank:Current": "20.00 GBP",
        "Income:Sales": "-20.00 GBP",
    }
    (record,) = book.refunds
    assert (record.customer, record.date, record.amount, record.currency) == (
        "acme",
        datetime.date(2024, 1, 12),
        D("5.00"),
        "GBP",
    )
    assert (record.account, record.meta["from"]) == ("Assets:Bank:Current", "receivable")


@ledger()
def test_refund_pays_back_a_credit_order_of_the_same_day_written_after_it(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Bank:Current
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-10 custom "payment" "INV-1" 20.00 GBP Assets:Bank:Current
    2024-01-12 custom "refund" "acme" 20.00 GBP Assets:Bank:Current
      from: "receivable"
      order: "SO-1"
    2024-01-12 custom "credit-order" "CO-1" "INV-1"
      full: TRUE
    """
    # Within a day a refund applies after the credit orders, whatever the
    # ledger's order: the credit order is what puts the money back on the
    # receivable, and the refund pays it out.
    assert loaded.expand().split("\n\n")[2:] == [
        dedent("""
            2024-01-12 * "Acme Ltd" "Credit order CO-1 against invoice INV-1" ^CO-1 ^INV-1 ^SO-1
              order: "SO-1"
              customer: "acme"
              invoice: "INV-1"
              credit-order: "CO-1"
              Income:Sales:Returns     20.00 GBP
                item: "WIDGET"
                type: "credit"
              Assets:Receivable:Acme  -20.00 GBP
        """).strip(),  # noqa: E501
        dedent("""
            2024-01-12 * "Acme Ltd" "Refund of money paid beyond what is owed, by Assets:Bank:Current" ^REFUND-20240112-1 ^SO-1
              order: "SO-1"
              customer: "acme"
              refund: "REFUND-20240112-1"
              Assets:Receivable:Acme   20.00 GBP
              Assets:Bank:Current     -20.00 GBP
        """),  # noqa: E501
    ]
    order = loaded.book.orders["SO-1"]
    assert (order.paid, order.credited, order.outstanding) == (
        D("0.00"),
        D("20.00"),
        D("0.00"),
    )
    assert loaded.balances() == {
        "Income:Sales": "-20.00 GBP",
        "Income:Sales:Returns": "20.00 GBP",
    }


@ledger()
def test_refund_from_receivable_without_an_order(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Bank:Current
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-10 custom "payment" "INV-1" 25.00 GBP Assets:Bank:Current
    2024-01-12 custom "refund" "acme" 3.00 GBP "bank"
      from: "receivable"
    """
    assert loaded.expand() == OVERPAID + "\n" + dedent("""
        2024-01-12 * "Acme Ltd" "Refund of money paid beyond what is owed, by bank" ^REFUND-20240112-1
          customer: "acme"
          refund: "REFUND-20240112-1"
          Assets:Receivable:Acme   3.00 GBP
          Assets:Clearing:Bank    -3.00 GBP
    """)  # noqa: E501
    book = loaded.book
    # Part of the 5.00 overpaid is paid back: it came out of the order's payment,
    # so the order is overpaid by what is left (and cannot be refunded twice).
    assert book.orders["SO-1"].outstanding == D("-2.00")
    assert book.payments[next(iter(book.payments))].unallocated == D("2.00")
    assert book.customers["acme"].receivable["GBP"] == D("-2.00")
    assert loaded.balances()["Assets:Receivable:Acme"] == "-2.00 GBP"


@ledger()
def test_refund_after_a_credit_order_on_a_paid_invoice(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-06 custom "payment" "INV-1" 36.00 GBP "card"
    2024-01-20 custom "credit-order" "CO-1" "INV-1"
    2024-01-20 custom "credit-line" "CO-1" "WIDGET" "credit" 1 10.00 GBP
    2024-01-25 custom "refund" "acme" 12.00 GBP "card"
      from: "receivable"
      order: "SO-1"
    """
    assert loaded.expand().endswith(
        "\n"
        + dedent("""
        2024-01-25 * "Acme Ltd" "Refund of money paid beyond what is owed, by card" ^REFUND-20240125-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          refund: "REFUND-20240125-1"
          Assets:Receivable:Acme   12.00 GBP
          Assets:Clearing:Card    -12.00 GBP
        """)  # noqa: E501
    )
    order = loaded.book.orders["SO-1"]
    # 36.00 invoiced = 24.00 paid (36.00 - 12.00) + 12.00 credited.
    assert (order.invoiced, order.paid, order.credited, order.outstanding) == (
        D("36.00"),
        D("24.00"),
        D("12.00"),
        D("0.00"),
    )
    assert order.paid_status is Status.FULL
    assert loaded.book.customers["acme"].receivable["GBP"] == D("0.00")


@ledger()
def test_ageing_shows_a_refund_as_unallocated(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-10 custom "payment" "INV-1" 25.00 GBP "bank"
      id: "PAY-1"
    2024-02-20 custom "refund" "acme" 5.00 GBP "bank"
      from: "receivable"
      order: "SO-1"
    2024-02-22 custom "order" "SO-2" "acme"
    2024-02-22 custom "line" "SO-2" "WIDGET" 1 10.00 GBP
    2024-02-25 custom "invoice" "SO-2" "INV-2"
    """
    report = aged_receivables(loaded.book, datetime.date(2024, 2, 29))
    (row,) = report.rows
    items = [(item.kind, item.order, item.date, item.amount) for item in row.items]
    assert items == [
        ("payment", "SO-1", datetime.date(2024, 1, 10), D("-5.00")),  # PAY-1, overpaid
        ("refund", "SO-1", datetime.date(2024, 2, 20), D("5.00")),
        ("invoice", "SO-2", datetime.date(2024, 2, 25), D("10.00")),  # INV-2
    ]
    refund = row.items[1]
    assert (refund.age, report.labels[refund.bucket]) == (9, "1-30")
    assert refund.meta["lineno"] == 9
    # It adds up to the receivable account: 10.00 open, -5.00 + 5.00 unallocated.
    assert (row.invoiced_open, row.unallocated_total, row.total) == (
        D("10.00"),
        D("0.00"),
        D("10.00"),
    )
    assert row.total == loaded.book.customers["acme"].receivable["GBP"]
    # The day before the refund, only the overpayment was there: we owed 5.00.
    (before,) = aged_receivables(loaded.book, datetime.date(2024, 2, 19)).rows
    assert [item.kind for item in before.items] == ["payment"]
    assert (before.unallocated_total, before.total) == (D("-5.00"), D("-5.00"))


@ledger(expect_errors=True)
def test_refund_from_receivable_errors(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "customer" "bob" "Bob's Bikes"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 10.00 GBP
    2024-01-02 custom "order" "SO-2" "bob"
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-10 custom "payment" "INV-1" 25.00 GBP "bank"
    2024-01-12 custom "refund" "acme" 6.00 GBP "bank"
      from: "receivable"
    2024-01-12 custom "refund" "acme" 5.00 GBP "bank"
      from: "overpayment"
    2024-01-12 custom "refund" "acme" 5.00 GBP "bank"
      from: TRUE
    2024-01-12 custom "refund" "acme" 5.00 GBP "bank"
      from: "receivable"
      order: "SO-2"
    2024-01-12 custom "refund" "acme" 5.00 GBP "bank"
      from: "receivable"
      order: "SO-9"
    2024-01-12 custom "refund" "acme" 5.00 GBP "credit"
      from: "receivable"
    2024-01-13 custom "refund" "acme" 5.00 USD "bank"
      from: "receivable"
    2024-01-13 custom "refund" "bob" 1.00 GBP "bank"
      from: "receivable"
    """
    what = 'Refund to customer "acme"'
    bad_from = (
        f'{what}: from must be "credit" (the customer credit balance, the default) or '
        '"receivable" (money paid beyond what is owed), got '
    )
    assert loaded.messages == [
        (
            10,
            f"{what}: 6.00 GBP exceeds what we owe the customer on their receivable "
            "(5.00 GBP)",
        ),
        (12, bad_from + '"overpayment"'),
        (14, bad_from + "TRUE"),
        (16, f'{what}: order "SO-2" belongs to customer "bob"'),
        (19, f'{what}: unknown order "SO-9"'),
        (22, f'{what}: a refund pays credit out; "credit" is not a way to pay it'),
        (
            24,
            f"{what}: 5.00 USD exceeds what we owe the customer on their receivable "
            "(0 USD)",
        ),
        (
            26,
            'Refund to customer "bob": 1.00 GBP exceeds what we owe the customer on '
            "their receivable (0 GBP)",
        ),
    ]
    # Nothing was refunded: the 5.00 overpaid is still owed.
    assert loaded.book.refunds == []
    assert loaded.book.customers["acme"].receivable["GBP"] == D("-5.00")
    assert loaded.book.orders["SO-1"].outstanding == D("-5.00")


@ledger(expect_errors=True)
def test_the_default_refund_pays_out_customer_credit_only(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-10 custom "payment" "INV-1" 25.00 GBP "bank"
    2024-01-11 custom "credit" "CR-1" "acme" 4.00 GBP
    2024-01-12 custom "refund" "acme" 5.00 GBP "bank"
    2024-01-13 custom "refund" "acme" 4.00 GBP "bank"
      from: "credit"
    """
    # The 5.00 overpaid is on the receivable, not customer credit: from "credit"
    # (the default) can only pay out the 4.00 of CR-1.
    assert loaded.messages == [
        (
            9,
            'Refund to customer "acme": 5.00 GBP exceeds the credit balance of '
            'customer "acme" (4.00 GBP)',
        ),
    ]
    assert loaded.expand().endswith(
        "\n"
        + dedent("""
        2024-01-13 * "Acme Ltd" "Refund of customer credit by bank" ^REFUND-20240113-1
          customer: "acme"
          refund: "REFUND-20240113-1"
          Liabilities:CustomerCredit:Acme   4.00 GBP
          Assets:Clearing:Bank             -4.00 GBP
        """)
    )
    acme = loaded.book.customers["acme"]
    assert (acme.receivable["GBP"], acme.credit["GBP"]) == (D("-5.00"), D("0.00"))


@ledger(expect_errors=True)
def test_non_stock_items_are_never_committed_or_received(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 commodity GIFTWRAP
      stock: FALSE
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "GIFTWRAP" 1 2.00 GBP
    2024-01-03 custom "commit" "SO-1" "GIFTWRAP" 1
    2024-01-03 custom "stock-in" "PO-1" "GIFTWRAP" 10 0.50 GBP
      supplier: "wraps"
    2024-01-04 custom "commit" "SO-1"
    """
    assert loaded.messages == [
        (
            8,
            'Commit for order "SO-1": GIFTWRAP is not a stock item (stock: FALSE on its '
            "commodity); it is never committed",
        ),
        (
            9,
            'Stock-in "PO-1": GIFTWRAP is not a stock item (stock: FALSE on its '
            "commodity); it is never received into stock",
        ),
        (11, 'Nothing left to commit on order "SO-1"'),
    ]
    assert loaded.book.orders["SO-1"].committed_status.value == "none"
    assert loaded.book.stock_positions() == []


@ledger(expect_errors=True)
def test_refund_for_an_order_only_what_it_was_overpaid(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 1 10.00 GBP
    2024-01-03 custom "invoice" "SO-1" "INV-1"
    2024-01-04 custom "payment" "SO-1" 15.00 GBP "card"
    2024-01-04 custom "payment" "acme" 10.00 GBP "card"
    2024-01-05 custom "refund" "acme" 6.00 GBP "card"
      from: "receivable"
      order: "SO-1"
    2024-01-05 custom "refund" "acme" 5.00 GBP "card"
      from: "receivable"
      order: "SO-1"
    """
    assert loaded.messages == [
        (
            9,
            'Refund to customer "acme": 6.00 GBP exceeds what order "SO-1" was overpaid '
            "(5.00 GBP)",
        ),
    ]
    order = loaded.book.orders["SO-1"]
    assert (order.paid, order.outstanding) == (D("10.00"), D("0.00"))
    assert loaded.balances()["Assets:Receivable:Acme"] == "-10.00 GBP"
