"""Benchmark: order directives against the same books written out as transactions.

For each size it generates demo books (``beancount_orders.demo``), writes the same books
pre-expanded (the ledger's own entries without the order directives, plus the
``bean-orders expand`` output, no plugin), and loads each cold in a fresh
process (``BEANCOUNT_DISABLE_LOAD_CACHE=1``: parse + book + plugins +
validation). It prints, per size: both load times, their ratio, the plugin's
time as Beancount's loader logs it and its share of the load, the time of the
plugin function alone ("own s": the loader's log also holds the sort of all
entries that it does after every plugin) and the part of it spent in the
kernel ("sys s", mostly faulting in new memory), peak memory, and the growth
exponent between sizes, split into the plugin's growth, the growth of the rest
of the same load (Beancount's own work) and that of the expanded books.

    python tests/bench_load.py                 # 1,000, 10,000 and 100,000 orders
    python tests/bench_load.py --sizes 1000,10000 --repeat 3

Generated books go to ``bench-out/`` (git-ignored; ``--out DIR`` elsewhere) and
are reused when present.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench-out"

MEASURE = r"""
import json, re, resource, sys, time
from beancount import loader
import beancount_orders.orders
# The plugin function's own time, without what the loader does around it (it
# sorts all the entries after every plugin, inside the plugin's log timing),
# and the part of it spent in the kernel (mostly faulting in new memory).
own = [0.0, 0.0]
orders = beancount_orders.orders.orders
def timed(*args):
    start = time.perf_counter()
    kernel = resource.getrusage(resource.RUSAGE_SELF).ru_stime
    try:
        return orders(*args)
    finally:
        own[0] += time.perf_counter() - start
        own[1] += resource.getrusage(resource.RUSAGE_SELF).ru_stime - kernel
beancount_orders.orders.orders = timed
timings = {}
def log(line):
    match = re.match(r"Operation: '([^']+)'\s+Time:\s+(\d+) ms", line.strip())
    if match:
        timings[match.group(1)] = int(match.group(2)) / 1000
start = time.perf_counter()
entries, errors, options = loader.load_file(sys.argv[1], log_timings=log)
total = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"total": total, "plugin": timings.get("beancount_orders.orders", 0.0),
                  "own": own[0], "own_sys": own[1],
                  "parse": timings.get("parse", 0.0),
                  "booking": timings.get("booking", 0.0),
                  "entries": len(entries), "errors": len(errors), "peak_mb": peak}))
"""

EXPAND = r"""
import re, sys
from beancount import loader
from beancount_orders.book import DIRECTIVE_TYPES
from beancount_orders.book.postings import is_generated
from beancount_orders.book.render import format_entries
source, target = sys.argv[1], sys.argv[2]
entries, errors, options = loader.load_file(source)
assert not errors, errors[:3]
kept, skipping = [], False
for line in open(source, encoding="utf-8").read().splitlines():
    match = re.match(r'\d{4}-\d\d-\d\d custom "([a-z-]+)"', line)
    if match:
        skipping = match.group(1) in DIRECTIVE_TYPES
    elif not line.startswith(" "):
        skipping = False
    if line.startswith('plugin "beancount_orders.orders"') or "fava-extension" in line:
        continue
    if not skipping:
        kept.append(line)
with open(target, "w", encoding="utf-8") as out:
    out.write("\n".join(kept) + "\n")
    out.write(format_entries([e for e in entries if is_generated(e)]))
"""


def run(code: str, *args: str) -> str:
    env = dict(os.environ, BEANCOUNT_DISABLE_LOAD_CACHE="1")
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"benchmark step failed:\n{result.stderr[-2000:]}")
    return result.stdout


def books(orders: int, seed: int, out: Path = OUT) -> tuple[Path, Path]:
    out.mkdir(exist_ok=True)
    ledger = out / f"demo-{orders}-{seed}.beancount"
    expanded = out / f"demo-{orders}-{seed}.expanded.beancount"
    if not ledger.exists():
        from beancount_orders.demo import generate

        with ledger.open("w", encoding="utf-8") as handle:
            for line in generate(orders, seed):
                handle.write(line + "\n")
    if not expanded.exists():
        run(EXPAND, str(ledger), str(expanded))
    return ledger, expanded


def measure(path: Path, repeat: int) -> dict[str, float]:
    runs = [json.loads(run(MEASURE, str(path))) for _ in range(repeat)]
    best = min(runs, key=lambda result: result["total"])
    if best["errors"]:
        raise SystemExit(f"{path} loads with {best['errors']} errors")
    return best


def split_growth(small: dict[str, Any], large: dict[str, Any]) -> str:
    """How each part of the load grew: the plugin (as logged), the rest of the
    same load (Beancount's parse, booking, other plugins and validation), and
    the expanded books' whole load."""

    def parts(entry: dict[str, Any]) -> tuple[float, float, float]:
        ours = entry["directives"]
        return ours["plugin"], ours["total"] - ours["plugin"], entry["expanded"]["total"]

    before, after = parts(small), parts(large)
    plugin, rest, expanded = (new / old for new, old in zip(after, before, strict=True))
    return (
        f"plugin x{plugin:.2f}, rest of the load x{rest:.2f}, "
        f"expanded books x{expanded:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="1000,10000,100000", help="comma-separated numbers of orders"
    )
    parser.add_argument("--seed", type=int, default=1, help="demo generator seed")
    parser.add_argument(
        "--repeat", type=int, default=1, help="loads per book; the fastest counts"
    )
    parser.add_argument(
        "--out", type=Path, default=OUT, help="where the books are written and reused"
    )
    parser.add_argument(
        "--json",
        type=Path,
        help="also write each size's measurements (the fastest load of each book) here",
    )
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    sys.path.insert(0, str(ROOT))
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    header = (
        f"{'orders':>8} {'entries':>9} {'directives s':>12} {'expanded s':>10} "
        f"{'ratio':>6} {'plugin s':>9} {'plugin %':>8} {'own s':>6} {'sys s':>6} "
        f"{'peak MB':>8} "
        f"{'expanded MB':>11}"
    )
    print(header)
    totals = {}
    measured = []
    for size in sizes:
        ledger, expanded = books(size, args.seed, args.out)
        ours = measure(ledger, args.repeat)
        theirs = measure(expanded, args.repeat)
        totals[size] = ours["total"]
        measured.append({"orders": size, "directives": ours, "expanded": theirs})
        print(
            f"{size:>8} {ours['entries']:>9} {ours['total']:>12.2f} "
            f"{theirs['total']:>10.2f} "
            f"{ours['total'] / theirs['total']:>6.2f} {ours['plugin']:>9.2f} "
            f"{100 * ours['plugin'] / ours['total']:>7.1f}% {ours['own']:>6.2f} "
            f"{ours['own_sys']:>6.2f} "
            f"{ours['peak_mb']:>8.0f} "
            f"{theirs['peak_mb']:>11.0f}",
            flush=True,
        )
    by_size = {entry["orders"]: entry for entry in measured}
    for small, large in itertools.pairwise(sizes):
        exponent = math.log(totals[large] / totals[small]) / math.log(large / small)
        print(
            f"growth {small} -> {large}: x{totals[large] / totals[small]:.2f} "
            f"for x{large / small:.0f} orders (exponent {exponent:.2f})"
        )
        print("  " + split_growth(by_size[small], by_size[large]))
    if args.json:
        args.json.write_text(json.dumps(measured, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
