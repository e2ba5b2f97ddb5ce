"""Period locks: once a period is locked, any change to its entries is an error.

The ledger below has two months to lock (January and February 2024) and a
March that stays open. The lock is computed as ``bean-orders lock`` computes it:
``lock_text(THROUGH, digests(entries, THROUGH))`` over the loaded entries,
written and generated, and appended to the ledger. Then every kind of change
inside the locked months must be reported, exactly, at the lock's line, and
the changes the lock allows (after its date, moves of text between files and
lines) must not.
"""

from __future__ import annotations

import datetime
import textwrap
from pathlib import Path

import pytest
from beancount import loader
from click.testing import CliRunner

from beancount_orders import cli
from beancount_orders.book.locks import digests
from beancount_orders.book.locks import lock_text
from tests.helpers import Loaded
from tests.helpers import load

THROUGH = datetime.date(2024, 2, 29)

LEDGER = textwrap.dedent(
    """\
    plugin "beancount_orders.orders"
    option "booking_method" "FIFO"

    2024-01-01 open Assets:Bank:Current
    2024-01-01 open Expenses:Rent
    2024-01-01 open Expenses:Office
    2024-01-01 custom "loyalty-program" "PKLP"
      value: 0.10 GBP
    2024-01-01 custom "customer" "acme" "Acme Ltd"
      program: "PKLP"
    2024-01-02 custom "stock-in" "PO-1" "WIDGET" 10 4.00 GBP
      supplier: "widgetco"
    2024-01-03 * "Wholesaler" "Cash purchase"
      Assets:Inventory:Main  5 WIDGET {5.00 GBP, "CASH-1"}
      Assets:Bank:Current
    2024-01-10 custom "order" "SO-1" "acme"
    2024-01-10 custom "line" "SO-1" "WIDGET" 12 10.00 GBP
      tax: 0.20
    2024-01-15 custom "invoice" "SO-1" "INV-1" "WIDGET" 8
    2024-01-16 custom "dispatch" "SO-1" "WIDGET" 8
    2024-01-25 custom "payment" "INV-1" 50.00 GBP "card"
    2024-02-05 custom "dispatch" "SO-1" "WIDGET" 4
    2024-02-10 custom "invoice" "SO-1" "INV-2"
    2024-02-12 custom "redeem" "SO-1" 50 PKLP
    2024-02-20 custom "payment" "INV-1" 46.00 GBP Assets:Bank:Current
    2024-02-25 * "Landlord" "Rent for February"
      Expenses:Rent  100.00 GBP
      Assets:Bank:Current
    2024-03-05 custom "payment" "INV-2" 20.00 GBP "card"
    2024-03-10 custom "stock-in" "PO-2" "WIDGET" 5 4.50 GBP
      supplier: "widgetco"
    """
)


def lock(text: str, through: datetime.date = THROUGH) -> str:
    """The ledger with the lock ``bean-orders lock`` appends, computed from its
    loaded entries (written and generated)."""
    loaded = load(text)
    assert loaded.messages == []
    return text + "\n" + lock_text(through, digests(loaded.entries, through))


LOCKED = lock(LEDGER)


def lock_line(text: str) -> int:
    lines = [n for n, line in enumerate(text.splitlines(), 1) if "period-lock" in line]
    assert len(lines) == 1
    return lines[0]


def changed(month: str, through: datetime.date = THROUGH) -> str:
    return (
        f"Period {month} is locked (through {through}) and its entries have changed "
        "since: undo the change, or date it after the lock"
    )


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def test_the_locked_ledger_loads_cleanly():
    loaded = load(LOCKED)
    assert loaded.messages == []
    assert LOCKED.endswith(
        '2024-02-29 custom "period-lock" 2024-02-29\n'
        f'  digest-2024-01: "{digests(loaded.entries, THROUGH)["2024-01"]}"\n'
        f'  digest-2024-02: "{digests(loaded.entries, THROUGH)["2024-02"]}"\n'
    )
    # The lock covers the generated entries too: they are in the digests.
    assert len(loaded.transactions) >= 8


