"""SPEC Revision 2, "Rules that tighten the forms above": a typo never changes a
number quietly, and nothing that loads may crash later."""

from __future__ import annotations

from decimal import Decimal

from tests.helpers import dedent
from tests.helpers import ledger


@ledger(expect_errors=True)
def test_misspelt_keys(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
      trems: 30
    2024-01-01 custom "customer" "bob" "Bob"
    2024-01-02 custom "order" "SO-1" "bob"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
      taxx: 0.2
    2024-01-02 custom "line" "SO-1" "GADGET" 1 5.00 GBP
    2024-01-03 custom "invoice" "SO-1" "INV-1"
    2024-01-04 custom "credit-order" "CO-1" "INV-1"
      staus: "OPEN"
      full: TRUE
    2024-01-04 custom "credit-order" "CO-2" "INV-1"
      credit_date: "invoice"
      full: TRUE
    2024-01-05 custom "payment" "SO-1" 5.00 GBP "card"
      ide: "PAY-1"
    """
    assert loaded.messages == [
        (
            3,
            'Unknown metadata key "trems" on a "customer" directive: did you mean '
            '"terms"? It was not applied',
        ),
        (
            7,
            'Unknown metadata key "taxx" on a "line" directive: did you mean "tax"? '
            "It was not applied",
        ),
        (
            11,
            'Unknown metadata key "staus" on a "credit-order" directive: did you mean '
            '"status"? It was not applied',
        ),
        (
            14,
            'Unknown metadata key "credit_date" on a "credit-order" directive: did you '
            'mean "credit-date"? It was not applied',
        ),
        (
            17,
            'Unknown metadata key "ide" on a "payment" directive: did you mean "id"? '
            "It was not applied",
        ),
    ]
    book = loaded.book
    assert "acme" not in book.customers
    assert [line.item for line in book.orders["SO-1"].lines] == ["GADGET"]
    assert book.invoices["INV-1"].gross == Decimal("5.00")
    assert book.credit_orders == {}
    assert book.payments == {}


@ledger()
def test_free_keys_are_kept_and_copied_onto_the_generated_transactions(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 1 10.00 GBP
    2024-01-03 custom "invoice" "SO-1" "INV-1"
      approved-by: "Jo"
      ticket: 4411
    """
    assert loaded.expand() == dedent(
        """
        2024-01-03 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          approved-by: "Jo"
          ticket: 4411
          Assets:Receivable:Acme   10.00 GBP
          Income:Sales            -10.00 GBP
            item: "WIDGET"
        """
    )


@ledger(expect_errors=True)
def test_numbers_out_of_range_are_errors_at_their_line(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
      credit-limit: 1000000000000000.00 GBP
    2024-01-01 custom "customer" "bob" "Bob"
    2024-01-02 custom "order" "SO-1" "bob"
    2024-01-02 custom "line" "SO-1" "WIDGET" 1000000 100000000000000000000.00 GBP
    2024-01-02 custom "line" "SO-1" "GADGET" 0.0000000000001 1.00 GBP
    2024-01-02 custom "line" "SO-1" "BOLT" 1 999999999999999.99 GBP
    2024-01-03 custom "invoice" "SO-1" "INV-1"
    """
    assert loaded.messages == [
        (
            3,
            "Metadata credit-limit: 1000000000000000.00 GBP is too large (numbers must "
            "be below 10^15); the directive was not applied",
        ),
        (
            7,
            'Invalid "line" ORDER ITEM QTY PRICE: PRICE 100000000000000000000.00 GBP is '
            "too large (numbers must be below 10^15)",
        ),
        (
            8,
            'Invalid "line" ORDER ITEM QTY PRICE: QTY 0.0000000000001 has more than 12 '
            "decimal places",
        ),
    ]
    assert [line.item for line in loaded.book.orders["SO-1"].lines] == ["BOLT"]


@ledger(expect_errors=True)
def test_a_credit_order_whose_only_line_is_malformed_says_so(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 1 10.00 GBP
    2024-01-03 custom "invoice" "SO-1" "INV-1"
    2024-01-04 custom "credit-order" "CO-1" "INV-1"
    2024-01-04 custom "credit-line" "CO-1" "WIDGET" "credit" 1
    """
    assert loaded.messages == [
        (7, 'Credit order "CO-1": not posted, 1 of its 1 lines is invalid'),
        (
            8,
            'Invalid "credit-line" CO ITEM TYPE QTY PRICE: expected 5 values, got 4',
        ),
    ]


@ledger(expect_errors=True)
def test_a_batch_label_on_two_lots_is_ambiguous_under_strict(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "stock-in" "PO-1" "WIDGET" 5 4.00 GBP
      supplier: "maker"
      batch: "LOT-1"
    2024-01-02 custom "stock-in" "PO-2" "WIDGET" 5 6.00 GBP
      supplier: "maker"
      batch: "LOT-1"
    2024-01-03 custom "order" "SO-1" "acme"
    2024-01-03 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-04 custom "dispatch" "SO-1"
      batch: "LOT-1"
    2024-01-05 custom "transfer" "WIDGET" 10 "Main" "Shop"
      batch: "LOT-1"
    """
    assert loaded.messages == [
        (
            12,
            'Dispatch for order "SO-1": Assets:Inventory:Main books by STRICT and batch '
            '"LOT-1" names 2 lots of WIDGET ({4.00 GBP, 2024-01-01, "LOT-1"}, '
            '{6.00 GBP, 2024-01-02, "LOT-1"}); give them labels of their own',
        ),
    ]
    # Taking every unit the label names is not ambiguous: the transfer moved both.
    assert loaded.book.orders["SO-1"].dispatches == []
    assert len(loaded.book.transfers) == 1
