"""Fuzzed ledgers through every face: the plugin, ``expand``, every report in every
format, and every Fava page.

Hypothesis draws a ledger from three parts:

* a valid random order history (the builder of tests/test_properties.py);
* malformed directives between its entries (the templates of
  tests/test_robustness.py);
* blocks of hostile but allowed values: numbers just under 10^15 and with 12
  decimal places, zero prices and amounts, names, ids, reasons, suppliers,
  locations and methods with HTML markup, quotes, backslashes, newlines and
  unicode, and empty optional metadata (``reason: ""``, ``po: ""`` ...).

Each ledger is written to a temporary file and run through

* the plugin (Beancount's loader): no error may be an internal one, and every
  error prints;
* ``bean-orders check`` and ``bean-orders expand`` (in process, click's
  CliRunner), whose output must parse as Beancount;
* every ``bean-orders report`` kind in every ``--format`` (with drawn options):
  the CSV must parse as CSV and the JSON as JSON;
* every Fava extension page (one Fava app per ledger, its test client), with no
  query, with a drawn time filter and with drawn page options.

To keep a few hundred ledgers within a few minutes, the commands share the one
load of the ledger (its parsing and the plugin's run) instead of each loading it
again, and the Fava apps share their compiled templates.

Nothing may raise: a command exits 0, or 1 for a ledger with errors or with a
clean click error message, and never shows a traceback or an internal error;
every page answers 200.

Below the property, the smallest ledgers it found breaking a face go through
every face one by one.

``FUZZ_FACES_EXAMPLES`` sets the number of ledgers (default 300, what CI runs);
the run is derandomized (the same ledgers every time) unless ``FUZZ_RANDOM`` is
set. The test asserts (and prints) how many ledgers it ran.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
import json
import os
import tempfile
import time
import traceback
from collections.abc import Callable
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from unittest import mock

import flask
import jinja2
import pytest
from beancount import loader
from beancount.parser import parser
from beancount.parser import printer
from click.testing import CliRunner
from click.testing import Result
from fava.application import create_app
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import note
from hypothesis import settings
from hypothesis import strategies as st

from beancount_orders.cli import main
from tests.test_properties import START
from tests.test_properties import Builder
from tests.test_properties import actions
from tests.test_robustness import NAMES
from tests.test_robustness import Context
from tests.test_robustness import insert

EXAMPLES = int(os.environ.get("FUZZ_FACES_EXAMPLES", "300"))
RANDOM = bool(os.environ.get("FUZZ_RANDOM"))

PAGES = (
    "Orders",
    "Receivables",
    "Loyalty",
    "Margin",
    "Stock",
    "Credits",
    "FX",
    "Purchases",
    "Tax",
)
REPORTS = (
    "ageing",
    "credits",
    "fx",
    "loyalty",
    "margin",
    "orders",
    "stock",
    "purchases",
    "payables",
    "tax",
)
FORMATS = ("table", "csv", "json")

# -- hostile values ------------------------------------------------------------------

TEXTS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    'Zoë & "Æsir" \N{EM DASH} 北京 🎉',
    "{{ 7 * 7 }} {% if x %} ${x} %s %(x)s",
    "",
    " ",
    "\N{RIGHT-TO-LEFT OVERRIDE}evil\N{ZERO WIDTH SPACE}",
    "back\\slash\\",
    "two\nlines",
    "x" * 400,
    "'; DROP TABLE orders; --",
    "a b",
    "a-b",  # the same account component as "a b"
    "Main",
)
# Document ids: letters, digits and -_/. only; a suffix after the block's own prefix.
ID_SUFFIXES = ("", "/../x", ".", "_-_", "9" * 60, "/")
QTYS = (
    "1",
    "3",
    "0.5",
    "0.000000000001",
    "123456789.123456789012",
    "999999999999.999999999999",
    "999999999999999",
)
MONEY = (
    "0",
    "0.00",
    "0.01",
    "19.99",
    "0.000000000001",
    "0.123456789012",
    "123456789012.34",
    "999999999999999",
    "999999999999999.99",
)
RATES = ("0.20", "0.175", "0", "0.000000000001", "0.999999999999", "1", "999999999999999")
POINTS = ("1", "40", "12.5", "0.000000000001", "999999999999999", "-999999999999999")
DAYS = ("0", "30", "999999999999999")
METHODS = ('"card"', '"credit"', "Assets:Bank:Current", '"CREDIT"')
ITEMS = ("WIDGET", "GADGET", "HUGE")
TITLES = ("Fuzz", "<b>Fuzz</b> & Zoë", "\N{SNOWMAN}", "")
TIME_FILTERS = (
    "2024",
    "2024-02",
    "2024-01-15 - 2024-03-31",
    "2024-Q2",
    "2023",
    "2031-06",
    "someday",
)
EXISTING_ORDER = "@@ORDER@@"
EXISTING_INVOICE = "@@INVOICE@@"


def q(text: str) -> str:
    """``text`` as a Beancount string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def texts() -> st.SearchStrategy[str]:
    return st.sampled_from(TEXTS)


