"""Reading ``custom`` order directives into checked, typed arguments.

Each directive type has a fixed usage (its value positions, from SPEC.md).
:func:`parse` checks the number and the type of every value against it and
returns either a :class:`Directive` or an error message that names the usage
and what was wrong.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any
from typing import NamedTuple

from beancount.core import account as account_lib
from beancount.core import data
from beancount.core.amount import Amount

ID_RE = re.compile(r"^[A-Za-z0-9\-_/.]+$")
ITEM_RE = re.compile(r"^[A-Z](?:[A-Z0-9'._-]*[A-Z0-9])?$")

# Value kinds. A trailing "?" marks an optional value, "*" the (ITEM QTY)... pairs.
# doc      a new document id (letters, digits, -_/. so that it can be a link)
# ref      a reference to an existing order, invoice, credit ... (a string)
# text     any string
# item     a commodity name written as a string
# qty      a positive number
# number   any number
# amount   a number with a currency
# method   a payment method string or an account
# account  an account
# bool     TRUE or FALSE
# pairs    zero or more (ITEM QTY) pairs
USAGES: dict[str, tuple[tuple[str, str], ...]] = {
    "customer": (("ID", "text"), ("NAME", "text")),
    "order": (("ORDER", "doc"), ("CUSTOMER", "text")),
    "line": (("ORDER", "ref"), ("ITEM", "item"), ("QTY", "qty"), ("PRICE", "amount")),
    "commit": (("ORDER", "ref"), ("(ITEM QTY)...", "pairs")),
    "cancel": (("ORDER", "ref"), ("(ITEM QTY)...", "pairs")),
    "invoice": (("ORDER", "ref"), ("INVOICE", "doc"), ("(ITEM QTY)...", "pairs")),
    "dispatch": (("ORDER", "ref"), ("(ITEM QTY)...", "pairs")),
    "payment": (("REF", "text"), ("AMOUNT", "amount"), ("METHOD", "method")),
    "redeem": (("ORDER", "ref"), ("POINTS", "amount")),
    "credit": (("CREDIT", "doc"), ("CUSTOMER", "text"), ("AMOUNT", "amount")),
    "refund": (("CUSTOMER", "text"), ("AMOUNT", "amount"), ("METHOD", "method")),
    "return": (("RETURN", "doc"), ("ORDER", "ref"), ("ITEM", "item"), ("QTY", "qty")),
    "credit-order": (("CO", "doc"), ("INVOICE", "ref")),
    "credit-line": (
        ("CO", "ref"),
        ("ITEM", "item"),
        ("TYPE", "text"),
        ("QTY", "qty"),
        ("PRICE", "amount"),
    ),
    "credit-memo": (("MEMO", "doc"), ("CUSTOMER", "text"), ("AMOUNT", "amount")),
    "allocate": (("FROM", "ref"), ("INVOICE", "ref"), ("AMOUNT", "amount")),
    "loyalty-program": (("SYMBOL", "item"),),
    "loyalty-adjust": (("CUSTOMER", "text"), ("POINTS", "amount")),
    "stock-in": (("PO", "doc"), ("ITEM", "item"), ("QTY", "qty"), ("COST", "amount")),
    "transfer": (("ITEM", "item"), ("QTY", "qty"), ("FROM", "text"), ("TO", "text")),
}


def usage(dtype: str) -> str:
    """The directive's usage line, e.g. ``custom "line" ORDER ITEM QTY PRICE``."""
    return " ".join([f'"{dtype}"', *(name for name, _ in USAGES[dtype])])


class Directive(NamedTuple):
    """A checked order directive: its entry, its named arguments and, for quick
    access, the entry's metadata and date."""

    entry: data.Custom
    args: dict[str, Any]
    pairs: tuple[tuple[str, Decimal], ...]
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


