"""Writing a document as HTML (Jinja) or PDF (WeasyPrint).

The HTML is one self-contained page: the print stylesheet is inlined, nothing
is fetched. It carries no clock: the PDF's creation and modification dates are
the document's own date (WeasyPrint reads them from the page's
``dcterms.created`` and ``dcterms.modified``), and WeasyPrint writes no file
identifier unless asked, so the same document always gives the same bytes.
"""

from __future__ import annotations

import functools
from decimal import Decimal

import jinja2

from beancount_orders.documents.model import Document
from beancount_orders.documents.model import DocumentError

PDF_HELP = (
    "PDF output needs WeasyPrint: pip install 'beancount-orders[pdf]' (it also "
    "needs the Pango library of the system, e.g. apt-get install libpango-1.0-0 "
    "libpangoft2-1.0-0)"
)


def money(value: Decimal, places: int = 2) -> str:
    """An amount with thousands separators at the books' precision: 1,234.50."""
    return f"{value:,.{places}f}"


def percent(rate: Decimal) -> str:
    """A tax rate as a percentage without trailing zeros: 0.20 -> 20%, 0.055 -> 5.5%."""
    text = f"{rate * 100:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def quantity(qty: Decimal) -> str:
    """A quantity as written, without an exponent."""
    return f"{qty:f}"


@functools.cache
def environment() -> jinja2.Environment:
    """The templates' environment (autoescaped HTML, strict about undefined names)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("beancount_orders.documents", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["money"] = money
    env.filters["percent"] = percent
    env.filters["qty"] = quantity
    return env


def render_html(document: Document, places: int = 2) -> str:
    """The document as one HTML page (``places``: the books' money precision)."""
    template = environment().get_template(f"{document.kind}.html")
    stylesheet = environment().loader.get_source(  # type: ignore[union-attr]
        environment(), "print.css"
    )[0]
    return template.render(doc=document, places=places, stylesheet=stylesheet)


def render_pdf(html: str) -> bytes:
    """The HTML page as PDF bytes (WeasyPrint; its dates come from the page)."""
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # not installed, or no Pango
        raise DocumentError(f"{PDF_HELP} ({type(error).__name__}: {error})") from None
    pdf = weasyprint.HTML(string=html).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf
