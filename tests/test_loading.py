"""One engine run per load: the plugin hands its book to the CLI and to Fava.

The plugin leaves its book in the options map of the load
(:mod:`beancount_orders.loading`); the command line and the Fava pages read it
there instead of running the engine again. A load from Beancount's pickle
cache runs no plugin, so the book is built once after it, never taken stale
from the cache.
"""

from __future__ import annotations

import concurrent.futures
import copy
import functools
import importlib
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from beancount import loader
from click.testing import CliRunner
from fava.application import create_app

from beancount_orders import cli
from beancount_orders import loading
from beancount_orders.book import Book
from beancount_orders.book import engine
from beancount_orders.book.render import format_entries
from beancount_orders.fava_ext import serve
from tests.helpers import dedent

SHOP = Path(__file__).parent / "data" / "fava" / "shop.beancount"
PAGES = ("Orders", "Receivables", "Loyalty", "Margin", "Stock", "Credits", "FX")

BOOKS = dedent(
    """
    plugin "beancount_orders.orders"
    2024-01-01 open Assets:Bank GBP
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 9.99 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-06 custom "payment" "INV-1" 35.96 GBP Assets:Bank
    2024-01-07 custom "order" "SO-2" "acme"
    2024-01-07 custom "line" "SO-2" "GADGET" 1 10.00 GBP
    2024-01-08 custom "invoice" "SO-2" "INV-2"
    """
)


@pytest.fixture
def engine_runs(monkeypatch: pytest.MonkeyPatch) -> list[Book]:
    """The books the engine built, in order, whichever module called it."""
    real = engine.build_book
    books: list[Book] = []

    def counting(*args: Any, **kwargs: Any) -> Book:
        book = real(*args, **kwargs)
        books.append(book)
        return book

    for name, module in list(sys.modules.items()):
        ours = name.split(".")[0] == "beancount_orders"
        if ours and getattr(module, "build_book", None) is real:
            monkeypatch.setattr(module, "build_book", counting)
    return books


def shop_copy(folder: Path, *, plugin: bool = True) -> Path:
    """The Fava tests' shop ledger (every kind of directive), in ``folder``."""
    text = SHOP.read_text(encoding="utf-8")
    if not plugin:
        lines = text.splitlines(keepends=True)
        text = "".join(line for line in lines if not line.startswith("plugin "))
        assert "beancount_orders.orders" not in text
    path = folder / "shop.beancount"
    path.write_text(text, encoding="utf-8")
    return path


# -- the command line ---------------------------------------------------------

