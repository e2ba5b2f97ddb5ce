"""What each report page shows: the report functions' results, arranged for a template.

Functions here take a :class:`beancount_orders.book.Book` and already-checked options,
call the shared report functions (:mod:`beancount_orders.reports`) and return frozen
dataclasses that a template only loops over and formats. Every figure, total and
grouping comes from the report functions; a view only pages their rows and draws
their charts. Views know nothing of Flask or Fava, so they can be tested and timed
on their own; the extension classes in :mod:`beancount_orders.fava_ext` read the
request and call them.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Generic
from typing import TypeVar

from beancount.core import data
from markupsafe import Markup

from beancount_orders.book import Book
from beancount_orders.book.model import Status
from beancount_orders.fava_ext import charts
from beancount_orders.reports import ageing
from beancount_orders.reports import credits
from beancount_orders.reports import fx
from beancount_orders.reports import loyalty
from beancount_orders.reports import margin
from beancount_orders.reports import orders
from beancount_orders.reports import payables
from beancount_orders.reports import purchases
from beancount_orders.reports import stock
from beancount_orders.reports import tax
from beancount_orders.reports.movements import Movement
from beancount_orders.reports.period import Period

# Fava's time filter as [start, end), either None when open (``ReportPage.period``).
Dates = tuple[datetime.date | None, datetime.date | None]
R = TypeVar("R")
PAGE_SIZE = 200  # rows per table page
MAX_PAGE_SIZE = 5000


class OptionError(ValueError):
    """A page option the user got wrong (shown on the page as it is)."""


@dataclasses.dataclass(frozen=True)
class Paged(Generic[R]):
    """One page of a table's rows; ``param`` is the query argument choosing it."""

    param: str
    items: tuple[R, ...]
    number: int  # 1-based
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first(self) -> int:
        """The 1-based position of the page's first row (0 when there are none)."""
        return (self.number - 1) * self.size + 1 if self.items else 0

    @property
    def last(self) -> int:
        return (self.number - 1) * self.size + len(self.items)


