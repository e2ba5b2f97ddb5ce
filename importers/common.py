"""What the Shopify and Stripe importers share.

- :class:`RowError`, the errors an importer collects instead of raising:
  ``(filename, row, message)``, printed as ``FILE:ROW: message``; and, with
  ``kind`` :data:`WARNING`, the rows imported with a change worth knowing about,
  printed as ``FILE:ROW: warning: message``.
- :func:`strip_tags` and :func:`clean_text`: text from the web with its HTML tags
  removed (Fava's journal shows payees and metadata as HTML), with a warning.
- :func:`read_csv`: a CSV export read with its UTF-8 BOM removed and each record
  numbered by the line it starts on (quoted notes may span several lines).
- :func:`order_id` and :func:`commodity_name`: Shopify order names and SKUs made
  into valid document ids and commodity names.
- :class:`Ledger`: what the existing ledger already holds (document ids,
  customers, dispatched and cancelled quantities, refunds, Stripe transactions),
  so that an import adds only what is new.
- :class:`OrdersImporter`: the base of both importers: errors, deduplication by
  document id and the beangulp methods they share.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import re
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from decimal import Decimal
from decimal import InvalidOperation
from pathlib import Path
from typing import Any
from typing import NamedTuple
from typing import TextIO
from typing import cast

import beangulp
from beancount.core import account as account_lib
from beancount.core import data
from beancount.core.amount import Amount
from beancount.parser import printer
from beancount.parser.grammar import ValueType

from beancount_orders.book.registry import DOCUMENT_POSITIONS

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


# -- reading exports -----------------------------------------------------------


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


# -- the existing ledger --------------------------------------------------------

# The value position of the document id each directive creates, from the
# engine's registry.
DOC_POSITIONS = DOCUMENT_POSITIONS


class KnownOrder(NamedTuple):
    """An order of the books: where it came from."""

    source: str | None  # its `source` metadata ("shopify")
    shopify_id: str | None  # its `shopify-id` metadata


class Ledger:
    """What the existing ledger holds, for adding only what is new."""

    def __init__(self, entries: Iterable[data.Directive]) -> None:
        self.documents: set[str] = set()  # every document id, payment ids included
        self.customers: set[str] = set()
        self.order_customer: dict[str, str] = {}
        self.orders: dict[str, KnownOrder] = {}
        # Commodity -> whether it is stock (its `stock` metadata; TRUE if none).
        self.commodities: dict[str, bool] = {}
        # Items the books hold in stock (received, transferred, or in a lot).
        self.stocked: set[str] = set()
        # Account -> its open directive's date and currencies (empty: any).
        self.opened: dict[str, tuple[datetime.date, tuple[str, ...]]] = {}
        self.order_currency: dict[str, str] = {}
        self.dispatched: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        self.cancelled: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        self.dispatched_all: set[str] = set()  # orders with a dispatch of everything
        self.cancelled_all: set[str] = set()
        self.credits: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
        self.credit_orders: set[str] = set()
        self.charges: dict[str, str] = {}  # Stripe charge id -> order id
        # Order id -> the suspense account its Shopify payment went to, for the
        # orders paid through several gateways at once (payment meta `split`):
        # a gateway importer moves its share out of that account.
        self.split_payments: dict[str, str] = {}
        self.stripe: set[str] = set()  # Stripe balance transaction ids
        for entry in entries:
            meta = entry.meta or {}
            stripe_id = meta.get("stripe-id")
            if isinstance(stripe_id, str):
                self.stripe.add(stripe_id)
            if isinstance(entry, data.Custom):
                self.add(entry)
            elif isinstance(entry, data.Transaction):
                self.stocked.update(
                    posting.units.currency
                    for posting in entry.postings
                    if posting.cost is not None and posting.units is not None
                )
            elif isinstance(entry, data.Commodity):
                self.commodities[entry.currency] = meta.get("stock", True) is not False
            elif isinstance(entry, data.Open):
                self.opened[entry.account] = (entry.date, tuple(entry.currencies or ()))

    def add(self, entry: data.Custom) -> None:
        dtype, meta = entry.type, entry.meta or {}
        position = DOC_POSITIONS.get(dtype)
        if position is not None:
            doc = value(entry, position)
            if isinstance(doc, str):
                self.documents.add(doc)
        if dtype == "customer":
            customer = value(entry, 0)
            if isinstance(customer, str):
                self.customers.add(customer)
        elif dtype == "order":
            order, customer = value(entry, 0), value(entry, 1)
            if isinstance(order, str) and isinstance(customer, str):
                self.order_customer[order] = customer
            if isinstance(order, str):
                source, shopify_id = meta.get("source"), meta.get("shopify-id")
                self.orders[order] = KnownOrder(
                    source if isinstance(source, str) else None,
                    shopify_id if isinstance(shopify_id, str) else None,
                )
        elif dtype == "line":
            order, price = value(entry, 0), value(entry, 3)
            if isinstance(order, str) and isinstance(price, Amount):
                self.order_currency.setdefault(order, price.currency)
        elif dtype in ("dispatch", "cancel"):
            self.add_quantities(entry)
        elif dtype in ("stock-in", "transfer"):
            item = value(entry, 1 if dtype == "stock-in" else 0)
            if isinstance(item, str):
                self.stocked.add(item)
        elif dtype == "payment":
            doc, charge = meta.get("id"), meta.get("charge")
            if isinstance(doc, str):
                self.documents.add(doc)
            ref = value(entry, 0)
            if isinstance(charge, str) and isinstance(ref, str):
                self.charges[charge] = ref
            method = value(entry, 2)
            split = meta.get("split") is True
            if split and isinstance(ref, str) and isinstance(method, str):
                self.split_payments[ref] = method
        if dtype == "credit-order":
            credit_order = value(entry, 0)
            if isinstance(credit_order, str):
                self.credit_orders.add(credit_order)
        if dtype == "credit":
            credit, amount, order = value(entry, 0), value(entry, 2), meta.get("order")
            if (
                isinstance(credit, str)
                and isinstance(amount, Amount)
                and isinstance(order, str)
            ):
                self.credits[order].append((credit, amount.number or ZERO))

    def closed_to(self, account: str, date: datetime.date, currency: str) -> str | None:
        """Why ``account`` cannot take ``currency`` on ``date`` in these books (it
        is opened later, or for other currencies), or None."""
        opened = self.opened.get(account)
        if opened is None:
            return None
        day, currencies = opened
        if date < day:
            return (
                f"{account} is opened on {day}, after this row's date {date}: "
                "move its open directive earlier"
            )
        if currencies and currency not in currencies:
            return (
                f"{account} is opened for {', '.join(currencies)} only, not {currency}: "
                "add the currency to its open directive"
            )
        return None

    def add_quantities(self, entry: data.Custom) -> None:
        order = value(entry, 0)
        if not isinstance(order, str):
            return
        done = self.dispatched if entry.type == "dispatch" else self.cancelled
        every = self.dispatched_all if entry.type == "dispatch" else self.cancelled_all
        rest = (entry.values or [])[1:]
        if not rest:
            every.add(order)
            return
        for position in range(0, len(rest) - 1, 2):
            item, qty = rest[position].value, rest[position + 1].value
            if isinstance(item, str) and isinstance(qty, Decimal):
                done[order, item] += qty


# -- the importers' shared base ----------------------------------------------------


def identities(entry: data.Directive) -> list[str]:
    """The document ids an extracted entry stands for, for deduplication.

    A line stands for its order (lines are only ever emitted with a new order);
    Stripe entries stand for their balance transaction.
    """
    keys: list[str] = []
    meta = entry.meta or {}
    stripe_id = meta.get("stripe-id")
    if isinstance(stripe_id, str):
        keys.append("stripe:" + stripe_id)
    if isinstance(entry, data.Commodity):
        keys.append("commodity:" + entry.currency)
    if isinstance(entry, data.Custom):
        position = DOC_POSITIONS.get(entry.type)
        if position is not None:
            doc = value(entry, position)
            if isinstance(doc, str):
                keys.append("doc:" + doc)
        elif entry.type == "customer":
            keys.append(f"customer:{value(entry, 0)}")
        elif entry.type == "line":
            keys.append(f"doc:{value(entry, 0)}")
        elif entry.type == "payment" and isinstance(meta.get("id"), str):
            keys.append("doc:" + meta["id"])
    return keys


def existing_identities(entries: Iterable[data.Directive]) -> set[str]:
    keys: set[str] = set()
    for entry in entries:
        if isinstance(entry, data.Custom) and entry.type == "line":
            continue  # a line does not make its order known
        keys.update(identities(entry))
        if isinstance(entry, data.Custom) and entry.type == "payment":
            doc = (entry.meta or {}).get("id")
            if isinstance(doc, str):
                keys.add("stripe:" + doc)
        if isinstance(entry, data.Custom) and entry.type == "credit":
            doc = value(entry, 0)
            if isinstance(doc, str):
                keys.add("stripe:" + doc)
    return keys


def entry_text(entry: data.Directive) -> str:
    meta = {k: v for k, v in (entry.meta or {}).items() if k != DUPLICATE}
    return printer.format_entry(entry._replace(meta=meta))


class OrdersImporter(beangulp.Importer):  # type: ignore[misc]  # beangulp is untyped
    """Errors, deduplication and filing shared by the Shopify and Stripe importers.

    ``errors`` lists every row of the documents extracted so far that was not
    imported, as :class:`RowError` ``(filename, row, message)``; ``warnings``
    every row imported with a change (HTML tags removed from a name), as
    :class:`RowError` of kind :data:`WARNING`. Extracting a file again replaces
    that file's errors and warnings.
    """

    #: The columns without which a file is not this importer's.
    required: tuple[str, ...] = ()
    #: The archival file name.
    document_name = "export.csv"

    def __init__(self) -> None:
        self.errors: list[RowError] = []
        self.warnings: list[RowError] = []
        self.filing_account = "Assets:Receivable"
        # What this importer extracted in this run, and the importers whose
        # extractions this one reads as if they were in the books already (the
        # Stripe importer reads the Shopify one's: the orders its charges pay).
        self.extracted: list[data.Directive] = []
        self.partners: list[OrdersImporter] = []

    #: What the file is called in messages ("Shopify orders export").
    what = "export"
    #: Columns that mark a file as this importer's even when others are missing.
    signature: tuple[str, ...] = ()

    def identify(self, filepath: str) -> bool:
        return self.decline(filepath) is None

    def decline(self, filepath: str) -> str | None:
        """Why this importer does not read the file, or None when it does."""
        return decline_reason(filepath, self.required, self.what, self.signature)

    def account(self, filepath: str) -> data.Account:
        return self.filing_account

    def filename(self, filepath: str) -> str | None:
        return self.document_name

    def extract(self, filepath: str, existing: data.Entries) -> data.Entries:
        """The new directives of the export; its bad rows go to :attr:`errors`,
        the rows imported with a change to :attr:`warnings`.

        Never raises: a row that cannot be imported is reported and left out,
        the others are imported. :meth:`read` puts errors and warnings in one
        list, told apart by their ``kind``.
        """
        errors: list[RowError] = []
        known = list(existing)
        for partner in self.partners:
            known.extend(partner.extracted)
        try:
            entries = self.read(filepath, Ledger(known), errors)
        except Problem as problem:
            errors.append(RowError(filepath, problem.row, problem.message))
            entries = []
        except Exception as exc:  # a bug must not lose the other rows' errors
            errors.append(
                RowError(
                    filepath,
                    1,
                    f"internal error in {self.name} (please report it): "
                    f"{type(exc).__name__}: {exc}",
                )
            )
            entries = []
        errors.sort(key=lambda error: error.row)
        self.errors = [error for error in self.errors if error.filename != filepath]
        self.errors.extend(error for error in errors if error.kind != WARNING)
        self.warnings = [found for found in self.warnings if found.filename != filepath]
        self.warnings.extend(found for found in errors if found.kind == WARNING)
        self.extracted.extend(entries)
        return entries

    def read(
        self, filepath: str, ledger: Ledger, errors: list[RowError]
    ) -> list[data.Directive]:
        raise NotImplementedError

    def errors_for(self, filepath: str) -> list[RowError]:
        return [error for error in self.errors if error.filename == filepath]

    def warnings_for(self, filepath: str) -> list[RowError]:
        return [found for found in self.warnings if found.filename == filepath]

    def deduplicate(self, entries: data.Entries, existing: data.Entries) -> None:
        """Mark entries whose document is already known, or that are already there.

        ``existing`` is the ledger plus what was extracted before in the same
        run. An entry is a duplicate when a document id it stands for (order,
        invoice, credit, payment id, Stripe transaction) is in ``existing``,
        or when ``existing`` has the very same directive.
        """
        known = existing_identities(existing)
        texts = {
            entry_text(entry)
            for entry in existing
            if isinstance(entry, (data.Custom, data.Transaction, data.Commodity))
        }
        for entry in entries:
            if any(key in known for key in identities(entry)) or entry_text(entry) in texts:
                entry.meta[DUPLICATE] = True


def report_errors(
    extracted: list[tuple[str, data.Entries, str, beangulp.Importer]],
    existing: data.Entries,
) -> list[tuple[str, data.Entries, str, beangulp.Importer]]:
    """A beangulp hook: print the rows that were not imported, ``FILE:ROW: message``,
    and the rows imported with a change, ``FILE:ROW: warning: message``.

    ``beangulp.Ingest(default_importers(), hooks=[report_errors])`` makes a
    beangulp import script show them on standard error, by row.
    """
    for filepath, _, _, importer in extracted:
        found = [*getattr(importer, "errors", ()), *getattr(importer, "warnings", ())]
        for error in sorted(found, key=lambda error: error.row):
            if error.filename == filepath:
                print(error, file=sys.stderr)
    return extracted


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
