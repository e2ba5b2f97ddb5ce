"""Credits and returns: credit orders with their lines, returns, memos, balances."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from beancount_orders.book import Book
from beancount_orders.book.model import CreditMemo
from beancount_orders.book.model import CreditOrder
from beancount_orders.book.model import CustomerCredit
from beancount_orders.book.model import Return
from beancount_orders.reports.period import ALL
from beancount_orders.reports.period import Period

STATUSES = ("OPEN", "APPROVED", "READY")


@dataclasses.dataclass(frozen=True)
class CreditBalance:
    customer: str
    name: str
    currency: str
    credited: Decimal  # customer credits given
    used: Decimal  # paid with "credit" or refunded
    balance: Decimal  # what we still owe them


@dataclasses.dataclass(frozen=True)
class CreditsReport:
    credit_orders: tuple[CreditOrder, ...]  # OPEN, APPROVED, READY, each by date
    returns: tuple[Return, ...]
    memos: tuple[CreditMemo, ...]
    credits: tuple[CustomerCredit, ...]
    balances: tuple[CreditBalance, ...]
    period: Period  # of the documents (the balances are as they stand)

    def by_status(self, status: str) -> tuple[CreditOrder, ...]:
        return tuple(co for co in self.credit_orders if co.status == status)

    def by_condition(self, condition: str) -> tuple[Return, ...]:
        return tuple(r for r in self.returns if r.condition == condition)


def credits_report(book: Book, period: Period = ALL) -> CreditsReport:
    """Documents dated in the period; balances as they stand."""
    credit_orders = tuple(
        sorted(
            (co for co in book.credit_orders.values() if co.date in period),
            key=lambda co: (STATUSES.index(co.status), co.date, co.id),
        )
    )
    given: dict[tuple[str, str], Decimal] = {}
    for credit in book.credits.values():
        key = (credit.customer, credit.currency)
        given[key] = given.get(key, Decimal(0)) + credit.amount
    balances = []
    for customer_id, currency in sorted(given):
        customer = book.customers[customer_id]
        balance = customer.credit.get(currency, Decimal(0))
        credited = given[(customer_id, currency)]
        balances.append(
            CreditBalance(
                customer_id, customer.name, currency, credited, credited - balance, balance
            )
        )
    return CreditsReport(
        credit_orders,
        tuple(r for r in book.returns.values() if r.date in period),
        tuple(m for m in book.memos.values() if m.date in period),
        tuple(c for c in book.credits.values() if c.date in period),
        tuple(balances),
        period,
    )
