"""The tax report: its totals tie to the change of the tax accounts in every month
and quarter, with several rates and a jurisdiction, credits, an early-payment
discount that reduces the tax, purchases (bills and landed costs with input
tax), voids and foreign invoices; the CLI's exact output; the Fava page."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fava.application import create_app

from beancount_orders import cli
from beancount_orders.reports.period import Period
from beancount_orders.reports.tax import TaxReport
from beancount_orders.reports.tax import tax_report
from tests.helpers import load

D = Decimal
ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "tax.beancount"

BOOKS = """\
option "operating_currency" "GBP"
plugin "beancount_orders.orders" "{'discount_reduces_tax': True}"
2024-01-01 open Assets:Bank
2024-01-01 open Assets:Inventory:Main "FIFO"
2024-01-01 open Expenses:Rounding
2024-01-01 price EUR 0.85 GBP
2024-01-01 price USD 0.80 GBP
2024-01-01 custom "customer" "acme" "Acme Ltd"
  discount: "2/10"
2024-01-01 custom "customer" "bistro" "Le Bistro"
2024-01-01 custom "customer" "diner" "US Diner"
2024-01-01 custom "supplier" "leaf" "Leaf & Co"

; January: three rates on one invoice, a discount taken.
2024-01-05 custom "order" "SO-1" "acme"
2024-01-05 custom "line" "SO-1" "TEA" 7 3.33 GBP
  tax: 0.20
2024-01-05 custom "line" "SO-1" "BOOK" 3 9.99 GBP
  tax: 0.05
2024-01-05 custom "line" "SO-1" "BREAD" 2 1.50 GBP
  tax: 0
2024-01-08 custom "invoice" "SO-1" "INV-1"
2024-01-15 custom "payment" "INV-1" 61.19 GBP Assets:Bank
  id: "PAY-1"

; A credit order in February on January's invoice; another on it voided in March.
2024-02-01 custom "credit-order" "CO-1" "INV-1"
  status: "READY"
2024-02-01 custom "credit-line" "CO-1" "TEA" "credit" 2 3.33 GBP
2024-02-01 custom "credit-line" "CO-1" "BOOK" "credit" 1 1.00 GBP

; A second discounted invoice whose payment is voided in February: the
; discount's tax share comes back on the void's date.
2024-01-20 custom "order" "SO-2" "acme"
2024-01-20 custom "line" "SO-2" "TEA" 10 3.33 GBP
  tax: 0.20
2024-01-21 custom "invoice" "SO-2" "INV-2"
2024-01-25 custom "payment" "INV-2" 39.16 GBP Assets:Bank
  id: "PAY-2"
2024-02-03 custom "void" "PAY-2"

; Invoices voided across a quarter's end.
2024-03-30 custom "order" "SO-3" "acme"
2024-03-30 custom "line" "SO-3" "BOOK" 4 9.99 GBP
  tax: 0.05
2024-03-31 custom "invoice" "SO-3" "INV-3"
2024-04-02 custom "void" "INV-3"

; Foreign invoices: euros with a jurisdiction, credited in part; dollars with a
; credit order voided later.
2024-02-10 custom "order" "SO-4" "bistro"
2024-02-10 custom "line" "SO-4" "TEA" 3 7.77 EUR
  tax: 0.19
  jurisdiction: "DE VAT"
2024-02-10 custom "line" "SO-4" "BOOK" 1 11.11 EUR
  tax: 0.07
  jurisdiction: "DE VAT"
2024-02-12 custom "invoice" "SO-4" "INV-4"
  rate: 0.8577
2024-03-01 custom "credit-order" "CO-2" "INV-4"
  status: "READY"
2024-03-01 custom "credit-line" "CO-2" "TEA" "credit" 1 7.77 EUR
2024-04-10 custom "order" "SO-5" "diner"
2024-04-10 custom "line" "SO-5" "TEA" 5 4.99 USD
  tax: 0.0825
  jurisdiction: "US-TX"
