"""The accounting rules, one helper each.

Every rule that decides a figure lives here once, and the handlers, the model and
the reports call it: how money is rounded, how ids become account names, how a
line's value splits into net and tax (and how a tax that the source system stated
replaces the computed one), how taxes add up by rate and jurisdiction, which
account takes the cost of goods, and what counts as money paid on an order.
Nothing here keeps state.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from beancount_orders.book.config import Config

ZERO = Decimal(0)


def money_quantum(precision: int) -> Decimal:
    """The smallest unit of money at ``precision`` decimal places (2: ``0.01``)."""
    return Decimal(1).scaleb(-precision)


def cost_quantum(precision: int) -> Decimal:
    """The precision of an average lot cost: four places finer than money."""
    return Decimal(1).scaleb(-(precision + 4))


def round_money(number: Decimal, quantum: Decimal) -> Decimal:
    """Round half-up to the currency's precision (SPEC: per line)."""
    return number.quantize(quantum, rounding=ROUND_HALF_UP)


def line_value(qty: Decimal, price: Decimal, quantum: Decimal) -> Decimal:
    """The money value of ``qty`` units at ``price``, rounded."""
    return round_money(qty * price, quantum)


def split_tax(
    value: Decimal, rate: Decimal, inclusive: bool, quantum: Decimal
) -> tuple[Decimal, Decimal]:
    """A line's rounded value as (net, tax).

    With prices net of tax the value is the net and the tax is ``value x rate``;
    with prices that include tax (config ``prices_include_tax``) the net is
    ``value / (1 + rate)`` and the tax what is left, so net + tax = value exactly.
    """
    if inclusive:
        net = round_money(value / (1 + rate), quantum)
        return net, value - net
    return value, round_money(value * rate, quantum)


# How far (in quanta of money) a line's stated ``tax-amount`` may be from the tax
# its rate gives: a stated tax differs from the computed one by rounding only.
STATED_TAX_QUANTA = 5


def stated_tax_limit(quantum: Decimal) -> Decimal:
    """The most a line's ``tax-amount`` may differ from the tax its rate gives."""
    return STATED_TAX_QUANTA * quantum


def stated_tax_split(
    value: Decimal, tax: Decimal, inclusive: bool
) -> tuple[Decimal, Decimal]:
    """A line's rounded value as (net, tax) when its tax is stated, not computed.

    The ``tax-amount`` of a line (the tax that the shop's system computed) is the
    tax; with prices net of tax the value is the net, with prices that include tax
    the net is what the value leaves after the tax.
    """
    return (value - tax if inclusive else value), tax


def taxes_by_rate(
    parts: Iterable[tuple[Decimal, Decimal]],
) -> list[tuple[Decimal, Decimal]]:
    """(rate, tax) pairs added up per rate, by rising rate, leaving out zero tax.

    (The sales tax postings group by rate and jurisdiction:
    :func:`taxes_by_rate_and_jurisdiction`.)
    """
    totals: dict[Decimal, Decimal] = {}
    for rate, tax in parts:
        if tax:
            totals[rate] = totals[rate] + tax if rate in totals else tax
    return sorted(totals.items())


def taxes_by_rate_and_jurisdiction(
    parts: Iterable[tuple[Decimal, str | None, Decimal]],
) -> list[tuple[Decimal, str | None, Decimal]]:
    """(rate, jurisdiction, tax) added up per rate and jurisdiction, leaving out
    zero tax: by rising rate, and within a rate the tax without a jurisdiction
    first, then by jurisdiction.

    This is the order of the sales tax postings of an invoice and a credit order.
    Lines without a ``jurisdiction`` group by rate alone, as :func:`taxes_by_rate`.
    """
    totals: dict[tuple[Decimal, str | None], Decimal] = {}
    for rate, jurisdiction, tax in parts:
        if tax:
            key = (rate, jurisdiction)
            totals[key] = totals[key] + tax if key in totals else tax
    groups = totals.items() if len(totals) < 2 else sorted(totals.items(), key=_tax_order)
    return [(rate, jurisdiction, tax) for (rate, jurisdiction), tax in groups]


def _tax_order(
    item: tuple[tuple[Decimal, str | None], Decimal],
) -> tuple[Decimal, bool, str]:
    (rate, jurisdiction), _ = item
    return rate, jurisdiction is not None, jurisdiction or ""


_COMPONENT_RE = re.compile(r"[^A-Za-z0-9-]")


@functools.lru_cache(maxsize=4096)
def account_component(name: str) -> str:
    """Turn an id (customer, method, location, supplier) into an account component.

    The first letter is upper-cased and every character outside ``A-Za-z0-9-``
    becomes ``-``; a component that would not start with a capital letter or a
    digit is prefixed with ``X``.
    """
    text = _COMPONENT_RE.sub("-", name.strip()) or "X"
    text = text[0].upper() + text[1:]
    if not (text[0].isupper() or text[0].isdigit()):
        text = "X" + text
    return text


def cogs_account(config: Config, location: str) -> str:
    """The cost-of-goods account of a stock location."""
    return config.account("cogs", location=account_component(location))


class SettlementKind(enum.StrEnum):
    """What reduces a receivable. Money paid (payments, and refunds of money paid
    beyond what was owed, as a negative amount) counts towards an order's paid
    status; the rest counts as credited."""

    PAYMENT = "payment"
    REFUND = "refund"
    CREDIT_ORDER = "credit-order"
    CREDIT_MEMO = "credit-memo"
    REDEMPTION = "redemption"
    # What an early-payment discount leaves unpaid on an invoice settled in its
    # window: not money, so it counts as credited (the invoice is paid in full).
    DISCOUNT = "discount"

    @property
    def is_money(self) -> bool:
        """Whether it is money paid (or paid back) rather than a credit."""
        return self in (SettlementKind.PAYMENT, SettlementKind.REFUND)
