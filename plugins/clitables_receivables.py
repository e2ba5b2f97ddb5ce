"""The receivables' reports as plain tables, for ``bean-orders report``: aged
receivables (:func:`ageing_document`) and foreign receivables revalued
(:func:`fx_document`). As in :mod:`beancount_orders.clitables`, nothing here
computes: the tables pick the report dataclasses' columns."""

from __future__ import annotations

from collections.abc import Sequence

from beancount_orders.book.directives import ID_RE
from beancount_orders.cliformat import Cell
from beancount_orders.cliformat import Column
from beancount_orders.cliformat import Document
from beancount_orders.cliformat import Table
from beancount_orders.cliformat import money_column as _m
from beancount_orders.cliformat import number_column as _n
from beancount_orders.cliformat import source_cells
from beancount_orders.cliformat import text_column as _c
from beancount_orders.cliformat import wide_column as _w
from beancount_orders.reports.ageing import AgeingReport
from beancount_orders.reports.fx import FxReport


def _ageing_customers(report: AgeingReport) -> Table:
    buckets = tuple(_m(label, label) for label in report.labels)
    table = _ageing_customers_table(report, buckets)
    if report.foreign:  # foreign rows: their value in the operating currency too
        return _with_value(table, report, [row.value for row in report.rows])
    return table


def _with_value(table: Table, report: AgeingReport, values: Sequence[Cell]) -> Table:
    """A table of the ageing with each row's operating-currency value (at the
    booked rates; empty for rows in the operating currency)."""
    opc = report.operating_currency or ""
    return Table(
        table.name,
        table.title,
        (*table.columns, _m("value", f"Value {opc}")),
        tuple((*cells, value) for cells, value in zip(table.rows, values, strict=True)),
    )


def _ageing_customers_table(report: AgeingReport, buckets: tuple[Column, ...]) -> Table:
    return Table(
        "customers",
        "Customers",
        (
            _c("customer"),
            _c("name"),
            _c("currency"),
            *buckets,
            _w("invoiced_open", money=True),
            _m("unallocated"),
            _m("total"),
            _m("credit_limit", "Limit"),
            _c("over_limit", "Over"),
        ),
        tuple(
            (
                row.customer,
                row.name,
                row.currency,
                *row.buckets,
                row.invoiced_open,
                row.unallocated_total,
                row.total,
                row.credit_limit,
                row.over_limit,
            )
            for row in report.rows
        ),
    )


def _ageing_totals(report: AgeingReport) -> Table:
    buckets = tuple(_m(label, label) for label in report.labels)
    return Table(
        "totals",
        "Totals",
        (
            _c("currency"),
            *buckets,
            _w("invoiced_open", money=True),
            _m("unallocated"),
            _m("total"),
        ),
        tuple(
            (
                total.currency,
                *total.buckets,
                total.invoiced_open,
                total.unallocated_total,
                total.total,
            )
            for total in report.totals
        ),
    )


def _ageing_items(report: AgeingReport) -> Table:
    # Early-payment discounts: an open invoice's due date, the last day of its
    # window and its discount, only when an open invoice has discount terms.
    discounts = report.discounts
    extra = (
        (_c("due"), _c("discount_until", "Discount until"), _m("discount"))
        if discounts
        else ()
    )
    return Table(
        "items",
        "Open invoices and unallocated money",
        (
            _c("customer"),
            _c("document"),
            _c("kind"),
            _c("order"),
            _c("date", "Aged from"),
            _n("age"),
            _c("bucket"),
            _m("amount"),
            _c("currency"),
            *extra,
            _w("file"),
            _w("line", numeric=True),
        ),
        tuple(
            (
                line.row.customer,
                line.item.document if ID_RE.match(line.item.document) else None,
                line.item.kind,
                line.item.order,
                line.item.date,
                line.item.age,
                report.labels[line.item.bucket],
                line.item.amount,
                line.row.currency,
                *(
                    (line.item.due, line.item.discount_until, line.item.discount)
                    if discounts
                    else ()
                ),
                *source_cells(line.item.meta),
            )
            for line in report.lines
        ),
    )


def ageing_document(report: AgeingReport) -> Document:
    basis = "due date" if report.basis == "due" else "invoice date"
    return Document(
        "ageing",
        f"Aged receivables as of {report.as_of}, by {basis}",
        (("as_of", report.as_of), ("basis", report.basis), ("buckets", report.labels)),
        (_ageing_customers(report), _ageing_totals(report), _ageing_items_all(report)),
    )


def _ageing_items_all(report: AgeingReport) -> Table:
    table = _ageing_items(report)
    if report.foreign:
        return _with_value(table, report, [line.item.value for line in report.lines])
    return table


def fx_document(report: FxReport) -> Document:
    opc = report.operating_currency or ""
    lots = Table(
        "lots",
        f"Open foreign receivables revalued in {opc or 'the operating currency'}",
        (
            _c("customer"),
            _c("document"),
            _c("kind"),
            _c("date"),
            _m("amount"),
            _c("currency"),
            _n("booked_rate", "Booked rate"),
            _m("booked", f"Booked {opc}"),
            _n("rate", "Rate"),
            _m("revalued", f"Revalued {opc}"),
            _m("difference", "Gain/loss"),
            _w("order"),
            _w("account"),
        ),
        tuple(
            (
                row.customer,
                row.document,
                row.kind,
                row.date,
                row.amount,
                row.currency,
                row.booked_rate,
                row.booked,
                row.rate,
                row.revalued,
                row.difference,
                row.order,
                row.account,
            )
            for row in report.rows
        ),
    )
    totals = Table(
        "totals",
        "Totals",
        (
            _c("currency"),
            _m("amount"),
            _m("booked", f"Booked {opc}"),
            _m("revalued", f"Revalued {opc}"),
            _m("difference", "Gain/loss"),
        ),
        tuple(
            (total.currency, total.amount, total.booked, total.revalued, total.difference)
            for total in report.totals
        ),
    )
    return Document(
        "fx",
        f"Foreign receivables as of {report.as_of}",
        (("as_of", report.as_of), ("operating_currency", report.operating_currency)),
        (lots, totals),
    )
