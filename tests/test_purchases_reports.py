"""The purchases report and the payables ageing (reports/purchases.py,
reports/payables.py) and their ``bean-orders report`` commands.

The ledger below, worked out by hand:

- PO-1 (mill, 30 days' terms): 100 FLOUR at 1.50 (tax 0.20) and 50 OATS at 2.00
  (no tax): 250.00 ordered. R-1 receives 60 FLOUR and the oats (190.00), B-1
  bills them at cost (190.00 + 18.00 tax = 208.00), paid by BP-1 on 2024-02-10.
  R-2 receives the last 40 FLOUR (60.00); B-2 bills them at 1.60 (64.00 + 12.80 =
  76.80); L-1 is freight of 30.00 + 6.00 tax. BP-2 pays 50.00 on account on
  2024-02-20, allocated to B-2 on 2024-03-05; BP-5 and BP-6 settle B-2 and L-1 on
  2024-04-15, and PO-1 is closed.
- SI-1 is a stock-in of 10 OATS at 2.20 from mill without a PO: 22.00 owed.
- PO-2 (kiln, 14 days): 40 JAR at 2.50 (100.00); R-3 receives 20 (50.00); B-3 bills
  them (50.00), BP-3 pays 20.00 of it, and B-3 is voided on 2024-02-15: BP-3's
  20.00 is on account from then. B-4 bills the 20 jars again (due 2024-03-31),
  paid by BP-4. A correction of 5.00 more owed to kiln is posted by hand.
- SI-2 is a stock-in from "Bits Co", a supplier without a supplier directive
  (account Liabilities:Payable:Bits-Co); 7.00 is posted by hand to
  Liabilities:Payable:Misc, an account of no supplier.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest
from beancount.core import data
from click.testing import CliRunner
from click.testing import Result

from beancount_orders import cli
from beancount_orders.book.model import Status
from beancount_orders.reports.ageing import AgeingError
from beancount_orders.reports.orders import ReportError
from beancount_orders.reports.payables import aged_payables
from beancount_orders.reports.purchases import PurchaseMonth
from beancount_orders.reports.purchases import PurchaseTotal
from beancount_orders.reports.purchases import purchases_report
from tests.helpers import Loaded
from tests.helpers import dedent
from tests.helpers import load

LEDGER = """\
plugin "beancount_orders.orders" "{'today': '2024-04-30'}"
option "operating_currency" "GBP"
2024-01-01 open Assets:Bank GBP
2024-01-01 open Assets:Inventory:Main "FIFO"
2024-01-01 open Expenses:Purchases:Credits GBP
2024-01-01 open Liabilities:Payable:Misc GBP
2024-01-01 custom "supplier" "mill" "Mill Ltd"
  terms: 30
2024-01-01 custom "supplier" "kiln" "Kiln & Sons"
  terms: 14

2024-01-10 custom "purchase-order" "PO-1" "mill"
  expected: 2024-01-31
  location: "Main"
2024-01-10 custom "po-line" "PO-1" "FLOUR" 100 1.50 GBP
  tax: 0.20
2024-01-10 custom "po-line" "PO-1" "OATS" 50 2.00 GBP
2024-01-15 custom "receipt" "PO-1" "R-1" "FLOUR" 60 "OATS" 50
2024-01-20 custom "bill" "PO-1" "B-1" "FLOUR" 60 1.50 GBP "OATS" 50 2.00 GBP
2024-01-25 custom "stock-in" "SI-1" "OATS" 10 2.20 GBP
  supplier: "mill"
2024-02-01 custom "receipt" "PO-1" "R-2" "FLOUR" 40
2024-02-03 custom "bill" "PO-1" "B-2" "FLOUR" 40 1.60 GBP
2024-02-04 custom "landed-cost" "PO-1" "L-1" 30.00 GBP
  tax: 0.20
2024-02-10 custom "bill-payment" "B-1" 208.00 GBP Assets:Bank
  id: "BP-1"
2024-02-20 custom "bill-payment" "mill" 50.00 GBP Assets:Bank
  id: "BP-2"
2024-03-05 custom "allocate" "BP-2" "B-2" 50.00 GBP
2024-04-15 custom "bill-payment" "B-2" 26.80 GBP Assets:Bank
  id: "BP-5"
