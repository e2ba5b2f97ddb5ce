"""Aged receivables: buckets, the Acumen rule, bases, past dates, credit limits.

Ages are counted in days from the invoice date (or due date) to the as-of
date. With the default buckets an age of 0 or less is "current", 1-30 is
"1-30" and so on; above 90 is "90+".
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal as D
from pathlib import Path

import pytest

from beancount_orders.reports.ageing import DEFAULT_BUCKETS
from beancount_orders.reports.ageing import AgeingError
from beancount_orders.reports.ageing import aged_receivables
from beancount_orders.reports.ageing import bucket_labels
from beancount_orders.reports.ageing import check_buckets
from beancount_orders.reports.ageing import parse_buckets
from tests.helpers import ledger
from tests.helpers import load

ROOT = Path(__file__).resolve().parent.parent
LABELS = ("current", "1-30", "31-60", "61-90", "90+")
APRIL_1 = datetime.date(2024, 4, 1)
_ = D(0)


def buckets(*numbers: str | int) -> tuple[D, ...]:
    return tuple(D(n) for n in numbers)


def items(row):
    return [(i.document, i.kind, i.date, i.age, i.bucket, i.amount) for i in row.items]


def receivable_on(loaded, as_of):
    """Each Assets:Receivable account's balance on ``as_of``, from the postings."""
    balances: dict[tuple[str, str], D] = {}
    for entry in loaded.entries:
        if getattr(entry, "postings", None) is None or entry.date > as_of:
            continue
        for posting in entry.postings:
            if posting.account.startswith("Assets:Receivable:"):
                key = (posting.account, posting.units.currency)
                balances[key] = balances.get(key, D(0)) + posting.units.number
    return {key: value for key, value in balances.items() if value}


# --------------------------------------------------------------------------
# Acumen: credits and payments allocated to an invoice age with the invoice.


