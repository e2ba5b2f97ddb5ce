"""The order book engine: pure Python, no I/O, no Fava, no click.

:func:`build_book` runs the engine over a ledger's entries (as the plugin sees
them) with a :class:`Config` (from :func:`parse_config`) and gives a
:class:`Book` of customers, orders, invoices and payments, the generated
entries and the errors. The glue between Beancount's loader, the plugin and the
CLI and Fava (the plugin's configuration string, the book handed over from the
plugin) is in :mod:`beancount_orders.loading`.
"""

from __future__ import annotations

from beancount_orders.book.config import Config
from beancount_orders.book.config import parse_config
from beancount_orders.book.engine import build_book
from beancount_orders.book.errors import OrdersError
from beancount_orders.book.model import Status
from beancount_orders.book.registry import DIRECTIVE_TYPES
from beancount_orders.book.state import Book

__all__ = [
    "DIRECTIVE_TYPES",
    "Book",
    "Config",
    "OrdersError",
    "Status",
    "build_book",
    "parse_config",
]
