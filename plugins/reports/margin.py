"""Gross margin by order, item, customer or month.

Revenue is what invoices billed (net of tax); credits are READY credit order
lines and customer credits, in their own period; cost of goods is what
dispatches took from stock less what came back, also in its own period, and
what bills and landed costs sent to COGS for goods already gone (under the
customer "(purchase costs)", without an order).
Credit memos and loyalty discounts sit outside gross margin and are shown
apart. The report also lists the credits and returns of its period, each with
the order line it goes back to (:mod:`beancount_orders.reports.movements`).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterator
from decimal import Decimal

from beancount_orders.book import Book
from beancount_orders.book.model import ZERO
from beancount_orders.book.model import Invoice
from beancount_orders.book.model import InvoiceLine
from beancount_orders.reports.movements import Movement
from beancount_orders.reports.movements import movements
from beancount_orders.reports.orders import ReportError
from beancount_orders.reports.period import ALL
from beancount_orders.reports.period import Period

GROUPS = ("order", "item", "customer", "month")


@dataclasses.dataclass(frozen=True)
class Fact:
    """One revenue, credit or cost movement."""

    date: datetime.date
    order: str | None
    customer: str
    item: str | None
    currency: str
    revenue: Decimal = ZERO
    credits: Decimal = ZERO
    cogs: Decimal = ZERO
    document: str | None = None


@dataclasses.dataclass(frozen=True)
class MarginRow:
    key: str
    currency: str
    revenue: Decimal
    credits: Decimal
    cogs: Decimal

    @property
    def net_revenue(self) -> Decimal:
        return self.revenue - self.credits

    @property
    def margin(self) -> Decimal:
        return self.net_revenue - self.cogs

    @property
    def margin_pct(self) -> Decimal | None:
        """Margin as a percentage of net revenue, to one decimal place (none when
        there is no positive net revenue to relate it to)."""
        if self.net_revenue <= 0:
            return None
        return (self.margin * 100 / self.net_revenue).quantize(Decimal("0.1"))


@dataclasses.dataclass(frozen=True)
class ApartRow:
    """Memos and loyalty discounts: outside gross margin."""

    key: str
    currency: str
    memos: Decimal
    loyalty_discounts: Decimal


@dataclasses.dataclass(frozen=True)
class CurrencyMonths:
    """A currency's margin month by month (for its chart)."""

    currency: str
    months: tuple[MarginRow, ...]  # keyed by month, in order


@dataclasses.dataclass(frozen=True)
class MarginReport:
    group: str
    rows: tuple[MarginRow, ...]
    totals: tuple[MarginRow, ...]  # one per currency
    apart: tuple[ApartRow, ...]  # by the same key
    by_month: tuple[CurrencyMonths, ...]  # one per currency
    movements: tuple[Movement, ...]  # the credits and returns in the period
    period: Period


def facts(book: Book) -> Iterator[Fact]:
    """Every revenue, credit and cost movement the engine recorded."""
    for invoice in book.invoices.values():
        for line in invoice.lines:
            revenue, currency = _revenue(book, invoice, line)
            yield Fact(
                invoice.date,
                invoice.order,
                invoice.customer,
                line.item,
                currency,
                revenue=revenue,
                document=invoice.id,
            )
    for credit_order in book.credit_orders.values():
        if not credit_order.posted:
            continue
        foreign_invoice = book.fx.invoices.get(credit_order.invoice)
        for credit_line in credit_order.lines:
            credits: Decimal | None = credit_line.net
            currency = credit_order.currency
            if foreign_invoice is not None:  # at the invoice's rate
                credits = book.fx.value(
                    credit_order.invoice, credit_line.net, book.config.quantum
                )
                currency = book.fx.opc or currency
            yield Fact(
                credit_order.post_date,
                credit_order.order,
                credit_order.customer,
                credit_line.item,
                currency,
                credits=credits or ZERO,
                document=credit_order.id,
            )
            if credit_line.lots:
                yield Fact(
                    credit_order.date,
                    credit_order.order,
                    credit_order.customer,
                    credit_line.item,
                    credit_line.lots[0].cost.currency,
                    cogs=-credit_line.cost,
                    document=credit_order.id,
                )
    for credit in book.credits.values():
        yield Fact(
            credit.date,
            credit.order,
            credit.customer,
            None,
            credit.currency,
            credits=credit.amount,
            document=credit.id,
        )
    for dispatch in book.dispatches:
        for sent in dispatch.lines:
            if sent.lots:
                yield Fact(
                    dispatch.date,
                    dispatch.order,
                    dispatch.customer,
                    sent.item,
                    sent.lots[0].cost.currency,
                    cogs=sent.cost,
                )
    for returned in book.returns.values():
        if returned.lots:
            yield Fact(
                returned.date,
                returned.order,
                returned.customer,
                returned.item,
                returned.lots[0].cost.currency,
                cogs=-returned.cost,
                document=returned.id,
            )
    yield from _purchase_facts(book)
    yield from _voided_facts(book)


# The margin's customer of cost that bills and landed costs sent to COGS.
PURCHASES = "(purchase costs)"


def _purchase_facts(book: Book) -> Iterator[Fact]:
    """What bills and landed costs sent to COGS: price differences and landed
    costs on goods already gone, and a bill's cents of rounding, on their own
    dates (and taken back on a void's)."""
    for payable in book.purchasing.payables.values():
        for item, cogs in payable.cogs.items():
            if not cogs:
                continue
            yield Fact(
                payable.date,
                None,
                PURCHASES,
                item,
                payable.currency,
                cogs=cogs,
                document=payable.id,
            )
            if payable.voided is not None:
                yield Fact(
                    payable.voided,
                    None,
                    PURCHASES,
                    item,
                    payable.currency,
                    cogs=-cogs,
                    document=payable.id,
                )


