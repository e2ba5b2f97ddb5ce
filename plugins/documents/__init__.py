"""Printable documents: invoices, credit notes and customer statements.

Built from the order book (:mod:`.build`, as the data of :mod:`.model`) and
written as HTML from one set of Jinja templates with a print stylesheet
(``templates/``), or as PDF through WeasyPrint (:mod:`.render`; the optional extra
``beancount-orders[pdf]``). ``bean-orders print`` and the Fava pages' "print"
links both use them. Every figure is the engine's own; the same book always
prints the same bytes.
"""

from __future__ import annotations

from beancount_orders.documents.build import document
from beancount_orders.documents.build import item_names
from beancount_orders.documents.build import statement
from beancount_orders.documents.model import Document
from beancount_orders.documents.model import DocumentError
from beancount_orders.documents.render import render_html
from beancount_orders.documents.render import render_pdf

__all__ = [
    "Document",
    "DocumentError",
    "document",
    "item_names",
    "render_html",
    "render_pdf",
    "statement",
]
