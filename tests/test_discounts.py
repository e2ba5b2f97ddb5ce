"""Early-payment discounts (SPEC, Revision 2): ``discount: "2/10"`` on a customer
or an order; ``discount_reduces_tax``; the errors of a bad ``discount``.

Line numbers in the ledgers count from the line after the opening quotes: the
``plugin`` line is line 2.
"""

from __future__ import annotations

import datetime
from decimal import Decimal as D
from pathlib import Path

from beancount_orders.book import Status
from beancount_orders.reports.ageing import aged_receivables
from beancount_orders.reports.orders import orders_report
from tests.helpers import dedent
from tests.helpers import ledger

# The invoice of most ledgers below: 2 WIDGET at 25.00 GBP, 20% tax, on 2024-01-05;
# with "2/10" its window runs to 2024-01-15 and its discount is 1.20 GBP.
INV_1 = dedent("""
    2024-01-05 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
      order: "SO-1"
      customer: "acme"
      invoice: "INV-1"
      Assets:Receivable:Acme   60.00 GBP
      Income:Sales            -50.00 GBP
        item: "WIDGET"
      Liabilities:SalesTax    -10.00 GBP
        rate: 0.20
""")


def payment(date: str, amount: str, ref: str = "INV-1") -> str:
    """The transaction of a card payment on an invoice of order SO-1."""
    what = f"invoice {ref} (order SO-1)" if ref.startswith("INV") else f"order {ref}"
    invoice = '\n      invoice: "INV-1"' if ref.startswith("INV") else ""
    links = "^INV-1 ^SO-1" if ref.startswith("INV") else "^SO-1"
    return dedent(f"""
    {date} * "Acme Ltd" "Payment for {what} by card" {links}
      order: "SO-1"
      customer: "acme"{invoice}
      Assets:Clearing:Card     {amount} GBP
      Assets:Receivable:Acme  -{amount} GBP
    """)


def discount(date: str, amount: str, terms: str = "2/10", invoice: str = "INV-1") -> str:
    """The transaction of a discount taken on an invoice of order SO-1."""
    return dedent(f"""
    {date} * "Acme Ltd" "Early-payment discount on invoice {invoice} (order SO-1): {terms}" ^{invoice} ^SO-1
      order: "SO-1"
      customer: "acme"
      invoice: "{invoice}"
      discount: "{terms}"
      Expenses:Sales:Discounts   {amount} GBP
      Assets:Receivable:Acme    -{amount} GBP
    """)  # noqa: E501


