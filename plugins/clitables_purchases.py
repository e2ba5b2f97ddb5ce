"""The purchasing reports as plain tables, for ``bean-orders report``: purchase
orders (:func:`purchases_document`) and aged payables (:func:`payables_document`).
As in :mod:`beancount_orders.clitables`, nothing here computes: the tables pick
the report dataclasses' columns."""

from __future__ import annotations

from beancount_orders.cliformat import Column
from beancount_orders.cliformat import Document
from beancount_orders.cliformat import Table
from beancount_orders.cliformat import money_column as _m
from beancount_orders.cliformat import number_column as _n
from beancount_orders.cliformat import source_cells
from beancount_orders.cliformat import text_column as _c
from beancount_orders.cliformat import wide_column as _w
from beancount_orders.reports.payables import PayablesReport
from beancount_orders.reports.purchases import PurchasesReport

SECTIONS = {
    "purchases": ("orders", "totals", "months"),
    "payables": ("suppliers", "totals", "items"),
}


def _purchase_orders(report: PurchasesReport) -> Table:
    """The purchase orders table: a row per PO."""
    return Table(
        "orders",
        "Purchase orders",
        (
            _c("po", "PO"),
            _c("date"),
            _c("supplier"),
            _w("name"),
            _w("expected"),
            _w("location"),
            _c("state"),
            _c("received_status", "Received"),
            _c("billed_status", "Billed"),
            _c("paid_status", "Paid"),
            _m("ordered"),
            _m("received", "Received value"),
            _m("billed_net", "Billed net"),
            _w("landed", money=True),
            _m("billed_gross", "Billed gross"),
            _m("paid", "Paid value"),
            _m("outstanding"),
            _c("currency"),
            _w("receipts"),
            _w("bills"),
            _w("voided"),
            _w("file"),
            _w("line", numeric=True),
        ),
        tuple(
            (
                row.po,
                row.date,
                row.supplier,
                row.supplier_name,
                row.expected,
                row.location,
                row.state,
                row.received_status.value,
                row.billed_status.value,
                row.paid_status.value,
                row.ordered,
                row.received,
                row.billed_net,
                row.landed,
                row.billed_gross,
                row.paid,
                row.outstanding,
                row.currency,
                row.receipts,
                row.bills,
                row.voided,
                *source_cells({"filename": row.filename, "lineno": row.lineno}),
            )
            for row in report.rows
        ),
    )


def _purchase_totals(report: PurchasesReport) -> Table:
    """The totals table: a row per currency."""
    return Table(
        "totals",
        "Totals",
        (
            _c("currency"),
            _n("orders"),
            _m("ordered"),
            _m("received"),
            _m("billed_net", "Billed net"),
            _w("landed", money=True),
            _m("billed_gross", "Billed gross"),
            _m("paid"),
            _m("outstanding"),
        ),
        tuple(
            (
                total.currency,
                total.orders,
                total.ordered,
                total.received,
                total.billed_net,
                total.landed,
                total.billed_gross,
                total.paid,
                total.outstanding,
            )
            for total in report.totals
        ),
    )


def _purchase_months(report: PurchasesReport) -> Table:
    """The months table: a row per currency and month."""
    return Table(
        "months",
        "Received, billed and paid by month",
        (_c("month"), _c("currency"), _m("received"), _m("billed"), _m("paid")),
        tuple(
            (month.month, month.currency, month.received, month.billed, month.paid)
            for month in report.months
        ),
    )


def purchases_document(report: PurchasesReport) -> Document:
    """The purchases report: its purchase orders and their totals per currency."""
    title = f"Purchase orders as of {report.as_of}"
    details = [
        f"{name} {value}"
        for name, value in (("supplier", report.supplier), ("status", report.status))
        if value
    ]
    if details:
        title += f" ({', '.join(details)})"
    return Document(
        "purchases",
        title,
        (
            ("as_of", report.as_of),
            ("supplier", report.supplier),
            ("status", report.status),
        ),
        (_purchase_orders(report), _purchase_totals(report), _purchase_months(report)),
    )


def _bucket_columns(report: PayablesReport) -> tuple[Column, ...]:
    """A money column per ageing bucket."""
    return tuple(_m(label, label) for label in report.labels)


def _payables_suppliers(report: PayablesReport) -> Table:
    """The suppliers table: a row per supplier and currency."""
    return Table(
        "suppliers",
        "Suppliers",
        (
            _c("supplier"),
            _c("name"),
            _c("currency"),
            *_bucket_columns(report),
            _w("billed_open", money=True),
            _m("unallocated"),
            _m("other", "By hand"),
            _m("total"),
            _w("account"),
        ),
        tuple(
            (
                row.supplier,
                row.name,
                row.currency,
                *row.buckets,
                row.billed_open,
                row.unallocated_total,
                row.other_total,
                row.total,
                row.account,
            )
            for row in report.rows
        ),
    )


def _payables_totals(report: PayablesReport) -> Table:
    """The totals table: a row per currency."""
    return Table(
        "totals",
        "Totals",
        (
            _c("currency"),
            *_bucket_columns(report),
            _w("billed_open", money=True),
            _m("unallocated"),
            _m("other", "By hand"),
            _m("total"),
        ),
        tuple(
            (
                total.currency,
                *total.buckets,
                total.billed_open,
                total.unallocated_total,
                total.other_total,
                total.total,
            )
            for total in report.totals
        ),
    )


def _payables_items(report: PayablesReport) -> Table:
    """The items table: every open document, payment and posting."""
    return Table(
        "items",
        "Open bills, payments on account and postings by hand",
        (
            _c("supplier"),
            _c("document"),
            _c("kind"),
            _c("po", "PO"),
            _c("date", "Aged from"),
            _n("age"),
            _c("bucket"),
            _m("amount"),
            _c("currency"),
            _w("due"),
            _w("description"),
            _w("file"),
            _w("line", numeric=True),
        ),
        tuple(
            (
                line.row.supplier,
                line.item.document,
                line.item.kind,
                line.item.po,
                line.item.date,
                line.item.age,
                report.labels[line.item.bucket],
                line.item.amount,
                line.row.currency,
                line.item.due,
                line.item.description or None,
                *source_cells(line.item.meta),
            )
            for line in report.lines
        ),
    )


def payables_document(report: PayablesReport) -> Document:
    """The payables ageing: suppliers by bucket, totals per currency, the items."""
    basis = "due date" if report.basis == "due" else "document date"
    return Document(
        "payables",
        f"Aged payables as of {report.as_of}, by {basis}",
        (("as_of", report.as_of), ("by", report.basis), ("buckets", report.labels)),
        (_payables_suppliers(report), _payables_totals(report), _payables_items(report)),
    )