def _whole(text: str, what: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise OptionError(
            f"Invalid {what} {text!r}: expected a whole number from {low} to {high:,}"
        )
    return value


@dataclasses.dataclass(frozen=True)
class Pager:
    """The page asked for each table (query arguments) and the rows per page."""

    asked: Mapping[str, str] = dataclasses.field(default_factory=dict)
    size: int = PAGE_SIZE

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Pager:
        size_text = args.get("per_page", "").strip()
        size = (
            _whole(size_text, "rows per page", 1, MAX_PAGE_SIZE) if size_text else PAGE_SIZE
        )
        return cls(args, size)

    def take(self, rows: Sequence[R], param: str = "page") -> Paged[R]:
        """The asked page of ``rows``; past the end means the last page."""
        text = self.asked.get(param, "").strip()
        number = _whole(text, f"page number ({param})", 1, 10**9) if text else 1
        pages = max(1, -(-len(rows) // self.size))
        number = min(number, pages)
        start = (number - 1) * self.size
        return Paged(
            param, tuple(rows[start : start + self.size]), number, self.size, len(rows)
        )


def status_choices() -> tuple[tuple[str, str], ...]:
    """The orders page's status filter: (value, label) pairs."""
    choices = [("", "any"), *((name, name) for name in orders.STATUS_FILTERS)]
    for axis in orders.AXES:
        choices += [
            (f"{axis}:{status.value}", f"{axis}: {status.value}") for status in Status
        ]
    return tuple(choices)


@dataclasses.dataclass(frozen=True)
class OrdersView:
    rows: Paged[orders.OrderRow]
    customers: tuple[tuple[str, str], ...]  # (id, name) for the filter
    statuses: tuple[tuple[str, str], ...]
    customer: str
    status: str
    discounts: bool = False  # an order has early-payment terms: show their columns


def customers_of(book: Book) -> tuple[tuple[str, str], ...]:
    return tuple(
        sorted(((c.id, c.name) for c in book.customers.values()), key=lambda c: c[1])
    )


def orders_view(
    book: Book, customer: str, status: str, dates: Dates, pager: Pager
) -> OrdersView:
    """Raises :class:`ValueError` (with a message for the user) on a bad option."""
    if customer and customer not in book.customers:
        raise OptionError(f"Unknown customer {customer!r}")
    rows = orders.orders_report(
        book, customer=customer or None, status=status or None, period=Period(*dates)
    )
    return OrdersView(
        pager.take(rows),
        customers_of(book),
        status_choices(),
        customer,
        status,
        any(row.discount_terms or row.discount_taken for row in rows),
    )


@dataclasses.dataclass(frozen=True)
class ReceivablesView:
    report: ageing.AgeingReport
    rows: Paged[ageing.AgeingRow]
    open_invoices: Paged[ageing.AgedLine]
    unallocated: Paged[ageing.AgedLine]
    over_limit: Paged[ageing.AgeingRow]
    charts: tuple[Markup, ...]  # one per currency


def receivables_view(
    book: Book, as_of: datetime.date, basis: str, buckets: Sequence[int], pager: Pager
) -> ReceivablesView:
    report = ageing.aged_receivables(book, as_of, basis, buckets)
    chart_list = tuple(
        charts.bar_chart(
            report.labels,
            (
                charts.Series(f"Open invoices ({total.currency})", total.buckets),
                charts.Series(f"Unallocated ({total.currency})", total.unallocated),
            ),
            f"Aged receivables in {total.currency} as of {report.as_of}",
        )
        for total in report.totals
    )
    return ReceivablesView(
        report,
        pager.take(report.rows),
        pager.take(report.open_invoices, "invoices_page"),
        pager.take(report.unallocated, "unallocated_page"),
        pager.take(report.over_limit, "limits_page"),
        chart_list,
    )


@dataclasses.dataclass(frozen=True)
class LoyaltyView:
    report: loyalty.LoyaltyReport
    customers: Paged[loyalty.CustomerPoints]
    charts: tuple[Markup, ...]  # one per program


def loyalty_view(book: Book, dates: Dates, pager: Pager) -> LoyaltyView:
    report = loyalty.loyalty_report(book, Period(*dates))
    chart_list = tuple(
        charts.bar_chart(
            [row.month for row in series.months],
            (
                charts.Series("earned", tuple(row.earned for row in series.months)),
                # Points used and lost are drawn below the axis.
                charts.Series("redeemed", tuple(-row.redeemed for row in series.months)),
                charts.Series("expired", tuple(-row.expired for row in series.months)),
                charts.Series("adjusted", tuple(row.adjustments for row in series.months)),
            ),
            f"{series.program.name} ({series.program.symbol}) points per month",
        )
        for series in report.by_program
    )
    return LoyaltyView(report, pager.take(report.customers), chart_list)


@dataclasses.dataclass(frozen=True)
class MarginView:
    report: margin.MarginReport
    rows: Paged[margin.MarginRow]
    apart: Paged[margin.ApartRow]
    movements: Paged[Movement]
    charts: tuple[Markup, ...]  # one per currency


def margin_view(book: Book, group: str, dates: Dates, pager: Pager) -> MarginView:
    report = margin.margin_report(book, group, Period(*dates))
    chart_list = []
    for series in report.by_month:
        months = series.months
        chart_list.append(
            charts.line_chart(
                [row.key for row in months],
                (
                    charts.Series("net revenue", tuple(row.net_revenue for row in months)),
                    charts.Series("COGS", tuple(row.cogs for row in months)),
                    charts.Series("margin", tuple(row.margin for row in months)),
                ),
                f"Gross margin per month in {series.currency}",
            )
        )
    return MarginView(
        report,
        pager.take(report.rows),
        pager.take(report.apart, "apart_page"),
        pager.take(report.movements, "movements_page"),
        tuple(chart_list),
    )


@dataclasses.dataclass(frozen=True)
class StockView:
    report: stock.StockReport
    groups: Paged[stock.StockGroup]
    uncosted: Paged[stock.UncostedRow]


def stock_view(book: Book, pager: Pager) -> StockView:
    report = stock.stock_report(book)
    return StockView(
        report, pager.take(report.groups), pager.take(report.uncosted, "uncosted_page")
    )


@dataclasses.dataclass(frozen=True)
class CreditsView:
    report: credits.CreditsReport
    by_status: tuple[tuple[str, Paged[credits.CreditOrderRow]], ...]
    by_condition: tuple[tuple[str, Paged[credits.ReturnRow]], ...]
    memos: Paged[credits.MemoRow]
    customer_credits: Paged[credits.CreditRow]
    balances: Paged[credits.CreditBalance]


def credits_view(book: Book, dates: Dates, pager: Pager) -> CreditsView:
    report = credits.credits_report(book, Period(*dates))
    return CreditsView(
        report,
        tuple(
            (
                group.status,
                pager.take(group.credit_orders, f"{group.status.lower()}_page"),
            )
            for group in report.by_status
        ),
        tuple(
            (group.condition, pager.take(group.returns, f"{group.condition}_page"))
            for group in report.by_condition
        ),
        pager.take(report.memos, "memos_page"),
        pager.take(report.credits, "credits_page"),
        pager.take(report.balances, "balances_page"),
    )


@dataclasses.dataclass(frozen=True)
class FxView:
    report: fx.FxReport
    rows: Paged[fx.FxRow]


def fx_view(book: Book, as_of: datetime.date, pager: Pager) -> FxView:
    report = fx.fx_report(book, as_of)
    return FxView(report, pager.take(report.rows))


def purchase_status_choices() -> tuple[tuple[str, str], ...]:
    """The purchases page's status filter: (value, label) pairs."""
    choices = [("", "all"), *((name, name) for name in purchases.STATUS_FILTERS)]
    for axis in purchases.AXES:
        choices += [
            (f"{axis}:{status.value}", f"{axis}: {status.value}") for status in Status
        ]
    return tuple(choices)


@dataclasses.dataclass(frozen=True)
class PurchasesView:
    report: purchases.PurchasesReport
    aged: payables.PayablesReport
    rows: Paged[purchases.PurchaseRow]
    suppliers: Paged[payables.PayablesRow]
    documents: Paged[payables.PayableLine]
    unallocated: Paged[payables.PayableLine]
    other: Paged[payables.PayableLine]
    choices: tuple[tuple[str, str], ...]  # (id, name) of every supplier, for the filter
    statuses: tuple[tuple[str, str], ...]
    charts: tuple[Markup, ...]  # per currency: payables by supplier, then by month


def purchases_view(
    book: Book,
    entries: Iterable[data.Directive],
    as_of: datetime.date,
    supplier: str,
    status: str,
    basis: str,
    buckets: Sequence[int],
    pager: Pager,
) -> PurchasesView:
    """The purchase orders and the payables ageing as of a date, with charts.
    Raises :class:`ValueError` (with a message for the user) on a bad option."""
    if supplier and supplier not in book.purchasing.suppliers:
        raise OptionError(f"Unknown supplier {supplier!r}")
    report = purchases.purchases_report(book, as_of, supplier or None, status or None)
    aged = payables.aged_payables(book, entries, as_of, basis, buckets)
    chart_list = []
    for total in aged.totals:
        rows = [row for row in aged.rows if row.currency == total.currency]
        chart_list.append(
            charts.bar_chart(
                [row.name for row in rows],
                tuple(
                    charts.Series(label, tuple(row.by_bucket[index] for row in rows))
                    for index, label in enumerate(aged.labels)
                ),
                f"Payables in {total.currency} by age as of {aged.as_of}",
            )
        )
    for currency in sorted({month.currency for month in report.months}):
        months = [month for month in report.months if month.currency == currency]
        chart_list.append(
            charts.bar_chart(
                [month.month for month in months],
                (
                    charts.Series("received", tuple(m.received for m in months)),
                    charts.Series("billed", tuple(m.billed for m in months)),
                    charts.Series("paid", tuple(m.paid for m in months)),
                ),
                f"Purchase orders in {currency}: received, billed and paid per month",
            )
        )
    return PurchasesView(
        report,
        aged,
        pager.take(report.rows),
        pager.take(aged.rows, "suppliers_page"),
        pager.take(aged.documents, "bills_page"),
        pager.take(aged.unallocated, "unallocated_page"),
        pager.take(aged.other, "postings_page"),
        tuple(
            sorted(
                ((s.id, s.name) for s in book.purchasing.suppliers.values()),
                key=lambda pair: pair[1],
            )
        ),
        purchase_status_choices(),
        tuple(chart_list),
    )


@dataclasses.dataclass(frozen=True)
class TaxView:
    """The Tax page: the report, its rows and documents paged, its charts."""

    report: tax.TaxReport
    rows: Paged[tax.TaxRow]
    documents: Paged[tax.TaxItem]
    charts: tuple[Markup, ...]  # per currency: sales tax and input tax per period


def tax_view(
    book: Book,
    entries: Iterable[data.Directive],
    period_kind: str,
    dates: Dates,
    pager: Pager,
) -> TaxView:
    """The tax report over Fava's time filter by month or quarter, with a chart per
    currency of the documents' sales tax and input tax and the accounts' change."""
    if period_kind not in tax.PERIODS:
        raise OptionError(
            f"Unknown period {period_kind!r}: expected one of {', '.join(tax.PERIODS)}"
        )
    report = tax.tax_report(book, entries, period_kind, Period(*dates))
    chart_list = []
    for currency in sorted({total.currency for total in report.totals}):
        totals = [total for total in report.totals if total.currency == currency]
        chart_list.append(
            charts.bar_chart(
                [total.period or "" for total in totals],
                (
                    charts.Series("sales tax", tuple(t.figures.sales_tax for t in totals)),
                    charts.Series("input tax", tuple(t.figures.input_tax for t in totals)),
                    charts.Series("net tax", tuple(t.figures.net_tax for t in totals)),
                ),
                f"Tax in {currency} per {period_kind}",
            )
        )
    return TaxView(
        report,
        pager.take(report.rows),
        pager.take(report.items, "documents_page"),
        tuple(chart_list),
    )
