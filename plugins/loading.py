"""Between Beancount's loader and the faces: the plugin's book handed to the CLI and Fava.

The engine (:mod:`beancount_orders.book`) is pure; this module is the glue around
it. :func:`load_book` runs it with a plugin configuration string, as the plugin
does. The plugin then hands its book over through the options map of the load
(:func:`hand_over`): Beancount's loader returns that same dict, so whoever loaded
the ledger gets the book with :func:`book_from_loaded` instead of running the
engine a second time::

    entries, errors, options_map = loader.load_file("books.beancount")
    book = book_from_loaded(entries, options_map)  # the plugin's own book

The book sits in ``options_map[HANDOFF_KEY]``, in a :class:`Handoff` whose
pickled form is empty: Beancount's ``load_file`` pickles ``(entries, errors,
options_map)`` into a cache file beside the ledger, and a load from that cache
runs no plugin. :func:`book_from_loaded` then finds no book (as for a ledger
loaded without the plugin) and runs the engine over the ledger's own entries,
once per load: the book it builds is kept in the same holder.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import MutableMapping
from typing import Any

from beancount.core import data

from beancount_orders.book import Book
from beancount_orders.book import OrdersError
from beancount_orders.book import build_book
from beancount_orders.book import parse_config
from beancount_orders.book.postings import is_generated
from beancount_orders.words import plural

__all__ = [
    "HANDOFF_KEY",
    "PLUGIN_NAME",
    "Handoff",
    "book_from_loaded",
    "hand_over",
    "load_book",
    "plugin_config",
    "uses_plugin",
]

PLUGIN_NAME = "beancount_orders.orders"

# The key of the options map under which the plugin leaves its book.
HANDOFF_KEY = "beancount_orders.book"


def load_book(
    entries: Iterable[data.Directive],
    config_text: str | None = None,
    config_source: data.Meta | None = None,
    options_map: Mapping[str, Any] | None = None,
) -> Book:
    """Parse the configuration and run the engine; config problems become errors.

    ``config_source`` is where configuration errors point (the plugin line);
    ``options_map`` gives the ledger's default booking method.
    """
    config, problems = parse_config(config_text)
    booking = (options_map or {}).get("booking_method")
    if not isinstance(booking, data.Booking):
        booking = data.Booking.STRICT
    currencies = (options_map or {}).get("operating_currency") or []
    opc = currencies[0] if currencies and isinstance(currencies[0], str) else None
    book = build_book(entries, config, booking, opc)
    source = config_source or data.new_metadata(f"<{PLUGIN_NAME}>", 0)
    book.errors[:0] = [OrdersError(source, problem, None) for problem in problems]
    return book


def plugin_config(options_map: Mapping[str, Any]) -> str | None:
    """The configuration string of the orders plugin in a loaded ledger."""
    for name, config in options_map.get("plugin") or []:
        if name == PLUGIN_NAME:
            return config  # type: ignore[no-any-return]
    return None


def uses_plugin(options_map: Mapping[str, Any]) -> bool:
    """Whether a loaded ledger declares the orders plugin."""
    return any(name == PLUGIN_NAME for name, _ in options_map.get("plugin") or [])


class Handoff:
    """The book of one load, kept in its options map; pickles (and copies) empty.

    ``source`` is None for the plugin's own book, or the entry list a book was
    built from after the load (which only serves that same list again).
    """

    __slots__ = ("_lock", "book", "source")

    def __init__(self, book: Book | None = None) -> None:
        self.book = book
        self.source: object = None
        self._lock = threading.Lock()

    def __reduce__(self) -> tuple[type[Handoff], tuple[()]]:
        """Pickle without the book: a load from Beancount's cache builds it again."""
        return (Handoff, ())

    def __repr__(self) -> str:  # Fava's options page shows it
        held = "none" if self.book is None else plural(len(self.book.orders), "order")
        return f"<beancount_orders book: {held}>"


def hand_over(options_map: MutableMapping[str, Any], book: Book | None) -> None:
    """Leave the plugin's book (None: no book) in the options map of its load."""
    options_map[HANDOFF_KEY] = Handoff(book)


def book_from_loaded(
    entries: Iterable[data.Directive], options_map: MutableMapping[str, Any]
) -> Book:
    """The book of a ledger loaded with its plugins, from the same load's options map.

    The plugin's own book when the plugin handed it over; otherwise (a ledger
    without the plugin, a load from Beancount's pickle cache) the generated
    entries are set aside and the engine runs over the ledger's own entries with
    the plugin's configuration. That book is kept in the options map, and a
    second call with the very same entry list returns it.
    """
    holder = options_map.get(HANDOFF_KEY)
    if not isinstance(holder, Handoff):
        holder = options_map[HANDOFF_KEY] = Handoff()
    if holder.book is not None and holder.source is None:
        return holder.book
    with holder._lock:
        if holder.book is not None and holder.source is entries:
            return holder.book
        own = [entry for entry in entries if not is_generated(entry)]
        book = load_book(own, plugin_config(options_map), options_map=options_map)
        holder.book, holder.source = book, entries
        return book
