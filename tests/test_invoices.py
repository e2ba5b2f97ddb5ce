"""Invoices: postings, tax, due dates, and what every generated entry carries.

Line numbers in the ledgers count from the line after the opening quotes: the
``plugin`` line is line 2.
"""

from __future__ import annotations

import copy
import datetime
import os
import subprocess
import sys
import textwrap
from decimal import Decimal as D
from pathlib import Path

from beancount.core import data
from beancount.parser import parser

from beancount_orders import orders
from beancount_orders.book import Status
from tests.helpers import dedent
from tests.helpers import ledger
from tests.helpers import load

ROOT = Path(__file__).resolve().parent.parent


@ledger()
def test_invoice_whole_order(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
      tax: 0.20
    2024-01-02 custom "line" "SO-1" "GADGET" 1 12.50 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    """
    # 2 x 25.00 = 50.00 and 1 x 12.50 = 12.50; tax 20% of each: 10.00 + 2.50.
    assert loaded.expand() == dedent("""
        2024-01-05 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   75.00 GBP
          Income:Sales            -50.00 GBP
            item: "WIDGET"
          Income:Sales            -12.50 GBP
            item: "GADGET"
          Liabilities:SalesTax    -12.50 GBP
            rate: 0.20
    """)
    invoice = loaded.book.invoices["INV-1"]
    assert (invoice.net, invoice.tax, invoice.gross) == (D("62.50"), D("12.50"), D("75.00"))
    assert invoice.order == "SO-1"
    assert invoice.customer == "acme"
    assert invoice.currency == "GBP"
    assert [(line.line, line.item, line.qty) for line in invoice.lines] == [
        (1, "WIDGET", D(2)),
        (2, "GADGET", D(1)),
    ]
    order = loaded.book.orders["SO-1"]
    assert order.invoices == ["INV-1"]
    assert order.invoiced == D("75.00")
    assert order.outstanding == D("75.00")
    assert order.invoiced_status is Status.FULL
    assert [line.invoiced for line in order.lines] == [D(2), D(1)]
    assert loaded.book.documents["INV-1"] == "invoice"
    assert loaded.balances() == {
        "Assets:Receivable:Acme": "75.00 GBP",
        "Income:Sales": "-62.50 GBP",
        "Liabilities:SalesTax": "-12.50 GBP",
    }


@ledger()
def test_partial_invoice_by_pairs_then_the_rest(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 5 10.00 GBP
      tax: 0.20
    2024-01-02 custom "line" "SO-1" "GADGET" 2 7.50 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1" "WIDGET" 2
    2024-01-20 custom "invoice" "SO-1" "INV-2"
    """
    # INV-1: 2 WIDGET = 20.00 + 4.00 tax. INV-2 bills what is left: 3 WIDGET
    # = 30.00 and 2 GADGET = 15.00, tax 6.00 + 3.00.
    assert loaded.expand() == dedent("""
        2024-01-05 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   24.00 GBP
          Income:Sales            -20.00 GBP
            item: "WIDGET"
          Liabilities:SalesTax     -4.00 GBP
            rate: 0.20

        2024-01-20 * "Acme Ltd" "Invoice INV-2 for order SO-1" ^INV-2 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-2"
          Assets:Receivable:Acme   54.00 GBP
          Income:Sales            -30.00 GBP
            item: "WIDGET"
          Income:Sales            -15.00 GBP
            item: "GADGET"
          Liabilities:SalesTax     -9.00 GBP
            rate: 0.20
    """)
    order = loaded.book.orders["SO-1"]
    assert order.invoices == ["INV-1", "INV-2"]
    assert order.invoiced == D("78.00")
    assert [line.invoiced for line in order.lines] == [D(5), D(2)]
    assert [line.uninvoiced for line in order.lines] == [D(0), D(0)]
    assert order.invoiced_status is Status.FULL
    assert loaded.book.customers["acme"].receivable["GBP"] == D("78.00")


@ledger()
def test_partial_invoice_leaves_the_order_partially_invoiced(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 5 10.00 GBP
    2024-01-02 custom "line" "SO-1" "GADGET" 2 7.50 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1" "WIDGET" 1 "GADGET" 2
    """
    # No tax anywhere: no tax posting at all.
    assert loaded.expand() == dedent("""
        2024-01-05 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   25.00 GBP
          Income:Sales            -10.00 GBP
            item: "WIDGET"
          Income:Sales            -15.00 GBP
            item: "GADGET"
    """)
    order = loaded.book.orders["SO-1"]
    assert [line.invoiced for line in order.lines] == [D(1), D(2)]
    assert [line.uninvoiced for line in order.lines] == [D(4), D(0)]
    assert order.invoiced_status is Status.PARTIAL
    assert order.outstanding == D("25.00")


@ledger()
def test_two_lines_of_one_item_are_invoiced_in_order(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 10.00 GBP
      tax: 0.20
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 12.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1" "WIDGET" 3
    2024-01-06 custom "invoice" "SO-1" "INV-2" "WIDGET" 2
    """
    # INV-1 takes both units of line 1 (20.00) and one of line 2 (12.00);
    # INV-2 the two left on line 2 (24.00).
    assert loaded.expand() == dedent("""
        2024-01-05 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   38.40 GBP
          Income:Sales            -20.00 GBP
            item: "WIDGET"
          Income:Sales            -12.00 GBP
            item: "WIDGET"
          Liabilities:SalesTax     -6.40 GBP
            rate: 0.20

        2024-01-06 * "Acme Ltd" "Invoice INV-2 for order SO-1" ^INV-2 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-2"
          Assets:Receivable:Acme   28.80 GBP
          Income:Sales            -24.00 GBP
            item: "WIDGET"
          Liabilities:SalesTax     -4.80 GBP
            rate: 0.20
    """)
    book = loaded.book
    assert [(line.line, line.qty) for line in book.invoices["INV-1"].lines] == [
        (1, D(2)),
        (2, D(1)),
    ]
    assert [(line.line, line.qty) for line in book.invoices["INV-2"].lines] == [(2, D(2))]
    assert [line.invoiced for line in book.orders["SO-1"].lines] == [D(2), D(3)]


@ledger()
def test_tax_of_three_at_9_99(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 9.99 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    """
    # 3 x 9.99 = 29.97; 20% of it is 5.994, rounded to 5.99.
    invoice = loaded.book.invoices["INV-1"]
    assert invoice.tax == D("5.99")
    assert invoice.net == D("29.97")
    assert invoice.gross == D("35.96")
    assert loaded.expand() == dedent("""
        2024-01-05 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   35.96 GBP
          Income:Sales            -29.97 GBP
            item: "WIDGET"
          Liabilities:SalesTax     -5.99 GBP
            rate: 0.20
    """)


@ledger()
def test_money_rounds_half_up(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "CLIP" 1 0.25 GBP
      tax: 0.10
    2024-01-02 custom "line" "SO-1" "PIN" 1 0.125 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    """
    # Tax 0.025 rounds half-up to 0.03 (half-even would give 0.02); the line
    # value 0.125 rounds to 0.13 (half-even: 0.12).
    assert loaded.expand() == dedent("""
        2024-01-05 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   0.41 GBP
          Income:Sales            -0.25 GBP
            item: "CLIP"
          Income:Sales            -0.13 GBP
            item: "PIN"
          Liabilities:SalesTax    -0.03 GBP
            rate: 0.10
    """)
    assert loaded.book.invoices["INV-1"].gross == D("0.41")


@ledger()
def test_tax_is_rounded_per_line(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "NUT" 1 0.05 GBP
      tax: 0.10
    2024-01-02 custom "line" "SO-1" "BOLT" 1 0.05 GBP
      tax: 0.10
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    """
    # Each line's tax 0.005 rounds to 0.01: 0.02 in all. Rounding the invoice
    # total instead (10% of 0.10) would give 0.01.
    assert loaded.expand() == dedent("""
        2024-01-05 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   0.12 GBP
          Income:Sales            -0.05 GBP
            item: "NUT"
          Income:Sales            -0.05 GBP
            item: "BOLT"
          Liabilities:SalesTax    -0.02 GBP
            rate: 0.10
    """)
    assert [line.tax for line in loaded.book.invoices["INV-1"].lines] == [
        D("0.01"),
        D("0.01"),
    ]


@ledger()
def test_mixed_tax_rates_post_once_per_rate_sorted_by_rate(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 1 100.00 GBP
      tax: 0.20
    2024-01-02 custom "line" "SO-1" "FOOD" 4 2.50 GBP
      tax: 0.05
    2024-01-02 custom "line" "SO-1" "GADGET" 2 7.50 GBP
      tax: 0.20
    2024-01-02 custom "line" "SO-1" "BOOK" 2 10.00 GBP
      tax: 0
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    """
    # Net 100.00 + 10.00 + 15.00 + 20.00 = 145.00.
    # Tax at 0.05: 0.50; at 0.20: 20.00 + 3.00 = 23.00; zero-rated: nothing.
    assert loaded.expand() == dedent("""
        2024-01-05 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   168.50 GBP
          Income:Sales            -100.00 GBP
            item: "WIDGET"
          Income:Sales             -10.00 GBP
            item: "FOOD"
          Income:Sales             -15.00 GBP
            item: "GADGET"
          Income:Sales             -20.00 GBP
            item: "BOOK"
          Liabilities:SalesTax      -0.50 GBP
            rate: 0.05
          Liabilities:SalesTax     -23.00 GBP
            rate: 0.20
    """)
    invoice = loaded.book.invoices["INV-1"]
    assert [line.tax_rate for line in invoice.lines] == [
        D("0.20"),
        D("0.05"),
        D("0.20"),
        D(0),
    ]
    assert (invoice.net, invoice.tax) == (D("145.00"), D("23.50"))
    assert loaded.balances()["Liabilities:SalesTax"] == "-23.50 GBP"


@ledger()
def test_commodity_metadata_and_config_tax_rate(loaded):
    """
    plugin "beancount_orders.orders" "{'tax_rate': '0.20'}"
    2024-01-01 commodity WIDGET
      name: "Blue widget"
      tax: 0.05
      income: Income:Sales:Widgets
    2024-01-01 commodity BOLT
      tax: 0.05
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 10.00 GBP
      description: "Blue widgets, boxed"
    2024-01-02 custom "line" "SO-1" "GADGET" 1 30.00 GBP
    2024-01-02 custom "line" "SO-1" "BOLT" 10 1.00 GBP
      tax: 0
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    """
    # WIDGET: the commodity's rate and income account. GADGET: no setting
    # anywhere, so the config's 0.20. BOLT: the line's 0 beats the commodity.
    assert loaded.expand() == dedent("""
        2024-01-05 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   67.00 GBP
          Income:Sales:Widgets    -20.00 GBP
            item: "WIDGET"
          Income:Sales            -30.00 GBP
            item: "GADGET"
          Income:Sales            -10.00 GBP
            item: "BOLT"
          Liabilities:SalesTax     -1.00 GBP
            rate: 0.05
          Liabilities:SalesTax     -6.00 GBP
            rate: 0.20
    """)
    lines = loaded.book.orders["SO-1"].lines
    assert [line.tax_rate for line in lines] == [D("0.05"), D("0.20"), D(0)]
    assert [line.income for line in lines] == [
        "Income:Sales:Widgets",
        "Income:Sales",
        "Income:Sales",
    ]
    assert [line.description for line in lines] == ["Blue widgets, boxed", None, None]


@ledger()
def test_line_tax_overrides_commodity_tax(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 commodity WIDGET
      tax: 0.05
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 1 10.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    """
    assert loaded.expand() == dedent("""
        2024-01-05 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   12.00 GBP
          Income:Sales            -10.00 GBP
            item: "WIDGET"
          Liabilities:SalesTax     -2.00 GBP
            rate: 0.20
    """)


@ledger()
def test_prices_include_tax(loaded):
    """
    plugin "beancount_orders.orders" "{'prices_include_tax': True}"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 12.00 GBP
      tax: 0.20
    2024-01-02 custom "line" "SO-1" "GADGET" 1 10.00 GBP
      tax: 0.20
    2024-01-02 custom "line" "SO-1" "BOOK" 1 5.00 GBP
      tax: 0.05
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    """
    # Gross 24.00 -> net 20.00 + tax 4.00; gross 10.00 -> net 8.33 (10/1.2)
    # + tax 1.67; gross 5.00 -> net 4.76 (5/1.05) + tax 0.24. The receivable is
    # the sum of the prices: 39.00.
    assert loaded.expand() == dedent("""
        2024-01-05 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   39.00 GBP
          Income:Sales            -20.00 GBP
            item: "WIDGET"
          Income:Sales             -8.33 GBP
            item: "GADGET"
          Income:Sales             -4.76 GBP
            item: "BOOK"
          Liabilities:SalesTax     -0.24 GBP
            rate: 0.05
          Liabilities:SalesTax     -5.67 GBP
            rate: 0.20
    """)
    invoice = loaded.book.invoices["INV-1"]
    assert (invoice.net, invoice.tax, invoice.gross) == (D("33.09"), D("5.91"), D("39.00"))


@ledger()
def test_due_dates(loaded):
    """
    plugin "beancount_orders.orders" "{'terms': 7}"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
      terms: 30
    2024-01-01 custom "customer" "bob" "Bob's Bikes"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 1 10.00 GBP
    2024-01-02 custom "order" "SO-2" "acme"
      terms: 14
    2024-01-02 custom "line" "SO-2" "WIDGET" 1 10.00 GBP
    2024-01-02 custom "order" "SO-3" "acme"
      terms: 0
    2024-01-02 custom "line" "SO-3" "WIDGET" 1 10.00 GBP
    2024-01-02 custom "order" "SO-4" "bob"
    2024-01-02 custom "line" "SO-4" "WIDGET" 1 10.00 GBP
    2024-01-02 custom "order" "SO-5" "acme"
      terms: 14
    2024-01-02 custom "line" "SO-5" "WIDGET" 1 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-05 custom "invoice" "SO-2" "INV-2"
    2024-01-05 custom "invoice" "SO-3" "INV-3"
    2024-01-05 custom "invoice" "SO-4" "INV-4"
    2024-01-05 custom "invoice" "SO-5" "INV-5"
      due: 2024-03-01
    """
    due = {key: invoice.due for key, invoice in loaded.book.invoices.items()}
    assert due == {
        "INV-1": datetime.date(2024, 2, 4),  # the customer's 30 days
        "INV-2": datetime.date(2024, 1, 19),  # the order's 14 days beat the customer's
        "INV-3": datetime.date(2024, 1, 5),  # the order's 0 days count too
        "INV-4": datetime.date(2024, 1, 12),  # no terms on order or customer: config 7
        "INV-5": datetime.date(2024, 3, 1),  # explicit due date
    }
    assert all(
        invoice.date == datetime.date(2024, 1, 5)
        for invoice in loaded.book.invoices.values()
    )


@ledger()
def test_due_date_without_any_terms_is_the_invoice_date(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 1 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    """
    assert loaded.book.invoices["INV-1"].due == datetime.date(2024, 1, 5)


@ledger()
def test_generated_transactions_point_at_their_directive(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme ltd" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme ltd"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-09 custom "payment" "INV-1" 60.00 GBP "card"
    """
    invoice, payment = loaded.transactions
    assert invoice.meta["filename"] == "<string>"
    assert invoice.meta["lineno"] == 7
    assert payment.meta["lineno"] == 8
    for txn in (invoice, payment):
        assert txn.flag == "*"
        assert txn.payee == "Acme Ltd"
        assert txn.links == {"SO-1", "INV-1"}
        assert txn.tags == frozenset()
        assert txn.meta["order"] == "SO-1"
        assert txn.meta["customer"] == "acme ltd"
        assert txn.meta["invoice"] == "INV-1"
        assert {posting.meta["lineno"] for posting in txn.postings} == {txn.meta["lineno"]}
        assert sum(posting.units.number for posting in txn.postings) == 0
    assert invoice.narration == "Invoice INV-1 for order SO-1"
    assert payment.narration == "Payment for invoice INV-1 (order SO-1) by card"
    # The ledger's own entries are still there, unchanged.
    customs = [entry for entry in loaded.entries if isinstance(entry, data.Custom)]
    assert [entry.meta["lineno"] for entry in customs] == [3, 4, 5, 7, 8]


@ledger()
def test_opens_only_the_accounts_the_ledger_did_not_open(loaded):
    """
    plugin "beancount_orders.orders"
    2020-01-01 open Income:Sales
    2020-01-01 open Assets:Receivable:Acme
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-09 custom "payment" "SO-1" 60.00 GBP "card"
    """
    assert loaded.expand(opens=True) == dedent("""
        2024-01-05 open Liabilities:SalesTax

        2024-01-05 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   60.00 GBP
          Income:Sales            -50.00 GBP
            item: "WIDGET"
          Liabilities:SalesTax    -10.00 GBP
            rate: 0.20

        2024-01-09 open Assets:Clearing:Card

        2024-01-09 * "Acme Ltd" "Payment for order SO-1 by card" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Clearing:Card     60.00 GBP
          Assets:Receivable:Acme  -60.00 GBP
    """)
    opens = [entry for entry in loaded.entries if isinstance(entry, data.Open)]
    opened = {entry.account for entry in opens}
    posted = {posting.account for txn in loaded.transactions for posting in txn.postings}
    assert posted <= opened
    assert len(opens) == len(opened) == 4
    generated = {
        open_.account: open_.meta["lineno"]
        for open_ in loaded.generated
        if isinstance(open_, data.Open)
    }
    assert generated == {"Liabilities:SalesTax": 9, "Assets:Clearing:Card": 10}


@ledger()
def test_other_custom_directives_are_left_alone(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "fava-option" "invert-income-liabilities-equity" "true"
    2024-01-01 custom "budget" Expenses:Food "monthly" 200.00 GBP
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 1 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-05 custom "fava-option" "language" "en"
    """
    others = [
        (entry.type, entry.meta["lineno"])
        for entry in loaded.entries
        if isinstance(entry, data.Custom) and entry.type in ("fava-option", "budget")
    ]
    assert sorted(others) == [("budget", 4), ("fava-option", 3), ("fava-option", 9)]
    (budget,) = [
        e for e in loaded.entries if isinstance(e, data.Custom) and e.type == "budget"
    ]
    assert [value.value for value in budget.values][:2] == ["Expenses:Food", "monthly"]
    assert len(loaded.transactions) == 1


DETERMINISM_LEDGER = """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
      terms: 30
    2024-01-01 custom "customer" "bob" "Bob's Bikes"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 9.99 GBP
      tax: 0.20
    2024-01-02 custom "line" "SO-1" "FOOD" 4 2.50 GBP
      tax: 0.05
    2024-01-02 custom "order" "SO-2" "bob"
    2024-01-02 custom "line" "SO-2" "GADGET" 1 99.00 GBP
    2024-01-03 custom "payment" "SO-2" 50.00 GBP "card"
    2024-01-05 custom "invoice" "SO-1" "INV-1" "WIDGET" 2
    2024-01-05 custom "invoice" "SO-2" "INV-2"
    2024-01-06 custom "payment" "INV-1" 10.00 GBP "bank transfer"
    2024-01-06 custom "payment" "bob" 49.00 GBP Assets:Bank:Current
      id: "PAY-9"
    2024-01-08 custom "invoice" "SO-1" "INV-3"
"""

DETERMINISM_SCRIPT = """
import sys
from tests.helpers import load
sys.stdout.write(load(sys.stdin.read()).expand(opens=True))
"""


def test_the_same_ledger_gives_byte_identical_text():
    first = load(DETERMINISM_LEDGER)
    second = load(DETERMINISM_LEDGER)
    assert not first.errors
    text = first.expand(opens=True)
    assert text == second.expand(opens=True)
    assert text.count(" * ") == 6
    # And in other processes, whatever their hash seed (sets, dict order).
    for seed in ("1", "2"):
        result = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(DETERMINISM_SCRIPT)],
            input=DETERMINISM_LEDGER,
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)},
            check=True,
        )
        assert result.stdout == text


def test_the_plugin_changes_no_entry_it_is_given():
    entries, _, options = parser.parse_string(
        textwrap.dedent("""
        2024-01-01 custom "customer" "acme" "Acme Ltd"
        2024-01-02 custom "order" "SO-1" "acme"
        2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
          tax: 0.20
        2024-01-05 custom "invoice" "SO-1" "INV-1"
        2024-01-06 custom "payment" "SO-1" 60.00 GBP "card"
    """)
    )
    before = copy.deepcopy(entries)
    result, errors = orders.orders(entries, options)
    assert errors == []
    assert entries == before
    assert all(any(new is old for new in result) for old in entries)
    assert len(result) == len(entries) + 6  # 2 transactions and 4 opens
