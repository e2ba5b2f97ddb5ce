"""Reading exports: a CSV file's header and records, each with the line it
starts on (:func:`read_csv`), the records broken by a missing or extra field
(never padded), why an importer declines a file (:func:`decline_reason`,
naming an encoding problem with its ``iconv`` fix, a semicolon file or the
missing columns), and the numbers and dates exports write."""

from __future__ import annotations

import csv
import datetime
import re
from collections.abc import Iterable
from collections.abc import Sequence
from decimal import Decimal
from decimal import InvalidOperation
from pathlib import Path
from typing import NamedTuple
from typing import TextIO

from beancount_orders.importers.common import Problem


class BrokenRow(NamedTuple):
    """A record with another number of fields than the header: never imported."""

    row: int
    fields: dict[str, str]  # the fields it has, by column name
    message: str


class Export(NamedTuple):
    """A CSV export as read: its column names, its records (each with the line
    it starts on) and the records that are broken."""

    header: list[str]
    records: list[tuple[int, dict[str, str]]]
    broken: list[BrokenRow]


def read_header(filepath: str) -> list[str] | None:
    """The column names of a CSV file, or None if it cannot be read as one."""
    try:
        with open(filepath, encoding="utf-8-sig", newline="") as file:
            header = next(csv.reader(file), None)
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    return None if header is None else [name.strip() for name in header]


def not_utf8(filepath: str, exc: UnicodeDecodeError) -> str:
    """What is wrong with a file that is not UTF-8, and the ``iconv`` fix.

    The position comes from decoding the file's bytes again (a text reader's
    error counts from the start of the chunk it was decoding).
    """
    try:
        raw = Path(filepath).read_bytes()
        raw.decode("utf-8")
    except UnicodeDecodeError as whole:
        start = whole.start
    except OSError:  # pragma: no cover - it was just read
        raw, start = b"", 0
    else:  # pragma: no cover - the reader found what decoding the bytes does not
        start = exc.start
    line = raw.count(b"\n", 0, start) + 1
    byte = raw[start] if start < len(raw) else 0
    name = Path(filepath).name
    return (
        f"the file is not UTF-8 text (byte 0x{byte:02x} at line {line}): "
        f"export it again as UTF-8, or convert it, e.g. "
        f"iconv -f latin1 -t utf-8 {name} > utf8-{name}"
    )


def read_csv(filepath: str) -> Export:
    """The header and the records of a CSV export, each with its first line.

    A UTF-8 byte order mark is dropped; line ends inside quoted fields become
    ``\\n``. A record with fewer fields than the header (a row cut short) or
    more is in ``broken``, never padded. Raises :class:`Problem` (row 1) when
    the file cannot be read.
    """
    try:
        with open(filepath, encoding="utf-8-sig", newline="") as file:
            return _read_records(file)
    except UnicodeDecodeError as exc:
        raise Problem(1, not_utf8(filepath, exc)) from None
    except OSError as exc:
        raise Problem(1, f"cannot read the file: {exc.strerror}") from None


def _read_records(file: TextIO) -> Export:
    reader = csv.reader(file)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise Problem(1, f"the header is not CSV: {exc}") from None
    if header is None:
        raise Problem(1, "the file is empty")
    header = [name.strip() for name in header]
    records: list[tuple[int, dict[str, str]]] = []
    broken: list[BrokenRow] = []
    start = reader.line_num + 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise Problem(start, f"this row is not valid CSV: {exc}") from None
        if any(field.strip() for field in fields):
            values = [field.replace("\r\n", "\n").replace("\r", "\n") for field in fields]
            named = dict(zip(header, values, strict=False))
            if len(fields) != len(header):
                cut = len(fields) < len(header)
                last = header[len(fields) - 1] if cut and fields else ""
                message = (
                    f"this row has {len(fields)} fields, the header {len(header)}"
                    + (
                        f": it is cut short after {last} (a damaged or edited file?)"
                        if cut and last
                        else ""
                    )
                    + "; the row is not imported"
                )
                broken.append(BrokenRow(start, named, message))
            else:
                records.append((start, named))
        start = reader.line_num + 1
    return Export(header, records, broken)


def missing_columns(header: Sequence[str] | None, required: Iterable[str]) -> list[str]:
    present = set(header or ())
    return [name for name in required if name not in present]


def decline_reason(
    filepath: str, required: Sequence[str], what: str, signature: Sequence[str] = ()
) -> str | None:
    """Why a file is not ``what`` (an export with the ``required`` columns), or
    None when it is. ``signature``: columns that together mark the file as
    ``what`` even without all of ``required`` (then the reason names what is
    missing)."""
    if not filepath.lower().endswith(".csv"):
        return "not a .csv file"
    try:
        with open(filepath, "rb") as file:
            head = file.read(1 << 16)
    except OSError as exc:
        return f"cannot read the file: {exc.strerror}"
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the 64 KiB mark
            return not_utf8(filepath, exc)
        text = head[: exc.start].decode("utf-8-sig", errors="ignore")
    header = read_header(filepath)
    if not header or not any(name for name in header):
        return "the file is empty" if not text.strip() else "no header row"
    missing = missing_columns(header, required)
    if not missing:
        return None
    first_line = text.splitlines()[0] if text else ""
    for separator, label in ((";", "semicolons"), ("\t", "tabs")):
        if len(header) == 1 and first_line.count(separator) >= 2:
            return (
                f"the columns are separated by {label}, not commas: export the file "
                "again with commas (or set your spreadsheet's list separator to ,)"
            )
    plural = "s" if len(missing) > 1 else ""
    found = [name for name in signature if name in header]
    shown = ", ".join(missing[:8])
    if len(missing) > 8:
        shown += f" and {len(missing) - 8} more"
    if signature and len(found) == len(signature):
        return f"looks like a {what} but lacks the column{plural} {shown}"
    return f"not a {what}: no column{plural} {shown}"


def parse_decimal(
    text: str, what: str, row: int, *, blank: Decimal | None = None
) -> Decimal:
    """A number written in an export (``1234.50``, ``1,234.50``, ``-3.07``)."""
    cleaned = text.strip().replace(",", "")
    if not cleaned:
        if blank is not None:
            return blank
        raise Problem(row, f"{what} is empty")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise Problem(row, f'{what} "{text}" is not a number') from None
    if not number.is_finite():
        raise Problem(row, f'{what} "{text}" is not a number')
    return number


DATE_RE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[ T]|$)")


def parse_date(text: str, what: str, row: int) -> datetime.date:
    """The date of a timestamp such as ``2024-03-04 10:15:00 -0500``, as written."""
    match = DATE_RE.match(text)
    if match is None:
        raise Problem(
            row, f'{what} "{text}" is not a date such as 2024-03-04 10:15:00 +0000'
        )
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        raise Problem(row, f'{what} "{text}" is not a valid date') from None




def latest_date(filepath: str, column: str, label: str) -> datetime.date | None:
    """The latest date in a column of a CSV export (None when there is none)."""
    try:
        records = read_csv(filepath).records
    except Problem:
        return None
    dates = []
    for row, record in records:
        try:
            dates.append(parse_date(record.get(column, ""), label, row))
        except Problem:
            continue
    return max(dates, default=None)


def read_export(filepath: str, required: Iterable[str], what: str) -> Export:
    """A CSV export; a Problem at line 1 when columns are missing."""
    export = read_csv(filepath)
    missing = missing_columns(export.header, required)
    if missing:
        raise Problem(
            1,
            f"not a {what}: missing column"
            f"{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
        )
    return export
