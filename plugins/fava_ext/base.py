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
from typing import ClassVar
from typing import Generic
from typing import TypeVar
from urllib.parse import urlencode

import flask
from fava.context import g
from fava.core.filters import FilterError
from fava.ext import FavaExtensionBase
from fava.ext import extension_endpoint
from flask import request

from beancount_orders.book import Book
from beancount_orders.book.directives import ID_RE
from beancount_orders.book.postings import is_generated
from beancount_orders.cliformat import Document
from beancount_orders.cliformat import render_csv
from beancount_orders.fava_ext.views import OptionError
from beancount_orders.fava_ext.views import Pager
from beancount_orders.loading import book_from_loaded
from beancount_orders.loading import load_book
from beancount_orders.loading import plugin_config
from beancount_orders.reports.ageing import AgeingError
from beancount_orders.reports.orders import ReportError
from beancount_orders.words import plural

if TYPE_CHECKING:  # pragma: no cover
    from fava.core import FavaLedger

log = logging.getLogger(__name__)

# Fava's own query arguments (and our "as of the end of the period" switch): kept
# when a page's options form is sent.
FAVA_FILTERS = ("time", "filter", "account", "conversion", "interval", "at_end")
# Fava's decorator marking a method as the extension's endpoint ``csv`` (untyped).
CSV_ENDPOINT: Callable[[Callable[..., flask.Response]], Callable[..., flask.Response]]
CSV_ENDPOINT = extension_endpoint("csv")  # type: ignore[assignment]
# Books as of the end of a period, kept per page (the newest few).
KEPT_BOOKS = 4

T = TypeVar("T")


def ledger_book(ledger: FavaLedger) -> Book:
    """The book of the ledger as loaded now: the plugin's, or built once per load."""
    return book_from_loaded(ledger.all_entries, ledger.options)  # type: ignore[arg-type]


def parse_date(text: str, what: str) -> datetime.date:
    """``text`` as a date, or an :class:`OptionError` saying what was expected."""
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


@dataclasses.dataclass(frozen=True)
class Download:
    """A table of a page as a CSV file: its title and the URL that sends it."""

    title: str
    url: str
    group: str = ""  # the report's title, when a page has several reports


