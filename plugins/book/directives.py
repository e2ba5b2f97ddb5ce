"""Reading ``custom`` order directives into checked, typed argument records.

Each directive has a fixed usage (its value positions, SPEC.md), held by its
record in :mod:`beancount_orders.book.registry`. :func:`parse` checks the number
and the type of every value against it and returns either a :class:`Directive`
whose ``args`` is that directive's argument record (``InvoiceArgs(order,
invoice, items)`` ...) or an error message that names the usage and what was
wrong.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING
from typing import Any
from typing import Generic
from typing import Literal
from typing import NamedTuple
from typing import TypeVar

from beancount.core import account as account_lib
from beancount.core import data
from beancount.core.amount import Amount

if TYPE_CHECKING:
    from beancount_orders.book.registry import Spec

ID_RE = re.compile(r"^[A-Za-z0-9\-_/.]+$")
ITEM_RE = re.compile(r"^[A-Z](?:[A-Z0-9'._-]*[A-Z0-9])?$")

# Value kinds of a usage. ``pairs`` is the (ITEM QTY)... tail.
# doc      a new document id (letters, digits, -_/. so that it can be a link)
# ref      a reference to an existing order, invoice, credit ... (a string)
# text     any string
# item     a commodity name written as a string
# qty      a positive number
# amount   a number with a currency
# method   a payment method string or an account
# pairs    zero or more (ITEM QTY) pairs
# triples  zero or more (ITEM QTY PRICE) triples
Kind = Literal["doc", "ref", "text", "item", "qty", "amount", "method", "pairs", "triples"]
TAILS = frozenset({"pairs", "triples"})

Items = tuple[tuple[str, Decimal], ...]  # (ITEM QTY) pairs, as written


class Money(NamedTuple):
    """An AMOUNT value: a number with its currency (never without a number)."""

    number: Decimal
    currency: str

    def __str__(self) -> str:
        return str(Amount(self.number, self.currency))  # as Beancount writes it


class Method(NamedTuple):
    """A payment METHOD: a name (``"card"``, ``"credit"``) or an account written as one."""

    kind: Literal["method", "account"]
    value: str


# -- the argument record of each directive (value positions, SPEC.md) ---------


class CustomerArgs(NamedTuple):
    id: str
    name: str


class OrderArgs(NamedTuple):
    order: str
    customer: str


class LineArgs(NamedTuple):
    order: str
    item: str
    qty: Decimal
    price: Money


class CommitArgs(NamedTuple):
    order: str
    items: Items


class CancelArgs(NamedTuple):
    order: str
    items: Items


class InvoiceArgs(NamedTuple):
    order: str
    invoice: str
    items: Items


class DispatchArgs(NamedTuple):
    order: str
    items: Items


class PaymentArgs(NamedTuple):
    ref: str
    amount: Money
    method: Method


class RedeemArgs(NamedTuple):
    order: str
    points: Money


class CreditArgs(NamedTuple):
    credit: str
    customer: str
    amount: Money


class RefundArgs(NamedTuple):
    customer: str
    amount: Money
    method: Method


class ReturnArgs(NamedTuple):
    id: str
    order: str
    item: str
    qty: Decimal


class CreditOrderArgs(NamedTuple):
    co: str
    invoice: str


class CreditLineArgs(NamedTuple):
    co: str
    item: str
    type: str
    qty: Decimal
    price: Money


class CreditMemoArgs(NamedTuple):
    memo: str
    customer: str
    amount: Money


class AllocateArgs(NamedTuple):
    source: str
    invoice: str
    amount: Money


class LoyaltyProgramArgs(NamedTuple):
    symbol: str


class LoyaltyAdjustArgs(NamedTuple):
    customer: str
    points: Money


class StockInArgs(NamedTuple):
    po: str
    item: str
    qty: Decimal
    cost: Money


class TransferArgs(NamedTuple):
    item: str
    qty: Decimal
    source: str
    target: str


class VoidArgs(NamedTuple):
    document: str


class SupplierArgs(NamedTuple):
    id: str
    name: str


class CompanyArgs(NamedTuple):
    name: str


class PurchaseOrderArgs(NamedTuple):
    po: str
    supplier: str


class POLineArgs(NamedTuple):
    po: str
    item: str
    qty: Decimal
    cost: Money


class ReceiptArgs(NamedTuple):
    po: str
    receipt: str
    items: Items


class Priced(NamedTuple):
    """An (ITEM QTY PRICE) triple of a bill."""

    item: str
    qty: Decimal
    price: Money


class BillArgs(NamedTuple):
    po: str
    bill: str
    lines: tuple[Priced, ...]


class LandedCostArgs(NamedTuple):
    po: str
    bill: str
    amount: Money


class BillPaymentArgs(NamedTuple):
    ref: str
    amount: Money
    method: Method


A = TypeVar("A", bound=tuple[Any, ...])


class Directive(NamedTuple, Generic[A]):
    """A checked order directive: its entry, its typed arguments, and for quick
    access the entry's metadata and date."""

    entry: data.Custom
    args: A
    meta: data.Meta
    date: datetime.date

    @property
    def type(self) -> str:
        return self.entry.type


