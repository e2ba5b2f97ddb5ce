"""What every report page shares: the book, Fava's time filter, options and links.

:class:`ReportPage` is the base of the page classes in :mod:`beancount_orders.fava_ext`.
It lives in this submodule, and the package imports the module rather than the
class, because Fava's ``find_extensions`` takes every ``FavaExtensionBase``
subclass it sees in the package's namespace as an extension of its own.

The pages read the engine's :class:`~beancount_orders.book.Book` of the ledger as
loaded now: the one the plugin built while Fava loaded the ledger, which it left
in the load's options map (:func:`beancount_orders.loading.book_from_loaded`).
Fava replaces the options map on every (re)load, so the book goes with it. A
ledger loaded without the plugin gets its book built once per load, in
``after_load_file``, and kept in the same options map. The book is only read
once built, so the server's threads share it without a lock.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
from collections.abc import Callable
from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Any
from typing import Generic
from typing import TypeVar
from urllib.parse import urlencode

import flask
from fava.context import g
from fava.core.filters import FilterError
from fava.ext import FavaExtensionBase
from flask import request

from beancount_orders.book import Book
from beancount_orders.book.directives import ID_RE
from beancount_orders.fava_ext.views import OptionError
from beancount_orders.fava_ext.views import Pager
from beancount_orders.loading import book_from_loaded
from beancount_orders.reports.ageing import AgeingError
from beancount_orders.reports.orders import ReportError

if TYPE_CHECKING:  # pragma: no cover
    from fava.core import FavaLedger

log = logging.getLogger(__name__)

# Fava's own query arguments: kept when a page's options form is sent.
FAVA_FILTERS = ("time", "filter", "account", "conversion", "interval")

T = TypeVar("T")


def ledger_book(ledger: FavaLedger) -> Book:
    """The book of the ledger as loaded now: the plugin's, or built once per load."""
    return book_from_loaded(ledger.all_entries, ledger.options)  # type: ignore[arg-type]


def parse_date(text: str, what: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise OptionError(
            f"Invalid {what} {text!r}: expected a date written YYYY-MM-DD, "
            "such as 2024-06-30"
        ) from None


# The errors a page shows as a message instead of its report.
USER_ERRORS: tuple[type[Exception], ...] = (OptionError, ReportError, AgeingError)


@dataclasses.dataclass(frozen=True)
class Page(Generic[T]):
    """What a page's template gets: its view, or the message of a bad option,
    and the options to show in its form."""

    view: T | None
    error: str | None
    options: Mapping[str, str]


class ReportPage(FavaExtensionBase):
    """The base of the report pages (not itself an extension)."""

    def after_load_file(self) -> None:
        """Have the book of the freshly loaded ledger ready for all pages: the
        plugin's, or (a ledger loaded without the plugin) built now, once."""
        try:
            ledger_book(self.ledger)
        except Exception:  # pragma: no cover - the page shows it on request
            log.exception("The order book could not be built")

    @property
    def book(self) -> Book:
        return ledger_book(self.ledger)

    def build(self, make: Callable[[], T], **options: str) -> Page[T]:
        """Make the page's view; a bad option becomes the page's message."""
        try:
            return Page(make(), None, options)
        except USER_ERRORS as error:
            return Page(None, str(error), options)

    # Options -----------------------------------------------------------------

    def arg(self, name: str, default: str = "") -> str:
        """A query argument of the page, stripped."""
        return request.args.get(name, default).strip()

    def pager(self) -> Pager:
        """The table pages asked for (``page``, ``invoices_page`` ...) and ``per_page``."""
        return Pager.from_args(request.args.to_dict())

    def page_url(self, param: str, number: int) -> str:
        """This page's URL with the table page ``param`` set to ``number``."""
        args = request.args.copy()
        args.pop("partial", None)
        args[param] = str(number)
        return f"{request.path}?{urlencode(list(args.items(multi=True)))}"

    def period(self) -> tuple[datetime.date | None, datetime.date | None]:
        """Fava's time filter as [start, end), or (None, None) when there is none."""
        text = request.args.get("time")
        if not text:
            return None, None
        try:
            date_range = g.filtered.date_range
        except FilterError as error:
            raise OptionError(f"Invalid time filter {text!r}: {error.message}") from None
        if date_range is None:
            return None, None
        return date_range.begin, date_range.end

    def default_as_of(self) -> datetime.date:
        """An as-of date not asked for: the last day of Fava's time filter, else
        today (the Receivables and FX pages)."""
        end = self.period()[1]
        if end is not None:
            return end - datetime.timedelta(days=1)
        return datetime.date.today()

    def as_of(self, text: str) -> datetime.date:
        """The as-of date ``text`` asked for (``YYYY-MM-DD``), else the default."""
        return parse_date(text, "as-of date") if text else self.default_as_of()

    def as_of_shown(self, text: str) -> str:
        """The as-of date for the page's date field ('' under a bad time filter,
        which the page reports)."""
        try:
            return text or str(self.default_as_of())
        except OptionError:
            return ""

    def period_text(self) -> str | None:
        """The time filter's dates for the page heading, e.g. 2024-01-01 to 2024-12-31."""
        try:
            start, end = self.period()
        except OptionError:
            return None
        if start is None or end is None:
            return None
        return f"{start} to {end - datetime.timedelta(days=1)}"

    def fava_filters(self) -> tuple[tuple[str, str], ...]:
        """Fava's filters in force, as hidden fields for the page's options form."""
        return tuple(
            (name, request.args[name]) for name in FAVA_FILTERS if request.args.get(name)
        )

    # Links -------------------------------------------------------------------

    def _base_url(self) -> str:
        return flask.url_for("index", bfile=g.beancount_file_slug)

    def linkable(self, document: str | None) -> bool:
        """Whether ``document`` is an id that can be a Beancount link."""
        return bool(document) and ID_RE.match(document or "") is not None

    def journal_url(self, link: str) -> str:
        """Fava's journal filtered by the link ``^link`` (all dates)."""
        return f"{self._base_url()}journal/?{urlencode({'filter': '^' + link})}"

    def source_url(self, meta: Mapping[str, Any] | None) -> str | None:
        """Fava's editor at the directive's source line, or None if it has none."""
        if not meta:
            return None
        filename = meta.get("filename")
        lineno = meta.get("lineno")
        if not isinstance(filename, str) or filename.startswith("<") or not lineno:
            return None
        query = urlencode({"file_path": filename, "line": lineno})
        return f"{self._base_url()}editor/?{query}"

    def document_source_url(self, document: str) -> str | None:
        """The source line of an order, invoice, credit order, return, memo,
        credit or payment, or of a purchase order, receipt, bill, landed cost,
        stock-in or bill payment, by its id."""
        book = self.book
        purchasing = book.purchasing
        tables: tuple[Mapping[str, Any], ...] = (
            book.orders,
            book.invoices,
            book.credit_orders,
            book.returns,
            book.memos,
            book.credits,
            book.settlements,
            purchasing.orders,
            purchasing.receipts,
            purchasing.payables,
            purchasing.payments,
        )
        for table in tables:
            found = table.get(document)
            if found is not None:
                return self.source_url(found.meta)
        return None

    def customer_name(self, customer: str) -> str:
        known = self.book.customers.get(customer)
        return known.name if known is not None else customer

    def order_customer(self, order: str) -> tuple[str, str] | None:
        """(id, name) of the order's customer, or None for an unknown order."""
        found = self.book.orders.get(order)
        if found is None:
            return None
        return found.customer, self.customer_name(found.customer)
