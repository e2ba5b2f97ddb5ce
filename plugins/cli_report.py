"""``bean-orders report``: the reports of the order books as a table, CSV or JSON.

One subcommand per report (orders, ageing, loyalty, margin, stock, credits, fx,
purchases, payables, tax). Each
loads the ledger, calls the report function the Fava page calls
(:mod:`beancount_orders.reports`) and prints its document
(:mod:`beancount_orders.clitables`) in the chosen format
(:mod:`beancount_orders.cliformat`). Here too are the option types the reports
share (:class:`DateType`, :class:`BucketsType`) and their --format, --section,
--start and --end options. The group is added to ``bean-orders`` by
:mod:`beancount_orders.cli`.
"""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from typing import TypeVar

import click

from beancount_orders.book import Book
from beancount_orders.cli_ledger import LEDGER
from beancount_orders.cli_ledger import Loaded
from beancount_orders.cli_ledger import echo_errors
from beancount_orders.cliformat import FORMATS
from beancount_orders.cliformat import Document
from beancount_orders.cliformat import render
from beancount_orders.clitables import SECTIONS
from beancount_orders.clitables import credits_document
from beancount_orders.clitables import loyalty_document
from beancount_orders.clitables import margin_document
from beancount_orders.clitables import orders_document
from beancount_orders.clitables import stock_document
from beancount_orders.clitables_purchases import SECTIONS as PURCHASE_SECTIONS
from beancount_orders.clitables_purchases import payables_document
from beancount_orders.clitables_purchases import purchases_document
from beancount_orders.clitables_receivables import ageing_document
from beancount_orders.clitables_receivables import fx_document
from beancount_orders.clitables_tax import SECTIONS as TAX_SECTIONS
from beancount_orders.clitables_tax import tax_document
from beancount_orders.reports.ageing import BASES
from beancount_orders.reports.ageing import AgeingError
from beancount_orders.reports.ageing import aged_receivables
from beancount_orders.reports.ageing import parse_buckets
from beancount_orders.reports.credits import credits_report
from beancount_orders.reports.fx import fx_report
from beancount_orders.reports.loyalty import loyalty_report
from beancount_orders.reports.margin import GROUPS
from beancount_orders.reports.margin import margin_report
from beancount_orders.reports.orders import ReportError
from beancount_orders.reports.orders import orders_report
from beancount_orders.reports.orders import parse_status
from beancount_orders.reports.payables import BASES as PAYABLE_BASES
from beancount_orders.reports.payables import aged_payables
from beancount_orders.reports.period import Period
from beancount_orders.reports.purchases import parse_purchase_status
from beancount_orders.reports.purchases import purchases_report
from beancount_orders.reports.stock import stock_report
from beancount_orders.reports.tax import PERIODS as TAX_PERIODS
from beancount_orders.reports.tax import tax_report
from beancount_orders.words import plural

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


