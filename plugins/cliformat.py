"""Plain tables of typed cells, laid out as aligned text, CSV or JSON.

A :class:`Document` is a title, the options it was made with, and one or more
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

The documents of the reports are made in :mod:`beancount_orders.clitables`.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
import json
import os
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from decimal import Decimal
from enum import Enum

from beancount_orders.reports.period import Period

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


def text_column(key: str, title: str | None = None, *, numeric: bool = False) -> Column:
    """A column titled by its key (``net_revenue``: "Net revenue") unless told."""
    return Column(
        key,
        title if title is not None else key.replace("_", " ").capitalize(),
        numeric=numeric,
    )


def number_column(key: str, title: str | None = None) -> Column:
    return text_column(key, title, numeric=True)


def money_column(key: str, title: str | None = None) -> Column:
    """A number padded to the decimals of the table's other money columns."""
    return dataclasses.replace(text_column(key, title, numeric=True), money=True)


def wide_column(key: str, *, numeric: bool = False, money: bool = False) -> Column:
    """A column only in CSV and JSON."""
    return Column(key, key, numeric=numeric or money, wide=True, money=money)


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


def source_cells(meta: Mapping[str, object]) -> tuple[str, int | None]:
    """The file (as :func:`display_name` shows it) and line of a directive's meta."""
    lineno = meta.get("lineno")
    return (
        display_name(str(meta.get("filename", ""))),
        lineno if isinstance(lineno, int) else None,
    )


def period_title(period: Period) -> str:
    """The period for a title (" from START to LAST"): both days included."""
    start, last = period.start, period.last
    if start and last:
        return f" from {start} to {last}"
    if start:
        return f" from {start}"
    if last:
        return f" to {last}"
    return ""


def period_params(period: Period) -> tuple[tuple[str, Param], ...]:
    """The period as options: ``start`` and ``end``, both included."""
    return (("start", period.start), ("end", period.last))
