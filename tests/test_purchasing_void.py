"""Voids of purchasing documents (SPEC, Revision 2, "void" and "Purchasing"):
receipts, bills (with the re-lot of their price difference), landed costs and
bill payments. The exact reverse of what the document posted, on the void's
date; the document out of the PO's quantities and the payables from then on
(so its quantities can be received or billed again); and every error.

Line numbers in the ledgers count from the line after the opening quotes: the
``plugin`` line is line 2.
"""

from __future__ import annotations

import datetime
import textwrap
from decimal import Decimal as D

from beancount_orders.book.locks import digests
from beancount_orders.book.locks import lock_text
from tests.helpers import Loaded
from tests.helpers import dedent
from tests.helpers import ledger
from tests.helpers import load


def voids(loaded: Loaded) -> str:
    """The generated void transactions, as text."""
    chunks = loaded.expand().rstrip("\n").split("\n\n")
    return "\n\n".join(chunk for chunk in chunks if '"Void of ' in chunk) + "\n"


def lots(loaded: Loaded) -> dict[tuple[str, str, D, str | None], D]:
    """(account, item, cost, label) -> units of every lot held."""
    return {
        (holding.account, holding.item, cost.number, cost.label): units
        for holding in loaded.book.stock
        for cost, units in holding.lots.items()
    }


@ledger()
def test_a_bill_with_a_price_difference_voided_and_billed_again(loaded):
    """
    plugin "beancount_orders.orders"
    option "booking_method" "FIFO"
    2024-01-01 custom "supplier" "s1" "Supplier One"
    2024-01-01 custom "customer" "c1" "Customer One"
    2024-01-02 custom "purchase-order" "PO-1" "s1"
    2024-01-02 custom "po-line" "PO-1" "WIDGET" 10 4.00 GBP
      tax: 0.20
    2024-01-03 custom "receipt" "PO-1" "GRN-1" "WIDGET" 6
    2024-01-04 custom "order" "SO-1" "c1"
    2024-01-04 custom "line" "SO-1" "WIDGET" 2 10.00 GBP
    2024-01-04 custom "dispatch" "SO-1"
    2024-01-05 custom "bill" "PO-1" "BILL-1" "WIDGET" 6 4.50 GBP
    2024-01-06 custom "bill-payment" "BILL-1" 10.00 GBP Assets:Bank
      id: "BP-1"
    2024-01-07 custom "void" "BILL-1"
      reason: "wrong price"
    2024-01-08 custom "bill" "PO-1" "BILL-2" "WIDGET" 6 4.25 GBP
    2024-01-09 custom "allocate" "BP-1" "BILL-2" 10.00 GBP
    """
    # The bill and its re-lot, reversed: GRNI, input tax and payable back, the
    # 4 WIDGET on hand back to 4.00 and the 1.00 of the 2 dispatched out of COGS.
    assert voids(loaded) == dedent("""
        2024-01-07 * "Supplier One" "Void of Bill BILL-1 for purchase order PO-1" ^BILL-1 ^PO-1
          po: "PO-1"
          supplier: "s1"
          bill: "BILL-1"
          void: "BILL-1"
          reason: "wrong price"
          Liabilities:GRNI        -24.00 GBP
            item: "WIDGET"
          Liabilities:GRNI         -3.00 GBP
            item: "WIDGET"
          Assets:InputTax          -5.40 GBP
            rate: 0.20
          Liabilities:Payable:S1   32.40 GBP

        2024-01-07 * "Supplier One" "Void of Price difference of bill BILL-1 for purchase order PO-1" ^BILL-1 ^PO-1
          po: "PO-1"
          supplier: "s1"
          bill: "BILL-1"
          split: "WIDGET 3.00 GBP: 2.00 on 4 in stock, 1.00 to COGS (received 6)"
          void: "BILL-1"
          reason: "wrong price"
          Liabilities:GRNI        3.00 GBP
            item: "WIDGET"
          Assets:Inventory:Main      4 WIDGET {4.00 GBP, 2024-01-03, "GRN-1"}
          Assets:Inventory:Main     -4 WIDGET {4.50 GBP, 2024-01-03, "GRN-1"}
          Expenses:COGS          -1.00 GBP
            item: "WIDGET"
    """)  # noqa: E501
    purchasing = loaded.book.purchasing
    bill1, bill2 = purchasing.payables["BILL-1"], purchasing.payables["BILL-2"]
    assert bill1.voided == datetime.date(2024, 1, 7)
    assert (bill1.open_amount, bill2.open_amount) == (0, D("20.60"))
    # The money paid on BILL-1 was the supplier's unallocated money from the
    # void until the allocation to BILL-2.
    payment = purchasing.payments["BP-1"]
    assert [
        payment.unallocated_on(datetime.date(2024, 1, day)) for day in (6, 7, 8, 9)
    ] == [
        0,
        D("10.00"),
        D("10.00"),
        0,
    ]
    assert bill1.open_on(datetime.date(2024, 1, 6)) == D("22.40")
    assert bill1.open_on(datetime.date(2024, 1, 7)) == 0
    line = purchasing.orders["PO-1"].lines[0]
    assert (line.received, line.billed, line.grni) == (6, 6, 0)
    assert lots(loaded) == {("Assets:Inventory:Main", "WIDGET", D("4.25"), "GRN-1"): 4}
    assert loaded.balances() == {
        "Assets:Bank": "-10.00 GBP",
        "Assets:InputTax": "5.10 GBP",
        "Assets:Inventory:Main": '4 WIDGET {4.25 GBP, 2024-01-03, "GRN-1"}',
        "Expenses:COGS": "8.50 GBP",
        "Liabilities:Payable:S1": "-20.60 GBP",
    }


