"""Every error of the purchasing directives (SPEC, Revision 2, "Purchasing"):
the exact message, at the directive's line, and the directive not applied.

Each test appends its directives to :data:`BASE` (lines 1 to 7: two
suppliers, PO-1 for 5 WIDGET at 4.00 GBP, 3 of them received by GRN-1 and 2
billed by BILL-1); line 8 is the empty line after its opening quotes, so its
first directive is line 9.
"""

from __future__ import annotations

import textwrap
from decimal import Decimal as D

from tests.helpers import Loaded
from tests.helpers import load

BASE = textwrap.dedent("""\
    plugin "beancount_orders.orders"
    2024-01-01 custom "supplier" "s1" "Supplier One"
    2024-01-01 custom "supplier" "s2" "Supplier Two"
    2024-01-02 custom "purchase-order" "PO-1" "s1"
    2024-01-02 custom "po-line" "PO-1" "WIDGET" 5 4.00 GBP
    2024-01-03 custom "receipt" "PO-1" "GRN-1" "WIDGET" 3
    2024-01-04 custom "bill" "PO-1" "BILL-1" "WIDGET" 2 4.00 GBP
""")


def with_base(text: str) -> Loaded:
    """BASE and then ``text`` (its first directive is line 9)."""
    return load(BASE + textwrap.dedent(text))


def test_the_base_has_no_errors():
    loaded = load(BASE)
    assert loaded.messages == []
    line = loaded.book.purchasing.orders["PO-1"].lines[0]
    assert (line.qty, line.received, line.billed) == (5, 3, 2)


def test_unknown_supplier():
    loaded = with_base("""
        2024-01-05 custom "purchase-order" "PO-2" "nobody"
    """)
    assert loaded.messages == [
        (
            9,
            'Purchase order "PO-2": unknown supplier "nobody": declare it first with '
            'custom "supplier" "nobody" "NAME"',
        )
    ]
    assert "PO-2" not in loaded.book.purchasing.orders


def test_supplier_declared_later():
    loaded = with_base("""
        2024-01-05 custom "purchase-order" "PO-2" "s3"
        2024-01-06 custom "supplier" "s3" "Supplier Three"
    """)
    assert loaded.messages == [
        (
            9,
            'Purchase order "PO-2": unknown supplier "s3" on 2024-01-05: it is declared '
            "on 2024-01-06, after this directive (directives apply in date order)",
        )
    ]


def test_unknown_purchase_order():
    loaded = with_base("""
        2024-01-05 custom "receipt" "PO-9" "GRN-9"
        2024-01-05 custom "receipt" "SO-1" "GRN-8"
        2024-01-05 custom "order" "SO-1" "acme"
        2024-01-01 custom "customer" "acme" "Acme"
    """)
    assert loaded.messages == [
        (9, 'Receipt "GRN-9": unknown purchase order "PO-9"'),
        (10, 'Receipt "GRN-8": unknown purchase order "SO-1" ("SO-1" is an order)'),
    ]
    assert list(loaded.book.purchasing.receipts) == ["GRN-1"]


def test_purchase_order_written_later():
    loaded = with_base("""
        2024-01-05 custom "receipt" "PO-2" "GRN-2"
        2024-01-06 custom "purchase-order" "PO-2" "s1"
        2024-01-06 custom "po-line" "PO-2" "WIDGET" 1 4.00 GBP
    """)
    assert loaded.messages == [
        (
            9,
            'Receipt "GRN-2": unknown purchase order "PO-2" on 2024-01-05: it is written '
            "on 2024-01-06, after this directive (directives apply in date order)",
        )
    ]


def test_more_received_than_ordered():
    loaded = with_base("""
        2024-01-05 custom "receipt" "PO-1" "GRN-2" "WIDGET" 3
        2024-01-05 custom "receipt" "PO-1" "GRN-3" "GADGET" 1
    """)
    assert loaded.messages == [
        (
            9,
            'Receipt "GRN-2" for purchase order "PO-1": 3 WIDGET is more than ordered: '
            "5 ordered, 3 already received, 2 still due",
        ),
        (
            10,
            'Receipt "GRN-3" for purchase order "PO-1": purchase order "PO-1" has no '
            "line for GADGET",
        ),
    ]
    assert loaded.book.purchasing.orders["PO-1"].lines[0].received == 3


