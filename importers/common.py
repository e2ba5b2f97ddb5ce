"""What the Shopify and Stripe importers share (the reading of exports is in
:mod:`.reading`, the books' state in :mod:`.ledger`, the importers' base class
in :mod:`.base`).

- :class:`RowError`, the errors an importer collects instead of raising:
  ``(filename, row, message)``, printed as ``FILE:ROW: message``; and, with
  ``kind`` :data:`WARNING`, the rows imported with a change worth knowing about,
  printed as ``FILE:ROW: warning: message``; :class:`Problem`, raised inside an
  importer and turned into a :class:`RowError`.
- :func:`strip_tags` and :func:`clean_text`: text from the web with its HTML tags
  removed (Fava's journal shows payees and metadata as HTML), with a warning.
- :func:`order_id` and :func:`commodity_name`: Shopify order names and SKUs made
  into valid document ids and commodity names.
- :func:`custom` and :func:`transaction`: the entries the importers write.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import unicodedata
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any
from typing import NamedTuple
from typing import cast

from beancount.core import account as account_lib
from beancount.core import data
from beancount.core.amount import Amount
from beancount.parser.grammar import ValueType

# The plugin's own rules (plugins/book/directives.py), repeated here so that the
# importers only ever emit directives that parse.
ID_RE = re.compile(r"^[A-Za-z0-9\-_/.]+$")
ITEM_RE = re.compile(r"^[A-Z](?:[A-Z0-9'._-]*[A-Z0-9])?$")
ITEM_MAX = 24

# beangulp marks duplicates with this metadata key and prints them commented out.
DUPLICATE = "__duplicate__"

ZERO = Decimal(0)


ERROR = "error"
WARNING = "warning"


class RowError(NamedTuple):
    """A row of an export that was not imported, and why; or, with ``kind``
    :data:`WARNING`, a row that was imported with a change, and which."""

    filename: str
    row: int  # the line of the file the row starts on (the header is line 1)
    message: str
    kind: str = ERROR

    def __str__(self) -> str:
        prefix = "warning: " if self.kind == WARNING else ""
        return f"{self.filename}:{self.row}: {prefix}{self.message}"


class Problem(Exception):
    """A row that cannot be imported; becomes a :class:`RowError`."""

    def __init__(self, row: int, message: str) -> None:
        super().__init__(message)
        self.row = row
        self.message = message


class Account(str):
    """A custom value to be written as an account (no quotes)."""

    __slots__ = ()


# -- names ----------------------------------------------------------------------


def order_id(name: str, prefix: str) -> str | None:
    """The document id of a Shopify order name: ``#1060`` -> ``SHOP-1060``.

    The leading ``#`` goes; any other character that cannot be in a Beancount
    link becomes ``-``. None if nothing is left.
    """
    core = name.strip().lstrip("#").strip()
    core = re.sub(r"[^A-Za-z0-9\-_/.]+", "-", core).strip("-")
    if not core:
        return None
    return prefix + core


def strip_accents(text: str) -> str:
    """``text`` in ASCII: accents dropped, other characters left out."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def commodity_name(text: str) -> str | None:
    """A Beancount commodity name for a SKU (or a product name).

    Upper-cased, accents dropped, every run of other characters made ``-``; a
    name that does not start with a letter gets ``SKU-`` in front; one longer
    than 24 characters is cut and ends with 4 characters of a hash of the whole
    text, so two long SKUs stay apart. None if nothing is left.
    """
    plain = strip_accents(text)
    name = re.sub(r"[^A-Z0-9'._-]+", "-", plain.strip().upper())
    name = re.sub(r"-{2,}", "-", name).strip("'._-")
    if not name:
        return None
    if not name[0].isalpha():
        name = "SKU-" + name
    if len(name) > ITEM_MAX:
        digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:4].upper()
        name = name[: ITEM_MAX - 5].rstrip("'._-") + "-" + digest
    return name if ITEM_RE.match(name) else None


