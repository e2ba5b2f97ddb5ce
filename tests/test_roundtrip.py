"""The expand round trip: the generated text is the plugin, written out.

For each ledger: ``bean-orders expand LEDGER`` (with the opens) plus the
ledger's own text without its ``plugin "beancount_orders.orders"`` line, loaded with no
plugin at all, must give every account exactly the balance that the ledger
gives with the plugin, and both loads must be free of errors.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import data
from beancount.core import inventory
from beancount.core import realization
from beancount.parser import printer
from click.testing import CliRunner

from beancount_orders import cli
from beancount_orders.book import DIRECTIVE_TYPES

ROOT = Path(__file__).resolve().parent.parent
LEDGERS = [
    ROOT / "ledgers" / "example.beancount",
    ROOT / "tests" / "data" / "cli" / "roundtrip.beancount",
]
PLUGIN_LINE = re.compile(
    r'^[ \t]*plugin[ \t]+"beancount_orders\.orders"[^\n]*\n?', re.MULTILINE
)


def balances(entries: data.Directives) -> dict[str, inventory.Inventory]:
    """Every account's final balance (empty ones too), including closed accounts."""
    root = realization.realize(entries)
    return {
        real.account: real.balance
        for real in realization.iter_children(root)
        if real.account  # the root
    }


def error_text(errors: list[data.BeancountError]) -> str:
    buffer = io.StringIO()
    printer.print_errors(errors, file=buffer)
    return buffer.getvalue()


def expand(path: Path) -> str:
    result = CliRunner().invoke(cli.main, ["expand", "--opens", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return result.stdout


@pytest.mark.parametrize("path", LEDGERS, ids=[path.name for path in LEDGERS])
def test_expand_round_trip(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing"
    text = path.read_text(encoding="utf-8")
    without_plugin, count = PLUGIN_LINE.subn("", text)
    assert count == 1, f"{path.name} must load the plugin exactly once"

    loader.initialize(use_cache=False)
    entries, errors, _ = loader.load_file(str(path))
    assert not errors, error_text(errors)

    generated = expand(path)
    assert generated.strip(), "the ledger generates nothing: the round trip proves nothing"
    # Relative include lines resolve against the working directory.
    monkeypatch.chdir(path.parent)
    combined = without_plugin + "\n\n" + generated
    plain_entries, plain_errors, plain_options = loader.load_string(combined)
    assert not plain_errors, error_text(plain_errors)
    names = [name for name, _ in plain_options["plugin"]]
    assert "beancount_orders.orders" not in names

    with_plugin = balances(entries)
    written_out = balances(plain_entries)
    assert sorted(written_out) == sorted(with_plugin)
    for account, balance in with_plugin.items():
        assert written_out[account] == balance, account
        assert written_out[account].to_string() == balance.to_string(), account
    # Not vacuous: the plugin's accounts carry money.
    assert any(not balance.is_empty() for balance in with_plugin.values())


def test_roundtrip_ledger_exercises_the_plugin() -> None:
    """The rich ledger really goes through every order directive."""
    path = LEDGERS[1]
    loader.initialize(use_cache=False)
    entries, errors, _ = loader.load_file(str(path))
    assert not errors, error_text(errors)
    used = {entry.type for entry in entries if isinstance(entry, data.Custom)}
    assert used == DIRECTIVE_TYPES
    generated = expand(path)
    assert generated.count(" open ") == 18  # with GRNI and input tax
    assert generated.count(' * "') == 44  # an allocate's record among them
    # Lots are written out in full: cost, date and label.
    assert '-3 WIDGET {4.00 GBP, 2024-01-01, "B1"}' in generated
