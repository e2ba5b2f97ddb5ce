"""The order book engine: pure Python, no I/O, no Fava, no click.

Use :func:`load_book` on a ledger's entries (as the plugin sees them) to get a
:class:`Book` of customers, orders, invoices and payments, the generated
entries and the errors.
"""

from __future__ import annotations

from collections.abc import Iterable

from beancount.core import data

from beancount_orders.book.config import Config
from beancount_orders.book.config import parse_config
from beancount_orders.book.engine import build_book
from beancount_orders.book.errors import OrdersError
from beancount_orders.book.model import Status
from beancount_orders.book.postings import is_generated
from beancount_orders.book.registry import DIRECTIVE_TYPES
from beancount_orders.book.state import Book

__all__ = [
    "DIRECTIVE_TYPES",
    "Book",
    "Config",
    "OrdersError",
    "Status",
    "book_from_loaded",
    "build_book",
    "load_book",
    "parse_config",
]


def load_book(
    entries: Iterable[data.Directive],
    config_text: str | None = None,
    config_source: data.Meta | None = None,
    options_map: dict[str, object] | None = None,
) -> Book:
    """Parse the configuration and run the engine; config problems become errors.

    ``config_source`` is where configuration errors point (the plugin line);
    ``options_map`` gives the ledger's default booking method.
    """
    config, problems = parse_config(config_text)
    booking = (options_map or {}).get("booking_method")
    if not isinstance(booking, data.Booking):
        booking = data.Booking.STRICT
    book = build_book(entries, config, booking)
    source = config_source or data.new_metadata("<beancount_orders.orders>", 0)
    book.errors[:0] = [OrdersError(source, problem, None) for problem in problems]
    return book


PLUGIN_NAME = "beancount_orders.orders"


def plugin_config(options_map: dict[str, object]) -> str | None:
    """The configuration string of the orders plugin in a loaded ledger."""
    for name, config in options_map.get("plugin", []) or []:  # type: ignore[attr-defined]
        if name == PLUGIN_NAME:
            return config  # type: ignore[no-any-return]
    return None


# The book the plugin built last, with the first entry it generated: a ledger
# loaded in this process hands its book over instead of building it again.
_last: tuple[data.Directive, Book] | None = None


def remember(book: Book) -> None:
    """Keep the plugin's book for :func:`book_from_loaded` (the last one only)."""
    global _last  # noqa: PLW0603
    _last = (book.generated[0], book) if book.generated else None


def book_from_loaded(
    entries: Iterable[data.Directive], options_map: dict[str, object]
) -> Book:
    """The book of a ledger already loaded with the plugin.

    The plugin's own book when these entries came from its last run (the very
    same generated entry objects); otherwise the generated entries are set
    aside and the engine runs again over the ledger's own entries, with the
    plugin's configuration.
    """
    entries = list(entries)
    if _last is not None:
        marker, book = _last
        first = next((entry for entry in entries if is_generated(entry)), None)
        if first is marker:
            return book
    own = [entry for entry in entries if not is_generated(entry)]
    return load_book(own, plugin_config(options_map), options_map=options_map)