def _check(name: str, kind: str, value: Any, dtype: Any) -> tuple[Any, str | None]:
    """Check one value; return (converted value, problem or None)."""
    is_string = value.__class__ is str and dtype != account_lib.TYPE
    if kind in ("doc", "ref", "text"):
        if not is_string:
            return None, f"{name} must be a string, {_got(value, dtype)}"
        if not value.strip():
            return None, f"{name} must not be empty"
        if kind == "doc" and not ID_RE.match(value):
            return None, (
                f'{name} "{value}" cannot be a Beancount link: use only letters, digits '
                "and - _ / ."
            )
        return value, None
    if kind == "item":
        if not is_string:
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
    if kind == "qty":
        if not isinstance(value, Decimal) or isinstance(value, bool):
            return None, f"{name} must be a number, {_got(value, dtype)}"
        if value <= 0:
            return None, f"{name} must be greater than zero, got {value}"
        return value, None
    if kind == "amount":
        if not isinstance(value, Amount) or value.number is None:
            return None, f"{name} must be an amount such as 10.00 GBP, {_got(value, dtype)}"
        return value, None
    if kind == "method":
        if dtype == account_lib.TYPE:
            return ("account", value), None
        if is_string and value.strip():
            return ("method", value), None
        return (
            None,
            f"{name} must be a method name string or an account, {_got(value, dtype)}",
        )
    raise AssertionError(kind)  # pragma: no cover - the usage table is static


# Per directive type: its fixed values and whether (ITEM QTY) pairs may follow.
_FIXED = {
    dtype: (
        tuple((name, kind) for name, kind in spec if kind != "pairs"),
        any(kind == "pairs" for _, kind in spec),
    )
    for dtype, spec in USAGES.items()
}

_PREFIX = {dtype: f"Invalid {usage(dtype)}" for dtype in USAGES}


_FAIL = object()
_new = tuple.__new__  # a Directive without NamedTuple's Python-level constructor
_ACCOUNT = account_lib.TYPE


def _fast_qty(value: Any, dtype: Any) -> Any:
    return value if dtype is Decimal and value > 0 else _FAIL


def _fast_amount(value: Any, dtype: Any) -> Any:
    return value if value.__class__ is Amount and value.number is not None else _FAIL


def _fast_doc(value: Any, dtype: Any) -> Any:
    return value if dtype is str and ID_RE.match(value) else _FAIL


def _fast_item(value: Any, dtype: Any) -> Any:
    return value if dtype is str and len(value) <= 24 and ITEM_RE.match(value) else _FAIL


def _fast_text(value: Any, dtype: Any) -> Any:
    return value if dtype is str and value.strip() else _FAIL


def _fast_method(value: Any, dtype: Any) -> Any:
    if dtype is str:
        return ("method", value) if value.strip() else _FAIL
    return ("account", value) if dtype == _ACCOUNT else _FAIL


# The common case of :func:`_check` per kind: the converted value, or ``_FAIL``
# (then :func:`_check` says what is wrong).
_FAST = {
    "qty": _fast_qty,
    "amount": _fast_amount,
    "doc": _fast_doc,
    "item": _fast_item,
    "text": _fast_text,
    "ref": _fast_text,
    "method": _fast_method,
}
# Per directive type: (name, kind, fast check) of each fixed value.
_CHECKS = {
    dtype: tuple((name, kind, _FAST[kind]) for name, kind in fixed)
    for dtype, (fixed, _) in _FIXED.items()
}


def parse(entry: data.Custom) -> tuple[Directive | None, str | None]:
    """Check a custom entry against its usage; return the directive or a problem."""
    fast = _FAST_PARSERS.get(entry.type)
    if fast is not None:
        directive = fast(entry)
        if directive is not None:
            return directive, None
    return _parse(entry)


def _parse(entry: data.Custom) -> tuple[Directive | None, str | None]:
    """:func:`parse` for any directive, wording what is wrong."""
    fixed, takes_pairs = _FIXED[entry.type]
    values = entry.values or []
    count = len(values)
    if count < len(fixed) or (not takes_pairs and count > len(fixed)):
        return None, (
            f"{_PREFIX[entry.type]}: expected {len(fixed)} "
            f"value{'s' if len(fixed) != 1 else ''}, got {count}"
        )
    args: dict[str, Any] = {}
    for (name, kind, fast), value_type in zip(_CHECKS[entry.type], values, strict=False):
        value = fast(value_type.value, value_type.dtype)
        if value is _FAIL:
            value, problem = _check(name, kind, value_type.value, value_type.dtype)
            if problem:
                return None, f"{_PREFIX[entry.type]}: {problem}"
        args[name] = value
    if count == len(fixed):
        return _directive(entry, args), None
    rest = values[len(fixed) :]
    if len(rest) % 2:
        return None, (
            f"{_PREFIX[entry.type]}: (ITEM QTY) values must come in pairs, got {len(rest)}"
        )
    pairs = _fast_pairs(rest)
    if pairs is not None:
        return _directive(entry, args, pairs), None
    checked: list[tuple[str, Decimal]] = []  # pair by pair, saying which is wrong
    for position in range(0, len(rest), 2):
        item_value, qty_value = rest[position], rest[position + 1]
        item, problem = _check("ITEM", "item", item_value.value, item_value.dtype)
        if problem is None:
            qty, problem = _check("QTY", "qty", qty_value.value, qty_value.dtype)
        if problem:
            return None, f"{_PREFIX[entry.type]}: {problem}"
        checked.append((item, qty))
    return _directive(entry, args, tuple(checked)), None