2024-04-11 custom "invoice" "SO-5" "INV-5"
  rate: 0.7913
2024-04-20 custom "credit-order" "CO-3" "INV-5"
  status: "READY"
2024-04-20 custom "credit-line" "CO-3" "TEA" "credit" 2 4.99 USD
2024-05-02 custom "void" "CO-3"

; Purchases: a bill at two rates, a bill above cost, freight with tax, a voided bill.
2024-01-02 custom "purchase-order" "PO-1" "leaf"
2024-01-02 custom "po-line" "PO-1" "TEA" 100 1.11 GBP
  tax: 0.20
2024-01-02 custom "po-line" "PO-1" "BOOK" 10 4.44 GBP
  tax: 0.05
2024-01-03 custom "receipt" "PO-1" "GRN-1" "TEA" 60 "BOOK" 10
2024-01-31 custom "bill" "PO-1" "B-1"
2024-02-02 custom "receipt" "PO-1" "GRN-2" "TEA" 40
2024-02-05 custom "bill" "PO-1" "B-2" "TEA" 40 1.17 GBP
2024-02-06 custom "landed-cost" "PO-1" "LC-1" 17.77 GBP
  tax: 0.20
2024-03-15 custom "landed-cost" "PO-1" "LC-2" 5.55 GBP
  tax: 0.20
2024-04-03 custom "void" "LC-2"
"""


def check_ties(report: TaxReport) -> None:
    """Every row, period and total ties; the periods add up to the totals."""
    assert report.rows
    for row in report.rows:
        assert row.figures.ties, row
    for total in (*report.totals, *report.grand):
        assert total.figures.ties, total
    assert report.ties


def account_change(loaded: Any, account: str, start: str, end: str) -> Decimal:
    """The change of an account over [start, end] from the loaded entries."""
    total = D(0)
    for entry in loaded.entries:
        if not hasattr(entry, "postings") or not start <= str(entry.date) <= end:
            continue
        for posting in entry.postings:
            if posting.account == account:
                total += posting.units.number
    return total


@pytest.mark.parametrize("kind", ["month", "quarter"])
def test_totals_tie_to_the_tax_accounts(kind: str) -> None:
    """In every month and quarter the documents' sales tax and input tax equal the
    change of the sales tax and input tax accounts, rate by rate."""
    loaded = load(BOOKS)
    assert loaded.errors == []
    report = tax_report(loaded.book, loaded.entries, kind)
    check_ties(report)
    (grand,) = report.grand
    assert grand.figures.sales_tax == -account_change(
        loaded, "Liabilities:SalesTax", "2024-01-01", "2024-12-31"
    )
    assert grand.figures.input_tax == account_change(
        loaded, "Assets:InputTax", "2024-01-01", "2024-12-31"
    )
    for total in report.totals:
        assert total.figures.sales_tax == total.figures.account_sales_tax
        assert total.figures.input_tax == total.figures.account_input_tax


def test_the_figures_of_each_kind_of_document() -> None:
    """Rates, the discount's tax share, its return when its payment is voided,
    credits, voids across a quarter's end and foreign figures in pounds."""
    loaded = load(BOOKS)
    report = tax_report(loaded.book, loaded.entries, "quarter")
    rows = {(row.period, row.rate, row.jurisdiction): row.figures for row in report.rows}
    q1_20 = rows[("2024-Q1", D("0.20"), None)]
    # INV-1 23.31 + INV-2 33.30 net at 20 %; CO-1 gave back 6.66 and 1.33 of tax.
    assert (q1_20.net_sales, q1_20.output_tax) == (D("56.61"), D("11.32"))
    assert (q1_20.credited_net, q1_20.credited_tax) == (D("6.66"), D("1.33"))
    # PAY-1 left 1.25 of INV-1 (0.09 of it tax at 20 %, 0.03 at 5 %); PAY-2's
    # 0.80 (0.13 tax) came back when it was voided.
    assert q1_20.discount_tax == D("0.09")
    # B-1 66.60 + B-2 46.80 + LC-1 17.77 + LC-2 5.55 net at 20 %.
    assert (q1_20.net_purchases, q1_20.input_tax) == (D("136.72"), D("27.34"))
    q1_5 = rows[("2024-Q1", D("0.05"), None)]
    assert (q1_5.net_sales, q1_5.output_tax, q1_5.discount_tax) == (
        D("69.93"),
        D("3.50"),
        D("0.03"),
    )
    assert rows[("2024-Q1", D("0"), None)].net_sales == D("3.00")
    q2_5 = rows[("2024-Q2", D("0.05"), None)]
    assert (q2_5.net_sales, q2_5.output_tax) == (D("-39.96"), D("-2.00"))
    assert rows[("2024-Q2", D("0.20"), None)].input_tax == D("-1.11")
    # 3 x 7.77 EUR = 23.31 at 0.8577 is 19.99 GBP; CO-2 gave back 7.77 (6.66).
    de = rows[("2024-Q1", D("0.19"), "DE VAT")]
    assert (de.net_sales, de.output_tax) == (D("19.99"), D("3.80"))
    assert (de.credited_net, de.credited_tax) == (D("6.66"), D("1.27"))
    # The voided dollar credit order counts in April and is taken off in May.
    tx = rows[("2024-Q2", D("0.0825"), "US-TX")]
    assert (tx.net_sales, tx.output_tax, tx.credited_tax) == (D("19.74"), D("1.63"), D(0))


