"""The report functions own every row, group and total the pages and the CLI show.

On the worked example (ledgers/example.beancount): the period filter, the
frozen rows of the credits report, and the totals and groupings the reports
give (the Fava views and the CLI tables only lay them out). The figures are
those of the example's comments and of docs/reports.md.
"""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader

from beancount_orders.book import Book
from beancount_orders.book import credits
from beancount_orders.book import model
from beancount_orders.loading import book_from_loaded
from beancount_orders.reports.ageing import aged_receivables
from beancount_orders.reports.credits import credits_report
from beancount_orders.reports.loyalty import loyalty_report
from beancount_orders.reports.margin import margin_report
from beancount_orders.reports.orders import orders_report
from beancount_orders.reports.period import ALL
from beancount_orders.reports.period import Period
from beancount_orders.reports.stock import stock_report

EXAMPLE = Path(__file__).resolve().parent.parent / "ledgers" / "example.beancount"
D = Decimal
day = datetime.date


@pytest.fixture(scope="module")
def book() -> Book:
    loader.initialize(use_cache=False)
    entries, errors, options = loader.load_file(str(EXAMPLE))
    assert not errors
    return book_from_loaded(entries, options)


def test_a_period_includes_its_start_and_leaves_out_its_end() -> None:
    march = Period(day(2025, 3, 1), day(2025, 4, 1))
    assert day(2025, 3, 1) in march
    assert day(2025, 3, 31) in march
    assert day(2025, 4, 1) not in march
    assert day(2025, 2, 28) not in march
    assert march.last == day(2025, 3, 31)
    # The command line's --start and --end both include their day.
    assert Period.through(day(2025, 3, 1), day(2025, 3, 31)) == march
    assert Period.through(None, day(2025, 3, 31)) == Period(None, day(2025, 4, 1))
    assert Period.through(day(2025, 3, 1), None) == Period(day(2025, 3, 1))
    assert day(1, 1, 1) in ALL
    assert day(9999, 12, 31) in ALL
    assert ALL.last is None
    assert day(2025, 3, 5) in Period(day(2025, 3, 1))
    assert day(2025, 3, 5) not in Period(None, day(2025, 3, 5))


def test_every_report_with_a_period_uses_it(book: Book) -> None:
    day_20 = Period.through(day(2025, 3, 20), day(2025, 3, 20))
    assert [row.id for row in orders_report(book, period=day_20)] == []
    # From the 13th up to, not including, the 22nd (SO-1009's day); open first.
    week = Period(day(2025, 3, 13), day(2025, 3, 22))
    assert [row.id for row in orders_report(book, period=week)] == [
        "SO-1008",
        "SO-1010",  # Kettle Yard's, placed on the 18th
        "SO-1006",
        "SO-1007",
    ]
    credits = credits_report(book, day_20)
    assert [row.id for row in credits.returns] == ["RMA-0001", "RMA-0002"]
    assert [row.id for row in credits.credits] == ["CR-0001"]
    assert credits.credit_orders == ()
    assert credits.period == day_20
    margin = margin_report(book, "month", day_20)
    # The deli's credit of 47.00; RMA-0001's five Assam back at 3.10.
    assert [(row.key, row.credits, row.cogs) for row in margin.rows] == [
        ("2025-03", D("47.00"), D("-15.50"))
    ]
    assert [row.document for row in margin.movements] == ["CR-0001", "RMA-0001", "RMA-0002"]
    assert margin.period == day_20
    assert loyalty_report(book, Period(day(2025, 4, 1))).months == ()


def _frozen(row: object) -> bool:
    return dataclasses.is_dataclass(row) and row.__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_the_credits_report_gives_frozen_rows_of_its_own(book: Book) -> None:
    report = credits_report(book)
    rows: list[object] = [
        report,
        *report.credit_orders,
        *(line for row in report.credit_orders for line in row.lines),
        *report.returns,
        *report.memos,
        *report.credits,
        *report.balances,
        *report.by_status,
        *report.by_condition,
    ]
    assert len(rows) > 10
    engine_types = (
        credits.CreditOrder,
        credits.CreditLine,
        model.Return,
        credits.CreditMemo,
        credits.CustomerCredit,
    )
    for row in rows:
        assert _frozen(row), row
        assert not isinstance(row, engine_types)
    (credit_order,) = report.credit_orders
    with pytest.raises(dataclasses.FrozenInstanceError):
        credit_order.status = "OPEN"  # type: ignore[misc]
    # 2 x 4.00 returned and 1 x 2.00 off, with 20% VAT: 12.00 GBP credited.
    assert (credit_order.net, credit_order.tax, credit_order.gross) == (
        D("10.00"),
        D("2.00"),
        D("12.00"),
    )
    assert credit_order.customer_name == "Hartley & Sons Grocers"
    assert [(line.type, line.cost) for line in credit_order.lines] == [
        ("return", D("3.20")),
        ("credit", D(0)),
    ]
    # Grouped by status and by condition, each group in the report's order.
    assert [(group.status, group.credit_orders) for group in report.by_status] == [
        ("OPEN", ()),
        ("APPROVED", ()),
        ("READY", (credit_order,)),
    ]
    assert [
        (group.condition, [(r.id, r.cost, r.cost_currency) for r in group.returns])
        for group in report.by_condition
    ] == [
        ("resaleable", [("RMA-0001", D("15.50"), "GBP")]),
        ("damaged", [("RMA-0002", D(0), None)]),
    ]


