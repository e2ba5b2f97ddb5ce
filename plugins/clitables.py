"""The report dataclasses as plain tables, for ``bean-orders report``.

Each report of :mod:`beancount_orders.reports` becomes a
:class:`~beancount_orders.cliformat.Document`: a title, the options it was made
with, and one or more named tables of typed cells, which
:mod:`beancount_orders.cliformat` lays out as aligned text, CSV or JSON.

Nothing here computes: every figure, total and row comes from the report
functions Fava uses and their dataclasses' properties, so the command line and
the Fava pages print the same numbers. A table here only picks the columns.
"""

from __future__ import annotations

from collections.abc import Sequence

from beancount_orders.cliformat import Cell
from beancount_orders.cliformat import Column
from beancount_orders.cliformat import Document
from beancount_orders.cliformat import Table
from beancount_orders.cliformat import display_name
from beancount_orders.cliformat import money_column as _m
from beancount_orders.cliformat import number_column as _n
from beancount_orders.cliformat import period_params
from beancount_orders.cliformat import period_title
from beancount_orders.cliformat import source_cells
from beancount_orders.cliformat import text_column as _c
from beancount_orders.cliformat import wide_column as _w
from beancount_orders.reports.credits import CreditsReport
from beancount_orders.reports.loyalty import LoyaltyReport
from beancount_orders.reports.margin import MarginReport
from beancount_orders.reports.margin import MarginRow
from beancount_orders.reports.orders import OrderRow
from beancount_orders.reports.period import ALL
from beancount_orders.reports.period import Period
from beancount_orders.reports.stock import StockReport

# The receivables' documents (ageing, fx) are in clitables_receivables.


def orders_document(
    rows: Sequence[OrderRow],
    customer: str | None = None,
    status: str | None = None,
    period: Period = ALL,
) -> Document:
    columns: tuple[Column, ...] = (
        _c("order"),
        _c("date"),
        _c("customer"),
        _w("name"),
        _c("state"),
        _c("committed_status", "Committed"),
        _c("invoiced_status", "Invoiced"),
        _c("dispatched_status", "Dispatched"),
        _c("paid_status", "Paid"),
        _m("total"),
        _w("invoiced", money=True),
        _w("paid", money=True),
        _w("credited", money=True),
        _m("outstanding"),
        _w("cost", money=True),
        _c("currency"),
        _w("po"),
        _w("invoices"),
        _w("file"),
        _w("line", numeric=True),
    )
    # Early-payment discounts: their columns only when an order has terms.
    discounts = any(row.discount_terms or row.discount_taken for row in rows)
    if discounts:  # before the source's file and line
        columns = (
            *columns[:-2],
            _c("discount_terms", "Discount terms"),
            _c("discount_until", "Discount until"),
            _m("discount"),
            _m("discount_taken", "Discount taken"),
            *columns[-2:],
        )
    table = Table(
        "orders",
        "Orders",
        columns,
        tuple(
            (
                row.id,
                row.date,
                row.customer,
                row.customer_name,
                row.state,
                row.committed_status.value,
                row.invoiced_status.value,
                row.dispatched_status.value,
                row.paid_status.value,
                row.total,
                row.invoiced,
                row.paid,
                row.credited,
                row.outstanding,
                row.cost,
                row.currency,
                row.po,
                tuple(
                    f"{each} (void)" if each in row.voided else each
                    for each in row.invoices
                ),
                *(
                    (
                        row.discount_terms,
                        row.discount_until,
                        row.discount,
                        row.discount_taken,
                    )
                    if discounts
                    else ()
                ),
                display_name(row.filename),
                row.lineno,
            )
            for row in rows
        ),
    )
    filters = []
    if customer:
        filters.append(f"customer {customer}")
    if status:
        filters.append(f"status {status}")
    title = "Orders" + period_title(period)
    if filters:
        title += " (" + ", ".join(filters) + ")"
    return Document(
        "orders",
        title,
        (("customer", customer), ("status", status), *period_params(period)),
        (table,),
    )


