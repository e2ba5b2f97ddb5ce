"""Purchasing: purchase orders, receipts, bills, landed costs and bill payments.

Every expected posting below is worked out by hand from SPEC.md, Revision 2,
"Purchasing": a receipt puts the PO's goods into a lot labelled by the receipt
at the PO cost against GRNI; a bill takes them out of GRNI at the PO cost,
debits input tax and credits the supplier's payable gross; a price other than
the PO cost, and a landed cost, are spread over the PO's received units: the
share on units still in stock onto their lots (re-lot, same date and label),
the share on units gone to COGS. Money is rounded half-up to the cent.

Line numbers in the ledgers count from the line after the opening quotes.
"""

from __future__ import annotations

import datetime
from decimal import Decimal as D

from beancount.core.position import Cost

from beancount_orders.book.locks import digests
from beancount_orders.book.locks import lock_text
from beancount_orders.book.model import Status
from beancount_orders.book.purchasing import POStatus
from beancount_orders.reports.margin import margin_report
from tests.helpers import Loaded
from tests.helpers import dedent
from tests.helpers import ledger
from tests.helpers import load


def jan(day: int) -> datetime.date:
    return datetime.date(2024, 1, day)


def lots(loaded: Loaded, item: str, account: str = "Assets:Inventory:Main") -> dict:
    holding = loaded.book.stock.get(account, item)
    return dict(holding.lots) if holding else {}


def status(loaded: Loaded, po: str) -> POStatus:
    purchasing = loaded.book.purchasing
    return purchasing.status(purchasing.orders[po])


def after(loaded: Loaded, date: str) -> str:
    """The generated text from the first transaction dated ``date`` on."""
    text = loaded.expand()
    return text[text.index(f"\n{date} ") + 1 :]


FULL, PARTIAL, NONE = Status.FULL, Status.PARTIAL, Status.NONE