def maybe(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str | None]:
    return st.none() | strategy


@dataclasses.dataclass
class Block:
    """A drawn block of hostile directives, dated from ``start`` on."""

    start: int  # days after START
    lines: list[tuple[int, str, list[tuple[str, str]]]]  # (day step, text, meta)

    def render(self, serial: int, ctx: Context) -> list[str]:
        day = START + datetime.timedelta(days=self.start)
        out = []
        for step, written, meta in self.lines:
            day += datetime.timedelta(days=step)
            text = written.replace("@@N@@", str(serial))
            text = text.replace(EXISTING_ORDER, q(ctx.order(serial)))
            text = text.replace(EXISTING_INVOICE, q(ctx.invoice(serial)))
            out.append(f"{day} custom {text}")
            out.extend(f"  {key}: {value}" for key, value in meta)
        return out


@st.composite
def hostile_blocks(draw: Callable[[st.SearchStrategy[Any]], Any]) -> Block:
    """A customer with hostile names, an order of hostile lines and what may follow."""
    lines: list[tuple[int, str, list[tuple[str, str]]]] = []

    def add(kind: str, values: str, **meta: st.SearchStrategy[str | None]) -> None:
        drawn = [(key.replace("_", "-"), draw(value)) for key, value in meta.items()]
        step = draw(st.sampled_from((0, 0, 1, 2)))
        lines.append((step, f'"{kind}" {values}', [(k, v) for k, v in drawn if v]))

    def text_meta() -> st.SearchStrategy[str | None]:
        return maybe(texts().map(q))

    def amount(pool: Sequence[str] = MONEY) -> str:
        return f"{draw(st.sampled_from(pool))} GBP"

    prefix = "H@@N@@" + draw(st.sampled_from(ID_SUFFIXES))
    customer = q(draw(texts()))
    order, invoice = q(f"{prefix}-SO"), q(f"{prefix}-INV")
    add(
        "customer",
        f"{customer} {q(draw(texts()))}",
        program=maybe(st.just('"PKLP"')),
        terms=maybe(st.sampled_from(DAYS)),
        credit_limit=maybe(st.sampled_from(MONEY).map(lambda n: f"{n} GBP")),
        account=maybe(st.sampled_from(('""', '"Zoë"', '"Ok"'))),
    )
    if draw(st.booleans()):
        add(
            "stock-in",
            f"{q(prefix + '-PO')} {q(draw(st.sampled_from(ITEMS)))} "
            f"{draw(st.sampled_from(QTYS))} {amount()}",
            supplier=texts().map(q),
            batch=text_meta(),
            location=text_meta(),
        )
    add(
        "order",
        f"{order} {customer}",
        po=text_meta(),
        rep=text_meta(),
        source=text_meta(),
        location=text_meta(),
        terms=maybe(st.sampled_from(DAYS)),
    )
    items = draw(st.lists(st.sampled_from(ITEMS), min_size=1, max_size=3, unique=True))
    for item in items:
        add(
            "line",
            f"{order} {q(item)} {draw(st.sampled_from(QTYS))} {amount()}",
            tax=maybe(st.sampled_from(RATES)),
            description=text_meta(),
        )
    if draw(st.booleans()):
        add("redeem", f"{order} {draw(st.sampled_from(POINTS))} PKLP")
    if draw(st.booleans()):
        add("commit", order, location=text_meta())
    if draw(st.booleans()):
        add("cancel", f"{order} {q(items[0])} {draw(st.sampled_from(QTYS))}")
    invoiced = draw(st.booleans())
    if invoiced:
        add("invoice", f"{order} {invoice}", due=maybe(st.just("2024-12-31")))
    if draw(st.booleans()):
        add("dispatch", order, location=text_meta(), batch=text_meta())
    for _ in range(draw(st.integers(0, 2))):
        ref = draw(st.sampled_from((order, invoice, customer, EXISTING_ORDER)))
        add(
            "payment",
            f"{ref} {amount()} {draw(st.sampled_from((*METHODS, *map(q, TEXTS))))}",
            id=maybe(st.sampled_from(('""', q(f"{prefix}-P"), '"<p>"'))),
        )
    if invoiced and draw(st.booleans()):
        co = q(f"{prefix}-CO")
        full = draw(st.booleans())
        types = maybe(st.sampled_from(('"return"', '"credit"', '""')))
        add(
            "credit-order",
            f"{co} {invoice}",
            full=st.just("TRUE") if full else st.none(),
            type=types if full else st.none(),
            reason=text_meta(),
            status=maybe(st.sampled_from(('""', '"READY"', '"OPEN"'))),
            credit_date=maybe(st.sampled_from(('""', '"invoice"'))),
        )
        if not full:
            for item in draw(st.lists(st.sampled_from(items), min_size=1, unique=True)):
                kind = draw(st.sampled_from(('"credit"', '"return"')))
                add(
                    "credit-line",
                    f"{co} {q(item)} {kind} {draw(st.sampled_from(QTYS))} {amount()}",
                    location=text_meta(),
                )
    if draw(st.booleans()):
        add(
            "return",
            f"{q(prefix + '-R')} {order} {q(items[0])} {draw(st.sampled_from(QTYS))}",
            condition=maybe(st.sampled_from(('"damaged"', '""', '"<b>"'))),
            location=text_meta(),
        )
    if draw(st.booleans()):
        add(
            "credit",
            f"{q(prefix + '-CR')} {customer} {amount()}",
            reason=text_meta(),
            invoice=maybe(st.sampled_from(('""', invoice))),
        )
    if draw(st.booleans()):
        add(
            "credit-memo",
            f"{q(prefix + '-M')} {customer} {amount()}",
            reason=text_meta(),
            invoice=maybe(st.sampled_from(('""', invoice))),
        )
    if draw(st.booleans()):
        add(
            "refund",
            f"{customer} {amount()} {draw(st.sampled_from(METHODS))}",
            **{"from": maybe(st.sampled_from(('""', '"receivable"')))},
            order=maybe(st.sampled_from(('""', order))),
        )
    if draw(st.booleans()):
        add(
            "loyalty-adjust",
            f"{customer} {draw(st.sampled_from(POINTS))} PKLP",
            reason=text_meta(),
        )
    if draw(st.booleans()):
        add("allocate", f"{q(prefix + '-P')} {invoice} {amount()}")
    if draw(st.booleans()):  # a hostile credit of an invoice of the valid history
        co = q(f"{prefix}-XCO")
        add("credit-order", f"{co} {EXISTING_INVOICE}", reason=text_meta())
        kind = draw(st.sampled_from(('"credit"', '"return"')))
        add(
            "credit-line",
            f"{co} {q(draw(st.sampled_from(ITEMS)))} {kind} "
            f"{draw(st.sampled_from(QTYS))} {amount()}",
        )
    return Block(draw(st.integers(0, 200)), lines)