def show(value: Any, dtype: Any = None) -> str:
    """A value as the bookkeeper wrote it, for error messages."""
    if dtype == account_lib.TYPE:
        return str(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def _kind_name(value: Any, dtype: Any) -> str:
    if dtype == account_lib.TYPE:
        return "an account"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Amount):
        return "an amount"
    if isinstance(value, Decimal):
        return "a number"
    if isinstance(value, datetime.date):
        return "a date"
    return type(value).__name__


def _got(value: Any, dtype: Any) -> str:
    return f"got {_kind_name(value, dtype)} {show(value, dtype)}"


Checked = tuple[Any, str | None]  # (converted value, problem or None)


def _is_string(value: Any, dtype: Any) -> bool:
    return value.__class__ is str and dtype != account_lib.TYPE


def _text(name: str, value: Any, dtype: Any) -> Checked:
    """``ref`` and ``text``: a non-empty string."""
    if not _is_string(value, dtype):
        return None, f"{name} must be a string, {_got(value, dtype)}"
    if not value.strip():
        return None, f"{name} must not be empty"
    return value, None


def _doc(name: str, value: Any, dtype: Any) -> Checked:
    """A new document id: a string that can be a Beancount link."""
    checked = _text(name, value, dtype)
    if checked[1] is None and not ID_RE.match(value):
        return None, (
            f'{name} "{value}" cannot be a Beancount link: use only letters, digits '
            "and - _ / ."
        )
    return checked


def _item(name: str, value: Any, dtype: Any) -> Checked:
    """A commodity name written as a string."""
    if not _is_string(value, dtype):
        return None, (
            f'{name} must be a commodity name in quotes such as "WIDGET", '
            f"{_got(value, dtype)}"
        )
    if not ITEM_RE.match(value) or len(value) > 24:
        return None, (
            f'{name} "{value}" is not a valid commodity name (capital letters, digits '
            "and ' . _ -, starting with a letter)"
        )
    return value, None


def _qty(name: str, value: Any, dtype: Any) -> Checked:
    """A positive number within the engine's range."""
    if value.__class__ is not Decimal:
        return None, f"{name} must be a number, {_got(value, dtype)}"
    problem = number_problem(value)
    if problem:
        return None, f"{name} {problem}"
    if value <= 0:
        return None, f"{name} must be greater than zero, got {value}"
    return value, None


def _amount(name: str, value: Any, dtype: Any) -> Checked:
    """A number with a currency, within the engine's range."""
    if value.__class__ is not Amount or value.number is None:
        return None, f"{name} must be an amount such as 10.00 GBP, {_got(value, dtype)}"
    problem = number_problem(value)
    if problem:
        return None, f"{name} {problem}"
    return Money(value.number, value.currency), None


def _method(name: str, value: Any, dtype: Any) -> Checked:
    """A payment method: a name, or an account written as one."""
    if dtype == account_lib.TYPE:
        return Method("account", value), None
    if _is_string(value, dtype) and value.strip():
        return Method("method", value), None
    return None, f"{name} must be a method name string or an account, {_got(value, dtype)}"