def loyalty_document(report: LoyaltyReport) -> Document:
    programs = Table(
        "programs",
        "Programs",
        (
            _c("program"),
            _c("name"),
            _m("outstanding", "Points"),
            _m("value"),
            _c("currency"),
            _n("customers"),
            _c("liability"),
        ),
        tuple(
            (
                row.symbol,
                row.name,
                row.outstanding,
                row.value.number if row.value is not None else None,
                row.value.currency if row.value is not None else None,
                row.customers,
                row.liability,
            )
            for row in report.programs
        ),
    )
    customers = Table(
        "customers",
        "Customers",
        (
            _c("customer"),
            _c("name"),
            _c("program"),
            _n("points"),
            _c("next_expiry"),
            _n("expiring"),
        ),
        tuple(
            (row.customer, row.name, row.program, row.points, row.next_expiry, row.expiring)
            for row in report.customers
        ),
    )
    months = Table(
        "months",
        "Points by month" + period_title(report.period),
        (
            _c("month"),
            _c("program"),
            _n("earned"),
            _n("redeemed"),
            _n("expired"),
            _n("adjusted"),
            _n("clawed_back"),
            _n("given_back"),
            _n("net"),
        ),
        tuple(
            (
                row.month,
                row.program,
                row.earned,
                row.redeemed,
                row.expired,
                row.adjusted,
                row.clawed_back,
                row.given_back,
                row.net,
            )
            for row in report.months
        ),
    )
    return Document(
        "loyalty",
        "Loyalty points",
        period_params(report.period),
        (programs, customers, months),
    )


def _margin_values(row: MarginRow) -> tuple[Cell, ...]:
    return (
        row.revenue,
        row.credits,
        row.net_revenue,
        row.cogs,
        row.margin,
        row.margin_pct,
    )


MARGIN_COLUMNS = (
    _m("revenue"),
    _m("credits"),
    _m("net_revenue"),
    _m("cogs", "COGS"),
    _m("margin"),
    _n("margin_pct", "Margin %"),
)


def _movements_table(report: MarginReport) -> Table:
    """The credits and returns of the period, as on the Fava page."""
    return Table(
        "movements",
        "Credits and returns in the period",
        (
            _c("date"),
            _c("kind"),
            _c("document"),
            _c("customer"),
            _w("name"),
            _c("item"),
            _n("qty"),
            _c("detail"),
            _m("credits"),
            _m("cogs", "COGS back"),
            _c("currency"),
            _c("invoice"),
            _c("order"),
            _n("order_line", "Line"),
            _w("file"),
            _w("line", numeric=True),
        ),
        tuple(
            (
                row.date,
                row.kind,
                row.document,
                row.customer,
                row.customer_name,
                row.item,
                row.qty,
                row.detail,
                row.credits,
                row.cogs,
                row.currency,
                row.invoice,
                row.order,
                row.line,
                *source_cells(row.meta),
            )
            for row in report.movements
        ),
    )


def margin_document(report: MarginReport) -> Document:
    group = report.group
    rows = Table(
        "margin",
        f"By {group}",
        (_c(group), _c("currency"), *MARGIN_COLUMNS),
        tuple((row.key, row.currency, *_margin_values(row)) for row in report.rows),
    )
    totals = Table(
        "totals",
        "Totals",
        (_c("currency"), *MARGIN_COLUMNS),
        tuple((row.currency, *_margin_values(row)) for row in report.totals),
    )
    apart = Table(
        "apart",
        "Outside gross margin (credit memos, loyalty discounts)",
        (_c(group), _c("currency"), _m("memos"), _m("loyalty_discounts")),
        tuple(
            (row.key, row.currency, row.memos, row.loyalty_discounts)
            for row in report.apart
        ),
    )
    return Document(
        "margin",
        f"Gross margin by {group}" + period_title(report.period),
        (("group", group), *period_params(report.period)),
        (rows, totals, apart, _movements_table(report)),
    )