@ledger()
def test_partial_receipts_put_lots_in_at_po_cost_against_grni(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "supplier" "kiln" "Kiln & Co"
    2024-01-02 custom "purchase-order" "PO-1" "kiln"
      expected: 2024-01-09
    2024-01-02 custom "po-line" "PO-1" "WIDGET" 10 4.00 GBP
    2024-01-02 custom "po-line" "PO-1" "GADGET" 20 1.25 GBP
    2024-01-05 custom "receipt" "PO-1" "GRN-1" "WIDGET" 6
    2024-01-08 custom "receipt" "PO-1" "GRN-2"
      location: "Shop"
    """
    # GRN-1: 6 x 4.00 = 24.00. GRN-2 takes all still due: 4 WIDGET (16.00) and
    # 20 GADGET (25.00), into the Shop location.
    assert loaded.expand() == dedent("""
        2024-01-05 * "Kiln & Co" "Receipt GRN-1 for purchase order PO-1 into Main" ^GRN-1 ^PO-1
          po: "PO-1"
          supplier: "kiln"
          receipt: "GRN-1"
          Assets:Inventory:Main       6 WIDGET {4.00 GBP, 2024-01-05, "GRN-1"}
          Liabilities:GRNI       -24.00 GBP
            item: "WIDGET"

        2024-01-08 * "Kiln & Co" "Receipt GRN-2 for purchase order PO-1 into Shop" ^GRN-2 ^PO-1
          po: "PO-1"
          supplier: "kiln"
          receipt: "GRN-2"
          Assets:Inventory:Shop       4 WIDGET {4.00 GBP, 2024-01-08, "GRN-2"}
          Liabilities:GRNI       -16.00 GBP
            item: "WIDGET"
          Assets:Inventory:Shop      20 GADGET {1.25 GBP, 2024-01-08, "GRN-2"}
          Liabilities:GRNI       -25.00 GBP
            item: "GADGET"
    """)  # noqa: E501
    assert status(loaded, "PO-1") == POStatus(FULL, NONE, NONE)
    assert loaded.balances()["Liabilities:GRNI"] == "-65.00 GBP"


@ledger()
def test_a_first_receipt_leaves_the_po_partly_received(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "supplier" "kiln" "Kiln & Co"
    2024-01-02 custom "purchase-order" "PO-1" "kiln"
    2024-01-02 custom "po-line" "PO-1" "WIDGET" 10 4.00 GBP
    2024-01-05 custom "receipt" "PO-1" "GRN-1" "WIDGET" 6
      batch: "LOT-A"
    """
    assert lots(loaded, "WIDGET") == {Cost(D("4.00"), "GBP", jan(5), "LOT-A"): D(6)}
    assert status(loaded, "PO-1") == POStatus(PARTIAL, NONE, NONE)
    line = loaded.book.purchasing.orders["PO-1"].lines[0]
    assert (line.received, line.to_receive, line.to_bill) == (D(6), D(4), D(6))


@ledger()
def test_a_bill_at_cost_moves_grni_to_the_payable_with_input_tax(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "supplier" "kiln" "Kiln & Co"
      terms: 30
    2024-01-02 custom "purchase-order" "PO-1" "kiln"
      tax: 0.20
    2024-01-02 custom "po-line" "PO-1" "WIDGET" 10 4.00 GBP
    2024-01-02 custom "po-line" "PO-1" "GADGET" 20 1.25 GBP
      tax: 0.05
    2024-01-05 custom "receipt" "PO-1" "GRN-1"
    2024-01-10 custom "bill" "PO-1" "BILL-1"
      ref: "K-5521"
    """
    # Everything received, at PO cost: 40.00 at 20 % (8.00) and 25.00 at 5 %
    # (1.25); the payable is 65.00 + 9.25 = 74.25, due 30 days on.
    assert after(loaded, "2024-01-10") == dedent("""
        2024-01-10 * "Kiln & Co" "Bill BILL-1 for purchase order PO-1" ^BILL-1 ^PO-1
          po: "PO-1"
          supplier: "kiln"
          bill: "BILL-1"
          ref: "K-5521"
          Liabilities:GRNI           40.00 GBP
            item: "WIDGET"
          Liabilities:GRNI           25.00 GBP
            item: "GADGET"
          Assets:InputTax             1.25 GBP
            rate: 0.05
          Assets:InputTax             8.00 GBP
            rate: 0.20
          Liabilities:Payable:Kiln  -74.25 GBP
    """)
    bill = loaded.book.purchasing.payables["BILL-1"]
    assert (bill.net, bill.tax, bill.gross, bill.due) == (
        D("65.00"),
        D("9.25"),
        D("74.25"),
        datetime.date(2024, 2, 9),
    )
    assert "Liabilities:GRNI" not in loaded.balances()
    assert status(loaded, "PO-1") == POStatus(FULL, FULL, NONE)


@ledger()
def test_a_bill_at_a_higher_price_after_part_was_dispatched(loaded):
    """
    option "booking_method" "FIFO"
    plugin "beancount_orders.orders"
    2024-01-01 custom "supplier" "kiln" "Kiln & Co"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "purchase-order" "PO-1" "kiln"
    2024-01-02 custom "po-line" "PO-1" "WIDGET" 10 4.00 GBP
      tax: 0.20
    2024-01-05 custom "receipt" "PO-1" "GRN-1"
    2024-01-06 custom "order" "SO-1" "acme"
    2024-01-06 custom "line" "SO-1" "WIDGET" 4 9.00 GBP
    2024-01-06 custom "dispatch" "SO-1"
    2024-01-10 custom "bill" "PO-1" "BILL-1" "WIDGET" 10 4.30 GBP
    """
    # Billed 10 x 4.30 = 43.00 against 40.00 at PO cost: 3.00 more. Of the 10
    # units received 6 are in stock: 3.00 x 6 / 10 = 1.80 onto their lot (0.30
    # a unit: 4.00 -> 4.30), 1.20 to COGS for the 4 dispatched. Input tax
    # 43.00 x 20 % = 8.60; payable 51.60.
    assert after(loaded, "2024-01-10") == dedent("""
        2024-01-10 * "Kiln & Co" "Bill BILL-1 for purchase order PO-1" ^BILL-1 ^PO-1
          po: "PO-1"
          supplier: "kiln"
          bill: "BILL-1"
          Liabilities:GRNI           40.00 GBP
            item: "WIDGET"
          Liabilities:GRNI            3.00 GBP
            item: "WIDGET"
          Assets:InputTax             8.60 GBP
            rate: 0.20
          Liabilities:Payable:Kiln  -51.60 GBP

        2024-01-10 * "Kiln & Co" "Price difference of bill BILL-1 for purchase order PO-1" ^BILL-1 ^PO-1
          po: "PO-1"
          supplier: "kiln"
          bill: "BILL-1"
          split: "WIDGET 3.00 GBP: 1.80 on 6 in stock, 1.20 to COGS (received 10)"
          Liabilities:GRNI       -3.00 GBP
            item: "WIDGET"
          Assets:Inventory:Main     -6 WIDGET {4.00 GBP, 2024-01-05, "GRN-1"}
          Assets:Inventory:Main      6 WIDGET {4.30 GBP, 2024-01-05, "GRN-1"}
          Expenses:COGS           1.20 GBP
            item: "WIDGET"
    """)  # noqa: E501
    assert lots(loaded, "WIDGET") == {Cost(D("4.30"), "GBP", jan(5), "GRN-1"): D(6)}
    balances = loaded.balances()
    # COGS: 16.00 at dispatch + 1.20; stock 6 x 4.30 = 25.80; 17.20 + 25.80 = 43.00.
    assert balances["Expenses:COGS"] == "17.20 GBP"
    assert "Liabilities:GRNI" not in balances


@ledger()
def test_a_price_difference_follows_lots_transferred_elsewhere(loaded):
    """
    option "booking_method" "FIFO"
    plugin "beancount_orders.orders"
    2024-01-01 custom "supplier" "kiln" "Kiln & Co"
    2024-01-02 custom "purchase-order" "PO-1" "kiln"
    2024-01-02 custom "po-line" "PO-1" "WIDGET" 10 2.00 GBP
    2024-01-05 custom "receipt" "PO-1" "GRN-1"
    2024-01-06 custom "transfer" "WIDGET" 4 "Main" "Shop"
    2024-01-10 custom "bill" "PO-1" "BILL-1" "WIDGET" 10 1.90 GBP
    """
    # 1.00 less than PO cost, all 10 in stock: -0.60 on the 6 at Main, -0.40 on
    # the 4 at Shop (by units), 0.10 a unit off each lot; nothing to COGS.
    assert after(loaded, "2024-01-10").split("\n\n")[1] == dedent("""
        2024-01-10 * "Kiln & Co" "Price difference of bill BILL-1 for purchase order PO-1" ^BILL-1 ^PO-1
          po: "PO-1"
          supplier: "kiln"
          bill: "BILL-1"
          split: "WIDGET -1.00 GBP: -1.00 on 10 in stock, 0.00 to COGS (received 10)"
          Liabilities:GRNI       1.00 GBP
            item: "WIDGET"
          Assets:Inventory:Main    -6 WIDGET {2.00 GBP, 2024-01-05, "GRN-1"}
          Assets:Inventory:Main     6 WIDGET {1.90 GBP, 2024-01-05, "GRN-1"}
          Assets:Inventory:Shop    -4 WIDGET {2.00 GBP, 2024-01-05, "GRN-1"}
          Assets:Inventory:Shop     4 WIDGET {1.90 GBP, 2024-01-05, "GRN-1"}
    """)  # noqa: E501
    assert lots(loaded, "WIDGET", "Assets:Inventory:Shop") == {
        Cost(D("1.90"), "GBP", jan(5), "GRN-1"): D(4)
    }


@ledger()
def test_landed_costs_by_value_and_by_quantity_with_part_sold(loaded):
    """
    option "booking_method" "FIFO"
    plugin "beancount_orders.orders"
    2024-01-01 custom "supplier" "kiln" "Kiln & Co"
    2024-01-01 custom "supplier" "haulage" "Haulage Ltd"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "purchase-order" "PO-1" "kiln"
    2024-01-02 custom "po-line" "PO-1" "WIDGET" 10 4.00 GBP
    2024-01-02 custom "po-line" "PO-1" "GADGET" 20 1.00 GBP
    2024-01-05 custom "receipt" "PO-1" "GRN-1"
    2024-01-06 custom "order" "SO-1" "acme"
    2024-01-06 custom "line" "SO-1" "WIDGET" 5 9.00 GBP
    2024-01-06 custom "dispatch" "SO-1"
    2024-01-10 custom "landed-cost" "PO-1" "LC-1" 30.00 GBP
    2024-01-11 custom "landed-cost" "PO-1" "LC-2" 15.00 GBP
      basis: "qty"
      supplier: "haulage"
      tax: 0.20
    """
    # LC-1 by PO cost value: WIDGET 40.00, GADGET 20.00 of 60.00 -> 20.00 and
    # 10.00. WIDGET: 5 of 10 in stock -> 10.00 onto the lot (2.00 a unit),
    # 10.00 to COGS. GADGET: all 20 in stock -> 0.50 a unit.
    # LC-2 by units: 10 and 20 of 30 -> 5.00 and 10.00; WIDGET 2.50 on stock
    # (0.50 a unit), 2.50 to COGS; GADGET 0.50 a unit. Input tax 3.00 and the
    # payable of Haulage Ltd, who billed it.
    assert after(loaded, "2024-01-10") == dedent("""
        2024-01-10 * "Kiln & Co" "Landed cost LC-1 for purchase order PO-1" ^LC-1 ^PO-1
          po: "PO-1"
          supplier: "kiln"
          bill: "LC-1"
          basis: "value"
          split: "WIDGET 20.00 GBP: 10.00 on 5 in stock, 10.00 to COGS (received 10); GADGET 10.00 GBP: 10.00 on 20 in stock, 0.00 to COGS (received 20)"
          Assets:Inventory:Main         -5 WIDGET {4.00 GBP, 2024-01-05, "GRN-1"}
          Assets:Inventory:Main          5 WIDGET {6.00 GBP, 2024-01-05, "GRN-1"}
          Expenses:COGS              10.00 GBP
            item: "WIDGET"
          Assets:Inventory:Main        -20 GADGET {1.00 GBP, 2024-01-05, "GRN-1"}
          Assets:Inventory:Main         20 GADGET {1.50 GBP, 2024-01-05, "GRN-1"}
          Liabilities:Payable:Kiln  -30.00 GBP

        2024-01-11 * "Haulage Ltd" "Landed cost LC-2 for purchase order PO-1" ^LC-2 ^PO-1
          po: "PO-1"
          supplier: "haulage"
          bill: "LC-2"
          basis: "qty"
          split: "WIDGET 5.00 GBP: 2.50 on 5 in stock, 2.50 to COGS (received 10); GADGET 10.00 GBP: 10.00 on 20 in stock, 0.00 to COGS (received 20)"
          Assets:Inventory:Main            -5 WIDGET {6.00 GBP, 2024-01-05, "GRN-1"}
          Assets:Inventory:Main             5 WIDGET {6.50 GBP, 2024-01-05, "GRN-1"}
          Expenses:COGS                  2.50 GBP
            item: "WIDGET"
          Assets:Inventory:Main           -20 GADGET {1.50 GBP, 2024-01-05, "GRN-1"}
          Assets:Inventory:Main            20 GADGET {2.00 GBP, 2024-01-05, "GRN-1"}
          Assets:InputTax                3.00 GBP
            rate: 0.20
          Liabilities:Payable:Haulage  -18.00 GBP
    """)  # noqa: E501
    lc2 = loaded.book.purchasing.payables["LC-2"]
    assert (lc2.supplier, lc2.net, lc2.tax, lc2.shares) == (
        "haulage",
        D("15.00"),
        D("3.00"),
        {"WIDGET": (D("2.50"), D("2.50")), "GADGET": (D("10.00"), D("0.00"))},
    )


@ledger()
def test_landed_cost_shares_round_with_the_residue_on_the_largest(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "supplier" "kiln" "Kiln & Co"
    2024-01-02 custom "purchase-order" "PO-1" "kiln"
    2024-01-02 custom "po-line" "PO-1" "RED" 1 1.00 GBP
    2024-01-02 custom "po-line" "PO-1" "BLUE" 1 1.00 GBP
    2024-01-02 custom "po-line" "PO-1" "GREEN" 1 2.00 GBP
    2024-01-05 custom "receipt" "PO-1" "GRN-1"
    2024-01-10 custom "landed-cost" "PO-1" "LC-1" 10.00 GBP
    """
    # By value 1 : 1 : 2 of 4 -> 2.50, 2.50, 5.00 (exact). Then 10.01 by qty
    # below would be 3.34 each (10.02): the residue -0.01 goes on the largest.
    split = loaded.book.purchasing.payables["LC-1"].shares
    assert split == {
        "RED": (D("2.50"), D("0.00")),
        "BLUE": (D("2.50"), D("0.00")),
        "GREEN": (D("5.00"), D("0.00")),
    }


@ledger()
def test_landed_cost_by_quantity_residue(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "supplier" "kiln" "Kiln & Co"
    2024-01-02 custom "purchase-order" "PO-1" "kiln"
    2024-01-02 custom "po-line" "PO-1" "RED" 1 1.00 GBP
    2024-01-02 custom "po-line" "PO-1" "BLUE" 1 1.00 GBP
    2024-01-02 custom "po-line" "PO-1" "GREEN" 1 2.00 GBP
    2024-01-05 custom "receipt" "PO-1" "GRN-1"
    2024-01-10 custom "landed-cost" "PO-1" "LC-1" 10.01 GBP
      basis: "qty"
    """
    # 10.01 / 3 = 3.3366..: 3.34 each is 10.02; the largest weight (all equal:
    # the first, RED) takes the residue -0.01.
    assert loaded.book.purchasing.payables["LC-1"].shares == {
        "RED": (D("3.33"), D("0.00")),
        "BLUE": (D("3.34"), D("0.00")),
        "GREEN": (D("3.34"), D("0.00")),
    }
    assert lots(loaded, "RED") == {Cost(D("4.33"), "GBP", jan(5), "GRN-1"): D(1)}
    assert lots(loaded, "GREEN") == {Cost(D("5.34"), "GBP", jan(5), "GRN-1"): D(1)}


@ledger()
def test_grni_holds_nothing_once_every_unit_is_billed_despite_rounding(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "supplier" "kiln" "Kiln & Co"
    2024-01-02 custom "purchase-order" "PO-1" "kiln"
    2024-01-02 custom "po-line" "PO-1" "WIDGET" 3 0.333 GBP
    2024-01-03 custom "receipt" "PO-1" "GRN-1" "WIDGET" 1
    2024-01-04 custom "receipt" "PO-1" "GRN-2" "WIDGET" 1
    2024-01-05 custom "bill" "PO-1" "BILL-1" "WIDGET" 1 0.333 GBP
    2024-01-06 custom "receipt" "PO-1" "GRN-3"
    2024-01-07 custom "bill" "PO-1" "BILL-2"
    """
    # Each receipt credits its own PO cost, rounded: 0.33 three times (0.99).
    # BILL-1 takes 0.33 (1 unit); BILL-2 takes all that is left, 0.66, and
    # bills 2 x 0.333 = 0.67: GRNI ends at zero, and the cent of rounding goes
    # to COGS. A line billed at its PO cost never re-lots.
    text = loaded.expand()
    assert "Price difference" not in text
    assert text.endswith(
        dedent("""
        2024-01-07 * "Kiln & Co" "Bill BILL-2 for purchase order PO-1" ^BILL-2 ^PO-1
          po: "PO-1"
          supplier: "kiln"
          bill: "BILL-2"
          Liabilities:GRNI           0.66 GBP
            item: "WIDGET"
          Expenses:COGS              0.01 GBP
            item: "WIDGET"
          Liabilities:Payable:Kiln  -0.67 GBP
        """)
    )
    assert "Liabilities:GRNI" not in loaded.balances()
    assert loaded.balances()["Liabilities:Payable:Kiln"] == "-1.00 GBP"


@ledger()
def test_bill_payments_by_bill_and_on_account_then_allocated(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Bank
    2024-01-01 custom "supplier" "kiln" "Kiln & Co"
      terms: 30
    2024-01-02 custom "purchase-order" "PO-1" "kiln"
    2024-01-02 custom "po-line" "PO-1" "WIDGET" 10 4.00 GBP
    2024-01-05 custom "receipt" "PO-1" "GRN-1"
    2024-01-10 custom "bill" "PO-1" "BILL-1"
    2024-01-20 custom "bill-payment" "BILL-1" 15.00 GBP Assets:Bank
    2024-01-21 custom "bill-payment" "kiln" 30.00 GBP Assets:Bank
      id: "BP-2"
    2024-01-25 custom "allocate" "BP-2" "BILL-1" 25.00 GBP
    """
    assert after(loaded, "2024-01-20") == dedent("""
        2024-01-20 * "Kiln & Co" "Payment BILLPAY-20240120-1 of bill BILL-1" ^BILL-1 ^BILLPAY-20240120-1 ^PO-1
          supplier: "kiln"
          bill: "BILL-1"
          po: "PO-1"
          bill-payment: "BILLPAY-20240120-1"
          Liabilities:Payable:Kiln   15.00 GBP
          Assets:Bank               -15.00 GBP

        2024-01-21 * "Kiln & Co" "Payment BP-2 on account" ^BP-2
          supplier: "kiln"
          bill-payment: "BP-2"
          Liabilities:Payable:Kiln   30.00 GBP
          Assets:Bank               -30.00 GBP

        2024-01-25 * "Kiln & Co" "Allocation of 25.00 GBP of BP-2 to bill BILL-1 (purchase order PO-1)" ^BILL-1 ^BP-2 ^PO-1
          supplier: "kiln"
          bill: "BILL-1"
          po: "PO-1"
          allocate: "BP-2"
    """)  # noqa: E501
    purchasing = loaded.book.purchasing
    bill, paid = purchasing.payables["BILL-1"], purchasing.payments["BP-2"]
    assert (bill.open_amount, paid.unallocated) == (D("0.00"), D("5.00"))
    # Before the allocation the bill was 25.00 open and BP-2 all on account.
    assert (bill.open_on(jan(24)), paid.unallocated_on(jan(24))) == (D("25.00"), D("30.00"))
    assert status(loaded, "PO-1") == POStatus(FULL, FULL, FULL)
    # The payable: 40.00 billed, 45.00 paid.
    assert loaded.balances()["Liabilities:Payable:Kiln"] == "5.00 GBP"


@ledger()
def test_a_stock_in_is_a_payable_a_bill_payment_may_name(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Bank
    2024-01-01 custom "supplier" "kiln" "Kiln & Co"
      account: "KilnCo"
      terms: 14
    2024-01-05 custom "stock-in" "S-1" "WIDGET" 10 4.00 GBP
      supplier: "kiln"
    2024-01-06 custom "bill-payment" "S-1" 40.00 GBP Assets:Bank
      id: "BP-1"
    """
    balances = loaded.balances()
    assert "Liabilities:Payable:KilnCo" not in balances
    assert balances["Assets:Bank"] == "-40.00 GBP"
    payable = loaded.book.purchasing.payables["S-1"]
    assert (payable.kind, payable.gross, payable.open_amount, payable.due) == (
        "stock-in",
        D("40.00"),
        D("0.00"),
        jan(19),
    )


@ledger()
def test_average_cost_accounts_re_average_on_receipts_bills_and_landed_costs(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Inventory:Main
      valuation: "average"
    2024-01-01 custom "supplier" "kiln" "Kiln & Co"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "S-1" "WIDGET" 10 2.00 GBP
      supplier: "kiln"
    2024-01-02 custom "purchase-order" "PO-1" "kiln"
    2024-01-02 custom "po-line" "PO-1" "WIDGET" 10 4.00 GBP
    2024-01-02 custom "receipt" "PO-1" "GRN-1"
    2024-01-03 custom "order" "SO-1" "acme"
    2024-01-03 custom "line" "SO-1" "WIDGET" 12 9.00 GBP
    2024-01-03 custom "dispatch" "SO-1"
    2024-01-04 custom "bill" "PO-1" "BILL-1" "WIDGET" 10 4.60 GBP
    2024-01-05 custom "landed-cost" "PO-1" "LC-1" 7.00 GBP
    """
    # Receipt: (10 x 2.00 + 10 x 4.00) / 20 = 3.00. Dispatch 12 -> 36.00, 8 left.
    # The PO's units still held in the average account: min(10 received, 8) = 8.
    # Bill: 6.00 more, 8/10 of it (4.80) into the average: (24.00 + 4.80) / 8 =
    # 3.60; 1.20 to COGS. Landed cost 7.00: 5.60 in, (28.80 + 5.60) / 8 = 4.30;
    # 1.40 to COGS.
    assert after(loaded, "2024-01-04") == dedent("""
        2024-01-04 * "Kiln & Co" "Bill BILL-1 for purchase order PO-1" ^BILL-1 ^PO-1
          po: "PO-1"
          supplier: "kiln"
          bill: "BILL-1"
          Liabilities:GRNI           40.00 GBP
            item: "WIDGET"
          Liabilities:GRNI            6.00 GBP
            item: "WIDGET"
          Liabilities:Payable:Kiln  -46.00 GBP

        2024-01-04 * "Kiln & Co" "Price difference of bill BILL-1 for purchase order PO-1" ^BILL-1 ^PO-1
          po: "PO-1"
          supplier: "kiln"
          bill: "BILL-1"
          split: "WIDGET 6.00 GBP: 4.80 on 8 in stock, 1.20 to COGS (received 10)"
          Liabilities:GRNI       -6.00 GBP
            item: "WIDGET"
          Assets:Inventory:Main     -8 WIDGET {3.000000 GBP, 2024-01-02}
          Assets:Inventory:Main      8 WIDGET {3.600000 GBP, 2024-01-04}
          Expenses:COGS           1.20 GBP
            item: "WIDGET"

        2024-01-05 * "Kiln & Co" "Landed cost LC-1 for purchase order PO-1" ^LC-1 ^PO-1
          po: "PO-1"
          supplier: "kiln"
          bill: "LC-1"
          basis: "value"
          split: "WIDGET 7.00 GBP: 5.60 on 8 in stock, 1.40 to COGS (received 10)"
          Assets:Inventory:Main        -8 WIDGET {3.600000 GBP, 2024-01-04}
          Assets:Inventory:Main         8 WIDGET {4.300000 GBP, 2024-01-05}
          Expenses:COGS              1.40 GBP
            item: "WIDGET"
          Liabilities:Payable:Kiln  -7.00 GBP
    """)  # noqa: E501
    assert lots(loaded, "WIDGET") == {Cost(D("4.300000"), "GBP", jan(5), None): D(8)}
    # 20.00 + 40.00 + 6.00 + 7.00 capitalised = 36.00 + 1.20 + 1.40 COGS + 34.40 held.
    assert loaded.balances()["Expenses:COGS"] == "38.60 GBP"


@ledger()
def test_within_a_day_receipts_come_before_bills_and_bills_before_payments(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Bank
    2024-01-05 custom "bill-payment" "BILL-1" 40.00 GBP Assets:Bank
    2024-01-05 custom "bill" "PO-1" "BILL-1"
    2024-01-05 custom "receipt" "PO-1" "GRN-1"
    2024-01-05 custom "po-line" "PO-1" "WIDGET" 10 4.00 GBP
    2024-01-05 custom "purchase-order" "PO-1" "kiln"
    2024-01-05 custom "supplier" "kiln" "Kiln & Co"
    """
    assert [txn.narration for txn in loaded.book.transactions] == [
        "Receipt GRN-1 for purchase order PO-1 into Main",
        "Bill BILL-1 for purchase order PO-1",
        "Payment BILLPAY-20240105-1 of bill BILL-1",
    ]
    assert status(loaded, "PO-1") == POStatus(FULL, FULL, FULL)


@ledger()
def test_a_bill_of_part_of_what_was_received(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "supplier" "kiln" "Kiln & Co"
    2024-01-02 custom "purchase-order" "PO-1" "kiln"
    2024-01-02 custom "po-line" "PO-1" "WIDGET" 10 4.00 GBP
    2024-01-05 custom "receipt" "PO-1" "GRN-1" "WIDGET" 8
    2024-01-10 custom "bill" "PO-1" "BILL-1" "WIDGET" 5 4.00 GBP
    """
    # GRNI keeps the PO cost of the 3 received and not billed: 12.00.
    assert loaded.balances()["Liabilities:GRNI"] == "-12.00 GBP"
    assert loaded.balances()["Liabilities:Payable:Kiln"] == "-20.00 GBP"
    assert status(loaded, "PO-1") == POStatus(PARTIAL, PARTIAL, NONE)


LOCKED_PURCHASE = """
plugin "beancount_orders.orders"
option "booking_method" "FIFO"
2024-01-01 custom "supplier" "kiln" "Kiln & Co"
2024-01-01 custom "customer" "acme" "Acme Ltd"
2024-01-02 custom "purchase-order" "PO-1" "kiln"
2024-01-02 custom "po-line" "PO-1" "WIDGET" 10 4.00 GBP
2024-01-05 custom "receipt" "PO-1" "GRN-1"
2024-01-10 custom "bill" "PO-1" "BILL-1"
2024-01-12 custom "order" "SO-1" "acme"
2024-01-12 custom "line" "SO-1" "WIDGET" 4 9.00 GBP
2024-01-12 custom "dispatch" "SO-1"
"""


def test_a_landed_cost_after_a_lock_changes_nothing_locked() -> None:
    """January is locked with its receipt, bill and dispatch; freight billed in
    February re-values the lots and sends the share of the goods sold in
    January to COGS on its own date: the locked month is unchanged. The same
    landed cost dated in January is reported against the lock."""
    through = datetime.date(2024, 1, 31)
    loaded = load(LOCKED_PURCHASE)
    assert loaded.messages == []
    locked = LOCKED_PURCHASE + lock_text(through, digests(loaded.entries, through))
    later = load(locked + '2024-02-03 custom "landed-cost" "PO-1" "LC-1" 10.00 GBP\n')
    assert later.messages == []
    # 10.00 over 10 units, 6 in stock: 6.00 onto the lot, 4.00 to COGS in February.
    assert lots(later, "WIDGET") == {Cost(D("5.00"), "GBP", jan(5), "GRN-1"): D(6)}
    february = [txn for txn in later.transactions if txn.date.month == 2]
    assert [txn.narration for txn in february] == [
        "Landed cost LC-1 for purchase order PO-1"
    ]
    back_dated = load(locked + '2024-01-20 custom "landed-cost" "PO-1" "LC-1" 10.00 GBP\n')
    assert [message for _, message in back_dated.messages] == [
        "Period 2024-01 is locked (through 2024-01-31) and its entries have changed "
        "since: undo the change, or date it after the lock"
    ]


@ledger()
def test_the_margin_counts_what_bills_and_landed_costs_sent_to_cogs(loaded):
    """
    plugin "beancount_orders.orders"
    option "booking_method" "FIFO"
    2024-01-01 custom "supplier" "kiln" "Kiln & Co"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "purchase-order" "PO-1" "kiln"
    2024-01-02 custom "po-line" "PO-1" "WIDGET" 10 4.00 GBP
    2024-01-05 custom "receipt" "PO-1" "GRN-1"
    2024-01-06 custom "order" "SO-1" "acme"
    2024-01-06 custom "line" "SO-1" "WIDGET" 4 9.00 GBP
    2024-01-06 custom "invoice" "SO-1" "INV-1"
    2024-01-06 custom "dispatch" "SO-1"
    2024-01-10 custom "bill" "PO-1" "BILL-1" "WIDGET" 10 4.30 GBP
    2024-01-11 custom "landed-cost" "PO-1" "LC-1" 5.00 GBP
    2024-01-12 custom "void" "LC-1"
    """
    # COGS: 16.00 at dispatch, 1.20 of the price difference and 2.00 of the
    # freight on the 4 gone; the freight's void takes its 2.00 back.
    by_item = margin_report(loaded.book, "item")
    assert [(row.key, row.cogs) for row in by_item.rows] == [("WIDGET", D("17.20"))]
    assert loaded.balances()["Expenses:COGS"] == "17.20 GBP"
    by_customer = margin_report(loaded.book, "customer")
    assert [(row.key, row.cogs) for row in by_customer.rows] == [
        ("(purchase costs)", D("1.20")),
        ("acme", D("16.00")),
    ]


@ledger()
def test_a_re_valued_lot_keeps_its_place_among_the_lots_of_its_day(loaded):
    """
    plugin "beancount_orders.orders"
    option "booking_method" "FIFO"
    2024-01-01 custom "supplier" "kiln" "Kiln & Co"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "purchase-order" "PO-1" "kiln"
    2024-01-02 custom "po-line" "PO-1" "WIDGET" 2 4.00 GBP
    2024-01-02 custom "purchase-order" "PO-2" "kiln"
    2024-01-02 custom "po-line" "PO-2" "WIDGET" 2 5.00 GBP
    2024-01-05 custom "receipt" "PO-1" "GRN-1"
    2024-01-05 custom "receipt" "PO-2" "GRN-2"
    2024-01-05 custom "bill" "PO-1" "BILL-1" "WIDGET" 2 4.50 GBP
    2024-01-06 custom "order" "SO-1" "acme"
    2024-01-06 custom "line" "SO-1" "WIDGET" 2 9.00 GBP
    2024-01-06 custom "dispatch" "SO-1"
    """
    # GRN-1's lot came in first that day; re-valued to 4.50 by its bill, FIFO
    # still takes it before GRN-2's.
    (dispatch,) = loaded.book.dispatches
    assert dispatch.lines[0].lots == [
        (Cost(D("4.50"), "GBP", jan(5), "GRN-1"), D(2)),
    ]
