"""The ``bean-orders`` command line: the order books from a terminal and CI.

Commands::

    bean-orders check LEDGER      every error as file:line: message; exit 1 on errors;
                                  markup in names as file:line: warning: message
    bean-orders expand LEDGER     the entries the plugin generates, as Beancount text
    bean-orders report REPORT LEDGER
                                  orders, ageing, loyalty, margin, stock or credits
                                  as a table, CSV or JSON
    bean-orders demo OUT          write a generated ledger (--orders N --seed S)
    bean-orders diff REV [REV2] --ledger FILE
                                  the generated entries that changed between revisions
    bean-orders serve LEDGER      Fava with the order book pages on 127.0.0.1

The commands only load the ledger (with its plugins) and print what the order
book engine (:mod:`beancount_orders.book`) and the report functions
(:mod:`beancount_orders.reports`,
the same ones the Fava pages call) computed; they hold no bookkeeping logic of
their own. The layout of reports is in :mod:`beancount_orders.clitables`, the loading of
git revisions in :mod:`beancount_orders.gitdiff`. Problems with the command line or the
ledger file itself (missing, unreadable, not UTF-8, an unknown ``--order``) are
reported as one-line ``Error:`` messages with a non-zero exit status, never as
a traceback.
"""

from __future__ import annotations

import datetime
import difflib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from typing import TypeVar

import click
from beancount.core import data

from beancount_orders.book import Book
from beancount_orders.book import locks
from beancount_orders.book.render import format_entries
from beancount_orders.cli_check import MarkupWarning
from beancount_orders.cli_check import check
from beancount_orders.cli_check import markup_warnings
from beancount_orders.cli_ledger import LEDGER
from beancount_orders.cli_ledger import Loaded
from beancount_orders.cli_ledger import check_readable
from beancount_orders.cli_ledger import echo_errors
from beancount_orders.cli_ledger import format_error
from beancount_orders.cli_ledger import plural
from beancount_orders.cli_ledger import sorted_errors
from beancount_orders.cliformat import FORMATS
from beancount_orders.cliformat import Document
from beancount_orders.cliformat import render
from beancount_orders.clitables import SECTIONS
from beancount_orders.clitables import ageing_document
from beancount_orders.clitables import credits_document
from beancount_orders.clitables import loyalty_document
from beancount_orders.clitables import margin_document
from beancount_orders.clitables import orders_document
from beancount_orders.clitables import stock_document
from beancount_orders.demo import generate
from beancount_orders.gitdiff import DiffError
from beancount_orders.gitdiff import diff as compare
from beancount_orders.reports.ageing import BASES
from beancount_orders.reports.ageing import AgeingError
from beancount_orders.reports.ageing import aged_receivables
from beancount_orders.reports.ageing import parse_buckets
from beancount_orders.reports.credits import credits_report
from beancount_orders.reports.loyalty import loyalty_report
from beancount_orders.reports.margin import GROUPS
from beancount_orders.reports.margin import margin_report
from beancount_orders.reports.orders import ReportError
from beancount_orders.reports.orders import orders_report
from beancount_orders.reports.orders import parse_status
from beancount_orders.reports.period import Period
from beancount_orders.reports.stock import stock_report

# Names kept here for whoever imports them from this module.
__all__ = [
    "Loaded",
    "MarkupWarning",
    "format_error",
    "main",
    "markup_warnings",
    "sorted_errors",
]


def _article(noun: str) -> str:
    return "an" if noun[:1] in ("a", "e", "i", "o", "u") else "a"


@click.group(name="bean-orders", context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="beancount-orders", prog_name="bean-orders")
def main() -> None:
    """Order books for Beancount: check, expand, report, diff, lock, import, demo
    and serve.

    LEDGER is the top-level Beancount file; it should load the plugin with
    plugin "beancount_orders.orders".
    """


main.add_command(check)