def stock_document(report: StockReport, item: str | None = None) -> Document:
    positions = Table(
        "positions",
        "Stock by item and location (then by batch)",
        (
            _c("item"),
            _c("location"),
            _c("batch"),
            _n("on_hand"),
            _n("committed"),
            _n("available"),
            _m("value"),
            _c("currency"),
            _w("account"),
        ),
        tuple(
            (
                row.item,
                row.location,
                row.batch,
                row.on_hand,
                row.committed,
                row.available,
                row.value,
                row.currency,
                row.account,
            )
            for row in report.positions
        ),
    )
    uncosted = Table(
        "uncosted",
        "Uncosted dispatches (no stock to take the cost from)",
        (
            _c("date"),
            _c("order"),
            _c("customer"),
            _c("item"),
            _n("qty"),
            _c("location"),
            _w("file"),
            _w("line", numeric=True),
        ),
        tuple(
            (
                row.date,
                row.order,
                row.customer,
                row.item,
                row.qty,
                row.location,
                display_name(row.filename),
                row.lineno,
            )
            for row in report.uncosted
        ),
    )
    title = "Stock" + (f" of {item}" if item else "")
    return Document("stock", title, (("item", item),), (positions, uncosted))


def _credit_orders_table(report: CreditsReport) -> Table:
    return Table(
        "credit_orders",
        "Credit orders",
        (
            _c("credit_order", "Credit order"),
            _c("date"),
            _c("status"),
            _c("invoice"),
            _c("order"),
            _c("customer"),
            _m("net"),
            _m("tax"),
            _m("gross"),
            _c("currency"),
            _w("post_date"),
            _c("reason"),
        ),
        tuple(
            (
                co.id,
                co.date,
                co.status,
                co.invoice,
                co.order,
                co.customer,
                co.net,
                co.tax,
                co.gross,
                co.currency,
                co.post_date,
                co.reason,
            )
            for co in report.credit_orders
        ),
    )


def _returns_table(report: CreditsReport) -> Table:
    return Table(
        "returns",
        "Returns",
        (
            _c("return"),
            _c("date"),
            _c("order"),
            _c("customer"),
            _c("item"),
            _n("qty"),
            _c("condition"),
            _m("cost", "Cost restocked"),
        ),
        tuple(
            (r.id, r.date, r.order, r.customer, r.item, r.qty, r.condition, r.cost)
            for r in report.returns
        ),
    )


def _memos_table(report: CreditsReport) -> Table:
    return Table(
        "memos",
        "Credit memos",
        (
            _c("memo"),
            _c("date"),
            _c("customer"),
            _c("invoice"),
            _m("amount"),
            _c("currency"),
            _c("reason"),
        ),
        tuple(
            (m.label, m.date, m.customer, m.invoice, m.amount, m.currency, m.reason)
            for m in report.memos
        ),
    )


def _credits_table(report: CreditsReport) -> Table:
    return Table(
        "credits",
        "Customer credits",
        (
            _c("credit"),
            _c("date"),
            _c("customer"),
            _m("amount"),
            _c("currency"),
            _w("order"),
            _w("invoice"),
            _c("reason"),
        ),
        tuple(
            (
                c.label,
                c.date,
                c.customer,
                c.amount,
                c.currency,
                c.order,
                c.invoice,
                c.reason,
            )
            for c in report.credits
        ),
    )


def _balances_table(report: CreditsReport) -> Table:
    return Table(
        "balances",
        "Customer credit balances (as they stand)",
        (
            _c("customer"),
            _c("name"),
            _c("currency"),
            _m("credited"),
            _m("used"),
            _m("balance"),
        ),
        tuple(
            (b.customer, b.name, b.currency, b.credited, b.used, b.balance)
            for b in report.balances
        ),
    )


def credits_document(report: CreditsReport) -> Document:
    return Document(
        "credits",
        "Credits and returns" + period_title(report.period),
        period_params(report.period),
        (
            _credit_orders_table(report),
            _returns_table(report),
            _memos_table(report),
            _credits_table(report),
            _balances_table(report),
        ),
    )


SECTIONS = {
    "orders": ("orders",),
    "ageing": ("customers", "totals", "items"),
    "loyalty": ("programs", "customers", "months"),
    "margin": ("margin", "totals", "apart", "movements"),
    "stock": ("positions", "uncosted"),
    "credits": ("credit_orders", "returns", "memos", "credits", "balances"),
    "fx": ("lots", "totals"),
}