def test_the_ageing_report_totals_and_splits_its_lines(book: Book) -> None:
    report = aged_receivables(book, day(2025, 3, 31))
    eur, total = report.totals  # a total per currency: the euro order's 21.60 open
    assert (eur.currency, eur.total, total.currency) == ("EUR", D("21.60"), "GBP")
    assert (total.invoiced_open, total.unallocated_total, total.total) == (
        D("121.10"),
        D("-51.40"),
        D("69.70"),
    )
    gbp = [row for row in report.rows if row.currency == "GBP"]
    assert total.invoiced_open == sum(row.invoiced_open for row in gbp)
    assert total.unallocated_total == sum(row.unallocated_total for row in gbp)
    assert [line.item.document for line in report.open_invoices] == [
        "INV-2001",
        "INV-2009",
        "INV-2005",
    ]
    assert [line.item.kind for line in report.unallocated] == [
        "payment",
        "credit-order",
        "refund",
        "payment",
    ]
    assert len(report.lines) == len(report.open_invoices) + len(report.unallocated)
    assert [line.row.customer for line in report.lines] == [
        "bramble",
        "hartley",
        "hartley",
        "hartley",
        "kaffeehaus",
        "north-street-deli",
        "web",
    ]
    assert report.over_limit == ()
    tight = aged_receivables(book, day(2025, 3, 10))
    assert [row.customer for row in tight.over_limit] == [
        row.customer for row in tight.rows if row.over_limit
    ]


def test_the_stock_report_groups_each_item_with_its_batches(book: Book) -> None:
    report = stock_report(book, "ASSAM-250")
    assert [
        (group.total.location, [batch.batch for batch in group.batches])
        for group in report.groups
    ] == [("Main", ["NLT-2503", "PO-301"]), ("Shop", ["PO-301"])]
    whole = stock_report(book)
    assert [row for group in whole.groups for row in group.rows] == list(whole.positions)
    assert [group.total for group in whole.groups] == list(whole.totals)


def test_the_loyalty_report_gives_each_program_its_months(book: Book) -> None:
    report = loyalty_report(book)
    (leaf,) = report.by_program
    assert leaf.program.symbol == "LEAF"
    assert leaf.months == report.months
    (march,) = leaf.months
    # 50 points of welcome bonus, nothing clawed or given back.
    assert (march.adjusted, march.clawed_back, march.given_back) == (D(50), D(0), D(0))
    assert march.adjustments == D(50)
    assert march.net == march.earned - march.redeemed - march.expired + march.adjustments


def test_the_margin_report_gives_the_chart_months_and_the_movements(book: Book) -> None:
    report = margin_report(book, "customer")
    (gbp,) = report.by_month
    assert gbp.currency == "GBP"
    # 781.50 + 113.00 (Kettle Yard) + 135.70 (the euro order, in GBP as posted)
    assert [(row.key, row.revenue, row.credits, row.cogs) for row in gbp.months] == [
        ("2025-03", D("1030.20"), D("57.00"), D("340.10")),
    ]
    (total,) = report.totals
    assert (total.revenue, total.credits, total.cogs) == (
        D("1030.20"),
        D("57.00"),
        D("340.10"),
    )
    # Every credit in the margin is one of the movements listed with it.
    assert sum(movement.credits for movement in report.movements) == total.credits
    assert [
        (movement.kind, movement.document, movement.line) for movement in report.movements
    ] == [
        ("customer credit", "CR-0001", None),
        ("return", "RMA-0001", 1),
        ("return", "RMA-0002", 2),
        ("credit order", "CO-0001", 1),
        ("credit order", "CO-0001", 1),
    ]
    assert all(_frozen(movement) for movement in report.movements)
