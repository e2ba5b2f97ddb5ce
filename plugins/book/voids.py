"""Voids as the engine records them (see :mod:`beancount_orders.book.handlers.void`).

While the pass applies the documents a ``void`` may name (invoices, credit
orders, credit memos, credits, payments and refunds with an id, stock-ins), it
keeps here the transactions each generated, so that a void can post their exact
reverse; for a credit order that took goods back, what it took back; for one
that moved loyalty points, which; and each early-payment discount taken. Each
void applied is a :class:`Voided`.
"""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal
from typing import Any

from beancount.core import data

# The kinds of document a void can name, as the reports call them.
INVOICE = "invoice"
PAYMENT = "payment"
REFUND = "refund"
CREDIT = "credit"
CREDIT_MEMO = "credit memo"
CREDIT_ORDER = "credit order"
STOCK_IN = "stock-in"
RECEIPT = "receipt"
BILL = "bill"
LANDED_COST = "landed cost"
BILL_PAYMENT = "bill payment"


@dataclasses.dataclass(slots=True)
class Made:
    """A voidable document: its kind, its (latest) date and what it posted."""

    kind: str
    date: datetime.date
    transactions: list[data.Transaction] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True, slots=True)
class ReturnTaken:
    """What a credit order's return lines took back: the return plans it applied
    (dispatch lines, lots and units) and the cost of goods it gave back per order
    line, so that a void can take them out again."""

    plans: tuple[Any, ...]  # stock.ReturnPlan
    cost_back: tuple[tuple[int, Decimal], ...]  # (order line number, money)


@dataclasses.dataclass(frozen=True, slots=True)
class Voided:
    """A ``void`` applied: the document, its kind, the void's date and reason."""

    document: str
    kind: str
    date: datetime.date
    reason: str | None
    meta: data.Meta
    transactions: tuple[data.Transaction, ...]  # the reversals posted


@dataclasses.dataclass(slots=True)
class PointsMoved:
    """What a credit order moved of its invoice's loyalty points, so that a void
    can move them back: the points it clawed back (the parcels they came from),
    the parcel of the points it gave back, the money of those points (its
    settlement, which reopened the invoice by that much) and its transaction."""

    program: str
    clawed: tuple[tuple[Any, Decimal], ...]  # (loyalty.Parcel, points)
    given_back: Decimal
    parcel: Any  # loyalty.Parcel of the points given back, or None
    value: Decimal
    reopened: Any  # model.Settlement of the money of the points, or None
    transaction: data.Transaction | None


@dataclasses.dataclass(slots=True)
class VoidLog:
    """Everything the engine keeps for voids."""

    made: dict[str, Made] = dataclasses.field(default_factory=dict)
    returns: dict[str, ReturnTaken] = dataclasses.field(default_factory=dict)
    voided: dict[str, Voided] = dataclasses.field(default_factory=dict)
    # Early-payment discounts in force, by invoice: the discount's settlement and
    # transaction; and the discount transactions voids undid (reversed once).
    discounts: dict[str, tuple[Any, data.Transaction]] = dataclasses.field(
        default_factory=dict
    )
    undone: list[data.Transaction] = dataclasses.field(default_factory=list)
    # What each credit order moved of loyalty points.
    points: dict[str, PointsMoved] = dataclasses.field(default_factory=dict)

    def status(self, document: str) -> str | None:
        """``"void"`` when the document is voided, else None."""
        return "void" if document in self.voided else None

    def voided_on(self, document: str, as_of: datetime.date) -> bool:
        """Whether the document is voided on or before ``as_of``."""
        voided = self.voided.get(document)
        return voided is not None and voided.date <= as_of


def keep_return(
    log: VoidLog,
    credit_order: str,
    lines: Any,
    plans: Any,
    cost_before: dict[int, Decimal],
) -> None:
    """Keep what a READY credit order took back (its return ``plans``) and the
    cost of goods it gave back per order line (``lines``, the order's, against
    their cost before)."""
    if not plans:
        return
    cost_back = tuple(
        (line.number, line.cost - cost_before[line.number])
        for line in lines
        if line.cost != cost_before[line.number]
    )
    log.returns[credit_order] = ReturnTaken(tuple(plans), cost_back)


# The metadata of other directives and of generated transactions that a void
# reads (the void's own keys are in the registry).


def own_id(meta: data.Meta) -> Any:
    """The ``id`` metadata of a payment or refund (None: it has none)."""
    return meta.get("id")


def refund_id(txn: data.Transaction) -> str | None:
    """The refund id a refund's transaction carries (given or made from its date)."""
    value = txn.meta.get("refund")
    return value if isinstance(value, str) else None


def bill_payment_id(txn: data.Transaction) -> str | None:
    """The bill payment id a bill payment's transaction carries (given or made)."""
    value = txn.meta.get("bill-payment")
    return value if isinstance(value, str) else None


def program_of(txn: data.Transaction) -> str | None:
    """The loyalty program of a points transaction (None: not one)."""
    value = txn.meta.get("program")
    return value if isinstance(value, str) else None


def from_receivable(meta: data.Meta) -> bool:
    """Whether a refund paid back money from the receivable (``from``)."""
    return meta.get("from") == "receivable"