2024-04-15 custom "bill-payment" "L-1" 36.00 GBP Assets:Bank
  id: "BP-6"

2024-02-01 custom "purchase-order" "PO-2" "kiln"
2024-02-01 custom "po-line" "PO-2" "JAR" 40 2.50 GBP
2024-02-05 custom "receipt" "PO-2" "R-3" "JAR" 20
2024-02-06 custom "bill" "PO-2" "B-3"
2024-02-07 custom "bill-payment" "B-3" 20.00 GBP Assets:Bank
  id: "BP-3"
2024-02-15 custom "void" "B-3"
2024-02-16 custom "bill" "PO-2" "B-4" "JAR" 20 2.50 GBP
  due: 2024-03-31
2024-03-10 custom "bill-payment" "B-4" 50.00 GBP Assets:Bank
  id: "BP-4"
2024-03-12 * "Kiln & Sons" "Opening balance correction"
  Liabilities:Payable:Kiln     -5.00 GBP
  Expenses:Purchases:Credits    5.00 GBP

2024-03-01 custom "stock-in" "SI-2" "JAR" 5 2.00 GBP
  supplier: "Bits Co"
2024-03-20 * "Misc" "A supplier without a supplier directive"
  Liabilities:Payable:Misc     -7.00 GBP
  Expenses:Purchases:Credits    7.00 GBP