# An HTML tag with the blanks around it: < then a letter, /, ! or ?, up to the
# next > or the end of the text (a browser would close an unclosed tag with the
# next > of the page it is put in).
TAG_RE = re.compile(r"[ \t]*<[A-Za-z/!?][^>]*(?:>|$)[ \t]*")


def strip_tags(text: str) -> tuple[str, list[str]]:
    """``text`` without its HTML tags, and the tags removed, in order.

    A tag goes with the blanks around it, which become one space when there
    were any (``Evil <img src=x> Jones`` -> ``Evil Jones``); the result is then
    stripped. Tags are removed until none is left, so that removing one cannot
    make another (``<<b>img ...>``). Entities such as ``&amp;`` stay: they do no
    harm as text.
    """
    removed: list[str] = []

    def drop(match: re.Match[str]) -> str:
        found = match.group()
        removed.append(found.strip(" \t"))
        return " " if found[:1] in " \t" or found[-1:] in " \t" else ""

    cleaned = text
    while True:
        again = TAG_RE.sub(drop, cleaned)
        if again == cleaned:
            break
        cleaned = again
    return (cleaned.strip() if removed else cleaned), removed


def clean_text(text: str, what: str, row: int, warnings: list[tuple[int, str]]) -> str:
    """``text`` (a column ``what`` of ``row``) without HTML tags; each change is a
    ``(row, message)`` in ``warnings``, naming the column and what was removed."""
    cleaned, removed = strip_tags(text)
    if removed:
        tags = " ".join(removed)
        left = f'leaving "{cleaned}"' if cleaned else "leaving nothing"
        warnings.append(
            (
                row,
                f'{what} "{text}": removed HTML tag{"s" if len(removed) > 1 else ""} '
                f"{tags}, {left}",
            )
        )
    return cleaned


def money_quantum(precision: int) -> Decimal:
    return Decimal(1).scaleb(-precision)


# -- building directives --------------------------------------------------------


def custom(
    filename: str,
    lineno: int,
    date: datetime.date,
    dtype: str,
    values: Sequence[str | Decimal | Amount],
    meta: Mapping[str, Any] | None = None,
) -> data.Custom:
    """A ``custom`` directive; :class:`Account` values are written as accounts."""
    typed = []
    for value in values:
        if isinstance(value, Account):
            typed.append(ValueType(str(value), cast(type, account_lib.TYPE)))
        else:
            typed.append(ValueType(value, type(value)))
    entry_meta = data.new_metadata(filename, lineno)
    for key, value in (meta or {}).items():
        if value is not None and value != "":
            entry_meta[key] = value
    return data.Custom(entry_meta, date, dtype, typed)


def transaction(
    filename: str,
    lineno: int,
    date: datetime.date,
    payee: str | None,
    narration: str,
    postings: Sequence[tuple[str, Decimal, str]],
    meta: Mapping[str, Any],
    links: Iterable[str] = (),
) -> data.Transaction:
    entry_meta = data.new_metadata(filename, lineno)
    entry_meta.update(meta)
    return data.Transaction(
        entry_meta,
        date,
        "*",
        payee,
        narration,
        data.EMPTY_SET,
        frozenset(link for link in links if link),
        [
            data.Posting(account, Amount(number, currency), None, None, None, None)
            for account, number, currency in postings
        ],
    )


def value(entry: data.Custom, position: int) -> Any:
    values = entry.values or []
    return values[position].value if position < len(values) else None


def check_account(name: str, key: str) -> str:
    if not isinstance(name, str) or not account_lib.is_valid(name):
        raise ValueError(
            f"{key!r} must be an account name such as Assets:Stripe, got {name!r}"
        )
    return name


def check_keys(config: Mapping[str, Any], known: Iterable[str], what: str) -> None:
    names = sorted(known)
    for key in config:
        if key not in names:
            raise ValueError(
                f"unknown {what} importer option {key!r} (known: {', '.join(names)})"
            )


def basename(filepath: str) -> str:
    return Path(filepath).name