@ledger()
def test_a_payment_a_landed_cost_and_a_receipt_voided_and_received_again(loaded):
    """
    plugin "beancount_orders.orders"
    option "booking_method" "FIFO"
    2024-01-01 custom "supplier" "s1" "Supplier One"
    2024-01-02 custom "purchase-order" "PO-1" "s1"
    2024-01-02 custom "po-line" "PO-1" "WIDGET" 10 4.00 GBP
    2024-01-02 custom "po-line" "PO-1" "GADGET" 5 2.00 GBP
    2024-01-03 custom "receipt" "PO-1" "GRN-1" "WIDGET" 6 "GADGET" 5
      location: "Shop"
    2024-01-04 custom "landed-cost" "PO-1" "LC-1" 10.00 GBP
      tax: 0.20
    2024-01-05 custom "bill-payment" "s1" 12.00 GBP Assets:Bank
      id: "BP-1"
    2024-01-06 custom "allocate" "BP-1" "LC-1" 12.00 GBP
    2024-01-07 custom "void" "BP-1"
    2024-01-07 custom "void" "LC-1"
    2024-01-08 custom "void" "GRN-1"
    2024-01-09 custom "receipt" "PO-1" "GRN-2"
    """
    assert voids(loaded) == dedent("""
        2024-01-07 * "Supplier One" "Void of Payment BP-1 on account" ^BP-1
          supplier: "s1"
          bill-payment: "BP-1"
          void: "BP-1"
          Liabilities:Payable:S1  -12.00 GBP
          Assets:Bank              12.00 GBP

        2024-01-07 * "Supplier One" "Void of Landed cost LC-1 for purchase order PO-1" ^LC-1 ^PO-1
          po: "PO-1"
          supplier: "s1"
          bill: "LC-1"
          basis: "value"
          split: "WIDGET 7.06 GBP: 7.06 on 6 in stock, 0.00 to COGS (received 6); GADGET 2.94 GBP: 2.94 on 5 in stock, 0.00 to COGS (received 5)"
          void: "LC-1"
          Assets:Inventory:Shop       6 WIDGET {4.00 GBP, 2024-01-03, "GRN-1"}
          Assets:Inventory:Shop      -6 WIDGET {5.176667 GBP, 2024-01-03, "GRN-1"}
          Expenses:COGS            0.00 GBP
            item: "WIDGET"
          Assets:Inventory:Shop       5 GADGET {2.00 GBP, 2024-01-03, "GRN-1"}
          Assets:Inventory:Shop      -5 GADGET {2.588 GBP, 2024-01-03, "GRN-1"}
          Assets:InputTax         -2.00 GBP
            rate: 0.20
          Liabilities:Payable:S1  12.00 GBP

        2024-01-08 * "Supplier One" "Void of Receipt GRN-1 for purchase order PO-1 into Shop" ^GRN-1 ^PO-1
          po: "PO-1"
          supplier: "s1"
          receipt: "GRN-1"
          void: "GRN-1"
          Assets:Inventory:Shop     -6 WIDGET {4.00 GBP, 2024-01-03, "GRN-1"}
          Liabilities:GRNI       24.00 GBP
            item: "WIDGET"
          Assets:Inventory:Shop     -5 GADGET {2.00 GBP, 2024-01-03, "GRN-1"}
          Liabilities:GRNI       10.00 GBP
            item: "GADGET"
    """)  # noqa: E501
    purchasing = loaded.book.purchasing
    # The allocated payment left LC-1 when it was voided; both are gone from
    # the payables from the void's date.
    landed, payment = purchasing.payables["LC-1"], purchasing.payments["BP-1"]
    assert landed.open_on(datetime.date(2024, 1, 5)) == D("12.00")
    assert landed.open_on(datetime.date(2024, 1, 6)) == 0
    assert landed.open_on(datetime.date(2024, 1, 7)) == 0
    assert payment.unallocated_on(datetime.date(2024, 1, 5)) == D("12.00")
    assert payment.unallocated_on(datetime.date(2024, 1, 7)) == 0
    # The voided receipt's quantities were received again, in full.
    po = purchasing.orders["PO-1"]
    assert [(line.received, line.billed, line.grni) for line in po.lines] == [
        (10, 0, D("40.00")),
        (5, 0, D("10.00")),
    ]
    assert purchasing.receipts["GRN-1"].voided == datetime.date(2024, 1, 8)
    assert lots(loaded) == {
        ("Assets:Inventory:Main", "WIDGET", D("4.00"), "GRN-2"): 10,
        ("Assets:Inventory:Main", "GADGET", D("2.00"), "GRN-2"): 5,
    }
    balances = loaded.balances()
    assert balances.pop("Assets:Inventory:Main").count("GRN-2") == 2
    assert balances == {"Liabilities:GRNI": "-50.00 GBP"}