# (id, old text, new text, the months reported)
MUTATIONS = [
    # Amounts.
    ("amount of a directive", '50.00 GBP "card"', '55.00 GBP "card"', ["2024-01"]),
    (
        "amount of a written posting",
        "Expenses:Rent  100.00",
        "Expenses:Rent  120.00",
        ["2024-02"],
    ),
    (
        "quantity of an order line (INV-2 bills the rest)",
        '"WIDGET" 12 10.00',
        '"WIDGET" 13 10.00',
        ["2024-01", "2024-02"],
    ),
    # Accounts.
    (
        "account of a directive (payment method)",
        '50.00 GBP "card"',
        '50.00 GBP "cash"',
        ["2024-01"],
    ),
    (
        "account of a written posting",
        "  Expenses:Rent  100.00",
        "  Expenses:Office  100.00",
        ["2024-02"],
    ),
    (
        "account of a payment written as an account",
        "46.00 GBP Assets:Bank:Current",
        '46.00 GBP "card"',
        ["2024-02"],
    ),
    # Dates.
    (
        "date moved within its month",
        '2024-01-25 custom "payment"',
        '2024-01-26 custom "payment"',
        ["2024-01"],
    ),
    (
        "date moved to another locked month",
        '2024-01-25 custom "payment"',
        '2024-02-01 custom "payment"',
        ["2024-01", "2024-02"],
    ),
    (
        "date moved out of the locked months",
        '2024-01-25 custom "payment"',
        '2024-03-15 custom "payment"',
        ["2024-01"],
    ),
    (
        "date of a written transaction moved out",
        '2024-02-25 * "Landlord"',
        '2024-03-25 * "Landlord"',
        ["2024-02"],
    ),
    (
        "date moved into the locked months",
        '2024-03-05 custom "payment"',
        '2024-02-28 custom "payment"',
        ["2024-02"],
    ),
    # Deletions.
    (
        "deleted directive",
        '2024-02-20 custom "payment" "INV-1" 46.00 GBP Assets:Bank:Current\n',
        "",
        ["2024-02"],
    ),
    (
        "deleted written transaction",
        '2024-02-25 * "Landlord" "Rent for February"\n  Expenses:Rent  100.00 GBP\n'
        "  Assets:Bank:Current\n",
        "",
        ["2024-02"],
    ),
    ("deleted metadata", "  tax: 0.20\n", "", ["2024-01", "2024-02"]),
    # Insertions.
    (
        "inserted directive",
        "2024-03-05 custom",
        '2024-02-15 custom "payment" "acme" 5.00 GBP "card"\n2024-03-05 custom',
        ["2024-02"],
    ),
    (
        "inserted written transaction",
        "2024-03-05 custom",
        '2024-01-20 * "Landlord" "Deposit"\n  Expenses:Rent  10.00 GBP\n'
        "  Assets:Bank:Current\n2024-03-05 custom",
        ["2024-01"],
    ),
    (
        "inserted metadata",
        '2024-01-10 custom "order" "SO-1" "acme"\n',
        '2024-01-10 custom "order" "SO-1" "acme"\n  po: "PO-77"\n',
        ["2024-01"],
    ),
    (
        "inserted open",
        "2024-01-01 open Expenses:Rent\n",
        "2024-01-01 open Expenses:Rent\n2024-02-01 open Expenses:Travel\n",
        ["2024-02"],
    ),
    # Directives whose generated postings change inside the lock.
    (
        "stock cost changes the dispatches' cost of goods",
        '"WIDGET" 10 4.00 GBP',
        '"WIDGET" 10 4.10 GBP',
        ["2024-01", "2024-02"],
    ),
    (
        "written purchase cost changes a dispatch's cost of goods",
        "{5.00 GBP, ",
        "{5.50 GBP, ",
        ["2024-01", "2024-02"],
    ),
    (
        "a tax rate changes the invoices",
        "  tax: 0.20\n",
        "  tax: 0.15\n",
        ["2024-01", "2024-02"],
    ),
    ("a redemption changes the points earned", "50 PKLP", "40 PKLP", ["2024-02"]),
    (
        "a credit order dated after the lock posts on its invoice's date",
        "2024-03-10 custom",
        '2024-03-08 custom "credit-order" "CO-1" "INV-1"\n  credit-date: "invoice"\n'
        '2024-03-08 custom "credit-line" "CO-1" "WIDGET" "credit" 1 10.00 GBP\n'
        "2024-03-10 custom",
        ["2024-01"],
    ),
    (
        "the plugin's configuration changes the generated accounts",
        'plugin "beancount_orders.orders"\n',
        "plugin \"beancount_orders.orders\" \"{'sales': 'Income:Sales:Shop'}\"\n",
        ["2024-01", "2024-02"],
    ),
    (
        "the booking method changes the lots a dispatch takes",
        'option "booking_method" "FIFO"',
        'option "booking_method" "LIFO"',
        ["2024-01", "2024-02"],
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "months"),
    [pytest.param(old, new, months, id=name) for name, old, new, months in MUTATIONS],
)
def test_a_change_in_a_locked_month_is_reported(old, new, months):
    text = edit(LOCKED, old, new)
    loaded = load(text)
    line = lock_line(text)
    assert loaded.messages == [(line, changed(month)) for month in months]