@ledger()
def test_discount_taken_on_the_last_day_of_the_window(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
      discount: "2/10"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-15 custom "payment" "INV-1" 58.80 GBP "card"
    """
    # Day 10 is in the window: 58.80 leaves 1.20 = 60.00 x 2 % open, which the
    # discount settles on the payment's date.
    assert loaded.expand() == "\n".join(
        [INV_1, payment("2024-01-15", "58.80"), discount("2024-01-15", "1.20")]
    )
    book = loaded.book
    invoice, order = book.invoices["INV-1"], book.orders["SO-1"]
    assert invoice.open_amount == D(0)
    assert invoice.discount_taken == D("1.20")
    assert (order.paid, order.credited, order.outstanding) == (D("58.80"), D("1.20"), 0)
    assert order.paid_status is Status.FULL
    assert not order.is_open or order.dispatched_status is not Status.FULL
    assert book.customers["acme"].receivable["GBP"] == D(0)
    assert "Assets:Receivable:Acme" not in loaded.balances()
    assert loaded.balances()["Expenses:Sales:Discounts"] == "1.20 GBP"
    # The discount's transaction points at the payment that settled it.
    txn = loaded.transactions[-1]
    assert txn.meta["lineno"] == 9
    (settlement,) = [s for s in book.settlements.values() if s.kind == "discount"]
    assert (settlement.invoice, settlement.amount, settlement.unallocated) == (
        "INV-1",
        D("1.20"),
        0,
    )
    # The ageing ages the invoice at its full open amount until it is settled.
    before = aged_receivables(book, datetime.date(2024, 1, 14))
    assert [line.item.amount for line in before.open_invoices] == [D("60.00")]
    assert aged_receivables(book, datetime.date(2024, 1, 15)).rows == ()


@ledger()
def test_discount_missed_on_day_eleven(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
      discount: "2/10"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-16 custom "payment" "INV-1" 58.80 GBP "card"
    """
    # After the window a payment is ordinary: the invoice stays open with the 2 %.
    assert loaded.expand() == "\n".join([INV_1, payment("2024-01-16", "58.80")])
    book = loaded.book
    assert book.invoices["INV-1"].open_amount == D("1.20")
    assert book.invoices["INV-1"].discount_taken == D(0)
    order = book.orders["SO-1"]
    assert (order.outstanding, order.paid_status) == (D("1.20"), Status.PARTIAL)
    (row,) = aged_receivables(book, datetime.date(2024, 1, 31)).rows
    assert row.total == D("1.20")


@ledger()
def test_partial_payment_then_the_rest_within_the_window(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
      discount: "2/10"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-08 custom "payment" "SO-1" 30.00 GBP "card"
    2024-01-12 custom "payment" "INV-1" 28.80 GBP "card"
    """
    # The first payment leaves 30.00 open, more than the discount: nothing yet.
    assert loaded.expand() == "\n".join(
        [
            INV_1,
            payment("2024-01-08", "30.00", "SO-1"),
            payment("2024-01-12", "28.80"),
            discount("2024-01-12", "1.20"),
        ]
    )
    assert loaded.book.orders["SO-1"].outstanding == D(0)


@ledger()
def test_a_payment_that_leaves_less_than_the_discount_open(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
      discount: "2/10"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-05 custom "payment" "INV-1" 59.50 GBP "card"
    """
    # The discount is what is left open (0.50), never more; on day 0.
    assert loaded.expand() == "\n".join(
        [INV_1, payment("2024-01-05", "59.50"), discount("2024-01-05", "0.50")]
    )


@ledger()
def test_overpayment_in_the_window_needs_no_discount(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
      discount: "2/10"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-10 custom "payment" "SO-1" 70.00 GBP "card"
    """
    # Paid in full (and 10.00 more): nothing is left open, so no discount; the
    # 10.00 waits for the order's next invoice as before.
    assert loaded.expand() == "\n".join([INV_1, payment("2024-01-10", "70.00", "SO-1")])
    order = loaded.book.orders["SO-1"]
    assert (order.outstanding, order.credited) == (D("-10.00"), D(0))
    assert loaded.book.invoices["INV-1"].discount_taken == D(0)


@ledger()
def test_money_paid_ahead_settles_the_invoice_on_its_date(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
      discount: "2/10"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
      tax: 0.20
    2024-01-03 custom "payment" "SO-1" 58.80 GBP "card"
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    """
    # Money on the order before its invoice is inside the window: the invoice that
    # it meets is settled on the invoice's date (never before the invoice).
    assert loaded.expand() == "\n".join(
        [payment("2024-01-03", "58.80", "SO-1"), INV_1, discount("2024-01-05", "1.20")]
    )
    assert loaded.transactions[-1].meta["lineno"] == 9  # the invoice's line


@ledger()
def test_money_on_account_allocated_in_the_window(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
      discount: "2/10"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-06 custom "payment" "acme" 58.80 GBP "card"
      id: "PAY-1"
    2024-01-15 custom "allocate" "PAY-1" "INV-1" 58.80 GBP
    2024-01-01 custom "customer" "bob" "Bob"
      discount: "2/10"
    2024-01-02 custom "order" "SO-2" "bob"
    2024-01-02 custom "line" "SO-2" "WIDGET" 2 25.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-2" "INV-2"
    2024-01-06 custom "payment" "bob" 58.80 GBP "card"
      id: "PAY-2"
    2024-01-16 custom "allocate" "PAY-2" "INV-2" 58.80 GBP
    """
    # What counts is the day the money meets the invoice: the allocation's. On
    # day 10 the discount settles INV-1 (at the allocate's line); on day 11 INV-2
    # stays open with 1.20, although the money came on day 1.
    book = loaded.book
    (taken,) = [txn for txn in loaded.transactions if "discount" in txn.meta]
    assert (taken.date, taken.meta["lineno"], taken.meta["invoice"]) == (
        datetime.date(2024, 1, 15),
        11,
        "INV-1",
    )
    assert book.invoices["INV-1"].open_amount == D(0)
    assert book.orders["SO-1"].outstanding == D(0)
    assert book.invoices["INV-2"].open_amount == D("1.20")
    assert book.orders["SO-2"].outstanding == D("1.20")


@ledger()
def test_a_credit_order_in_the_window_lowers_the_discount(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
      discount: "2/10"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 4 25.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1" "WIDGET" 2
    2024-01-05 custom "invoice" "SO-1" "INV-2" "WIDGET" 2
    2024-01-08 custom "credit-order" "CO-1" "INV-1"
    2024-01-08 custom "credit-line" "CO-1" "WIDGET" "credit" 1 25.00 GBP
    2024-01-08 custom "credit-order" "CO-2" "INV-2"
    2024-01-08 custom "credit-line" "CO-2" "WIDGET" "credit" 1 25.00 GBP
    2024-01-12 custom "payment" "INV-1" 29.40 GBP "card"
    2024-01-12 custom "payment" "INV-2" 29.00 GBP "card"
    """
    # The discount is on the gross less the credits matched to the invoice by the
    # payment's date: (60.00 - 30.00) x 2 % = 0.60. So 29.40 settles INV-1, and
    # 29.00 on INV-2 (1.00 open: within 2 % of the gross, not of what is owed)
    # does not.
    taken = [txn for txn in loaded.transactions if "discount" in txn.meta]
    assert [(txn.meta["invoice"], txn.postings[0].units.number) for txn in taken] == [
        ("INV-1", D("0.60"))
    ]
    book = loaded.book
    assert book.invoices["INV-1"].open_amount == D(0)
    assert book.invoices["INV-2"].open_amount == D("1.00")
    assert book.orders["SO-1"].outstanding == D("1.00")


@ledger()
def test_the_order_overrides_the_customer(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
      discount: "2/10"
    2024-01-02 custom "order" "SO-1" "acme"
      discount: "3/5"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
      tax: 0.20
    2024-01-02 custom "line" "SO-1" "GADGET" 1 10.00 GBP
    2024-01-05 custom "invoice" "SO-1" "INV-1" "WIDGET" 2
    2024-01-05 custom "invoice" "SO-1" "INV-2" "GADGET" 1
    2024-01-10 custom "payment" "INV-1" 58.20 GBP "card"
    2024-01-11 custom "payment" "INV-2" 9.80 GBP "card"
    """
    # 3 % within 5 days: 58.20 on day 5 leaves 1.80 = 60.00 x 3 % (the customer's
    # 2 % would allow 1.20 only); 9.80 on day 6 is after the order's window,
    # although within the customer's 10 days.
    taken = [txn for txn in loaded.transactions if "discount" in txn.meta]
    assert loaded.expand().endswith(
        payment("2024-01-10", "58.20")
        + "\n"
        + discount("2024-01-10", "1.80", "3/5")
        + "\n"
        + dedent("""
        2024-01-11 * "Acme Ltd" "Payment for invoice INV-2 (order SO-1) by card" ^INV-2 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-2"
          Assets:Clearing:Card     9.80 GBP
          Assets:Receivable:Acme  -9.80 GBP
        """)  # noqa: E501
    )
    assert len(taken) == 1
    book = loaded.book
    assert book.invoices["INV-2"].discount_terms.text == "3/5"
    assert book.invoices["INV-2"].open_amount == D("0.20")


@ledger()
def test_discount_reduces_tax_over_two_rates(loaded):
    """
    plugin "beancount_orders.orders" "{'discount_reduces_tax': True}"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
      discount: "2/10"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
      tax: 0.20
    2024-01-02 custom "line" "SO-1" "BOOK" 1 40.00 GBP
      tax: 0.05
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-15 custom "payment" "INV-1" 99.96 GBP "card"
    """
    # Gross 102.00 (60.00 at 20 %, 42.00 at 5 %): the discount 2.04 splits
    # 1.20 / 0.84, whose tax is 1.20 x 0.2 / 1.2 = 0.20 and 0.84 x 0.05 / 1.05 =
    # 0.04; the rest, 1.80, is the expense.
    assert loaded.expand().endswith(
        dedent("""
        2024-01-15 * "Acme Ltd" "Early-payment discount on invoice INV-1 (order SO-1): 2/10" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          discount: "2/10"
          Expenses:Sales:Discounts   1.80 GBP
          Liabilities:SalesTax       0.04 GBP
            rate: 0.05
          Liabilities:SalesTax       0.20 GBP
            rate: 0.20
          Assets:Receivable:Acme    -2.04 GBP
        """)  # noqa: E501
    )
    assert loaded.balances()["Liabilities:SalesTax"] == "-11.76 GBP"


@ledger()
def test_discount_reduces_tax_keeps_the_jurisdiction(loaded):
    """
    plugin "beancount_orders.orders" "{'discount_reduces_tax': True, 'discounts_allowed': 'Expenses:Discounts:{customer}'}"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
      discount: "1.5/0"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 USD
      tax: 0.08
      jurisdiction: "NY 8%"
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-05 custom "payment" "INV-1" 53.19 USD "card"
    """  # noqa: E501
    # 1.5 % of 54.00 is 0.81, on the invoice's own day (0 days); its tax
    # 0.81 x 0.08 / 1.08 = 0.06 keeps the invoice's jurisdiction.
    assert loaded.expand().endswith(
        dedent("""
        2024-01-05 * "Acme Ltd" "Early-payment discount on invoice INV-1 (order SO-1): 1.5/0" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          discount: "1.5/0"
          Expenses:Discounts:Acme   0.75 USD
          Liabilities:SalesTax      0.06 USD
            rate: 0.08
            jurisdiction: "NY 8%"
          Assets:Receivable:Acme   -0.81 USD
        """)  # noqa: E501
    )


@ledger(expect_errors=True)
def test_bad_discount_terms(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "a" "A"
      discount: "2%/10"
    2024-01-01 custom "customer" "b" "B"
      discount: "0/10"
    2024-01-01 custom "customer" "c" "C"
      discount: "100/10"
    2024-01-01 custom "customer" "d" "D"
      discount: "2/-1"
    2024-01-01 custom "customer" "e" "E"
      discount: "2/1.5"
    2024-01-01 custom "customer" "f" "F"
      discount: 2
    2024-01-01 custom "customer" "g" "G"
      discount: "2/99999"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
      discont: "2/10"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
      discount: "2"
    2024-01-02 custom "order" "SO-2" "acme"
      discount: "2/10"
    """
    expected = "(P percent off when paid within D days of the invoice date)"
    assert loaded.messages == [
        (3, f'Customer "a": discount must be "P/D" such as "2/10" {expected}, got "2%/10"'),
        (
            5,
            'Customer "b": discount must have a percentage P above 0 and below 100 '
            f'{expected}, got "0/10"',
        ),
        (
            7,
            'Customer "c": discount must have a percentage P above 0 and below 100 '
            f'{expected}, got "100/10"',
        ),
        (9, f'Customer "d": discount must be "P/D" such as "2/10" {expected}, got "2/-1"'),
        (
            11,
            f'Customer "e": discount must be "P/D" such as "2/10" {expected}, got "2/1.5"',
        ),
        (13, f'Customer "f": discount must be "P/D" such as "2/10" {expected}, got 2'),
        (
            15,
            f'Customer "g": discount must have at most 36600 days {expected}, '
            'got "2/99999"',
        ),
        (
            17,
            'Unknown metadata key "discont" on a "customer" directive: did you mean '
            '"discount"? It was not applied',
        ),
        (20, f'Order "SO-1": discount must be "P/D" such as "2/10" {expected}, got "2"'),
    ]
    # A bad directive is not applied: none of those customers exist, nor SO-1.
    assert sorted(loaded.book.customers) == ["acme"]
    assert sorted(loaded.book.orders) == ["SO-2"]
    assert loaded.book.orders["SO-2"].discount_terms.text == "2/10"


@ledger()
def test_the_reports_show_the_window(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
      discount: "2/10"
      terms: 30
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    """
    book = loaded.book
    (row,) = orders_report(book)
    assert (row.discount_until, row.discount, row.discount_taken) == (
        datetime.date(2024, 1, 15),
        D("1.20"),
        D(0),
    )
    report = aged_receivables(book, datetime.date(2024, 1, 10))
    (line,) = report.open_invoices
    assert (line.item.due, line.item.discount_until, line.item.discount) == (
        datetime.date(2024, 2, 4),
        datetime.date(2024, 1, 15),
        D("1.20"),
    )
    assert report.discounts


WINDOW = """\
option "title" "Shop"
option "operating_currency" "GBP"
plugin "beancount_orders.orders"
2024-01-01 custom "fava-extension" "beancount_orders.fava_ext"
2024-01-01 custom "customer" "acme" "Acme Ltd"
  discount: "2/10"
  terms: 30
2024-01-02 custom "order" "SO-1" "acme"
2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
  tax: 0.20
2024-01-05 custom "invoice" "SO-1" "INV-1"
2024-01-02 custom "order" "SO-2" "acme"
2024-01-02 custom "line" "SO-2" "WIDGET" 2 25.00 GBP
  tax: 0.20
2024-01-05 custom "invoice" "SO-2" "INV-2"
2024-01-15 custom "payment" "INV-2" 58.80 GBP "card"
"""


def test_the_fava_pages_show_the_window(tmp_path: Path) -> None:
    from fava.application import create_app

    from tests.test_fava import Page

    path = tmp_path / "window.beancount"
    path.write_text(WINDOW, encoding="utf-8")
    client = create_app([str(path)], load=True).test_client()

    def get(report: str, **args: str) -> Page:
        response = client.get(f"/shop/extension/{report}/", query_string=args)
        assert response.status_code == 200
        return Page(response.get_data(as_text=True))

    orders = get("Orders")
    # The order still open offers 1.20 until day 10; the other took it.
    assert orders.row(order="SO-1")[-4:] == ["2/10", "2024-01-15", "1.20", ""]
    assert orders.row(order="SO-2")[-4:] == ["2/10", "", "", "1.20"]
    receivables = get("Receivables", as_of="2024-01-10")
    assert receivables.row(document="INV-1")[-5:] == [
        "60.00",
        "GBP",
        "2024-02-04",
        "2024-01-15",
        "1.20",
    ]
    # Pages of books without discount terms have no such columns (test_fava.py).


def test_the_cli_reports_show_the_window(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from beancount_orders.cli import main

    path = tmp_path / "window.beancount"
    path.write_text(WINDOW, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["report", "orders", "--format", "csv", str(path)])
    assert result.exit_code == 0, result.output
    header, first, second = result.output.splitlines()[:3]
    assert "invoices,discount_terms,discount_until,discount,discount_taken,file" in header
    assert first.startswith("SO-1,") and ",INV-1,2/10,2024-01-15,1.20,0," in first
    assert second.startswith("SO-2,") and ",INV-2,2/10,,,1.20," in second
    result = runner.invoke(
        main,
        [
            "report",
            "ageing",
            "--as-of",
            "2024-01-10",
            "--format",
            "csv",
            "--section",
            "items",
            str(path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "due,discount_until,discount" in result.output
    assert ",2024-02-04,2024-01-15,1.20," in result.output


@ledger()
def test_a_discount_on_a_foreign_invoice_is_at_the_invoices_rate(loaded):
    """
    plugin "beancount_orders.orders" "{'discount_reduces_tax': True}"
    option "operating_currency" "GBP"
    2025-01-01 commodity EUR
    2025-01-01 open Assets:Bank:EUR EUR
    2025-01-01 custom "customer" "kh" "Kaffeehaus"
      discount: "2/10"
    2025-03-03 price EUR 0.8412 GBP
    2025-03-03 custom "order" "SO-1" "kh"
    2025-03-03 custom "line" "SO-1" "TEA" 10 10.00 EUR
      tax: 0.20
    2025-03-05 custom "invoice" "SO-1" "INV-1"
    2025-03-10 custom "payment" "INV-1" 117.60 EUR Assets:Bank:EUR
      rate: 0.85
    """
    # 120.00 EUR invoiced at 0.8412; 117.60 paid at 0.85 leaves 2.40 EUR = 2 %:
    # the discount takes the invoice's lot at its cost, its expense and tax share
    # in GBP at the invoice's rate, the rounding to fx.
    discount = loaded.expand().split("\n\n")[-1].rstrip("\n") + "\n"
    assert discount == dedent("""
        2025-03-10 * "Kaffeehaus" "Early-payment discount on invoice INV-1 (order SO-1): 2/10" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "kh"
          invoice: "INV-1"
          discount: "2/10"
          Expenses:Sales:Discounts      1.68 GBP
          Liabilities:SalesTax          0.34 GBP
            rate: 0.20
          Assets:Receivable:Kh         -2.40 EUR {0.8412 GBP, 2025-03-05, "INV-1"}
          Income:FX                 -0.00112 GBP
    """)  # noqa: E501
    balances = loaded.balances()
    assert "Assets:Receivable:Kh" not in balances  # no lot left
    assert balances["Income:FX"] == "-1.04000 GBP"  # whole cents over the invoice
    assert loaded.book.orders["SO-1"].paid_status is Status.FULL