@ledger()
def test_a_voided_payment_leaves_its_bill_open_again(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "supplier" "s1" "Supplier One"
    2024-01-02 custom "purchase-order" "PO-1" "s1"
    2024-01-02 custom "po-line" "PO-1" "WIDGET" 2 5.00 GBP
    2024-01-03 custom "receipt" "PO-1" "GRN-1"
    2024-01-04 custom "bill" "PO-1" "BILL-1"
    2024-01-05 custom "bill-payment" "BILL-1" 10.00 GBP "transfer"
      id: "BP-1"
    2024-01-06 custom "void" "BP-1"
    2024-01-07 custom "bill-payment" "BILL-1" 10.00 GBP Assets:Bank
      id: "BP-2"
    """
    assert voids(loaded) == dedent("""
        2024-01-06 * "Supplier One" "Void of Payment BP-1 of bill BILL-1" ^BILL-1 ^BP-1 ^PO-1
          supplier: "s1"
          bill: "BILL-1"
          po: "PO-1"
          bill-payment: "BP-1"
          void: "BP-1"
          Liabilities:Payable:S1    -10.00 GBP
          Assets:Clearing:Transfer   10.00 GBP
    """)  # noqa: E501
    bill = loaded.book.purchasing.payables["BILL-1"]
    assert [bill.open_on(datetime.date(2024, 1, day)) for day in (4, 5, 6, 7)] == [
        D("10.00"),
        0,
        D("10.00"),
        0,
    ]
    assert loaded.book.purchasing.payments["BP-1"].unallocated == 0
    assert loaded.balances() == {
        "Assets:Bank": "-10.00 GBP",
        "Assets:Inventory:Main": '2 WIDGET {5.00 GBP, 2024-01-03, "GRN-1"}',
    }


@ledger(expect_errors=True)
def test_each_purchasing_void_error(loaded):
    """
    plugin "beancount_orders.orders"
    option "booking_method" "FIFO"
    2024-01-01 custom "supplier" "s1" "Supplier One"
    2024-01-01 custom "customer" "c1" "Customer One"
    2024-01-02 custom "purchase-order" "PO-1" "s1"
    2024-01-02 custom "po-line" "PO-1" "WIDGET" 10 4.00 GBP
    2024-01-03 custom "receipt" "PO-1" "GRN-1" "WIDGET" 4
    2024-01-04 custom "bill" "PO-1" "BILL-1" "WIDGET" 4 4.50 GBP
    2024-01-05 custom "order" "SO-1" "c1"
    2024-01-05 custom "line" "SO-1" "WIDGET" 5 10.00 GBP
    2024-01-05 custom "receipt" "PO-1" "GRN-2" "WIDGET" 3
    2024-01-05 custom "dispatch" "SO-1"
    2024-01-08 custom "bill-payment" "s1" 5.00 GBP Assets:Bank
      id: "BP-1"
    2024-01-09 custom "void" "GRN-1"
    2024-01-09 custom "void" "BILL-1"
    2024-01-09 custom "void" "GRN-2"
    2024-01-10 custom "void" "BP-1"
    2024-01-11 custom "void" "BP-1"
    2024-01-02 custom "void" "GRN-2"
    2024-01-12 custom "void" "PO-1"
    2024-01-12 custom "void" "BILL-9"
    """
    assert loaded.messages == [
        (
            16,
            'Void of "GRN-1": 4 WIDGET of purchase order "PO-1" are billed and only 3 '
            "would stay received: void the bill first",
        ),
        (
            17,
            'Void of "BILL-1": its lot WIDGET {4.50 GBP, 2024-01-03, "GRN-1"} in '
            "Assets:Inventory:Main was already taken again (0 of 4 left: dispatched, "
            "moved or re-valued); void what took them (or the landed costs) first",
        ),
        (
            18,
            'Void of "GRN-2": its lot WIDGET {4.00 GBP, 2024-01-05, "GRN-2"} in '
            "Assets:Inventory:Main was already taken again (2 of 3 left: dispatched, "
            "moved or re-valued); void the bills and landed costs after it first",
        ),
        (
            20,
            'Void of "BP-1": it is already voided (on 2024-01-10, line 19); a document '
            "is voided once",
        ),
        (
            21,
            'Void of "GRN-2": the void is dated 2024-01-02, before "GRN-2" (2024-01-05); '
            "a void is dated on or after its document",
        ),
        (
            22,
            'Void of "PO-1": "PO-1" is a purchase order, which cannot be voided: void '
            "its bills, landed costs and receipts",
        ),
        (
            23,
            'Void of "BILL-9": unknown document "BILL-9" (a void names an invoice, credit '
            "order, credit memo, credit, refund, payment with an id, stock-in, receipt, "
            "bill, landed cost or bill payment)",
        ),
    ]
    purchasing = loaded.book.purchasing
    assert list(loaded.book.voids.voided) == ["BP-1"]
    assert purchasing.receipts["GRN-1"].voided is None
    assert purchasing.payables["BILL-1"].voided is None
    assert purchasing.orders["PO-1"].lines[0].received == 7


LOCKED = textwrap.dedent("""\
    plugin "beancount_orders.orders"
    2024-01-01 custom "supplier" "s1" "Supplier One"
    2024-01-02 custom "purchase-order" "PO-1" "s1"
    2024-01-02 custom "po-line" "PO-1" "WIDGET" 2 5.00 GBP
    2024-01-03 custom "receipt" "PO-1" "GRN-1"
    2024-01-04 custom "bill" "PO-1" "BILL-1" "WIDGET" 2 5.50 GBP
    2024-01-20 custom "bill-payment" "BILL-1" 11.00 GBP Assets:Bank
      id: "BP-1"
""")
THROUGH = datetime.date(2024, 1, 31)


def test_purchasing_voids_after_a_lock_leave_the_locked_month_as_it_was():
    before = load(LOCKED)
    assert before.messages == []
    lock = lock_text(THROUGH, digests(before.entries, THROUGH))
    after = load(
        LOCKED
        + lock
        + '2024-02-03 custom "void" "BP-1"\n'
        + '2024-02-03 custom "void" "BILL-1"\n'
        + '2024-02-04 custom "void" "GRN-1"\n'
    )
    assert after.messages == []
    assert digests(after.entries, THROUGH) == digests(before.entries, THROUGH)
    assert sorted(after.book.voids.voided) == ["BILL-1", "BP-1", "GRN-1"]
    assert after.balances() == {}


def test_a_purchasing_void_inside_a_locked_period_is_an_error():
    before = load(LOCKED)
    lock = lock_text(THROUGH, digests(before.entries, THROUGH))
    inside = load(LOCKED + lock + '2024-01-25 custom "void" "BILL-1"\n')
    assert inside.messages[0] == (
        11,
        'Void of "BILL-1": 2024-01-25 is inside a locked period (locked through '
        "2024-01-31 at line 9); date the void after the lock",
    )
    assert inside.book.purchasing.payables["BILL-1"].voided is None
