"""Period locks: a digest per month of every entry, so that closed months stay closed.

``bean-orders lock LEDGER THROUGH`` appends a directive such as::

    2024-03-31 custom "period-lock" 2024-03-31
      digest-2024-01: "9f2c..."
      digest-2024-02: "41aa..."
      digest-2024-03: "07be..."

Each digest is a SHA-256 over the canonical text of every entry dated in that
month, written or generated: its type, date and fields, with metadata but
without ``filename``/``lineno``, sorted. Moving text between files or lines
changes nothing; changing, adding or removing an entry of a locked month (or a
directive whose generated postings fall in one) changes its digest, and the
plugin then reports the month.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from beancount.core import data
from beancount.core.amount import Amount
from beancount.core.position import Cost

LOCK = "period-lock"
PREFIX = "digest-"
SKIP_META = frozenset({"filename", "lineno"})


def _value(value: Any) -> str:
    """A value's canonical text (sets sorted, numbers exact, nothing hash-ordered)."""
    if value is None:
        return "~"
    if isinstance(value, bool):
        return "T" if value else "F"
    if isinstance(value, (str, Decimal, datetime.date, int)):
        return f"{type(value).__name__[0]}{value!s}"
    if isinstance(value, Amount):
        return f"A({_value(value.number)} {value.currency})"
    if isinstance(value, Cost):
        return f"C({value.number} {value.currency} {value.date} {_value(value.label)})"
    if isinstance(value, (set, frozenset)):
        return "{" + ",".join(sorted(_value(item) for item in value)) + "}"
    if isinstance(value, dict):
        return _meta(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_value(item) for item in value) + "]"
    if hasattr(value, "value"):  # enums such as Booking
        return f"E{value.value}"
    return f"?{value!s}"


def _meta(meta: data.Meta | None) -> str:
    if not meta:
        return "{}"
    items = sorted(
        f"{key}={_value(value)}"
        for key, value in meta.items()
        if key not in SKIP_META and not key.startswith("__")
    )
    return "{" + ",".join(items) + "}"


def canonical(entry: data.Directive) -> str:
    """An entry as text that depends on its content only, never on its position."""
    parts = [type(entry).__name__]
    for field in entry._fields:
        value = getattr(entry, field)
        if field == "meta":
            parts.append(_meta(value))
        elif field == "postings":
            parts.append(
                "["
                + ";".join(
                    f"{p.account} {_value(p.units)} {_value(p.cost)} {_value(p.price)} "
                    f"{_value(p.flag)} {_meta(p.meta)}"
                    for p in value
                )
                + "]"
            )
        elif field == "values":  # Custom
            parts.append("[" + ",".join(_value(v.value) for v in value) + "]")
        else:
            parts.append(_value(value))
    return "|".join(parts)


def month_of(date: datetime.date) -> str:
    return f"{date.year:04d}-{date.month:02d}"


def is_lock(entry: data.Directive) -> bool:
    return isinstance(entry, data.Custom) and entry.type == LOCK


def _texts(
    entries: Iterable[data.Directive], months: set[str] | None
) -> dict[str, list[tuple[datetime.date, str]]]:
    texts: dict[str, list[tuple[datetime.date, str]]] = {}
    for entry in entries:
        if is_lock(entry):
            continue
        month = month_of(entry.date)
        if months is not None and month not in months:
            continue
        texts.setdefault(month, []).append((entry.date, canonical(entry)))
    return texts


def _digest(texts: list[tuple[datetime.date, str]], through: datetime.date) -> str:
    digest = hashlib.sha256()
    for text in sorted(text for date, text in texts if date <= through):
        digest.update(text.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def digests(entries: Iterable[data.Directive], through: datetime.date) -> dict[str, str]:
    """The digest of every month from the first entry's to ``through``'s, counting
    the entries dated on or before ``through``."""
    texts = _texts(entries, None)
    dates = [date for month in texts.values() for date, _ in month if date <= through]
    if not dates:
        return {}
    first = min(dates)
    result = {}
    year, month = first.year, first.month
    while (year, month) <= (through.year, through.month):
        key = f"{year:04d}-{month:02d}"
        result[key] = _digest(texts.get(key, []), through)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return result


def lock_text(through: datetime.date, month_digests: dict[str, str]) -> str:
    """The directive ``bean-orders lock`` appends."""
    lines = [f'{through} custom "{LOCK}" {through}']
    lines += [
        f'  {PREFIX}{month}: "{digest}"' for month, digest in sorted(month_digests.items())
    ]
    return "\n".join(lines) + "\n"


def check_locks(
    entries: list[data.Directive], locks: list[data.Custom]
) -> list[tuple[data.Custom, str]]:
    """Every month locked by ``locks`` whose entries changed: (the lock, message)."""
    if not locks:
        return []
    problems = []
    wanted: list[tuple[data.Custom, dict[str, str]]] = []
    for lock in locks:
        recorded = {
            key[len(PREFIX) :]: value
            for key, value in lock.meta.items()
            if isinstance(key, str) and key.startswith(PREFIX)
        }
        values = lock.values or []
        if (
            len(values) != 1
            or not isinstance(values[0].value, datetime.date)
            or not recorded
        ):
            problems.append(
                (
                    lock,
                    f'Invalid "{LOCK}": expected a THROUGH date and digest-YYYY-MM '
                    "metadata, as written by bean-orders lock",
                )
            )
            continue
        wanted.append((lock, recorded))
    months = {month for _, recorded in wanted for month in recorded}
    texts = _texts(entries, months) if wanted else {}
    for lock, recorded in wanted:
        through = lock.values[0].value
        for month, digest in sorted(recorded.items()):
            if _digest(texts.get(month, []), through) != digest:
                problems.append(
                    (
                        lock,
                        f"Period {month} is locked (through {through}) and its entries "
                        "have changed since: undo the change, or date it after the lock",
                    )
                )
    return problems