Check = Callable[[str, Any, Any], Checked]  # (position name, value, its type)

# The check of each value kind.
CHECKS: dict[str, Check] = {
    "doc": _doc,
    "ref": _text,
    "text": _text,
    "item": _item,
    "qty": _qty,
    "amount": _amount,
    "method": _method,
}


# The kinds :func:`parse` accepts at once when their value is what they promise
# (the common case); any other value goes through its check, which says why.
FAST_TEXT, FAST_QTY, FAST_AMOUNT, FAST_ITEM, FAST_NONE = range(5)
FAST: dict[str, int] = {
    "ref": FAST_TEXT,
    "text": FAST_TEXT,
    "qty": FAST_QTY,
    "amount": FAST_AMOUNT,
    "item": FAST_ITEM,
}
# Item names already checked (a ledger has few, written many times).
_ITEMS_SEEN: set[str] = set()


def plain(number: Decimal) -> bool:
    """Whether a number is plainly within range: finite, below 10^15 in size, at
    most 12 decimal places, written without exponent (else :func:`number_problem`
    looks closer)."""
    if not number.is_finite() or not -NUMBER_LIMIT < number < NUMBER_LIMIT:
        return False
    text = str(number)
    if "E" in text:
        return False
    dot = text.find(".")
    return dot < 0 or len(text) - dot - 1 <= MAX_PLACES


def parse(entry: data.Custom, spec: Spec) -> tuple[Directive[Any] | None, str | None]:
    """Check a custom entry against its usage; return the directive or a problem."""
    fast_checks, tail = spec.fast_checks, spec.tail
    values = entry.values or []
    count, fixed = len(values), len(fast_checks)
    if count < fixed or (tail is None and count > fixed):
        return None, (
            f"Invalid {spec.usage}: expected {fixed} "
            f"value{'s' if fixed != 1 else ''}, got {count}"
        )
    args: list[Any] = []
    append = args.append
    for (name, check, fast), value_type in zip(fast_checks, values, strict=False):
        value, dtype = value_type
        if fast == FAST_TEXT:
            if dtype is str and value.strip():
                append(value)
                continue
        elif fast == FAST_AMOUNT:
            if value.__class__ is Amount:
                number = value.number
                if number.__class__ is Decimal and plain(number):
                    append(Money(number, value.currency))
                    continue
        elif fast == FAST_QTY:
            if value.__class__ is Decimal and value > 0 and plain(value):
                append(value)
                continue
        elif fast == FAST_ITEM and dtype is str and value in _ITEMS_SEEN:
            append(value)
            continue
        value, problem = check(name, value, dtype)
        if problem:
            return None, f"Invalid {spec.usage}: {problem}"
        if fast == FAST_ITEM:
            _ITEMS_SEEN.add(value)
        append(value)
    if tail == "triples":
        triples, problem = _triples(values[fixed:])
        if problem:
            return None, f"Invalid {spec.usage}: {problem}"
        args.append(triples)
    elif tail == "pairs":
        rest = values[fixed:]
        if len(rest) % 2:
            return None, (
                f"Invalid {spec.usage}: (ITEM QTY) values must come in pairs, "
                f"got {len(rest)}"
            )
        pairs: list[tuple[str, Decimal]] = []
        for position in range(0, len(rest), 2):
            item_value, qty_value = rest[position], rest[position + 1]
            item, problem = _item("ITEM", item_value.value, item_value.dtype)
            if problem is None:
                qty, problem = _qty("QTY", qty_value.value, qty_value.dtype)
            if problem:
                return None, f"Invalid {spec.usage}: {problem}"
            pairs.append((item, qty))
        args.append(tuple(pairs))
    return Directive(entry, spec.args(*args), entry.meta, entry.date), None