"""

D = Decimal
NONE, PARTIAL, FULL = Status.NONE, Status.PARTIAL, Status.FULL


@pytest.fixture(scope="module")
def books() -> Loaded:
    loaded = load(LEDGER)
    assert loaded.errors == []
    return loaded


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def purchase_rows(books: Loaded, as_of: str, **options: str) -> list[tuple[object, ...]]:
    """(po, state, received, billed, paid statuses, ordered, received, billed net,
    landed, billed gross, paid, outstanding, receipts, bills, voided) per row."""
    report = purchases_report(books.book, day(as_of), **options)  # type: ignore[arg-type]
    return [
        (
            row.po,
            row.state,
            row.received_status,
            row.billed_status,
            row.paid_status,
            row.ordered,
            row.received,
            row.billed_net,
            row.landed,
            row.billed_gross,
            row.paid,
            row.outstanding,
            row.receipts,
            row.bills,
            row.voided,
        )
        for row in report.rows
    ]


# -- purchases ------------------------------------------------------------------


def test_purchases_before_the_second_receipt(books: Loaded) -> None:
    assert purchase_rows(books, "2024-01-31") == [
        ("PO-1", "open", PARTIAL, PARTIAL, NONE, D("250.00"), D("190.00"),
         D("190.00"), D("0"), D("208.00"), D("0"), D("208.00"),
         ("R-1",), ("B-1",), ()),
    ]  # fmt: skip


def test_purchases_the_day_before_the_void_and_on_it(books: Loaded) -> None:
    po_1 = (
        "PO-1", "open", FULL, FULL, PARTIAL, D("250.00"), D("250.00"),
        D("284.00"), D("30.00"), D("320.80"), D("208.00"), D("112.80"),
        ("R-1", "R-2"), ("B-1", "B-2", "L-1"), (),
    )  # fmt: skip
    assert purchase_rows(books, "2024-02-14") == [
        po_1,
        ("PO-2", "open", PARTIAL, PARTIAL, PARTIAL, D("100.00"), D("50.00"),
         D("50.00"), D("0"), D("50.00"), D("20.00"), D("30.00"),
         ("R-3",), ("B-3",), ()),
    ]  # fmt: skip
    # From its void's date B-3 no longer counts, nor does the payment matched to it.
    assert purchase_rows(books, "2024-02-15") == [
        po_1,
        ("PO-2", "open", PARTIAL, NONE, NONE, D("100.00"), D("50.00"),
         D("0"), D("0"), D("0"), D("0"), D("0"),
         ("R-3",), ("B-3",), ("B-3",)),
    ]  # fmt: skip


def test_purchases_at_the_end_of_march(books: Loaded) -> None:
    report = purchases_report(books.book, day("2024-03-31"))
    assert purchase_rows(books, "2024-03-31") == [
        ("PO-1", "open", FULL, FULL, PARTIAL, D("250.00"), D("250.00"),
         D("284.00"), D("30.00"), D("320.80"), D("258.00"), D("62.80"),
         ("R-1", "R-2"), ("B-1", "B-2", "L-1"), ()),
        # All that is billed is paid, but not all is billed: paid is partial.
        ("PO-2", "open", PARTIAL, PARTIAL, PARTIAL, D("100.00"), D("50.00"),
         D("50.00"), D("0"), D("50.00"), D("50.00"), D("0.00"),
         ("R-3",), ("B-3", "B-4"), ("B-3",)),
    ]  # fmt: skip
    assert report.totals == (
        PurchaseTotal(
            "GBP", 2, D("350.00"), D("300.00"), D("334.00"), D("30.00"),
            D("370.80"), D("308.00"),
        ),
    )  # fmt: skip
    assert report.totals[0].outstanding == D("62.80")
    # Each month's movements, voids in their own month; they add up to the totals.
    assert report.months == (
        PurchaseMonth("2024-01", "GBP", D("190.00"), D("190.00"), D("0")),
        PurchaseMonth("2024-02", "GBP", D("110.00"), D("144.00"), D("208.00")),
        PurchaseMonth("2024-03", "GBP", D("0"), D("0"), D("100.00")),
    )
    row = report.rows[0]
    assert (row.supplier, row.supplier_name, row.date, row.expected, row.location) == (
        "mill", "Mill Ltd", day("2024-01-10"), day("2024-01-31"), "Main",
    )  # fmt: skip
    assert row.lineno == 12


def test_purchases_filters(books: Loaded) -> None:
    # On 2024-04-30 (the configured today) PO-1 is paid in full: closed.
    closed = purchase_rows(books, "2024-04-30", status="closed")
    assert [(row[0], row[1:5], row[10:12]) for row in closed] == [
        ("PO-1", ("closed", FULL, FULL, FULL), (D("320.80"), D("0.00"))),
    ]
    assert [row[0] for row in purchase_rows(books, "2024-04-30")] == ["PO-2", "PO-1"]
    assert [row[0] for row in purchase_rows(books, "2024-04-30", status="open")] == ["PO-2"]
    assert [row[0] for row in purchase_rows(books, "2024-03-31", supplier="kiln")] == [
        "PO-2"
    ]
    assert [r[0] for r in purchase_rows(books, "2024-02-15", status="billed:none")] == [
        "PO-2"
    ]
    assert purchase_rows(books, "2024-01-09") == []
    with pytest.raises(ReportError, match="Unknown supplier 'mil'"):
        purchases_report(books.book, day("2024-03-31"), supplier="mil")
    with pytest.raises(ReportError, match="Invalid status filter 'shipped:full'"):
        purchases_report(books.book, day("2024-03-31"), status="shipped:full")


# -- payables -------------------------------------------------------------------


def payables_rows(
    books: Loaded, as_of: str, basis: str = "date"
) -> list[tuple[object, ...]]:
    report = aged_payables(books.book, books.entries, day(as_of), basis)
    return [
        (row.supplier, row.name, row.buckets, row.unallocated_total, row.other_total,
         row.total, row.account)
        for row in report.rows
    ]  # fmt: skip


def items(books: Loaded, as_of: str, basis: str = "date") -> list[tuple[object, ...]]:
    report = aged_payables(books.book, books.entries, day(as_of), basis)
    return [
        (line.row.supplier, line.item.document, line.item.kind, line.item.po,
         line.item.date, line.item.age, report.labels[line.item.bucket],
         line.item.amount)
        for line in report.lines
    ]  # fmt: skip


def money(*numbers: str) -> tuple[Decimal, ...]:
    return tuple(D(number) for number in numbers)


def test_payables_on_the_void_date(books: Loaded) -> None:
    # The day before the void kiln owes the 30.00 left on B-3; on the void's date
    # B-3 is out and BP-3's 20.00 is money on account.
    assert payables_rows(books, "2024-02-14")[0][:6] == (
        "kiln", "Kiln & Sons", money("0", "30.00", "0", "0", "0"),
        D("0"), D("0"), D("30.00"),
    )  # fmt: skip
    assert payables_rows(books, "2024-02-15") == [
        ("kiln", "Kiln & Sons", money("0", "0", "0", "0", "0"), D("-20.00"), D("0"),
         D("-20.00"), "Liabilities:Payable:Kiln"),
        ("mill", "Mill Ltd", money("0", "134.80", "0", "0", "0"), D("0"), D("0"),
         D("134.80"), "Liabilities:Payable:Mill"),
    ]  # fmt: skip


def test_payables_at_the_end_of_march(books: Loaded) -> None:
    assert payables_rows(books, "2024-03-31") == [
        ("Bits Co", "Bits Co", money("0", "10.00", "0", "0", "0"), D("0"), D("0"),
         D("10.00"), "Liabilities:Payable:Bits-Co"),
        ("Misc", "Misc", money("0", "0", "0", "0", "0"), D("0"), D("7.00"),
         D("7.00"), "Liabilities:Payable:Misc"),
        ("kiln", "Kiln & Sons", money("0", "0", "0", "0", "0"), D("-20.00"), D("5.00"),
         D("-15.00"), "Liabilities:Payable:Kiln"),
        ("mill", "Mill Ltd", money("0", "0", "62.80", "22.00", "0"), D("0"), D("0"),
         D("84.80"), "Liabilities:Payable:Mill"),
    ]  # fmt: skip
    assert items(books, "2024-03-31") == [
        ("Bits Co", "SI-2", "stock-in", None, day("2024-03-01"), 30, "1-30", D("10.00")),
        ("Misc", None, "posting", None, day("2024-03-20"), 11, "1-30", D("7.00")),
        ("kiln", "BP-3", "bill payment", None, day("2024-02-07"), 53, "31-60",
         D("-20.00")),
        ("kiln", None, "posting", None, day("2024-03-12"), 19, "1-30", D("5.00")),
        ("mill", "SI-1", "stock-in", None, day("2024-01-25"), 66, "61-90", D("22.00")),
        ("mill", "B-2", "bill", "PO-1", day("2024-02-03"), 57, "31-60", D("26.80")),
        ("mill", "L-1", "landed cost", "PO-1", day("2024-02-04"), 56, "31-60",
         D("36.00")),
    ]  # fmt: skip
    report = aged_payables(books.book, books.entries, day("2024-03-31"))
    (total,) = report.totals
    assert (total.buckets, total.unallocated_total, total.other_total, total.total) == (
        money("0", "10.00", "62.80", "22.00", "0"), D("-20.00"), D("12.00"), D("86.80"),
    )  # fmt: skip
    assert [line.item.description for line in report.other] == [
        "A supplier without a supplier directive",
        "Opening balance correction",
    ]


def test_payables_by_due_date(books: Loaded) -> None:
    # B-2 is due on 2024-03-04 and L-1 on 2024-03-05 (30 days): 1-30 overdue; SI-1
    # on 2024-02-24: 31-60. Bits Co has no terms: SI-2 is due on its date.
    # Payments and postings by hand age by their own date whatever the basis.
    found = items(books, "2024-03-31", "due")
    assert [(row[0], row[1], row[4], row[5], row[6]) for row in found] == [
        ("Bits Co", "SI-2", day("2024-03-01"), 30, "1-30"),
        ("Misc", None, day("2024-03-20"), 11, "1-30"),
        ("kiln", "BP-3", day("2024-02-07"), 53, "31-60"),
        ("kiln", None, day("2024-03-12"), 19, "1-30"),
        ("mill", "SI-1", day("2024-02-24"), 36, "31-60"),
        ("mill", "B-2", day("2024-03-04"), 27, "1-30"),
        ("mill", "L-1", day("2024-03-05"), 26, "1-30"),
    ]
    assert payables_rows(books, "2024-03-31", "due")[3][2] == money(
        "0", "62.80", "22.00", "0", "0"
    )
    # Not yet due: current (kiln's B-3, on 14 days' terms).
    assert items(books, "2024-02-10", "due")[0][1:7] == (
        "B-3", "bill", "PO-2", day("2024-02-20"), -10, "current",
    )  # fmt: skip


def balances(entries: list[data.Directive], as_of: datetime.date) -> dict[Key, Decimal]:
    """Every Liabilities:Payable account's balance per currency on ``as_of``."""
    found: dict[Key, Decimal] = {}
    for entry in entries:
        if isinstance(entry, data.Transaction) and entry.date <= as_of:
            for posting in entry.postings:
                if posting.account.startswith("Liabilities:Payable:"):
                    key = (posting.account, posting.units.currency)
                    found[key] = found.get(key, D(0)) + posting.units.number
    return {key: value for key, value in found.items() if value}