def _check_purchase_status(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> Any:
    """The purchases report's --status, checked as the report reads it."""
    try:
        parse_purchase_status(value)
    except ReportError as error:
        raise click.BadParameter(str(error), ctx, param) from error
    return value


def _format_options(report_name: str) -> Callable[[F], F]:
    """--format, and --section for the reports with more than one table."""
    sections = {**SECTIONS, **PURCHASE_SECTIONS, **TAX_SECTIONS}[report_name]

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


# Options the ageing of receivables and of payables share.
_AGEING_AS_OF = click.option(
    "--as-of",
    type=DATE,
    metavar="DATE",
    help="The date of the ageing: anything dated after it is ignored.  "
    "[default: the configured today, else today]",
)
_BUCKETS = click.option(
    "--buckets",
    type=BucketsType(),
    default="0,30,60,90",
    show_default=True,
    help="The buckets' upper bounds in days, increasing from 0: 0,30,60,90 gives "
    "current, 1-30, 31-60, 61-90 and 90+.",
)


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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
@_AGEING_AS_OF
@click.option(
    "--basis",
    type=click.Choice(BASES),
    default="invoice",
    show_default=True,
    help="Age each invoice from its invoice date or from its due date.",
)
@_BUCKETS
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

    loaded, book = _report_book(ledger)
    date = _as_of_default(book, as_of)
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


@report.command("fx")
@LEDGER
@click.option(
    "--as-of",
    type=DATE,
    metavar="DATE",
    help="The date of the revaluation: its rate, and what is open at its end.  "
    "[default: the configured today, else today]",
)
@_format_options("fx")
def report_fx(
    ledger: Path, as_of: datetime.date | None, fmt: str, section: str | None
) -> None:
    """Open foreign receivables revalued at the as-of date's rate (no postings).

    Each receivable lot of a foreign invoice, or of money held ahead of one,
    that is open at the end of the as-of date: its amount, its booked rate and
    value, the rate of the date (the latest price on or before it) and the
    value at it; Gain/loss is the unrealised difference. Tables: lots, totals
    (per currency).
    """

    loaded, book = _report_book(ledger)
    date = _as_of_default(book, as_of)
    result = _run_report(lambda: fx_report(book, date))
    _emit(loaded, fx_document(result), fmt, section)


def _as_of_default(book: Book, as_of: datetime.date | None) -> datetime.date:
    """The as-of date asked for, else the configured ``today``, else today."""
    return as_of or book.config.today or datetime.date.today()


@report.command("purchases")
@LEDGER
@click.option(
    "--as-of",
    type=DATE,
    metavar="DATE",
    help="The date the purchase orders are shown as of: anything dated after it is "
    "ignored.  [default: the configured today, else today]",
)
@click.option("--supplier", metavar="ID", help="Only the purchase orders of supplier ID.")
@click.option(
    "--status",
    metavar="STATUS",
    callback=_check_purchase_status,
    help="all (the default), open or closed, or a status axis: AXIS:VALUE with AXIS "
    "received, billed or paid and VALUE none, partial or full (e.g. billed:partial).",
)
@_format_options("purchases")
def report_purchases(
    ledger: Path,
    as_of: datetime.date | None,
    supplier: str | None,
    status: str | None,
    fmt: str,
    section: str | None,
) -> None:
    """Every purchase order as of a date: ordered, received, billed, paid.

    Values: ordered and received at the PO's cost; billed net (at the bills'
    prices, landed costs included) and gross (with input tax); paid (bill
    payments matched to its bills); outstanding (billed gross less paid). Status
    axes received, billed and paid are none, partial or full on the date; a
    voided receipt or bill counts until its void's date. Open orders first, then
    by date and id. Tables: orders, totals (per currency).
    """

    loaded, book = _report_book(ledger)
    suppliers = book.purchasing.suppliers
    if supplier is not None and supplier not in suppliers:
        close = difflib.get_close_matches(supplier, list(suppliers), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise click.ClickException(f'Unknown supplier "{supplier}" in {ledger}{hint}')
    date = _as_of_default(book, as_of)
    result = _run_report(lambda: purchases_report(book, date, supplier, status))
    _emit(loaded, purchases_document(result), fmt, section)


@report.command("payables")
@LEDGER
@_AGEING_AS_OF
@click.option(
    "--by",
    "basis",
    type=click.Choice(PAYABLE_BASES),
    default="date",
    show_default=True,
    help="Age each bill, landed cost and stock-in from its date or its due date.",
)
@_BUCKETS
@_format_options("payables")
def report_payables(
    ledger: Path,
    as_of: datetime.date | None,
    basis: str,
    buckets: tuple[int, ...],
    fmt: str,
    section: str | None,
) -> None:
    """Aged payables: what is owed to each supplier, by age, as of a date.

    Open bills, landed costs and stock-ins by age (bill payments matched to
    them reduce them); bill payments on account by their own date, negative;
    postings to a payable account by hand (ordinary transactions) by their own
    date. A supplier's total equals their payable account's balance on the
    as-of date, with the sign turned. Tables: suppliers, totals (per
    currency) and items.
    """

    loaded, book = _report_book(ledger)
    date = _as_of_default(book, as_of)
    result = _run_report(lambda: aged_payables(book, loaded.entries, date, basis, buckets))
    _emit(loaded, payables_document(result), fmt, section)


@report.command("tax")
@LEDGER
@click.option(
    "--period",
    "period_kind",
    type=click.Choice(TAX_PERIODS),
    default="month",
    show_default=True,
    help="One row per month or per quarter (and currency, rate and jurisdiction).",
)
@_period_options("the invoices, credits, discounts, bills and postings")
@_format_options("tax")
def report_tax(
    ledger: Path,
    period_kind: str,
    start: datetime.date | None,
    end: datetime.date | None,
    fmt: str,
    section: str | None,
) -> None:
    """Sales and purchases, output and input tax, per month or quarter and rate.

    From the documents: net sales and output tax of invoices, the net and tax
    credit orders gave back, the tax share of early-payment discounts (with
    discount_reduces_tax), net purchases and input tax of bills and landed costs;
    a voided document counts on its date and is taken off on the void's. Beside
    them the change of the sales tax and input tax accounts in each period; Check
    says MISMATCH where they differ. Tables: rates, periods, totals, postings (to
    the tax accounts by hand) and documents.
    """

    period = _period(start, end)
    loaded, book = _report_book(ledger)
    result = _run_report(lambda: tax_report(book, loaded.entries, period_kind, period))
    _emit(loaded, tax_document(result), fmt, section)
