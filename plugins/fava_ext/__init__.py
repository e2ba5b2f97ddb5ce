"""Fava report pages for the order books: orders, receivables, loyalty, margin,
stock, credits and returns, foreign receivables (fx), purchases (purchase
orders and aged payables) and tax.

Enable them in the ledger (beside ``plugin "beancount_orders.orders"``)::

    2024-01-01 custom "fava-extension" "beancount_orders.fava_ext"

Each page is one class below, with its template in ``templates/<Class>.html``,
at ``/<ledger>/extension/<Class>/``. A page reads its options from the query
string, respects Fava's time filter where the report has a period, and calls
the shared report functions (:mod:`beancount_orders.reports`, arranged by
:mod:`beancount_orders.fava_ext.views`); templates only loop over the results and format
them. Every order, invoice and other document links to Fava's journal
filtered by its link (``^ID``) and to its source line in Fava's editor.

Only page classes may be visible here: Fava takes every ``FavaExtensionBase``
subclass in this module as an extension, so the shared base class is reached
through its module (``base.ReportPage``), never imported by name.
"""

from __future__ import annotations

from beancount_orders import clitables
from beancount_orders import clitables_purchases
from beancount_orders import clitables_receivables
from beancount_orders import clitables_tax
from beancount_orders.cliformat import Document
from beancount_orders.fava_ext import base
from beancount_orders.fava_ext import printing
from beancount_orders.fava_ext import views
from beancount_orders.reports import ageing
from beancount_orders.reports import fx
from beancount_orders.reports import margin
from beancount_orders.reports import payables
from beancount_orders.reports import tax
from beancount_orders.reports.period import Period

# The as-of pages' time filter, in words.
AS_OF_MEANING = (
    "As of {as_of}: the date field; without one, the last day of Fava's time filter, "
    "else the ledger's configured today, else today's date."
)


class Orders(base.ReportPage, printing.Printable):
    """Every order with its four status axes, totals and outstanding."""

    report_title = "Orders"
    time_meaning = (
        "Fava's time filter: orders placed {period}; their statuses and amounts "
        "as they stand at {standing}."
    )
    honours_filters = True
    filter_meaning = (
        "only the orders whose id, or an invoice's, is a link (^ID) of an entry the "
        "filter keeps, at any date"
    )
    offers_at_end = True

    def page(self) -> base.Page[views.OrdersView]:
        """The orders for the options asked for, or their error."""
        customer = self.arg("customer")
        status = self.arg("status")
        return self.build(
            lambda: views.orders_view(
                self.book,
                customer,
                status,
                self.period(),
                self.pager(),
                self.filter_links(),
            ),
            customer=customer,
            status=status,
        )

    def documents(self, view: views.OrdersView) -> tuple[Document, ...]:
        """The orders table, every row."""
        period = Period(*self.period())
        return (
            clitables.orders_document(
                view.all_rows, view.customer or None, view.status or None, period
            ),
        )

    def customer_choices(self) -> tuple[tuple[str, str], ...]:
        """(id, name) of every customer, for the form (also after a bad option)."""
        return views.customers_of(self.book)

    def status_choices(self) -> tuple[tuple[str, str], ...]:
        """The status filter's (value, label) pairs."""
        return views.status_choices()


class Receivables(base.ReportPage, printing.Printable):
    """Aged receivables as of a date, by invoice or due date."""

    report_title = "Aged receivables"
    time_meaning = AS_OF_MEANING

    def page(self) -> base.Page[views.ReceivablesView]:
        as_of_text = self.arg("as_of")
        basis = self.arg("basis") or "invoice"
        buckets_text = self.arg("buckets") or ",".join(map(str, ageing.DEFAULT_BUCKETS))

        def make() -> views.ReceivablesView:
            as_of = self.as_of(as_of_text)
            buckets = ageing.parse_buckets(buckets_text)
            return views.receivables_view(self.book, as_of, basis, buckets, self.pager())

        return self.build(
            make,
            as_of=self.as_of_shown(as_of_text),
            basis=basis,
            buckets=buckets_text,
        )

    def bases(self) -> tuple[str, ...]:
        """The ageing bases: ``invoice`` and ``due``."""
        return ageing.BASES

    def documents(self, view: views.ReceivablesView) -> tuple[Document, ...]:
        """The ageing's customers, totals and items (open invoices and unallocated)."""
        return (clitables_receivables.ageing_document(view.report),)


