"""Generate the double-entry postings of order books from order directives.

Bookkeepers write short ``custom`` directives (``customer``, ``order``,
``line``, ``invoice``, ``payment`` ...; see docs/directives.md) and this
plugin turns them into ordinary Beancount transactions: receivables, sales,
sales tax and payments, each linked to its order and pointing back (through
``filename``/``lineno``) at the directive that caused it. It opens every account
it posts to that the ledger has not opened.

Configuration is an optional Python dict literal (see docs/configuration.md)::

    plugin "beancount_orders.orders" "{'prices_include_tax': True,
                              'methods': {'card': 'Assets:Stripe'}}"

Example::

    2024-01-01 custom "customer" "acme" "Acme Ltd"
      terms: 30
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"

generates::

    2024-01-05 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
      order: "SO-1"
      customer: "acme"
      invoice: "INV-1"
      Assets:Receivable:Acme   60.00 GBP
      Income:Sales            -50.00 GBP
        item: "WIDGET"
      Liabilities:SalesTax    -10.00 GBP
        rate: 0.20

The plugin never raises and never changes an entry it was given: a directive
that cannot apply is reported as an error at its own file and line. It leaves
the engine's book in the options map of the load (see
:mod:`beancount_orders.loading`), where the CLI and the Fava pages find it
instead of running the engine again.
"""

from __future__ import annotations

import re
import traceback
from typing import Any

from beancount.core import data

from beancount_orders.book import OrdersError
from beancount_orders.book import parse_config
from beancount_orders.book.engine import paused_gc
from beancount_orders.book.errors import source_of
from beancount_orders.book.locks import check_locks
from beancount_orders.loading import PLUGIN_NAME
from beancount_orders.loading import hand_over
from beancount_orders.loading import load_book

__plugins__ = ("orders",)


def _plugin_source(options_map: dict[str, Any]) -> data.Meta:
    """The file and line of the plugin directive, for configuration errors."""
    filename = options_map.get("filename") or "<beancount_orders.orders>"
    lineno = 0
    try:
        with open(filename, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if re.match(r'\s*plugin\s+"beancount_orders\.orders"', line):
                    lineno = number
                    break
    except OSError:
        pass
    return data.new_metadata(filename, lineno)


def orders(
    entries: data.Directives, options_map: dict[str, Any], config: str | None = None
) -> tuple[data.Directives, list[OrdersError]]:
    """The plugin: entries in, entries plus generated entries and errors out."""
    with paused_gc():
        return _orders(entries, options_map, config)


def _with_values(entries: data.Directives) -> data.Directives:
    """The entries, each ``custom`` directive written without values given an
    empty list of them.

    Beancount's parser leaves ``values`` None on such an entry, and its printer
    (bean-check's error output) and its pad plugin then fail on it. The engine
    reports the directive at its line; the plugin hands back an equal entry that
    they can read.
    """
    if not any(
        isinstance(entry, data.Custom) and entry.values is None for entry in entries
    ):
        return entries
    return [
        entry._replace(values=[])
        if isinstance(entry, data.Custom) and entry.values is None
        else entry
        for entry in entries
    ]


def _orders(
    entries: data.Directives, options_map: dict[str, Any], config: str | None
) -> tuple[data.Directives, list[OrdersError]]:
    entries = _with_values(entries)
    try:
        source = _plugin_source(options_map) if parse_config(config)[1] else None
        book = load_book(entries, config, source, options_map)
    except Exception as exc:  # the plugin never raises: report the bug instead
        detail = "".join(traceback.format_exception_only(exc)).strip()
        message = (
            f"Internal error in {PLUGIN_NAME} (please report it): {detail}; "
            "no order postings were generated"
        )
        hand_over(options_map, None)
        return entries, [OrdersError(_plugin_source(options_map), message, None)]
    hand_over(options_map, book)  # Beancount's loader returns this very dict
    # Beancount's loader sorts the entries after every plugin ("don't trust the
    # plugins"), so sorting them here would be done twice.
    result = [*entries, *book.generated]
    errors = list(book.errors)
    try:
        for lock, message in check_locks(result, book.locks):
            errors.append(OrdersError(source_of(lock), message, lock))
    except Exception as exc:  # the plugin never raises
        errors.append(
            OrdersError(
                _plugin_source(options_map),
                f"Internal error checking period locks (please report it): {exc!r}",
                None,
            )
        )
    return result, errors
