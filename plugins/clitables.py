"""The report dataclasses as plain tables: aligned text, CSV or JSON.

``bean-orders report`` turns each report of :mod:`beancount_orders.reports` into a
:class:`Document`: a title, the options it was made with, and one or more
named :class:`Table` sections of typed cells. The three formats only lay out
the same cells:

- ``table``: aligned plain text for a terminal, every section under its title;
  numbers right-aligned; within a table, money columns are padded with zeros
  to the same number of decimal places (never rounded), so ``0`` and
  ``22.60`` print as ``0.00`` and ``22.60``; ``wide`` columns are left out;
- ``csv``: one section (``--section``, by default the first), a header row of
  column keys, then the rows; every column, also the ``wide`` ones. Numbers
  exactly as computed (``format(d, "f")``, no exponent), ISO dates,
  ``true``/``false``, empty cells for None, lists joined by spaces;
- ``json``: one object with ``report``, the options, and every section as a
  list of objects keyed by column key. Decimals are strings written exactly
  (``"35.96"``, never a float), dates ISO ``YYYY-MM-DD``, lists as lists,
  None as ``null``.

Nothing here computes: every figure comes from the report functions Fava uses
and their dataclasses' properties (the ageing totals' open invoices and
unallocated money are the sums of their buckets, as on the Fava page).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
import json
import os
from collections.abc import Callable
from collections.abc import Sequence
from decimal import Decimal
from enum import Enum

from beancount_orders.book.directives import ID_RE
from beancount_orders.book.model import ZERO
from beancount_orders.reports.ageing import AgeingReport
from beancount_orders.reports.credits import CreditsReport
from beancount_orders.reports.loyalty import LoyaltyReport
from beancount_orders.reports.margin import MarginReport
from beancount_orders.reports.margin import MarginRow
from beancount_orders.reports.orders import OrderRow
from beancount_orders.reports.stock import StockReport

Cell = str | int | Decimal | datetime.date | bool | tuple[str, ...] | None
Param = Cell
FORMATS = ("table", "csv", "json")
SEPARATOR = "  "


@dataclasses.dataclass(frozen=True)
class Column:
    key: str  # the CSV header and JSON key
    title: str  # the text table's header
    numeric: bool = False  # right-aligned, decimals padded
    wide: bool = False  # only in CSV and JSON
    money: bool = False  # padded to the decimals of the table's other money columns


@dataclasses.dataclass(frozen=True)
class Table:
    name: str  # the section's name, for --section and as JSON key
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclasses.dataclass(frozen=True)
class Document:
    report: str
    title: str
    params: tuple[tuple[str, Param], ...]
    tables: tuple[Table, ...]

    def section(self, name: str | None) -> tuple[Table, ...]:
        """The tables to show: all of them, or only the one named."""
        if name is None:
            return self.tables
        chosen = tuple(table for table in self.tables if table.name == name)
        if not chosen:
            raise ValueError(
                f"Unknown section {name!r} of the {self.report} report: expected one of "
                + ", ".join(table.name for table in self.tables)
            )
        return chosen


def _text(value: Cell) -> str:
    """A cell as text for CSV and JSON: exact, ISO dates, no exponents."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return " ".join(value)
    return str(value)


def _places(value: Cell) -> int:
    """Decimal places of a Decimal (0 for anything else)."""
    if not isinstance(value, Decimal):
        return 0
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _table_cells(table: Table, columns: Sequence[int]) -> list[list[str]]:
    """The visible cells as text; numbers in a column padded to equal decimals."""
    places = {
        index: max((_places(row[index]) for row in table.rows), default=0)
        for index in columns
        if table.columns[index].numeric
    }
    money = [index for index in places if table.columns[index].money]
    widest = max((places[index] for index in money), default=0)
    for index in money:
        places[index] = widest
    cells = []
    for row in table.rows:
        texts = []
        for index in columns:
            value = row[index]
            if isinstance(value, bool):
                texts.append("yes" if value else "")
            elif isinstance(value, Decimal):
                texts.append(
                    f"{value:.{places[index]}f}" if index in places else _text(value)
                )
            else:
                texts.append(_text(value))
        cells.append(texts)
    return cells


def render_text_table(table: Table) -> list[str]:
    """One section as aligned text lines (header, dashes, rows)."""
    columns = [index for index, column in enumerate(table.columns) if not column.wide]
    if not table.rows:
        return ["(none)"]
    cells = _table_cells(table, columns)
    titles = [table.columns[index].title for index in columns]
    widths = [
        max(len(titles[position]), *(len(row[position]) for row in cells))
        for position in range(len(columns))
    ]

    def line(texts: Sequence[str]) -> str:
        parts = []
        for position, index in enumerate(columns):
            if table.columns[index].numeric:
                parts.append(texts[position].rjust(widths[position]))
            else:
                parts.append(texts[position].ljust(widths[position]))
        return SEPARATOR.join(parts).rstrip()

    out = [line(titles), SEPARATOR.join("-" * width for width in widths)]
    out += [line(row) for row in cells]
    return out


