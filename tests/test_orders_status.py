"""Customers, orders, lines, commit and cancel; status axes and balances.

Line numbers in the ledgers count from the line after the opening quotes: the
``plugin`` line is line 2.
"""

from __future__ import annotations

import datetime
from decimal import Decimal as D

from beancount.core.amount import Amount

from beancount_orders.book import Status
from beancount_orders.book.model import Order
from beancount_orders.book.model import OrderLine
from tests.helpers import dedent
from tests.helpers import ledger


@ledger()
def test_customer_account_is_derived_from_the_id(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme ltd" "Acme Ltd"
    2024-01-01 custom "customer" "o'brien & sons" "O'Brien & Sons"
    2024-01-01 custom "customer" "3m" "3M"
    2024-01-01 custom "customer" "Zed" "Zed"
    2024-01-02 custom "order" "SO-1" "acme ltd"
    2024-01-02 custom "line" "SO-1" "WIDGET" 1 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    """
    accounts = {key: c.account for key, c in loaded.book.customers.items()}
    assert accounts == {
        "acme ltd": "Acme-ltd",
        "o'brien & sons": "O-brien---sons",
        "3m": "3m",
        "Zed": "Zed",
    }
    assert loaded.expand() == dedent("""
        2024-01-05 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme ltd"
          invoice: "INV-1"
          Assets:Receivable:Acme-ltd   10.00 GBP
          Income:Sales                -10.00 GBP
            item: "WIDGET"
    """)


@ledger()
def test_customer_explicit_account(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme ltd" "Acme Ltd"
      account: "AcmeLtd"
    2024-01-02 custom "order" "SO-1" "acme ltd"
    2024-01-02 custom "line" "SO-1" "WIDGET" 1 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-06 custom "payment" "acme ltd" 4.00 GBP "card"
    """
    assert loaded.book.customers["acme ltd"].account == "AcmeLtd"
    assert loaded.balances()["Assets:Receivable:AcmeLtd"] == "6.00 GBP"
    assert not any("Acme-ltd" in account for account in loaded.balances())


@ledger()
def test_customer_master_data(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
      terms: 30
      credit-limit: 5000.00 GBP
    2024-01-01 custom "customer" "bob" "Bob's Bikes"
    """
    acme, bob = loaded.book.customers["acme"], loaded.book.customers["bob"]
    assert (acme.id, acme.name, acme.account) == ("acme", "Acme Ltd", "Acme")
    assert acme.terms == 30
    assert acme.credit_limit == Amount(D("5000.00"), "GBP")
    assert (bob.name, bob.terms, bob.credit_limit) == ("Bob's Bikes", None, None)
    assert loaded.generated == []


@ledger()
def test_customer_redeclaration_updates_name_and_terms(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
      terms: 30
      credit-limit: 5000.00 GBP
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1" "WIDGET" 1
    2024-02-01 custom "customer" "acme" "Acme Limited"
      terms: 45
    2024-02-02 custom "invoice" "SO-1" "INV-2"
    2024-02-10 custom "customer" "acme" "Acme Limited"
    """
    assert loaded.expand() == dedent("""
        2024-01-05 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   10.00 GBP
          Income:Sales            -10.00 GBP
            item: "WIDGET"

        2024-02-02 * "Acme Limited" "Invoice INV-2 for order SO-1" ^INV-2 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-2"
          Assets:Receivable:Acme   10.00 GBP
          Income:Sales            -10.00 GBP
            item: "WIDGET"
    """)
    book = loaded.book
    assert book.invoices["INV-1"].due == datetime.date(2024, 2, 4)  # 30 days
    assert book.invoices["INV-2"].due == datetime.date(2024, 3, 18)  # 45 days, leap year
    acme = book.customers["acme"]
    assert acme.name == "Acme Limited"
    assert acme.terms == 45  # the last declaration gave no terms: kept
    assert acme.credit_limit == Amount(D("5000.00"), "GBP")
    assert len(book.customers) == 1


@ledger()
def test_customer_redeclaration_may_repeat_its_explicit_account(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
      account: "AcmeLtd"
    2024-02-01 custom "customer" "acme" "Acme Limited"
      account: "AcmeLtd"
    """
    acme = loaded.book.customers["acme"]
    assert (acme.name, acme.account) == ("Acme Limited", "AcmeLtd")


@ledger()
def test_order_metadata(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
      po: "PO-778"
      rep: "jane"
      source: "shopify"
      terms: 14
      location: "Leeds"
    2024-01-03 custom "order" "SO-2" "acme"
    """
    book = loaded.book
    order = book.orders["SO-1"]
    assert (order.customer, order.date) == ("acme", datetime.date(2024, 1, 2))
    assert (order.po, order.rep, order.source, order.terms, order.location) == (
        "PO-778",
        "jane",
        "shopify",
        14,
        "Leeds",
    )
    bare = book.orders["SO-2"]
    assert (bare.po, bare.rep, bare.source, bare.terms, bare.location) == (None,) * 5
    assert book.customers["acme"].orders == ["SO-1", "SO-2"]
    assert book.documents == {"SO-1": "order", "SO-2": "order"}
    assert loaded.generated == []  # an order posts nothing


@ledger()
def test_order_lines(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 9.99 GBP
      tax: 0.20
      description: "Blue widget"
    2024-01-03 custom "line" "SO-1" "GADGET" 1.5 4.00 GBP
    """
    order = loaded.book.orders["SO-1"]
    assert order.currency == "GBP"
    assert [
        (
            line.number,
            line.item,
            line.qty,
            line.price,
            line.currency,
            line.tax_rate,
            line.income,
            line.description,
        )
        for line in order.lines
    ] == [
        (1, "WIDGET", D(3), D("9.99"), "GBP", D("0.20"), "Income:Sales", "Blue widget"),
        (2, "GADGET", D("1.5"), D("4.00"), "GBP", D(0), "Income:Sales", None),
    ]
    assert order.total == D("35.97")  # 29.97 + 6.00, net of tax
    assert loaded.generated == []  # lines post nothing


@ledger()
def test_order_total_rounds_each_line_to_money(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "PIN" 1 0.125 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    """
    # The invoice bills 0.13 (0.125 rounded half-up); the order's value agrees.
    assert loaded.book.invoices["INV-1"].net == D("0.13")
    assert loaded.book.orders["SO-1"].total == D("0.13")


@ledger()
def test_order_total_is_net_when_prices_include_tax(loaded):
    """
    plugin "beancount_orders.orders" "{'prices_include_tax': True}"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 1 12.00 GBP
      tax: 0.20
    """
    # 12.00 including 20% tax is 10.00 net.
    assert loaded.book.orders["SO-1"].total == D("10.00")


@ledger()
def test_commit_axis(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 5 10.00 GBP
    2024-01-02 custom "line" "SO-1" "GADGET" 2 5.00 GBP
    2024-01-02 custom "order" "SO-2" "acme"
    2024-01-02 custom "line" "SO-2" "WIDGET" 5 10.00 GBP
    2024-01-02 custom "line" "SO-2" "GADGET" 2 5.00 GBP
    2024-01-02 custom "order" "SO-3" "acme"
    2024-01-02 custom "line" "SO-3" "WIDGET" 5 10.00 GBP
    2024-01-03 custom "commit" "SO-1" "WIDGET" 2
    2024-01-03 custom "commit" "SO-2" "WIDGET" 2
    2024-01-04 custom "commit" "SO-2"
    """
    book = loaded.book
    assert [line.committed for line in book.orders["SO-1"].lines] == [D(2), D(0)]
    assert [line.committed for line in book.orders["SO-2"].lines] == [D(5), D(2)]
    assert book.orders["SO-1"].committed_status is Status.PARTIAL
    assert book.orders["SO-2"].committed_status is Status.FULL
    assert book.orders["SO-3"].committed_status is Status.NONE
    assert loaded.generated == []  # commit posts nothing


@ledger()
def test_cancel_part_of_a_line_by_pairs(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 5 10.00 GBP
    2024-01-03 custom "cancel" "SO-1" "WIDGET" 2
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    """
    assert loaded.expand() == dedent("""
        2024-01-05 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   30.00 GBP
          Income:Sales            -30.00 GBP
            item: "WIDGET"
    """)
    order = loaded.book.orders["SO-1"]
    (line,) = order.lines
    assert (line.qty, line.cancelled, line.open_qty) == (D(5), D(2), D(3))
    assert line.invoiced == D(3)
    assert order.total == D("30.00")
    assert order.invoiced_status is Status.FULL
    assert not order.cancelled


@ledger()
def test_cancel_spreads_over_lines_of_one_item_in_order(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 10.00 GBP
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 12.00 GBP
    2024-01-03 custom "cancel" "SO-1" "WIDGET" 3
    """
    order = loaded.book.orders["SO-1"]
    assert [line.cancelled for line in order.lines] == [D(2), D(1)]
    assert order.total == D("24.00")


@ledger()
def test_cancel_without_pairs_cancels_everything_still_open(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 5 10.00 GBP
    2024-01-02 custom "line" "SO-1" "GADGET" 2 7.50 GBP
    2024-01-04 custom "invoice" "SO-1" "INV-1" "WIDGET" 2
    2024-01-05 custom "cancel" "SO-1"
    2024-01-02 custom "order" "SO-2" "acme"
    2024-01-02 custom "line" "SO-2" "WIDGET" 5 10.00 GBP
    2024-01-03 custom "commit" "SO-2"
    2024-01-05 custom "cancel" "SO-2"
    """
    book = loaded.book
    order = book.orders["SO-1"]
    # The two invoiced WIDGETs stay; the rest of both lines goes.
    assert [line.cancelled for line in order.lines] == [D(3), D(2)]
    assert [line.open_qty for line in order.lines] == [D(2), D(0)]
    assert order.total == D("20.00")
    assert order.invoiced_status is Status.FULL
    assert not order.cancelled
    assert order.is_open  # still to be paid and dispatched
    whole = book.orders["SO-2"]
    assert whole.cancelled
    assert whole.lines[0].committed == D(0)  # cancelling releases the stock
    assert whole.total == D(0)
    assert (whole.committed_status, whole.invoiced_status, whole.paid_status) == (
        Status.NONE,
        Status.NONE,
        Status.NONE,
    )
    assert not whole.is_open


@ledger()
def test_cancel_keeps_what_is_committed_within_the_rest(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 5 10.00 GBP
    2024-01-03 custom "commit" "SO-1" "WIDGET" 4
    2024-01-04 custom "cancel" "SO-1" "WIDGET" 2
    """
    order = loaded.book.orders["SO-1"]
    assert (order.lines[0].open_qty, order.lines[0].committed) == (D(3), D(3))
    assert order.committed_status is Status.FULL


@ledger()
def test_status_axes(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 20 4.00 GBP
      supplier: "bolts"
    2024-01-02 custom "order" "SO-A" "acme"
    2024-01-02 custom "line" "SO-A" "WIDGET" 4 10.00 GBP
    2024-01-02 custom "order" "SO-B" "acme"
    2024-01-02 custom "line" "SO-B" "WIDGET" 4 10.00 GBP
    2024-01-03 custom "commit" "SO-B" "WIDGET" 1
    2024-01-04 custom "invoice" "SO-B" "INV-B" "WIDGET" 2
    2024-01-04 custom "dispatch" "SO-B" "WIDGET" 3
    2024-01-05 custom "payment" "SO-B" 5.00 GBP "card"
    2024-01-02 custom "order" "SO-C" "acme"
    2024-01-02 custom "line" "SO-C" "WIDGET" 4 10.00 GBP
    2024-01-03 custom "commit" "SO-C"
    2024-01-04 custom "invoice" "SO-C" "INV-C"
    2024-01-04 custom "dispatch" "SO-C"
    2024-01-05 custom "payment" "INV-C" 40.00 GBP "card"
    """
    book = loaded.book

    def axes(order_id):
        order = book.orders[order_id]
        return (
            order.committed_status,
            order.invoiced_status,
            order.dispatched_status,
            order.paid_status,
        )

    none, partial, full = Status.NONE, Status.PARTIAL, Status.FULL
    assert axes("SO-A") == (none, none, none, none)
    assert axes("SO-B") == (partial, partial, partial, partial)
    assert axes("SO-C") == (full, full, full, full)
    assert [book.orders[key].outstanding for key in ("SO-A", "SO-B", "SO-C")] == [
        D(0),
        D("15.00"),
        D(0),
    ]
    assert book.customers["acme"].receivable["GBP"] == D("15.00")
    assert loaded.balances()["Assets:Receivable:Acme"] == "15.00 GBP"


def test_status_values_are_plain_words():
    assert [str(status) for status in Status] == ["none", "partial", "full"]
    assert Status("partial") is Status.PARTIAL


def _order(**quantities: D) -> Order:
    order = Order("SO-1", "acme", datetime.date(2024, 1, 1), {})
    for number, qty in enumerate((D(4), D(6)), start=1):
        line = OrderLine(
            "SO-1", number, "WIDGET", qty, D("1.00"), "GBP", D(0), "Income:Sales", None, {}
        )
        for attribute, value in quantities.items():
            setattr(line, attribute, value)
        order.lines.append(line)
    return order


def test_dispatched_axis_counts_units_against_the_open_quantity():
    # Two lines of 4 and 6 units: 10 in all.
    assert _order().dispatched_status is Status.NONE
    assert _order(dispatched=D(3)).dispatched_status is Status.PARTIAL  # 6 of 10
    assert _order(dispatched=D(4), cancelled=D(1)).dispatched_status is Status.PARTIAL
    # 4 of 4 on each line once two units of the second are cancelled.
    full = _order(dispatched=D(4))
    full.lines[0].cancelled = D(0)
    full.lines[1].cancelled = D(2)
    assert full.dispatched_status is Status.FULL


def test_paid_axis_relates_to_the_invoiced_amount():
    order = _order()
    assert order.paid_status is Status.NONE
    order.paid = D("5.00")
    assert order.paid_status is Status.PARTIAL  # paid ahead of any invoice
    order.invoiced = D("5.00")
    assert order.paid_status is Status.FULL  # all of what is invoiced so far
    order.invoiced = D("8.00")
    assert order.paid_status is Status.PARTIAL
    order.paid = D("9.00")
    assert order.paid_status is Status.FULL
    assert order.outstanding == D("-1.00")


@ledger()
def test_customer_receivable_equals_the_ledger_balance(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "customer" "bob" "Bob's Bikes"
      account: "Bob"
    2024-01-01 custom "customer" "cy" "Cy"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 9.99 GBP
      tax: 0.20
    2024-01-02 custom "order" "SO-2" "bob"
    2024-01-02 custom "line" "SO-2" "WIDGET" 1 100.00 GBP
      tax: 0.20
    2024-01-02 custom "order" "SO-3" "acme"
    2024-01-02 custom "line" "SO-3" "GADGET" 2 12.50 GBP
    2024-01-02 custom "order" "SO-4" "cy"
    2024-01-02 custom "line" "SO-4" "GADGET" 2 12.50 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-05 custom "invoice" "SO-2" "INV-2"
    2024-01-05 custom "invoice" "SO-3" "INV-3" "GADGET" 1
    2024-01-06 custom "payment" "INV-1" 30.00 GBP "card"
    2024-01-06 custom "payment" "bob" 150.00 GBP "card"
    2024-01-07 custom "payment" "SO-4" 10.00 GBP "card"
    """
    # acme: INV-1 35.96 + INV-3 12.50 - 30.00 = 18.46
    # bob: INV-2 120.00 - 150.00 on account = -30.00
    # cy: nothing invoiced, 10.00 paid ahead = -10.00
    book = loaded.book
    balances = loaded.balances()
    expected = {"acme": "18.46", "bob": "-30.00", "cy": "-10.00"}
    for customer_id, amount in expected.items():
        customer = book.customers[customer_id]
        assert customer.receivable["GBP"] == D(amount)
        assert balances[f"Assets:Receivable:{customer.account}"] == f"{amount} GBP"
    outstanding = {key: order.outstanding for key, order in book.orders.items()}
    assert outstanding == {
        "SO-1": D("5.96"),
        "SO-2": D("120.00"),
        "SO-3": D("12.50"),
        "SO-4": D("-10.00"),
    }


@ledger()
def test_units_credited_in_full_before_dispatch_no_longer_wait(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 5 4.00 GBP
      supplier: "kiln"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 10.00 GBP
    2024-01-03 custom "invoice" "SO-1" "INV-1"
    2024-01-03 custom "payment" "SO-1" 20.00 GBP "card"
    2024-01-04 custom "credit-order" "CO-1" "INV-1"
      full: TRUE
    2024-01-04 custom "refund" "acme" 20.00 GBP "card"
      from: "receivable"
      order: "SO-1"
    2024-01-02 custom "order" "SO-2" "acme"
    2024-01-02 custom "line" "SO-2" "WIDGET" 3 10.00 GBP
    2024-01-03 custom "invoice" "SO-2" "INV-2"
    2024-01-03 custom "dispatch" "SO-2" "WIDGET" 1
    2024-01-04 custom "credit-order" "CO-2" "INV-2"
    2024-01-04 custom "credit-line" "CO-2" "WIDGET" "credit" 2 10.00 GBP
    2024-01-02 custom "order" "SO-3" "acme"
    2024-01-02 custom "line" "SO-3" "WIDGET" 2 10.00 GBP
    2024-01-03 custom "invoice" "SO-3" "INV-3"
    2024-01-04 custom "credit-order" "CO-3" "INV-3"
    2024-01-04 custom "credit-line" "CO-3" "WIDGET" "credit" 2 5.00 GBP
    """
    assert loaded.messages == []
    one, two, three = (loaded.book.orders[f"SO-{n}"] for n in (1, 2, 3))
    # Paid, credited in full and refunded before anything left: closed.
    assert (one.dispatched_status, one.ships, one.is_open) == (Status.NONE, False, False)
    # 1 left, the other 2 credited in full: nothing more to ship.
    assert two.dispatched_status is Status.FULL
    # Credited at half price: the goods are still owed.
    assert (three.dispatched_status, three.ships) == (Status.NONE, True)
