"""Credits and returns: credit orders with their lines, returns, memos, balances.

Every document becomes a frozen row of its own (the engine's objects are not
handed out), with its customer's name and the figures the page and the command
line show; credit orders are grouped by status and returns by condition here.
"""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

from beancount_orders.book import Book
from beancount_orders.book.credits import Costing
from beancount_orders.book.credits import CreditLine
from beancount_orders.book.credits import CreditMemo
from beancount_orders.book.credits import CreditOrder
from beancount_orders.book.credits import CustomerCredit
from beancount_orders.book.model import ZERO
from beancount_orders.book.model import Return
from beancount_orders.reports.orders import customer_name
from beancount_orders.reports.period import ALL
from beancount_orders.reports.period import Period

STATUSES = ("OPEN", "APPROVED", "READY")
VOID = "VOID"  # a credit order's status once it is voided (listed last)
CONDITIONS = ("resaleable", "damaged")


@dataclasses.dataclass(frozen=True)
class CreditLineRow:
    """One line of a credit order."""

    item: str
    type: str  # "return" or "credit"
    qty: Decimal
    price: Decimal
    net: Decimal
    tax: Decimal
    costing: Costing
    cost: Decimal  # restored to stock
    meta: dict[str, object]


@dataclasses.dataclass(frozen=True)
class CreditOrderRow:
    id: str
    date: datetime.date
    post_date: datetime.date
    status: str  # "OPEN", "APPROVED", "READY", or "VOID" once voided
    invoice: str
    order: str
    customer: str
    customer_name: str
    currency: str
    reason: str | None
    net: Decimal
    tax: Decimal
    gross: Decimal
    lines: tuple[CreditLineRow, ...]
    meta: dict[str, object]


@dataclasses.dataclass(frozen=True)
class ReturnRow:
    id: str
    date: datetime.date
    order: str
    customer: str
    customer_name: str
    item: str
    qty: Decimal
    condition: str  # "resaleable" or "damaged"
    cost: Decimal  # restocked
    cost_currency: str | None  # None when nothing was restocked
    meta: dict[str, object]


@dataclasses.dataclass(frozen=True)
class MemoRow:
    id: str
    date: datetime.date
    customer: str
    customer_name: str
    invoice: str | None
    amount: Decimal
    currency: str
    reason: str | None
    meta: dict[str, object]
    status: str = ""  # "void" once voided

    @property
    def label(self) -> str:
        """Its id, with ``(void)`` once voided."""
        return f"{self.id} ({self.status})" if self.status else self.id


@dataclasses.dataclass(frozen=True)
class CreditRow:
    """A customer credit."""

    id: str
    date: datetime.date
    customer: str
    customer_name: str
    amount: Decimal
    currency: str
    order: str | None
    invoice: str | None
    reason: str | None
    meta: dict[str, object]
    status: str = ""  # "void" once voided

    @property
    def label(self) -> str:
        """Its id, with ``(void)`` once voided."""
        return f"{self.id} ({self.status})" if self.status else self.id


@dataclasses.dataclass(frozen=True)
class CreditBalance:
    customer: str
    name: str
    currency: str
    credited: Decimal  # customer credits given
    used: Decimal  # paid with "credit" or refunded
    balance: Decimal  # what we still owe them


@dataclasses.dataclass(frozen=True)
class StatusGroup:
    status: str
    credit_orders: tuple[CreditOrderRow, ...]


@dataclasses.dataclass(frozen=True)
class ConditionGroup:
    condition: str
    returns: tuple[ReturnRow, ...]


@dataclasses.dataclass(frozen=True)
class CreditsReport:
    credit_orders: tuple[CreditOrderRow, ...]  # OPEN, APPROVED, READY, each by date
    returns: tuple[ReturnRow, ...]
    memos: tuple[MemoRow, ...]
    credits: tuple[CreditRow, ...]
    balances: tuple[CreditBalance, ...]
    by_status: tuple[StatusGroup, ...]  # one per status, in STATUSES order
    by_condition: tuple[ConditionGroup, ...]  # one per condition, in CONDITIONS order
    period: Period  # of the documents (the balances are as they stand)