@dataclasses.dataclass
class Fuzzed:
    """A drawn ledger: a valid history, malformed directives and hostile blocks."""

    history: list[Any]
    prices_include_tax: bool
    expiry: int | None
    reverse: bool
    malformed: list[tuple[int, int, int]]
    blocks: list[Block]
    title: str
    huge_name: str
    huge_tax: str

    def text(self) -> str:
        builder = Builder(self.prices_include_tax, self.expiry, self.reverse)
        built = builder.build(self.history)
        ctx = Context(
            [order.id for order in builder.orders],
            [invoice.id for invoice in builder.invoices],
            built.end,
        )
        text, _, _ = insert(built.text, ctx, self.malformed)
        header = [
            f"option {q('title')} {q(self.title)}",
            'option "operating_currency" "GBP"',
            f'{START} custom "fava-extension" "beancount_orders.fava_ext"',
            f"{START} commodity HUGE",
            f"  name: {q(self.huge_name)}",
            f"  tax: {self.huge_tax}",
        ]
        hostile = [line for n, b in enumerate(self.blocks) for line in b.render(n, ctx)]
        return "\n".join([*header, text, *hostile]) + "\n"


fuzzed_ledgers = st.builds(
    Fuzzed,
    history=st.lists(actions, min_size=3, max_size=30),
    prices_include_tax=st.booleans(),
    expiry=st.sampled_from([None, 20, 90]),
    reverse=st.booleans(),
    malformed=st.lists(
        st.tuples(
            st.integers(0, len(NAMES) - 1), st.integers(0, 10**6), st.integers(0, 10**6)
        ),
        max_size=5,
    ),
    blocks=st.lists(hostile_blocks(), max_size=3),
    title=st.sampled_from(TITLES),
    huge_name=texts(),
    huge_tax=st.sampled_from(RATES),
)