def test_the_mutations_are_valid_books_of_their_own():
    """Each changed ledger is fine without the lock: only the lock objects."""
    for name, old, new, _ in MUTATIONS:
        assert load(edit(LEDGER, old, new)).messages == [], name


# Changes the lock allows: (id, old text, new text).
ALLOWED = [
    ("amount after the lock", '"INV-2" 20.00 GBP', '"INV-2" 25.00 GBP'),
    ("account after the lock", '"INV-2" 20.00 GBP "card"', '"INV-2" 20.00 GBP "cash"'),
    (
        "deletion after the lock",
        '2024-03-10 custom "stock-in" "PO-2" "WIDGET" 5 4.50 GBP\n  supplier: "widgetco"\n',
        "",
    ),
    (
        "insertion after the lock",
        "2024-03-10 custom",
        '2024-03-01 custom "payment" "acme" 5.00 GBP "card"\n2024-03-10 custom',
    ),
    (
        "date moved within the open month",
        '2024-03-05 custom "payment"',
        '2024-03-31 custom "payment"',
    ),
    (
        "an invoice after the lock",
        "2024-03-10 custom",
        '2024-03-09 custom "order" "SO-2" "acme"\n'
        '2024-03-09 custom "line" "SO-2" "WIDGET" 2 10.00 GBP\n'
        '2024-03-09 custom "invoice" "SO-2" "INV-3"\n'
        '2024-03-09 custom "dispatch" "SO-2"\n2024-03-10 custom',
    ),
    (
        "a credit order after the lock, posted on its own date",
        "2024-03-10 custom",
        '2024-03-08 custom "credit-order" "CO-1" "INV-1"\n'
        '2024-03-08 custom "credit-line" "CO-1" "WIDGET" "return" 1 10.00 GBP\n'
        "2024-03-10 custom",
    ),
    (
        "new loyalty rates from after the lock",
        "2024-03-10 custom",
        '2024-03-06 custom "loyalty-program" "PKLP"\n  value: 0.20 GBP\n  earn: 2\n'
        "2024-03-10 custom",
    ),
    (
        "blank lines and comments",
        '2024-01-10 custom "order"',
        '; orders\n\n2024-01-10 custom "order"',
    ),
]


@pytest.mark.parametrize(
    ("old", "new"), [pytest.param(old, new, id=name) for name, old, new in ALLOWED]
)
def test_a_change_after_the_lock_passes(old, new):
    assert load(edit(LOCKED, old, new)).messages == []