class ReportPage(FavaExtensionBase):
    """The base of the report pages (not itself an extension).

    Every page gets from here its heading furniture (``_macros.html``'s ``header``):
    a banner when the books have errors, what Fava's time filter means on it
    (:attr:`time_meaning`), whether Fava's account and tag/link filters narrow it
    (:attr:`honours_filters`), and a CSV download of each table of its
    :meth:`documents` through the ``csv`` endpoint.
    """

    #: What Fava's time filter means on the page; ``{period}`` is the filter's
    #: dates ("from 2024-01-01 to 2024-01-31", or "at any date"), ``{as_of}`` the
    #: page's as-of date, ``{standing}`` when its statuses stand (:meth:`as_of_words`).
    time_meaning: ClassVar[str] = ""
    #: Whether the page narrows its rows by Fava's account and tag/link filters
    #: (:meth:`filter_links`); a page that does not says so when they are set.
    honours_filters: ClassVar[bool] = False
    #: What the filters keep on a page that honours them.
    filter_meaning: ClassVar[str] = (
        "only the rows whose document is a link (^ID) of an entry the filter keeps, "
        "at any date"
    )
    #: Whether the page offers "as of the end of the period" (``at_end=1``): its
    #: book is then the book of the entries dated up to the time filter's end.
    offers_at_end: ClassVar[bool] = False

    def after_load_file(self) -> None:
        """Have the book of the freshly loaded ledger ready for all pages: the
        plugin's, or (a ledger loaded without the plugin) built now, once."""
        try:
            ledger_book(self.ledger)
        except Exception:  # pragma: no cover - the page shows it on request
            log.exception("The order book could not be built")

    @property
    def book(self) -> Book:
        """The ledger's book; as of the end of the period when the page asks."""
        end = self.at_end()
        if end is not None:
            return self.book_until(end)
        return ledger_book(self.ledger)

    def book_until(self, end: datetime.date) -> Book:
        """The book of the ledger's own entries dated before ``end`` (built once per
        load and date; the newest few are kept)."""
        entries = self.ledger.all_entries
        books: dict[tuple[int, datetime.date], Book] = self.__dict__.setdefault(
            "_books_until", {}
        )
        key = (id(entries), end)
        found = books.get(key)
        if found is None:
            own = [e for e in entries if e.date < end and not is_generated(e)]  # type: ignore[arg-type]
            options = self.ledger.options
            found = load_book(own, plugin_config(options), options_map=options)  # type: ignore[arg-type]
            while len(books) >= KEPT_BOOKS:
                books.pop(next(iter(books)))
            books[key] = found
        return found

    def at_end(self) -> datetime.date | None:
        """The time filter's end when the page is asked for "as of the end of the
        period" and offers it, else None."""
        if not self.offers_at_end or not request.args.get("at_end"):
            return None
        try:
            return self.period()[1]
        except OptionError:
            return None

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
        """An as-of date not asked for: the last day of Fava's time filter, else the
        configured ``today``, else today (the Receivables, FX and Purchases pages)."""
        end = self.period()[1]
        if end is not None:
            return end - datetime.timedelta(days=1)
        return ledger_book(self.ledger).config.today or datetime.date.today()

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

    def period_words(self) -> str:
        """The time filter's dates in words: "from 2024-01-01 to 2024-12-31", or "at
        any date" without one."""
        text = self.period_text()
        return f"from {text}" if text else "at any date"

    def time_note(self, page: Page[Any]) -> str:
        """What Fava's time filter means on this page, in words."""
        return self.time_meaning.format(
            period=self.period_words(),
            as_of=page.options.get("as_of", ""),
            standing=self.as_of_words(),
        )

    def at_end_toggle(self) -> tuple[str, str] | None:
        """(text, URL) of the link switching "as of the end of the period" on or off,
        or None when the page does not offer it or there is no period end."""
        if not self.offers_at_end:
            return None
        try:
            end = self.period()[1]
        except OptionError:
            return None
        if end is None:
            return None
        args = request.args.copy()
        args.pop("partial", None)
        last = end - datetime.timedelta(days=1)
        if args.pop("at_end", None):
            text = "Show them as they stand at the end of the books instead"
        else:
            args["at_end"] = "1"
            text = f"Show them as of the end of the period ({last}) instead"
        return text, f"{request.path}?{urlencode(list(args.items(multi=True)))}"

    def as_of_words(self) -> str:
        """When the page's statuses and balances stand: "the end of the books", or
        the end of the period when asked."""
        end = self.at_end()
        if end is None:
            return "the end of the books"
        return f"the end of {end - datetime.timedelta(days=1)}"

    # Fava's account and tag/link filters ----------------------------------------

    def fava_filter_text(self) -> str | None:
        """Fava's account and advanced filters in force, in words, or None."""
        parts = []
        if request.args.get("account"):
            parts.append(f"account {request.args['account']}")
        if request.args.get("filter"):
            parts.append(f"filter {request.args['filter']}")
        return ", ".join(parts) or None

    def filter_links(self) -> frozenset[str] | None:
        """The links (``^ID``) of the entries Fava's account and advanced filters
        keep, at any date; None when neither filter is set. A page that honours the
        filters keeps the rows whose documents are among these links."""
        account = request.args.get("account") or None
        advanced = request.args.get("filter") or None
        if account is None and advanced is None:
            return None
        try:
            filtered = self.ledger.get_filtered(account=account, filter=advanced)
            entries = filtered.entries
        except FilterError as error:
            raise OptionError(f"Invalid filter: {error.message}") from None
        links: set[str] = set()
        for entry in entries:
            links.update(getattr(entry, "links", None) or ())
        return frozenset(links)

    # Errors of the books -----------------------------------------------------------

    def error_count(self) -> int:
        """How many errors the books have (Beancount's, the plugin's, Fava's)."""
        return len(self.ledger.errors)

    def errors_url(self) -> str:
        """Fava's errors page."""
        return f"{self._base_url()}errors/"

    def plural(self, count: int, noun: str, nouns: str | None = None) -> str:
        """ "1 order", "2 orders": for the templates."""
        return plural(count, noun, nouns)

    # CSV downloads -----------------------------------------------------------------

    def documents(self, view: Any) -> tuple[Document, ...]:
        """The page's tables as the command line's documents (every row, no paging),
        made from the page's view; a page without tables has none."""
        return ()

    def downloads(self, page: Page[Any]) -> tuple[Download, ...]:
        """A CSV download of each table of the page, with the page's options and
        filters."""
        if page.view is None:
            return ()
        args = request.args.copy()
        args.pop("partial", None)
        found = []
        documents = self.documents(page.view)
        for document in documents:
            group = document.report.capitalize() if len(documents) > 1 else ""
            for table in document.tables:
                args["table"] = f"{document.report}.{table.name}"
                query = urlencode(list(args.items(multi=True)))
                url = f"{self._base_url()}extension/{self.name}/csv?{query}"
                found.append(Download(table.title, url, group))
        return tuple(found)

    @CSV_ENDPOINT
    def csv(self) -> flask.Response:
        """One table of the page as CSV (``table=REPORT.SECTION``), with the page's
        options and filters: the rows of the page's table, all of them."""
        page = self.page()  # type: ignore[attr-defined]
        if page.view is None:
            return flask.Response(page.error, status=400, mimetype="text/plain")
        wanted = request.args.get("table", "")
        for document in self.documents(page.view):
            for table in document.tables:
                if f"{document.report}.{table.name}" == wanted:
                    body = render_csv(document, table.name)
                    name = f"{document.report}-{table.name}.csv"
                    return flask.Response(
                        body,
                        mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'},
                    )
        return flask.Response(
            f"No table {wanted!r} on this page", status=404, mimetype="text/plain"
        )

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