def _triples(rest: list[Any]) -> tuple[tuple[Priced, ...], str | None]:
    """The (ITEM QTY PRICE) tail of a bill, or the problem with it."""
    if len(rest) % 3:
        return (), f"(ITEM QTY PRICE) values must come in threes, got {len(rest)}"
    triples: list[Priced] = []
    for position in range(0, len(rest), 3):
        item_value, qty_value, price_value = rest[position : position + 3]
        item, problem = _item("ITEM", item_value.value, item_value.dtype)
        if problem is None:
            qty, problem = _qty("QTY", qty_value.value, qty_value.dtype)
        if problem is None:
            price, problem = _amount("PRICE", price_value.value, price_value.dtype)
        if problem:
            return (), problem
        triples.append(Priced(item, qty, price))
    return tuple(triples), None


# -- metadata keys and numbers (SPEC Revision 2) ---------------------------------

# Keys every entry carries, and Beancount's and our hidden ones ("__...").
SYSTEM_KEYS = frozenset({"filename", "lineno"})
# Numbers the engine accepts: below 10^15 in size, at most 12 decimal places.
NUMBER_LIMIT = Decimal(10) ** 15
MAX_PLACES = 12


def edits(a: str, b: str) -> int:
    """The Levenshtein distance between two short strings."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(
                min(
                    previous[j] + 1,
                    current[j - 1] + 1,
                    previous[j - 1] + (char_a != char_b),
                )
            )
        previous = current
    return previous[-1]


def _fold(key: str) -> str:
    return key.lower().replace("_", "-")


def near_key(key: str, known: frozenset[str]) -> str | None:
    """The known key that ``key`` nearly is: equal but for case or ``-``/``_``, or
    within one edit of a known key of up to four letters, two of a longer one."""
    folded = _fold(key)
    best: tuple[int, str] | None = None
    for candidate in sorted(known):
        if _fold(candidate) == folded:
            return candidate
        distance = edits(folded, candidate)
        if distance <= (1 if len(candidate) <= 4 else 2) and (
            best is None or distance < best[0]
        ):
            best = (distance, candidate)
    return best[1] if best else None


NO_META: dict[str, Any] = {}  # the free metadata of a directive that has none (read only)


def check_meta(meta: data.Meta, spec: Spec) -> tuple[list[str], dict[str, Any]]:
    """The problems of a directive's metadata, and its free-form keys.

    A key that is not one of the directive's but nearly is, is a problem ("did
    you mean"); so is a number or amount out of range. Every other key that is
    not the directive's own (nor ``filename``, ``lineno`` or hidden ``__`` ones)
    is free: kept, and copied onto the transactions the directive generates.
    """
    if len(meta) <= len(SYSTEM_KEYS):  # only where it was written: nothing to check
        return [], NO_META
    problems = []
    for key, value in meta.items():
        kind = value.__class__
        if kind is Decimal or kind is Amount:
            problem = number_problem(value)
            if problem:
                problems.append(f"Metadata {key}: {problem}; the directive was not applied")
    free: dict[str, Any] = {}
    other = meta.keys() - spec.known
    for key in meta:  # in the order written
        if key not in other or key.startswith("__"):
            continue
        near = near_key(key, spec.keys)
        if near is not None:
            problems.append(
                f'Unknown metadata key "{key}" on a "{spec.name}" directive: '
                f'did you mean "{near}"? It was not applied'
            )
        else:
            free[key] = meta[key]
    return problems, free or NO_META


def number_problem(value: Any) -> str | None:
    """Why a number (or an amount's number) is out of range, or None."""
    number = value.number if isinstance(value, Amount | Money) else value
    if number.__class__ is not Decimal:
        return None
    if plain(number):
        return None  # the common case, at once
    if number.is_finite() and -NUMBER_LIMIT < number < NUMBER_LIMIT:
        exponent = number.as_tuple().exponent
        if isinstance(exponent, int) and exponent >= -MAX_PLACES:
            return None
    if not number.is_finite():
        return f"{number} is not a number"
    if isinstance(value, Decimal):
        value = f"{value:f}"  # as written, never in exponent form
    if abs(number) >= NUMBER_LIMIT:
        return f"{value} is too large (numbers must be below 10^15)"
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_PLACES:
        return f"{value} has more than {MAX_PLACES} decimal places"
    return None