def test_reordering_lines_passes():
    """The digests depend on what the entries say, not where they are written."""
    blocks = LOCKED.split("\n2024-")
    head, body = blocks[0], blocks[1:]
    shuffled = head + "".join("\n2024-" + block for block in reversed(body))
    assert shuffled != LOCKED
    assert sorted(filter(None, shuffled.splitlines())) == sorted(
        filter(None, LOCKED.splitlines())
    )
    assert load(shuffled).messages == []


def load_file(path: Path) -> Loaded:
    loader.initialize(use_cache=False)
    entries, errors, options = loader.load_file(str(path))
    return Loaded(entries, errors, options)


def test_moving_text_between_files_passes(tmp_path):
    """Directives and transactions moved into an included file change nothing."""
    moved = [
        '2024-01-25 custom "payment" "INV-1" 50.00 GBP "card"\n',
        '2024-02-25 * "Landlord" "Rent for February"\n  Expenses:Rent  100.00 GBP\n'
        "  Assets:Bank:Current\n",
        '2024-01-02 custom "stock-in" "PO-1" "WIDGET" 10 4.00 GBP\n'
        '  supplier: "widgetco"\n',
    ]
    main = LOCKED
    for text in moved:
        main = edit(main, text, "")
    main = edit(
        main, "\n\n2024-01-01 open", '\ninclude "part.beancount"\n\n2024-01-01 open'
    )
    (tmp_path / "main.beancount").write_text(main, encoding="utf-8")
    (tmp_path / "part.beancount").write_text("\n".join(moved), encoding="utf-8")
    loaded = load_file(tmp_path / "main.beancount")
    assert loaded.messages == []
    assert {entry.meta["filename"] for entry in loaded.entries} >= {
        str(tmp_path / "main.beancount"),
        str(tmp_path / "part.beancount"),
    }
    # A change in the included file is still a change.
    (tmp_path / "part.beancount").write_text(
        "\n".join(moved).replace("50.00 GBP", "51.00 GBP"), encoding="utf-8"
    )
    loaded = load_file(tmp_path / "main.beancount")
    assert loaded.messages == [(lock_line(main), changed("2024-01"))]


def test_the_lock_in_an_included_file(tmp_path):
    """The lock may live in a file of its own; the error is at its line there."""
    lock_directive = LOCKED[len(LEDGER) :]
    (tmp_path / "locks.beancount").write_text(lock_directive, encoding="utf-8")
    main = LEDGER + '\ninclude "locks.beancount"\n'
    (tmp_path / "main.beancount").write_text(main, encoding="utf-8")
    assert load_file(tmp_path / "main.beancount").messages == []
    (tmp_path / "main.beancount").write_text(
        edit(main, "46.00 GBP", "45.00 GBP"), encoding="utf-8"
    )
    loaded = load_file(tmp_path / "main.beancount")
    assert [
        (e.source["filename"], e.source["lineno"], e.message) for e in loaded.errors
    ] == [
        (str(tmp_path / "locks.beancount"), lock_line(lock_directive), changed("2024-02"))
    ]


MID_MONTH = datetime.date(2024, 2, 15)


def test_a_mid_month_lock_locks_that_month_up_to_its_date():
    locked = lock(LEDGER, MID_MONTH)
    assert load(locked).messages == []
    assert "digest-2024-02" in locked
    # After the lock's date, the same month is open ...
    later = edit(
        locked,
        "2024-03-05 custom",
        '2024-02-16 custom "payment" "acme" 5.00 GBP "card"\n'
        '2024-02-28 custom "payment" "acme" 6.00 GBP "card"\n2024-03-05 custom',
    )
    assert load(later).messages == []
    # ... on and before it, it is locked.
    on = edit(
        locked,
        "2024-03-05 custom",
        '2024-02-15 custom "payment" "acme" 5.00 GBP "card"\n2024-03-05 custom',
    )
    assert load(on).messages == [(lock_line(on), changed("2024-02", MID_MONTH))]
    # The February entries after the lock's date may change; those before may not.
    assert load(edit(locked, "46.00 GBP", "45.00 GBP")).messages == []
    redeemed = edit(locked, "50 PKLP", "40 PKLP")
    assert load(redeemed).messages == [(lock_line(redeemed), changed("2024-02", MID_MONTH))]


