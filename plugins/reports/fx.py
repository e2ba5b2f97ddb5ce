"""The fx report: open foreign receivables revalued at an as-of date.

Each receivable lot of a foreign document (an invoice, or money held ahead of
one) that is open at the end of the as-of date, with its booked rate and value,
the rate of that date (the latest ``price CUR RATE OPC`` on or before it) and
the value at it; the difference is the unrealised gain (positive) or loss. It
posts nothing.
"""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

from beancount_orders.book import Book
from beancount_orders.book.model import ZERO
from beancount_orders.book.rules import round_money


@dataclasses.dataclass(frozen=True)
class FxRow:
    """One open foreign lot on the as-of date."""

    customer: str
    name: str
    document: str
    kind: str  # "invoice", "payment", "credit-order", "credit-memo"
    order: str | None
    date: datetime.date
    currency: str
    amount: Decimal  # open, in the document currency (negative: money held ahead)
    booked_rate: Decimal
    booked: Decimal  # amount x booked rate, rounded (operating currency)
    rate: Decimal | None  # the as-of rate, None when the ledger has none
    revalued: Decimal | None  # amount x as-of rate, rounded
    account: str
    # The book's key of the lot's document (the invoice's id, or the settlement's,
    # which ``document`` names by its lot label): where the Fava page finds its
    # source line.
    lot: str = ""

    @property
    def difference(self) -> Decimal | None:
        """The unrealised gain (positive) or loss (negative)."""
        return None if self.revalued is None else self.revalued - self.booked


@dataclasses.dataclass(frozen=True)
class FxTotal:
    """One currency's totals."""

    currency: str
    amount: Decimal
    booked: Decimal
    revalued: Decimal | None

    @property
    def difference(self) -> Decimal | None:
        return None if self.revalued is None else self.revalued - self.booked


@dataclasses.dataclass(frozen=True)
class FxReport:
    as_of: datetime.date
    operating_currency: str | None
    rows: tuple[FxRow, ...]
    totals: tuple[FxTotal, ...]


def fx_report(book: Book, as_of: datetime.date) -> FxReport:
    """Open foreign receivables on ``as_of``, revalued at that date's rate."""
    fx = book.fx
    quantum = book.config.quantum
    rows = []
    for lot in fx.lots.values():
        if lot.cost.date > as_of:
            continue
        amount = lot.units_on(as_of)
        if amount == 0:
            continue
        rate = fx.price(lot.currency, as_of)
        customer = book.customers[lot.customer]
        rows.append(
            FxRow(
                lot.customer,
                customer.name,
                lot.document if lot.kind == "invoice" else str(lot.cost.label),
                lot.kind,
                lot.order,
                lot.cost.date,
                lot.currency,
                amount,
                lot.rate,
                round_money(amount * lot.rate, quantum),
                rate,
                None if rate is None else round_money(amount * rate, quantum),
                lot.account,
                lot.document,
            )
        )
    rows.sort(key=lambda row: (row.customer, row.currency, row.date, row.document))
    totals: dict[str, tuple[Decimal, Decimal, Decimal | None]] = {}
    for row in rows:
        amount, booked, revalued = totals.get(row.currency, (ZERO, ZERO, ZERO))
        totals[row.currency] = (
            amount + row.amount,
            booked + row.booked,
            None if revalued is None or row.revalued is None else revalued + row.revalued,
        )
    return FxReport(
        as_of,
        fx.opc,
        tuple(rows),
        tuple(FxTotal(currency, *values) for currency, values in sorted(totals.items())),
    )