# Fast paths for the directives that make up nearly all of a book (orders,
# their lines, invoices, dispatches and payments). Each applies the same
# per-kind checks as :func:`_parse`, without its general loop; it returns None
# for anything it does not accept as it stands, and :func:`_parse` then decides
# (and words the problem).
# tests/test_directives.py holds each to the general path.


def _fast_pairs(values: list[Any]) -> tuple[tuple[str, Decimal], ...] | None:
    """Well-formed (ITEM QTY) pairs, or None."""
    if len(values) % 2:
        return None
    pairs = []
    for position in range(0, len(values), 2):
        item, qty = values[position], values[position + 1]
        name = _fast_item(item.value, item.dtype)
        number = _fast_qty(qty.value, qty.dtype)
        if name is _FAIL or number is _FAIL:
            return None
        pairs.append((name, number))
    return tuple(pairs)


def _directive(
    entry: data.Custom, args: dict[str, Any], pairs: tuple[tuple[str, Decimal], ...] = ()
) -> Directive:
    return _new(Directive, (entry, args, pairs, entry.meta, entry.date))  # type: ignore[no-any-return]


def _parse_order(entry: data.Custom) -> Directive | None:
    values = entry.values
    if values is None or len(values) != 2:
        return None
    order = _fast_doc(values[0].value, values[0].dtype)
    customer = _fast_text(values[1].value, values[1].dtype)
    if order is _FAIL or customer is _FAIL:
        return None
    return _directive(entry, {"ORDER": order, "CUSTOMER": customer})


def _parse_line(entry: data.Custom) -> Directive | None:
    values = entry.values
    if values is None or len(values) != 4:
        return None
    order = _fast_text(values[0].value, values[0].dtype)
    item = _fast_item(values[1].value, values[1].dtype)
    qty = _fast_qty(values[2].value, values[2].dtype)
    price = _fast_amount(values[3].value, values[3].dtype)
    if order is _FAIL or item is _FAIL or qty is _FAIL or price is _FAIL:
        return None
    return _directive(entry, {"ORDER": order, "ITEM": item, "QTY": qty, "PRICE": price})


def _parse_invoice(entry: data.Custom) -> Directive | None:
    values = entry.values
    if values is None or len(values) < 2:
        return None
    order = _fast_text(values[0].value, values[0].dtype)
    invoice = _fast_doc(values[1].value, values[1].dtype)
    pairs = _fast_pairs(values[2:])
    if order is _FAIL or invoice is _FAIL or pairs is None:
        return None
    return _directive(entry, {"ORDER": order, "INVOICE": invoice}, pairs)


def _parse_dispatch(entry: data.Custom) -> Directive | None:
    values = entry.values
    if not values:
        return None
    order = _fast_text(values[0].value, values[0].dtype)
    pairs = _fast_pairs(values[1:])
    if order is _FAIL or pairs is None:
        return None
    return _directive(entry, {"ORDER": order}, pairs)


def _parse_payment(entry: data.Custom) -> Directive | None:
    values = entry.values
    if values is None or len(values) != 3:
        return None
    ref = _fast_text(values[0].value, values[0].dtype)
    amount = _fast_amount(values[1].value, values[1].dtype)
    method = _fast_method(values[2].value, values[2].dtype)
    if ref is _FAIL or amount is _FAIL or method is _FAIL:
        return None
    return _directive(entry, {"REF": ref, "AMOUNT": amount, "METHOD": method})


_FAST_PARSERS = {
    "order": _parse_order,
    "line": _parse_line,
    "invoice": _parse_invoice,
    "dispatch": _parse_dispatch,
    "payment": _parse_payment,
}
