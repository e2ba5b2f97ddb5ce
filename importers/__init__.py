"""beangulp importers that write order directives.

- :mod:`beancount_orders.importers.shopify`: Shopify's "Export orders" CSV;
- :mod:`beancount_orders.importers.stripe`: Stripe's balance history CSV.

Each module has a class ``Importer`` (a ``beangulp.Importer``). After
``extract``, ``importer.errors`` lists the rows that were not imported as
``RowError(filename, row, message)``; ``str(error)`` is ``FILE:ROW: message``.

:func:`main` runs one importer as a command, as ``beangulp.testing.main`` does,
but saying why each file it does not read is declined, printing the rows not
imported and exiting 1 when there are any (``python -m
beancount_orders.importers.shopify extract FILE``); ``bean-orders import`` does
the same for both importers (:mod:`beancount_orders.cli_import`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import beangulp

from beancount_orders.importers.base import report_errors
from beancount_orders.importers.common import RowError

__all__ = ["RowError", "default_importers", "main", "report_errors"]

SECTIONS = ("order_prefix", "shopify", "stripe")


def default_importers(config: Mapping[str, Any] | None = None) -> list[beangulp.Importer]:
    """The Shopify importer, then the Stripe one.

    ``config`` may have a ``"shopify"`` and a ``"stripe"`` dict of that importer's
    options, and ``"order_prefix"``, given to both (so that Stripe payments name
    the orders the way the Shopify import wrote them). A bad option raises
    ``ValueError`` naming it. The Stripe importer reads what the Shopify one
    extracted earlier in the same run as if it were in the books (``bean-orders
    import`` hands the Shopify exports over first).
    """
    # Imported here so that ``python -m beancount_orders.importers.shopify`` runs the
    # module once.
    from beancount_orders.importers import shopify
    from beancount_orders.importers import stripe

    options = dict(config or {})
    for key in options:
        if key not in SECTIONS:
            raise ValueError(
                f"unknown importer configuration key {key!r} (known: {', '.join(SECTIONS)})"
            )
    shared = {"order_prefix": options["order_prefix"]} if "order_prefix" in options else {}
    sections = {}
    for name in ("shopify", "stripe"):
        section = options.get(name) or {}
        if not isinstance(section, Mapping):
            raise ValueError(f"importer configuration {name!r} must be a dict of options")
        sections[name] = {**shared, **section}
    orders = shopify.Importer(sections["shopify"])
    balance = stripe.Importer(sections["stripe"])
    balance.partners.append(orders)  # the orders of this run's Shopify exports
    return [orders, balance]


def main(importer: beangulp.Importer) -> None:
    """Run ``importer``'s command line: beangulp's ``identify``, ``extract``,
    ``archive``, ``test`` and ``generate``, with the hook :func:`report_errors`.

    A file it does not read is reported as ``FILE: not imported: REASON``;
    the exit status is 1 when a file or a row was not imported (see
    :mod:`beancount_orders.cli_import`).
    """
    from beancount_orders.cli_import import importer_main

    importer_main(importer)
