"""``bean-orders report`` and ``bean-orders serve``, driven through click's CliRunner.

The ledger is written to ``tmp_path`` and the tests run from there. Its
figures, worked out by hand:

- SO-1 (acme): 4 WIDGET at 10.00 + 20% = 48.00, cost 4 x 4.00 = 16.00; paid
  20.00, a 3.00 memo and credit order CO-1 (1 x 2.00 + 20% = 2.40) leave 22.60
  open on INV-1 (2024-01-11, due 2024-02-10 on 30 days' terms).
- SO-2 (bob): 2 GADGET at 30.00 (no tax), cost 30.00, paid 60.00; one comes
  back into stock (RET-1, 15.00) and bob gets a 30.00 customer credit.
- SO-3 (bob) is cancelled; SO-4 (acme) is committed and 10 PTS (0.10) redeemed.
- bob pays 5.00 on account; acme earned 48 PTS, 2 were clawed back, 10 redeemed.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from click.testing import Result

from beancount_orders import cli
from tests.helpers import dedent

LEDGER = """\
plugin "beancount_orders.orders" "{'today': '2024-06-30'}"
option "booking_method" "FIFO"
2024-01-01 open Assets:Bank GBP
2024-01-01 custom "loyalty-program" "PTS"
  name: "Points"
  earn: 1
  value: 0.01 GBP
  expiry: 365
2024-01-01 custom "customer" "acme" "Acme Ltd"
  terms: 30
  credit-limit: 20.00 GBP
  program: "PTS"
2024-01-01 custom "customer" "bob" "Bob Jones"
2024-01-02 custom "stock-in" "PO-1" "WIDGET" 10 4.00 GBP
  supplier: "Supplies Co"
2024-01-03 custom "stock-in" "PO-2" "GADGET" 5 15.00 GBP
  supplier: "Supplies Co"
  batch: "G1"
2024-01-10 custom "order" "SO-1" "acme"
  po: "ACME-7"
2024-01-10 custom "line" "SO-1" "WIDGET" 4 10.00 GBP
  tax: 0.20
2024-01-11 custom "invoice" "SO-1" "INV-1"
2024-01-12 custom "dispatch" "SO-1"
2024-01-20 custom "payment" "INV-1" 20.00 GBP Assets:Bank
2024-02-01 custom "order" "SO-2" "bob"
2024-02-01 custom "line" "SO-2" "GADGET" 2 30.00 GBP
2024-02-02 custom "invoice" "SO-2" "INV-2"
2024-02-03 custom "dispatch" "SO-2"
2024-02-05 custom "payment" "INV-2" 60.00 GBP Assets:Bank
2024-02-10 custom "return" "RET-1" "SO-2" "GADGET" 1
2024-02-10 custom "credit" "CR-1" "bob" 30.00 GBP
  reason: "returned gadget"
  order: "SO-2"
2024-03-01 custom "order" "SO-3" "bob"
2024-03-01 custom "line" "SO-3" "WIDGET" 1 10.00 GBP
2024-03-02 custom "cancel" "SO-3"
2024-03-05 custom "payment" "bob" 5.00 GBP Assets:Bank
2024-03-10 custom "credit-memo" "MEMO-1" "acme" 3.00 GBP
  invoice: "INV-1"
  reason: "goodwill"
2024-03-15 custom "credit-order" "CO-1" "INV-1"
  reason: "scratched"
2024-03-15 custom "credit-line" "CO-1" "WIDGET" "credit" 1 2.00 GBP
2024-04-01 custom "order" "SO-4" "acme"
2024-04-01 custom "line" "SO-4" "WIDGET" 2 10.00 GBP
  tax: 0.20
