"""Benchmark (not a test): render time of each report page on a generated ledger.

    python tests/bench_fava.py                 # 100,000 orders
    python tests/bench_fava.py --orders 10000 --repeat 3 --keep /tmp/bench.beancount

Generates a ledger of N orders (with ``beancount_orders.demo`` when it is there, else
the small generator below), loads it in a real Fava (``create_app(...,
load=True)``), and prints, for every report page and beside it Fava's own
income statement (its page plus the JSON its frontend fetches), the time of
the first request and the median of the next ones (the pages share one book,
built while the ledger loads, so neither includes building it). pytest does not collect
this file (it is not named test_*.py).
"""

from __future__ import annotations

import argparse
import datetime
import gc
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PAGES = ["Orders", "Receivables", "Loyalty", "Margin", "Stock", "Credits", "FX"]


def simple_ledger(orders: int, seed: int = 1) -> Iterator[str]:
    """A compact order book: stock in, orders invoiced, dispatched and mostly paid,
    some credit orders and returns, loyalty points. Loads with zero errors."""
    rng = random.Random(seed)
    start = datetime.date(2022, 1, 3)
    days = max(60, orders // 100)
    items = [f"ITEM-{n:02d}" for n in range(30)]
    customers = [f"C{n:05d}" for n in range(max(4, orders // 25))]
    yield 'option "title" "Benchmark"'
    yield 'option "operating_currency" "GBP"'
    today = start + datetime.timedelta(days)
    yield f"plugin \"beancount_orders.orders\" \"{{'today': '{today}'}}\""
    yield f'{start} custom "fava-extension" "beancount_orders.fava_ext"'
    yield f"{start} open Assets:Bank:Current GBP"
    yield f'{start} open Assets:Inventory:Main "FIFO"'
    yield f'{start} custom "loyalty-program" "PKLP"'
    yield "  value: 0.01 GBP"
    yield "  expiry: 365"
    for item in items:
        yield f"{start} commodity {item}"
        yield "  tax: 0.20"
    for number, customer in enumerate(customers):
        yield f'{start} custom "customer" "{customer}" "Customer {number}"'
        yield "  terms: 30"
        if number % 3 == 0:
            yield '  program: "PKLP"'
    per_day = orders / days
    made = 0
    for day in range(days):
        date = start + datetime.timedelta(day)
        if day % 7 == 0:
            for item in items:
                cost = f"{rng.randint(100, 900) / 100:.2f}"
                yield f'{date} custom "stock-in" "PO-{day}-{item}" "{item}" 500 {cost} GBP'
                yield '  supplier: "acme-supply"'
        target = round((day + 1) * per_day)
        while made < min(target, orders):
            made += 1
            order = f"SO-{made}"
            customer = rng.choice(customers)
            later = date + datetime.timedelta(rng.randint(1, 5))
            yield f'{date} custom "order" "{order}" "{customer}"'
            lines = rng.sample(items, rng.randint(1, 3))
            for item in lines:
                qty = rng.randint(1, 5)
                yield f'{date} custom "line" "{order}" "{item}" {qty} 9.99 GBP'
            if rng.random() < 0.9:
                invoice = f"INV-{made}"
                yield f'{date} custom "dispatch" "{order}"'
                yield f'{date} custom "invoice" "{order}" "{invoice}"'
                if rng.random() < 0.8:
                    bank = "Assets:Bank:Current"
                    yield f'{later} custom "payment" "{invoice}" 10.00 GBP {bank}'
                if rng.random() < 0.03:
                    credit = f"CO-{made}"
                    yield f'{later} custom "credit-order" "{credit}" "{invoice}"'
                    back = f'"{lines[0]}" "return" 1 9.99 GBP'
                    yield f'{later} custom "credit-line" "{credit}" {back}'


def write_ledger(path: Path, orders: int, seed: int, simple: bool) -> str:
    """Write the ledger; returns the generator's name."""
    lines: Iterator[str] = simple_ledger(orders, seed)
    name = "tests/bench_fava.py simple_ledger"
    if not simple:
        try:
            from beancount_orders.demo import generate
        except ImportError:
            pass
        else:
            lines = generate(orders, seed)
            name = "beancount_orders.demo"
    with path.open("w") as out:
        for line in lines:
            out.write(line + "\n")
    return name


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100_000, help="orders to generate")
    parser.add_argument("--repeat", type=int, default=3, help="timed requests per page")
    parser.add_argument("--seed", type=int, default=1, help="generator seed")
    parser.add_argument(
        "--simple",
        action="store_true",
        help="use the small generator, not beancount_orders.demo",
    )
    parser.add_argument("--keep", type=Path, help="write the ledger here and keep it")
    args = parser.parse_args(argv)

    from fava.application import create_app

    from beancount_orders.book.postings import is_generated
    from beancount_orders.loading import load_book
    from beancount_orders.loading import plugin_config

    with tempfile.TemporaryDirectory() as temp:
        path = (args.keep or Path(temp) / "bench.beancount").resolve()
        seconds, name = timed(
            lambda: write_ledger(path, args.orders, args.seed, args.simple)
        )
        size = path.stat().st_size / 1e6
        print(f"ledger: {args.orders:,} orders from {name}, {size:.1f} MB, {seconds:.1f} s")

        seconds, app = timed(lambda: create_app([str(path)], load=True))
        ledger = app.config["LEDGERS"].ledgers[0]
        errors = len(ledger.errors)
        print(f"Fava load (Beancount, the plugin, the pages' book): {seconds:.1f} s")
        print(f"  {len(ledger.all_entries):,} entries, {errors} errors")
        own = [entry for entry in ledger.all_entries if not is_generated(entry)]
        options: dict[str, Any] = dict(ledger.options)
        config = plugin_config(options)
        build, _ = timed(lambda: load_book(own, config, options_map=options))
        print(f"  of which the engine (run once, by the plugin): about {build:.1f} s")

        client = app.test_client()
        slug = next(iter(app.config["LEDGERS"].ledgers_by_slug))
        targets: list[tuple[str, list[str]]] = [
            (page, [f"/{slug}/extension/{page}/"]) for page in PAGES
        ]
        targets.append(
            (
                "Fava income statement (page + data)",
                [f"/{slug}/income_statement/", f"/{slug}/api/income_statement"],
            )
        )

        def fetch(urls: list[str]) -> int:
            size = 0
            for url in urls:
                response = client.get(url)
                if response.status_code != 200:
                    raise SystemExit(f"{url}: HTTP {response.status_code}")
                size += len(response.data)
            return size

        print()
        print(f"{'page':<38} {'first (s)':>10} {'median (s)':>11} {'size (kB)':>10}")
        for label, urls in targets:
            gc.collect()  # so that no page pays for the load's garbage
            first, size_bytes = timed(lambda urls=urls: fetch(urls))  # type: ignore[misc]
            runs = [
                timed(lambda urls=urls: fetch(urls))[0]  # type: ignore[misc]
                for _ in range(args.repeat)
            ]
            median = statistics.median(runs) if runs else first
            print(f"{label:<38} {first:>10.3f} {median:>11.3f} {size_bytes / 1000:>10.0f}")


if __name__ == "__main__":
    main()
