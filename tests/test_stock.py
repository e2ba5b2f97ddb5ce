"""Stock and cost of goods sold: lots, batches, locations, average cost, returns.

Every expected posting below is worked out by hand from SPEC.md ("Stock
valuation"): a dispatch credits the inventory lots its account's booking method
picks and debits COGS at those lots' cost; a return re-adds the very lots the
dispatch took; ``valuation: "average"`` re-lots an item at each receipt.

And from SPEC Revision 2: a dispatch line that runs short takes what is on hand
at once and owes the rest to stock, costed from the next receipt (or transfer
in) of the item at the location, on that receipt's date ("Short dispatches");
COGS postings, a receipt's payable and a re-lot's residue are rounded half-up
to the cent, lot costs keep their places.

Line numbers in the ledgers count from the line after the opening quotes: the
``plugin`` line is line 2.
"""

from __future__ import annotations

import datetime
import textwrap
from decimal import Decimal as D

import pytest
from beancount import loader
from beancount.core.position import Cost

from beancount_orders.book import Status
from beancount_orders.book.model import StockPosition
from beancount_orders.book.render import format_entries
from beancount_orders.reports.stock import UncostedRow
from beancount_orders.reports.stock import stock_report
from tests.helpers import Loaded
from tests.helpers import dedent
from tests.helpers import ledger
from tests.helpers import load


def jan(day: int) -> datetime.date:
    return datetime.date(2024, 1, day)


def lot(number: str, day: int, label: str | None) -> Cost:
    return Cost(D(number), "GBP", jan(day), label)


def lots(loaded: Loaded, account: str, item: str) -> dict[Cost, D]:
    """The engine's lots of ``item`` in ``account``."""
    holding = loaded.book.stock.get(account, item)
    return dict(holding.lots) if holding else {}


def txns(loaded: Loaded) -> list[str]:
    """Each generated transaction's text."""
    return [format_entries([txn]) for txn in loaded.transactions]


def reload_without_plugin(loaded: Loaded, source: str) -> Loaded:
    """The generated text (with opens) plus the ledger without its plugin line,
    loaded by plain Beancount."""
    plain = "\n".join(
        line
        for line in textwrap.dedent(source).splitlines()
        if not line.startswith('plugin "beancount_orders.orders"')
    )
    entries, errors, options = loader.load_string(loaded.expand(opens=True) + "\n" + plain)
    return Loaded(entries, errors, options)


# Three receipts used by the booking-method tests: 3 @ 4.00, 3 @ 6.00, 3 @ 5.00.
THREE_RECEIPTS = dedent("""
    2024-01-01 * "Supplies Co" "Receipt PO-1: 3 WIDGET into Main" ^PO-1
      po: "PO-1"
      supplier: "Supplies Co"
      item: "WIDGET"
      Assets:Inventory:Main                 3 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
      Liabilities:Payable:Supplies-Co  -12.00 GBP

    2024-01-02 * "Supplies Co" "Receipt PO-2: 3 WIDGET into Main" ^PO-2
      po: "PO-2"
      supplier: "Supplies Co"
      item: "WIDGET"
      Assets:Inventory:Main                 3 WIDGET {6.00 GBP, 2024-01-02, "PO-2"}
      Liabilities:Payable:Supplies-Co  -18.00 GBP

    2024-01-03 * "Supplies Co" "Receipt PO-3: 3 WIDGET into Main" ^PO-3
      po: "PO-3"
      supplier: "Supplies Co"
      item: "WIDGET"
      Assets:Inventory:Main                 3 WIDGET {5.00 GBP, 2024-01-03, "PO-3"}
      Liabilities:Payable:Supplies-Co  -15.00 GBP
""")

BOOKING_LEDGER = """
plugin "beancount_orders.orders"
2024-01-01 open Assets:Inventory:Main "{method}"
2024-01-01 custom "customer" "acme" "Acme Ltd"
2024-01-01 custom "stock-in" "PO-1" "WIDGET" 3 4.00 GBP
  supplier: "Supplies Co"
2024-01-02 custom "stock-in" "PO-2" "WIDGET" 3 6.00 GBP
  supplier: "Supplies Co"
2024-01-03 custom "stock-in" "PO-3" "WIDGET" 3 5.00 GBP
  supplier: "Supplies Co"
2024-01-04 custom "order" "SO-1" "acme"
2024-01-04 custom "line" "SO-1" "WIDGET" 4 10.00 GBP
2024-01-05 custom "dispatch" "SO-1"
"""


# --------------------------------------------------------------------------
# stock-in