Key = tuple[str, str]


def test_payables_tie_to_the_payable_accounts_every_day(books: Loaded) -> None:
    """On every day, before and after each payment, allocation and the void, each
    supplier's total is its payable account's balance (sign turned), and every
    payable account with a balance has a row."""
    date = day("2024-01-01")
    checked = 0
    while date <= day("2024-05-01"):
        report = aged_payables(books.book, books.entries, date)
        totals = {(row.account, row.currency): -row.total for row in report.rows}
        assert {k: v for k, v in totals.items() if v} == balances(books.entries, date), date
        for basis in ("due",):
            again = aged_payables(books.book, books.entries, date, basis)
            assert [row.total for row in again.rows] == [row.total for row in report.rows]
        checked += 1
        date += datetime.timedelta(days=1)
    assert checked == 122


def test_payables_bad_options(books: Loaded) -> None:
    with pytest.raises(AgeingError, match="Invalid ageing basis 'invoice'"):
        aged_payables(books.book, books.entries, day("2024-03-31"), "invoice")
    with pytest.raises(AgeingError, match=r"Invalid buckets \[30, 0\]"):
        aged_payables(books.book, books.entries, day("2024-03-31"), buckets=(30, 0))
    report = aged_payables(books.book, books.entries, day("2024-03-31"), buckets=(7, 45))
    assert report.labels == ("0-7", "8-45", "45+")
    assert report.rows[3].buckets == money("0", "0", "84.80")