# Drawn options of the reports, by kind (each run in every format).
REPORT_OPTIONS: dict[str, tuple[tuple[str, ...], ...]] = {
    "ageing": (
        (),
        ("--basis", "due"),
        ("--as-of", "2024-03-31"),
        ("--as-of", "2023-01-01", "--buckets", "0,7,14"),
        ("--section", "items"),
    ),
    "credits": (
        (),
        ("--start", "2024-02-01", "--end", "2024-03-31"),
        ("--section", "balances"),
    ),
    "loyalty": (
        (),
        ("--start", "2024-02-01", "--end", "2024-02-29"),
        ("--section", "months"),
    ),
    "margin": (
        (),
        ("--group", "item"),
        ("--group", "customer"),
        ("--group", "month", "--start", "2024-01-15"),
        ("--section", "movements"),
    ),
    "orders": (
        (),
        ("--status", "open"),
        ("--status", "paid:partial"),
        ("--customer", "<script>alert(1)</script>"),
        ("--customer", "c1", "--end", "2024-02-01"),
    ),
    "stock": ((), ("--item", "HUGE"), ("--section", "uncosted")),
    "fx": ((), ("--as-of", "2024-02-29"), ("--section", "totals")),
    "purchases": (
        (),
        ("--as-of", "2024-03-31", "--status", "open"),
        ("--section", "months"),
    ),
    "payables": (
        (),
        ("--by", "due"),
        ("--as-of", "2023-01-01", "--buckets", "0,7,14"),
        ("--section", "items"),
    ),
    "tax": (
        (),
        ("--period", "quarter"),
        ("--start", "2024-02-01", "--section", "documents"),
    ),
}
# Drawn options of the pages, by page.
PAGE_OPTIONS: dict[str, tuple[dict[str, str], ...]] = {
    "Orders": (
        {"customer": "c1"},
        {"status": "paid:none"},
        {"customer": "<b>"},
        {"per_page": "1", "page": "3"},
    ),
    "Receivables": (
        {"basis": "due"},
        {"as_of": "2024-02-29", "buckets": "0,10,20"},
        {"as_of": "2023-01-01"},
        {"buckets": "5,1"},
    ),
    "Loyalty": ({"per_page": "1", "page": "2"}, {"page": "999999999999"}),
    "Margin": ({"group": "item"}, {"group": "customer"}, {"group": "month"}),
    "Stock": ({"per_page": "2"}, {"page": "2"}),
    "Credits": ({"per_page": "1", "page": "2"}, {"credit_orders_page": "2"}),
    "FX": ({"as_of": "2024-02-29"}, {"as_of": "2023-01-01", "per_page": "1"}),
    "Purchases": (
        {"by": "due"},
        {"as_of": "2024-02-29", "status": "paid:none"},
        {"as_of": "2023-01-01", "per_page": "1"},
    ),
    "Tax": ({"period": "quarter"}, {"period": "year"}, {"per_page": "1", "page": "2"}),
}


@dataclasses.dataclass(frozen=True)
class Options:
    """The drawn options of the reports and pages for one ledger."""

    reports: dict[str, tuple[str, ...]]
    pages: dict[str, dict[str, str]]
    time: str


options_strategy = st.builds(
    Options,
    reports=st.fixed_dictionaries(
        {kind: st.sampled_from(choices) for kind, choices in REPORT_OPTIONS.items()}
    ),
    pages=st.fixed_dictionaries(
        {page: st.sampled_from(choices) for page, choices in PAGE_OPTIONS.items()}
    ),
    time=st.sampled_from(TIME_FILTERS),
)