def test_nothing_left_to_receive():
    loaded = with_base("""
        2024-01-05 custom "receipt" "PO-1" "GRN-2"
        2024-01-06 custom "receipt" "PO-1" "GRN-3"
    """)
    assert loaded.messages == [
        (
            10,
            'Receipt "GRN-3" for purchase order "PO-1": nothing on the purchase order '
            "is left to receive",
        )
    ]


def test_more_billed_than_received():
    loaded = with_base("""
        2024-01-05 custom "bill" "PO-1" "BILL-2" "WIDGET" 2 4.00 GBP
    """)
    assert loaded.messages == [
        (
            9,
            'Bill "BILL-2" for purchase order "PO-1": 2 WIDGET is more than received and '
            "not yet billed: 3 received, 2 already billed (a bill never bills more than "
            "was received)",
        )
    ]
    assert "BILL-2" not in loaded.book.purchasing.payables


def test_a_bill_in_another_currency_than_its_po():
    loaded = with_base("""
        2024-01-05 custom "bill" "PO-1" "BILL-2" "WIDGET" 1 4.00 USD
    """)
    assert loaded.messages == [
        (
            9,
            'Bill "BILL-2" for purchase order "PO-1": WIDGET is billed in USD, the '
            "purchase order is in GBP; a bill is in its PO's currency",
        )
    ]


def test_a_bill_or_landed_cost_on_a_po_without_lines():
    """No line: no currency to compare with ("not in None" before), so the error
    says what is missing."""
    loaded = with_base("""
        2024-01-05 custom "purchase-order" "PO-2" "s1"
        2024-01-06 custom "bill" "PO-2" "BILL-2" "WIDGET" 1 4.00 GBP
        2024-01-06 custom "bill" "PO-2" "BILL-3"
        2024-01-06 custom "landed-cost" "PO-2" "LC-1" 5.00 GBP
    """)
    assert loaded.messages == [
        (
            10,
            'Bill "BILL-2" for purchase order "PO-2": purchase order "PO-2" has no line '
            "for WIDGET",
        ),
        (
            11,
            'Bill "BILL-3" for purchase order "PO-2": nothing on the purchase order is '
            "left to bill",
        ),
        (
            12,
            'Landed cost "LC-1" for purchase order "PO-2": nothing was received on the '
            "purchase order yet; a landed cost is spread over received goods (date it "
            "on or after a receipt)",
        ),
    ]


def test_a_landed_cost_with_nothing_received():
    loaded = with_base("""
        2024-01-05 custom "purchase-order" "PO-2" "s1"
        2024-01-05 custom "po-line" "PO-2" "WIDGET" 1 4.00 GBP
        2024-01-06 custom "landed-cost" "PO-2" "LC-1" 5.00 GBP
        2024-01-06 custom "landed-cost" "PO-1" "LC-2" 5.00 USD
    """)
    assert loaded.messages == [
        (
            11,
            'Landed cost "LC-1" for purchase order "PO-2": nothing was received on the '
            "purchase order yet; a landed cost is spread over received goods (date it "
            "on or after a receipt)",
        ),
        (
            12,
            'Landed cost "LC-2" for purchase order "PO-1": 5.00 USD is not in GBP, the '
            "purchase order's currency",
        ),
    ]
    assert set(loaded.book.purchasing.payables) == {"BILL-1"}


def test_a_bill_payment_of_more_than_the_bill_owes():
    loaded = with_base("""
        2024-01-05 custom "bill-payment" "BILL-1" 5.00 GBP Assets:Bank
          id: "BP-1"
        2024-01-05 custom "bill-payment" "BILL-1" 8.01 GBP Assets:Bank
          id: "BP-2"
    """)
    assert loaded.messages == [
        (
            11,
            'Bill payment of 8.01 GBP for "BILL-1": 8.01 GBP is more than the 3.00 GBP '
            'still owed on bill "BILL-1"',
        )
    ]
    assert list(loaded.book.purchasing.payments) == ["BP-1"]


