"""The engine's shared state: the :class:`Book` it builds and the lookups every
family of handlers uses (:class:`State`).

A handler (in :mod:`beancount_orders.book.handlers`) reads and changes the book
only through a :class:`State`; it raises :class:`Invalid` when its directive
cannot apply, and the engine then reports the message at the directive's line.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from decimal import Decimal
from typing import Any

from beancount.core import data
from beancount.core.amount import Amount
from beancount.core.position import Cost

from beancount_orders.book import directives
from beancount_orders.book import rules
from beancount_orders.book.company import Company
from beancount_orders.book.config import Config
from beancount_orders.book.credits import CreditMemo
from beancount_orders.book.credits import CreditOrder
from beancount_orders.book.credits import CustomerCredit
from beancount_orders.book.credits import Refund
from beancount_orders.book.errors import OrdersError
from beancount_orders.book.errors import source_of
from beancount_orders.book.fx import FxBook
from beancount_orders.book.loyalty import LoyaltyEvent
from beancount_orders.book.loyalty import Parcel
from beancount_orders.book.loyalty import Program
from beancount_orders.book.loyalty import Wallet
from beancount_orders.book.model import ZERO
from beancount_orders.book.model import Customer
from beancount_orders.book.model import Dispatch
from beancount_orders.book.model import DispatchLine
from beancount_orders.book.model import Invoice
from beancount_orders.book.model import Order
from beancount_orders.book.model import Payment
from beancount_orders.book.model import Receipt
from beancount_orders.book.model import Return
from beancount_orders.book.model import Settlement
from beancount_orders.book.model import Shortfall
from beancount_orders.book.model import StockPosition
from beancount_orders.book.model import Transfer
from beancount_orders.book.postings import GENERATED
from beancount_orders.book.postings import TxnBuilder
from beancount_orders.book.purchasing import Purchasing
from beancount_orders.book.rules import account_component
from beancount_orders.book.stock import Holding
from beancount_orders.book.stock import Stock
from beancount_orders.book.voids import VoidLog


class Invalid(Exception):
    """A directive that cannot apply; its message is shown to the bookkeeper."""


def fmt(number: Decimal) -> str:
    """A number as written, without exponent: ``2``, ``0.25``."""
    return f"{number:f}"


def kind_article(kind: str) -> str:
    """``an invoice``, ``a credit order``: a document kind with its article."""
    article = "an" if kind[0] in "aeiou" else "a"
    return f"{article} {kind}"


def number(amount: Amount) -> Decimal:
    """The number of a complete amount (parsed and booked amounts always have one)."""
    if amount.number is None:  # pragma: no cover - the parser never leaves one empty
        raise Invalid(f"Incomplete amount {amount}")
    return amount.number


def check_product(quantity: Decimal, price: Decimal, what: str) -> None:
    """Raise :class:`Invalid` when ``quantity x price`` is too large an amount of
    money (SPEC, Numbers: the values may each be allowed, their product not)."""
    if abs(quantity * price) >= directives.NUMBER_LIMIT:
        raise Invalid(
            f"{what}: {fmt(quantity)} x {fmt(price)} is too large an amount "
            "(amounts must be below 10^15)"
        )


MAX_DAYS = 36600  # a hundred years


def whole_days(value: Any, key: str, what: str) -> int | None:
    """A metadata value that is a whole number of days (``terms``, ``expiry``), of
    at most a hundred years (a date that far on is past any calendar's end)."""
    if value is None:
        return None
    if (
        not isinstance(value, Decimal)
        or isinstance(value, bool)
        or value < 0
        or value != value.to_integral_value()
    ):
        raise Invalid(
            f"{what}: {key} must be a whole number of days such as 30, "
            f"got {directives.show(value)}"
        )
    if value > MAX_DAYS:
        raise Invalid(f"{what}: {key} of {fmt(value)} days is more than {MAX_DAYS}")
    return int(value)


@dataclasses.dataclass
class Book:
    """Everything the engine knows after one pass over the ledger."""

    config: Config
    customers: dict[str, Customer] = dataclasses.field(default_factory=dict)
    orders: dict[str, Order] = dataclasses.field(default_factory=dict)
    invoices: dict[str, Invoice] = dataclasses.field(default_factory=dict)
    payments: dict[str, Payment] = dataclasses.field(default_factory=dict)
    # Payments, credit orders, memos and redemptions: what reduces receivables.
    settlements: dict[str, Settlement] = dataclasses.field(default_factory=dict)
    credits: dict[str, CustomerCredit] = dataclasses.field(default_factory=dict)
    refunds: list[Refund] = dataclasses.field(default_factory=list)
    memos: dict[str, CreditMemo] = dataclasses.field(default_factory=dict)
    credit_orders: dict[str, CreditOrder] = dataclasses.field(default_factory=dict)
    programs: dict[str, Program] = dataclasses.field(default_factory=dict)
    wallets: dict[tuple[str, str], Wallet] = dataclasses.field(default_factory=dict)
    loyalty_events: list[LoyaltyEvent] = dataclasses.field(default_factory=list)
    today: datetime.date = datetime.date.min  # the day points expired up to
    locks: list[data.Custom] = dataclasses.field(default_factory=list)  # period-lock
    # Every document id -> its kind ("order", "invoice", ...).
    documents: dict[str, str] = dataclasses.field(default_factory=dict)
    dispatches: list[Dispatch] = dataclasses.field(default_factory=list)
    returns: dict[str, Return] = dataclasses.field(default_factory=dict)
    receipts: list[Receipt] = dataclasses.field(default_factory=list)
    transfers: list[Transfer] = dataclasses.field(default_factory=list)
    stock: Stock = dataclasses.field(default_factory=Stock)
    transactions: list[data.Transaction] = dataclasses.field(default_factory=list)
    opens: list[data.Open] = dataclasses.field(default_factory=list)
    # The value of each loyalty program's points, on each date it is set.
    prices: list[data.Price] = dataclasses.field(default_factory=list)
    errors: list[OrdersError] = dataclasses.field(default_factory=list)
    # Foreign money: the operating currency, rates, receivable lots (book/fx.py).
    fx: FxBook = dataclasses.field(default_factory=FxBook)
    # What voids need: the transactions of each voidable document, and the voids.
    voids: VoidLog = dataclasses.field(default_factory=VoidLog)
    # Suppliers, purchase orders, receipts, bills and payables (book/purchasing.py).
    purchasing: Purchasing = dataclasses.field(default_factory=Purchasing)
    # The seller on printed documents (the ``company`` directive), if declared.
    company: Company | None = None

    @property
    def generated(self) -> list[data.Directive]:
        """The generated entries: the opens, the prices, then the transactions."""
        return [*self.opens, *self.prices, *self.transactions]

    def expanded(self) -> list[data.Directive]:
        """The generated entries in the order to print them: by date and, within a
        day, opens first and then transactions in the order the engine made them
        (a same-day receipt before the dispatch that draws on it, whatever their
        lines), so that the text books exactly as the plugin did."""
        return sorted(self.generated, key=_print_key)

    @property
    def uncosted(self) -> list[tuple[Dispatch, DispatchLine]]:
        """Dispatch lines that no stock covered, in date order."""
        return [
            (dispatch, line)
            for dispatch in self.dispatches
            for line in dispatch.lines
            if line.uncosted
        ]

    def stock_positions(self) -> list[StockPosition]:
        """On hand, committed and available per item and location, and per batch.

        For each item and location a total row (``batch`` None) comes first,
        then a row per batch (lot label) held there. Committed stock is what
        orders have committed and not yet dispatched; a commit that named a
        batch counts against that batch as well.
        """
        committed: dict[tuple[str, str, str | None], Decimal] = {}
        for order in self.orders.values():
            for line in order.lines:
                waiting = line.committed_open
                if waiting <= 0:
                    continue
                location = line.commit_location or order.location or self.config.location
                account = self.config.account(
                    "inventory", location=account_component(location)
                )
                for batch in {None, line.commit_batch}:
                    key = (account, line.item, batch)
                    committed[key] = committed.get(key, ZERO) + waiting
        rows = []
        keys = sorted(
            {(h.account, h.item) for h in self.stock if h.lots}
            | {(account, item) for account, item, _ in committed}
        )
        for account, item in keys:
            holding = self.stock.get(account, item)
            lots = holding.lots if holding else {}
            location = account.rsplit(":", 1)[-1]
            currencies = sorted({cost.currency for cost in lots})
            currency = currencies[0] if len(currencies) == 1 else None
            rows.append(
                StockPosition(
                    item,
                    location,
                    account,
                    None,
                    sum(lots.values(), ZERO),
                    sum((units * cost.number for cost, units in lots.items()), ZERO),
                    currency,
                    committed.get((account, item, None), ZERO),
                )
            )
            batches: dict[str | None, list[tuple[Cost, Decimal]]] = {}
            for cost, units in lots.items():
                batches.setdefault(cost.label, []).append((cost, units))
            for account_, item_, batch in committed:
                if (account_, item_) == (account, item) and batch is not None:
                    batches.setdefault(batch, [])
            for batch in sorted(batches, key=lambda label: (label is None, label or "")):
                if batch is None:
                    continue
                lots_of = batches[batch]
                rows.append(
                    StockPosition(
                        item,
                        location,
                        account,
                        batch,
                        sum((units for _, units in lots_of), ZERO),
                        sum((units * cost.number for cost, units in lots_of), ZERO),
                        currency,
                        committed.get((account, item, batch), ZERO),
                    )
                )
        return rows

    def points(self, customer: str, program: str) -> Decimal:
        """A customer's points in a program (unexpired, unredeemed)."""
        wallet = self.wallets.get((customer, program))
        return wallet.balance if wallet else ZERO

    def program_outstanding(self, program: str) -> tuple[Decimal, Amount | None]:
        """A program's points outstanding over all customers, and their money value
        at the program's current value per point."""
        points = sum(
            (
                wallet.balance
                for (_, symbol), wallet in self.wallets.items()
                if symbol == program
            ),
            ZERO,
        )
        value = self.programs[program].value
        money = (
            Amount(
                rules.round_money(points * number(value), self.config.quantum),
                value.currency,
            )
            if value is not None
            else None
        )
        return points, money

    def transactions_for(self, document: str) -> list[data.Transaction]:
        """The generated transactions linked to a document (order, invoice ...)."""
        return [txn for txn in self.transactions if document in txn.links]


def _print_key(entry: data.Directive) -> tuple[datetime.date, int, int]:
    if isinstance(entry, data.Open):  # as Beancount sorts them: by their line
        return (entry.date, -2, entry.meta.get("lineno", 0))
    return (entry.date, 0, 0)


class State:
    """The book being built, and the lookups that every handler shares."""

    def __init__(
        self, config: Config, default_booking: data.Booking = data.Booking.STRICT
    ) -> None:
        self.config = config
        self.quantum = config.quantum  # the money quantum, from the precision
        self.book = Book(config)
        self.items: dict[str, data.Meta] = {}  # commodity -> its metadata
        self.opened: set[str] = set()
        self.default_booking = default_booking
        self.booking: dict[str, data.Booking] = {}  # account -> its booking method
        self.average: set[str] = set()  # accounts valued at moving average cost
        template = re.escape(config.accounts["inventory"])
        self.inventory_re = re.compile(
            "^" + template.replace(re.escape("{location}"), "(?P<location>[^:]+)") + "$"
        )
        self.first_use: dict[str, tuple[datetime.date, data.Meta]] = {}
        self.today = config.today or datetime.date.today()
        self.book.today = self.today
        # Loyalty: parcels by expiry date, their sequence, each invoice's parcel.
        self.expiries: list[tuple[datetime.date, int, Parcel]] = []
        self.parcel_seq = 0
        self.invoice_parcels: dict[str, Parcel] = {}
        self.account_owners: dict[str, str] = {}  # customer account component -> id
        # Units dispatched short, by (inventory account, item), oldest first.
        self.owed: dict[tuple[str, str], list[Shortfall]] = {}
        # Credit lines, by credit order id, waiting for their credit order, and
        # how many lines of each did not parse.
        self.credit_lines: dict[str, list[directives.Directive[Any]]] = {}
        # The free-form metadata of the directive being applied: copied onto the
        # transactions it generates.
        self.free_meta: dict[str, Any] = {}
        # The date of the directive being applied, and the first date each order
        # and customer id is written (to tell "unknown" from "not yet").
        self.date = datetime.date.min
        self.written: dict[tuple[str, str], datetime.date] = {}
        # How many ids of each prefix were made on each date (see own_id).
        self.made_ids: dict[tuple[str, datetime.date], int] = {}
        self.broken_lines: dict[str, int] = {}

    # -- reporting and posting ----------------------------------------------

    def error(self, entry: Any, message: str) -> None:
        """Report a problem at an entry's file and line."""
        self.book.errors.append(OrdersError(source_of(entry), message, entry))

    def emit(self, builder: TxnBuilder) -> data.Transaction:
        """Add a generated transaction to the book; note each account's first use."""
        for key, value in self.free_meta.items():  # the directive's own keys
            builder.meta.setdefault(key, value)
        txn = builder.build()
        first_use = self.first_use
        for posting in txn.postings:
            known = first_use.get(posting.account)
            if known is None or txn.date < known[0]:  # a back-dated credit order
                first_use[posting.account] = (txn.date, txn.meta)
        self.book.transactions.append(txn)
        return txn

    def open_accounts(self) -> None:
        """Open every account the engine posted to that the ledger did not open.

        A receivable that holds foreign lots is opened with booking "NONE": money
        paid ahead is a lot of negative units beside the invoices' lots, which
        the other methods would take for a reduction (see docs/foreign-currency.md).
        """
        lots = {lot.account for lot in self.book.fx.lots.values()}
        for account, (date, meta) in sorted(self.first_use.items()):
            if account not in self.opened:
                source = data.new_metadata(
                    meta.get("filename", "<orders>"), meta.get("lineno", 0)
                )
                source[GENERATED] = True
                booking = data.Booking.NONE if account in lots else None
                self.book.opens.append(data.Open(source, date, account, [], booking))

    # -- documents and master data --------------------------------------------

    def new_document(self, doc_id: str, kind: str) -> None:
        """Raise :class:`Invalid` unless ``doc_id`` is still free (ids are unique)."""
        known = self.book.documents.get(doc_id)
        if known is not None:
            raise Invalid(
                f'Duplicate document id "{doc_id}": already used by {known} "{doc_id}" '
                "(ids are unique across orders, invoices, credits and other documents)"
            )

    def register(self, doc_id: str, kind: str) -> None:
        """Record a document id as taken by a document of ``kind``."""
        self.book.documents[doc_id] = kind

    def document_id(self, meta: data.Meta, kind: str, what: str) -> str | None:
        """An optional ``id`` metadata naming a document (checked, not registered)."""
        doc_id = meta.get("id")
        if doc_id is None:
            return None
        if not isinstance(doc_id, str) or not directives.ID_RE.match(doc_id):
            raise Invalid(
                f"{what}: id must be a document id of letters, digits and - _ / ., "
                f"got {directives.show(doc_id)}"
            )
        try:
            self.new_document(doc_id, kind)
        except Invalid as exc:
            raise Invalid(f"{what}: id metadata: {exc}") from None
        return doc_id

    def own_id(self, meta: data.Meta, kind: str, prefix: str, what: str) -> str:
        """The document id of a refund, adjustment or transfer: its ``id``
        metadata, else one made from its date, ``PREFIX-YYYYMMDD-N`` (the Nth of
        the day in the ledger's order), so that its transaction can be linked."""
        doc_id = self.document_id(meta, kind, what)
        if doc_id is None:
            count = self.made_ids.get((prefix, self.date), 0)
            while True:
                count += 1
                doc_id = f"{prefix}-{self.date:%Y%m%d}-{count}"
                if doc_id not in self.book.documents:
                    break
            self.made_ids[(prefix, self.date)] = count
        self.register(doc_id, kind)
        return doc_id

    def customer(self, customer_id: str) -> Customer:
        """A declared customer, or :class:`Invalid`."""
        customer = self.book.customers.get(customer_id)
        if customer is None:
            later = self.written_later("customer", customer_id)
            if later:
                raise Invalid(
                    f'Unknown customer "{customer_id}" on {self.date}: it is declared on '
                    f"{later}, after this directive (directives apply in date order)"
                )
            raise Invalid(
                f'Unknown customer "{customer_id}": declare it first with '
                f'custom "customer" "{customer_id}" "NAME"'
            )
        return customer

    def order(self, order_id: str) -> Order:
        """A placed order, or :class:`Invalid` (saying what the id is, if anything)."""
        order = self.book.orders.get(order_id)
        if order is None:
            later = self.written_later("order", order_id)
            if later:
                raise Invalid(
                    f'Unknown order "{order_id}" on {self.date}: it is placed on '
                    f"{later}, after this directive (directives apply in date order)"
                )
            kind = self.book.documents.get(order_id)
            hint = f' ("{order_id}" is {kind_article(kind)})' if kind else ""
            raise Invalid(f'Unknown order "{order_id}"{hint}')
        return order

    def written_later(self, kind: str, doc_id: str) -> datetime.date | None:
        """The date a ``customer`` or ``order`` directive writes ``doc_id``, when
        that is after the directive being applied."""
        date = self.written.get((kind, doc_id))
        return date if date is not None and date > self.date else None

    def meta_string(self, meta: data.Meta, key: str, what: str) -> str | None:
        """An optional metadata value that must be a non-empty string."""
        value = meta.get(key)
        if value is not None and (value.__class__ is not str or not value.strip()):
            raise Invalid(
                f"{what}: {key} must be a non-empty string, got {directives.show(value)}"
            )
        return value

    # -- accounts ---------------------------------------------------------------

    def receivable(self, customer: Customer) -> str:
        """The customer's receivable account."""
        return self.config.account("receivable", customer=customer.account)

    def inventory_account(self, location: str) -> str:
        """The inventory account of a location."""
        return self.config.account("inventory", location=account_component(location))

    def location_of(self, account: str) -> str:
        """The location an inventory account stands for (the default if none)."""
        match = self.inventory_re.match(account)
        if match and "location" in match.groupdict():
            return match.group("location")
        return self.config.location

    def holding(self, account: str, item: str) -> Holding:
        """The lots of an item in an inventory account, booked by its method."""
        method = self.booking.get(account, self.default_booking)
        return self.book.stock.holding(account, item, method)

    def days(self, count: int) -> datetime.timedelta:
        return datetime.timedelta(days=count)