# -- the faces -----------------------------------------------------------------------


class MemoryCache(jinja2.BytecodeCache):
    """Compiled templates kept in memory."""

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self.store.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


# Fava builds a Flask app (with its own Jinja environment) per ledger; the compiled
# templates are shared between them, which changes nothing that is rendered.
SHARED_TEMPLATES = MemoryCache()


@dataclasses.dataclass
class Tally:
    ledgers: int = 0
    with_errors: int = 0
    cli_runs: int = 0
    requests: int = 0
    seconds: float = 0.0


TALLY = Tally()


def describe(result: Result) -> str:
    detail = result.output[-3000:]
    if result.exc_info and not isinstance(result.exception, SystemExit):
        detail += "".join(traceback.format_exception(*result.exc_info))
    return detail


def run_cli(args: list[str], has_errors: bool) -> Result:
    """Run ``bean-orders ARGS`` in process; it may only exit 0 or fail cleanly."""
    result = CliRunner().invoke(main, args)
    TALLY.cli_runs += 1
    command = "bean-orders " + " ".join(args[:-1])
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{command} raised:\n{describe(result)}"
    )
    assert "Traceback" not in result.output, f"{command}:\n{describe(result)}"
    assert "Internal error" not in result.output, f"{command}:\n{describe(result)}"
    if result.exit_code != 0:
        assert result.exit_code == 1, f"{command}: exit {result.exit_code}\n{result.output}"
        assert has_errors or "Error: " in result.stderr, (
            f"{command} failed on a ledger without errors:\n{result.output}"
        )
    return result


LoadResult = tuple[list[Any], list[Any], dict[str, Any]]


def through_plugin(path: Path) -> LoadResult:
    """Load the ledger with the plugin: no internal error, and everything prints."""
    loaded: LoadResult = loader.load_file(str(path))
    entries, errors, _ = loaded
    internal = [e.message for e in errors if "Internal error" in str(e.message)]
    assert not internal, internal
    assert all(error.source is not None for error in errors)
    printer.print_errors(errors, file=io.StringIO())  # type: ignore[no-untyped-call]
    printer.print_entries(entries, file=io.StringIO())  # type: ignore[no-untyped-call]
    return loaded


def through_cli(path: Path, options: Options, loaded: LoadResult) -> None:
    """Every command on the ledger. The commands share the one load of the ledger
    (Beancount's parsing and the plugin's run, ``through_plugin``) instead of each
    loading it again: everything after the load runs as it does for a user."""
    has_errors = bool(loaded[1])

    def load_file(filename: str, *args: Any, **kwargs: Any) -> LoadResult:
        assert Path(filename) == path and not args and not kwargs
        return loaded

    with mock.patch.object(loader, "load_file", load_file):
        run_cli(["check", str(path)], has_errors)
        expanded = run_cli(["expand", str(path)], has_errors)
        _, syntax, _ = parser.parse_string(expanded.stdout)
        assert not syntax, f"expand printed text that does not parse: {syntax[:3]}"
        for kind in REPORTS:
            for output in FORMATS:
                args = ["report", kind, *options.reports[kind], "--format", output]
                result = run_cli([*args, str(path)], has_errors)
                if result.exit_code and "Error: " in result.stderr:
                    continue  # a clean click error: no report
                if output == "json":
                    json.loads(result.stdout)
                elif output == "csv":
                    rows = list(csv.reader(io.StringIO(result.stdout)))
                    assert rows, f"report {kind} printed no CSV header"


def through_fava(path: Path, options: Options) -> None:
    # The polling watcher: Fava's default starts a watchfiles thread per app that
    # is never stopped, and hundreds of apps run out of file handles.
    app = create_app([str(path)], load=True, poll_watcher=True)
    app.jinja_env.bytecode_cache = SHARED_TEMPLATES
    raised: list[str] = []

    def keep(_sender: object, exception: BaseException, **_: object) -> None:
        raised.append("".join(traceback.format_exception(exception)))

    flask.got_request_exception.connect(keep, app)
    client = app.test_client()
    slug = app.config["LEDGERS"].first_slug()
    for page in PAGES:
        for query in ({}, {"time": options.time}, options.pages[page]):
            raised.clear()
            response = client.get(f"/{slug}/extension/{page}/", query_string=query)
            TALLY.requests += 1
            assert response.status_code == 200, (
                f"page {page} {query}: HTTP {response.status_code}\n{''.join(raised)}"
            )


