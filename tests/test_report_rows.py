"""The report functions own every row, group and total the pages and the CLI show.

On the worked example (ledgers/example.beancount): the period filter the
reports share. The figures are those of the example's comments and of
docs/reports.md.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader

from beancount_orders.book import Book
from beancount_orders.book import book_from_loaded
from beancount_orders.reports.credits import credits_report
from beancount_orders.reports.loyalty import loyalty_report
from beancount_orders.reports.margin import margin_report
from beancount_orders.reports.orders import orders_report
from beancount_orders.reports.period import ALL
from beancount_orders.reports.period import Period

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
    assert margin.period == day_20
    assert loyalty_report(book, Period(day(2025, 4, 1))).months == ()