2024-04-01 custom "commit" "SO-4"
2024-04-02 custom "redeem" "SO-4" 10 PTS
"""

REPORTS = (
    "orders",
    "ageing",
    "loyalty",
    "margin",
    "stock",
    "credits",
    "fx",
    "purchases",
    "payables",
    "tax",
)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ledger.beancount").write_text(LEDGER, encoding="utf-8")
    return tmp_path


def run(*args: str) -> Result:
    result = CliRunner().invoke(cli.main, list(args), prog_name="bean-orders")
    # Whatever happened, the user never sees a Python traceback.
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exc_info
    )
    return result


def report(*args: str) -> str:
    """The stdout of a report that must succeed without errors."""
    result = run("report", *args)
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    return result.stdout


# -- help -------------------------------------------------------------------


def test_main_help_lists_every_command() -> None:
    result = run("--help")
    assert result.exit_code == 0
    commands = result.stdout.split("Commands:\n", 1)[1]
    names = [line.split()[0] for line in commands.splitlines() if line.strip()]
    assert names == [
        "check",
        "demo",
        "diff",
        "expand",
        "import",
        "lock",
        "print",
        "report",
        "serve",
    ]


def test_report_help_lists_the_reports() -> None:
    result = run("report", "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: bean-orders report [OPTIONS] COMMAND [ARGS]...")
    commands = result.stdout.split("Commands:\n", 1)[1]
    assert sorted(line.split()[0] for line in commands.splitlines()) == sorted(REPORTS)
    assert "--start and --end are both inclusive" in " ".join(result.stdout.split())


def _commands(group: click.Group) -> list[click.Command]:
    found: list[click.Command] = []
    for command in group.commands.values():
        found.append(command)
        if isinstance(command, click.Group):
            found += _commands(command)
    return found


def test_every_command_and_option_has_help() -> None:
    for command in _commands(cli.main):
        assert command.help, command.name
        for param in command.params:
            if param.param_type_name == "option":
                assert getattr(param, "help", None), (command.name, param.name)


@pytest.mark.parametrize("name", REPORTS)
def test_report_help(name: str) -> None:
    result = run("report", name, "-h")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"Usage: bean-orders report {name} [OPTIONS] LEDGER\n")
    assert "--format [table|csv|json]" in result.stdout


# -- orders -------------------------------------------------------------------

ORDERS_TABLE = """\
Orders

Order  Date        Customer  State      Committed  Invoiced  Dispatched  Paid     Total  Outstanding  Currency
-----  ----------  --------  ---------  ---------  --------  ----------  -------  -----  -----------  --------
SO-1   2024-01-10  acme      open       none       full      full        partial  40.00        22.60  GBP
SO-4   2024-04-01  acme      open       full       none      none        partial  20.00        -0.10  GBP
SO-2   2024-02-01  bob       closed     none       full      full        full     60.00         0.00  GBP
SO-3   2024-03-01  bob       cancelled  none       none      none        none      0.00         0.00  GBP
"""  # noqa: E501


def test_orders_table(workdir: Path) -> None:
    assert report("orders", "ledger.beancount") == ORDERS_TABLE
    assert report("orders", "--format", "table", "ledger.beancount") == ORDERS_TABLE


def test_orders_csv(workdir: Path) -> None:
    assert report("orders", "--format", "csv", "ledger.beancount") == dedent("""
        order,date,customer,name,state,committed_status,invoiced_status,dispatched_status,paid_status,total,invoiced,paid,credited,outstanding,cost,currency,po,invoices,file,line
        SO-1,2024-01-10,acme,Acme Ltd,open,none,full,full,partial,40.00,48.00,20.00,5.40,22.60,16.00,GBP,ACME-7,INV-1,ledger.beancount,19
        SO-4,2024-04-01,acme,Acme Ltd,open,full,none,none,partial,20.00,0,0,0.10,-0.10,0,GBP,,,ledger.beancount,45
        SO-2,2024-02-01,bob,Bob Jones,closed,none,full,full,full,60.00,60.00,60.00,0,0.00,15.00,GBP,,INV-2,ledger.beancount,26
        SO-3,2024-03-01,bob,Bob Jones,cancelled,none,none,none,none,0.00,0,0,0,0,0,GBP,,,ledger.beancount,35
    """)  # noqa: E501


def test_orders_json(workdir: Path) -> None:
    data = json.loads(report("orders", "--format", "json", "ledger.beancount"))
    assert data["report"] == "orders"
    assert (data["customer"], data["status"], data["start"], data["end"]) == (None,) * 4
    assert [row["order"] for row in data["orders"]] == ["SO-1", "SO-4", "SO-2", "SO-3"]
    first = data["orders"][0]
    assert first == {
        "order": "SO-1",
        "date": "2024-01-10",
        "customer": "acme",
        "name": "Acme Ltd",
        "state": "open",
        "committed_status": "none",
        "invoiced_status": "full",
        "dispatched_status": "full",
        "paid_status": "partial",
        "total": "40.00",
        "invoiced": "48.00",
        "paid": "20.00",
        "credited": "5.40",
        "outstanding": "22.60",
        "cost": "16.00",
        "currency": "GBP",
        "po": "ACME-7",
        "invoices": ["INV-1"],
        "file": "ledger.beancount",
        "line": 19,
    }
    assert data["orders"][3]["invoices"] == []
    assert data["orders"][3]["po"] is None


def test_orders_filters(workdir: Path) -> None:
    output = report("orders", "--customer", "acme", "--status", "open", "ledger.beancount")
    assert output.splitlines()[0] == "Orders (customer acme, status open)"
    assert [line.split()[0] for line in output.splitlines()[4:]] == ["SO-1", "SO-4"]
    paid = report("orders", "--status", "paid:full", "--format", "csv", "ledger.beancount")
    assert [line.split(",")[0] for line in paid.splitlines()] == ["order", "SO-2"]
    # --start and --end are inclusive: SO-2 (2024-02-01) to SO-3 (2024-03-01).
    both = report(
        "orders",
        "--start",
        "2024-02-01",
        "--end",
        "2024-03-01",
        "--format",
        "json",
        "ledger.beancount",
    )
    data = json.loads(both)
    assert (data["start"], data["end"]) == ("2024-02-01", "2024-03-01")
    assert [row["order"] for row in data["orders"]] == ["SO-2", "SO-3"]
    title = report("orders", "--end", "2024-01-31", "ledger.beancount").splitlines()[0]
    assert title == "Orders to 2024-01-31"


def test_orders_unknown_customer(workdir: Path) -> None:
    result = run("report", "orders", "--customer", "acm", "ledger.beancount")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        'Error: Unknown customer "acm" in ledger.beancount (did you mean acme?)\n'
    )


# -- ageing -------------------------------------------------------------------

AGEING_TABLE = """\
Aged receivables as of 2024-04-30, by invoice date