# -- the command line -------------------------------------------------------------


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ledger.beancount").write_text(LEDGER, encoding="utf-8")
    return tmp_path


def run(*args: str) -> Result:
    result = CliRunner().invoke(cli.main, ["report", *args], prog_name="bean-orders")
    assert "Traceback" not in result.output
    return result


def report(*args: str) -> str:
    result = run(*args)
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    return result.stdout


def test_cli_purchases(workdir: Path) -> None:
    assert report("purchases", "--as-of", "2024-03-31", "ledger.beancount") == dedent(
        """
        Purchase orders as of 2024-03-31

        Purchase orders
        PO    Date        Supplier  State  Received  Billed   Paid     Ordered  Received value  Billed net  Billed gross  Paid value  Outstanding  Currency
        ----  ----------  --------  -----  --------  -------  -------  -------  --------------  ----------  ------------  ----------  -----------  --------
        PO-1  2024-01-10  mill      open   full      full     partial   250.00          250.00      284.00        320.80      258.00        62.80  GBP
        PO-2  2024-02-01  kiln      open   partial   partial  partial   100.00           50.00       50.00         50.00       50.00         0.00  GBP

        Totals
        Currency  Orders  Ordered  Received  Billed net  Billed gross    Paid  Outstanding
        --------  ------  -------  --------  ----------  ------------  ------  -----------
        GBP            2   350.00    300.00      334.00        370.80  308.00        62.80

        Received, billed and paid by month
        Month    Currency  Received  Billed    Paid
        -------  --------  --------  ------  ------
        2024-01  GBP         190.00  190.00    0.00
        2024-02  GBP         110.00  144.00  208.00
        2024-03  GBP           0.00    0.00  100.00
        """  # noqa: E501
    )