COMMANDS = [
    "check LEDGER",
    "expand LEDGER",
    "expand LEDGER --order SO-2",
    "report orders LEDGER",
    "report orders LEDGER --customer bob --format json",
    "report ageing LEDGER --as-of 2024-06-30",
    "report loyalty LEDGER",
    "report margin LEDGER --group item",
    "report stock LEDGER --format csv",
    "report credits LEDGER",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_runs_the_engine_once(
    command: str, engine_runs: list[Book], tmp_path: Path
) -> None:
    path = shop_copy(tmp_path)
    words = [str(path) if word == "LEDGER" else word for word in command.split()]
    result = CliRunner().invoke(cli.main, words)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 1, result.output  # the shop's one error
    assert "shop.beancount:134: Dispatch for order" in result.stdout + result.stderr
    assert len(engine_runs) == 1  # the plugin's run, within Beancount's load


def test_check_reports_the_plugins_book(engine_runs: list[Book], tmp_path: Path) -> None:
    (tmp_path / "books.beancount").write_text(BOOKS, encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["check", str(tmp_path / "books.beancount")])
    assert result.exit_code == 0, result.output
    assert result.stderr.endswith(": 0 errors (2 orders, 2 invoices, 1 payment)\n")
    assert len(engine_runs) == 1


def test_report_reads_the_plugins_book(engine_runs: list[Book], tmp_path: Path) -> None:
    path = tmp_path / "books.beancount"
    path.write_text(BOOKS, encoding="utf-8")
    loaded = cli.Loaded(path)
    assert len(engine_runs) == 1
    assert loaded.book is engine_runs[0]  # the very book the plugin built
    result = CliRunner().invoke(cli.main, ["report", "orders", str(path)])
    assert result.exit_code == 0, result.output
    assert "SO-1" in result.stdout
    assert "SO-2" in result.stdout
    assert len(engine_runs) == 2  # one more load, one more run


def test_a_ledger_without_the_plugin_is_booked_once_by_the_cli(
    engine_runs: list[Book], tmp_path: Path
) -> None:
    path = shop_copy(tmp_path, plugin=False)
    loaded = cli.Loaded(path)
    assert engine_runs == []
    book = loaded.book
    assert loaded.book is book
    assert len(engine_runs) == 1
    assert "SO-1" in book.orders  # its directives, under the default configuration


# -- Fava -----------------------------------------------------------------------


def fava_client(path: Path) -> tuple[Any, Any, str]:
    """Fava's app on ``path``, its test client and the ledger's slug."""
    app = create_app([str(path.resolve())], load=True)
    slug = next(iter(app.config["LEDGERS"].ledgers_by_slug))
    return app, app.test_client(), slug


def test_fava_runs_the_engine_once_per_load(
    engine_runs: list[Book], tmp_path: Path
) -> None:
    path = shop_copy(tmp_path)
    app, client, slug = fava_client(path)
    assert len(engine_runs) == 1  # the plugin's; seven pages' after_load_file run none
    for page in PAGES:
        response = client.get(f"/{slug}/extension/{page}/")
        assert response.status_code == 200, page
    assert len(engine_runs) == 1
    # The ledger changes: Fava loads it again, and the plugin makes a new book.
    ledger = app.config["LEDGERS"].ledgers[0]
    path.write_text(
        path.read_text(encoding="utf-8") + '\n2024-06-30 custom "order" "SO-8" "bob"\n',
        encoding="utf-8",
    )
    ledger.load_file()
    assert len(engine_runs) == 2
    text = client.get(f"/{slug}/extension/Orders/").get_data(as_text=True)
    assert "SO-8" in text
    assert len(engine_runs) == 2


def test_fava_books_a_ledger_without_the_plugin_once_per_load(
    engine_runs: list[Book], tmp_path: Path
) -> None:
    path = shop_copy(tmp_path, plugin=False)
    app, client, slug = fava_client(path)
    assert len(engine_runs) == 1  # in after_load_file, for all seven pages
    for page in PAGES:
        assert client.get(f"/{slug}/extension/{page}/").status_code == 200, page
    assert len(engine_runs) == 1
    app.config["LEDGERS"].ledgers[0].load_file()
    assert len(engine_runs) == 2


def test_fava_pages_render_alike_from_many_threads(tmp_path: Path) -> None:
    """The book is shared by the server's threads without a lock: reading it
    from eight threads at once gives the very pages that one thread gives."""
    app, _, slug = fava_client(shop_copy(tmp_path))
    urls = [f"/{slug}/extension/{page}/?partial=true" for page in PAGES]
    urls += [f"/{slug}/extension/Loyalty/?time=2024-0{month}" for month in range(1, 7)]
    urls += [f"/{slug}/extension/Receivables/?as_of=2024-0{m}-28" for m in range(1, 7)]

    def fetch(url: str) -> str:
        response = app.test_client().get(url)
        assert response.status_code == 200, url
        return str(response.get_data(as_text=True))

    expected = {url: fetch(url) for url in urls}
    assert {url: fetch(url) for url in urls} == expected  # pages are deterministic
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        pages = list(pool.map(fetch, urls * 8))
    assert pages == [expected[url] for url in urls * 8]


def test_serve_app_runs_the_engine_once(engine_runs: list[Book], tmp_path: Path) -> None:
    path = shop_copy(tmp_path)
    client = serve.create_app(path).test_client()
    for page in PAGES:
        assert client.get(f"/shop/extension/{page}/").status_code == 200, page
    assert len(engine_runs) == 1


# -- the hand-off and Beancount's pickle cache -------------------------------------


@pytest.fixture
def cached_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    """``loader.load_file`` with its pickle cache on, for loads of any duration."""
    cache_name = functools.partial(loader.get_cache_filename, loader.PICKLE_CACHE_FILENAME)
    cached = loader.pickle_cache_function(cache_name, 0, loader._uncached_load_file)
    monkeypatch.setattr(loader, "_load_file", cached)


def expanded(book: Book) -> str:
    return format_entries(book.expanded())


def test_a_load_from_the_pickle_cache_builds_the_book_again(
    cached_loads: None, engine_runs: list[Book], tmp_path: Path
) -> None:
    path = tmp_path / "books.beancount"
    path.write_text(BOOKS, encoding="utf-8")
    entries, errors, options = loader.load_file(str(path))
    assert errors == []
    assert (tmp_path / ".books.beancount.picklecache").exists()
    assert len(engine_runs) == 1
    first = loading.book_from_loaded(entries, options)
    assert first is engine_runs[0]

    # From the cache: no plugin runs, and the book is built (once) from the entries.
    entries, errors, options = loader.load_file(str(path))
    assert errors == []
    assert len(engine_runs) == 1
    assert isinstance(options[loading.HANDOFF_KEY], loading.Handoff)
    assert options[loading.HANDOFF_KEY].book is None
    again = loading.book_from_loaded(entries, options)
    assert len(engine_runs) == 2
    assert again is not first
    assert expanded(again) == expanded(first)
    assert sorted(again.orders) == ["SO-1", "SO-2"]
    assert again.orders["SO-1"].paid_status is first.orders["SO-1"].paid_status
    assert loading.book_from_loaded(entries, options) is again
    assert len(engine_runs) == 2

    # The ledger changes: the cache is stale, the plugin runs, the book is new.
    path.write_text(BOOKS + '2024-01-09 custom "order" "SO-3" "acme"\n', encoding="utf-8")
    entries, errors, options = loader.load_file(str(path))
    assert errors == []
    assert len(engine_runs) == 3
    assert sorted(loading.book_from_loaded(entries, options).orders) == [
        "SO-1",
        "SO-2",
        "SO-3",
    ]
    assert len(engine_runs) == 3


def test_the_cli_is_not_fooled_by_a_pickle_cache(
    cached_loads: None, engine_runs: list[Book], tmp_path: Path
) -> None:
    path = tmp_path / "books.beancount"
    path.write_text(BOOKS, encoding="utf-8")
    loader.load_file(str(path))  # leaves a cache file beside the ledger
    path.write_text(BOOKS.replace("35.96 GBP", "30.00 GBP"), encoding="utf-8")
    result = CliRunner().invoke(
        cli.main, ["report", "orders", "--format", "csv", str(path)]
    )
    assert result.exit_code == 0, result.output
    assert ",30.00," in result.stdout  # the paid column, as the ledger says now


def test_the_hand_off_pickles_and_copies_without_the_book(
    engine_runs: list[Book],
) -> None:
    _, errors, options = loader.load_string(BOOKS)
    assert errors == []
    holder = options[loading.HANDOFF_KEY]
    assert holder.book is engine_runs[0]
    assert repr(holder) == "<beancount_orders book: 2 orders>"
    for restored in (
        pickle.loads(pickle.dumps(options))[loading.HANDOFF_KEY],
        copy.deepcopy(options)[loading.HANDOFF_KEY],
        copy.copy(holder),
    ):
        assert isinstance(restored, loading.Handoff)
        assert restored.book is None
        assert repr(restored) == "<beancount_orders book: none>"
    assert copy.copy(options)[loading.HANDOFF_KEY] is holder  # the same load


def test_a_plugin_that_fails_hands_over_no_book(
    monkeypatch: pytest.MonkeyPatch, engine_runs: list[Book]
) -> None:
    def crash(*args: Any, **kwargs: Any) -> Book:
        raise RuntimeError("boom")

    monkeypatch.setattr(loading, "build_book", crash)
    entries, errors, options = loader.load_string(BOOKS)
    assert [error.message for error in errors][:1] == [
        "Internal error in beancount_orders.orders (please report it): RuntimeError: "
        "boom; no order postings were generated"
    ]
    assert options[loading.HANDOFF_KEY].book is None
    monkeypatch.undo()
    book = loading.book_from_loaded(entries, options)
    assert sorted(book.orders) == ["SO-1", "SO-2"]


def test_the_fallback_serves_only_the_entries_it_was_built_from() -> None:
    entries, _, options = loader.load_string(BOOKS.replace("plugin ", "; plugin "))
    assert loading.HANDOFF_KEY not in options
    book = loading.book_from_loaded(entries, options)
    assert loading.book_from_loaded(entries, options) is book
    fewer = [entry for entry in entries if entry.date.day < 7]  # without SO-2
    other = loading.book_from_loaded(fewer, options)
    assert other is not book
    assert sorted(other.orders) == ["SO-1"]


# -- the engine package stays pure ----------------------------------------------------


def test_the_engine_package_holds_no_loading_glue() -> None:
    book = importlib.import_module("beancount_orders.book")
    for name in ("Book", "build_book", "DIRECTIVE_TYPES", "Config", "OrdersError"):
        assert hasattr(book, name), name
    for name in ("Status", "parse_config"):
        assert hasattr(book, name), name
    for name in ("load_book", "book_from_loaded", "PLUGIN_NAME", "plugin_config"):
        assert not hasattr(book, name), name
        assert hasattr(loading, name), name
    code = (
        "import sys, beancount_orders.book\n"
        "print(' '.join(sorted(name for name in sys.modules if name.split('.')[0] in "
        "('fava', 'flask', 'click', 'jinja2', 'werkzeug', 'beangulp') or name == "
        "'beancount_orders.loading')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
