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

from beancount_orders.fava_ext import base
from beancount_orders.fava_ext import printing
from beancount_orders.fava_ext import views
from beancount_orders.reports import ageing
from beancount_orders.reports import fx
from beancount_orders.reports import margin
from beancount_orders.reports import payables
from beancount_orders.reports import tax


class Orders(base.ReportPage, printing.Printable):
    """Every order with its four status axes, totals and outstanding."""

    report_title = "Orders"

    def page(self) -> base.Page[views.OrdersView]:
        customer = self.arg("customer")
        status = self.arg("status")
        return self.build(
            lambda: views.orders_view(
                self.book, customer, status, self.period(), self.pager()
            ),
            customer=customer,
            status=status,
        )


class Receivables(base.ReportPage, printing.Printable):
    """Aged receivables as of a date, by invoice or due date."""

    report_title = "Aged receivables"

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
        return ageing.BASES


class Loyalty(base.ReportPage):
    """Loyalty programs, customers' points and the monthly movement."""

    report_title = "Loyalty"

    def page(self) -> base.Page[views.LoyaltyView]:
        return self.build(
            lambda: views.loyalty_view(self.book, self.period(), self.pager())
        )

    def program_source_url(self, symbol: str) -> str | None:
        """The source line of the program's (first) loyalty-program directive."""
        program = self.book.programs.get(symbol)
        return self.source_url(program.meta) if program is not None else None


class Margin(base.ReportPage):
    """Gross margin by order, item, customer or month."""

    report_title = "Gross margin"

    def page(self) -> base.Page[views.MarginView]:
        group = self.arg("group") or "order"
        return self.build(
            lambda: views.margin_view(self.book, group, self.period(), self.pager()),
            group=group,
        )

    def groups(self) -> tuple[str, ...]:
        return margin.GROUPS


class Stock(base.ReportPage):
    """Stock on hand, committed, available and value; uncosted dispatches."""

    report_title = "Stock"

    def page(self) -> base.Page[views.StockView]:
        return self.build(lambda: views.stock_view(self.book, self.pager()))


class Credits(base.ReportPage, printing.Printable):
    """Credit orders, returns, credit memos, customer credits and balances."""

    report_title = "Credits and returns"

    def page(self) -> base.Page[views.CreditsView]:
        return self.build(
            lambda: views.credits_view(self.book, self.period(), self.pager())
        )


class FX(base.ReportPage):
    """Open foreign receivables revalued at an as-of date (the fx report)."""

    report_title = "Foreign currency"

    def page(self) -> base.Page[views.FxView]:
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


class Purchases(base.ReportPage):
    """Purchase orders and aged payables as of a date, with their charts."""

    report_title = "Purchases"

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


class Tax(base.ReportPage):
    """Net sales and purchases, output and input tax per month or quarter and rate,
    beside the change of the tax accounts."""

    report_title = "Tax"

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
