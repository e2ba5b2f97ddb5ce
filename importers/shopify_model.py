"""The Shopify importer's rows: an order of the export as it is read (its lines
and what it posted), and the arithmetic that fits its lines' net values and
taxes to the order's totals."""

from __future__ import annotations

import dataclasses
import datetime
import re
from decimal import ROUND_FLOOR
from decimal import ROUND_HALF_UP
from decimal import Decimal
from typing import Any

from beancount_orders.importers.common import ZERO

# The items of the money in an order that is not its line items (all non-stock).
TIP_ITEM = "TIP"
DUTIES_ITEM = "DUTIES"
# The export's tax columns, and a percentage in a tax's name ("CA State Tax 7.25%").
TAX_COLUMNS = tuple((f"Tax {n} Name", f"Tax {n} Value") for n in range(1, 6))
PERCENT_RE = re.compile(r"(\d+(?:\.\d+)?)\s*%")


@dataclasses.dataclass
class Line:
    """A line item row of the export."""

    row: int
    item: str
    sku: str
    description: str
    qty: Decimal
    price: Decimal  # the unit price as listed (before discounts)
    discount: Decimal | None  # the "Lineitem discount" column, if given
    taxable: bool
    ships: bool  # "Lineitem requires shipping" (blank or missing: true)
    fulfilled: bool
    gift_card: bool = False  # a gift card sold: a liability, not sales


@dataclasses.dataclass
class NonStock:
    """An item the import declares non-stock (``commodity`` with ``stock: FALSE``):
    shipping, tips, duties, gift cards and line items that need no shipping."""

    item: str
    date: datetime.date  # of the first order in the file that has it
    row: int
    name: str
    income: str | None = None  # the account its sales go to, when not sales


@dataclasses.dataclass
class Posted:
    """A line of the order as it will be written: price and tax rate fitted."""

    item: str
    qty: Decimal
    price: Decimal
    rate: Decimal
    meta: dict[str, Any]
    # Shopify's tax of the whole line where it is not the rate's by rounding.
    tax_amount: Decimal | None = None


@dataclasses.dataclass
class Order:
    """The rows of one Shopify order, read and checked."""

    row: int  # the line its first row starts on
    name: str
    id: str
    customer: str
    customer_name: str
    email: str
    currency: str
    created: datetime.date
    paid: datetime.date | None
    fulfilled: datetime.date | None
    cancelled: datetime.date | None
    status: str
    total: Decimal
    paid_amount: Decimal
    refunded: Decimal
    gateway: str
    meta: dict[str, Any]
    # The export's tax names (Tax 1 Name ... Tax 5 Name) with a value, in order.
    tax_names: list[str] = dataclasses.field(default_factory=list)
    lines: list[Line] = dataclasses.field(default_factory=list)
    posted: list[Posted] = dataclasses.field(default_factory=list)
    # (row, message) for the HTML tags removed from the order's text, and from
    # the customer's name (written only with the customer's first order).
    warnings: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    name_warnings: list[tuple[int, str]] = dataclasses.field(default_factory=list)


def round_to(number: Decimal, quantum: Decimal) -> Decimal:
    """Round half-up to ``quantum``."""
    return number.quantize(quantum, rounding=ROUND_HALF_UP)


def allocate(total: Decimal, weights: list[Decimal], quantum: Decimal) -> list[Decimal]:
    """Split ``total`` in proportion to ``weights``, to the cent, largest remainder."""
    whole = sum(weights, ZERO)
    if whole <= 0:
        return [ZERO for _ in weights]
    exact = [total * weight / whole for weight in weights]
    shares = [share.quantize(quantum, rounding=ROUND_FLOOR) for share in exact]
    left = int((total - sum(shares, ZERO)) / quantum)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))
    for index in order[:left]:
        shares[index] += quantum
    return shares


def fit_price(qty: Decimal, target: Decimal, listed: Decimal, quantum: Decimal) -> Decimal:
    """A unit price that the plugin turns into exactly ``target`` for ``qty``.

    The listed price when it does; else the shortest decimal that does.
    """
    if round_to(qty * listed, quantum) == target:
        return listed
    exact = target / qty
    places = -quantum.as_tuple().exponent  # type: ignore[operator]
    for digits in range(places, places + 12):
        price = exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
        if round_to(qty * price, quantum) == target:
            return price
    raise ValueError(f"no unit price gives {target} for {qty}")  # pragma: no cover


def tax_of(value: Decimal, rate: Decimal, inclusive: bool, quantum: Decimal) -> Decimal:
    """The tax the plugin computes on a line worth ``value`` at ``rate``."""
    if inclusive:
        return value - round_to(value / (1 + rate), quantum)
    return round_to(value * rate, quantum)


def fit_rate(
    value: Decimal,
    tax: Decimal,
    inclusive: bool,
    nominal: Decimal | None,
    quantum: Decimal,
) -> Decimal | None:
    """A tax rate that gives exactly ``tax`` on ``value``: the nominal one when it
    does, else the shortest decimal that does; None if no rate from 0 to 1 does."""
    if nominal is not None and tax_of(value, nominal, inclusive, quantum) == tax:
        return nominal
    if tax == 0:
        return Decimal(0)
    if value <= 0 or (inclusive and tax >= value):
        return None
    exact = value / (value - tax) - 1 if inclusive else tax / value
    for digits in range(2, 16):
        rate = exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
        if 0 <= rate < 1 and tax_of(value, rate, inclusive, quantum) == tax:
            return rate
    return None