def test_cli_purchases_default_date_filters_and_csv(workdir: Path) -> None:
    # Without --as-of: the configured today, 2024-04-30.
    text = report(
        "purchases", "--status", "closed", "--section", "orders", "ledger.beancount"
    )
    assert text == dedent(
        """
        Purchase orders as of 2024-04-30 (status closed)

        Purchase orders
        PO    Date        Supplier  State   Received  Billed  Paid  Ordered  Received value  Billed net  Billed gross  Paid value  Outstanding  Currency
        ----  ----------  --------  ------  --------  ------  ----  -------  --------------  ----------  ------------  ----------  -----------  --------
        PO-1  2024-01-10  mill      closed  full      full    full   250.00          250.00      284.00        320.80      320.80         0.00  GBP
        """  # noqa: E501
    )
    csv_text = report(
        "purchases", "--as-of", "2024-02-15", "--supplier", "kiln", "--format", "csv",
        "ledger.beancount",
    )  # fmt: skip
    assert csv_text == dedent(
        """
        po,date,supplier,name,expected,location,state,received_status,billed_status,paid_status,ordered,received,billed_net,landed,billed_gross,paid,outstanding,currency,receipts,bills,voided,file,line
        PO-2,2024-02-01,kiln,Kiln & Sons,,,open,partial,none,none,100.00,50.00,0,0,0,0,0,GBP,R-3,B-3,B-3,ledger.beancount,36
        """  # noqa: E501
    )


def test_cli_purchases_errors(workdir: Path) -> None:
    result = run("purchases", "--supplier", "mil", "ledger.beancount")
    assert result.exit_code == 1
    assert result.stderr == (
        'Error: Unknown supplier "mil" in ledger.beancount (did you mean mill?)\n'
    )
    result = run("purchases", "--status", "half", "ledger.beancount")
    assert result.exit_code == 2
    assert "Invalid value for '--status': Invalid status filter 'half'" in result.stderr


def test_cli_payables(workdir: Path) -> None:
    assert report("payables", "--as-of", "2024-03-31", "ledger.beancount") == dedent(
        """
        Aged payables as of 2024-03-31, by document date

        Suppliers
        Supplier  Name         Currency  current   1-30  31-60  61-90   90+  Unallocated  By hand   Total
        --------  -----------  --------  -------  -----  -----  -----  ----  -----------  -------  ------
        Bits Co   Bits Co      GBP          0.00  10.00   0.00   0.00  0.00         0.00     0.00   10.00
        Misc      Misc         GBP          0.00   0.00   0.00   0.00  0.00         0.00     7.00    7.00
        kiln      Kiln & Sons  GBP          0.00   0.00   0.00   0.00  0.00       -20.00     5.00  -15.00
        mill      Mill Ltd     GBP          0.00   0.00  62.80  22.00  0.00         0.00     0.00   84.80

        Totals
        Currency  current   1-30  31-60  61-90   90+  Unallocated  By hand  Total
        --------  -------  -----  -----  -----  ----  -----------  -------  -----
        GBP          0.00  10.00  62.80  22.00  0.00       -20.00    12.00  86.80

        Open bills, payments on account and postings by hand
        Supplier  Document  Kind          PO    Aged from   Age  Bucket  Amount  Currency
        --------  --------  ------------  ----  ----------  ---  ------  ------  --------
        Bits Co   SI-2      stock-in            2024-03-01   30  1-30     10.00  GBP
        Misc                posting             2024-03-20   11  1-30      7.00  GBP
        kiln      BP-3      bill payment        2024-02-07   53  31-60   -20.00  GBP
        kiln                posting             2024-03-12   19  1-30      5.00  GBP
        mill      SI-1      stock-in            2024-01-25   66  61-90    22.00  GBP
        mill      B-2       bill          PO-1  2024-02-03   57  31-60    26.80  GBP
        mill      L-1       landed cost   PO-1  2024-02-04   56  31-60    36.00  GBP
        """  # noqa: E501
    )


