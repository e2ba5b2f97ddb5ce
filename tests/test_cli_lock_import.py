"""`bean-orders lock` and `bean-orders import`."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from beancount_orders.cli import main

DATA = Path(__file__).parent / "data" / "importers"

LEDGER = """\
plugin "beancount_orders.orders"
2024-01-01 custom "customer" "acme" "Acme Ltd"
2024-01-02 custom "order" "SO-1" "acme"
2024-01-02 custom "line" "SO-1" "WIDGET" 2 10.00 GBP
2024-01-05 custom "invoice" "SO-1" "INV-1"
2024-02-10 custom "payment" "INV-1" 20.00 GBP "card"
2024-03-01 custom "order" "SO-2" "acme"
"""


def run(*args: str) -> object:
    return CliRunner().invoke(main, list(args))


def test_lock_appends_a_digest_per_month_and_catches_a_change(tmp_path: Path) -> None:
    ledger = tmp_path / "books.beancount"
    ledger.write_text(LEDGER, encoding="utf-8")
    result = run("lock", str(ledger), "2024-02-29")
    assert result.exit_code == 0, result.output
    assert (
        result.output
        == f"{ledger}: locked 2 months (2024-01 to 2024-02) through 2024-02-29\n"
    )
    text = ledger.read_text(encoding="utf-8")
    lock = text[len(LEDGER) :]
    assert lock.startswith(
        '\n2024-02-29 custom "period-lock" 2024-02-29\n  digest-2024-01: "'
    )
    assert lock.count("digest-") == 2
    assert run("check", str(ledger)).exit_code == 0
    # An edit after the lock date passes; an edit inside it names the month.
    ledger.write_text(text + '2024-03-02 custom "line" "SO-2" "WIDGET" 1 10.00 GBP\n')
    assert run("check", str(ledger)).exit_code == 0
    ledger.write_text(text.replace("2 10.00 GBP", "3 10.00 GBP"), encoding="utf-8")
    result = run("check", str(ledger))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{ledger}:9: Period 2024-01 is locked (through 2024-02-29) and its entries have "
        "changed since: undo the change, or date it after the lock"
    ]


def test_lock_refuses_books_with_errors_and_the_future(tmp_path: Path) -> None:
    ledger = tmp_path / "books.beancount"
    ledger.write_text(LEDGER + '2024-01-06 custom "invoice" "SO-9" "INV-9"\n')
    result = run("lock", str(ledger), "2024-02-29")
    assert result.exit_code == 1
    assert "fix them before locking" in result.output
    assert "Unknown order" in result.output
    assert ledger.read_text() == LEDGER + '2024-01-06 custom "invoice" "SO-9" "INV-9"\n'
    ledger.write_text(LEDGER)
    result = run("lock", str(ledger), "2999-01-01")
    assert result.exit_code == 1
    assert "2999-01-01 is in the future: only the past can be locked" in result.output
    result = run("lock", str(ledger), "1999-01-01")
    assert result.exit_code == 1
    assert "no entries dated on or before 1999-01-01" in result.output
    result = run("lock", str(ledger), "31/01/2024")
    assert result.exit_code == 2
    assert "is not a date: expected YYYY-MM-DD" in result.output
    assert "Traceback" not in result.output


def test_import_identifies_and_extracts(tmp_path: Path) -> None:
    shopify = tmp_path / "orders_export.csv"
    stripe = tmp_path / "balance_history.csv"
    shutil.copy(DATA / "shopify_orders_export.csv", shopify)
    shutil.copy(DATA / "stripe_balance_history.csv", stripe)
    result = run("import", "identify", str(shopify), str(stripe))
    assert result.exit_code == 0, result.output
    assert "beancount_orders.importers.shopify.Importer" in result.output
    assert "beancount_orders.importers.stripe.Importer" in result.output
    result = run("import", "extract", str(shopify))
    assert result.exit_code == 0, result.output
    expected = (DATA / "shopify_orders_export.csv.beancount").read_text(encoding="utf-8")
    for line in expected.splitlines():
        if line.startswith("20") and "custom" in line:
            assert line in result.stdout


def test_import_reports_broken_rows_by_file_and_row(tmp_path: Path) -> None:
    broken = tmp_path / "orders_export.csv"
    shutil.copy(DATA / "shopify_orders_broken.csv", broken)
    result = CliRunner().invoke(main, ["import", "extract", str(broken)])
    assert f'{broken}:7: order #3002: Lineitem quantity "two" is not a number' in (
        result.stderr
    )


def test_import_bad_config() -> None:
    result = run("import", "--config", "{'x': 1}", "identify", str(DATA))
    assert result.exit_code == 2
    assert "unknown importer configuration key 'x'" in result.output
    result = run("import", "--config", "not a dict", "identify", str(DATA))
    assert result.exit_code == 2
    assert "is not a Python dict literal" in result.output