class Loyalty(base.ReportPage):
    """Loyalty programs, customers' points and the monthly movement."""

    report_title = "Loyalty"
    time_meaning = (
        "Fava's time filter: the monthly movement of points {period}; programs and "
        "customers' points as they stand at {standing}."
    )
    offers_at_end = True

    def page(self) -> base.Page[views.LoyaltyView]:
        """The loyalty report for Fava's time filter."""
        return self.build(
            lambda: views.loyalty_view(self.book, self.period(), self.pager())
        )

    def documents(self, view: views.LoyaltyView) -> tuple[Document, ...]:
        """Programs, customers and months."""
        return (clitables.loyalty_document(view.report),)

    def program_source_url(self, symbol: str) -> str | None:
        """The source line of the program's (first) loyalty-program directive."""
        program = self.book.programs.get(symbol)
        return self.source_url(program.meta) if program is not None else None


class Margin(base.ReportPage):
    """Gross margin by order, item, customer or month."""

    report_title = "Gross margin"
    time_meaning = (
        "Fava's time filter: invoices, credits, returns and dispatches dated "
        "{period}, each in its own period."
    )

    def page(self) -> base.Page[views.MarginView]:
        """The margin by the group asked for, in Fava's time filter."""
        group = self.arg("group") or "order"
        return self.build(
            lambda: views.margin_view(self.book, group, self.period(), self.pager()),
            group=group,
        )

    def groups(self) -> tuple[str, ...]:
        """The groupings: order, item, customer, month."""
        return margin.GROUPS

    def documents(self, view: views.MarginView) -> tuple[Document, ...]:
        """Margin rows, totals, what is apart, and the credits and returns."""
        return (clitables.margin_document(view.report),)


class Stock(base.ReportPage):
    """Stock on hand, committed, available and value; uncosted dispatches."""

    report_title = "Stock"
    time_meaning = (
        "Fava's time filter does not select rows here: stock as it stands at {standing}."
    )
    offers_at_end = True

    def page(self) -> base.Page[views.StockView]:
        """Stock as it stands (at the end of the period when asked)."""
        return self.build(lambda: views.stock_view(self.book, self.pager()))

    def documents(self, view: views.StockView) -> tuple[Document, ...]:
        """Positions (items, locations, batches) and uncosted dispatches."""
        return (clitables.stock_document(view.report),)


class Credits(base.ReportPage, printing.Printable):
    """Credit orders, returns, credit memos, customer credits and balances."""

    report_title = "Credits and returns"
    time_meaning = (
        "Fava's time filter: credit orders, returns, memos and credits dated "
        "{period}; statuses and customers' credit balances as they stand at {standing}."
    )
    offers_at_end = True
    honours_filters = True
    filter_meaning = (
        "only the credit orders, returns, memos and credits whose document, invoice "
        "or order is a link (^ID) of an entry the filter keeps, at any date, and the "
        "credit balances of their customers"
    )

    def page(self) -> base.Page[views.CreditsView]:
        """The credits report for Fava's time filter (and account and link filters)."""
        return self.build(
            lambda: views.credits_view(
                self.book, self.period(), self.pager(), self.filter_links()
            )
        )

    def documents(self, view: views.CreditsView) -> tuple[Document, ...]:
        """Credit orders, returns, memos, customer credits and balances."""
        return (clitables.credits_document(view.report),)


