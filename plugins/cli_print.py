"""``bean-orders print``: an invoice, a credit note or a statement, as HTML or PDF.

The document comes from the book of the loaded ledger
(:mod:`beancount_orders.documents`); this module only reads the options and
writes the bytes. An unknown document or customer, or a missing option, is a
one-line ``Error:`` with exit status 1, never a traceback.
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

import click

from beancount_orders.cli_ledger import LEDGER
from beancount_orders.cli_ledger import Loaded
from beancount_orders.cli_report import DateType
from beancount_orders.documents import DocumentError
from beancount_orders.documents import document
from beancount_orders.documents import item_names
from beancount_orders.documents import render_html
from beancount_orders.documents import render_pdf
from beancount_orders.documents import statement
from beancount_orders.documents.model import Document


@click.command("print")
@LEDGER
@click.argument("document_id", metavar="[DOCUMENT]", required=False)
@click.option(
    "--statement",
    "customer",
    metavar="CUSTOMER",
    help="Print the statement of account of CUSTOMER (a customer id) instead.",
)
@click.option(
    "--as-of",
    type=DateType(),
    help="The statement's closing date.  [default: the configured today]",
)
@click.option(
    "--from",
    "start",
    type=DateType(),
    help="The statement's first day (earlier entries make its opening balance).  "
    "[default: from the first entry]",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the HTML to this file instead of standard output.",
)
@click.option(
    "--pdf",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write a PDF to this file (needs the extra beancount-orders[pdf]).",
)
def print_(
    ledger: Path,
    document_id: str | None,
    customer: str | None,
    as_of: datetime.date | None,
    start: datetime.date | None,
    out: Path | None,
    pdf: Path | None,
) -> None:
    """Print the invoice or credit order DOCUMENT of LEDGER (a credit order prints
    as a credit note), or with --statement CUSTOMER a customer's statement, as
    HTML on standard output, with --out to a file, or with --pdf as PDF.

    Every figure is the one the plugin posted; the same ledger prints the same
    bytes.
    """
    if (document_id is None) == (customer is None):
        raise click.UsageError("Give either a DOCUMENT id or --statement CUSTOMER")
    if customer is None and (as_of is not None or start is not None):
        raise click.UsageError("--as-of and --from are options of --statement")
    loaded = Loaded(ledger)
    loaded.warn_without_plugin()
    book = loaded.book
    doc: Document
    try:
        if customer is not None:
            date = as_of or book.config.today
            if date is None:
                raise click.UsageError(
                    "--statement needs --as-of DATE (or the configuration's 'today')"
                )
            doc = statement(book, customer, date, start)
        else:
            assert document_id is not None
            doc = document(book, document_id, item_names(loaded.entries))
        html = render_html(doc, book.config.precision)
        if pdf is not None:
            _write(pdf, render_pdf(html))
    except DocumentError as error:
        raise click.ClickException(str(error)) from None
    if out is not None:
        _write(out, html.encode("utf-8"))
    elif pdf is None:
        sys.stdout.write(html)


def _write(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path``; a file that cannot be written is an error."""
    try:
        path.write_bytes(content)
    except OSError as error:
        raise click.ClickException(
            f"Cannot write {path}: {error.strerror or error}"
        ) from None