def _revenue(book: Book, invoice: Invoice, line: InvoiceLine) -> tuple[Decimal, str]:
    """An invoice line's revenue and its currency: a foreign invoice's in the
    operating currency, as its sales posting converted it."""
    foreign = book.fx.invoices.get(invoice.id)
    if foreign is None:
        return line.net, invoice.currency
    converted = foreign.net.get((line.item, line.line))
    value = (
        converted.value
        if converted is not None
        else book.fx.value(invoice.id, line.net, book.config.quantum)
    )
    return value or ZERO, book.fx.opc or invoice.currency


def _voided_facts(book: Book) -> Iterator[Fact]:
    """What voids took back, on their dates: an invoice's revenue, a credit
    order's credits and the cost of its returned goods, a customer credit."""
    for voided in book.voids.voided.values():
        date, doc = voided.date, voided.document
        if voided.kind == "invoice":
            invoice = book.invoices[doc]
            for line in invoice.lines:
                revenue, currency = _revenue(book, invoice, line)
                yield Fact(
                    date,
                    invoice.order,
                    invoice.customer,
                    line.item,
                    currency,
                    revenue=-revenue,
                    document=doc,
                )
        elif voided.kind == "credit order" and book.credit_orders[doc].posted:
            co = book.credit_orders[doc]
            for credit_line in co.lines:
                yield Fact(
                    date,
                    co.order,
                    co.customer,
                    credit_line.item,
                    co.currency,
                    credits=-credit_line.net,
                    document=doc,
                )
                if credit_line.lots:
                    yield Fact(
                        date,
                        co.order,
                        co.customer,
                        credit_line.item,
                        credit_line.lots[0].cost.currency,
                        cogs=credit_line.cost,
                        document=doc,
                    )
        elif voided.kind == "credit":
            credit = book.credits[doc]
            yield Fact(
                date,
                credit.order,
                credit.customer,
                None,
                credit.currency,
                credits=-credit.amount,
                document=doc,
            )


def _key(
    group: str, fact_date: datetime.date, order: str | None, customer: str, item: str | None
) -> str:
    if group == "order":
        return order or "(no order)"
    if group == "item":
        return item or "(no item)"
    if group == "customer":
        return customer
    return fact_date.strftime("%Y-%m")


def _apart(book: Book, group: str, period: Period) -> tuple[ApartRow, ...]:
    """Credit memos and loyalty discounts in the period, by the report's key."""
    apart: dict[tuple[str, str], list[Decimal]] = {}
    for memo in book.memos.values():
        if memo.date in period:
            order = None
            if memo.invoice:
                order = book.invoices[memo.invoice].order
            key = _key(group, memo.date, order, memo.customer, None)
            apart.setdefault((key, memo.currency), [ZERO, ZERO])[0] += memo.amount
        voided = book.voids.voided.get(memo.id)
        if voided is not None and voided.date in period:  # taken back on its date
            order = book.invoices[memo.invoice].order if memo.invoice else None
            key = _key(group, voided.date, order, memo.customer, None)
            apart.setdefault((key, memo.currency), [ZERO, ZERO])[0] -= memo.amount
    for settlement in book.settlements.values():
        if settlement.kind == "redemption" and settlement.date in period:
            key = _key(group, settlement.date, settlement.order, settlement.customer, None)
            apart.setdefault((key, settlement.currency), [ZERO, ZERO])[1] += (
                settlement.amount
            )
    return tuple(
        ApartRow(key, currency, *values)
        for (key, currency), values in sorted(apart.items())
    )


def _by_month(months: dict[tuple[str, str], list[Decimal]]) -> tuple[CurrencyMonths, ...]:
    """The monthly sums, one series of months per currency."""
    series: dict[str, list[MarginRow]] = {}
    for (month, currency), values in sorted(months.items()):
        series.setdefault(currency, []).append(MarginRow(month, currency, *values))
    return tuple(
        CurrencyMonths(currency, tuple(rows)) for currency, rows in sorted(series.items())
    )


def margin_report(book: Book, group: str = "order", period: Period = ALL) -> MarginReport:
    """Gross margin grouped by ``group`` for movements dated in the period."""
    if group not in GROUPS:
        raise ReportError(
            f"Invalid margin grouping {group!r}: expected one of {', '.join(GROUPS)}"
        )
    sums: dict[tuple[str, str], list[Decimal]] = {}
    months: dict[tuple[str, str], list[Decimal]] = {}
    totals: dict[str, list[Decimal]] = {}
    for fact in facts(book):
        if fact.date not in period:
            continue
        key = _key(group, fact.date, fact.order, fact.customer, fact.item)
        month = fact.date.strftime("%Y-%m")
        for target in (
            sums.setdefault((key, fact.currency), [ZERO, ZERO, ZERO]),
            months.setdefault((month, fact.currency), [ZERO, ZERO, ZERO]),
            totals.setdefault(fact.currency, [ZERO, ZERO, ZERO]),
        ):
            target[0] += fact.revenue
            target[1] += fact.credits
            target[2] += fact.cogs
    return MarginReport(
        group,
        tuple(
            MarginRow(key, currency, *values)
            for (key, currency), values in sorted(sums.items())
        ),
        tuple(
            MarginRow("total", currency, *values)
            for currency, values in sorted(totals.items())
        ),
        _apart(book, group, period),
        _by_month(months),
        movements(book, period),
        period,
    )