@ledger()
def test_credit_order_today_is_aged_with_its_70_day_old_invoice(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 10 10.00 GBP
    2024-01-22 custom "invoice" "SO-1" "INV-1"
    2024-04-01 custom "credit-order" "CO-1" "INV-1"
    2024-04-01 custom "credit-line" "CO-1" "WIDGET" "credit" 10 2.00 GBP
    """
    report = aged_receivables(loaded.book, APRIL_1)
    assert (report.as_of, report.basis, report.labels) == (APRIL_1, "invoice", LABELS)
    (row,) = report.rows
    # 2024-01-22 to 2024-04-01 is 70 days: 61-90. The 20.00 credit order of
    # today reduces that bucket; nothing shows in "current".
    assert (row.customer, row.name, row.currency) == ("acme", "Acme Ltd", "GBP")
    assert row.buckets == buckets(0, 0, 0, "80.00", 0)
    assert row.unallocated == buckets(0, 0, 0, 0, 0)
    assert items(row) == [("INV-1", "invoice", datetime.date(2024, 1, 22), 70, 3, 80)]
    assert row.total == D("80.00")
    (total,) = report.totals
    assert (total.currency, total.buckets, total.total) == (
        "GBP",
        buckets(0, 0, 0, "80.00", 0),
        D("80.00"),
    )
    # The day before, the credit order did not exist: 69 days, all 100.00 open.
    (before,) = aged_receivables(loaded.book, APRIL_1 - datetime.timedelta(1)).rows
    assert before.buckets == buckets(0, 0, 0, "100.00", 0)


@ledger()
def test_payment_allocated_to_an_old_invoice_is_aged_with_it(loaded):
    """
    plugin "beancount_orders.orders"
    2023-11-01 custom "customer" "acme" "Acme Ltd"
    2023-12-01 custom "order" "SO-1" "acme"
    2023-12-01 custom "line" "SO-1" "WIDGET" 10 10.00 GBP
    2023-12-01 custom "invoice" "SO-1" "INV-1"
    2024-03-31 custom "payment" "acme" 60.00 GBP "bank"
      id: "PAY-1"
    2024-04-01 custom "allocate" "PAY-1" "INV-1" 45.00 GBP
    """
    report = aged_receivables(loaded.book, APRIL_1)
    (row,) = report.rows
    # INV-1 is 122 days old: 90+. 45.00 of PAY-1 ages with it; the other 15.00
    # is unallocated and ages by its own date (1 day: 1-30).
    assert row.buckets == buckets(0, 0, 0, 0, "55.00")
    assert row.unallocated == buckets(0, "-15.00", 0, 0, 0)
    assert items(row) == [
        ("INV-1", "invoice", datetime.date(2023, 12, 1), 122, 4, D("55.00")),
        ("PAY-1", "payment", datetime.date(2024, 3, 31), 1, 1, D("-15.00")),
    ]
    assert row.total == D("40.00")
    # Before the allocation, all of PAY-1 was unallocated (age 0: current).
    (before,) = aged_receivables(loaded.book, datetime.date(2024, 3, 31)).rows
    assert before.buckets == buckets(0, 0, 0, 0, "100.00")
    assert before.unallocated == buckets("-60.00", 0, 0, 0, 0)


# --------------------------------------------------------------------------
# A ledger of three customers for the rest.

LEDGER = """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
      credit-limit: 50.00 GBP
      terms: 30
    2024-01-01 custom "customer" "bob" "Bob's Bikes"
      credit-limit: 100.00 GBP
    2024-01-01 custom "customer" "carol" "Carol & Co"
      credit-limit: 10.00 USD
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 10 10.00 GBP
    2024-01-22 custom "invoice" "SO-1" "INV-1"
    2024-03-01 custom "payment" "SO-1" 20.00 GBP "bank"
    2024-03-02 custom "order" "SO-2" "acme"
    2024-03-02 custom "line" "SO-2" "WIDGET" 1 10.00 GBP
    2024-03-02 custom "invoice" "SO-2" "INV-2"
      due: 2024-04-15
    2024-03-05 custom "order" "SO-3" "bob"
    2024-03-05 custom "line" "SO-3" "GADGET" 1 50.00 GBP
    2024-03-25 custom "invoice" "SO-3" "INV-3"
    2024-02-20 custom "payment" "bob" 30.00 GBP "bank"
      id: "PAY-B"
    2024-04-01 custom "credit-memo" "M-1" "bob" 5.00 GBP
    2024-01-10 custom "order" "SO-4" "carol"
    2024-01-10 custom "line" "SO-4" "GADGET" 2 15.00 GBP
    2024-01-10 custom "invoice" "SO-4" "INV-4"
    2024-03-15 custom "order" "SO-5" "carol"
    2024-03-15 custom "line" "SO-5" "GADGET" 1 20.00 USD
    2024-03-15 custom "invoice" "SO-5" "INV-5"
"""


def test_unallocated_money_is_aged_by_its_own_date_and_shown_apart():
    loaded = load(LEDGER)
    assert loaded.messages == []
    report = aged_receivables(loaded.book, APRIL_1)
    rows = {(row.customer, row.currency): row for row in report.rows}
    assert list(rows) == [
        ("acme", "GBP"),
        ("bob", "GBP"),
        ("carol", "GBP"),
        ("carol", "USD"),
    ]
    acme = rows["acme", "GBP"]
    # INV-1 100.00 less the 20.00 paid on its order (70 days: 61-90); INV-2
    # 10.00, 30 days old (1-30).
    assert acme.buckets == buckets(0, "10.00", 0, "80.00", 0)
    assert acme.unallocated == buckets(0, 0, 0, 0, 0)
    bob = rows["bob", "GBP"]
    # INV-3 50.00 (7 days). PAY-B 30.00 on account, 41 days old; M-1 5.00, today.
    assert bob.buckets == buckets(0, "50.00", 0, 0, 0)
    assert bob.unallocated == buckets("-5.00", 0, "-30.00", 0, 0)
    assert items(bob) == [
        ("PAY-B", "payment", datetime.date(2024, 2, 20), 41, 2, D("-30.00")),
        ("INV-3", "invoice", datetime.date(2024, 3, 25), 7, 1, D("50.00")),
        ("M-1", "credit-memo", APRIL_1, 0, 0, D("-5.00")),
    ]
    assert (bob.invoiced_open, bob.unallocated_total, bob.total) == (
        D("50.00"),
        D("-35.00"),
        D("15.00"),
    )
    assert rows["carol", "GBP"].buckets == buckets(0, 0, 0, "30.00", 0)  # 82 days
    assert rows["carol", "USD"].buckets == buckets(0, "20.00", 0, 0, 0)  # 17 days
    # Totals per currency.
    assert [(t.currency, t.buckets, t.unallocated, t.total) for t in report.totals] == [
        (
            "GBP",
            buckets(0, "60.00", 0, "110.00", 0),
            buckets("-5.00", 0, "-30.00", 0, 0),
            D("135.00"),
        ),
        ("USD", buckets(0, "20.00", 0, 0, 0), buckets(0, 0, 0, 0, 0), D("20.00")),
    ]
    # And the totals are the receivable accounts' balances that day.
    assert receivable_on(loaded, APRIL_1) == {
        ("Assets:Receivable:Acme", "GBP"): D("90.00"),
        ("Assets:Receivable:Bob", "GBP"): D("15.00"),
        ("Assets:Receivable:Carol", "GBP"): D("30.00"),
        ("Assets:Receivable:Carol", "USD"): D("20.00"),
    }


def test_due_date_basis():
    loaded = load(LEDGER)
    report = aged_receivables(loaded.book, APRIL_1, basis="due")
    assert report.basis == "due"
    rows = {(row.customer, row.currency): row for row in report.rows}
    acme = rows["acme", "GBP"]
    # INV-1 is due 30 days after 2024-01-22 (acme's terms): 2024-02-21, 40 days
    # overdue. INV-2 says due 2024-04-15: not yet due (-14 days): current.
    assert acme.buckets == buckets("10.00", 0, "80.00", 0, 0)
    assert items(acme) == [
        ("INV-1", "invoice", datetime.date(2024, 2, 21), 40, 2, D("80.00")),
        ("INV-2", "invoice", datetime.date(2024, 4, 15), -14, 0, D("10.00")),
    ]
    # No terms anywhere: due on the invoice date. Money ages by its own date.
    bob = rows["bob", "GBP"]
    assert bob.buckets == buckets(0, "50.00", 0, 0, 0)
    assert bob.unallocated == buckets("-5.00", 0, "-30.00", 0, 0)
    # The basis moves amounts between buckets, never the totals.
    by_invoice = aged_receivables(loaded.book, APRIL_1)
    assert [t.total for t in report.totals] == [t.total for t in by_invoice.totals]


def test_custom_buckets():
    loaded = load(LEDGER)
    report = aged_receivables(loaded.book, APRIL_1, buckets=(7, 45))
    assert report.labels == ("0-7", "8-45", "45+")
    rows = {(row.customer, row.currency): row for row in report.rows}
    assert rows["acme", "GBP"].buckets == buckets(0, "10.00", "80.00")
    # INV-3 is exactly 7 days old: the first bucket includes its bound.
    assert rows["bob", "GBP"].buckets == buckets("50.00", 0, 0)
    assert rows["bob", "GBP"].unallocated == buckets("-5.00", "-30.00", 0)
    single = aged_receivables(loaded.book, APRIL_1, buckets=(0,))
    assert single.labels == ("current", "0+")
    assert [t.buckets for t in single.totals] == [buckets(0, "170.00"), buckets(0, "20.00")]


def test_credit_limit_breaches_are_flagged():
    loaded = load(LEDGER)
    rows = {
        (r.customer, r.currency): r for r in aged_receivables(loaded.book, APRIL_1).rows
    }
    # acme owes 90.00 against 50.00; bob 15.00 against 100.00; carol's limit is
    # in USD: her USD row is checked against it, her GBP row has no limit.
    assert [(key, row.credit_limit, row.over_limit) for key, row in rows.items()] == [
        (("acme", "GBP"), D("50.00"), True),
        (("bob", "GBP"), D("100.00"), False),
        (("carol", "GBP"), None, False),
        (("carol", "USD"), D("10.00"), True),
    ]
    # On 2024-02-01 acme owed all of INV-1 (100.00), carol INV-4 (30.00 GBP).
    early = aged_receivables(loaded.book, datetime.date(2024, 2, 1))
    assert [(r.customer, r.total, r.over_limit) for r in early.rows] == [
        ("acme", D("100.00"), True),
        ("carol", D("30.00"), False),
    ]


def test_at_the_limit_is_not_a_breach():
    loaded = load("""
        plugin "beancount_orders.orders"
        2024-01-01 custom "customer" "acme" "Acme Ltd"
          credit-limit: 50.00 GBP
        2024-01-02 custom "order" "SO-1" "acme"
        2024-01-02 custom "line" "SO-1" "WIDGET" 5 10.00 GBP
        2024-01-22 custom "invoice" "SO-1" "INV-1"
    """)
    (row,) = aged_receivables(loaded.book, APRIL_1).rows
    assert (row.total, row.credit_limit, row.over_limit) == (D(50), D(50), False)


def test_an_old_ageing_is_unchanged_by_later_events():
    later = """
    2024-04-05 custom "payment" "INV-1" 50.00 GBP "bank"
    2024-04-06 custom "allocate" "PAY-B" "INV-3" 30.00 GBP
    2024-04-07 custom "credit-order" "CO-1" "INV-2"
    2024-04-07 custom "credit-line" "CO-1" "WIDGET" "credit" 1 10.00 GBP
    2024-04-08 custom "credit-memo" "M-2" "carol" 5.00 GBP
      invoice: "INV-4"
    2024-04-09 custom "invoice" "SO-4" "INV-6"
    2024-04-09 custom "line" "SO-4" "GADGET" 1 15.00 GBP
    2024-04-10 custom "payment" "carol" 1.00 USD "bank"
    """
    before = load(LEDGER)
    after = load(LEDGER + later)
    assert before.messages == after.messages == []
    for as_of in (datetime.date(2024, 3, 31), APRIL_1, datetime.date(2024, 4, 4)):
        for basis in ("invoice", "due"):
            assert aged_receivables(after.book, as_of, basis) == aged_receivables(
                before.book, as_of, basis
            )
    # The later events do show in a later ageing.
    late = datetime.date(2024, 4, 30)
    assert aged_receivables(after.book, late) != aged_receivables(before.book, late)
    rows = {(r.customer, r.currency): r for r in aged_receivables(after.book, late).rows}
    assert rows["bob", "GBP"].unallocated == buckets(0, "-5.00", 0, 0, 0)
    assert rows["bob", "GBP"].buckets == buckets(0, 0, "20.00", 0, 0)


def test_ageing_total_equals_the_receivable_balance_on_every_day():
    loaded = load(LEDGER)
    customers = loaded.book.customers.values()
    day = datetime.date(2023, 12, 31)
    while day <= datetime.date(2024, 5, 1):
        report = aged_receivables(loaded.book, day)
        accounts = {c.id: f"Assets:Receivable:{c.account}" for c in customers}
        aged = {
            (accounts[row.customer], row.currency): row.total
            for row in report.rows
            if row.total
        }
        assert aged == receivable_on(loaded, day), day
        day += datetime.timedelta(days=1)


# --------------------------------------------------------------------------
# Options.


def test_bucket_labels():
    assert bucket_labels(DEFAULT_BUCKETS) == LABELS
    assert bucket_labels((0, 7, 14)) == ("current", "1-7", "8-14", "14+")
    assert bucket_labels((30, 60)) == ("0-30", "31-60", "60+")
    assert bucket_labels(()) == ("all",)


def test_parse_buckets():
    assert parse_buckets("0,30,60,90") == DEFAULT_BUCKETS
    assert parse_buckets(" 0, 7 ,14 ,") == (0, 7, 14)
    assert parse_buckets("45") == (45,)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "0,30,x",
            "Invalid buckets '0,30,x': expected whole numbers of days separated by "
            "commas, such as 0,30,60,90",
        ),
        (
            "0,1.5",
            "Invalid buckets '0,1.5': expected whole numbers of days separated by "
            "commas, such as 0,30,60,90",
        ),
        (
            "30,0",
            "Invalid buckets [30, 0]: expected increasing whole numbers of days from 0, "
            "such as 0,30,60,90",
        ),
        (
            "0,30,30",
            "Invalid buckets [0, 30, 30]: expected increasing whole numbers of days from "
            "0, such as 0,30,60,90",
        ),
        (
            "-1,30",
            "Invalid buckets [-1, 30]: expected increasing whole numbers of days from 0, "
            "such as 0,30,60,90",
        ),
        (
            "",
            "Invalid buckets []: expected increasing whole numbers of days from 0, "
            "such as 0,30,60,90",
        ),
    ],
)
def test_parse_buckets_errors(text, message):
    with pytest.raises(AgeingError) as info:
        parse_buckets(text)
    assert str(info.value) == message


def test_report_option_errors():
    book = load(LEDGER).book
    with pytest.raises(AgeingError) as info:
        aged_receivables(book, APRIL_1, basis="posting")
    assert str(info.value) == "Invalid ageing basis 'posting': expected 'invoice' or 'due'"
    with pytest.raises(AgeingError) as info:
        aged_receivables(book, APRIL_1, buckets=(60, 30))
    assert str(info.value) == (
        "Invalid buckets [60, 30]: expected increasing whole numbers of days from 0, "
        "such as 0,30,60,90"
    )
    check_buckets((0, 1))  # fine: no error


# --------------------------------------------------------------------------
# The worked example of docs/ageing.md.


def test_docs_example_table():
    """The table in docs/ageing.md is what the report gives for its ledger."""
    text = (ROOT / "docs" / "ageing.md").read_text(encoding="utf-8")
    ledger_text = re.search(r"```beancount\n(.*?)```", text, re.S).group(1)
    table = re.search(r"```text\n(.*?)```", text, re.S).group(1)
    loaded = load(ledger_text)
    assert loaded.messages == []
    report = aged_receivables(loaded.book, datetime.date(2024, 4, 1))
    assert render(report) == table


def render(report) -> str:
    """A plain-text ageing table, as shown in the docs."""
    head = ["customer", "cur", *report.labels, "unalloc.", "total", "limit"]
    lines = []
    for row in report.rows:
        lines.append(
            [
                row.customer,
                row.currency,
                *(f"{n:.2f}" for n in row.buckets),
                f"{row.unallocated_total:.2f}",
                f"{row.total:.2f}",
                "OVER" if row.over_limit else "",
            ]
        )
    for total in report.totals:
        lines.append(
            [
                "TOTAL",
                total.currency,
                *(f"{n:.2f}" for n in total.buckets),
                f"{sum(total.unallocated):.2f}",
                f"{total.total:.2f}",
                "",
            ]
        )
    widths = [max(len(str(r[i])) for r in [head, *lines]) for i in range(len(head))]
    out = []
    for cells in [head, *lines]:
        parts = [
            str(c).ljust(w) if i < 2 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        out.append("  ".join(parts).rstrip())
    return "\n".join(out) + "\n"