@main.command()
@LEDGER
@click.option(
    "--order",
    "order_id",
    metavar="ID",
    help="Only the transactions linked to the order ID (and, with --opens, the opens "
    "of the accounts they post to).",
)
@click.option(
    "--opens/--no-opens",
    default=True,
    show_default=True,
    help="Include the open directives the plugin generates for accounts the ledger "
    "does not open.",
)
def expand(ledger: Path, order_id: str | None, opens: bool) -> None:
    """Print the entries the plugin generates for LEDGER as Beancount text.

    The output is deterministic: the same books always print the same bytes,
    so it can be reviewed in a diff. Together with the ledger minus its plugin
    line it gives the same balances as the ledger with the plugin. When the
    ledger has errors, they go to stderr as file:line: message and the exit
    status is 1 (the output may then lack the entries of the failed directives).
    """
    loaded = Loaded(ledger)
    loaded.warn_without_plugin()
    generated = loaded.generated
    if order_id is not None:
        book = loaded.book
        if order_id not in book.orders:
            kind = book.documents.get(order_id)
            hint = f' ("{order_id}" is {_article(kind)} {kind})' if kind else ""
            raise click.ClickException(f'Unknown order "{order_id}"{hint} in {ledger}')
        chosen = [
            entry
            for entry in generated
            if isinstance(entry, data.Transaction) and order_id in entry.links
        ]
        accounts = {posting.account for txn in chosen for posting in txn.postings}
        chosen_ids = {id(entry) for entry in chosen}
        generated = [
            entry
            for entry in generated
            if id(entry) in chosen_ids
            or (opens and isinstance(entry, data.Open) and entry.account in accounts)
        ]
    elif not opens:
        generated = [entry for entry in generated if not isinstance(entry, data.Open)]
    click.echo(format_entries(generated), nl=False)
    if loaded.errors:
        echo_errors(loaded.errors, err=True)
        click.echo(f"{ledger}: {plural(len(loaded.errors), 'error')}", err=True)
        raise SystemExit(1)


# -- report -----------------------------------------------------------------

F = TypeVar("F", bound=Callable[..., Any])


class DateType(click.ParamType):  # type: ignore[type-arg]  # generic in click 8.2+
    """A date written YYYY-MM-DD."""

    name = "date"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime.date:
        if isinstance(value, datetime.date):
            return value
        try:
            return datetime.datetime.strptime(str(value), "%Y-%m-%d").date()
        except ValueError:
            self.fail(
                f"{value!r} is not a date: expected YYYY-MM-DD, such as 2024-03-31",
                param,
                ctx,
            )


class BucketsType(click.ParamType):  # type: ignore[type-arg]
    """Ageing bucket bounds such as 0,30,60,90."""

    name = "buckets"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[int, ...]:
        if isinstance(value, tuple):
            return value

        try:
            return parse_buckets(str(value))
        except AgeingError as error:
            self.fail(str(error), param, ctx)


DATE = DateType()