def through_every_face(text: str, options: Options) -> None:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "fuzz.beancount").resolve()
        path.write_text(text, encoding="utf-8")
        loaded = through_plugin(path)
        through_cli(path, options, loaded)
        through_fava(path, options)
    TALLY.ledgers += 1
    TALLY.with_errors += bool(loaded[1])
    TALLY.seconds += time.perf_counter() - started


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not RANDOM,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(ledger=fuzzed_ledgers, options=options_strategy)
def run_fuzzed_ledgers(ledger: Fuzzed, options: Options) -> None:
    text = ledger.text()
    note(f"The ledger:\n{text}")
    through_every_face(text, options)


def test_fuzzed_ledgers_through_plugin_expand_reports_and_pages() -> None:
    before = TALLY.ledgers
    run_fuzzed_ledgers()
    ran = TALLY.ledgers - before
    print(
        f"\n{ran} fuzzed ledgers ({TALLY.with_errors} with errors) through the plugin, "
        f"{TALLY.cli_runs} commands and {TALLY.requests} page requests "
        f"in {TALLY.seconds:.1f} s"
    )
    assert ran >= EXAMPLES


# -- the smallest ledgers the fuzzing found breaking a face ---------------------------

PLAIN = Options(
    reports=dict.fromkeys(REPORTS, ()),
    pages={page: {} for page in PAGES},
    time="2024",
)
HEADER = """\
option "title" "Hostile"
plugin "beancount_orders.orders" "{'today': '2024-06-30'}"
2024-01-01 custom "fava-extension" "beancount_orders.fava_ext"
2024-01-01 custom "customer" "c1" "C1"
"""
HOSTILE = {
    # An order line worth 10^30: the order's total cannot be rounded to the cent
    # in Python's default decimal context (28 digits), so the orders report and
    # the Orders page raise InvalidOperation.
    "line worth 10^30": """\
2024-01-02 custom "order" "SO-1" "c1"
2024-01-02 custom "line" "SO-1" "WIDGET" 999999999999999 999999999999999.99 GBP
""",
    # The same line invoiced: an internal error on the invoice.
    "invoice worth 10^30": """\
2024-01-02 custom "order" "SO-1" "c1"
2024-01-02 custom "line" "SO-1" "WIDGET" 999999999999999 999999999999999.99 GBP
2024-01-03 custom "invoice" "SO-1" "INV-1"
""",
    # The same line with one unit cancelled: an internal error on the cancel.
    "cancel of a line worth 10^30": """\
2024-01-02 custom "order" "SO-1" "c1"
2024-01-02 custom "line" "SO-1" "WIDGET" 999999999999999 999999999999999.99 GBP
2024-01-03 custom "cancel" "SO-1" "WIDGET" 1
""",
    # A receipt worth 10^30: an internal error on the stock-in.
    "stock-in worth 10^30": """\
2024-01-02 custom "stock-in" "PO-1" "WIDGET" 999999999999999 999999999999999.99 GBP
  supplier: "s"
""",
    # Terms just under 10^15 days: the due date overflows (OverflowError) on the
    # invoice.
    "terms of 10^15 days": """\
2024-01-02 custom "order" "SO-1" "c1"
  terms: 999999999999999
2024-01-02 custom "line" "SO-1" "WIDGET" 1 10.00 GBP
2024-01-03 custom "invoice" "SO-1" "INV-1"
""",
    # A batch label with a quote or a backslash: expand prints the lot as
    # {1.00 GBP, 2024-01-02, "a "quoted" label"}, which Beancount cannot parse.
    "lot label with a quote": """\
2024-01-02 custom "stock-in" "PO-1" "WIDGET" 2 1.00 GBP
  supplier: "s"
  batch: "a \\"quoted\\" label"
""",
    "lot label with a backslash": """\
2024-01-02 custom "stock-in" "PO-1" "WIDGET" 2 1.00 GBP
  supplier: "s"
  batch: "back\\\\slash\\\\"
""",
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_ledger_through_every_face(name: str) -> None:
    through_every_face(HEADER + HOSTILE[name], PLAIN)