Customers
Customer  Name       Currency  current  1-30  31-60  61-90    90+  Unallocated  Total  Limit  Over
--------  ---------  --------  -------  ----  -----  -----  -----  -----------  -----  -----  ----
acme      Acme Ltd   GBP          0.00  0.00   0.00   0.00  22.60        -0.10  22.50  20.00  yes
bob       Bob Jones  GBP          0.00  0.00   0.00   0.00   0.00        -5.00  -5.00

Totals
Currency  current  1-30  31-60  61-90    90+  Unallocated  Total
--------  -------  ----  -----  -----  -----  -----------  -----
GBP          0.00  0.00   0.00   0.00  22.60        -5.10  17.50

Open invoices and unallocated money
Customer  Document  Kind        Order  Aged from   Age  Bucket  Amount  Currency
--------  --------  ----------  -----  ----------  ---  ------  ------  --------
acme      INV-1     invoice     SO-1   2024-01-11  110  90+      22.60  GBP
acme                redemption  SO-4   2024-04-02   28  1-30     -0.10  GBP
bob                 payment            2024-03-05   56  31-60    -5.00  GBP
"""  # noqa: E501


def test_ageing_table(workdir: Path) -> None:
    assert report("ageing", "--as-of", "2024-04-30", "ledger.beancount") == AGEING_TABLE


def test_ageing_by_due_date_with_other_buckets(workdir: Path) -> None:
    output = report(
        "ageing",
        "--as-of",
        "2024-04-30",
        "--basis",
        "due",
        "--buckets",
        "30,60",
        "--section",
        "customers",
        "ledger.beancount",
    )
    assert output == dedent("""
        Aged receivables as of 2024-04-30, by due date

        Customers
        Customer  Name       Currency  0-30  31-60    60+  Unallocated  Total  Limit  Over
        --------  ---------  --------  ----  -----  -----  -----------  -----  -----  ----
        acme      Acme Ltd   GBP       0.00   0.00  22.60        -0.10  22.50  20.00  yes
        bob       Bob Jones  GBP       0.00   0.00   0.00        -5.00  -5.00
    """)


def test_ageing_csv_sections(workdir: Path) -> None:
    args = ("ageing", "--as-of", "2024-04-30", "--format", "csv")
    # Without --section, CSV holds the first table.
    assert report(*args, "ledger.beancount") == dedent("""
        customer,name,currency,current,1-30,31-60,61-90,90+,invoiced_open,unallocated,total,credit_limit,over_limit
        acme,Acme Ltd,GBP,0,0,0,0,22.60,22.60,-0.10,22.50,20.00,true
        bob,Bob Jones,GBP,0,0,0,0,0,0,-5.00,-5.00,,false
    """)
    assert report(*args, "--section", "items", "ledger.beancount") == dedent("""
        customer,document,kind,order,date,age,bucket,amount,currency,file,line
        acme,INV-1,invoice,SO-1,2024-01-11,110,90+,22.60,GBP,ledger.beancount,23
        acme,,redemption,SO-4,2024-04-02,28,1-30,-0.10,GBP,ledger.beancount,49
        bob,,payment,,2024-03-05,56,31-60,-5.00,GBP,ledger.beancount,38
    """)


def test_ageing_json(workdir: Path) -> None:
    data = json.loads(
        report("ageing", "--as-of", "2024-04-30", "--format", "json", "ledger.beancount")
    )
    assert data["report"] == "ageing"
    assert (data["as_of"], data["basis"]) == ("2024-04-30", "invoice")
    assert data["buckets"] == ["current", "1-30", "31-60", "61-90", "90+"]
    assert set(data) == {
        "report",
        "as_of",
        "basis",
        "buckets",
        "customers",
        "totals",
        "items",
    }
    acme = data["customers"][0]
    assert (acme["customer"], acme["90+"], acme["total"]) == ("acme", "22.60", "22.50")
    assert (acme["credit_limit"], acme["over_limit"]) == ("20.00", True)
    assert data["customers"][1]["credit_limit"] is None
    assert data["totals"] == [
        {
            "currency": "GBP",
            "current": "0",
            "1-30": "0",
            "31-60": "0",
            "61-90": "0",
            "90+": "22.60",
            "invoiced_open": "22.60",
            "unallocated": "-5.10",
            "total": "17.50",
        }
    ]
    assert data["items"][2] == {
        "customer": "bob",
        "document": None,
        "kind": "payment",
        "order": None,
        "date": "2024-03-05",
        "age": 56,
        "bucket": "31-60",
        "amount": "-5.00",
        "currency": "GBP",
        "file": "ledger.beancount",
        "line": 38,
    }


def test_ageing_and_fx_as_of_default_to_the_configured_today(workdir: Path) -> None:
    """The ledger's config sets today to 2024-06-30; without it, today's date."""
    import datetime

    for name in ("ageing", "fx"):
        data = json.loads(report(name, "--format", "json", "ledger.beancount"))
        assert data["as_of"] == "2024-06-30", name
    text = (workdir / "ledger.beancount").read_text()
    plain = text.replace(" \"{'today': '2024-06-30'}\"", "")
    assert plain != text
    (workdir / "plain.beancount").write_text(plain)
    for name in ("ageing", "fx"):
        data = json.loads(report(name, "--format", "json", "plain.beancount"))
        assert data["as_of"] == datetime.date.today().isoformat(), name


def test_ageing_before_anything_happened(workdir: Path) -> None:
    output = report("ageing", "--as-of", "2023-12-31", "ledger.beancount")
    assert output == dedent("""
        Aged receivables as of 2023-12-31, by invoice date

        Customers
        (none)

        Totals
        (none)

        Open invoices and unallocated money
        (none)
    """)


# -- loyalty ------------------------------------------------------------------


def test_loyalty_table(workdir: Path) -> None:
    assert report("loyalty", "ledger.beancount") == dedent("""
        Loyalty points

        Programs
        Program  Name    Points  Value  Currency  Customers  Liability
        -------  ------  ------  -----  --------  ---------  -----------------------
        PTS      Points   36.00   0.36  GBP               1  Liabilities:Loyalty:PTS

        Customers
        Customer  Name      Program  Points  Next expiry  Expiring
        --------  --------  -------  ------  -----------  --------
        acme      Acme Ltd  PTS          36  2025-01-10         36

        Points by month
        Month    Program  Earned  Redeemed  Expired  Adjusted  Clawed back  Given back  Net
        -------  -------  ------  --------  -------  --------  -----------  ----------  ---
        2024-01  PTS          48         0        0         0            0           0   48
        2024-03  PTS           0         0        0         0            2           0   -2
        2024-04  PTS           0        10        0         0            0           0  -10
    """)


def test_loyalty_period_json(workdir: Path) -> None:
    data = json.loads(
        report("loyalty", "--start", "2024-03-01", "--format", "json", "ledger.beancount")
    )
    assert (data["start"], data["end"]) == ("2024-03-01", None)
    assert [row["month"] for row in data["months"]] == ["2024-03", "2024-04"]
    assert data["months"][1]["redeemed"] == "10"
    assert data["programs"][0]["value"] == "0.36"
    assert data["customers"][0]["next_expiry"] == "2025-01-10"


# -- margin -------------------------------------------------------------------


def test_margin_table(workdir: Path) -> None:
    assert report("margin", "ledger.beancount") == dedent("""
        Gross margin by order

        By order
        Order  Currency  Revenue  Credits  Net revenue   COGS  Margin  Margin %
        -----  --------  -------  -------  -----------  -----  ------  --------
        SO-1   GBP         40.00     2.00        38.00  16.00   22.00      57.9
        SO-2   GBP         60.00    30.00        30.00  15.00   15.00      50.0

        Totals
        Currency  Revenue  Credits  Net revenue   COGS  Margin  Margin %
        --------  -------  -------  -----------  -----  ------  --------
        GBP        100.00    32.00        68.00  31.00   37.00      54.4

        Outside gross margin (credit memos, loyalty discounts)
        Order  Currency  Memos  Loyalty discounts
        -----  --------  -----  -----------------
        SO-1   GBP        3.00               0.00
        SO-4   GBP        0.00               0.10

        Credits and returns in the period
        Date        Kind             Document  Customer  Item    Qty  Detail           Credits  COGS back  Currency  Invoice  Order  Line
        ----------  ---------------  --------  --------  ------  ---  ---------------  -------  ---------  --------  -------  -----  ----
        2024-02-10  customer credit  CR-1      bob                    returned gadget    30.00       0.00  GBP                SO-2
        2024-02-10  return           RET-1     bob       GADGET    1  resaleable          0.00      15.00  GBP                SO-2      1
        2024-03-15  credit order     CO-1      acme      WIDGET    1  credit (none)       2.00       0.00  GBP       INV-1    SO-1      1
    """)  # noqa: E501


def test_margin_by_month_in_a_period(workdir: Path) -> None:
    # The end is inclusive: CO-1's credit on 2024-03-15 counts.
    output = report(
        "margin",
        "--group",
        "month",
        "--start",
        "2024-02-01",
        "--end",
        "2024-03-15",
        "ledger.beancount",
    )
    assert output == dedent("""
        Gross margin by month from 2024-02-01 to 2024-03-15

        By month
        Month    Currency  Revenue  Credits  Net revenue   COGS  Margin  Margin %
        -------  --------  -------  -------  -----------  -----  ------  --------
        2024-02  GBP         60.00    30.00        30.00  15.00   15.00      50.0
        2024-03  GBP          0.00     2.00        -2.00   0.00   -2.00

        Totals
        Currency  Revenue  Credits  Net revenue   COGS  Margin  Margin %
        --------  -------  -------  -----------  -----  ------  --------
        GBP         60.00    32.00        28.00  15.00   13.00      46.4

        Outside gross margin (credit memos, loyalty discounts)
        Month    Currency  Memos  Loyalty discounts
        -------  --------  -----  -----------------
        2024-03  GBP        3.00               0.00

        Credits and returns in the period
        Date        Kind             Document  Customer  Item    Qty  Detail           Credits  COGS back  Currency  Invoice  Order  Line
        ----------  ---------------  --------  --------  ------  ---  ---------------  -------  ---------  --------  -------  -----  ----
        2024-02-10  customer credit  CR-1      bob                    returned gadget    30.00       0.00  GBP                SO-2
        2024-02-10  return           RET-1     bob       GADGET    1  resaleable          0.00      15.00  GBP                SO-2      1
        2024-03-15  credit order     CO-1      acme      WIDGET    1  credit (none)       2.00       0.00  GBP       INV-1    SO-1      1
    """)  # noqa: E501


def test_margin_csv_and_json(workdir: Path) -> None:
    by_item = report("margin", "--group", "item", "--format", "csv", "ledger.beancount")
    assert by_item == dedent("""
        item,currency,revenue,credits,net_revenue,cogs,margin,margin_pct
        (no item),GBP,0,30.00,-30.00,0,-30.00,
        GADGET,GBP,60.00,0,60.00,15.00,45.00,75.0
        WIDGET,GBP,40.00,2.00,38.00,16.00,22.00,57.9
    """)
    apart = report("margin", "--format", "csv", "--section", "apart", "ledger.beancount")
    assert apart.splitlines() == [
        "order,currency,memos,loyalty_discounts",
        "SO-1,GBP,3.00,0",
        "SO-4,GBP,0,0.10",
    ]
    data = json.loads(
        report("margin", "--group", "customer", "--format", "json", "ledger.beancount")
    )
    assert data["group"] == "customer"
    assert [(row["customer"], row["margin"]) for row in data["margin"]] == [
        ("acme", "22.00"),
        ("bob", "15.00"),
    ]
    assert data["totals"][0]["margin_pct"] == "54.4"


# -- stock --------------------------------------------------------------------


def test_stock_table(workdir: Path) -> None:
    assert report("stock", "ledger.beancount") == dedent("""
        Stock

        Stock by item and location (then by batch)
        Item    Location  Batch  On hand  Committed  Available  Value  Currency
        ------  --------  -----  -------  ---------  ---------  -----  --------
        GADGET  Main                   4          0          4  60.00  GBP
        GADGET  Main      G1           4          0          4  60.00  GBP
        WIDGET  Main                   6          2          4  24.00  GBP
        WIDGET  Main      PO-1         6          0          6  24.00  GBP

        Uncosted dispatches (no stock to take the cost from)
        (none)
    """)


def test_stock_of_one_item_json(workdir: Path) -> None:
    data = json.loads(
        report("stock", "--item", "WIDGET", "--format", "json", "ledger.beancount")
    )
    assert data["item"] == "WIDGET"
    assert data["uncosted"] == []
    assert data["positions"][0] == {
        "item": "WIDGET",
        "location": "Main",
        "batch": None,
        "on_hand": "6",
        "committed": "2",
        "available": "4",
        "value": "24.00",
        "currency": "GBP",
        "account": "Assets:Inventory:Main",
    }


# -- credits ------------------------------------------------------------------


def test_credits_table(workdir: Path) -> None:
    assert report("credits", "ledger.beancount") == dedent("""
        Credits and returns

        Credit orders
        Credit order  Date        Status  Invoice  Order  Customer   Net   Tax  Gross  Currency  Reason
        ------------  ----------  ------  -------  -----  --------  ----  ----  -----  --------  ---------
        CO-1          2024-03-15  READY   INV-1    SO-1   acme      2.00  0.40   2.40  GBP       scratched

        Returns
        Return  Date        Order  Customer  Item    Qty  Condition   Cost restocked
        ------  ----------  -----  --------  ------  ---  ----------  --------------
        RET-1   2024-02-10  SO-2   bob       GADGET    1  resaleable           15.00

        Credit memos
        Memo    Date        Customer  Invoice  Amount  Currency  Reason
        ------  ----------  --------  -------  ------  --------  --------
        MEMO-1  2024-03-10  acme      INV-1      3.00  GBP       goodwill

        Customer credits
        Credit  Date        Customer  Amount  Currency  Reason
        ------  ----------  --------  ------  --------  ---------------
        CR-1    2024-02-10  bob        30.00  GBP       returned gadget

        Customer credit balances (as they stand)
        Customer  Name       Currency  Credited  Used  Balance
        --------  ---------  --------  --------  ----  -------
        bob       Bob Jones  GBP          30.00  0.00    30.00
    """)  # noqa: E501


def test_credits_period_and_sections(workdir: Path) -> None:
    output = report(
        "credits", "--start", "2024-03-01", "--section", "credit_orders", "ledger.beancount"
    )
    assert output.splitlines()[:3] == [
        "Credits and returns from 2024-03-01",
        "",
        "Credit orders",
    ]
    returns = report(
        "credits",
        "--end",
        "2024-02-09",
        "--format",
        "csv",
        "--section",
        "returns",
        "ledger.beancount",
    )
    assert returns == "return,date,order,customer,item,qty,condition,cost\n"
    data = json.loads(report("credits", "--format", "json", "ledger.beancount"))
    assert set(data) == {
        "report",
        "start",
        "end",
        "credit_orders",
        "returns",
        "memos",
        "credits",
        "balances",
    }
    assert data["credits"][0] == {
        "credit": "CR-1",
        "date": "2024-02-10",
        "customer": "bob",
        "amount": "30.00",
        "currency": "GBP",
        "order": "SO-2",
        "invoice": None,
        "reason": "returned gadget",
    }
    assert data["balances"][0]["balance"] == "30.00"


# -- every report: formats, errors, bad arguments -------------------------------


@pytest.mark.parametrize("name", REPORTS)
def test_every_report_gives_valid_json_and_csv(workdir: Path, name: str) -> None:
    extra = ["--as-of", "2024-04-30"] if name == "ageing" else []
    data = json.loads(report(name, *extra, "--format", "json", "ledger.beancount"))
    assert data["report"] == name
    csv_text = report(name, *extra, "--format", "csv", "ledger.beancount")
    assert csv_text.endswith("\n")
    assert len({line.count(",") for line in csv_text.splitlines()}) == 1


@pytest.mark.parametrize("name", REPORTS)
def test_report_on_a_ledger_with_errors(workdir: Path, name: str) -> None:
    text = LEDGER + '2024-05-01 custom "payment" "SO-9" 1.00 GBP "card"\n'
    (workdir / "broken.beancount").write_text(text, encoding="utf-8")
    result = run("report", name, "broken.beancount")
    assert result.exit_code == 1
    assert result.stdout.startswith(
        (
            "Orders",
            "Aged",
            "Loyalty",
            "Gross",
            "Stock",
            "Credits",
            "Foreign",
            "Purchase",
            "Tax",
        )
    )
    assert result.stderr == (
        'broken.beancount:50: Payment on unknown order, invoice or customer "SO-9"\n'
        "broken.beancount: 1 error\n"
    )


def test_report_without_the_plugin_warns(workdir: Path) -> None:
    (workdir / "plain.beancount").write_text(
        "2024-01-01 open Assets:Bank GBP\n", encoding="utf-8"
    )
    result = run("report", "orders", "plain.beancount")
    assert result.exit_code == 0
    assert result.stdout == "Orders\n\n(none)\n"
    assert result.stderr == (
        'Warning: plain.beancount does not load the plugin "beancount_orders.orders"; '
        "its order directives are ignored\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["ageing", "--as-of", "2024-13-01"],
            "Invalid value for '--as-of': '2024-13-01' is not a date: expected "
            "YYYY-MM-DD, such as 2024-03-31",
        ),
        (
            ["orders", "--start", "yesterday"],
            "Invalid value for '--start': 'yesterday' is not a date",
        ),
        (
            ["margin", "--start", "2024-03-01", "--end", "2024-02-01"],
            "Error: --end 2024-02-01 is before --start 2024-03-01",
        ),
        (
            ["margin", "--group", "week"],
            "Invalid value for '--group': 'week' is not one of 'order', 'item', "
            "'customer', 'month'.",
        ),
        (
            ["ageing", "--buckets", "0,thirty"],
            "Invalid value for '--buckets': Invalid buckets '0,thirty': expected whole "
            "numbers of days separated by commas, such as 0,30,60,90",
        ),
        (
            ["ageing", "--buckets", "60,30"],
            "Invalid value for '--buckets': Invalid buckets [60, 30]: expected "
            "increasing whole numbers of days from 0, such as 0,30,60,90",
        ),
        (
            ["ageing", "--buckets", ""],
            "Invalid value for '--buckets': Invalid buckets []",
        ),
        (
            ["ageing", "--basis", "posted"],
            "Invalid value for '--basis': 'posted' is not one of 'invoice', 'due'.",
        ),
        (
            ["stock", "--format", "xml"],
            "Invalid value for '--format': 'xml' is not one of 'table', 'csv', 'json'.",
        ),
        (
            ["credits", "--section", "refunds"],
            "Invalid value for '--section': 'refunds' is not one of 'credit_orders', "
            "'returns', 'memos', 'credits', 'balances'.",
        ),
        (
            ["orders", "--status", "paid:some"],
            "Invalid value for '--status': Invalid status filter 'paid:some': expected "
            "open, closed, cancelled or AXIS:VALUE",
        ),
        (["orders", "--section", "orders"], "No such option '--section'"),
        (["loyalty", "--as-of", "2024-01-01"], "No such option '--as-of'"),
        (["orders", "--customer"], "Option '--customer' requires an argument."),
    ],
)
def test_bad_arguments(workdir: Path, args: list[str], message: str) -> None:
    result = run("report", args[0], "ledger.beancount", *args[1:])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in " ".join(result.stderr.split())


def test_unknown_report(workdir: Path) -> None:
    result = run("report", "sales", "ledger.beancount")
    assert result.exit_code == 2
    assert "No such command 'sales'" in result.stderr


@pytest.mark.parametrize("name", REPORTS)
def test_missing_file(workdir: Path, name: str) -> None:
    result = run("report", name, "nope.beancount")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.endswith(
        "Error: Invalid value for 'LEDGER': File 'nope.beancount' does not exist.\n"
    )


@pytest.mark.parametrize("name", REPORTS)
def test_missing_ledger_argument(workdir: Path, name: str) -> None:
    result = run("report", name)
    assert result.exit_code == 2
    assert "Missing argument 'LEDGER'" in result.stderr


def test_non_utf8_ledger(workdir: Path) -> None:
    (workdir / "latin1.beancount").write_bytes(
        b'plugin "beancount_orders.orders"\n; caf\xe9\n'
    )
    result = run("report", "stock", "latin1.beancount")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: latin1.beancount is not UTF-8 text")


# -- serve --------------------------------------------------------------------


def test_serve_help() -> None:
    result = run("serve", "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: bean-orders serve [OPTIONS] LEDGER\n")
    text = " ".join(result.stdout.split())
    assert "--host TEXT The address to listen on." in text
    assert "[default: 127.0.0.1]" in text
    assert "-p, --port INTEGER RANGE The port to listen on." in text
    assert "[default: 5000; 1<=x<=65535]" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope.beancount"], "File 'nope.beancount' does not exist."),
        (["--port", "0", "ledger.beancount"], "0 is not in the range 1<=x<=65535."),
        (["--port", "http", "ledger.beancount"], "'http' is not a valid integer range."),
    ],
)
def test_serve_bad_arguments(workdir: Path, args: list[str], message: str) -> None:
    result = run("serve", *args)
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_starts_fava_on_loopback(workdir: Path) -> None:
    port = free_port()
    script = str(Path(sys.executable).parent / "bean-orders")
    process = subprocess.Popen(
        [script, "serve", "ledger.beancount", "--port", str(port)],
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        status = None
        body = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                home = f"http://127.0.0.1:{port}/"
                with urllib.request.urlopen(home, timeout=5) as reply:
                    status = reply.status
                    body = reply.read().decode("utf-8")
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        assert process.poll() is None, process.communicate()
        assert status == 200
        assert "Fava" in body or "fava" in body
        # The order book pages answer too.
        slug = reply.url.rstrip("/").split("/")[3]
        url = f"http://127.0.0.1:{port}/{slug}/extension/Orders/"
        with urllib.request.urlopen(url, timeout=10) as page:
            assert page.status == 200
            assert "SO-1" in page.read().decode("utf-8")
    finally:
        process.terminate()
        try:
            out, err = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            process.kill()
            out, err = process.communicate()
    assert out.startswith(f"Starting Fava on http://127.0.0.1:{port}/")
    assert "Traceback" not in err


def test_serve_calls_the_fava_extension(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from beancount_orders.fava_ext import serve as serve_module

    calls = []
    monkeypatch.setattr(serve_module, "serve", lambda *args: calls.append(args))
    result = run("serve", "ledger.beancount", "--host", "0.0.0.0", "-p", "8042")
    assert result.exit_code == 0
    assert calls == [(Path("ledger.beancount"), "0.0.0.0", 8042)]


def test_serve_port_in_use(workdir: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", "ledger.beancount", "--port", str(port))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: Cannot start Fava on 127.0.0.1:{port}: ")
    assert "--port" in result.stderr
