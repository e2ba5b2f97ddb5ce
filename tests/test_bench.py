"""The load benchmark (tests/bench_load.py) at a small size: its figures agree.

The benchmark is a script, not a test, and its figures depend on the machine.
What must hold anywhere: it runs; each row describes the book it loaded; each
printed figure is the measurement it names, or follows from them (checked
against the raw measurements it writes with ``--json``); and the "expanded"
book it compares against is the same books written out as transactions.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from beancount import loader
from beancount.core import data

from beancount_orders.book import DIRECTIVE_TYPES
from beancount_orders.book.postings import is_generated
from beancount_orders.book.render import format_entries

ROOT = Path(__file__).resolve().parent.parent
SIZES = (100, 200)
HEADER = (
    "orders entries directives s expanded s ratio plugin s plugin % own s sys s "
    "peak MB expanded MB"
)


def _run_benchmark(out: Path) -> tuple[list[str], list[dict[str, Any]]]:
    raw = out / "measured.json"
    sizes = ",".join(str(size) for size in SIZES)
    command = [sys.executable, "tests/bench_load.py", "--sizes", sizes]
    result = subprocess.run(
        [*command, "--out", str(out), "--json", str(raw)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.splitlines(), json.loads(raw.read_text(encoding="utf-8"))


def _expected_row(measured: dict[str, Any]) -> list[str]:
    ours, theirs = measured["directives"], measured["expanded"]
    return [
        str(measured["orders"]),
        str(ours["entries"]),
        f"{ours['total']:.2f}",
        f"{theirs['total']:.2f}",
        f"{ours['total'] / theirs['total']:.2f}",
        f"{ours['plugin']:.2f}",
        f"{100 * ours['plugin'] / ours['total']:.1f}%",
        f"{ours['own']:.2f}",
        f"{ours['own_sys']:.2f}",
        f"{ours['peak_mb']:.0f}",
        f"{theirs['peak_mb']:.0f}",
    ]


def _transactions(entries: list[data.Directive]) -> list[str]:
    """Every transaction as Beancount prints it, in a stable order."""
    return sorted(
        format_entries([entry]) for entry in entries if isinstance(entry, data.Transaction)
    )


def test_benchmark_figures_are_the_measurements_of_the_same_books(
    tmp_path: Path,
) -> None:
    lines, measured = _run_benchmark(tmp_path)
    assert re.fullmatch(r"machine: \S+, \d+ cores, Python 3\.\d+\.\d+", lines[0])
    assert " ".join(lines[1].split()) == HEADER
    assert [entry["orders"] for entry in measured] == list(SIZES)
    for line, entry in zip(lines[2 : 2 + len(SIZES)], measured, strict=True):
        assert line.split() == _expected_row(entry)
        ours = entry["directives"]
        # Each figure is what it says: the plugin's logged time (whole
        # milliseconds) holds the function's own time, which holds its kernel
        # time (counted by the clock tick, up to 10 ms); all within the load.
        assert 0 <= ours["own_sys"] < ours["own"] + 0.01
        assert ours["own"] < ours["plugin"] + 0.001
        assert ours["plugin"] < ours["total"]
        assert ours["errors"] == entry["expanded"]["errors"] == 0
        # The row's entry count is the book's, loaded here with its plugin.
        ledger = tmp_path / f"demo-{entry['orders']}-1.beancount"
        loaded, errors, _ = loader.load_file(str(ledger))
        assert errors == []
        assert ours["entries"] == len(loaded)
        assert sum(is_generated(each) for each in loaded) > entry["orders"]
        # The expanded book is the same books written out: the ledger's own
        # entries without the order directives or the plugin, and the
        # generated transactions.
        expanded = tmp_path / f"demo-{entry['orders']}-1.expanded.beancount"
        text = expanded.read_text(encoding="utf-8")
        assert 'plugin "beancount_orders.orders"' not in text
        written, errors, _ = loader.load_file(str(expanded))
        assert errors == []
        assert not any(
            isinstance(each, data.Custom) and each.type in DIRECTIVE_TYPES
            for each in written
        )
        assert _transactions(loaded) == _transactions(written)
    small, large = (entry["directives"] for entry in measured)
    factor = large["total"] / small["total"]
    exponent = math.log(factor) / math.log(SIZES[1] / SIZES[0])
    plugin = large["plugin"] / small["plugin"]
    rest = (large["total"] - large["plugin"]) / (small["total"] - small["plugin"])
    expanded = measured[1]["expanded"]["total"] / measured[0]["expanded"]["total"]
    assert lines[2 + len(SIZES) :] == [
        f"growth {SIZES[0]} -> {SIZES[1]}: x{factor:.2f} for x2 orders "
        f"(exponent {exponent:.2f})",
        f"  plugin x{plugin:.2f}, rest of the load x{rest:.2f}, "
        f"expanded books x{expanded:.2f}",
    ]