class FX(base.ReportPage):
    """Open foreign receivables revalued at an as-of date (the fx report)."""

    report_title = "Foreign currency"
    time_meaning = AS_OF_MEANING

    def page(self) -> base.Page[views.FxView]:
        """The open foreign receivables as of the date asked for."""
        as_of_text = self.arg("as_of")
        return self.build(
            lambda: views.fx_view(self.book, self.as_of(as_of_text), self.pager()),
            as_of=self.as_of_shown(as_of_text),
        )

    def lot_linked(self, row: fx.FxRow) -> bool:
        """Whether the lot's document is a link of its transactions: an invoice,
        or money with an ``id`` (the lot of a payment without one is labelled
        ``PAYMENT-<reference>``, which no transaction carries)."""
        return self.linkable(row.document) and row.document == row.lot

    def documents(self, view: views.FxView) -> tuple[Document, ...]:
        """The lots and the totals per currency."""
        return (clitables_receivables.fx_document(view.report),)


class Purchases(base.ReportPage):
    """Purchase orders and aged payables as of a date, with their charts."""

    report_title = "Purchases"
    time_meaning = AS_OF_MEANING

    def page(self) -> base.Page[views.PurchasesView]:
        """The page's view for the options asked for, or their error."""
        as_of_text = self.arg("as_of")
        supplier = self.arg("supplier")
        status = self.arg("status")
        basis = self.arg("by") or "date"
        buckets_text = self.arg("buckets") or ",".join(map(str, ageing.DEFAULT_BUCKETS))

        def make() -> views.PurchasesView:
            """Check the date and buckets, then make the view."""
            as_of = self.as_of(as_of_text)
            buckets = ageing.parse_buckets(buckets_text)
            return views.purchases_view(
                self.book,
                self.ledger.all_entries,  # type: ignore[arg-type]
                as_of,
                supplier,
                status,
                basis,
                buckets,
                self.pager(),
            )

        return self.build(
            make,
            as_of=self.as_of_shown(as_of_text),
            supplier=supplier,
            status=status,
            by=basis,
            buckets=buckets_text,
        )

    def bases(self) -> tuple[str, ...]:
        """The ageing bases of the payables: ``date`` and ``due``."""
        return payables.BASES

    def documents(self, view: views.PurchasesView) -> tuple[Document, ...]:
        """The purchase orders (with totals and months) and the aged payables."""
        return (
            clitables_purchases.purchases_document(view.report),
            clitables_purchases.payables_document(view.aged),
        )

    def supplier_choices(self) -> tuple[tuple[str, str], ...]:
        """(id, name) of every supplier, for the form (also after a bad option)."""
        return views.suppliers_of(self.book)

    def status_choices(self) -> tuple[tuple[str, str], ...]:
        """The status filter's (value, label) pairs."""
        return views.purchase_status_choices()


class Tax(base.ReportPage):
    """Net sales and purchases, output and input tax per month or quarter and rate,
    beside the change of the tax accounts."""

    report_title = "Tax"
    time_meaning = (
        "Fava's time filter: the documents and tax postings dated {period}, per month "
        "or quarter; the totals tie to the change of the tax accounts over it."
    )

    def page(self) -> base.Page[views.TaxView]:
        """The page's view for the period asked for (``month`` by default)."""
        period_kind = self.arg("period") or "month"
        return self.build(
            lambda: views.tax_view(
                self.book,
                self.ledger.all_entries,  # type: ignore[arg-type]
                period_kind,
                self.period(),
                self.pager(),
            ),
            period=period_kind,
        )

    def period_kinds(self) -> tuple[str, ...]:
        """The periods a row may cover: ``month`` and ``quarter``."""
        return tax.PERIODS

    def documents(self, view: views.TaxView) -> tuple[Document, ...]:
        """The tax report's tables, as ``bean-orders report tax`` writes them."""
        return (clitables_tax.tax_document(view.report),)


# Fava lists the pages in its sidebar in the order it finds them: by name in this
# module. This second name of the Orders page sorts first, so Orders comes first.
A_ORDERS_FIRST = Orders
