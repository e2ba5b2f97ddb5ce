"""The loyalty report: programs, customers' points and the monthly movement."""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

from beancount.core.amount import Amount

from beancount_orders.book import Book
from beancount_orders.book.model import ZERO
from beancount_orders.reports.period import ALL
from beancount_orders.reports.period import Period

KINDS = ("earned", "redeemed", "expired", "adjusted", "clawed-back", "given-back")


@dataclasses.dataclass(frozen=True)
class ProgramRow:
    symbol: str
    name: str
    outstanding: Decimal
    value: Amount | None  # money value of the outstanding points
    customers: int  # customers holding points
    liability: str


@dataclasses.dataclass(frozen=True)
class CustomerPoints:
    customer: str
    name: str
    program: str
    points: Decimal
    next_expiry: datetime.date | None
    expiring: Decimal  # points expiring on next_expiry


@dataclasses.dataclass(frozen=True)
class MonthRow:
    month: str  # YYYY-MM
    program: str
    earned: Decimal
    redeemed: Decimal  # positive: points used
    expired: Decimal  # positive: points lost
    adjusted: Decimal  # signed
    clawed_back: Decimal  # positive
    given_back: Decimal  # positive

    @property
    def adjustments(self) -> Decimal:
        """Every change other than earning, redeeming and expiry: adjusted, less
        clawed back, plus given back (signed)."""
        return self.adjusted - self.clawed_back + self.given_back

    @property
    def net(self) -> Decimal:
        return (
            self.earned
            - self.redeemed
            - self.expired
            + self.adjusted
            - self.clawed_back
            + self.given_back
        )


@dataclasses.dataclass(frozen=True)
class ProgramMonths:
    """A program with its monthly movement (for its chart)."""

    program: ProgramRow
    months: tuple[MonthRow, ...]


@dataclasses.dataclass(frozen=True)
class LoyaltyReport:
    programs: tuple[ProgramRow, ...]
    customers: tuple[CustomerPoints, ...]
    months: tuple[MonthRow, ...]  # by month, then program
    by_program: tuple[ProgramMonths, ...]  # every program, with its months
    period: Period  # of the months


def loyalty_report(book: Book, period: Period = ALL) -> LoyaltyReport:
    """Programs and customers now; the monthly movement in the period."""
    programs = []
    for symbol, program in sorted(book.programs.items()):
        points, money = book.program_outstanding(symbol)
        holders = sum(
            1
            for (_, wallet_program), wallet in book.wallets.items()
            if wallet_program == symbol and wallet.balance
        )
        programs.append(
            ProgramRow(symbol, program.name, points, money, holders, program.liability)
        )
    customers = []
    for (customer_id, symbol), wallet in sorted(book.wallets.items()):
        expiry = wallet.next_expiry()
        customers.append(
            CustomerPoints(
                customer_id,
                book.customers[customer_id].name,
                symbol,
                wallet.balance,
                expiry[0] if expiry else None,
                expiry[1] if expiry else ZERO,
            )
        )
    sums: dict[tuple[str, str], dict[str, Decimal]] = {}
    for event in book.loyalty_events:
        if event.date not in period:
            continue
        key = (event.date.strftime("%Y-%m"), event.program)
        kinds = sums.setdefault(key, dict.fromkeys(KINDS, ZERO))
        amount = (
            event.points
            if event.kind in ("earned", "adjusted", "given-back")
            else (-event.points)
        )
        kinds[event.kind] += amount
    months = tuple(
        MonthRow(
            month,
            program,
            kinds["earned"],
            kinds["redeemed"],
            kinds["expired"],
            kinds["adjusted"],
            kinds["clawed-back"],
            kinds["given-back"],
        )
        for (month, program), kinds in sorted(sums.items())
    )
    by_program = tuple(
        ProgramMonths(row, tuple(month for month in months if month.program == row.symbol))
        for row in programs
    )
    return LoyaltyReport(tuple(programs), tuple(customers), months, by_program, period)