def _line_row(line: CreditLine) -> CreditLineRow:
    return CreditLineRow(
        line.item,
        line.type,
        line.qty,
        line.price,
        line.net,
        line.tax,
        line.costing,
        line.cost,
        dict(line.meta),
    )


def _credit_order_row(book: Book, co: CreditOrder) -> CreditOrderRow:
    return CreditOrderRow(
        co.id,
        co.date,
        co.post_date,
        VOID if co.id in book.voids.voided else co.status,
        co.invoice,
        co.order,
        co.customer,
        customer_name(book, co.customer),
        co.currency,
        co.reason,
        co.net,
        co.tax,
        co.gross,
        tuple(_line_row(line) for line in co.lines),
        dict(co.meta),
    )


def _return_row(book: Book, returned: Return) -> ReturnRow:
    return ReturnRow(
        returned.id,
        returned.date,
        returned.order,
        returned.customer,
        customer_name(book, returned.customer),
        returned.item,
        returned.qty,
        returned.condition,
        returned.cost,
        returned.lots[0].cost.currency if returned.lots else None,
        dict(returned.meta),
    )


def _memo_row(book: Book, memo: CreditMemo) -> MemoRow:
    return MemoRow(
        memo.id,
        memo.date,
        memo.customer,
        customer_name(book, memo.customer),
        memo.invoice,
        memo.amount,
        memo.currency,
        memo.reason,
        dict(memo.meta),
        book.voids.status(memo.id) or "",
    )


def _credit_row(book: Book, credit: CustomerCredit) -> CreditRow:
    return CreditRow(
        credit.id,
        credit.date,
        credit.customer,
        customer_name(book, credit.customer),
        credit.amount,
        credit.currency,
        credit.order,
        credit.invoice,
        credit.reason,
        dict(credit.meta),
        book.voids.status(credit.id) or "",
    )


def _balances(book: Book) -> tuple[CreditBalance, ...]:
    """Each customer's credit given, used and still owed, as the books stand."""
    given: dict[tuple[str, str], Decimal] = {}
    for credit in book.credits.values():
        if credit.id in book.voids.voided:  # given and taken back: not used
            continue
        key = (credit.customer, credit.currency)
        given[key] = given.get(key, ZERO) + credit.amount
    balances = []
    for customer_id, currency in sorted(given):
        customer = book.customers[customer_id]
        balance = customer.credit.get(currency, ZERO)
        credited = given[(customer_id, currency)]
        balances.append(
            CreditBalance(
                customer_id, customer.name, currency, credited, credited - balance, balance
            )
        )
    return tuple(balances)


def credits_report(book: Book, period: Period = ALL) -> CreditsReport:
    """Documents dated in the period; balances as they stand."""
    order = (*STATUSES, VOID)
    credit_orders = tuple(
        sorted(
            (
                _credit_order_row(book, co)
                for co in book.credit_orders.values()
                if co.date in period
            ),
            key=lambda co: (order.index(co.status), co.date, co.id),
        )
    )
    returns = tuple(_return_row(book, r) for r in book.returns.values() if r.date in period)
    return CreditsReport(
        credit_orders,
        returns,
        tuple(_memo_row(book, m) for m in book.memos.values() if m.date in period),
        tuple(_credit_row(book, c) for c in book.credits.values() if c.date in period),
        _balances(book),
        tuple(
            StatusGroup(status, tuple(co for co in credit_orders if co.status == status))
            for status in order
            if status != VOID or any(co.status == VOID for co in credit_orders)
        ),
        tuple(
            ConditionGroup(condition, tuple(r for r in returns if r.condition == condition))
            for condition in CONDITIONS
        ),
        period,
    )
