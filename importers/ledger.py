"""What the existing books hold (:class:`Ledger`: document ids, customers,
orders and where they came from, commodities and what is stocked, quantities
dispatched and cancelled, refunds, Stripe transactions, split payments, opened
accounts), so that an import adds only what is new and never writes what the
books cannot take."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import NamedTuple

from beancount.core import data
from beancount.core.amount import Amount

from beancount_orders.book.registry import DOCUMENT_POSITIONS
from beancount_orders.importers.common import ZERO
from beancount_orders.importers.common import value

# The value position of the document id each directive creates, from the
# engine's registry.
DOC_POSITIONS = DOCUMENT_POSITIONS


class KnownOrder(NamedTuple):
    """An order of the books: where it came from."""

    source: str | None  # its `source` metadata ("shopify")
    shopify_id: str | None  # its `shopify-id` metadata


class Ledger:
    """What the existing ledger holds, for adding only what is new."""

    def __init__(self, entries: Iterable[data.Directive]) -> None:
        self.documents: set[str] = set()  # every document id, payment ids included
        self.customers: set[str] = set()
        self.order_customer: dict[str, str] = {}
        self.orders: dict[str, KnownOrder] = {}
        # Commodity -> whether it is stock (its `stock` metadata; TRUE if none).
        self.commodities: dict[str, bool] = {}
        # Items the books hold in stock (received, transferred, or in a lot).
        self.stocked: set[str] = set()
        # Account -> its open directive's date and currencies (empty: any).
        self.opened: dict[str, tuple[datetime.date, tuple[str, ...]]] = {}
        self.order_currency: dict[str, str] = {}
        self.dispatched: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        self.cancelled: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        self.dispatched_all: set[str] = set()  # orders with a dispatch of everything
        self.cancelled_all: set[str] = set()
        self.credits: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
        self.credit_orders: set[str] = set()
        self.charges: dict[str, str] = {}  # Stripe charge id -> order id
        # Order id -> the suspense account its Shopify payment went to, for the
        # orders paid through several gateways at once (payment meta `split`):
        # a gateway importer moves its share out of that account.
        self.split_payments: dict[str, str] = {}
        self.stripe: set[str] = set()  # Stripe balance transaction ids
        for entry in entries:
            meta = entry.meta or {}
            stripe_id = meta.get("stripe-id")
            if isinstance(stripe_id, str):
                self.stripe.add(stripe_id)
            if isinstance(entry, data.Custom):
                self.add(entry)
            elif isinstance(entry, data.Transaction):
                self.stocked.update(
                    posting.units.currency
                    for posting in entry.postings
                    if posting.cost is not None and posting.units is not None
                )
            elif isinstance(entry, data.Commodity):
                self.commodities[entry.currency] = meta.get("stock", True) is not False
            elif isinstance(entry, data.Open):
                self.opened[entry.account] = (entry.date, tuple(entry.currencies or ()))

    def add(self, entry: data.Custom) -> None:
        dtype, meta = entry.type, entry.meta or {}
        position = DOC_POSITIONS.get(dtype)
        if position is not None:
            doc = value(entry, position)
            if isinstance(doc, str):
                self.documents.add(doc)
        if dtype == "customer":
            customer = value(entry, 0)
            if isinstance(customer, str):
                self.customers.add(customer)
        elif dtype == "order":
            order, customer = value(entry, 0), value(entry, 1)
            if isinstance(order, str) and isinstance(customer, str):
                self.order_customer[order] = customer
            if isinstance(order, str):
                source, shopify_id = meta.get("source"), meta.get("shopify-id")
                self.orders[order] = KnownOrder(
                    source if isinstance(source, str) else None,
                    shopify_id if isinstance(shopify_id, str) else None,
                )
        elif dtype == "line":
            order, price = value(entry, 0), value(entry, 3)
            if isinstance(order, str) and isinstance(price, Amount):
                self.order_currency.setdefault(order, price.currency)
        elif dtype in ("dispatch", "cancel"):
            self.add_quantities(entry)
        elif dtype in ("stock-in", "transfer"):
            item = value(entry, 1 if dtype == "stock-in" else 0)
            if isinstance(item, str):
                self.stocked.add(item)
        elif dtype == "payment":
            doc, charge = meta.get("id"), meta.get("charge")
            if isinstance(doc, str):
                self.documents.add(doc)
            ref = value(entry, 0)
            if isinstance(charge, str) and isinstance(ref, str):
                self.charges[charge] = ref
            method = value(entry, 2)
            split = meta.get("split") is True
            if split and isinstance(ref, str) and isinstance(method, str):
                self.split_payments[ref] = method
        if dtype == "credit-order":
            credit_order = value(entry, 0)
            if isinstance(credit_order, str):
                self.credit_orders.add(credit_order)
        if dtype == "credit":
            credit, amount, order = value(entry, 0), value(entry, 2), meta.get("order")
            if (
                isinstance(credit, str)
                and isinstance(amount, Amount)
                and isinstance(order, str)
            ):
                self.credits[order].append((credit, amount.number or ZERO))

    def closed_to(self, account: str, date: datetime.date, currency: str) -> str | None:
        """Why ``account`` cannot take ``currency`` on ``date`` in these books (it
        is opened later, or for other currencies), or None."""
        opened = self.opened.get(account)
        if opened is None:
            return None
        day, currencies = opened
        if date < day:
            return (
                f"{account} is opened on {day}, after this row's date {date}: "
                "move its open directive earlier"
            )
        if currencies and currency not in currencies:
            return (
                f"{account} is opened for {', '.join(currencies)} only, not {currency}: "
                "add the currency to its open directive"
            )
        return None

    def add_quantities(self, entry: data.Custom) -> None:
        order = value(entry, 0)
        if not isinstance(order, str):
            return
        done = self.dispatched if entry.type == "dispatch" else self.cancelled
        every = self.dispatched_all if entry.type == "dispatch" else self.cancelled_all
        rest = (entry.values or [])[1:]
        if not rest:
            every.add(order)
            return
        for position in range(0, len(rest) - 1, 2):
            item, qty = rest[position].value, rest[position + 1].value
            if isinstance(item, str) and isinstance(qty, Decimal):
                done[order, item] += qty