def test_a_period_chooses_the_months() -> None:
    """--start and --end: only the documents and postings dated in the period."""
    loaded = load(BOOKS)
    report = tax_report(
        loaded.book, loaded.entries, "month", Period.through(_d("2024-02-01"), None)
    )
    assert report.totals[0].period == "2024-02"
    check_ties(report)


def _d(text: str) -> datetime.date:
    """A date written YYYY-MM-DD."""
    return datetime.date.fromisoformat(text)


def test_a_posting_by_hand_is_a_mismatch() -> None:
    """A posting to the sales tax account that no document made: the period does
    not tie, and the posting is listed."""
    loaded = load(
        BOOKS
        + """\
2024-06-30 * "Correction"
  Liabilities:SalesTax   0.01 GBP
    rate: 0.20
  Expenses:Rounding     -0.01 GBP
"""
    )
    report = tax_report(loaded.book, loaded.entries, "quarter")
    assert not report.ties
    assert [total.period for total in report.totals if not total.figures.ties] == [
        "2024-Q2"
    ]
    (posting,) = report.postings
    assert (posting.amount, posting.rate, posting.narration) == (
        D("0.01"),
        D("0.20"),
        "Correction",
    )


def test_prices_including_tax() -> None:
    """Gross prices split per line: the report takes the invoice's own split."""
    loaded = load(
        """\
        plugin "beancount_orders.orders" "{'prices_include_tax': True}"
        2024-01-01 custom "customer" "web" "Web shop"
        2024-01-02 custom "order" "SO-1" "web"
        2024-01-02 custom "line" "SO-1" "MUG" 3 12.00 GBP
          tax: 0.20
        2024-01-02 custom "line" "SO-1" "TEAPOT" 1 9.99 GBP
          tax: 0.20
        2024-01-02 custom "invoice" "SO-1" "INV-1"
        """
    )
    report = tax_report(loaded.book, loaded.entries)
    check_ties(report)
    (row,) = report.rows
    assert (row.figures.net_sales, row.figures.output_tax) == (D("38.33"), D("7.66"))


def run(*args: str) -> Any:
    """Run ``bean-orders`` from the repository root."""
    return CliRunner().invoke(cli.main, list(args))


