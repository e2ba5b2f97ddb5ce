"""The Fava pages and ``bean-orders report`` print the same figures.

Both call the same report functions; these tests hold them to it on the worked
example, ledgers/example.beancount. Each page is read from a real Fava (its
Flask app) as HTML table rows and compared with the command line's JSON for the
same options: the margin page's credits and return rows against the margin
report's ``movements`` table, and every total a page shows against the total
the command line prints.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fava.application import create_app

from beancount_orders import cli
from beancount_orders.reports.margin import GROUPS
from tests.test_fava import Page

EXAMPLE = (
    Path(__file__).resolve().parent.parent / "ledgers" / "example.beancount"
).resolve()
AS_OF = "2025-03-31"  # the last day of the example's books


@pytest.fixture(scope="module")
def fava() -> tuple[str, Any]:
    """The example's slug and a client of a Fava serving it."""
    app = create_app([str(EXAMPLE)], load=True)
    slug: str = app.config["LEDGERS"].first_slug()
    return slug, app.test_client()


def page(fava: tuple[str, Any], name: str, /, **args: str) -> Page:
    slug, client = fava
    response = client.get(f"/{slug}/extension/{name}/", query_string=args)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert 'class="orders-error"' not in text
    return Page(text)


def report(name: str, *args: str) -> dict[str, Any]:
    """The command line's report as JSON (which must succeed without errors)."""
    result = CliRunner().invoke(
        cli.main, ["report", name, *args, "--format", "json", str(EXAMPLE)]
    )
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def number(text: str | None) -> Decimal | None:
    """A figure as a page or the JSON shows it ("1,234.50", "56.0%", "12"), or None
    for an empty cell."""
    if text is None or text in ("", "\N{EN DASH}"):
        return None
    return Decimal(text.replace(",", "").rstrip("%"))


def numbers(texts: list[str]) -> list[Decimal | None]:
    return [number(text) for text in texts]


# -- the margin page's credits and returns --------------------------------------


def movement_on_page(cells: list[str]) -> tuple[object, ...]:
    """A row of the page's table: date, kind, document, customer, item, qty, detail,
    credits, COGS back, and the invoice, order and line of the "Original" cell."""
    original = cells[9]

    def found(pattern: str) -> str | None:
        match = re.search(pattern, original)
        return match.group(1) if match else None

    line = found(r"line (\d+)")
    return (
        cells[0],
        cells[1],
        cells[2].removesuffix(" ✎"),
        cells[3],
        cells[4],
        cells[5],
        cells[6],
        number(cells[7]),
        number(cells[8]),
        found(r"invoice (\S+) ✎"),
        found(r"order (\S+) ✎"),
        int(line) if line else None,
    )


def movement_printed(row: dict[str, Any]) -> tuple[object, ...]:
    return (
        row["date"],
        row["kind"],
        row["document"],
        row["name"],
        row["item"] or "",
        row["qty"] or "",
        row["detail"],
        number(row["credits"]),
        number(row["cogs"]),
        row["invoice"],
        row["order"],
        row["order_line"],
    )


@pytest.mark.parametrize(
    ("time", "options", "documents"),
    [
        ("", [], ["CR-0001", "RMA-0001", "RMA-0002", "CO-0001", "CO-0001"]),
        ("2025-03-21", ["--start", "2025-03-21", "--end", "2025-03-21"], ["CO-0001"] * 2),
        (
            "2025-03-20",
            ["--start", "2025-03-20", "--end", "2025-03-20"],
            ["CR-0001", "RMA-0001", "RMA-0002"],
        ),
        # Fava's "to" and the command line's --end both include the last day.
        (
            "2025-03-01 to 2025-03-20",
            ["--start", "2025-03-01", "--end", "2025-03-20"],
            ["CR-0001", "RMA-0001", "RMA-0002"],
        ),
        ("2025-03-01 to 2025-03-19", ["--end", "2025-03-19"], []),
    ],
)
def test_cli_margin_shows_the_credit_and_return_rows_of_the_fava_page(
    fava: tuple[str, Any], time: str, options: list[str], documents: list[str]
) -> None:
    html = page(fava, "Margin", **({"time": time} if time else {}))
    on_page = [
        movement_on_page(cells) for attrs, cells in html.rows if "data-document" in attrs
    ]
    printed = [movement_printed(row) for row in report("margin", *options)["movements"]]
    assert printed == on_page
    assert [row[2] for row in printed] == documents