def test_a_bill_payment_of_an_unknown_bill_or_supplier():
    loaded = with_base("""
        2024-01-05 custom "bill-payment" "BILL-7" 1.00 GBP Assets:Bank
        2024-01-05 custom "bill-payment" "s3" 1.00 GBP Assets:Bank
        2024-01-05 custom "bill-payment" "GRN-1" 1.00 GBP Assets:Bank
    """)
    tail = "; a bill payment names a bill, a landed cost, a stock-in or a declared supplier"
    assert loaded.messages == [
        (
            9,
            'Bill payment of 1.00 GBP for "BILL-7": unknown bill or supplier "BILL-7"'
            + tail,
        ),
        (10, 'Bill payment of 1.00 GBP for "s3": unknown bill or supplier "s3"' + tail),
        (
            11,
            'Bill payment of 1.00 GBP for "GRN-1": unknown bill or supplier "GRN-1" '
            '("GRN-1" is a purchase receipt)' + tail,
        ),
    ]
    assert loaded.book.purchasing.payments == {}


def test_a_bill_payment_by_credit():
    loaded = with_base("""
        2024-01-05 custom "bill-payment" "BILL-1" 1.00 GBP "credit"
    """)
    assert loaded.messages == [
        (
            9,
            'Bill payment of 1.00 GBP for "BILL-1": METHOD "credit" draws on a '
            "customer's credit balance; a bill payment pays money (a method name or an "
            "account)",
        )
    ]
    assert loaded.book.purchasing.payments == {}


def test_a_po_line_in_another_currency():
    loaded = with_base("""
        2024-01-05 custom "po-line" "PO-1" "GADGET" 1 4.00 USD
    """)
    assert loaded.messages == [
        (
            9,
            'Purchase order "PO-1" line GADGET: cost 4.00 USD is not in GBP, the '
            "currency of the purchase order's other lines",
        )
    ]
    assert len(loaded.book.purchasing.orders["PO-1"].lines) == 1


def test_duplicate_ids():
    loaded = with_base("""
        2024-01-05 custom "purchase-order" "PO-1" "s2"
        2024-01-05 custom "receipt" "PO-1" "GRN-1" "WIDGET" 1
        2024-01-05 custom "bill" "PO-1" "GRN-1" "WIDGET" 1 4.00 GBP
        2024-01-05 custom "landed-cost" "PO-1" "BILL-1" 1.00 GBP
    """)
    tail = " (ids are unique across orders, invoices, credits and other documents)"
    assert loaded.messages == [
        (9, 'Duplicate document id "PO-1": already used by purchase order "PO-1"' + tail),
        (
            10,
            'Duplicate document id "GRN-1": already used by purchase receipt "GRN-1"'
            + tail,
        ),
        (
            11,
            'Duplicate document id "GRN-1": already used by purchase receipt "GRN-1"'
            + tail,
        ),
        (12, 'Duplicate document id "BILL-1": already used by bill "BILL-1"' + tail),
    ]
    assert loaded.book.purchasing.orders["PO-1"].supplier == "s1"


def test_a_receipt_batch_label_clash():
    loaded = with_base("""
        2024-01-05 custom "receipt" "PO-1" "GRN-2" "WIDGET" 1
          batch: "GRN-3"
        2024-01-05 custom "receipt" "PO-1" "GRN-3" "WIDGET" 1
        2024-01-06 custom "receipt" "PO-1" "GRN-4" "WIDGET" 1
          batch: "GRN-3"
    """)
    assert loaded.messages == [
        (
            11,
            'Receipt "GRN-3" for purchase order "PO-1": batch "GRN-3" already labels the '
            'WIDGET lot of receipt "GRN-2" on 2024-01-05; give this receipt a batch of '
            "its own",
        )
    ]
    # The same label on another day is another lot.
    assert list(loaded.book.purchasing.receipts) == ["GRN-1", "GRN-2", "GRN-4"]