def render_table(document: Document, section: str | None = None) -> str:
    """The document as text: its title, then each section under its title."""
    tables = document.section(section)
    out = [document.title]
    for table in tables:
        out.append("")
        if len(tables) > 1 or section is not None:
            out.append(table.title)
        out += render_text_table(table)
    return "\n".join(out) + "\n"


def render_csv(document: Document, section: str | None = None) -> str:
    """One section as CSV (the first, unless another is named)."""
    table = document.section(section)[0]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(column.key for column in table.columns)
    for row in table.rows:
        writer.writerow(_text(value) for value in row)
    return buffer.getvalue()


def _json_value(value: Param) -> object:
    if value is None or (isinstance(value, bool | int) and not isinstance(value, Enum)):
        return value
    if isinstance(value, tuple):
        return list(value)
    return _text(value)


def render_json(document: Document, section: str | None = None) -> str:
    """The document as one JSON object (every section, unless one is named)."""
    result: dict[str, object] = {"report": document.report}
    for key, value in document.params:
        result[key] = _json_value(value)
    for table in document.section(section):
        if table.name in result:  # pragma: no cover - a programming error
            raise AssertionError(f"JSON key {table.name!r} used twice")
        result[table.name] = [
            {
                column.key: _json_value(value)
                for column, value in zip(table.columns, row, strict=True)
            }
            for row in table.rows
        ]
    return json.dumps(result, indent=2, ensure_ascii=False) + "\n"


RENDERERS: dict[str, Callable[[Document, str | None], str]] = {
    "table": render_table,
    "csv": render_csv,
    "json": render_json,
}


def render(document: Document, fmt: str, section: str | None = None) -> str:
    return RENDERERS[fmt](document, section)


# -- the documents of the reports ----------------------------------------------


def display_name(filename: str) -> str:
    """A filename relative to the working directory when it lies below it."""
    if not filename or filename.startswith("<"):
        return filename
    try:
        relative = os.path.relpath(filename)
    except ValueError:  # another drive on Windows
        return filename
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return filename
    return relative


def _period_title(start: datetime.date | None, end: datetime.date | None) -> str:
    """``end`` is the last day included."""
    if start and end:
        return f" from {start} to {end}"
    if start:
        return f" from {start}"
    if end:
        return f" to {end}"
    return ""


def _period_params(
    start: datetime.date | None, end: datetime.date | None
) -> tuple[tuple[str, Param], ...]:
    return (("start", start), ("end", end))


def _c(key: str, title: str | None = None, *, numeric: bool = False) -> Column:
    return Column(
        key,
        title if title is not None else key.replace("_", " ").capitalize(),
        numeric=numeric,
    )


def _n(key: str, title: str | None = None) -> Column:
    return _c(key, title, numeric=True)


def _m(key: str, title: str | None = None) -> Column:
    """A money column."""
    return dataclasses.replace(_c(key, title, numeric=True), money=True)


def _w(key: str, *, numeric: bool = False, money: bool = False) -> Column:
    return Column(key, key, numeric=numeric or money, wide=True, money=money)