@ledger()
def test_stock_in_debits_a_lot_and_credits_the_supplier(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 10 4.00 GBP
      supplier: "acme-supplies"
    2024-01-02 custom "stock-in" "PO-2" "WIDGET" 5 4.50 GBP
      supplier: "acme-supplies"
      batch: "LOT-77"
      location: "Shop"
    2024-01-02 custom "stock-in" "PO-2" "GADGET" 2 1.25 GBP
      supplier: "acme-supplies"
      location: "Shop"
    """
    # The lot is {cost, date, batch}; batch defaults to the PO. The payable is
    # the supplier's (component "Acme-supplies"); qty x cost = 40.00, 22.50, 2.50.
    # The plugin opens the accounts it posts to.
    assert loaded.expand(opens=True) == dedent("""
        2024-01-01 open Assets:Inventory:Main

        2024-01-01 open Liabilities:Payable:Acme-supplies

        2024-01-01 * "acme-supplies" "Receipt PO-1: 10 WIDGET into Main" ^PO-1
          po: "PO-1"
          supplier: "acme-supplies"
          item: "WIDGET"
          Assets:Inventory:Main                  10 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
          Liabilities:Payable:Acme-supplies  -40.00 GBP

        2024-01-02 open Assets:Inventory:Shop

        2024-01-02 * "acme-supplies" "Receipt PO-2: 5 WIDGET into Shop" ^PO-2
          po: "PO-2"
          supplier: "acme-supplies"
          item: "WIDGET"
          Assets:Inventory:Shop                   5 WIDGET {4.50 GBP, 2024-01-02, "LOT-77"}
          Liabilities:Payable:Acme-supplies  -22.50 GBP

        2024-01-02 * "acme-supplies" "Receipt PO-2: 2 GADGET into Shop" ^PO-2
          po: "PO-2"
          supplier: "acme-supplies"
          item: "GADGET"
          Assets:Inventory:Shop                  2 GADGET {1.25 GBP, 2024-01-02, "PO-2"}
          Liabilities:Payable:Acme-supplies  -2.50 GBP
    """)
    book = loaded.book
    assert [
        (r.po, r.item, r.qty, r.cost, r.location, r.account) for r in book.receipts
    ] == [
        ("PO-1", "WIDGET", D(10), lot("4.00", 1, "PO-1"), "Main", "Assets:Inventory:Main"),
        ("PO-2", "WIDGET", D(5), lot("4.50", 2, "LOT-77"), "Shop", "Assets:Inventory:Shop"),
        ("PO-2", "GADGET", D(2), lot("1.25", 2, "PO-2"), "Shop", "Assets:Inventory:Shop"),
    ]
    assert loaded.balances()["Liabilities:Payable:Acme-supplies"] == "-65.00 GBP"
    assert book.documents["PO-2"] == "purchase receipt"


@ledger(expect_errors=True)
def test_stock_in_errors(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 5 4.00 GBP
    2024-01-01 custom "stock-in" "PO-2" "WIDGET" 5 4.00 GBP
      supplier: "Supplies Co"
      location: 5
    2024-01-01 custom "stock-in" "PO-3" "WIDGET" 5 (0 - 4.00) GBP
      supplier: "Supplies Co"
    2024-01-01 custom "stock-in" "PO-4" "WIDGET" 0 4.00 GBP
      supplier: "Supplies Co"
    2024-01-01 custom "stock-in" "PO-5" "WIDGET" 5 4.00 GBP
      supplier: "Supplies Co"
      batch: TRUE
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "order" "SO-1" "acme"
    2024-01-02 custom "stock-in" "SO-1" "WIDGET" 5 4.00 GBP
      supplier: "Supplies Co"
    """
    # (A bare "5 -4.00 GBP" would be read by Beancount as 5 - 4.00 = 1.00 GBP.)
    assert loaded.messages == [
        (
            3,
            'Stock-in "PO-1": supplier metadata is required '
            '(e.g. supplier: "acme-supplies")',
        ),
        (4, 'Stock-in "PO-2": location must be a non-empty string, got 5'),
        (7, 'Stock-in "PO-3": cost must not be negative, got -4.00 GBP'),
        (9, 'Invalid "stock-in" PO ITEM QTY COST: QTY must be greater than zero, got 0'),
        (11, 'Stock-in "PO-5": batch must be a non-empty string, got TRUE'),
        (
            16,
            'Duplicate document id "SO-1": already used by order "SO-1" (ids are unique '
            "across orders, invoices, credits and other documents)",
        ),
    ]
    # Nothing applied: no postings, no receipts, no stock.
    assert loaded.expand() == ""
    assert loaded.book.receipts == []
    assert loaded.book.stock_positions() == []


# --------------------------------------------------------------------------
# dispatch by booking method

DISPATCH_BY_METHOD = {
    # FIFO: the oldest lots: 3 of PO-1 at 4.00 + 1 of PO-2 at 6.00 = 18.00.
    "FIFO": """
        2024-01-05 * "Acme Ltd" "Dispatch for order SO-1" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Inventory:Main     -3 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
          Assets:Inventory:Main     -1 WIDGET {6.00 GBP, 2024-01-02, "PO-2"}
          Expenses:COGS          18.00 GBP
            item: "WIDGET"
    """,
    # LIFO: the newest lots: 3 of PO-3 at 5.00 + 1 of PO-2 at 6.00 = 21.00.
    "LIFO": """
        2024-01-05 * "Acme Ltd" "Dispatch for order SO-1" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Inventory:Main     -3 WIDGET {5.00 GBP, 2024-01-03, "PO-3"}
          Assets:Inventory:Main     -1 WIDGET {6.00 GBP, 2024-01-02, "PO-2"}
          Expenses:COGS          21.00 GBP
            item: "WIDGET"
    """,
    # HIFO: the dearest lots: 3 of PO-2 at 6.00 + 1 of PO-3 at 5.00 = 23.00.
    "HIFO": """
        2024-01-05 * "Acme Ltd" "Dispatch for order SO-1" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Inventory:Main     -3 WIDGET {6.00 GBP, 2024-01-02, "PO-2"}
          Assets:Inventory:Main     -1 WIDGET {5.00 GBP, 2024-01-03, "PO-3"}
          Expenses:COGS          23.00 GBP
            item: "WIDGET"
    """,
}
LEFT_BY_METHOD = {
    "FIFO": {lot("6.00", 2, "PO-2"): D(2), lot("5.00", 3, "PO-3"): D(3)},
    "LIFO": {lot("4.00", 1, "PO-1"): D(3), lot("6.00", 2, "PO-2"): D(2)},
    "HIFO": {lot("4.00", 1, "PO-1"): D(3), lot("5.00", 3, "PO-3"): D(2)},
}


@pytest.mark.parametrize("method", ["FIFO", "LIFO", "HIFO"])
def test_dispatch_relieves_lots_by_booking_method(method):
    loaded = load(BOOKING_LEDGER.format(method=method))
    assert loaded.messages == []
    assert loaded.expand() == THREE_RECEIPTS + "\n" + dedent(DISPATCH_BY_METHOD[method])
    assert lots(loaded, "Assets:Inventory:Main", "WIDGET") == LEFT_BY_METHOD[method]
    cogs = {"FIFO": "18.00", "LIFO": "21.00", "HIFO": "23.00"}[method]
    assert loaded.balances()["Expenses:COGS"] == f"{cogs} GBP"
    line = loaded.book.orders["SO-1"].lines[0]
    assert line.cost == D(cogs)
    assert line.dispatched == 4
    assert (
        loaded.book.dispatches[0].lines[0].lots
        == {
            "FIFO": [(lot("4.00", 1, "PO-1"), D(3)), (lot("6.00", 2, "PO-2"), D(1))],
            "LIFO": [(lot("5.00", 3, "PO-3"), D(3)), (lot("6.00", 2, "PO-2"), D(1))],
            "HIFO": [(lot("6.00", 2, "PO-2"), D(3)), (lot("5.00", 3, "PO-3"), D(1))],
        }[method]
    )


@ledger()
def test_fifo_dispatch_with_batch_takes_only_that_batch(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Inventory:Main "FIFO"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 3 4.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "stock-in" "PO-2" "WIDGET" 3 6.00 GBP
      supplier: "Supplies Co"
      batch: "B-2"
    2024-01-04 custom "order" "SO-1" "acme"
    2024-01-04 custom "line" "SO-1" "WIDGET" 2 10.00 GBP
    2024-01-05 custom "dispatch" "SO-1"
      batch: "B-2"
    """
    # FIFO alone would take PO-1 at 4.00; the batch names B-2: 2 x 6.00 = 12.00.
    assert txns(loaded)[-1] == dedent("""
        2024-01-05 * "Acme Ltd" "Dispatch for order SO-1" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Inventory:Main     -2 WIDGET {6.00 GBP, 2024-01-02, "B-2"}
          Expenses:COGS          12.00 GBP
            item: "WIDGET"
    """)
    assert loaded.expand().count("Dispatch for order") == 1
    assert lots(loaded, "Assets:Inventory:Main", "WIDGET") == {
        lot("4.00", 1, "PO-1"): D(3),
        lot("6.00", 2, "B-2"): D(1),
    }


@ledger(expect_errors=True)
def test_dispatch_from_a_batch_without_enough_takes_it_and_owes_the_rest(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Inventory:Main "FIFO"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 9 4.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "stock-in" "PO-2" "WIDGET" 3 6.00 GBP
      supplier: "Supplies Co"
    2024-01-04 custom "order" "SO-1" "acme"
    2024-01-04 custom "line" "SO-1" "WIDGET" 4 10.00 GBP
    2024-01-05 custom "dispatch" "SO-1"
      batch: "PO-2"
    """
    assert loaded.messages == [
        (
            11,
            'Dispatch for order "SO-1": not enough WIDGET at location Main '
            '(Assets:Inventory:Main), batch "PO-2": 4 needed, 3 on hand; 1 are owed to '
            "stock, costed from its next receipt there",
        )
    ]
    # The 3 of the batch leave at once (3 x 6.00); PO-1 is not the batch, untouched.
    assert txns(loaded)[-1] == dedent("""
        2024-01-05 * "Acme Ltd" "Dispatch for order SO-1" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Inventory:Main     -3 WIDGET {6.00 GBP, 2024-01-02, "PO-2"}
          Expenses:COGS          18.00 GBP
            item: "WIDGET"
    """)
    assert lots(loaded, "Assets:Inventory:Main", "WIDGET") == {lot("4.00", 1, "PO-1"): D(9)}
    [(dispatch, line)] = loaded.book.uncosted
    assert (dispatch.order, line.item, line.qty, line.owed, line.lots) == (
        "SO-1",
        "WIDGET",
        D(4),
        D(1),
        [(lot("6.00", 2, "PO-2"), D(3))],
    )
    order_line = loaded.book.orders["SO-1"].lines[0]
    assert (order_line.dispatched, order_line.uncosted, order_line.cost) == (
        D(4),
        D(1),
        D("18.00"),
    )


@ledger(expect_errors=True)
def test_units_owed_by_a_batch_dispatch_wait_for_the_next_receipt(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Inventory:Main "FIFO"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 9 4.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "stock-in" "PO-2" "WIDGET" 3 6.00 GBP
      supplier: "Supplies Co"
    2024-01-04 custom "order" "SO-1" "acme"
    2024-01-04 custom "line" "SO-1" "WIDGET" 4 10.00 GBP
    2024-01-05 custom "dispatch" "SO-1"
      batch: "PO-2"
    2024-01-08 custom "stock-in" "PO-3" "WIDGET" 2 5.00 GBP
      supplier: "Supplies Co"
    """
    # The unit owed is costed from PO-3, the next receipt, not from PO-1 that was
    # on hand (but not of the batch) when it left.
    assert [message for _, message in loaded.messages] == [
        'Dispatch for order "SO-1": not enough WIDGET at location Main '
        '(Assets:Inventory:Main), batch "PO-2": 4 needed, 3 on hand; 1 are owed to '
        "stock, costed from its next receipt there"
    ]
    assert txns(loaded)[-2:] == [
        dedent("""
            2024-01-08 * "Supplies Co" "Receipt PO-3: 2 WIDGET into Main" ^PO-3
              po: "PO-3"
              supplier: "Supplies Co"
              item: "WIDGET"
              Assets:Inventory:Main                 2 WIDGET {5.00 GBP, 2024-01-08, "PO-3"}
              Liabilities:Payable:Supplies-Co  -10.00 GBP
        """),
        dedent("""
            2024-01-08 * "Acme Ltd" "Cost of 1 WIDGET dispatched short on 2024-01-05 for order SO-1" ^SO-1
              order: "SO-1"
              customer: "acme"
              Assets:Inventory:Main    -1 WIDGET {5.00 GBP, 2024-01-08, "PO-3"}
              Expenses:COGS          5.00 GBP
                item: "WIDGET"
        """),  # noqa: E501
    ]
    assert lots(loaded, "Assets:Inventory:Main", "WIDGET") == {
        lot("4.00", 1, "PO-1"): D(9),
        lot("5.00", 8, "PO-3"): D(1),
    }
    assert loaded.book.uncosted == []
    [dispatch] = loaded.book.dispatches
    assert (dispatch.lines[0].lots, dispatch.lines[0].owed) == (
        [(lot("6.00", 2, "PO-2"), D(3)), (lot("5.00", 8, "PO-3"), D(1))],
        D(0),
    )
    order_line = loaded.book.orders["SO-1"].lines[0]
    assert (order_line.uncosted, order_line.cost) == (D(0), D("23.00"))


# --------------------------------------------------------------------------
# STRICT


@ledger()
def test_strict_with_one_lot_needs_no_batch(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Inventory:Main "STRICT"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 3 4.00 GBP
      supplier: "Supplies Co"
    2024-01-04 custom "order" "SO-1" "acme"
    2024-01-04 custom "line" "SO-1" "WIDGET" 2 10.00 GBP
    2024-01-05 custom "dispatch" "SO-1"
    """
    assert loaded.expand() == dedent("""
        2024-01-01 * "Supplies Co" "Receipt PO-1: 3 WIDGET into Main" ^PO-1
          po: "PO-1"
          supplier: "Supplies Co"
          item: "WIDGET"
          Assets:Inventory:Main                 3 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
          Liabilities:Payable:Supplies-Co  -12.00 GBP

        2024-01-05 * "Acme Ltd" "Dispatch for order SO-1" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Inventory:Main    -2 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
          Expenses:COGS          8.00 GBP
            item: "WIDGET"
    """)


def test_strict_with_batch():
    # Three lots under STRICT: the batch names PO-3, whatever its date or cost.
    loaded = load(
        BOOKING_LEDGER.format(method="STRICT").replace(
            '"dispatch" "SO-1"', '"dispatch" "SO-1" "WIDGET" 3\n  batch: "PO-3"'
        )
    )
    assert loaded.messages == []
    assert loaded.expand() == THREE_RECEIPTS + "\n" + dedent("""
        2024-01-05 * "Acme Ltd" "Dispatch for order SO-1" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Inventory:Main     -3 WIDGET {5.00 GBP, 2024-01-03, "PO-3"}
          Expenses:COGS          15.00 GBP
            item: "WIDGET"
    """)
    assert lots(loaded, "Assets:Inventory:Main", "WIDGET") == {
        lot("4.00", 1, "PO-1"): D(3),
        lot("6.00", 2, "PO-2"): D(3),
    }


@ledger(expect_errors=True)
def test_strict_batch_too_small_for_the_order(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Inventory:Main "STRICT"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 3 4.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "stock-in" "PO-2" "WIDGET" 3 6.00 GBP
      supplier: "Supplies Co"
    2024-01-04 custom "order" "SO-1" "acme"
    2024-01-04 custom "line" "SO-1" "WIDGET" 4 10.00 GBP
    2024-01-05 custom "dispatch" "SO-1"
      batch: "PO-2"
    """
    # The batch names one lot: no ambiguity. Its 3 units leave; 1 is owed.
    assert loaded.messages == [
        (
            11,
            'Dispatch for order "SO-1": not enough WIDGET at location Main '
            '(Assets:Inventory:Main), batch "PO-2": 4 needed, 3 on hand; 1 are owed to '
            "stock, costed from its next receipt there",
        )
    ]
    assert txns(loaded)[-1] == dedent("""
        2024-01-05 * "Acme Ltd" "Dispatch for order SO-1" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Inventory:Main     -3 WIDGET {6.00 GBP, 2024-01-02, "PO-2"}
          Expenses:COGS          18.00 GBP
            item: "WIDGET"
    """)
    assert lots(loaded, "Assets:Inventory:Main", "WIDGET") == {lot("4.00", 1, "PO-1"): D(3)}
    [(_, line)] = loaded.book.uncosted
    assert (line.qty, line.owed) == (D(4), D(1))


@ledger(expect_errors=True)
def test_strict_ambiguous_dispatch_is_an_error_and_changes_nothing(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Inventory:Main "STRICT"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 3 4.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "stock-in" "PO-2" "WIDGET" 3 6.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "stock-in" "PO-3" "GADGET" 5 1.50 GBP
      supplier: "Supplies Co"
    2024-01-04 custom "order" "SO-1" "acme"
    2024-01-04 custom "line" "SO-1" "GADGET" 2 5.00 GBP
    2024-01-04 custom "line" "SO-1" "WIDGET" 2 10.00 GBP
    2024-01-05 custom "dispatch" "SO-1"
    2024-01-06 custom "dispatch" "SO-1" "GADGET" 2
    """
    assert loaded.messages == [
        (
            14,
            'Dispatch for order "SO-1": Assets:Inventory:Main books by STRICT and holds '
            "2 lots of WIDGET (PO-1, PO-2); name one with batch metadata",
        )
    ]
    # The GADGET line of the failed dispatch had a single lot; it is put back, and
    # the later GADGET dispatch takes it normally: 2 x 1.50 = 3.00.
    text = loaded.expand()
    assert text.count("Dispatch for order") == 1
    assert text.split("\n\n")[-1] == dedent("""
        2024-01-06 * "Acme Ltd" "Dispatch for order SO-1" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Inventory:Main    -2 GADGET {1.50 GBP, 2024-01-02, "PO-3"}
          Expenses:COGS          3.00 GBP
            item: "GADGET"
    """)
    book = loaded.book
    assert lots(loaded, "Assets:Inventory:Main", "WIDGET") == {
        lot("4.00", 1, "PO-1"): D(3),
        lot("6.00", 2, "PO-2"): D(3),
    }
    assert lots(loaded, "Assets:Inventory:Main", "GADGET") == {lot("1.50", 2, "PO-3"): D(3)}
    order = book.orders["SO-1"]
    assert [(line.item, line.dispatched) for line in order.lines] == [
        ("GADGET", D(2)),
        ("WIDGET", D(0)),
    ]
    assert len(book.dispatches) == 1
    assert book.uncosted == []


@ledger(expect_errors=True)
def test_strict_ambiguous_alone_posts_nothing(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Inventory:Main "STRICT"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 3 4.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "stock-in" "PO-2" "WIDGET" 3 6.00 GBP
      supplier: "Supplies Co"
    2024-01-04 custom "order" "SO-1" "acme"
    2024-01-04 custom "line" "SO-1" "WIDGET" 2 10.00 GBP
    2024-01-05 custom "dispatch" "SO-1"
    """
    assert loaded.messages == [
        (
            11,
            'Dispatch for order "SO-1": Assets:Inventory:Main books by STRICT and holds '
            "2 lots of WIDGET (PO-1, PO-2); name one with batch metadata",
        )
    ]
    assert "Dispatch" not in loaded.expand()
    assert "Expenses:COGS" not in loaded.balances()
    assert loaded.book.dispatches == []
    assert loaded.book.orders["SO-1"].dispatched_status is Status.NONE
    assert [(p.batch, p.on_hand) for p in loaded.book.stock_positions()] == [
        (None, D(6)),
        ("PO-1", D(3)),
        ("PO-2", D(3)),
    ]


@ledger()
def test_strict_dispatch_of_everything_on_hand_needs_no_batch(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Inventory:Main "STRICT"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 3 4.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "stock-in" "PO-2" "WIDGET" 3 6.00 GBP
      supplier: "Supplies Co"
    2024-01-04 custom "order" "SO-1" "acme"
    2024-01-04 custom "line" "SO-1" "WIDGET" 6 10.00 GBP
    2024-01-05 custom "dispatch" "SO-1"
    """
    # As in Beancount's STRICT booking, a reduction of the whole holding is not
    # ambiguous: 3 x 4.00 + 3 x 6.00 = 30.00.
    assert txns(loaded)[-1] == dedent("""
        2024-01-05 * "Acme Ltd" "Dispatch for order SO-1" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Inventory:Main     -3 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
          Assets:Inventory:Main     -3 WIDGET {6.00 GBP, 2024-01-02, "PO-2"}
          Expenses:COGS          30.00 GBP
            item: "WIDGET"
    """)
    assert lots(loaded, "Assets:Inventory:Main", "WIDGET") == {}


# --------------------------------------------------------------------------
# Partial dispatch, locations, stock bought with ordinary transactions


@ledger(expect_errors=True)
def test_partial_dispatch_by_pairs(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Inventory:Main "FIFO"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 10 4.00 GBP
      supplier: "Supplies Co"
    2024-01-01 custom "stock-in" "PO-1" "GADGET" 10 1.50 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 5 10.00 GBP
    2024-01-02 custom "line" "SO-1" "GADGET" 3 5.00 GBP
    2024-01-03 custom "dispatch" "SO-1" "WIDGET" 2 "GADGET" 1
    2024-01-04 custom "order" "SO-2" "acme"
    2024-01-04 custom "line" "SO-2" "WIDGET" 1 10.00 GBP
    2024-01-04 custom "line" "SO-2" "GADGET" 4 5.00 GBP
    2024-01-05 custom "dispatch" "SO-1"
    2024-01-05 custom "dispatch" "SO-2" "GADGET" 1
    2024-01-06 custom "dispatch" "SO-2" "WIDGET" 2
    """
    assert loaded.messages == [
        (
            18,
            'Cannot dispatch 2 WIDGET on order "SO-2": only 1 left to dispatch '
            "(1 ordered, 0 cancelled, 0 already dispatched)",
        )
    ]
    # SO-1: 2 WIDGET (8.00) and 1 GADGET (1.50), then the rest: 3 WIDGET (12.00)
    # and 2 GADGET (3.00). SO-2: 1 GADGET (1.50).
    assert txns(loaded)[2:] == [
        dedent("""
            2024-01-03 * "Acme Ltd" "Dispatch for order SO-1" ^SO-1
              order: "SO-1"
              customer: "acme"
              Assets:Inventory:Main    -2 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
              Expenses:COGS          8.00 GBP
                item: "WIDGET"
              Assets:Inventory:Main    -1 GADGET {1.50 GBP, 2024-01-01, "PO-1"}
              Expenses:COGS          1.50 GBP
                item: "GADGET"
        """),
        dedent("""
            2024-01-05 * "Acme Ltd" "Dispatch for order SO-1" ^SO-1
              order: "SO-1"
              customer: "acme"
              Assets:Inventory:Main     -3 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
              Expenses:COGS          12.00 GBP
                item: "WIDGET"
              Assets:Inventory:Main     -2 GADGET {1.50 GBP, 2024-01-01, "PO-1"}
              Expenses:COGS           3.00 GBP
                item: "GADGET"
        """),
        dedent("""
            2024-01-05 * "Acme Ltd" "Dispatch for order SO-2" ^SO-2
              order: "SO-2"
              customer: "acme"
              Assets:Inventory:Main    -1 GADGET {1.50 GBP, 2024-01-01, "PO-1"}
              Expenses:COGS          1.50 GBP
                item: "GADGET"
        """),
    ]
    orders = loaded.book.orders
    assert orders["SO-1"].dispatched_status is Status.FULL
    assert orders["SO-2"].dispatched_status is Status.PARTIAL
    assert [line.dispatched for line in orders["SO-2"].lines] == [D(0), D(1)]
    assert loaded.balances()["Expenses:COGS"] == "26.00 GBP"


@ledger()
def test_location_on_the_order_and_on_the_dispatch(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Inventory:Main "FIFO"
    2024-01-01 open Assets:Inventory:Shop "FIFO"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 5 4.00 GBP
      supplier: "Supplies Co"
    2024-01-01 custom "stock-in" "PO-2" "WIDGET" 5 6.00 GBP
      supplier: "Supplies Co"
      location: "Shop"
    2024-01-02 custom "order" "SO-1" "acme"
      location: "Shop"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-03 custom "dispatch" "SO-1" "WIDGET" 1
    2024-01-04 custom "dispatch" "SO-1" "WIDGET" 2
      location: "Main"
    """
    # The order ships from Shop (6.00); the second dispatch names Main (4.00).
    assert txns(loaded)[2:] == [
        dedent("""
            2024-01-03 * "Acme Ltd" "Dispatch for order SO-1" ^SO-1
              order: "SO-1"
              customer: "acme"
              Assets:Inventory:Shop    -1 WIDGET {6.00 GBP, 2024-01-01, "PO-2"}
              Expenses:COGS          6.00 GBP
                item: "WIDGET"
        """),
        dedent("""
            2024-01-04 * "Acme Ltd" "Dispatch for order SO-1" ^SO-1
              order: "SO-1"
              customer: "acme"
              Assets:Inventory:Main    -2 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
              Expenses:COGS          8.00 GBP
                item: "WIDGET"
        """),
    ]
    assert [
        (line.location, line.account)
        for dispatch in loaded.book.dispatches
        for line in dispatch.lines
    ] == [("Shop", "Assets:Inventory:Shop"), ("Main", "Assets:Inventory:Main")]
    assert loaded.balances()["Assets:Inventory:Main"] == (
        '3 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}'
    )
    assert loaded.balances()["Assets:Inventory:Shop"] == (
        '4 WIDGET {6.00 GBP, 2024-01-01, "PO-2"}'
    )


ORDINARY = """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Inventory:Main "FIFO"
    2024-01-01 open Assets:Bank
    2024-01-01 open Expenses:Breakage
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 * "Wholesaler" "Cash purchase"
      Assets:Inventory:Main  4 WIDGET {3.00 GBP}
      Assets:Bank
    2024-01-02 * "Wholesaler" "Cash purchase"
      Assets:Inventory:Main  4 WIDGET {3.50 GBP, "CASH-2"}
      Assets:Bank
    2024-01-03 custom "stock-in" "PO-1" "WIDGET" 2 5.00 GBP
      supplier: "Supplies Co"
    2024-01-04 custom "order" "SO-1" "acme"
    2024-01-04 custom "line" "SO-1" "WIDGET" 5 10.00 GBP
    2024-01-06 custom "dispatch" "SO-1"
    2024-01-07 * "Breakage" "Dropped one"
      Assets:Inventory:Main  -1 WIDGET {3.50 GBP, 2024-01-02, "CASH-2"}
      Expenses:Breakage
"""


def test_stock_bought_by_ordinary_transactions_is_dispatched():
    loaded = load(ORDINARY)
    assert loaded.messages == []
    # The engine sees the lots Beancount booked for the hand-written purchases
    # ({3.00 GBP, 2024-01-01} and {3.50 GBP, 2024-01-02, "CASH-2"}). FIFO takes
    # 4 x 3.00 + 1 x 3.50 = 15.50. The hand-written write-off names its exact lot.
    assert loaded.expand() == dedent("""
        2024-01-03 * "Supplies Co" "Receipt PO-1: 2 WIDGET into Main" ^PO-1
          po: "PO-1"
          supplier: "Supplies Co"
          item: "WIDGET"
          Assets:Inventory:Main                 2 WIDGET {5.00 GBP, 2024-01-03, "PO-1"}
          Liabilities:Payable:Supplies-Co  -10.00 GBP

        2024-01-06 * "Acme Ltd" "Dispatch for order SO-1" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Inventory:Main     -4 WIDGET {3.00 GBP, 2024-01-01}
          Assets:Inventory:Main     -1 WIDGET {3.50 GBP, 2024-01-02, "CASH-2"}
          Expenses:COGS          15.50 GBP
            item: "WIDGET"
    """)
    expected = {lot("3.50", 2, "CASH-2"): D(2), lot("5.00", 3, "PO-1"): D(2)}
    assert lots(loaded, "Assets:Inventory:Main", "WIDGET") == expected
    balances = loaded.balances()
    assert balances["Assets:Inventory:Main"] == (
        '2 WIDGET {3.50 GBP, 2024-01-02, "CASH-2"}, 2 WIDGET {5.00 GBP, 2024-01-03, "PO-1"}'
    )
    assert balances["Expenses:Breakage"] == "3.50 GBP"
    assert balances["Expenses:COGS"] == "15.50 GBP"


@ledger(expect_errors=True)
def test_hand_written_reduction_of_a_lot_already_dispatched(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Inventory:Main "FIFO"
    2024-01-01 open Assets:Bank
    2024-01-01 open Expenses:Breakage
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 * "Wholesaler" "Cash purchase"
      Assets:Inventory:Main  4 WIDGET {3.00 GBP}
      Assets:Bank
    2024-01-04 custom "order" "SO-1" "acme"
    2024-01-04 custom "line" "SO-1" "WIDGET" 4 10.00 GBP
    2024-01-06 custom "dispatch" "SO-1"
    2024-01-07 * "Breakage" "Dropped one"
      Assets:Inventory:Main  -1 WIDGET {3.00 GBP, 2024-01-01}
      Expenses:Breakage
    """
    assert loaded.messages == [
        (
            13,
            "Assets:Inventory:Main has 0 WIDGET in lot {3.00 GBP, 2024-01-01}, this "
            "transaction takes 1: the order directives have already dispatched or "
            "moved them",
        )
    ]


@ledger()
def test_average_cost_relot_after_an_ordinary_purchase(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Bank
    2024-01-01 open Assets:Inventory:Main
      valuation: "average"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 4 1.00 GBP
      supplier: "Supplies Co"
    2024-01-02 * "Wholesaler" "Cash purchase"
      Assets:Inventory:Main  2 WIDGET {2.50 GBP}
      Assets:Bank
    """
    # (4 x 1.00 + 2 x 2.50) / 6 = 1.50, kept to 6 places; no residue.
    assert txns(loaded)[-1] == dedent("""
        2024-01-02 * "Average cost of WIDGET at Main: 6 at 1.500000 GBP"
          item: "WIDGET"
          location: "Main"
          Assets:Inventory:Main  -4 WIDGET {1.00 GBP, 2024-01-01, "PO-1"}
          Assets:Inventory:Main  -2 WIDGET {2.50 GBP, 2024-01-02}
          Assets:Inventory:Main   6 WIDGET {1.500000 GBP, 2024-01-02}
    """)
    assert lots(loaded, "Assets:Inventory:Main", "WIDGET") == {lot("1.500000", 2, None): 6}


# --------------------------------------------------------------------------
# Moving-average cost


@ledger()
def test_average_cost_across_several_receipts(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Inventory:Main
      valuation: "average"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 40000 1.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "stock-in" "PO-2" "WIDGET" 20000 2.50 GBP
      supplier: "Supplies Co"
    2024-01-03 custom "order" "SO-1" "acme"
    2024-01-03 custom "line" "SO-1" "WIDGET" 30007 10.00 GBP
    2024-01-03 custom "dispatch" "SO-1" "WIDGET" 30000
    2024-01-04 custom "stock-in" "PO-3" "WIDGET" 40000 2.00 GBP
      supplier: "Supplies Co"
    2024-01-05 custom "dispatch" "SO-1" "WIDGET" 7
    """
    # Receipt 1: one lot, nothing to average.
    # Receipt 2: (40000.00 + 50000.00) / 60000 = 1.500000; no residue.
    # Dispatch 30000 x 1.500000 = 45000.00.
    # Receipt 3: (30000 x 1.500000 + 80000.00) / 70000 = 1.785714 (6 places);
    # 70000 x 1.785714 = 124999.98, the residue 0.02 goes to COGS.
    # Dispatch 7 x 1.785714 = 12.499998: COGS 12.50, rounded to the cent; the
    # lot keeps its 6 places.
    assert loaded.expand() == dedent("""
        2024-01-01 * "Supplies Co" "Receipt PO-1: 40000 WIDGET into Main" ^PO-1
          po: "PO-1"
          supplier: "Supplies Co"
          item: "WIDGET"
          Assets:Inventory:Main                40000 WIDGET {1.00 GBP, 2024-01-01, "PO-1"}
          Liabilities:Payable:Supplies-Co  -40000.00 GBP

        2024-01-02 * "Supplies Co" "Receipt PO-2: 20000 WIDGET into Main" ^PO-2
          po: "PO-2"
          supplier: "Supplies Co"
          item: "WIDGET"
          Assets:Inventory:Main                20000 WIDGET {2.50 GBP, 2024-01-02, "PO-2"}
          Liabilities:Payable:Supplies-Co  -50000.00 GBP

        2024-01-02 * "Average cost of WIDGET at Main: 60000 at 1.500000 GBP" ^PO-2
          item: "WIDGET"
          location: "Main"
          Assets:Inventory:Main  -40000 WIDGET {1.00 GBP, 2024-01-01, "PO-1"}
          Assets:Inventory:Main  -20000 WIDGET {2.50 GBP, 2024-01-02, "PO-2"}
          Assets:Inventory:Main   60000 WIDGET {1.500000 GBP, 2024-01-02}

        2024-01-03 * "Acme Ltd" "Dispatch for order SO-1" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Inventory:Main    -30000 WIDGET {1.500000 GBP, 2024-01-02}
          Expenses:COGS          45000.00 GBP
            item: "WIDGET"

        2024-01-04 * "Supplies Co" "Receipt PO-3: 40000 WIDGET into Main" ^PO-3
          po: "PO-3"
          supplier: "Supplies Co"
          item: "WIDGET"
          Assets:Inventory:Main                40000 WIDGET {2.00 GBP, 2024-01-04, "PO-3"}
          Liabilities:Payable:Supplies-Co  -80000.00 GBP

        2024-01-04 * "Average cost of WIDGET at Main: 70000 at 1.785714 GBP" ^PO-3
          item: "WIDGET"
          location: "Main"
          Assets:Inventory:Main  -30000 WIDGET {1.500000 GBP, 2024-01-02}
          Assets:Inventory:Main  -40000 WIDGET {2.00 GBP, 2024-01-04, "PO-3"}
          Assets:Inventory:Main   70000 WIDGET {1.785714 GBP, 2024-01-04}
          Expenses:COGS            0.02 GBP
            item: "WIDGET"

        2024-01-05 * "Acme Ltd" "Dispatch for order SO-1" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Inventory:Main     -7 WIDGET {1.785714 GBP, 2024-01-04}
          Expenses:COGS          12.50 GBP
            item: "WIDGET"
    """)
    balances = loaded.balances()
    assert balances["Assets:Inventory:Main"] == "69993 WIDGET {1.785714 GBP, 2024-01-04}"
    assert balances["Expenses:COGS"] == "45012.52 GBP"
    assert balances["Liabilities:Payable:Supplies-Co"] == "-170000.00 GBP"
    assert loaded.book.orders["SO-1"].lines[0].cost == D("45012.50")
    # Value on hand (69993 x 1.785714 = 124987.480002) plus COGS is what the
    # receipts cost, to within the rounding of the three COGS postings.
    [position] = loaded.book.stock_positions()
    assert position.value == D("124987.480002")
    assert position.value + D("45012.52") - D("170000.00") == D("0.000002")


@ledger()
def test_average_cost_residue_can_be_negative(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Inventory:Main
      valuation: "average"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 10000 1.00 GBP
      supplier: "Supplies Co"
    2024-01-03 custom "stock-in" "PO-2" "WIDGET" 20000 2.00 GBP
      supplier: "Supplies Co"
    """
    # 50000.00 / 30000 = 1.666667 (rounded up); 30000 x 1.666667 = 50000.01:
    # COGS -0.01.
    assert txns(loaded)[-1] == dedent("""
        2024-01-03 * "Average cost of WIDGET at Main: 30000 at 1.666667 GBP" ^PO-2
          item: "WIDGET"
          location: "Main"
          Assets:Inventory:Main  -10000 WIDGET {1.00 GBP, 2024-01-01, "PO-1"}
          Assets:Inventory:Main  -20000 WIDGET {2.00 GBP, 2024-01-03, "PO-2"}
          Assets:Inventory:Main   30000 WIDGET {1.666667 GBP, 2024-01-03}
          Expenses:COGS           -0.01 GBP
            item: "WIDGET"
    """)
    [position] = loaded.book.stock_positions()
    assert (position.on_hand, position.value) == (D(30000), D("50000.01"))


@ledger()
def test_average_relot_residue_below_half_a_cent_is_posted_as_zero_money(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Inventory:Main
      valuation: "average"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 4 1.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "stock-in" "PO-2" "WIDGET" 2 2.50 GBP
      supplier: "Supplies Co"
    2024-01-03 custom "order" "SO-1" "acme"
    2024-01-03 custom "line" "SO-1" "WIDGET" 10 10.00 GBP
    2024-01-03 custom "dispatch" "SO-1" "WIDGET" 3
    2024-01-04 custom "stock-in" "PO-3" "WIDGET" 4 2.00 GBP
      supplier: "Supplies Co"
    2024-01-05 custom "dispatch" "SO-1" "WIDGET" 7
    """
    # (3 x 1.500000 + 8.00) / 7 = 1.785714; 7 x 1.785714 = 12.499998: the residue
    # 0.000002 rounds to 0.00, which is posted all the same, so that Beancount
    # infers the re-lot's tolerance (half a cent) from it and it balances.
    assert txns(loaded)[-2:] == [
        dedent("""
            2024-01-04 * "Average cost of WIDGET at Main: 7 at 1.785714 GBP" ^PO-3
              item: "WIDGET"
              location: "Main"
              Assets:Inventory:Main    -3 WIDGET {1.500000 GBP, 2024-01-02}
              Assets:Inventory:Main    -4 WIDGET {2.00 GBP, 2024-01-04, "PO-3"}
              Assets:Inventory:Main     7 WIDGET {1.785714 GBP, 2024-01-04}
              Expenses:COGS          0.00 GBP
                item: "WIDGET"
        """),
        dedent("""
            2024-01-05 * "Acme Ltd" "Dispatch for order SO-1" ^SO-1
              order: "SO-1"
              customer: "acme"
              Assets:Inventory:Main     -7 WIDGET {1.785714 GBP, 2024-01-04}
              Expenses:COGS          12.50 GBP
                item: "WIDGET"
        """),
    ]
    # COGS 4.50 + 0.00 + 12.50: what the three receipts cost, 4.00 + 5.00 + 8.00.
    assert loaded.balances()["Expenses:COGS"] == "17.00 GBP"
    assert "Assets:Inventory:Main" not in loaded.balances()
    assert loaded.book.orders["SO-1"].lines[0].cost == D("17.00")


@ledger()
def test_average_cost_dispatch_and_return_post_cogs_to_the_cent(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Inventory:Main
      valuation: "average"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 4999 14.08 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "stock-in" "PO-2" "WIDGET" 1 30.75 GBP
      supplier: "Supplies Co"
    2024-01-03 custom "order" "SO-1" "acme"
    2024-01-03 custom "line" "SO-1" "WIDGET" 3 20.00 GBP
    2024-01-04 custom "dispatch" "SO-1"
    2024-01-05 custom "return" "R-1" "SO-1" "WIDGET" 1
    """
    # (70385.92 + 30.75) / 5000 = 14.083334 exactly: no residue. The lot keeps
    # its 6 places; COGS is money: 3 x 14.083334 = 42.250002 posts 42.25, and
    # the unit back 14.083334 posts -14.08.
    assert txns(loaded)[-3:] == [
        dedent("""
            2024-01-02 * "Average cost of WIDGET at Main: 5000 at 14.083334 GBP" ^PO-2
              item: "WIDGET"
              location: "Main"
              Assets:Inventory:Main  -4999 WIDGET {14.08 GBP, 2024-01-01, "PO-1"}
              Assets:Inventory:Main     -1 WIDGET {30.75 GBP, 2024-01-02, "PO-2"}
              Assets:Inventory:Main   5000 WIDGET {14.083334 GBP, 2024-01-02}
        """),
        dedent("""
            2024-01-04 * "Acme Ltd" "Dispatch for order SO-1" ^SO-1
              order: "SO-1"
              customer: "acme"
              Assets:Inventory:Main     -3 WIDGET {14.083334 GBP, 2024-01-02}
              Expenses:COGS          42.25 GBP
                item: "WIDGET"
        """),
        dedent("""
            2024-01-05 * "Acme Ltd" "Return R-1 of 1 WIDGET for order SO-1 (resaleable)" ^R-1 ^SO-1
              order: "SO-1"
              customer: "acme"
              return: "R-1"
              Assets:Inventory:Main       1 WIDGET {14.083334 GBP, 2024-01-02}
              Expenses:COGS          -14.08 GBP
                item: "WIDGET"
        """),  # noqa: E501
    ]
    line = loaded.book.orders["SO-1"].lines[0]
    assert (line.cost, line.returned) == (D("28.17"), D(1))
    assert loaded.balances()["Expenses:COGS"] == "28.17 GBP"
    assert lots(loaded, "Assets:Inventory:Main", "WIDGET") == {
        Cost(D("14.083334"), "GBP", jan(2), None): D(4998)
    }


@ledger()
def test_stock_in_payable_is_rounded_to_the_cent(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 3 0.125 GBP
      supplier: "Supplies Co"
    """
    # The lot keeps the cost as written; the payable is money: 0.375 -> 0.38.
    assert loaded.expand() == dedent("""
        2024-01-01 * "Supplies Co" "Receipt PO-1: 3 WIDGET into Main" ^PO-1
          po: "PO-1"
          supplier: "Supplies Co"
          item: "WIDGET"
          Assets:Inventory:Main                3 WIDGET {0.125 GBP, 2024-01-01, "PO-1"}
          Liabilities:Payable:Supplies-Co  -0.38 GBP
    """)


@ledger(expect_errors=None)
def test_average_account_after_a_return_still_dispatches(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Inventory:Main
      valuation: "average"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 4 1.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "stock-in" "PO-2" "WIDGET" 4 2.00 GBP
      supplier: "Supplies Co"
    2024-01-04 custom "order" "SO-1" "acme"
    2024-01-04 custom "line" "SO-1" "WIDGET" 4 10.00 GBP
    2024-01-06 custom "dispatch" "SO-1" "WIDGET" 2
    2024-01-07 custom "stock-in" "PO-3" "WIDGET" 6 3.00 GBP
      supplier: "Supplies Co"
    2024-01-08 custom "return" "R-1" "SO-1" "WIDGET" 1
    2024-01-09 custom "dispatch" "SO-1" "WIDGET" 1
    """
    # The return comes back at its original cost (1.50); the account must still
    # dispatch at one moving-average cost, without asking for a batch.
    assert loaded.messages == []
    assert loaded.book.uncosted == []
    holding = loaded.book.stock.get("Assets:Inventory:Main", "WIDGET")
    assert holding is not None and len(holding.lots) == 1


@ledger(expect_errors=None)
def test_average_account_after_a_transfer_in_still_dispatches(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Inventory:Main "FIFO"
    2024-01-01 open Assets:Inventory:Shop
      valuation: "average"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 4 1.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "stock-in" "PO-2" "WIDGET" 4 2.00 GBP
      supplier: "Supplies Co"
      location: "Shop"
    2024-01-03 custom "transfer" "WIDGET" 2 "Main" "Shop"
    2024-01-04 custom "order" "SO-1" "acme"
      location: "Shop"
    2024-01-04 custom "line" "SO-1" "WIDGET" 2 10.00 GBP
    2024-01-06 custom "dispatch" "SO-1"
    """
    assert loaded.messages == []
    assert loaded.book.uncosted == []
    [dispatch] = loaded.book.dispatches
    [(_cost, units)] = dispatch.lines[0].lots  # one average lot
    assert units == 2


# --------------------------------------------------------------------------
# transfer


@ledger()
def test_transfer_keeps_lots_and_the_new_location_dispatches(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Inventory:Main "LIFO"
    2024-01-01 open Assets:Inventory:Shop "FIFO"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 3 4.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "stock-in" "PO-2" "WIDGET" 3 6.00 GBP
      supplier: "Supplies Co"
    2024-01-03 custom "transfer" "WIDGET" 4 "Main" "Shop"
    2024-01-04 custom "order" "SO-1" "acme"
      location: "Shop"
    2024-01-04 custom "line" "SO-1" "WIDGET" 2 10.00 GBP
    2024-01-05 custom "dispatch" "SO-1"
    """
    # Main is LIFO: the transfer moves 3 of PO-2 then 1 of PO-1, each keeping its
    # cost, date and label. Shop is FIFO by the lots' own dates: PO-1 (2024-01-01)
    # first, then PO-2: 4.00 + 6.00 = 10.00.
    assert txns(loaded)[2:] == [
        dedent("""
            2024-01-03 * "Transfer of 4 WIDGET from Main to Shop" ^TRANSFER-20240103-1
              item: "WIDGET"
              transfer: "TRANSFER-20240103-1"
              Assets:Inventory:Main  -3 WIDGET {6.00 GBP, 2024-01-02, "PO-2"}
              Assets:Inventory:Main  -1 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
              Assets:Inventory:Shop   3 WIDGET {6.00 GBP, 2024-01-02, "PO-2"}
              Assets:Inventory:Shop   1 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
        """),
        dedent("""
            2024-01-05 * "Acme Ltd" "Dispatch for order SO-1" ^SO-1
              order: "SO-1"
              customer: "acme"
              Assets:Inventory:Shop     -1 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
              Assets:Inventory:Shop     -1 WIDGET {6.00 GBP, 2024-01-02, "PO-2"}
              Expenses:COGS          10.00 GBP
                item: "WIDGET"
        """),
    ]
    assert lots(loaded, "Assets:Inventory:Main", "WIDGET") == {lot("4.00", 1, "PO-1"): 2}
    assert lots(loaded, "Assets:Inventory:Shop", "WIDGET") == {lot("6.00", 2, "PO-2"): 2}
    [transfer] = loaded.book.transfers
    assert (transfer.item, transfer.qty, transfer.source, transfer.target) == (
        "WIDGET",
        D(4),
        "Main",
        "Shop",
    )
    assert transfer.lots == [(lot("6.00", 2, "PO-2"), D(3)), (lot("4.00", 1, "PO-1"), D(1))]


@ledger(expect_errors=True)
def test_transfer_errors(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Inventory:Main "STRICT"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 3 4.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "stock-in" "PO-2" "WIDGET" 3 6.00 GBP
      supplier: "Supplies Co"
    2024-01-03 custom "transfer" "WIDGET" 7 "Main" "Shop"
    2024-01-03 custom "transfer" "WIDGET" 1 "Main" "main"
    2024-01-03 custom "transfer" "WIDGET" 1 "Main" "Shop"
    2024-01-03 custom "transfer" "WIDGET" 4 "Main" "Shop"
      batch: "PO-2"
    2024-01-04 custom "transfer" "WIDGET" 2 "Main" "Shop"
      batch: "PO-2"
    """
    assert loaded.messages == [
        (
            8,
            "Transfer of 7 WIDGET from Main to Shop: not enough WIDGET at location Main "
            "(Assets:Inventory:Main): 7 needed, 6 on hand",
        ),
        (
            9,
            "Transfer of 1 WIDGET from Main to main: both locations are "
            "Assets:Inventory:Main",
        ),
        (
            10,
            "Transfer of 1 WIDGET from Main to Shop: Assets:Inventory:Main books by "
            "STRICT and holds 2 lots of WIDGET (PO-1, PO-2); name one with batch metadata",
        ),
        (
            11,
            "Transfer of 4 WIDGET from Main to Shop: not enough WIDGET at location Main "
            '(Assets:Inventory:Main, batch "PO-2"): 4 needed, 3 on hand',
        ),
    ]
    # Only the last transfer (a batch under STRICT) moves anything.
    assert txns(loaded)[2:] == [
        dedent("""
            2024-01-04 * "Transfer of 2 WIDGET from Main to Shop" ^TRANSFER-20240104-1
              item: "WIDGET"
              transfer: "TRANSFER-20240104-1"
              Assets:Inventory:Main  -2 WIDGET {6.00 GBP, 2024-01-02, "PO-2"}
              Assets:Inventory:Shop   2 WIDGET {6.00 GBP, 2024-01-02, "PO-2"}
        """)
    ]
    assert len(loaded.book.transfers) == 1
    assert lots(loaded, "Assets:Inventory:Main", "WIDGET") == {
        lot("4.00", 1, "PO-1"): D(3),
        lot("6.00", 2, "PO-2"): D(1),
    }


# --------------------------------------------------------------------------
# return


@ledger()
def test_return_after_a_dearer_lot_arrived_restocks_at_the_original_cost(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Inventory:Main "FIFO"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 3 4.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 10.00 GBP
    2024-01-03 custom "dispatch" "SO-1"
    2024-01-10 custom "stock-in" "PO-2" "WIDGET" 3 7.00 GBP
      supplier: "Supplies Co"
    2024-01-12 custom "return" "R-1" "SO-1" "WIDGET" 1
    2024-01-13 custom "order" "SO-2" "acme"
    2024-01-13 custom "line" "SO-2" "WIDGET" 3 10.00 GBP
    2024-01-14 custom "dispatch" "SO-2"
    """
    # The return is the PO-1 lot at 4.00, not today's 7.00. FIFO then takes the
    # 2 PO-1 units (1 left + 1 returned) and 1 of PO-2: 8.00 + 7.00 = 15.00.
    assert loaded.expand() == dedent("""
        2024-01-01 * "Supplies Co" "Receipt PO-1: 3 WIDGET into Main" ^PO-1
          po: "PO-1"
          supplier: "Supplies Co"
          item: "WIDGET"
          Assets:Inventory:Main                 3 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
          Liabilities:Payable:Supplies-Co  -12.00 GBP

        2024-01-03 * "Acme Ltd" "Dispatch for order SO-1" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Inventory:Main    -2 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
          Expenses:COGS          8.00 GBP
            item: "WIDGET"

        2024-01-10 * "Supplies Co" "Receipt PO-2: 3 WIDGET into Main" ^PO-2
          po: "PO-2"
          supplier: "Supplies Co"
          item: "WIDGET"
          Assets:Inventory:Main                 3 WIDGET {7.00 GBP, 2024-01-10, "PO-2"}
          Liabilities:Payable:Supplies-Co  -21.00 GBP

        2024-01-12 * "Acme Ltd" "Return R-1 of 1 WIDGET for order SO-1 (resaleable)" ^R-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          return: "R-1"
          Assets:Inventory:Main      1 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
          Expenses:COGS          -4.00 GBP
            item: "WIDGET"

        2024-01-14 * "Acme Ltd" "Dispatch for order SO-2" ^SO-2
          order: "SO-2"
          customer: "acme"
          Assets:Inventory:Main     -2 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
          Assets:Inventory:Main     -1 WIDGET {7.00 GBP, 2024-01-10, "PO-2"}
          Expenses:COGS          15.00 GBP
            item: "WIDGET"
    """)  # noqa: E501
    # Receipts 12.00 + 21.00 = stock 2 x 7.00 + COGS (8.00 - 4.00 + 15.00).
    assert loaded.balances()["Expenses:COGS"] == "19.00 GBP"
    assert lots(loaded, "Assets:Inventory:Main", "WIDGET") == {lot("7.00", 10, "PO-2"): 2}
    returned = loaded.book.returns["R-1"]
    assert (returned.condition, returned.lots, returned.cost) == (
        "resaleable",
        [("Assets:Inventory:Main", lot("4.00", 1, "PO-1"), D(1))],
        D("4.00"),
    )


@ledger(expect_errors=True)
def test_returns_follow_the_dispatch_order_batch_and_location(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Inventory:Main "LIFO"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 3 4.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "stock-in" "PO-2" "WIDGET" 3 6.00 GBP
      supplier: "Supplies Co"
    2024-01-04 custom "order" "SO-1" "acme"
    2024-01-04 custom "line" "SO-1" "WIDGET" 5 10.00 GBP
    2024-01-05 custom "dispatch" "SO-1"
    2024-01-10 custom "return" "R-1" "SO-1" "WIDGET" 1
    2024-01-11 custom "return" "R-2" "SO-1" "WIDGET" 1
      batch: "PO-1"
    2024-01-12 custom "return" "R-3" "SO-1" "WIDGET" 2
      location: "Returns"
    2024-01-13 custom "return" "R-4" "SO-1" "WIDGET" 2
    """
    # LIFO dispatch: 3 of PO-2 (18.00), then 2 of PO-1 (8.00) = 26.00.
    # the first lot the dispatch took, PO-2 (6.00), whatever FIFO would say.
    # batch PO-1 (4.00). R-3: the next in dispatch order, 2 of PO-2 (12.00),
    # into the Returns location. R-4: only 1 unit (of PO-1) is left to return.
    assert loaded.messages == [
        (
            17,
            'Return "R-4" of order "SO-1": 2 WIDGET cannot come back: only 1 dispatched '
            "and not yet returned",
        )
    ]
    assert txns(loaded)[2:] == [
        dedent("""
            2024-01-05 * "Acme Ltd" "Dispatch for order SO-1" ^SO-1
              order: "SO-1"
              customer: "acme"
              Assets:Inventory:Main     -3 WIDGET {6.00 GBP, 2024-01-02, "PO-2"}
              Assets:Inventory:Main     -2 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
              Expenses:COGS          26.00 GBP
                item: "WIDGET"
        """),
        dedent("""
            2024-01-10 * "Acme Ltd" "Return R-1 of 1 WIDGET for order SO-1 (resaleable)" ^R-1 ^SO-1
              order: "SO-1"
              customer: "acme"
              return: "R-1"
              Assets:Inventory:Main      1 WIDGET {6.00 GBP, 2024-01-02, "PO-2"}
              Expenses:COGS          -6.00 GBP
                item: "WIDGET"
        """),  # noqa: E501
        dedent("""
            2024-01-11 * "Acme Ltd" "Return R-2 of 1 WIDGET for order SO-1 (resaleable)" ^R-2 ^SO-1
              order: "SO-1"
              customer: "acme"
              return: "R-2"
              Assets:Inventory:Main      1 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
              Expenses:COGS          -4.00 GBP
                item: "WIDGET"
        """),  # noqa: E501
        dedent("""
            2024-01-12 * "Acme Ltd" "Return R-3 of 2 WIDGET for order SO-1 (resaleable)" ^R-3 ^SO-1
              order: "SO-1"
              customer: "acme"
              return: "R-3"
              Assets:Inventory:Returns       2 WIDGET {6.00 GBP, 2024-01-02, "PO-2"}
              Expenses:COGS             -12.00 GBP
                item: "WIDGET"
        """),  # noqa: E501
    ]
    assert sorted(loaded.book.returns) == ["R-1", "R-2", "R-3"]
    assert "R-4" not in loaded.book.documents
    balances = loaded.balances()
    assert balances["Expenses:COGS"] == "4.00 GBP"
    assert balances["Assets:Inventory:Returns"] == '2 WIDGET {6.00 GBP, 2024-01-02, "PO-2"}'
    assert lots(loaded, "Assets:Inventory:Main", "WIDGET") == {
        lot("4.00", 1, "PO-1"): D(2),
        lot("6.00", 2, "PO-2"): D(1),
    }
    line = loaded.book.orders["SO-1"].lines[0]
    assert (line.returned, line.cost) == (D(4), D("4.00"))


@ledger()
def test_damaged_return_is_recorded_without_restock(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Inventory:Main "FIFO"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 3 4.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 10.00 GBP
    2024-01-03 custom "dispatch" "SO-1"
    2024-01-12 custom "return" "R-1" "SO-1" "WIDGET" 1
      condition: "damaged"
    """
    # No restock and no money: the only generated transactions are the receipt
    # and the dispatch; the cost of the broken unit stays in COGS.
    assert loaded.expand() == dedent("""
        2024-01-01 * "Supplies Co" "Receipt PO-1: 3 WIDGET into Main" ^PO-1
          po: "PO-1"
          supplier: "Supplies Co"
          item: "WIDGET"
          Assets:Inventory:Main                 3 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
          Liabilities:Payable:Supplies-Co  -12.00 GBP

        2024-01-03 * "Acme Ltd" "Dispatch for order SO-1" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Inventory:Main    -2 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
          Expenses:COGS          8.00 GBP
            item: "WIDGET"
    """)
    returned = loaded.book.returns["R-1"]
    assert (returned.condition, returned.qty, returned.lots, returned.cost) == (
        "damaged",
        D(1),
        [],
        D(0),
    )
    assert loaded.book.orders["SO-1"].returns == ("R-1",)
    line = loaded.book.orders["SO-1"].lines[0]
    assert (line.returned, line.cost) == (D(1), D("8.00"))
    assert lots(loaded, "Assets:Inventory:Main", "WIDGET") == {lot("4.00", 1, "PO-1"): 1}
    assert loaded.balances()["Expenses:COGS"] == "8.00 GBP"


# --------------------------------------------------------------------------
# Short dispatches: what is on hand leaves at once, the rest is owed to stock
# and costed from the next receipt (or transfer in) of the item at the location

SHORT_WIDGET = (
    'Dispatch for order "SO-1": not enough WIDGET at location Main '
    "(Assets:Inventory:Main): 7 needed, 5 on hand; 2 are owed to stock, costed from "
    "its next receipt there"
)


@ledger(expect_errors=True)
def test_short_dispatch_takes_what_is_on_hand_and_owes_the_rest(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Inventory:Main "FIFO"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 5 4.00 GBP
      supplier: "Supplies Co"
    2024-01-01 custom "stock-in" "PO-2" "GADGET" 2 1.50 GBP
      supplier: "Supplies Co"
    2024-01-04 custom "order" "SO-1" "acme"
    2024-01-04 custom "line" "SO-1" "WIDGET" 7 10.00 GBP
    2024-01-04 custom "line" "SO-1" "GADGET" 1 5.00 GBP
    2024-01-06 custom "dispatch" "SO-1"
    2024-01-08 custom "return" "R-1" "SO-1" "WIDGET" 6
    2024-01-08 custom "return" "R-2" "SO-1" "WIDGET" 1
    2024-01-09 custom "return" "R-3" "SO-1" "WIDGET" 5
      condition: "damaged"
    """
    # The 5 WIDGET on hand leave at once (5 x 4.00); 2 are owed to stock. Only the
    # units that took a lot can go back into stock: R-1 asks for 6 of them.
    assert loaded.messages == [
        (12, SHORT_WIDGET),
        (
            13,
            'Return "R-1" of order "SO-1": 6 WIDGET cannot come back: only 5 dispatched '
            "and not yet returned (units dispatched without stock cannot go back into "
            "stock)",
        ),
    ]
    assert txns(loaded)[2:] == [
        dedent("""
            2024-01-06 * "Acme Ltd" "Dispatch for order SO-1" ^SO-1
              order: "SO-1"
              customer: "acme"
              Assets:Inventory:Main     -5 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
              Expenses:COGS          20.00 GBP
                item: "WIDGET"
              Assets:Inventory:Main     -1 GADGET {1.50 GBP, 2024-01-01, "PO-2"}
              Expenses:COGS           1.50 GBP
                item: "GADGET"
        """),
        dedent("""
            2024-01-08 * "Acme Ltd" "Return R-2 of 1 WIDGET for order SO-1 (resaleable)" ^R-2 ^SO-1
              order: "SO-1"
              customer: "acme"
              return: "R-2"
              Assets:Inventory:Main      1 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
              Expenses:COGS          -4.00 GBP
                item: "WIDGET"
        """),  # noqa: E501
    ]
    # R-3 (damaged) brings back the 4 units left of the lot, then 1 still owed,
    # which is then no longer owed: 1 stays owed.
    book = loaded.book
    [(dispatch, sent)] = book.uncosted
    assert (dispatch.order, dispatch.date, dispatch.meta["lineno"]) == ("SO-1", jan(6), 12)
    assert (sent.item, sent.qty, sent.owed, sent.uncosted, sent.returned) == (
        "WIDGET",
        D(7),
        D(1),
        True,
        D(6),
    )
    assert sent.lots == [(lot("4.00", 1, "PO-1"), D(5))]
    order = book.orders["SO-1"]
    widget, gadget = order.lines
    assert (widget.dispatched, widget.uncosted, widget.cost, widget.returned) == (
        D(7),
        D(1),
        D("16.00"),
        D(6),
    )
    assert (gadget.dispatched, gadget.uncosted, gadget.cost) == (D(1), D(0), D("1.50"))
    assert order.dispatched_status is Status.FULL
    assert lots(loaded, "Assets:Inventory:Main", "WIDGET") == {lot("4.00", 1, "PO-1"): 1}
    assert book.returns["R-3"].lots == []


@ledger(expect_errors=True)
def test_short_dispatch_is_costed_by_the_next_stock_in(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Inventory:Main "FIFO"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 5 4.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 7 10.00 GBP
    2024-01-04 custom "dispatch" "SO-1"
    2024-01-09 custom "stock-in" "PO-2" "WIDGET" 6 4.50 GBP
      supplier: "Supplies Co"
    """
    # PO-2 pays the 2 owed first, at its own lot (2 x 4.50), on its own date,
    # linked to the order; the other 4 are on hand.
    assert loaded.messages == [(9, SHORT_WIDGET)]
    assert loaded.expand() == dedent("""
        2024-01-01 * "Supplies Co" "Receipt PO-1: 5 WIDGET into Main" ^PO-1
          po: "PO-1"
          supplier: "Supplies Co"
          item: "WIDGET"
          Assets:Inventory:Main                 5 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
          Liabilities:Payable:Supplies-Co  -20.00 GBP

        2024-01-04 * "Acme Ltd" "Dispatch for order SO-1" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Inventory:Main     -5 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
          Expenses:COGS          20.00 GBP
            item: "WIDGET"

        2024-01-09 * "Supplies Co" "Receipt PO-2: 6 WIDGET into Main" ^PO-2
          po: "PO-2"
          supplier: "Supplies Co"
          item: "WIDGET"
          Assets:Inventory:Main                 6 WIDGET {4.50 GBP, 2024-01-09, "PO-2"}
          Liabilities:Payable:Supplies-Co  -27.00 GBP

        2024-01-09 * "Acme Ltd" "Cost of 2 WIDGET dispatched short on 2024-01-04 for order SO-1" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Inventory:Main    -2 WIDGET {4.50 GBP, 2024-01-09, "PO-2"}
          Expenses:COGS          9.00 GBP
            item: "WIDGET"
    """)  # noqa: E501
    assert loaded.book.uncosted == []
    [dispatch] = loaded.book.dispatches
    [sent] = dispatch.lines
    assert (sent.qty, sent.owed, sent.uncosted) == (D(7), D(0), False)
    assert sent.lots == [(lot("4.00", 1, "PO-1"), D(5)), (lot("4.50", 9, "PO-2"), D(2))]
    line = loaded.book.orders["SO-1"].lines[0]
    assert (line.dispatched, line.uncosted, line.cost) == (D(7), D(0), D("29.00"))
    assert lots(loaded, "Assets:Inventory:Main", "WIDGET") == {lot("4.50", 9, "PO-2"): 4}
    assert loaded.balances()["Expenses:COGS"] == "29.00 GBP"


@ledger(expect_errors=True)
def test_short_dispatch_is_costed_by_a_transfer_in_then_a_receipt(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Inventory:Main "FIFO"
    2024-01-01 open Assets:Inventory:Shop "FIFO"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 2 4.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "stock-in" "PO-2" "WIDGET" 5 6.00 GBP
      supplier: "Supplies Co"
      location: "Shop"
    2024-01-03 custom "order" "SO-1" "acme"
    2024-01-03 custom "line" "SO-1" "WIDGET" 5 10.00 GBP
    2024-01-04 custom "dispatch" "SO-1"
    2024-01-06 custom "transfer" "WIDGET" 2 "Shop" "Main"
    2024-01-08 custom "stock-in" "PO-3" "WIDGET" 3 5.00 GBP
      supplier: "Supplies Co"
    """
    # 2 leave at once, 3 are owed. The transfer in pays 2 of them at the lot it
    # brings (PO-2, its own cost, date and label); PO-3 pays the last one.
    assert loaded.messages == [
        (
            13,
            'Dispatch for order "SO-1": not enough WIDGET at location Main '
            "(Assets:Inventory:Main): 5 needed, 2 on hand; 3 are owed to stock, costed "
            "from its next receipt there",
        )
    ]
    costing = [t for t in loaded.transactions if t.narration.startswith("Cost of")]
    assert format_entries(costing) == dedent("""
        2024-01-06 * "Acme Ltd" "Cost of 2 WIDGET dispatched short on 2024-01-04 for order SO-1" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Inventory:Main     -2 WIDGET {6.00 GBP, 2024-01-02, "PO-2"}
          Expenses:COGS          12.00 GBP
            item: "WIDGET"

        2024-01-08 * "Acme Ltd" "Cost of 1 WIDGET dispatched short on 2024-01-04 for order SO-1" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Inventory:Main    -1 WIDGET {5.00 GBP, 2024-01-08, "PO-3"}
          Expenses:COGS          5.00 GBP
            item: "WIDGET"
    """)  # noqa: E501
    # Each is dated and sourced by what paid it: the transfer's line, PO-3's line.
    assert [t.meta["lineno"] for t in costing] == [14, 15]
    assert loaded.book.uncosted == []
    line = loaded.book.orders["SO-1"].lines[0]
    assert (line.uncosted, line.cost) == (D(0), D("25.00"))
    assert lots(loaded, "Assets:Inventory:Main", "WIDGET") == {lot("5.00", 8, "PO-3"): 2}
    assert lots(loaded, "Assets:Inventory:Shop", "WIDGET") == {lot("6.00", 2, "PO-2"): 3}


@ledger(expect_errors=True)
def test_short_dispatch_under_average_cost_is_costed_at_the_average_after_the_receipt(
    loaded,
):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Inventory:Main
      valuation: "average"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 3 4.00 GBP
      supplier: "Supplies Co"
    2024-01-01 custom "order" "SO-1" "acme"
    2024-01-01 custom "line" "SO-1" "WIDGET" 4 10.00 GBP
    2024-01-01 custom "order" "SO-2" "acme"
    2024-01-01 custom "line" "SO-2" "WIDGET" 1 10.00 GBP
    2024-01-02 custom "dispatch" "SO-2"
    2024-01-03 custom "dispatch" "SO-1"
    2024-01-04 custom "return" "R-1" "SO-2" "WIDGET" 1
    2024-01-05 custom "stock-in" "PO-2" "WIDGET" 3 6.25 GBP
      supplier: "Supplies Co"
    """
    # SO-1 takes the 2 left and owes 2. R-1 puts 1 back at 4.00 (a return does not
    # pay what is owed). PO-2 then makes (4.00 + 18.75) / 4 = 5.687500, and the 2
    # owed are costed at that average: 11.375, 11.38 in money.
    assert loaded.messages == [
        (
            13,
            'Dispatch for order "SO-1": not enough WIDGET at location Main '
            "(Assets:Inventory:Main): 4 needed, 2 on hand; 2 are owed to stock, costed "
            "from its next receipt there",
        )
    ]
    assert txns(loaded)[-2:] == [
        dedent("""
            2024-01-05 * "Average cost of WIDGET at Main: 4 at 5.687500 GBP" ^PO-2
              item: "WIDGET"
              location: "Main"
              Assets:Inventory:Main  -1 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
              Assets:Inventory:Main  -3 WIDGET {6.25 GBP, 2024-01-05, "PO-2"}
              Assets:Inventory:Main   4 WIDGET {5.687500 GBP, 2024-01-05}
        """),
        dedent("""
            2024-01-05 * "Acme Ltd" "Cost of 2 WIDGET dispatched short on 2024-01-03 for order SO-1" ^SO-1
              order: "SO-1"
              customer: "acme"
              Assets:Inventory:Main     -2 WIDGET {5.687500 GBP, 2024-01-05}
              Expenses:COGS          11.38 GBP
                item: "WIDGET"
        """),  # noqa: E501
    ]
    assert loaded.book.uncosted == []
    line = loaded.book.orders["SO-1"].lines[0]
    assert (line.uncosted, line.cost) == (D(0), D("19.38"))
    assert lots(loaded, "Assets:Inventory:Main", "WIDGET") == {
        Cost(D("5.687500"), "GBP", jan(5), None): D(2)
    }


@ledger(expect_errors=True)
def test_a_later_dispatch_does_not_take_the_stock_of_units_owed(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Inventory:Main "FIFO"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 2 4.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 4 10.00 GBP
    2024-01-02 custom "order" "SO-2" "acme"
    2024-01-02 custom "line" "SO-2" "WIDGET" 3 10.00 GBP
    2024-01-03 custom "dispatch" "SO-1"
    2024-01-05 custom "stock-in" "PO-2" "WIDGET" 3 5.00 GBP
      supplier: "Supplies Co"
    2024-01-06 custom "dispatch" "SO-2"
    """
    # PO-2's 3 units: 2 go to SO-1's owed units on its own date, so SO-2 finds 1.
    assert loaded.messages == [
        (
            11,
            'Dispatch for order "SO-1": not enough WIDGET at location Main '
            "(Assets:Inventory:Main): 4 needed, 2 on hand; 2 are owed to stock, costed "
            "from its next receipt there",
        ),
        (
            14,
            'Dispatch for order "SO-2": not enough WIDGET at location Main '
            "(Assets:Inventory:Main): 3 needed, 1 on hand; 2 are owed to stock, costed "
            "from its next receipt there",
        ),
    ]
    assert txns(loaded)[-2:] == [
        dedent("""
            2024-01-05 * "Acme Ltd" "Cost of 2 WIDGET dispatched short on 2024-01-03 for order SO-1" ^SO-1
              order: "SO-1"
              customer: "acme"
              Assets:Inventory:Main     -2 WIDGET {5.00 GBP, 2024-01-05, "PO-2"}
              Expenses:COGS          10.00 GBP
                item: "WIDGET"
        """),  # noqa: E501
        dedent("""
            2024-01-06 * "Acme Ltd" "Dispatch for order SO-2" ^SO-2
              order: "SO-2"
              customer: "acme"
              Assets:Inventory:Main    -1 WIDGET {5.00 GBP, 2024-01-05, "PO-2"}
              Expenses:COGS          5.00 GBP
                item: "WIDGET"
        """),
    ]
    [(dispatch, sent)] = loaded.book.uncosted
    assert (dispatch.order, sent.qty, sent.owed) == ("SO-2", D(3), D(2))
    so1, so2 = (loaded.book.orders[o].lines[0] for o in ("SO-1", "SO-2"))
    assert (so1.uncosted, so1.cost) == (D(0), D("18.00"))
    assert (so2.uncosted, so2.cost) == (D(2), D("5.00"))
    assert lots(loaded, "Assets:Inventory:Main", "WIDGET") == {}


@ledger(expect_errors=True)
def test_a_line_never_costed_stays_listed_with_the_units_owed(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Inventory:Main "FIFO"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 5 4.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 7 10.00 GBP
    2024-01-04 custom "dispatch" "SO-1"
    2024-01-09 custom "stock-in" "PO-2" "WIDGET" 6 4.50 GBP
      supplier: "Supplies Co"
      location: "Shop"
    2024-01-09 custom "stock-in" "PO-3" "GADGET" 6 1.50 GBP
      supplier: "Supplies Co"
    """
    # Receipts of the item elsewhere, or of another item here, pay nothing: the
    # 2 WIDGET stay owed, and the line stays listed with them (not with its 7).
    assert loaded.messages == [(9, SHORT_WIDGET)]
    assert not any(t.narration.startswith("Cost of") for t in loaded.transactions)
    [(dispatch, sent)] = loaded.book.uncosted
    assert (dispatch.order, sent.item, sent.qty, sent.owed) == ("SO-1", "WIDGET", 7, 2)
    assert loaded.book.orders["SO-1"].lines[0].uncosted == D(2)
    report = stock_report(loaded.book)
    assert report.uncosted == (
        UncostedRow(
            jan(4), "SO-1", "acme", "Acme Ltd", "WIDGET", D(2), "Main", "<string>", 9
        ),
    )
    assert stock_report(loaded.book, "GADGET").uncosted == ()
    assert lots(loaded, "Assets:Inventory:Shop", "WIDGET") == {lot("4.50", 9, "PO-2"): 6}


# --------------------------------------------------------------------------
# commit and stock positions


@ledger()
def test_commit_and_stock_positions(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Inventory:Main "FIFO"
    2024-01-01 open Assets:Inventory:Shop "FIFO"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 5 4.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "stock-in" "PO-2" "WIDGET" 5 5.00 GBP
      supplier: "Supplies Co"
      batch: "B-2"
    2024-01-02 custom "stock-in" "PO-3" "GADGET" 3 6.00 GBP
      supplier: "Supplies Co"
      location: "Shop"
    2024-01-04 custom "order" "SO-1" "acme"
    2024-01-04 custom "line" "SO-1" "WIDGET" 4 10.00 GBP
    2024-01-04 custom "commit" "SO-1" "WIDGET" 3
      batch: "B-2"
    2024-01-04 custom "order" "SO-2" "acme"
      location: "Shop"
    2024-01-04 custom "line" "SO-2" "GADGET" 2 10.00 GBP
    2024-01-04 custom "line" "SO-2" "WIDGET" 1 10.00 GBP
    2024-01-04 custom "commit" "SO-2"
    2024-01-04 custom "order" "SO-3" "acme"
    2024-01-04 custom "line" "SO-3" "GADGET" 1 10.00 GBP
    2024-01-04 custom "commit" "SO-3"
      location: "Shop"
    2024-01-05 custom "dispatch" "SO-1" "WIDGET" 1
      batch: "B-2"
    """
    # SO-1 committed 3 of batch B-2 at Main and dispatched 1: 2 still committed.
    # SO-2 commits at its order's location, Shop: 2 GADGET and 1 WIDGET (none on
    # hand: available -1). SO-3 commits 1 GADGET at Shop by metadata.
    gbp = "GBP"
    main, shop = "Assets:Inventory:Main", "Assets:Inventory:Shop"
    assert loaded.book.stock_positions() == [
        StockPosition("WIDGET", "Main", main, None, D(9), D("40.00"), gbp, D(2)),
        StockPosition("WIDGET", "Main", main, "B-2", D(4), D("20.00"), gbp, D(2)),
        StockPosition("WIDGET", "Main", main, "PO-1", D(5), D("20.00"), gbp, D(0)),
        StockPosition("GADGET", "Shop", shop, None, D(3), D("18.00"), gbp, D(3)),
        StockPosition("GADGET", "Shop", shop, "PO-3", D(3), D("18.00"), gbp, D(0)),
        StockPosition("WIDGET", "Shop", shop, None, D(0), D(0), None, D(1)),
    ]
    assert [p.available for p in loaded.book.stock_positions()] == [
        D(7),
        D(2),
        D(5),
        D(0),
        D(3),
        D(-1),
    ]
    orders = loaded.book.orders
    assert orders["SO-1"].committed_status is Status.PARTIAL
    assert orders["SO-2"].committed_status is Status.FULL
    assert orders["SO-1"].lines[0].committed_open == 2
    # A commit posts nothing: the only dispatch is the one of SO-1.
    assert loaded.expand().count("Dispatch for order") == 1


# --------------------------------------------------------------------------
# Order cost and margin


@ledger()
def test_order_line_cost_and_margin(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Inventory:Main "FIFO"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 2 4.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "stock-in" "PO-2" "WIDGET" 5 5.00 GBP
      supplier: "Supplies Co"
    2024-01-02 custom "stock-in" "PO-3" "GADGET" 5 1.50 GBP
      supplier: "Supplies Co"
    2024-01-04 custom "order" "SO-1" "acme"
    2024-01-04 custom "line" "SO-1" "WIDGET" 4 10.00 GBP
      tax: 0.20
    2024-01-04 custom "line" "SO-1" "GADGET" 2 3.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-06 custom "dispatch" "SO-1"
    2024-01-10 custom "return" "R-1" "SO-1" "WIDGET" 1
    2024-01-10 custom "return" "R-2" "SO-1" "GADGET" 1
      condition: "damaged"
    """
    # WIDGET: revenue 40.00; dispatch 2 x 4.00 + 2 x 5.00 = 18.00; R-1 brings back
    # the first lot taken (4.00): cost 14.00, margin 26.00.
    # GADGET: revenue 6.00; cost 2 x 1.50 = 3.00, the damaged unit is not restocked:
    # margin 3.00.
    assert txns(loaded)[3:] == [
        dedent("""
            2024-01-05 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
              order: "SO-1"
              customer: "acme"
              invoice: "INV-1"
              Assets:Receivable:Acme   54.00 GBP
              Income:Sales            -40.00 GBP
                item: "WIDGET"
              Income:Sales             -6.00 GBP
                item: "GADGET"
              Liabilities:SalesTax     -8.00 GBP
                rate: 0.20
        """),
        dedent("""
            2024-01-06 * "Acme Ltd" "Dispatch for order SO-1" ^SO-1
              order: "SO-1"
              customer: "acme"
              Assets:Inventory:Main     -2 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
              Assets:Inventory:Main     -2 WIDGET {5.00 GBP, 2024-01-02, "PO-2"}
              Expenses:COGS          18.00 GBP
                item: "WIDGET"
              Assets:Inventory:Main     -2 GADGET {1.50 GBP, 2024-01-02, "PO-3"}
              Expenses:COGS           3.00 GBP
                item: "GADGET"
        """),
        dedent("""
            2024-01-10 * "Acme Ltd" "Return R-1 of 1 WIDGET for order SO-1 (resaleable)" ^R-1 ^SO-1
              order: "SO-1"
              customer: "acme"
              return: "R-1"
              Assets:Inventory:Main      1 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
              Expenses:COGS          -4.00 GBP
                item: "WIDGET"
        """),  # noqa: E501
    ]
    order = loaded.book.orders["SO-1"]
    widget, gadget = order.lines
    assert (widget.cost, widget.margin) == (D("14.00"), D("26.00"))
    assert (gadget.cost, gadget.margin) == (D("3.00"), D("3.00"))
    assert order.cost == D("17.00")
    assert order.dispatched_status is Status.FULL
    assert loaded.balances()["Expenses:COGS"] == "17.00 GBP"


# --------------------------------------------------------------------------
# The expanded ledger, loaded without the plugin, has the same balances

ROUND_TRIP = """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Bank
    2024-01-01 open Assets:Inventory:Main "FIFO"
    2024-01-01 open Assets:Inventory:Shop "LIFO"
    2024-01-01 open Assets:Inventory:Outlet "HIFO"
    2024-01-01 open Assets:Inventory:Vault "STRICT"
    2024-01-01 open Assets:Inventory:Depot
      valuation: "average"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 5 4.00 GBP
      supplier: "Supplies Co"
    2024-01-01 * "Wholesaler" "Cash purchase"
      Assets:Inventory:Main  3 WIDGET {3.25 GBP}
      Assets:Bank
    2024-01-02 custom "stock-in" "PO-2" "WIDGET" 4 6.00 GBP
      supplier: "Supplies Co"
      location: "Shop"
    2024-01-02 custom "stock-in" "PO-3" "WIDGET" 4 5.50 GBP
      supplier: "Supplies Co"
      location: "Outlet"
    2024-01-02 custom "stock-in" "PO-4" "WIDGET" 2 7.00 GBP
      supplier: "Supplies Co"
      location: "Vault"
    2024-01-03 custom "stock-in" "PO-5" "WIDGET" 2 7.50 GBP
      supplier: "Supplies Co"
      location: "Vault"
    2024-01-03 custom "stock-in" "PO-6" "WIDGET" 1 1.00 GBP
      supplier: "Supplies Co"
      location: "Depot"
    2024-01-03 custom "stock-in" "PO-7" "WIDGET" 2 2.00 GBP
      supplier: "Supplies Co"
      location: "Depot"
    2024-01-03 custom "stock-in" "PO-8" "GADGET" 4 2.25 GBP
      supplier: "Supplies Co"
      location: "Shop"
    2024-01-04 custom "transfer" "WIDGET" 2 "Shop" "Outlet"
    2024-01-05 custom "order" "SO-1" "acme"
    2024-01-05 custom "line" "SO-1" "WIDGET" 20 10.00 GBP
    2024-01-05 custom "line" "SO-1" "GADGET" 3 10.00 GBP
    2024-01-06 custom "dispatch" "SO-1" "GADGET" 3
    2024-01-06 custom "dispatch" "SO-1" "WIDGET" 4
    2024-01-06 custom "dispatch" "SO-1" "WIDGET" 3
      location: "Outlet"
    2024-01-06 custom "dispatch" "SO-1" "WIDGET" 1
      location: "Vault"
      batch: "PO-5"
    2024-01-06 custom "dispatch" "SO-1" "WIDGET" 2
      location: "Depot"
    2024-01-07 custom "return" "R-1" "SO-1" "WIDGET" 2
    2024-01-07 custom "return" "R-2" "SO-1" "WIDGET" 1
      condition: "damaged"
    2024-01-07 custom "return" "R-3" "SO-1" "WIDGET" 1
      location: "Shop"
    2024-01-08 custom "stock-in" "PO-9" "GADGET" 2 1.50 GBP
      supplier: "Supplies Co"
    2024-01-09 custom "transfer" "GADGET" 2 "Shop" "Main"
"""


def test_expanded_ledger_reloads_without_the_plugin_with_the_same_balances():
    loaded = load(ROUND_TRIP)
    # The GADGET dispatch runs short: its 3 are costed by PO-9 (2) and the
    # transfer in (1), each on its own date.
    assert loaded.messages == [
        (
            41,
            'Dispatch for order "SO-1": not enough GADGET at location Main '
            "(Assets:Inventory:Main): 3 needed, 0 on hand; 3 are owed to stock, costed "
            "from its next receipt there",
        )
    ]
    assert loaded.book.uncosted == []
    # Every kind of stock transaction is in the round trip.
    text = loaded.expand()
    for narration in (
        "Receipt",
        "Average cost",
        "Transfer",
        "Dispatch",
        "Return",
        "Cost of 2 GADGET",
        "Cost of 1 GADGET",
    ):
        assert f'"{narration}' in text
    plain = reload_without_plugin(loaded, ROUND_TRIP)
    assert plain.messages == []
    assert plain.balances() == loaded.balances()
    assert "Expenses:COGS" in plain.balances()


@pytest.mark.parametrize(
    "source",
    [BOOKING_LEDGER.format(method=method) for method in ("FIFO", "LIFO", "HIFO")]
    + [ORDINARY],
    ids=["FIFO", "LIFO", "HIFO", "ordinary"],
)
def test_round_trip_of_the_booking_ledgers(source):
    loaded = load(source)
    plain = reload_without_plugin(loaded, source)
    assert (loaded.messages, plain.messages) == ([], [])
    assert plain.balances() == loaded.balances()


def test_round_trip_with_a_same_day_receipt_written_after_the_dispatch():
    source = """
        plugin "beancount_orders.orders"
        2024-01-01 open Assets:Inventory:Main "FIFO"
        2024-01-01 custom "customer" "acme" "Acme Ltd"
        2024-01-01 custom "stock-in" "PO-1" "WIDGET" 2 4.00 GBP
          supplier: "Supplies Co"
        2024-01-04 custom "order" "SO-1" "acme"
        2024-01-04 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
        2024-01-05 custom "dispatch" "SO-1"
        2024-01-05 custom "stock-in" "PO-2" "WIDGET" 2 5.00 GBP
          supplier: "Supplies Co"
    """
    loaded = load(source)
    # Within a day the stock-in applies first, so the dispatch is costed.
    assert loaded.messages == []
    assert loaded.balances()["Expenses:COGS"] == "13.00 GBP"
    plain = reload_without_plugin(loaded, source)
    assert plain.messages == []
    assert plain.balances() == loaded.balances()