def test_the_example_s_credits_and_returns_by_hand() -> None:
    """The rows compared above, worked out from the example's comments."""
    rows = {
        (row[2], row[4], row[6]): row[7:]
        for row in map(movement_printed, report("margin")["movements"])
    }
    D = Decimal
    assert rows == {
        # 5 x 6.50 + 2 x 7.25 = 47.00 back to the deli, against SO-1003.
        ("CR-0001", "", "Returns RMA-0001 and RMA-0002"): (
            D(47),
            D(0),
            None,
            "SO-1003",
            None,
        ),
        # Five Assam back into stock at the lots' cost, 3.10: 15.50 off COGS.
        ("RMA-0001", "ASSAM-250", "resaleable"): (D(0), D("15.50"), None, "SO-1003", 1),
        ("RMA-0002", "EARLGREY-250", "damaged"): (D(0), D(0), None, "SO-1003", 2),
        # Two mugs back at 4.00 (cost 1.60 each), one chipped: 2.00 off its price.
        ("CO-0001", "MUG-STONE", "return (costed)"): (
            D(8),
            D("3.20"),
            "INV-2003",
            "SO-1004",
            1,
        ),
        ("CO-0001", "MUG-STONE", "credit (none)"): (D(2), D(0), "INV-2003", "SO-1004", 1),
    }


# -- totals -----------------------------------------------------------------------


MARGIN_FIGURES = ("revenue", "credits", "net_revenue", "cogs", "margin", "margin_pct")


@pytest.mark.parametrize("group", GROUPS)
def test_margin_totals_and_rows_are_the_fava_page_s(
    fava: tuple[str, Any], group: str
) -> None:
    html = page(fava, "Margin", group=group)
    data = report("margin", "--group", group)
    (total,) = data["totals"]
    assert numbers(html.row(total="GBP")[2:8]) == [
        number(total[key]) for key in MARGIN_FIGURES
    ]
    assert len(data["margin"]) == len(html.keys("key")) > 0
    for row in data["margin"]:
        assert numbers(html.row(key=row[group], currency=row["currency"])[2:8]) == [
            number(row[key]) for key in MARGIN_FIGURES
        ]
    assert len(data["apart"]) == len(html.keys("apart")) > 0
    for row in data["apart"]:
        assert numbers(html.row(apart=row[group], currency=row["currency"])[2:4]) == [
            number(row["memos"]),
            number(row["loyalty_discounts"]),
        ]


def test_the_example_s_margin_total_by_hand(fava: tuple[str, Any]) -> None:
    # The customers' rows of docs/reports.md, added up (the euro order in GBP).
    assert page(fava, "Margin").row(total="GBP")[2:8] == [
        "1030.20", "57.00", "973.20", "340.10", "633.10", "65.1%",
    ]  # fmt: skip


def test_ageing_totals_are_the_fava_page_s(fava: tuple[str, Any]) -> None:
    html = page(fava, "Receivables", as_of=AS_OF)
    data = report("ageing", "--as-of", AS_OF)
    labels = data["buckets"]
    figures = [*labels, "invoiced_open", "unallocated", "total"]
    eur, total = data["totals"]  # the euro order's 21.60 open, then the pounds
    assert (eur["currency"], eur["total"]) == ("EUR", "21.60")
    cells = html.row(total="GBP")
    assert numbers(cells[2 : 2 + len(figures)]) == [number(total[key]) for key in figures]
    # As docs/reports.md shows them.
    assert [total[key] for key in ("invoiced_open", "unallocated", "total")] == [
        "121.10",
        "-51.40",
        "69.70",
    ]
    assert len(data["customers"]) == 5
    for row in data["customers"]:
        cells = html.row(customer=row["customer"], currency=row["currency"])
        # ..., Limit, Over, Value GBP (the page shows values: one row is foreign)
        assert numbers(cells[2:-2]) == [
            number(row[key]) for key in (*figures, "credit_limit")
        ]
        assert numbers(cells[-1:]) == [number(row["value"]) if row["value"] else None]


def test_loyalty_and_credit_balances_are_the_fava_pages(fava: tuple[str, Any]) -> None:
    html = page(fava, "Loyalty")
    (program,) = report("loyalty")["programs"]
    (cells,) = [cells for attrs, cells in html.rows if set(attrs) == {"data-program"}]
    assert cells[0].removesuffix(" ✎") == program["program"]
    assert number(cells[2]) == number(program["outstanding"]) == 20
    assert cells[3] == f"{program['value']} {program['currency']}" == "1.00 GBP"
    assert number(cells[4]) == program["customers"] == 1

    html = page(fava, "Credits")
    balances = report("credits", "--section", "balances")["balances"]
    assert len(balances) == 1
    for row in balances:
        assert numbers(html.row(customer=row["customer"])[2:]) == [
            number(row["credited"]),
            number(row["used"]),
            number(row["balance"]),
        ]


def test_the_orders_page_counts_the_orders_the_cli_lists(fava: tuple[str, Any]) -> None:
    slug, client = fava
    text = client.get(f"/{slug}/extension/Orders/").get_data(as_text=True)
    count = len(report("orders")["orders"])
    assert f"{count} orders, open ones first" in text
    assert count == len(Page(text).keys("order")) > 1