def orders_document(
    rows: Sequence[OrderRow],
    customer: str | None = None,
    status: str | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> Document:
    columns = (
        _c("order"),
        _c("date"),
        _c("customer"),
        _w("name"),
        _c("state"),
        _c("committed_status", "Committed"),
        _c("invoiced_status", "Invoiced"),
        _c("dispatched_status", "Dispatched"),
        _c("paid_status", "Paid"),
        _m("total"),
        _w("invoiced", money=True),
        _w("paid", money=True),
        _w("credited", money=True),
        _m("outstanding"),
        _w("cost", money=True),
        _c("currency"),
        _w("po"),
        _w("invoices"),
        _w("file"),
        _w("line", numeric=True),
    )
    table = Table(
        "orders",
        "Orders",
        columns,
        tuple(
            (
                row.id,
                row.date,
                row.customer,
                row.customer_name,
                row.state,
                row.committed_status.value,
                row.invoiced_status.value,
                row.dispatched_status.value,
                row.paid_status.value,
                row.total,
                row.invoiced,
                row.paid,
                row.credited,
                row.outstanding,
                row.cost,
                row.currency,
                row.po,
                row.invoices,
                display_name(row.filename),
                row.lineno,
            )
            for row in rows
        ),
    )
    filters = []
    if customer:
        filters.append(f"customer {customer}")
    if status:
        filters.append(f"status {status}")
    title = "Orders" + _period_title(start, end)
    if filters:
        title += " (" + ", ".join(filters) + ")"
    return Document(
        "orders",
        title,
        (("customer", customer), ("status", status), *_period_params(start, end)),
        (table,),
    )


def ageing_document(report: AgeingReport) -> Document:
    labels = report.labels
    buckets = tuple(_m(label, label) for label in labels)
    rows = Table(
        "customers",
        "Customers",
        (
            _c("customer"),
            _c("name"),
            _c("currency"),
            *buckets,
            _w("invoiced_open", money=True),
            _m("unallocated"),
            _m("total"),
            _m("credit_limit", "Limit"),
            _c("over_limit", "Over"),
        ),
        tuple(
            (
                row.customer,
                row.name,
                row.currency,
                *row.buckets,
                row.invoiced_open,
                row.unallocated_total,
                row.total,
                row.credit_limit,
                row.over_limit,
            )
            for row in report.rows
        ),
    )
    totals = Table(
        "totals",
        "Totals",
        (
            _c("currency"),
            *buckets,
            _w("invoiced_open", money=True),
            _m("unallocated"),
            _m("total"),
        ),
        tuple(
            (
                total.currency,
                *total.buckets,
                sum(total.buckets, ZERO),
                sum(total.unallocated, ZERO),
                total.total,
            )
            for total in report.totals
        ),
    )
    items = Table(
        "items",
        "Open invoices and unallocated money",
        (
            _c("customer"),
            _c("document"),
            _c("kind"),
            _c("order"),
            _c("date", "Aged from"),
            _n("age"),
            _c("bucket"),
            _m("amount"),
            _c("currency"),
            _w("file"),
            _w("line", numeric=True),
        ),
        tuple(
            (
                row.customer,
                item.document if ID_RE.match(item.document) else None,
                item.kind,
                item.order,
                item.date,
                item.age,
                labels[item.bucket],
                item.amount,
                row.currency,
                display_name(str(item.meta.get("filename", ""))),
                _int(item.meta.get("lineno")),
            )
            for row in report.rows
            for item in row.items
        ),
    )
    basis = "due date" if report.basis == "due" else "invoice date"
    return Document(
        "ageing",
        f"Aged receivables as of {report.as_of}, by {basis}",
        (("as_of", report.as_of), ("basis", report.basis), ("buckets", labels)),
        (rows, totals, items),
    )


def _int(value: object) -> int | None:
    return value if isinstance(value, int) else None


def loyalty_document(
    report: LoyaltyReport,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> Document:
    programs = Table(
        "programs",
        "Programs",
        (
            _c("program"),
            _c("name"),
            _m("outstanding", "Points"),
            _m("value"),
            _c("currency"),
            _n("customers"),
            _c("liability"),
        ),
        tuple(
            (
                row.symbol,
                row.name,
                row.outstanding,
                row.value.number if row.value is not None else None,
                row.value.currency if row.value is not None else None,
                row.customers,
                row.liability,
            )
            for row in report.programs
        ),
    )
    customers = Table(
        "customers",
        "Customers",
        (
            _c("customer"),
            _c("name"),
            _c("program"),
            _n("points"),
            _c("next_expiry"),
            _n("expiring"),
        ),
        tuple(
            (row.customer, row.name, row.program, row.points, row.next_expiry, row.expiring)
            for row in report.customers
        ),
    )
    months = Table(
        "months",
        "Points by month" + _period_title(start, end),
        (
            _c("month"),
            _c("program"),
            _n("earned"),
            _n("redeemed"),
            _n("expired"),
            _n("adjusted"),
            _n("clawed_back"),
            _n("given_back"),
            _n("net"),
        ),
        tuple(
            (
                row.month,
                row.program,
                row.earned,
                row.redeemed,
                row.expired,
                row.adjusted,
                row.clawed_back,
                row.given_back,
                row.net,
            )
            for row in report.months
        ),
    )
    return Document(
        "loyalty",
        "Loyalty points",
        _period_params(start, end),
        (programs, customers, months),
    )


def _margin_values(row: MarginRow) -> tuple[Cell, ...]:
    return (
        row.revenue,
        row.credits,
        row.net_revenue,
        row.cogs,
        row.margin,
        row.margin_pct,
    )


MARGIN_COLUMNS = (
    _m("revenue"),
    _m("credits"),
    _m("net_revenue"),
    _m("cogs", "COGS"),
    _m("margin"),
    _n("margin_pct", "Margin %"),
)


def margin_document(
    report: MarginReport,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> Document:
    group = report.group
    rows = Table(
        "margin",
        f"By {group}",
        (_c(group), _c("currency"), *MARGIN_COLUMNS),
        tuple((row.key, row.currency, *_margin_values(row)) for row in report.rows),
    )
    totals = Table(
        "totals",
        "Totals",
        (_c("currency"), *MARGIN_COLUMNS),
        tuple((row.currency, *_margin_values(row)) for row in report.totals),
    )
    apart = Table(
        "apart",
        "Outside gross margin (credit memos, loyalty discounts)",
        (_c(group), _c("currency"), _m("memos"), _m("loyalty_discounts")),
        tuple(
            (row.key, row.currency, row.memos, row.loyalty_discounts)
            for row in report.apart
        ),
    )
    return Document(
        "margin",
        f"Gross margin by {group}" + _period_title(start, end),
        (("group", group), *_period_params(start, end)),
        (rows, totals, apart),
    )


def stock_document(report: StockReport, item: str | None = None) -> Document:
    positions = Table(
        "positions",
        "Stock by item and location (then by batch)",
        (
            _c("item"),
            _c("location"),
            _c("batch"),
            _n("on_hand"),
            _n("committed"),
            _n("available"),
            _m("value"),
            _c("currency"),
            _w("account"),
        ),
        tuple(
            (
                row.item,
                row.location,
                row.batch,
                row.on_hand,
                row.committed,
                row.available,
                row.value,
                row.currency,
                row.account,
            )
            for row in report.positions
        ),
    )
    uncosted = Table(
        "uncosted",
        "Uncosted dispatches (no stock to take the cost from)",
        (
            _c("date"),
            _c("order"),
            _c("customer"),
            _c("item"),
            _n("qty"),
            _c("location"),
            _w("file"),
            _w("line", numeric=True),
        ),
        tuple(
            (
                row.date,
                row.order,
                row.customer,
                row.item,
                row.qty,
                row.location,
                display_name(row.filename),
                row.lineno,
            )
            for row in report.uncosted
        ),
    )
    title = "Stock" + (f" of {item}" if item else "")
    return Document("stock", title, (("item", item),), (positions, uncosted))


def credits_document(
    report: CreditsReport,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> Document:
    credit_orders = Table(
        "credit_orders",
        "Credit orders",
        (
            _c("credit_order", "Credit order"),
            _c("date"),
            _c("status"),
            _c("invoice"),
            _c("order"),
            _c("customer"),
            _m("net"),
            _m("tax"),
            _m("gross"),
            _c("currency"),
            _w("post_date"),
            _c("reason"),
        ),
        tuple(
            (
                co.id,
                co.date,
                co.status,
                co.invoice,
                co.order,
                co.customer,
                co.net,
                co.tax,
                co.gross,
                co.currency,
                co.post_date,
                co.reason,
            )
            for co in report.credit_orders
        ),
    )
    returns = Table(
        "returns",
        "Returns",
        (
            _c("return"),
            _c("date"),
            _c("order"),
            _c("customer"),
            _c("item"),
            _n("qty"),
            _c("condition"),
            _m("cost", "Cost restocked"),
        ),
        tuple(
            (r.id, r.date, r.order, r.customer, r.item, r.qty, r.condition, r.cost)
            for r in report.returns
        ),
    )
    memos = Table(
        "memos",
        "Credit memos",
        (
            _c("memo"),
            _c("date"),
            _c("customer"),
            _c("invoice"),
            _m("amount"),
            _c("currency"),
            _c("reason"),
        ),
        tuple(
            (m.id, m.date, m.customer, m.invoice, m.amount, m.currency, m.reason)
            for m in report.memos
        ),
    )
    credits = Table(
        "credits",
        "Customer credits",
        (
            _c("credit"),
            _c("date"),
            _c("customer"),
            _m("amount"),
            _c("currency"),
            _w("order"),
            _w("invoice"),
            _c("reason"),
        ),
        tuple(
            (c.id, c.date, c.customer, c.amount, c.currency, c.order, c.invoice, c.reason)
            for c in report.credits
        ),
    )
    balances = Table(
        "balances",
        "Customer credit balances (as they stand)",
        (
            _c("customer"),
            _c("name"),
            _c("currency"),
            _m("credited"),
            _m("used"),
            _m("balance"),
        ),
        tuple(
            (b.customer, b.name, b.currency, b.credited, b.used, b.balance)
            for b in report.balances
        ),
    )
    return Document(
        "credits",
        "Credits and returns" + _period_title(start, end),
        _period_params(start, end),
        (credit_orders, returns, memos, credits, balances),
    )


SECTIONS = {
    "orders": ("orders",),
    "ageing": ("customers", "totals", "items"),
    "loyalty": ("programs", "customers", "months"),
    "margin": ("margin", "totals", "apart"),
    "stock": ("positions", "uncosted"),
    "credits": ("credit_orders", "returns", "memos", "credits", "balances"),
}