def test_cli_periods_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    """The periods table of the docs' example, by quarter: Q2 does not tie."""
    monkeypatch.chdir(ROOT)
    result = run(
        "report",
        "tax",
        "--period",
        "quarter",
        "--section",
        "periods",
        "docs/examples/tax.beancount",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Tax by quarter (MISMATCH: the documents and the tax accounts differ)\n"
        "\n"
        "By period: the documents against the tax accounts\n"
        "Period   Currency  Sales tax (documents)  Sales tax (account)  "
        "Input tax (documents)  Input tax (account)  Net tax  Check\n"
        "-------  --------  ---------------------  -------------------  "
        "---------------------  -------------------  -------  --------\n"
        "2024-Q1  GBP                       17.41                17.41  "
        "                23.00                23.00    -5.59  ok\n"
        "2024-Q2  GBP                        0.00                -0.01  "
        "                 0.00                 0.00     0.00  MISMATCH\n"
    )


def test_cli_csv_and_json(monkeypatch: pytest.MonkeyPatch) -> None:
    """CSV has every column of the rates table, the accounts' too; JSON says
    whether each row ties."""
    monkeypatch.chdir(ROOT)
    result = run("report", "tax", "--end", "2024-01-31", "--format", "csv", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "period,currency,rate,jurisdiction,net_sales,output_tax,credited_net,"
        "credited_tax,discount_tax,net_purchases,input_tax,net_tax,sales_tax,"
        "account_sales_tax,account_input_tax,ties,check\n"
        "2024-01,GBP,0.05,,24.00,1.20,0,0,0.02,0,0,1.18,1.18,1.18,0,true,ok\n"
        "2024-01,GBP,0.20,,70.00,14.00,5.00,1.00,0.20,100.00,20.00,-7.20,12.80,"
        "12.80,20.00,true,ok\n"
    )
    result = run("report", "tax", "--format", "json", "--section", "totals", str(EXAMPLE))
    assert '"ties": false' in result.stdout
    assert '"account_sales_tax": "17.40"' in result.stdout


def test_cli_bad_period() -> None:
    """A period other than month or quarter is a usage error."""
    result = run("report", "tax", "--period", "year", str(EXAMPLE))
    assert result.exit_code == 2
    assert "'year' is not one of 'month', 'quarter'" in result.output