def test_cli_payables_by_due_default_date_and_json(workdir: Path) -> None:
    text = report("payables", "--by", "due", "--section", "suppliers", "ledger.beancount")
    assert text == dedent(
        """
        Aged payables as of 2024-04-30, by due date

        Suppliers
        Supplier  Name         Currency  current  1-30  31-60  61-90   90+  Unallocated  By hand   Total
        --------  -----------  --------  -------  ----  -----  -----  ----  -----------  -------  ------
        Bits Co   Bits Co      GBP          0.00  0.00  10.00   0.00  0.00         0.00     0.00   10.00
        Misc      Misc         GBP          0.00  0.00   0.00   0.00  0.00         0.00     7.00    7.00
        kiln      Kiln & Sons  GBP          0.00  0.00   0.00   0.00  0.00       -20.00     5.00  -15.00
        mill      Mill Ltd     GBP          0.00  0.00   0.00  22.00  0.00         0.00     0.00   22.00
        """  # noqa: E501
    )
    args = ["--as-of", "2024-02-15", "--buckets", "7,30", "--format", "json"]
    found = json.loads(report("payables", *args, "--section", "items", "ledger.beancount"))
    assert found["report"] == "payables"
    assert (found["as_of"], found["by"], found["buckets"]) == (
        "2024-02-15", "date", ["0-7", "8-30", "30+"],
    )  # fmt: skip
    assert found["items"][0] == {
        "supplier": "kiln",
        "document": "BP-3",
        "kind": "bill payment",
        "po": None,
        "date": "2024-02-07",
        "age": 8,
        "bucket": "8-30",
        "amount": "-20.00",
        "currency": "GBP",
        "due": None,
        "description": None,
        "file": "ledger.beancount",
        "line": 40,
    }
    assert [item["document"] for item in found["items"]] == ["BP-3", "SI-1", "B-2", "L-1"]
    result = run("payables", "--by", "invoice", "ledger.beancount")
    assert result.exit_code == 2
    assert "Invalid value for '--by'" in result.stderr


VOIDS = """\
plugin "beancount_orders.orders"
2024-01-01 open Assets:Bank GBP
2024-01-01 custom "supplier" "mill" "Mill Ltd"
2024-01-01 custom "purchase-order" "PO-9" "mill"
2024-01-01 custom "po-line" "PO-9" "FLOUR" 10 1.00 GBP
2024-01-02 custom "receipt" "PO-9" "R-1" "FLOUR" 5
2024-01-03 custom "receipt" "PO-9" "R-2" "FLOUR" 5
2024-01-04 custom "void" "R-2"
2024-01-05 custom "bill" "PO-9" "B-1"
2024-01-06 custom "bill-payment" "B-1" 5.00 GBP Assets:Bank
  id: "BP-1"
2024-01-07 custom "void" "BP-1"
"""


def test_a_voided_receipt_and_a_voided_payment() -> None:
    """A voided receipt counts until its void's date; so does a voided bill
    payment, whose money then stops paying the bill (and the supplier's account)."""
    books = load(VOIDS)
    assert books.errors == []

    def figures(as_of: str) -> tuple[object, ...]:
        (row,) = purchases_report(books.book, day(as_of)).rows
        statuses = (row.received_status, row.billed_status, row.paid_status)
        return (*statuses, row.received, row.billed_gross, row.paid, row.voided)

    assert figures("2024-01-03") == (FULL, NONE, NONE, D("10.00"), D("0"), D("0"), ())
    assert figures("2024-01-04") == (
        PARTIAL, NONE, NONE, D("5.00"), D("0"), D("0"), ("R-2",),
    )  # fmt: skip
    assert figures("2024-01-06") == (
        PARTIAL, PARTIAL, PARTIAL, D("5.00"), D("5.00"), D("5.00"), ("R-2",),
    )  # fmt: skip
    assert figures("2024-01-07") == (
        PARTIAL, PARTIAL, NONE, D("5.00"), D("5.00"), D("0.00"), ("R-2",),
    )  # fmt: skip
    totals = {
        as_of: [
            (row.supplier, row.total)
            for row in aged_payables(books.book, books.entries, day(as_of)).rows
        ]
        for as_of in ("2024-01-04", "2024-01-05", "2024-01-06", "2024-01-07")
    }
    assert totals == {
        "2024-01-04": [],
        "2024-01-05": [("mill", D("5.00"))],
        "2024-01-06": [],
        "2024-01-07": [("mill", D("5.00"))],
    }
    for as_of, rows in totals.items():
        expected = {("Liabilities:Payable:Mill", "GBP"): -rows[0][1]} if rows else {}
        assert balances(books.entries, day(as_of)) == expected
