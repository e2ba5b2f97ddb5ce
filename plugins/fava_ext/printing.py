"""The printable documents in Fava: an endpoint, and the links the pages show.

The Orders, Credits and Receivables pages mix in :class:`Printable`: each gets
the endpoint ``/<ledger>/extension/<Page>/print`` (Fava's
``@extension_endpoint``), which answers

- ``?document=INV-1`` with the invoice or credit order ``INV-1`` as an HTML page
  (the same bytes as ``bean-orders print``), and
- ``?customer=acme&as_of=2025-03-31[&from=...]`` with the customer's statement;

``&format=pdf`` asks for a PDF (with the extra ``beancount-orders[pdf]``). An
unknown document or customer is a 404 with the message, never a traceback.

The mixin is not a ``FavaExtensionBase`` itself, so Fava does not take it for an
extension of its own.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING
from typing import Any
from urllib.parse import urlencode

import flask
from fava.context import g
from fava.ext import extension_endpoint
from flask import request

from beancount_orders.documents import DocumentError
from beancount_orders.documents import document
from beancount_orders.documents import item_names
from beancount_orders.documents import render_html
from beancount_orders.documents import render_pdf
from beancount_orders.documents import statement
from beancount_orders.loading import book_from_loaded

if TYPE_CHECKING:  # pragma: no cover
    from fava.core import FavaLedger


class Printable:
    """A page whose rows link to printable documents (mixed into the page class)."""

    if TYPE_CHECKING:  # pragma: no cover - given by FavaExtensionBase

        @property
        def ledger(self) -> FavaLedger:
            """The Fava ledger."""
            ...

        @property
        def name(self) -> str:
            """The extension's name."""
            ...

    @extension_endpoint("print")  # type: ignore[untyped-decorator,misc,arg-type]
    def print_document(self) -> flask.Response:
        """The document asked for by the query, as HTML (or PDF with format=pdf)."""
        try:
            html = self._document_html()
            if request.args.get("format") == "pdf":
                return flask.Response(render_pdf(html), mimetype="application/pdf")
        except DocumentError as error:
            return flask.Response(f"{error}\n", status=404, mimetype="text/plain")
        return flask.Response(html, mimetype="text/html")

    def _document_html(self) -> str:
        """The HTML of the document the query asks for."""
        book = book_from_loaded(self.ledger.all_entries, self.ledger.options)  # type: ignore[arg-type]
        args = request.args
        customer = args.get("customer", "").strip()
        if customer:
            as_of = _date(args.get("as_of", ""), "as_of") or book.config.today
            doc: Any = statement(
                book,
                customer,
                as_of or datetime.date.today(),
                _date(args.get("from", ""), "from"),
            )
        else:
            document_id = args.get("document", "").strip()
            if not document_id:
                raise DocumentError("Give ?document=ID or ?customer=ID&as_of=DATE")
            doc = document(book, document_id, item_names(self.ledger.all_entries))  # type: ignore[arg-type]
        return render_html(doc, book.config.precision)

    def _print_base(self) -> str:
        """The URL of this page's print endpoint."""
        page = flask.url_for(
            "extension_report", bfile=g.beancount_file_slug, extension_name=self.name
        )
        return f"{page.rstrip('/')}/print"

    def print_url(self, document_id: str) -> str:
        """The printable invoice or credit note ``document_id``."""
        return f"{self._print_base()}?{urlencode({'document': document_id})}"

    def statement_url(self, customer: str, as_of: datetime.date | None = None) -> str:
        """The printable statement of ``customer`` as of ``as_of``."""
        query = {"customer": customer}
        if as_of is not None:
            query["as_of"] = str(as_of)
        return f"{self._print_base()}?{urlencode(query)}"


def _date(text: str, what: str) -> datetime.date | None:
    """A query's date, or None when not given; a bad one is a DocumentError."""
    text = text.strip()
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise DocumentError(f"Invalid {what} {text!r}: expected YYYY-MM-DD") from None