def test_fava_tax_page() -> None:
    """The Tax page shows the two figures side by side and says in words whether
    they tie; a quarter without the hand posting ties."""
    app = create_app([str(EXAMPLE)], load=True)
    client = app.test_client()
    response = client.get("/tax-example/extension/Tax/", query_string={"period": "quarter"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "do not tie to the tax accounts" in text
    assert (
        "2024-Q1 GBP 17.41 17.41 23.00 23.00 -5.59 ties "
        "2024-Q2 GBP 0.00 -0.01 0.00 0.00 0.00 MISMATCH"
    ) in text
    assert "Rounding of the Q1 return" in text
    assert 'data-document="INV-3" data-kind="invoice" data-void="yes"' in html
    response = client.get(
        "/tax-example/extension/Tax/", query_string={"period": "quarter", "time": "2024-Q1"}
    )
    html = response.get_data(as_text=True)
    assert 'data-ties="yes"' in html and 'data-ties="no"' not in html
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "The figures from the documents tie to the tax accounts" in text
    response = client.get("/tax-example/extension/Tax/", query_string={"period": "year"})
    assert "Unknown period &#39;year&#39;: expected one of month, quarter" in (
        response.get_data(as_text=True)
    )


def test_a_foreign_invoice_credited_in_full_then_a_credit_voided() -> None:
    """Three credit orders take a euro invoice's net and tax to the last penny (the
    last takes what is left, not its own amount at the rate); voiding the last
    takes off exactly what it posted."""
    loaded = load(
        """\
        option "operating_currency" "GBP"
        plugin "beancount_orders.orders"
        2024-01-01 custom "customer" "bistro" "Le Bistro"
        2024-01-02 custom "order" "SO-1" "bistro"
        2024-01-02 custom "line" "SO-1" "TEA" 3 7.77 EUR
          tax: 0.19
        2024-01-03 custom "invoice" "SO-1" "INV-1"
          rate: 0.8577
        2024-01-10 custom "credit-order" "CO-1" "INV-1"
          status: "READY"
        2024-01-10 custom "credit-line" "CO-1" "TEA" "credit" 1 7.77 EUR
        2024-01-11 custom "credit-order" "CO-2" "INV-1"
          status: "READY"
        2024-01-11 custom "credit-line" "CO-2" "TEA" "credit" 1 7.77 EUR
        2024-02-12 custom "credit-order" "CO-3" "INV-1"
          status: "READY"
        2024-02-12 custom "credit-line" "CO-3" "TEA" "credit" 1 7.77 EUR
        2024-03-01 custom "void" "CO-3"
        """
    )
    assert loaded.errors == []
    report = tax_report(loaded.book, loaded.entries, "month")
    check_ties(report)
    february = next(row for row in report.rows if row.period == "2024-02")
    # 23.31 EUR is 19.99 GBP: CO-1 and CO-2 took 6.66 each, CO-3 the 6.67 left.
    assert february.figures.credited_net == D("6.67")
    (grand,) = report.grand
    assert grand.figures.credited_tax == D("2.54")


def test_a_foreign_discount_reduces_the_tax_in_pounds() -> None:
    """An early-payment discount on a euro invoice: its tax share in pounds at the
    invoice's rate, as posted."""
    loaded = load(
        """\
        option "operating_currency" "GBP"
        plugin "beancount_orders.orders" "{'discount_reduces_tax': True}"
        2024-01-01 open Assets:Bank
        2024-01-01 custom "customer" "bistro" "Le Bistro"
          discount: "3/14"
        2024-01-02 custom "order" "SO-1" "bistro"
        2024-01-02 custom "line" "SO-1" "TEA" 9 7.77 EUR
          tax: 0.19
        2024-01-03 custom "invoice" "SO-1" "INV-1"
          rate: 0.8577
        2024-01-10 custom "payment" "INV-1" 80.72 EUR Assets:Bank
          rate: 0.86
        """
    )
    assert loaded.errors == []
    report = tax_report(loaded.book, loaded.entries)
    check_ties(report)
    (row,) = report.rows
    # 83.22 EUR gross, 3 % is 2.50 EUR; its tax share 0.40 EUR is 0.34 GBP.
    assert row.figures.discount_tax == D("0.34")


def test_input_tax_under_the_sales_tax_account() -> None:
    """With the input tax account below the sales tax account, each posting counts
    for the more specific of the two, and the report ties."""
    loaded = load(
        """\
        plugin "beancount_orders.orders" "{'sales_tax': 'Liabilities:VAT', 'input_tax': 'Liabilities:VAT:Input'}"
        2024-01-01 custom "customer" "acme" "Acme Ltd"
        2024-01-01 custom "supplier" "leaf" "Leaf & Co"
        2024-01-02 custom "order" "SO-1" "acme"
        2024-01-02 custom "line" "SO-1" "WIDGET" 4 5.00 GBP
          tax: 0.20
        2024-01-03 custom "invoice" "SO-1" "INV-1"
        2024-01-02 custom "purchase-order" "PO-1" "leaf"
        2024-01-02 custom "po-line" "PO-1" "TEA" 10 2.00 GBP
          tax: 0.20
        2024-01-03 custom "receipt" "PO-1" "GRN-1"
        2024-01-04 custom "bill" "PO-1" "B-1"
        """  # noqa: E501
    )
    assert loaded.errors == []
    report = tax_report(loaded.book, loaded.entries)
    check_ties(report)
    (row,) = report.rows
    assert (row.figures.account_sales_tax, row.figures.account_input_tax) == (
        D("4.00"),
        D("4.00"),
    )