def test_every_lock_is_checked():
    """A later lock does not replace an earlier one: each reports its months."""
    both = lock(LOCKED, datetime.date(2024, 3, 31))
    assert load(both).messages == []
    lines = [n for n, line in enumerate(both.splitlines(), 1) if "period-lock" in line]
    assert len(lines) == 2
    text = edit(both, '50.00 GBP "card"', '51.00 GBP "card"')
    assert load(text).messages == [
        (lines[0], changed("2024-01")),
        (lines[1], changed("2024-01", datetime.date(2024, 3, 31))),
    ]
    # A change in March is caught by the second lock only.
    text = edit(both, '"INV-2" 20.00 GBP', '"INV-2" 25.00 GBP')
    assert load(text).messages == [
        (lines[1], changed("2024-03", datetime.date(2024, 3, 31)))
    ]


def test_an_empty_month_is_locked_too():
    """A month with no entries at all is locked as empty: an entry added to it is
    reported."""
    text = edit(LEDGER, '2024-03-05 custom "payment"', '2024-03-30 custom "payment"')
    text = text.replace("2024-02-", "2024-03-")
    locked = lock(text)
    assert "digest-2024-02" in locked
    inserted = edit(
        locked,
        "2024-03-30 custom",
        '2024-02-14 custom "payment" "acme" 5.00 GBP "card"\n2024-03-30 custom',
    )
    assert load(inserted).messages == [(lock_line(inserted), changed("2024-02"))]


INVALID = (
    'Invalid "period-lock": expected a THROUGH date and digest-YYYY-MM metadata, as '
    "written by bean-orders lock"
)


@pytest.mark.parametrize(
    "directive",
    [
        '2024-02-29 custom "period-lock" "2024-02-29"\n  digest-2024-01: "00"\n',
        '2024-02-29 custom "period-lock" 2024-02-29\n',
        '2024-02-29 custom "period-lock" 2024-02-29 2024-03-31\n  digest-2024-01: "00"\n',
        '2024-02-29 custom "period-lock" 2024-02-29\n  locked-2024-01: "00"\n',
        '2024-02-29 custom "period-lock" 29\n  digest-2024-01: "00"\n',
    ],
    ids=["string date", "no digests", "two dates", "misnamed digest", "number"],
)
def test_a_malformed_lock_is_an_error(directive):
    text = LEDGER + "\n" + directive
    assert load(text).messages == [(lock_line(text), INVALID)]


def test_a_wrong_digest_is_reported():
    text = LEDGER + '\n2024-02-29 custom "period-lock" 2024-02-29\n  digest-2024-01: "00"\n'
    assert load(text).messages == [(lock_line(text), changed("2024-01"))]


def test_the_lock_command(tmp_path):
    """``bean-orders lock LEDGER THROUGH`` appends the lock computed here; it refuses
    a ledger with errors and leaves it as it was."""
    if "lock" not in getattr(cli.main, "commands", {}):
        pytest.skip("bean-orders lock is not there yet")
    path = tmp_path / "books.beancount"
    path.write_text(LEDGER, encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["lock", str(path), str(THROUGH)])
    assert result.exit_code == 0, result.output
    text = path.read_text(encoding="utf-8")
    assert text.startswith(LEDGER)
    assert lock_text(THROUGH, digests(load(LEDGER).entries, THROUGH)) in text
    assert load_file(path).messages == []
    broken = LEDGER + '2024-03-20 custom "invoice" "SO-404" "INV-9"\n'
    path.write_text(broken, encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["lock", str(path), str(THROUGH)])
    assert result.exit_code != 0
    assert path.read_text(encoding="utf-8") == broken