def test_bad_metadata_values():
    loaded = with_base("""
        2024-01-05 custom "po-line" "PO-1" "GADGET" 1 4.00 GBP
          tax: 1.5
        2024-01-05 custom "landed-cost" "PO-1" "LC-1" 5.00 GBP
          basis: "weight"
        2024-01-05 custom "landed-cost" "PO-1" "LC-2" 5.00 GBP
          tax: -0.1
        2024-01-05 custom "purchase-order" "PO-2" "s1"
          expected: "soon"
        2024-01-05 custom "purchase-order" "PO-3" "s1"
          tax: 20
        2024-01-05 custom "bill" "PO-1" "BILL-2"
          due: "next week"
    """)
    assert loaded.messages == [
        (9, 'Purchase order "PO-1" line GADGET: tax must be a rate from 0 to 1 such as '
            "0.20, got 1.5"),
        (11, 'Landed cost "LC-1" for purchase order "PO-1": basis must be "value" or '
             '"qty", got "weight"'),
        (13, 'Landed cost "LC-2" for purchase order "PO-1": tax must be a rate from 0 to '
             "1 such as 0.20, got -0.1"),
        (15, 'Purchase order "PO-2": expected must be a date such as 2024-02-01, got '
             '"soon"'),
        (17, 'Purchase order "PO-3": tax must be a rate from 0 to 1 such as 0.20, got 20'),
        (19, 'Bill "BILL-2" for purchase order "PO-1": due must be a date such as '
             '2024-02-01, got "next week"'),
    ]  # fmt: skip
    purchasing = loaded.book.purchasing
    assert set(purchasing.orders) == {"PO-1"}
    assert set(purchasing.payables) == {"BILL-1"}


def test_misspelt_metadata_keys():
    loaded = with_base("""
        2024-01-05 custom "supplier" "s4" "Supplier Four"
          trems: 30
        2024-01-05 custom "purchase-order" "PO-2" "s1"
          locaton: "Shop"
        2024-01-05 custom "po-line" "PO-1" "GADGET" 1 4.00 GBP
          taxx: 0.2
        2024-01-05 custom "receipt" "PO-1" "GRN-2" "WIDGET" 1
          bacth: "B"
        2024-01-05 custom "bill" "PO-1" "BILL-2"
          duee: 2024-02-01
        2024-01-05 custom "landed-cost" "PO-1" "LC-1" 5.00 GBP
          basiss: "qty"
        2024-01-05 custom "landed-cost" "PO-1" "LC-2" 5.00 GBP
          supplir: "s2"
        2024-01-05 custom "bill-payment" "BILL-1" 1.00 GBP Assets:Bank
          idd: "BP-1"
    """)
    assert [line for line, _ in loaded.messages] == [9, 11, 13, 15, 17, 19, 21, 23]
    assert [message for _, message in loaded.messages] == [
        f'Unknown metadata key "{key}" on a "{kind}" directive: did you mean "{meant}"? '
        "It was not applied"
        for key, kind, meant in [
            ("trems", "supplier", "terms"),
            ("locaton", "purchase-order", "location"),
            ("taxx", "po-line", "tax"),
            ("bacth", "receipt", "batch"),
            ("duee", "bill", "due"),
            ("basiss", "landed-cost", "basis"),
            ("supplir", "landed-cost", "supplier"),
            ("idd", "bill-payment", "id"),
        ]
    ]
    purchasing = loaded.book.purchasing
    assert set(purchasing.suppliers) == {"s1", "s2"}
    assert set(purchasing.orders) == {"PO-1"}
    assert set(purchasing.receipts) == {"GRN-1"}
    assert set(purchasing.payables) == {"BILL-1"}
    assert purchasing.payments == {}
    assert purchasing.orders["PO-1"].lines[0].received == D(3)
