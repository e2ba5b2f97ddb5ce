"""Every bad directive is reported at its own line, with a message that says why.

Line numbers in the ledgers count from the line after the opening quotes: the
``plugin`` line is line 2, so in most ledgers below the customer is line 3, the
order line 4 and its first line line 5.
"""

from __future__ import annotations

from decimal import Decimal as D

from beancount.core import data

from tests.helpers import dedent
from tests.helpers import ledger

LINK_RULE = "cannot be a Beancount link: use only letters, digits and - _ / ."
UNIQUE = "(ids are unique across orders, invoices, credits and other documents)"

# -- the shape of a directive ---------------------------------------------


@ledger(expect_errors=True)
def test_too_few_values(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3
    """
    assert loaded.messages == [
        (5, 'Invalid "line" ORDER ITEM QTY PRICE: expected 4 values, got 3'),
    ]
    assert loaded.book.orders["SO-1"].lines == []


@ledger(expect_errors=True)
def test_too_many_values(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd" "extra"
    """
    assert loaded.messages == [
        (3, 'Invalid "customer" ID NAME: expected 2 values, got 3'),
    ]
    assert loaded.book.customers == {}


@ledger(expect_errors=True)
def test_payment_without_a_method(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-03 custom "payment" "acme" 10.00 GBP
    """
    assert loaded.messages == [
        (4, 'Invalid "payment" REF AMOUNT METHOD: expected 3 values, got 2'),
    ]
    assert loaded.generated == []


@ledger(expect_errors=True)
def test_quantity_written_as_a_string(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" "3" 9.99 GBP
    """
    assert loaded.messages == [
        (5, 'Invalid "line" ORDER ITEM QTY PRICE: QTY must be a number, got a string "3"'),
    ]


@ledger(expect_errors=True)
def test_price_without_a_currency(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 9.99
    """
    assert loaded.messages == [
        (
            5,
            'Invalid "line" ORDER ITEM QTY PRICE: PRICE must be an amount such as '
            "10.00 GBP, got a number 9.99",
        ),
    ]


@ledger(expect_errors=True)
def test_quantity_must_be_positive(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 0 9.99 GBP
    """
    assert loaded.messages == [
        (5, 'Invalid "line" ORDER ITEM QTY PRICE: QTY must be greater than zero, got 0'),
    ]


@ledger(expect_errors=True)
def test_item_must_be_a_commodity_name(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "widget" 1 9.99 GBP
    """
    assert loaded.messages == [
        (
            5,
            'Invalid "line" ORDER ITEM QTY PRICE: ITEM "widget" is not a valid commodity '
            "name (capital letters, digits and ' . _ -, starting with a letter)",
        ),
    ]


@ledger(expect_errors=True)
def test_pairs_must_be_complete(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1" "WIDGET"
    """
    assert loaded.messages == [
        (
            6,
            'Invalid "invoice" ORDER INVOICE (ITEM QTY)...: (ITEM QTY) values must come '
            "in pairs, got 1",
        ),
    ]
    assert loaded.book.invoices == {}


@ledger(expect_errors=True)
def test_pair_quantity_must_be_a_number(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1" "WIDGET" "two"
    """
    assert loaded.messages == [
        (
            6,
            'Invalid "invoice" ORDER INVOICE (ITEM QTY)...: QTY must be a number, '
            'got a string "two"',
        ),
    ]


@ledger(expect_errors=True)
def test_negative_price(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 1 (-1.00) GBP
    """
    # The parentheses keep Beancount from reading `1 -1.00 GBP` as `(1 - 1.00) GBP`.
    assert loaded.messages == [
        (5, 'Order "SO-1": line price of WIDGET must not be negative, got -1.00 GBP'),
    ]


# -- references -----------------------------------------------------------


@ledger(expect_errors=True)
def test_unknown_order(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-9" "INV-1"
    """
    assert loaded.messages == [(6, 'Unknown order "SO-9"')]
    assert loaded.book.documents == {"SO-1": "order"}


@ledger(expect_errors=True)
def test_unknown_order_names_what_the_id_is(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-06 custom "cancel" "INV-1"
    """
    assert loaded.messages == [(7, 'Unknown order "INV-1" ("INV-1" is an invoice)')]


@ledger(expect_errors=True)
def test_payment_on_an_unknown_reference(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-05 custom "payment" "INV-404" 10.00 GBP "card"
    """
    assert loaded.messages == [
        (5, 'Payment on unknown order, invoice or customer "INV-404"'),
    ]
    assert loaded.generated == []
    assert loaded.book.payments == {}


@ledger(expect_errors=True)
def test_payment_on_a_payment(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-05 custom "payment" "acme" 10.00 GBP "card"
      id: "PAY-1"
    2024-01-06 custom "payment" "PAY-1" 10.00 GBP "card"
    """
    assert loaded.messages == [
        (
            6,
            'Payment on "PAY-1": a payment refers to an order, an invoice or a customer, '
            'and "PAY-1" is a payment',
        ),
    ]
    assert len(loaded.transactions) == 1


@ledger(expect_errors=True)
def test_unknown_customer(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "bob"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    """
    # The order is not recorded, so its line cannot apply either: both are reported.
    assert loaded.messages == [
        (4, 'Unknown customer "bob": declare it first with custom "customer" "bob" "NAME"'),
        (5, 'Unknown order "SO-1"'),
    ]


@ledger(expect_errors=True)
def test_customer_declared_after_its_order(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-03 custom "customer" "acme" "Acme Ltd"
    """
    assert loaded.messages == [
        (
            3,
            'Unknown customer "acme" on 2024-01-02: it is declared on 2024-01-03, after '
            "this directive (directives apply in date order)",
        ),
    ]


# -- document ids ----------------------------------------------------------


@ledger(expect_errors=True)
def test_invoice_id_equal_to_an_order_id(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "SO-1"
    """
    assert loaded.messages == [
        (6, f'Duplicate document id "SO-1": already used by order "SO-1" {UNIQUE}'),
    ]
    assert loaded.book.invoices == {}
    assert loaded.book.orders["SO-1"].lines[0].invoiced == D(0)


@ledger(expect_errors=True)
def test_order_id_used_twice(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-01 custom "customer" "bob" "Bob's Bikes"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-03 custom "order" "SO-1" "bob"
    """
    assert loaded.messages == [
        (6, f'Duplicate document id "SO-1": already used by order "SO-1" {UNIQUE}'),
    ]
    assert loaded.book.orders["SO-1"].customer == "acme"


@ledger(expect_errors=True)
def test_payment_id_equal_to_an_invoice_id(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-06 custom "payment" "SO-1" 30.00 GBP "card"
      id: "INV-1"
    """
    assert loaded.messages == [
        (
            7,
            'Payment on "SO-1": id metadata: '
            f'Duplicate document id "INV-1": already used by invoice "INV-1" {UNIQUE}',
        ),
    ]
    assert len(loaded.transactions) == 1
    assert loaded.book.orders["SO-1"].outstanding == D("30.00")


@ledger(expect_errors=True)
def test_order_id_with_a_space(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO 1" "acme"
    """
    assert loaded.messages == [
        (4, f'Invalid "order" ORDER CUSTOMER: ORDER "SO 1" {LINK_RULE}'),
    ]
    assert loaded.book.orders == {}


@ledger(expect_errors=True)
def test_invoice_id_with_a_hash(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "#1060"
    """
    assert loaded.messages == [
        (6, f'Invalid "invoice" ORDER INVOICE (ITEM QTY)...: INVOICE "#1060" {LINK_RULE}'),
    ]
    assert loaded.generated == []


@ledger(expect_errors=True)
def test_payment_id_that_cannot_be_a_link(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-05 custom "payment" "acme" 10.00 GBP "card"
      id: "#1"
    """
    assert loaded.messages == [
        (
            4,
            'Payment on "acme": id must be a document id of letters, digits and - _ / ., '
            'got "#1"',
        ),
    ]
    assert loaded.generated == []


# -- currencies and quantities ---------------------------------------------


@ledger(expect_errors=True)
def test_second_currency_in_one_order(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-02 custom "line" "SO-1" "GADGET" 1 5.00 EUR
    """
    assert loaded.messages == [
        (
            6,
            'Order "SO-1" is in GBP; a line in EUR cannot join it '
            "(one order, one currency)",
        ),
    ]
    assert [line.item for line in loaded.book.orders["SO-1"].lines] == ["WIDGET"]


@ledger(expect_errors=True)
def test_payment_in_another_currency(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-06 custom "payment" "INV-1" 30.00 EUR "card"
    """
    assert loaded.messages == [
        (7, 'Payment of 30.00 EUR on invoice "INV-1": order "SO-1" is in GBP'),
    ]
    assert loaded.book.orders["SO-1"].paid == D(0)


@ledger(expect_errors=None)
def test_line_in_another_currency_than_an_earlier_payment(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "payment" "SO-1" 30.00 GBP "card"
    2024-01-03 custom "line" "SO-1" "WIDGET" 3 10.00 EUR
    """
    assert [lineno for lineno, _ in loaded.messages] == [6]
    assert "GBP" in loaded.messages[0][1]


@ledger(expect_errors=True)
def test_invoicing_more_than_ordered(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1" "WIDGET" 5
    """
    assert loaded.messages == [
        (
            6,
            'Cannot invoice 5 WIDGET on order "SO-1": only 3 left to invoice '
            "(3 ordered, 0 cancelled, 0 already invoiced)",
        ),
    ]
    assert loaded.book.invoices == {}


@ledger(expect_errors=True)
def test_invoicing_more_than_is_still_open(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1" "WIDGET" 2
    2024-01-06 custom "invoice" "SO-1" "INV-2" "WIDGET" 2
    """
    assert loaded.messages == [
        (
            7,
            'Cannot invoice 2 WIDGET on order "SO-1": only 1 left to invoice '
            "(3 ordered, 0 cancelled, 2 already invoiced)",
        ),
    ]
    assert list(loaded.book.invoices) == ["INV-1"]
    assert "INV-2" not in loaded.book.documents
    assert loaded.book.orders["SO-1"].invoiced == D("20.00")


@ledger(expect_errors=True)
def test_invoicing_more_than_is_left_after_a_cancel(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-03 custom "cancel" "SO-1" "WIDGET" 2
    2024-01-06 custom "invoice" "SO-1" "INV-1" "WIDGET" 2
    """
    assert loaded.messages == [
        (
            7,
            'Cannot invoice 2 WIDGET on order "SO-1": only 1 left to invoice '
            "(3 ordered, 2 cancelled, 0 already invoiced)",
        ),
    ]


@ledger(expect_errors=True)
def test_invoicing_an_item_not_on_the_order(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1" "WIDGET" 1 "GADGET" 1
    """
    assert loaded.messages == [(6, 'Item GADGET is not on order "SO-1"')]
    # Nothing of the directive applies, not even its valid WIDGET pair.
    assert loaded.book.orders["SO-1"].lines[0].invoiced == D(0)
    assert loaded.generated == []


@ledger(expect_errors=True)
def test_nothing_left_to_invoice(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-06 custom "invoice" "SO-1" "INV-2"
    """
    assert loaded.messages == [(7, 'Nothing left to invoice on order "SO-1"')]
    assert list(loaded.book.invoices) == ["INV-1"]


@ledger(expect_errors=True)
def test_invoicing_an_order_without_lines(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    """
    assert loaded.messages == [(5, 'Order "SO-1" has no lines to invoice')]


@ledger(expect_errors=True)
def test_cannot_cancel_invoiced_quantities(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1" "WIDGET" 2
    2024-01-06 custom "cancel" "SO-1" "WIDGET" 3
    """
    assert loaded.messages == [
        (
            7,
            'Cannot cancel 3 WIDGET on order "SO-1": only 1 left to cancel '
            "(3 ordered, 0 cancelled, 2 invoiced, 0 dispatched)",
        ),
    ]
    assert loaded.book.orders["SO-1"].lines[0].cancelled == D(0)


@ledger(expect_errors=True)
def test_nothing_left_to_cancel(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-06 custom "cancel" "SO-1"
    """
    assert loaded.messages == [(7, 'Nothing left to cancel on order "SO-1"')]


@ledger(expect_errors=True)
def test_committing_more_than_ordered(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-03 custom "commit" "SO-1" "WIDGET" 4
    """
    assert loaded.messages == [
        (
            6,
            'Cannot commit 4 WIDGET on order "SO-1": only 3 left to commit '
            "(3 ordered, 0 committed)",
        ),
    ]


# -- metadata ----------------------------------------------------------------


@ledger(expect_errors=True)
def test_tax_rate_above_one(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
      tax: 1.5
    """
    assert loaded.messages == [
        (
            5,
            'Order "SO-1" line WIDGET: tax must be a rate from 0 to 1 such as 0.20, '
            "got 1.5",
        ),
    ]
    assert loaded.book.orders["SO-1"].lines == []


@ledger(expect_errors=True)
def test_tax_rate_above_one_on_the_commodity(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 commodity WIDGET
      tax: 1.5
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    """
    ((lineno, message),) = loaded.messages
    assert lineno in (3, 7)
    assert "Commodity WIDGET" in message
    assert "got 1.5" in message


@ledger(expect_errors=True)
def test_bad_income_account_on_the_commodity(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 commodity WIDGET
      income: "sales"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    """
    assert loaded.messages == [
        (
            7,
            "Commodity WIDGET: income must be an account such as Income:Sales:Widgets, "
            'got "sales"',
        ),
    ]


@ledger(expect_errors=True)
def test_negative_customer_terms(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
      terms: -3
    """
    assert loaded.messages == [
        (3, 'Customer "acme": terms must be a whole number of days such as 30, got -3'),
    ]
    assert loaded.book.customers == {}


@ledger(expect_errors=True)
def test_fractional_order_terms(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
      terms: 7.5
    """
    assert loaded.messages == [
        (4, 'Order "SO-1": terms must be a whole number of days such as 30, got 7.5'),
    ]


@ledger(expect_errors=True)
def test_due_that_is_not_a_date(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
      due: "soon"
    """
    assert loaded.messages == [
        (6, 'Invoice "INV-1": due must be a date such as 2024-02-01, got "soon"'),
    ]
    assert loaded.book.invoices == {}
    assert loaded.book.orders["SO-1"].lines[0].invoiced == D(0)


@ledger(expect_errors=True)
def test_order_po_that_is_not_a_string(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
      po: 778
    """
    assert loaded.messages == [(4, 'Order "SO-1": po must be a string, got 778')]


@ledger(expect_errors=True)
def test_credit_limit_that_is_not_an_amount(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
      credit-limit: 5000
    """
    assert loaded.messages == [
        (
            3,
            'Customer "acme": credit-limit must be an amount such as 5000.00 GBP, got 5000',
        ),
    ]


@ledger(expect_errors=True)
def test_customer_account_that_is_not_a_component(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
      account: "acme ltd"
    """
    assert loaded.messages == [
        (
            3,
            'Customer "acme": account must be an account name component such as '
            '"AcmeLtd", got "acme ltd"',
        ),
    ]


@ledger(expect_errors=True)
def test_customer_redeclaration_cannot_change_the_account(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-02-01 custom "customer" "acme" "Acme Limited"
      account: "AcmeLtd"
    """
    assert loaded.messages == [
        (
            4,
            'Customer "acme" already posts to accounts named "Acme"; a later customer '
            'directive cannot change it to "AcmeLtd"',
        ),
    ]
    acme = loaded.book.customers["acme"]
    assert (acme.name, acme.account) == ("Acme Ltd", "Acme")


@ledger(expect_errors=True)
def test_payment_amount_must_be_positive(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-05 custom "payment" "SO-1" -5.00 GBP "card"
    """
    assert loaded.messages == [
        (6, 'Payment on "SO-1": amount must be greater than zero, got -5.00 GBP'),
    ]


# -- errors and the rest of the books --------------------------------------


@ledger(expect_errors=True)
def test_an_error_does_not_stop_the_directives_around_it(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 10.00 GBP
    2024-01-02 custom "line" "SO-1" "GADGET" "1" 5.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1" "WIDGET" 1
    2024-01-05 custom "invoice" "SO-1" "INV-X" "WIDGET" 9
    2024-01-05 custom "payment" "SO-9" 10.00 GBP "card"
    2024-01-06 custom "invoice" "SO-1" "INV-2"
    2024-01-07 custom "payment" "SO-1" 30.00 GBP "card"
    """
    assert loaded.messages == [
        (6, 'Invalid "line" ORDER ITEM QTY PRICE: QTY must be a number, got a string "1"'),
        (
            8,
            'Cannot invoice 9 WIDGET on order "SO-1": only 2 left to invoice '
            "(3 ordered, 0 cancelled, 1 already invoiced)",
        ),
        (9, 'Payment on unknown order, invoice or customer "SO-9"'),
    ]
    assert loaded.expand() == dedent("""
        2024-01-05 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   10.00 GBP
          Income:Sales            -10.00 GBP
            item: "WIDGET"

        2024-01-06 * "Acme Ltd" "Invoice INV-2 for order SO-1" ^INV-2 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-2"
          Assets:Receivable:Acme   20.00 GBP
          Income:Sales            -20.00 GBP
            item: "WIDGET"

        2024-01-07 * "Acme Ltd" "Payment for order SO-1 by card" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Clearing:Card     30.00 GBP
          Assets:Receivable:Acme  -30.00 GBP
    """)
    assert loaded.book.orders["SO-1"].outstanding == D(0)


@ledger(expect_errors=True)
def test_errors_carry_the_directive_and_its_source(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "nobody"
    """
    (error,) = loaded.errors
    assert error.source["filename"] == "<string>"
    assert error.source["lineno"] == 4
    assert isinstance(error.entry, data.Custom)
    assert error.entry.type == "order"
    assert "Traceback" not in error.message


@ledger(expect_errors=None)
def test_two_customers_cannot_share_one_account(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme ltd" "Acme Ltd"
    2024-01-01 custom "customer" "acme-ltd" "Acme Logistics"
    """
    ((lineno, message),) = loaded.messages
    assert lineno == 4
    assert "Acme-ltd" in message