def _check_status(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:

    try:
        parse_status(value)
    except ReportError as error:
        raise click.BadParameter(str(error), ctx, param) from error
    return value


def _format_options(report_name: str) -> Callable[[F], F]:
    """--format, and --section for the reports with more than one table."""
    sections = SECTIONS[report_name]

    def decorate(function: F) -> F:
        if len(sections) > 1:
            function = click.option(
                "--section",
                type=click.Choice(sections),
                help="Only this table of the report. CSV holds one table: the first "
                f"({sections[0]}) unless this names another.",
            )(function)
        return click.option(
            "--format",
            "fmt",
            type=click.Choice(FORMATS),
            default="table",
            show_default=True,
            help="table: aligned text; csv: one table with a header row; json: every "
            "table, decimals as strings, dates as YYYY-MM-DD.",
        )(function)

    return decorate


def _period_options(what: str) -> Callable[[F], F]:
    def decorate(function: F) -> F:
        function = click.option(
            "--end",
            type=DATE,
            metavar="DATE",
            help=f"The last day of the period (inclusive) for {what}.",
        )(function)
        return click.option(
            "--start",
            type=DATE,
            metavar="DATE",
            help=f"The first day of the period (inclusive) for {what}.",
        )(function)

    return decorate


def _period(start: datetime.date | None, end: datetime.date | None) -> Period:
    """The period of --start and --end, both included."""
    if start and end and end < start:
        raise click.UsageError(f"--end {end} is before --start {start}")
    return Period.through(start, end)


def _report_book(ledger: Path) -> tuple[Loaded, Book]:
    loaded = Loaded(ledger)
    loaded.warn_without_plugin()
    return loaded, loaded.book


def _emit(loaded: Loaded, document: Document, fmt: str, section: str | None) -> None:
    """Print the report; the ledger's errors go to stderr, with exit status 1."""
    click.echo(render(document, fmt, section), nl=False)
    if loaded.errors:
        echo_errors(loaded.errors, err=True)
        click.echo(f"{loaded.path}: {plural(len(loaded.errors), 'error')}", err=True)
        raise SystemExit(1)


def _run_report(function: Callable[[], Any]) -> Any:
    """Call a report function; a bad option it finds is a user error."""
    try:
        return function()
    except ValueError as error:
        raise click.ClickException(str(error)) from error


@main.group(context_settings={"help_option_names": ["-h", "--help"]})
def report() -> None:
    """Print a report of the order books as a table, CSV or JSON.

    The reports are the ones the Fava pages show, computed by the same report
    functions. Dates are YYYY-MM-DD; --start and --end are both inclusive. When
    the ledger has errors the report is still printed, the errors are listed on
    stderr and the exit status is 1.
    """


@report.command("orders")
@LEDGER
@click.option("--customer", metavar="ID", help="Only the orders of the customer ID.")
@click.option(
    "--status",
    metavar="STATUS",
    callback=_check_status,
    help="Only orders that are open, closed or cancelled, or whose status axis is "
    "as given: AXIS:VALUE with AXIS committed, invoiced, dispatched or paid and "
    "VALUE none, partial or full (e.g. paid:partial).",
)
@_period_options("the order dates")
@_format_options("orders")
def report_orders(
    ledger: Path,
    customer: str | None,
    status: str | None,
    start: datetime.date | None,
    end: datetime.date | None,
    fmt: str,
) -> None:
    """Every order with its status on four axes, totals and what is outstanding.

    Open orders come first, then by date and id. Total is the net value of
    what was ordered and not cancelled; outstanding is what was invoiced less
    payments and credits. CSV and JSON add the customer's name, the amounts
    invoiced, paid and credited, the cost of goods, the PO, the invoices and
    the order's file and line.
    """

    period = _period(start, end)
    loaded, book = _report_book(ledger)
    if customer is not None and customer not in book.customers:
        close = difflib.get_close_matches(customer, list(book.customers), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise click.ClickException(f'Unknown customer "{customer}" in {ledger}{hint}')
    rows = _run_report(lambda: orders_report(book, customer, status, period))
    _emit(loaded, orders_document(rows, customer, status, period), fmt, None)


@report.command("ageing")
@LEDGER
@click.option(
    "--as-of",
    type=DATE,
    metavar="DATE",
    help="The date of the ageing: anything dated after it is ignored.  [default: today]",
)
@click.option(
    "--basis",
    type=click.Choice(BASES),
    default="invoice",
    show_default=True,
    help="Age each invoice from its invoice date or from its due date.",
)
@click.option(
    "--buckets",
    type=BucketsType(),
    default="0,30,60,90",
    show_default=True,
    help="The buckets' upper bounds in days, increasing from 0: 0,30,60,90 gives "
    "current, 1-30, 31-60, 61-90 and 90+.",
)
@_format_options("ageing")
def report_ageing(
    ledger: Path,
    as_of: datetime.date | None,
    basis: str,
    buckets: tuple[int, ...],
    fmt: str,
    section: str | None,
) -> None:
    """Aged receivables: each customer's open invoices by age, as of a date.

    Money allocated to an invoice ages with the invoice; money not allocated
    (a payment on account, an unmatched credit) ages by its own date and is
    shown apart as a negative amount. A customer's total equals their
    receivable account's balance on the as-of date. Tables: customers,
    totals (per currency) and items (every open invoice and unallocated
    payment or credit).
    """

    date = as_of or datetime.date.today()
    loaded, book = _report_book(ledger)
    result = _run_report(lambda: aged_receivables(book, date, basis, buckets))
    _emit(loaded, ageing_document(result), fmt, section)


@report.command("loyalty")
@LEDGER
@_period_options("the monthly movement of points")
@_format_options("loyalty")
def report_loyalty(
    ledger: Path,
    start: datetime.date | None,
    end: datetime.date | None,
    fmt: str,
    section: str | None,
) -> None:
    """Loyalty programs, each customer's points, and the points moved each month.

    Programs and customers' points are as the books stand (with the next
    expiry); --start and --end choose the months of the movement table
    (earned, redeemed, expired, adjusted, clawed back, given back).
    """

    period = _period(start, end)
    loaded, book = _report_book(ledger)
    result = _run_report(lambda: loyalty_report(book, period))
    _emit(loaded, loyalty_document(result), fmt, section)


@report.command("margin")
@LEDGER
@click.option(
    "--group",
    type=click.Choice(GROUPS),
    default="order",
    show_default=True,
    help="One row per order, item, customer or month.",
)
@_period_options("the revenue, credits and cost of goods")
@_format_options("margin")
def report_margin(
    ledger: Path,
    group: str,
    start: datetime.date | None,
    end: datetime.date | None,
    fmt: str,
    section: str | None,
) -> None:
    """Gross margin: revenue less credits less the cost of goods.

    Each movement counts in its own period: revenue on the invoice's date,
    credits on the credit's, cost of goods on the dispatch's or return's.
    Credit memos and loyalty discounts are outside gross margin and shown
    apart (table apart); the credits and returns of the period are listed with
    the invoice, order and order line they go back to (table movements).
    """

    period = _period(start, end)
    loaded, book = _report_book(ledger)
    result = _run_report(lambda: margin_report(book, group, period))
    _emit(loaded, margin_document(result), fmt, section)


@report.command("stock")
@LEDGER
@click.option("--item", metavar="ITEM", help="Only the stock of ITEM (a commodity).")
@_format_options("stock")
def report_stock(ledger: Path, item: str | None, fmt: str, section: str | None) -> None:
    """Stock on hand, committed and available, and its value, as the books stand.

    One row per item and location, followed by a row per batch held there;
    then the dispatches that found no stock to take their cost from (table
    uncosted).
    """

    loaded, book = _report_book(ledger)
    result = _run_report(lambda: stock_report(book, item))
    _emit(loaded, stock_document(result, item), fmt, section)


@report.command("credits")
@LEDGER
@_period_options("the credit orders, returns, memos and credits")
@_format_options("credits")
def report_credits(
    ledger: Path,
    start: datetime.date | None,
    end: datetime.date | None,
    fmt: str,
    section: str | None,
) -> None:
    """Credit orders (OPEN, APPROVED, READY), returns, memos and customer credits.

    --start and --end choose the documents by date; the customers' credit
    balances (table balances) are as the books stand.
    """

    period = _period(start, end)
    loaded, book = _report_book(ledger)
    result = _run_report(lambda: credits_report(book, period))
    _emit(loaded, credits_document(result), fmt, section)


# -- demo ---------------------------------------------------------------------


@main.command()
@click.argument("out", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.option(
    "--orders",
    "count",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    metavar="N",
    help="How many orders to generate.",
)
@click.option(
    "--seed",
    type=int,
    default=1,
    show_default=True,
    metavar="S",
    help="The random seed: the same seed and N always give the same bytes.",
)
@click.option("--force", is_flag=True, help="Overwrite OUT if it exists.")
def demo(out: Path, count: int, seed: int, force: bool) -> None:
    """Write a generated ledger of a small wholesaler to OUT (- for stdout).

    Customers, items and stock received in batches at changing costs; orders
    in every state (open, committed, part invoiced and dispatched, paid,
    overpaid, cancelled); payments by several methods; returns, credit orders,
    memos, customer credits and loyalty points. The books load with zero
    errors; a progress bar goes to stderr. Use it to try Fava and the reports
    or to benchmark.
    """

    to_stdout = str(out) == "-"
    if not to_stdout:
        if out.exists() and not force:
            raise click.ClickException(f"{out} exists; use --force to overwrite it")
        if not out.parent.is_dir():
            raise click.ClickException(f"No such directory: {out.parent}")
    chunks: list[str] = []
    made = 0

    with click.progressbar(
        length=count, label="Generating orders", file=sys.stderr, show_pos=True
    ) as bar:

        def progress(done: int) -> None:
            nonlocal made
            if done > made:
                bar.update(done - made)
                made = done

        chunks = [line + "\n" for line in generate(count, seed, progress)]
    text = "".join(chunks)
    if to_stdout:
        sys.stdout.write(text)
        return
    temporary = out.with_name(f".{out.name}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, out)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise click.ClickException(f"Cannot write {out}: {exc.strerror or exc}") from exc
    click.echo(
        f"Wrote {out}: {plural(count, 'order')} in {plural(len(chunks), 'line')} "
        f"(seed {seed}); check it with: bean-orders check {out}",
        err=True,
    )


# -- diff ---------------------------------------------------------------------


@main.command()
@click.argument("revision", metavar="REV")
@click.argument("revision2", metavar="[REV2]", required=False)
@click.option(
    "--ledger",
    "-l",
    required=True,
    envvar="BEANCOUNT_FILE",
    show_envvar=True,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="The top-level ledger, in a git repository (the file with the plugin line).",
)
@click.option(
    "--opens/--no-opens",
    default=True,
    show_default=True,
    help="Include the open directives the plugin generates.",
)
@click.option(
    "--exit-code",
    is_flag=True,
    help="Exit with status 1 when the generated entries differ, 0 when not "
    "(as git diff --exit-code).",
)
def diff(
    revision: str, revision2: str | None, ledger: Path, opens: bool, exit_code: bool
) -> None:
    """Show how the generated entries changed between two revisions of the books.

    Loads the ledger (and every file it includes) as it was at git revision
    REV and at REV2, by default the working tree, and prints the entries the
    plugin generated that differ, as a unified diff: each changed entry in
    full, with - and + on the lines that changed. A backdated stock-in shows
    every dispatch whose cost of goods it restated. Entries are compared in a
    stable order, so moving a directive changes nothing. A summary goes to
    stderr.
    """

    try:
        result = compare(ledger, revision, revision2, opens=opens)
    except DiffError as error:
        raise click.ClickException(str(error)) from error
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    for line in result.lines():
        if line.startswith(("---", "+++")):
            click.echo(click.style(line, bold=True))
        elif line.startswith("@@"):
            click.echo(click.style(line, fg="cyan"))
        elif line.startswith("-"):
            click.echo(click.style(line, fg="red"))
        elif line.startswith("+"):
            click.echo(click.style(line, fg="green"))
        else:
            click.echo(line)
    click.echo(result.summary(), err=True)
    if exit_code and result.changes:
        raise SystemExit(1)


# -- serve --------------------------------------------------------------------


@main.command()
@LEDGER
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="The address to listen on. The default serves this computer only; "
    "0.0.0.0 serves the network (Fava has no login).",
)
@click.option(
    "-p",
    "--port",
    type=click.IntRange(1, 65535),
    default=5000,
    show_default=True,
    help="The port to listen on.",
)
def serve(ledger: Path, host: str, port: int) -> None:
    """Start Fava on LEDGER with the order book pages, until interrupted.

    The pages (orders, receivables, loyalty, margin, stock, credits) are
    there even when the ledger does not declare the extension.
    """
    from beancount_orders.fava_ext.serve import serve as run

    check_readable(ledger)
    run(ledger, host, port)


# -- lock -------------------------------------------------------------------


@main.command()
@LEDGER
@click.argument("through", type=DateType())
def lock(ledger: Path, through: datetime.date) -> None:
    """Lock every month of LEDGER up to THROUGH (a date, YYYY-MM-DD).

    Appends to LEDGER a `custom "period-lock"` directive with a digest of the
    content of each month's entries, written or generated, dated on or before
    THROUGH. From then on, changing anything in a locked month is an error that
    names the month. Books with errors are not locked.
    """
    loaded = Loaded(ledger)
    if loaded.errors:
        echo_errors(loaded.errors, err=True)
        raise click.ClickException(
            f"{ledger} has {plural(len(loaded.errors), 'error')}: fix them before locking"
        )
    if through > datetime.date.today():
        raise click.ClickException(
            f"{through} is in the future: only the past can be locked"
        )
    month_digests = locks.digests(loaded.entries, through)
    if not month_digests:
        raise click.ClickException(f"{ledger} has no entries dated on or before {through}")
    text = locks.lock_text(through, month_digests)
    current = ledger.read_bytes()
    separator = (
        "" if current.endswith(b"\n\n") else ("\n" if current.endswith(b"\n") else "\n\n")
    )
    with ledger.open("a", encoding="utf-8") as out:
        out.write(separator + text)
    first, last = min(month_digests), max(month_digests)
    click.echo(
        f"{ledger}: locked {plural(len(month_digests), 'month')} ({first} to {last}) "
        f"through {through}"
    )


# -- import -------------------------------------------------------------------


@main.group("import")
@click.option(
    "--config",
    "config_text",
    metavar="DICT",
    help="Importer options as a Python dict literal, e.g. "
    "\"{'order_prefix': 'SHOP-', 'stripe': {'account': 'Assets:Stripe'}}\" "
    "(see docs/importers.md).",
)
@click.pass_context
def import_(ctx: click.Context, config_text: str | None) -> None:
    """Import Shopify and Stripe exports as order directives (beangulp).

    The subcommands are beangulp's: `identify` names the importer of each
    downloaded file, `extract` writes the directives (use -e LEDGER so that
    nothing already in the books is imported twice), `archive` files the
    documents away. Rows that cannot be imported are reported as FILE:ROW: message.
    """
    import ast

    import beangulp

    from beancount_orders.importers import default_importers
    from beancount_orders.importers import report_errors

    config = None
    if config_text:
        try:
            config = ast.literal_eval(config_text)
        except (ValueError, SyntaxError) as exc:
            raise click.BadParameter(
                f"{config_text!r} is not a Python dict literal", param_hint="--config"
            ) from exc
        if not isinstance(config, dict):
            raise click.BadParameter("expected a dict", param_hint="--config")
    try:
        importers = default_importers(config)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--config") from exc
    ctx.obj = beangulp.Ingest(importers, hooks=[report_errors])


def _add_beangulp_commands() -> None:
    import beangulp

    for command in beangulp.Ingest([]).cli.commands.values():
        import_.add_command(command)


_add_beangulp_commands()


if __name__ == "__main__":
    main()
