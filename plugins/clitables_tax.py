"""The tax report as plain tables, for ``bean-orders report tax``
(:func:`tax_document`). As in :mod:`beancount_orders.clitables`, nothing here
computes: the tables pick the report dataclasses' columns."""

from __future__ import annotations

from beancount_orders.cliformat import Cell
from beancount_orders.cliformat import Column
from beancount_orders.cliformat import Document
from beancount_orders.cliformat import Table
from beancount_orders.cliformat import money_column as _m
from beancount_orders.cliformat import number_column as _n
from beancount_orders.cliformat import source_cells
from beancount_orders.cliformat import text_column as _c
from beancount_orders.cliformat import wide_column as _w
from beancount_orders.reports.tax import TaxFigures
from beancount_orders.reports.tax import TaxReport

SECTIONS = {"tax": ("rates", "periods", "totals", "postings", "documents")}
# What the Check column says of figures that do not tie to the accounts.
MISMATCH = "MISMATCH"


def _figure_columns() -> tuple[Column, ...]:
    """The documents' figures, then (CSV and JSON only) the accounts'."""
    return (
        _m("net_sales", "Net sales"),
        _m("output_tax", "Output tax"),
        _m("credited_net", "Credits net"),
        _m("credited_tax", "Credits tax"),
        _m("discount_tax", "Discounts tax"),
        _m("net_purchases", "Net purchases"),
        _m("input_tax", "Input tax"),
        _m("net_tax", "Net tax"),
        _w("sales_tax", money=True),
        _w("account_sales_tax", money=True),
        _w("account_input_tax", money=True),
        _w("ties"),
    )


def _figures(figures: TaxFigures) -> tuple[Cell, ...]:
    """The cells of :func:`_figure_columns`."""
    return (
        figures.net_sales,
        figures.output_tax,
        figures.credited_net,
        figures.credited_tax,
        figures.discount_tax,
        figures.net_purchases,
        figures.input_tax,
        figures.net_tax,
        figures.sales_tax,
        figures.account_sales_tax,
        figures.account_input_tax,
        figures.ties,
    )


def _check(figures: TaxFigures) -> str:
    """``ok`` when the documents' figures equal the accounts', else the marker."""
    return "ok" if figures.ties else MISMATCH


def _rates(report: TaxReport) -> Table:
    """A row per period, currency, rate and jurisdiction."""
    return Table(
        "rates",
        "By rate",
        (
            _c("period"),
            _c("currency"),
            _n("rate"),
            _c("jurisdiction"),
            *_figure_columns(),
            _c("check"),
        ),
        tuple(
            (
                row.period,
                row.currency,
                row.rate,
                row.jurisdiction,
                *_figures(row.figures),
                _check(row.figures),
            )
            for row in report.rows
        ),
    )


def _tie_columns(first: tuple[Column, ...]) -> tuple[Column, ...]:
    """The side-by-side columns of the periods and totals tables."""
    return (
        *first,
        _m("sales_tax", "Sales tax (documents)"),
        _m("account_sales_tax", "Sales tax (account)"),
        _m("input_tax", "Input tax (documents)"),
        _m("account_input_tax", "Input tax (account)"),
        _m("net_tax", "Net tax"),
        _c("check"),
        _w("ties"),
    )


def _tie_cells(figures: TaxFigures) -> tuple[Cell, ...]:
    """The cells of :func:`_tie_columns` after the first ones."""
    return (
        figures.sales_tax,
        figures.account_sales_tax,
        figures.input_tax,
        figures.account_input_tax,
        figures.net_tax,
        _check(figures),
        figures.ties,
    )


def _periods(report: TaxReport) -> Table:
    """A row per period and currency: the documents' figures beside the accounts'."""
    return Table(
        "periods",
        "By period: the documents against the tax accounts",
        _tie_columns((_c("period"), _c("currency"))),
        tuple(
            (total.period, total.currency, *_tie_cells(total.figures))
            for total in report.totals
        ),
    )


def _totals(report: TaxReport) -> Table:
    """A row per currency over the report's whole period."""
    return Table(
        "totals",
        "Totals",
        _tie_columns((_c("currency"),)),
        tuple((total.currency, *_tie_cells(total.figures)) for total in report.grand),
    )


def _postings(report: TaxReport) -> Table:
    """The postings to the tax accounts that the plugin did not make."""
    return Table(
        "postings",
        "Postings to the tax accounts by hand",
        (
            _c("date"),
            _c("period"),
            _c("account"),
            _m("amount"),
            _c("currency"),
            _n("rate"),
            _c("jurisdiction"),
            _c("narration"),
            _w("file"),
            _w("line", numeric=True),
        ),
        tuple(
            (
                posting.date,
                posting.period,
                posting.account,
                posting.amount,
                posting.currency,
                posting.rate,
                posting.jurisdiction,
                posting.narration,
                *source_cells(posting.meta),
            )
            for posting in report.postings
        ),
    )


def _documents(report: TaxReport) -> Table:
    """The documents' side line by line: a document's net and tax at one rate."""
    return Table(
        "documents",
        "Documents",
        (
            _c("date"),
            _c("kind"),
            _c("document"),
            _c("currency"),
            _n("rate"),
            _c("jurisdiction"),
            _m("net"),
            _m("tax"),
            _c("void"),
            _w("file"),
            _w("line", numeric=True),
        ),
        tuple(
            (
                item.date,
                item.kind,
                item.document,
                item.currency,
                item.rate,
                item.jurisdiction,
                item.net if item.field_net else None,
                item.tax,
                item.void,
                *source_cells(item.meta),
            )
            for item in report.items
        ),
    )


def tax_document(report: TaxReport) -> Document:
    """The tax report: by rate, by period against the accounts, totals, postings by
    hand and the documents."""
    title = f"Tax by {report.period_kind}"
    start, last = report.period.start, report.period.last
    if start and last:
        title += f" from {start} to {last}"
    elif start:
        title += f" from {start}"
    elif last:
        title += f" to {last}"
    if not report.ties:
        title += f" ({MISMATCH}: the documents and the tax accounts differ)"
    return Document(
        "tax",
        title,
        (
            ("period", report.period_kind),
            ("start", start),
            ("end", last),
            ("sales_tax_account", report.sales_tax_account),
            ("input_tax_account", report.input_tax_account),
        ),
        (
            _rates(report),
            _periods(report),
            _totals(report),
            _postings(report),
            _documents(report),
        ),
    )
