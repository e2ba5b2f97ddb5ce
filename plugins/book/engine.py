"""The order book engine: order directives in, a :class:`Book` out.

The engine reads the ledger's entries once. It keeps the order directives
(``custom`` entries of the types in :data:`PHASES`) and the master data it
needs (``open`` and ``commodity`` entries), sorts the directives by date and,
within a day, by document flow (an order before its lines, an invoice before
the payment of the same day), and applies each in turn. A directive that is
malformed or inconsistent with the book so far is reported and changes
nothing; the others still apply.

Nothing here does I/O or knows about Fava or the command line.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import difflib
import gc
import heapq
import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from decimal import ROUND_FLOOR
from decimal import ROUND_HALF_UP
from decimal import Decimal
from typing import Any

from beancount.core import account as account_lib
from beancount.core import data
from beancount.core.amount import Amount
from beancount.core.position import Cost

from beancount_orders.book import directives
from beancount_orders.book.config import Config
from beancount_orders.book.config import account_component
from beancount_orders.book.errors import OrdersError
from beancount_orders.book.errors import source_of
from beancount_orders.book.loyalty import LoyaltyEvent
from beancount_orders.book.loyalty import Parcel
from beancount_orders.book.loyalty import Program
from beancount_orders.book.loyalty import Wallet
from beancount_orders.book.model import ZERO
from beancount_orders.book.model import Allocation
from beancount_orders.book.model import Costing
from beancount_orders.book.model import CreditLine
from beancount_orders.book.model import CreditMemo
from beancount_orders.book.model import CreditOrder
from beancount_orders.book.model import Customer
from beancount_orders.book.model import CustomerCredit
from beancount_orders.book.model import Dispatch
from beancount_orders.book.model import DispatchLine
from beancount_orders.book.model import Invoice
from beancount_orders.book.model import InvoiceLine
from beancount_orders.book.model import Order
from beancount_orders.book.model import OrderLine
from beancount_orders.book.model import Payment
from beancount_orders.book.model import PendingRedemption
from beancount_orders.book.model import Receipt
from beancount_orders.book.model import Refund
from beancount_orders.book.model import Return
from beancount_orders.book.model import Settlement
from beancount_orders.book.model import StockPosition
from beancount_orders.book.model import Transfer
from beancount_orders.book.model import plus
from beancount_orders.book.postings import GENERATED
from beancount_orders.book.postings import TxnBuilder
from beancount_orders.book.postings import is_generated
from beancount_orders.book.postings import round_money
from beancount_orders.book.stock import Ambiguous
from beancount_orders.book.stock import Holding
from beancount_orders.book.stock import Short
from beancount_orders.book.stock import Stock
from beancount_orders.book.stock import lot_name

# The order in which directives of one day apply: master data, then the
# document flow of an order. Ties keep the ledger's own order.
PHASES: dict[str, int] = {
    "customer": 0,
    "loyalty-program": 0,
    "order": 1,
    "line": 2,
    "stock-in": 3,
    "transfer": 4,
    "commit": 5,
    "cancel": 6,
    "redeem": 7,
    "invoice": 8,
    "dispatch": 9,
    "credit": 10,
    "credit-memo": 10,
    "payment": 11,
    "return": 12,
    "credit-order": 13,
    "credit-line": 13,
    "refund": 14,  # after credit orders: it may pay back what one credited
    "loyalty-adjust": 15,
    "allocate": 16,
}
DIRECTIVE_TYPES = frozenset(PHASES)
_PHASE_COUNT = max(PHASES.values()) + 1


# Custom types of ours that the pass does not sort, and other tools' types that
# look like ours.
OTHER_TYPES = frozenset({"period-lock", "fava-option", "fava-extension", "budget"})
KNOWN_TYPES = sorted([*PHASES, "credit-line", "period-lock"])
# The string metadata of an order, in the order of Order's fields.
_ORDER_STRINGS = ("po", "rep", "source", "location", "program")
# The settings of an item that has no commodity directive (read, never written).
_NO_SETTINGS: data.Meta = {}


class Invalid(Exception):
    """A directive that cannot apply; its message is shown to the bookkeeper."""


def _fmt(number: Decimal) -> str:
    return f"{number:f}"


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
    errors: list[OrdersError] = dataclasses.field(default_factory=list)

    @property
    def generated(self) -> list[data.Directive]:
        """The generated entries: the opens first, then the transactions."""
        return [*self.opens, *self.transactions]

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
            Amount(round_money(points * number(value), self.config.quantum), value.currency)
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


class Engine:
    """Applies order directives, one at a time, to a :class:`Book`."""

    def __init__(
        self, config: Config, default_booking: data.Booking = data.Booking.STRICT
    ) -> None:
        self.config = config
        self.book = Book(config)
        self.items: dict[str, data.Meta] = {}  # commodity -> its metadata
        self.opened: set[str] = set()
        self.default_booking = default_booking
        self._quantum = config.quantum
        self._receivables: dict[str, str] = {}
        self._inventory: dict[str, str] = {}  # location -> inventory account
        self._cogs: dict[str, str] = {}  # location -> cost of goods account
        self._sales: dict[str, str] = {}  # customer account component -> sales account
        self._item_rates: dict[str, Decimal] = {}  # item -> its tax rate (checked)
        self._sales_tax = config.account("sales_tax")
        self._methods: dict[str, str] = {}  # payment method name -> account
        self._days: dict[int, datetime.timedelta] = {}
        self.booking: dict[str, data.Booking] = {}  # account -> its booking method
        self.average: set[str] = set()  # accounts valued at moving average cost
        template = re.escape(config.accounts["inventory"])
        self.inventory_re = re.compile(
            "^" + template.replace(re.escape("{location}"), "(?P<location>[^:]+)") + "$"
        )
        self.first_use: dict[str, tuple[datetime.date, data.Meta]] = {}
        self.handlers: dict[str, Callable[[directives.Directive], None]] = {
            "customer": self.on_customer,
            "order": self.on_order,
            "line": self.on_line,
            "commit": self.on_commit,
            "cancel": self.on_cancel,
            "invoice": self.on_invoice,
            "payment": self.on_payment,
            "stock-in": self.on_stock_in,
            "dispatch": self.on_dispatch,
            "transfer": self.on_transfer,
            "return": self.on_return,
            "credit": self.on_credit,
            "refund": self.on_refund,
            "credit-memo": self.on_credit_memo,
            "allocate": self.on_allocate,
            "credit-order": self.on_credit_order,
            "loyalty-program": self.on_loyalty_program,
            "redeem": self.on_redeem,
            "loyalty-adjust": self.on_loyalty_adjust,
        }
        self.today = config.today or datetime.date.today()
        self.book.today = self.today
        self.expiries: list[tuple[datetime.date, int, Parcel]] = []
        self.parcel_seq = 0
        self.invoice_parcels: dict[str, Parcel] = {}
        self.broken_lines: dict[str, int] = {}  # credit order -> lines that did not parse
        self.account_owners: dict[str, str] = {}  # customer account component -> id
        # Credit lines, by credit order id, waiting for their credit order.
        self.credit_lines: dict[str, list[directives.Directive]] = {}

    # -- the pass ---------------------------------------------------------

    def run(self, entries: Iterable[data.Directive]) -> Book:
        # The events of each day, by phase, each phase in the ledger's order.
        days: dict[datetime.date, list[list[data.Custom | data.Transaction]]] = {}
        inventory = self.inventory_re.match
        stock_in = PHASES["stock-in"]
        for entry in entries:
            phase = None
            if isinstance(entry, data.Custom):
                if entry.type == "credit-line":  # applied with its credit order
                    self.collect_credit_line(entry)
                elif entry.type in PHASES:
                    phase = PHASES[entry.type]
                elif entry.type == "period-lock":
                    self.book.locks.append(entry)
                elif entry.type not in OTHER_TYPES:
                    self.misspelt(entry)
            elif isinstance(entry, data.Transaction):
                if not is_generated(entry) and any(
                    posting.cost is not None and inventory(posting.account)
                    for posting in entry.postings
                ):
                    phase = stock_in
            elif isinstance(entry, data.Open):
                self.on_open(entry)
            elif isinstance(entry, data.Commodity):
                self.items[entry.currency] = entry.meta
            if phase is not None:
                day = days.get(entry.date)
                if day is None:
                    day = days[entry.date] = [[] for _ in range(_PHASE_COUNT)]
                day[phase].append(entry)  # type: ignore[arg-type]
        today = self.today
        for date in sorted(days):
            for bucket in days[date]:
                for entry in bucket:
                    if self.expiries and self.expiries[0][0] <= date:
                        self.expire_through(min(date, today))
                    if isinstance(entry, data.Transaction):
                        self.on_stock_transaction(entry)
                    else:
                        self.apply(entry)
        self.expire_through(today)
        for lines in self.credit_lines.values():
            for line in lines:
                co = line.args["CO"]
                kind = self.book.documents.get(co)
                problem = (
                    f'Credit line for unknown credit order "{co}"'
                    if kind is None
                    else f'Credit line for "{co}", which is {kind_article(kind)}, '
                    "not a credit order"
                )
                self.error(line.entry, problem)
        self.open_accounts()
        self.book.errors.sort(
            key=lambda error: (error.source["filename"], error.source["lineno"])
        )
        return self.book

    def misspelt(self, entry: data.Custom) -> None:
        """Report a custom type that is almost one of ours: a typo drops a directive."""
        close = difflib.get_close_matches(entry.type, KNOWN_TYPES, n=1, cutoff=0.8)
        if close:
            self.error(
                entry,
                f'Unknown directive "{entry.type}": did you mean "{close[0]}"? '
                "It was not applied",
            )

    def apply(self, entry: data.Custom) -> None:
        """Apply one directive, or report why it cannot apply."""
        directive, problem = directives.parse(entry)  # the fast readers first
        if directive is None:
            self.error(entry, problem or "invalid directive")
            return
        handler = self.handlers.get(entry.type)
        if handler is None:
            self.error(
                entry,
                f'The "{entry.type}" directive is not supported by this version of '
                "beancount-orders; it was not applied",
            )
            return
        try:
            handler(directive)
        except Invalid as exc:
            self.error(entry, str(exc))
        except Exception as exc:  # a bug must not stop the other directives
            self.error(
                entry,
                f'Internal error in beancount-orders while applying this "{entry.type}" '
                f"directive (please report it): {type(exc).__name__}: {exc}",
            )

    def error(self, entry: Any, message: str) -> None:
        self.book.errors.append(OrdersError(source_of(entry), message, entry))

    def open_accounts(self) -> None:
        """Open every account the engine posted to that the ledger did not open."""
        for account, (date, meta) in sorted(self.first_use.items()):
            if account not in self.opened:
                source = source_of(_Meta(meta))
                source[GENERATED] = True
                self.book.opens.append(data.Open(source, date, account, [], None))

    def emit(self, builder: TxnBuilder) -> data.Transaction:
        txn = builder.build()
        first_use = self.first_use
        date = txn.date
        for posting in txn.postings:
            known = first_use.get(posting.account)
            if known is None or date < known[0]:  # a back-dated credit order
                first_use[posting.account] = (date, txn.meta)
        self.book.transactions.append(txn)
        return txn

    # -- lookups ----------------------------------------------------------

    def new_document(self, doc_id: str, kind: str) -> None:
        known = self.book.documents.get(doc_id)
        if known is not None:
            raise Invalid(
                f'Duplicate document id "{doc_id}": already used by {known} "{doc_id}" '
                "(ids are unique across orders, invoices, credits and other documents)"
            )

    def register(self, doc_id: str, kind: str) -> None:
        self.book.documents[doc_id] = kind

    def customer(self, customer_id: str) -> Customer:
        customer = self.book.customers.get(customer_id)
        if customer is None:
            raise Invalid(
                f'Unknown customer "{customer_id}": declare it first with '
                f'custom "customer" "{customer_id}" "NAME"'
            )
        return customer

    def order(self, order_id: str) -> Order:
        order = self.book.orders.get(order_id)
        if order is None:
            kind = self.book.documents.get(order_id)
            hint = f' ("{order_id}" is {kind_article(kind)})' if kind else ""
            raise Invalid(f'Unknown order "{order_id}"{hint}')
        return order

    def days(self, count: int) -> datetime.timedelta:
        delta = self._days.get(count)
        if delta is None:
            delta = self._days[count] = datetime.timedelta(days=count)
        return delta

    def receivable(self, customer: Customer) -> str:
        account = self._receivables.get(customer.id)
        if account is None:
            account = self._receivables[customer.id] = self.config.account(
                "receivable", customer=customer.account
            )
        return account

    def quantum(self) -> Decimal:
        return self._quantum

    # -- master data ------------------------------------------------------

    def on_customer(self, d: directives.Directive) -> None:
        customer_id, name = d.args["ID"], d.args["NAME"]
        meta = d.meta
        terms = _terms(meta.get("terms"), "terms", f'Customer "{customer_id}"')
        credit_limit = meta.get("credit-limit")
        if credit_limit is not None and not isinstance(credit_limit, Amount):
            raise Invalid(
                f'Customer "{customer_id}": credit-limit must be an amount such as '
                f"5000.00 GBP, got {directives.show(credit_limit)}"
            )
        program = meta.get("program")
        if program is not None and not isinstance(program, str):
            raise Invalid(
                f'Customer "{customer_id}": program must be a loyalty symbol string, '
                f"got {directives.show(program)}"
            )
        explicit = meta.get("account")
        if explicit is not None:
            if not isinstance(explicit, str) or not account_lib.is_valid(
                self.config.account("receivable", customer=explicit)
            ):
                raise Invalid(
                    f'Customer "{customer_id}": account must be an account name component '
                    f'such as "AcmeLtd", got {directives.show(explicit)}'
                )
            component = explicit
        else:
            component = account_component(customer_id)
        existing = self.book.customers.get(customer_id)
        if existing is not None:
            if existing.account != component:
                raise Invalid(
                    f'Customer "{customer_id}" already posts to accounts named '
                    f'"{existing.account}"; a later customer directive cannot change it '
                    f'to "{component}"'
                )
            existing.name = name
            existing.terms = terms if terms is not None else existing.terms
            existing.credit_limit = credit_limit or existing.credit_limit
            existing.program = program or existing.program
            return
        owner = self.account_owners.get(component)
        if owner is not None:
            raise Invalid(
                f'Customer "{customer_id}" would post to the same accounts as customer '
                f'"{owner}" ("{component}"); give one of them account metadata'
            )
        self.account_owners[component] = customer_id
        self.book.customers[customer_id] = Customer(
            customer_id, name, component, d.meta, terms, credit_limit, program
        )

    # -- orders -----------------------------------------------------------

    def on_order(self, d: directives.Directive) -> None:
        order_id, customer_id = d.args["ORDER"], d.args["CUSTOMER"]
        self.new_document(order_id, "order")
        customer = self.customer(customer_id)
        meta = d.meta
        strings: list[str | None] = []  # po, rep, source, location, program
        for key in _ORDER_STRINGS:
            value = meta.get(key)
            if value is not None and not isinstance(value, str):
                raise Invalid(
                    f'Order "{order_id}": {key} must be a string, '
                    f"got {directives.show(value)}"
                )
            strings.append(value)
        po, rep, source, location, program = strings
        terms = _terms(meta.get("terms"), "terms", f'Order "{order_id}"')
        self.register(order_id, "order")
        self.book.orders[order_id] = Order(
            order_id,
            customer_id,
            d.date,
            meta,
            po,
            rep,
            source,
            terms,
            location,
            program,
        )
        customer.orders.append(order_id)

    def on_line(self, d: directives.Directive) -> None:
        order = self.order(d.args["ORDER"])
        item, qty, price = d.args["ITEM"], d.args["QTY"], d.args["PRICE"]
        if price.number < 0:
            raise Invalid(
                f'Order "{order.id}": line price of {item} must not be negative, '
                f"got {price}"
            )
        if order.currency is not None and price.currency != order.currency:
            raise Invalid(
                f'Order "{order.id}" is in {order.currency}; a line in {price.currency} '
                "cannot join it (one order, one currency)"
            )
        settings = self.items.get(item, _NO_SETTINGS)
        if "tax" in d.meta:
            rate = self.tax_rate(d.meta, settings, order.id, item)
        else:  # the item's rate, else the configured one: checked once per item
            known = self._item_rates.get(item)
            if known is None:
                known = self._item_rates[item] = self.tax_rate(
                    _NO_SETTINGS, settings, order.id, item
                )
            rate = known
        description = d.meta.get("description")
        if description is not None and not isinstance(description, str):
            raise Invalid(
                f'Order "{order.id}" line {item}: description must be a string, '
                f"got {directives.show(description)}"
            )
        customer = self.book.customers[order.customer]
        income = settings.get("income")
        if income is None:
            income = self._sales.get(customer.account)
            if income is None:
                income = self._sales[customer.account] = self.config.account(
                    "sales", customer=customer.account
                )
        elif not isinstance(income, str) or not account_lib.is_valid(income):
            raise Invalid(
                f"Commodity {item}: income must be an account such as "
                "Income:Sales:Widgets, "
                f"got {directives.show(income)}"
            )
        stocked = settings.get("stock", True)
        if not isinstance(stocked, bool):
            raise Invalid(
                f"Commodity {item}: stock must be TRUE or FALSE (FALSE: a service or "
                f"other item that is never dispatched), got {directives.show(stocked)}"
            )
        order.currency = price.currency
        order.services = order.services or not stocked
        order.lines.append(
            OrderLine(
                order.id,
                len(order.lines) + 1,
                item,
                qty,
                price.number,
                price.currency,
                rate,
                income,
                description,
                d.meta,
                stocked=stocked,
                quantum=self.quantum(),
                inclusive=self.config.prices_include_tax,
            )
        )

    def tax_rate(
        self, meta: data.Meta, settings: data.Meta, order_id: str, item: str
    ) -> Decimal:
        """The tax rate of a line: its ``tax``, else its item's, else the config's."""
        for source in (meta, settings):
            rate = source.get("tax")
            if rate is None:
                continue
            if not isinstance(rate, Decimal) or isinstance(rate, bool) or not 0 <= rate < 1:
                label = (
                    f'Order "{order_id}" line {item}'
                    if source is meta
                    else f"Commodity {item}"
                )
                raise Invalid(
                    f"{label}: tax must be a rate from 0 to 1 such as 0.20, "
                    f"got {directives.show(rate)}"
                )
            return rate
        return self.config.tax_rate

    def select(
        self,
        order: Order,
        pairs: tuple[tuple[str, Decimal], ...],
        available: Callable[[OrderLine], Decimal],
        verb: str,
        describe: Callable[[OrderLine], str],
    ) -> list[tuple[OrderLine, Decimal]]:
        """Pick the order lines and quantities an event applies to.

        With no pairs, everything still available on every line; with pairs,
        each item's quantity spread over that item's lines in order. Raises
        :class:`Invalid` when an item is not on the order or asks for more
        than is available.
        """
        if not order.lines:
            raise Invalid(f'Order "{order.id}" has no lines to {verb}')
        chosen = []
        if not pairs:
            for line in order.lines:
                free = available(line)
                if free > 0:
                    chosen.append((line, free))
            if not chosen:
                raise Invalid(f'Nothing left to {verb} on order "{order.id}"')
            return chosen
        if len(pairs) == 1:
            wanted = dict(pairs)
        else:
            wanted = {}
            for item, qty in pairs:
                wanted[item] = plus(wanted.get(item, ZERO), qty)
        for item, qty in wanted.items():
            lines = [(line, available(line)) for line in order.lines if line.item == item]
            if not lines:
                raise Invalid(f'Item {item} is not on order "{order.id}"')
            free = ZERO
            for _, line_free in lines:
                free += line_free
            if qty > free:
                detail = "; ".join(describe(line) for line, _ in lines)
                raise Invalid(
                    f'Cannot {verb} {_fmt(qty)} {item} on order "{order.id}": '
                    f"only {_fmt(free)} left to {verb} ({detail})"
                )
            left = qty
            for line, line_free in lines:
                take = line_free if line_free < left else left  # as min(left, line_free)
                if take > 0:
                    chosen.append((line, take))
                    left -= take
        return chosen

    def on_commit(self, d: directives.Directive) -> None:
        order = self.order(d.args["ORDER"])
        what = f'Commit for order "{order.id}"'
        location = (
            self.meta_string(d.meta, "location", what)
            or order.location
            or self.config.location
        )
        batch = self.meta_string(d.meta, "batch", what)
        self.check_stocked(order, d.pairs, what, "committed")
        chosen = self.select(
            order,
            d.pairs,
            lambda line: line.uncommitted if line.stocked else ZERO,
            "commit",
            lambda line: f"{_fmt(line.open_qty)} ordered, {_fmt(line.committed)} committed",
        )
        for line, qty in chosen:
            line.committed += qty
            line.commit_location = location
            line.commit_batch = batch

    def on_cancel(self, d: directives.Directive) -> None:
        order = self.order(d.args["ORDER"])
        chosen = self.select(
            order,
            d.pairs,
            lambda line: line.cancellable,
            "cancel",
            lambda line: (
                f"{_fmt(line.qty)} ordered, {_fmt(line.cancelled)} cancelled, "
                f"{_fmt(line.invoiced)} invoiced, {_fmt(line.dispatched)} dispatched"
            ),
        )
        for line, qty in chosen:
            line.cancelled += qty
            line.committed = min(line.committed, line.open_qty)

    # -- invoices ---------------------------------------------------------

    def on_invoice(self, d: directives.Directive) -> None:
        order = self.order(d.args["ORDER"])
        invoice_id = d.args["INVOICE"]
        self.new_document(invoice_id, "invoice")
        customer = self.book.customers[order.customer]
        chosen = self.select(
            order,
            d.pairs,
            lambda line: line.uninvoiced,
            "invoice",
            lambda line: (
                f"{_fmt(line.qty)} ordered, {_fmt(line.cancelled)} cancelled, "
                f"{_fmt(line.invoiced)} already invoiced"
            ),
        )
        due = d.meta.get("due")
        if due is None:
            terms = order.terms
            if terms is None:
                terms = customer.terms if customer.terms is not None else self.config.terms
            due = d.date + self.days(terms)
        elif not isinstance(due, datetime.date):
            raise Invalid(
                f'Invoice "{invoice_id}": due must be a date such as 2024-02-01, '
                f"got {directives.show(due)}"
            )
        quantum = self._quantum
        inclusive = self.config.prices_include_tax
        lines = []
        taxes: dict[Decimal, Decimal] = {}  # tax by rate
        for line, qty in chosen:
            value = (qty * line.price).quantize(quantum, rounding=ROUND_HALF_UP)
            rate = line.tax_rate
            if inclusive:
                net = (value / (1 + rate)).quantize(quantum, rounding=ROUND_HALF_UP)
                tax = value - net
            else:
                net, tax = value, (value * rate).quantize(quantum, rounding=ROUND_HALF_UP)
            lines.append(
                InvoiceLine(
                    line.number, line.item, qty, line.price, rate, net, tax, line.income
                )
            )
            line.invoiced = plus(line.invoiced, qty)
            line.invoiced_net = plus(line.invoiced_net, net)
            if tax:
                taxes[rate] = taxes[rate] + tax if rate in taxes else tax
        currency = order.currency or ""
        invoice = Invoice(
            invoice_id, order.id, order.customer, d.date, due, currency, lines, d.meta
        )
        self.register(invoice_id, "invoice")
        self.book.invoices[invoice_id] = invoice
        order.invoices.append(invoice_id)
        gross = invoice.gross
        order.invoiced = plus(order.invoiced, gross)
        customer.receivable[currency] += gross

        txn = TxnBuilder(
            d.meta,
            d.date,
            customer.name,
            f"Invoice {invoice_id} for order {order.id}",
            invoice.links,
            {"order": order.id, "customer": customer.id, "invoice": invoice_id},
        )
        txn.post(self.receivable(customer), gross, currency)
        for invoice_line in lines:
            txn.post(
                invoice_line.income, -invoice_line.net, currency, item=invoice_line.item
            )
        for rate in sorted(taxes) if len(taxes) > 1 else taxes:
            txn.post(self._sales_tax, -taxes[rate], currency, rate=rate)
        self.emit(txn)
        self.earn(invoice, order, customer, d)
        # Money paid or credited ahead on the order now meets its invoice.
        if order.pending:
            for settlement_id in order.pending:
                self.allocate(self.book.settlements[settlement_id], invoice, d.date)
            order.pending = tuple(
                settlement_id
                for settlement_id in order.pending
                if self.book.settlements[settlement_id].unallocated > 0
            )

    def allocate(
        self,
        settlement: Settlement,
        invoice: Invoice,
        date: datetime.date,
        limit: Decimal | None = None,
    ) -> Decimal:
        """Match as much of a settlement to an invoice as both allow (up to ``limit``)."""
        amount = min(settlement.unallocated, invoice.open_amount)
        if limit is not None:
            amount = min(amount, limit)
        if amount <= 0:
            return ZERO
        allocation = Allocation(settlement.id, invoice.id, date, amount)
        settlement.match(allocation)
        invoice.match(allocation)
        return amount

    def settle(
        self,
        settlement: Settlement,
        order: Order | None,
        invoice: Invoice | None,
    ) -> None:
        """Book a settlement against the receivable and match it to invoices.

        One naming an invoice is allocated to it; one naming an order to the
        order's invoices, oldest first, and what is left waits for the
        order's next invoice. The rest stays unallocated until an
        ``allocate`` directive matches it.
        """
        self.book.settlements[settlement.id] = settlement
        customer = self.book.customers[settlement.customer]
        customer.receivable[settlement.currency] -= settlement.amount
        if order is not None:
            if settlement.kind in ("payment", "refund"):
                order.paid = plus(order.paid, settlement.amount)
            else:
                order.credited += settlement.amount
        if invoice is not None:
            self.allocate(settlement, invoice, settlement.date)
        elif order is not None:
            for invoice_id in order.invoices:
                self.allocate(settlement, self.book.invoices[invoice_id], settlement.date)
            if settlement.unallocated > 0:
                order.pending = (*order.pending, settlement.id)

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

    # -- payments ---------------------------------------------------------

    def method_account(
        self, method: tuple[str, str], customer: Customer
    ) -> tuple[str, str]:
        """The account a payment method posts to, and the method's display name."""
        kind, value = method
        if kind == "account":
            return value, value
        if value == "credit":
            return self.config.account("customer_credit", customer=customer.account), value
        account = self._methods.get(value)
        if account is None:
            account = self.config.methods.get(value) or self.config.account(
                "clearing", method=account_component(value)
            )
            self._methods[value] = account
        return account, value

    def check_credit(self, customer: Customer, amount: Amount, what: str) -> None:
        available = customer.credit.get(amount.currency, ZERO)
        if number(amount) > available:
            raise Invalid(
                f'{what}: {amount} exceeds the credit balance of customer "{customer.id}" '
                f"({_fmt(available)} {amount.currency})"
            )

    def on_payment(self, d: directives.Directive) -> None:
        ref, amount = d.args["REF"], d.args["AMOUNT"]
        what = f'Payment on "{ref}"'
        if amount.number <= 0:
            raise Invalid(f"{what}: amount must be greater than zero, got {amount}")
        invoice: Invoice | None = None
        order = self.book.orders.get(ref)
        if order is not None:
            ref_kind = "order"
        elif ref in self.book.invoices:
            invoice, ref_kind = self.book.invoices[ref], "invoice"
            order = self.book.orders[invoice.order]
        elif ref in self.book.customers:
            ref_kind = "customer"
        else:
            kind = self.book.documents.get(ref)
            if kind:
                raise Invalid(
                    f"{what}: a payment refers to an order, an invoice or a customer, "
                    f'and "{ref}" is {kind_article(kind)}'
                )
            raise Invalid(f'Payment on unknown order, invoice or customer "{ref}"')
        customer = self.book.customers[order.customer if order else ref]
        if order is not None and order.currency is None:
            order.currency = amount.currency  # money ahead of any line fixes it
        if order is not None and amount.currency != order.currency:
            raise Invalid(
                f'Payment of {amount} on {ref_kind} "{ref}": order "{order.id}" is in '
                f"{order.currency}"
            )
        doc_id = self.document_id(d.meta, "payment", what)
        account, method = self.method_account(d.args["METHOD"], customer)
        if method == "credit":
            self.check_credit(customer, amount, what)
            customer.credit[amount.currency] -= amount.number
        payment_id = doc_id or f"payment:{d.meta.get('filename')}:{d.meta.get('lineno')}"
        if doc_id:
            self.register(doc_id, "payment")
        payment = Payment(
            id=payment_id,
            ref=ref,
            ref_kind=ref_kind,
            customer=customer.id,
            order=order.id if order else None,
            invoice=invoice.id if invoice else None,
            date=d.date,
            amount=amount.number,
            currency=amount.currency,
            account=account,
            method=method,
            meta=d.meta,
        )
        self.book.payments[payment_id] = payment
        if order is not None:
            order.payments.append(payment_id)
        self.settle(payment, order, invoice)

        by = "from customer credit" if method == "credit" else f"by {method}"
        if invoice is not None and order is not None:
            narration = f"Payment for invoice {invoice.id} (order {order.id}) {by}"
        elif order is not None:
            narration = f"Payment for order {order.id} {by}"
        else:
            narration = f"Payment on account {by}"
        txn = TxnBuilder(
            d.meta,
            d.date,
            customer.name,
            narration,
            _payment_links(order, invoice, doc_id),
            {
                "order": order.id if order else None,
                "customer": customer.id,
                "invoice": invoice.id if invoice else None,
                "payment": doc_id,
            },
        )
        txn.post(account, amount.number, amount.currency)
        txn.post(self.receivable(customer), -amount.number, amount.currency)
        self.emit(txn)

    # -- credits ----------------------------------------------------------

    def reference(self, meta: data.Meta, what: str) -> tuple[Order | None, Invoice | None]:
        """The ``invoice`` or ``order`` metadata of a credit, resolved."""
        invoice_id, order_id = meta.get("invoice"), meta.get("order")
        invoice = order = None
        if invoice_id is not None:
            invoice = (
                self.book.invoices.get(invoice_id) if isinstance(invoice_id, str) else None
            )
            if invoice is None:
                raise Invalid(f"{what}: unknown invoice {directives.show(invoice_id)}")
            order = self.book.orders[invoice.order]
        if order_id is not None:
            found = self.book.orders.get(order_id) if isinstance(order_id, str) else None
            if found is None:
                raise Invalid(f"{what}: unknown order {directives.show(order_id)}")
            if order is not None and found is not order:
                raise Invalid(
                    f'{what}: invoice "{invoice_id}" belongs to order "{order.id}", '
                    f'not "{order_id}"'
                )
            order = found
        return order, invoice

    def on_credit(self, d: directives.Directive) -> None:
        credit_id, amount = d.args["CREDIT"], d.args["AMOUNT"]
        what = f'Credit "{credit_id}"'
        self.new_document(credit_id, "credit")
        customer = self.customer(d.args["CUSTOMER"])
        if amount.number <= 0:
            raise Invalid(f"{what}: amount must be greater than zero, got {amount}")
        reason = self.meta_string(d.meta, "reason", what)
        order, invoice = self.reference(d.meta, what)
        if order is not None and order.customer != customer.id:
            raise Invalid(
                f'{what}: order "{order.id}" belongs to customer "{order.customer}", '
                f'not "{customer.id}"'
            )
        self.register(credit_id, "credit")
        self.book.credits[credit_id] = CustomerCredit(
            credit_id,
            customer.id,
            d.date,
            amount.number,
            amount.currency,
            d.meta,
            reason,
            invoice.id if invoice else None,
            order.id if order else None,
        )
        customer.credit[amount.currency] += amount.number
        links = (credit_id, order.id if order else "", invoice.id if invoice else "")
        narration = f"Credit {credit_id} to {customer.name}"
        if reason:
            narration += f": {reason}"
        txn = TxnBuilder(
            d.meta,
            d.date,
            customer.name,
            narration,
            links,
            {
                "order": order.id if order else None,
                "customer": customer.id,
                "credit": credit_id,
                "invoice": invoice.id if invoice else None,
            },
        )
        txn.post(
            self.config.account("credits", customer=customer.account),
            amount.number,
            amount.currency,
        )
        txn.post(
            self.config.account("customer_credit", customer=customer.account),
            -amount.number,
            amount.currency,
        )
        self.emit(txn)

    def on_refund(self, d: directives.Directive) -> None:
        customer = self.customer(d.args["CUSTOMER"])
        amount = d.args["AMOUNT"]
        what = f'Refund to customer "{customer.id}"'
        if amount.number <= 0:
            raise Invalid(f"{what}: amount must be greater than zero, got {amount}")
        if d.args["METHOD"] == ("method", "credit"):
            raise Invalid(
                f'{what}: a refund pays credit out; "credit" is not a way to pay it'
            )
        account, method = self.method_account(d.args["METHOD"], customer)
        source = d.meta.get("from", "credit")
        if source not in ("credit", "receivable"):
            raise Invalid(
                f'{what}: from must be "credit" (the customer credit balance, the default) '
                f'or "receivable" (money paid beyond what is owed), '
                f"got {directives.show(source)}"
            )
        if source == "receivable":
            self.refund_receivable(d, customer, amount, account, method, what)
            return
        self.check_credit(customer, amount, what)
        customer.credit[amount.currency] -= amount.number
        self.book.refunds.append(
            Refund(
                customer.id, d.date, amount.number, amount.currency, account, method, d.meta
            )
        )
        txn = TxnBuilder(
            d.meta,
            d.date,
            customer.name,
            f"Refund of customer credit by {method}",
            (),
            {"customer": customer.id},
        )
        txn.post(
            self.config.account("customer_credit", customer=customer.account),
            amount.number,
            amount.currency,
        )
        txn.post(account, -amount.number, amount.currency)
        self.emit(txn)

    def refund_receivable(
        self,
        d: directives.Directive,
        customer: Customer,
        amount: Amount,
        account: str,
        method: str,
        what: str,
    ) -> None:
        """Pay back money received beyond what is owed (``from: "receivable"``)."""
        owed = -customer.receivable.get(amount.currency, ZERO)
        if number(amount) > owed:
            raise Invalid(
                f"{what}: {amount} exceeds what we owe the customer on their receivable "
                f"({_fmt(max(owed, ZERO))} {amount.currency})"
            )
        order = None
        order_id = d.meta.get("order")
        if order_id is not None:
            order = self.book.orders.get(order_id) if isinstance(order_id, str) else None
            if order is None:
                raise Invalid(f"{what}: unknown order {directives.show(order_id)}")
            if order.customer != customer.id:
                raise Invalid(
                    f'{what}: order "{order.id}" belongs to customer "{order.customer}"'
                )
            if order.currency != amount.currency:
                raise Invalid(f'{what}: order "{order.id}" is in {order.currency}')
            overpaid = max(-order.outstanding, ZERO)
            if number(amount) > overpaid:
                raise Invalid(
                    f'{what}: {amount} exceeds what order "{order.id}" was overpaid '
                    f"({_fmt(overpaid)} {amount.currency})"
                )
        self.book.refunds.append(
            Refund(
                customer.id,
                d.date,
                number(amount),
                amount.currency,
                account,
                method,
                d.meta,
            )
        )
        self.settle(
            Settlement(
                id=f"refund:{d.meta.get('filename')}:{d.meta.get('lineno')}",
                kind="refund",
                customer=customer.id,
                order=order.id if order else None,
                invoice=None,
                date=d.date,
                amount=-number(amount),
                currency=amount.currency,
                meta=d.meta,
            ),
            order,
            None,
        )
        txn = TxnBuilder(
            d.meta,
            d.date,
            customer.name,
            f"Refund of money paid beyond what is owed, by {method}",
            (order.id if order else "",),
            {"order": order.id if order else None, "customer": customer.id},
        )
        txn.post(self.receivable(customer), number(amount), amount.currency)
        txn.post(account, -number(amount), amount.currency)
        self.emit(txn)

    def on_credit_memo(self, d: directives.Directive) -> None:
        memo_id, amount = d.args["MEMO"], d.args["AMOUNT"]
        what = f'Credit memo "{memo_id}"'
        self.new_document(memo_id, "credit memo")
        customer = self.customer(d.args["CUSTOMER"])
        if amount.number <= 0:
            raise Invalid(f"{what}: amount must be greater than zero, got {amount}")
        reason = self.meta_string(d.meta, "reason", what)
        order, invoice = self.reference(d.meta, what)
        if invoice is not None:
            if invoice.customer != customer.id:
                raise Invalid(
                    f'{what}: invoice "{invoice.id}" belongs to customer '
                    f'"{invoice.customer}", not "{customer.id}"'
                )
            if invoice.currency != amount.currency:
                raise Invalid(f'{what}: invoice "{invoice.id}" is in {invoice.currency}')
        elif order is not None:
            raise Invalid(
                f"{what}: a memo is allocated to an invoice: use invoice metadata"
            )
        self.register(memo_id, "credit memo")
        self.book.memos[memo_id] = CreditMemo(
            memo_id,
            customer.id,
            d.date,
            amount.number,
            amount.currency,
            d.meta,
            invoice.id if invoice else None,
            reason,
        )
        self.settle(
            Settlement(
                id=memo_id,
                kind="credit-memo",
                customer=customer.id,
                order=order.id if order else None,
                invoice=invoice.id if invoice else None,
                date=d.date,
                amount=amount.number,
                currency=amount.currency,
                meta=d.meta,
            ),
            order,
            invoice,
        )
        narration = f"Credit memo {memo_id}"
        if invoice is not None:
            narration += f" against invoice {invoice.id}"
        if reason:
            narration += f": {reason}"
        txn = TxnBuilder(
            d.meta,
            d.date,
            customer.name,
            narration,
            (memo_id, order.id if order else "", invoice.id if invoice else ""),
            {
                "order": order.id if order else None,
                "customer": customer.id,
                "memo": memo_id,
                "invoice": invoice.id if invoice else None,
            },
        )
        txn.post(
            self.config.account("credit_memos", customer=customer.account),
            amount.number,
            amount.currency,
        )
        txn.post(self.receivable(customer), -amount.number, amount.currency)
        self.emit(txn)

    def on_allocate(self, d: directives.Directive) -> None:
        source_id, invoice_id, amount = d.args["FROM"], d.args["INVOICE"], d.args["AMOUNT"]
        what = f'Allocation of "{source_id}" to invoice "{invoice_id}"'
        if amount.number <= 0:
            raise Invalid(f"{what}: amount must be greater than zero, got {amount}")
        settlement = self.book.settlements.get(source_id)
        if settlement is None:
            kind = self.book.documents.get(source_id)
            if kind == "credit":
                raise Invalid(
                    f'{what}: "{source_id}" is a customer credit, which is not part of the '
                    f'receivable; use it with custom "payment" ... "credit"'
                )
            if kind == "credit order":
                raise Invalid(f'{what}: credit order "{source_id}" is not READY')
            if kind:
                raise Invalid(
                    f'{what}: "{source_id}" is {kind_article(kind)}, not money '
                    "received or credited"
                )
            raise Invalid(
                f'{what}: unknown payment, credit order or memo "{source_id}" (give the '
                "payment an id metadata to allocate it)"
            )
        invoice = self.book.invoices.get(invoice_id)
        if invoice is None:
            raise Invalid(f'{what}: unknown invoice "{invoice_id}"')
        if invoice.customer != settlement.customer:
            raise Invalid(
                f'{what}: the invoice belongs to customer "{invoice.customer}", '
                f'"{source_id}" to "{settlement.customer}"'
            )
        if amount.currency != settlement.currency or amount.currency != invoice.currency:
            raise Invalid(f"{what}: {amount} is not in the currency of both")
        if amount.number > settlement.unallocated:
            raise Invalid(
                f"{what}: {amount} exceeds the unallocated {_fmt(settlement.unallocated)} "
                f'{amount.currency} of "{source_id}"'
            )
        if amount.number > invoice.open_amount:
            raise Invalid(
                f"{what}: {amount} exceeds the {_fmt(invoice.open_amount)} "
                f"{amount.currency} still open on the invoice"
            )
        self.allocate(settlement, invoice, d.date, amount.number)
        order = self.book.orders[invoice.order]
        if settlement.order != order.id:  # matched to an order it was not made for
            if settlement.kind == "payment":
                order.paid += amount.number
            else:
                order.credited += amount.number
            if settlement.order is not None:
                previous = self.book.orders[settlement.order]
                if settlement.kind == "payment":
                    previous.paid -= amount.number
                else:
                    previous.credited -= amount.number

    # -- stock ------------------------------------------------------------

    def on_open(self, entry: data.Open) -> None:
        self.opened.add(entry.account)
        if entry.booking is not None:
            self.booking[entry.account] = entry.booking
        valuation = entry.meta.get("valuation")
        if valuation is not None:
            if valuation != "average":
                self.error(
                    entry,
                    f'{entry.account}: valuation must be "average" (moving-average cost) '
                    "or absent (the account's booking method), "
                    f"got {directives.show(valuation)}",
                )
            else:
                self.average.add(entry.account)

    def inventory_account(self, location: str) -> str:
        account = self._inventory.get(location)
        if account is None:
            account = self._inventory[location] = self.config.account(
                "inventory", location=account_component(location)
            )
        return account

    def holding(self, account: str, item: str) -> Holding:
        method = self.booking.get(account, self.default_booking)
        return self.book.stock.holding(account, item, method)

    def location_of(self, account: str) -> str:
        match = self.inventory_re.match(account)
        if match and "location" in match.groupdict():
            return match.group("location")
        return self.config.location

    def meta_string(self, meta: data.Meta, key: str, what: str) -> str | None:
        value = meta.get(key)
        if value is not None and (value.__class__ is not str or not value.strip()):
            raise Invalid(
                f"{what}: {key} must be a non-empty string, got {directives.show(value)}"
            )
        return value

    def on_stock_transaction(self, entry: data.Transaction) -> None:
        """A receipt (or write-off) written as an ordinary transaction."""
        for posting in entry.postings:
            cost = posting.cost
            if cost is None or not self.inventory_re.match(posting.account):
                continue
            if not isinstance(cost, Cost) or cost.number is None or posting.units is None:
                continue  # not booked: Beancount reports it
            item, units = posting.units.currency, number(posting.units)
            holding = self.holding(posting.account, item)
            if units > 0:
                holding.add(cost, units)
                if posting.account in self.average:
                    self.relot(holding, entry.date, entry.meta, None)
            elif units < 0:
                try:
                    holding.remove(cost, -units)
                except Short as short:
                    self.error(
                        entry,
                        f"{posting.account} has {short.on_hand} {item} in lot "
                        f"{lot_name(cost)}, this transaction takes {-units}: the order "
                        "directives have already dispatched or moved them",
                    )

    def relot_restocked(
        self,
        restocked: list[tuple[str, Cost, Decimal]],
        item: str,
        date: datetime.date,
        source: data.Meta,
        link: str | None,
    ) -> None:
        """Goods back into an average-valued account are averaged in, as receipts are."""
        for account in sorted({account for account, _, _ in restocked}):
            if account in self.average:
                self.relot(self.holding(account, item), date, source, link)

    def relot(
        self, holding: Holding, date: datetime.date, source: data.Meta, links: str | None
    ) -> None:
        """Moving-average cost: re-lot an item's stock at its new average cost."""
        if len(holding.lots) < 2 or holding.units <= 0:
            return
        currencies = {cost.currency for cost in holding.lots}
        if len(currencies) > 1:
            return  # lots in several currencies cannot be averaged
        currency = currencies.pop()
        value = holding.value
        average = (value / holding.units).quantize(
            Decimal(1).scaleb(-(self.config.precision + 4))
        )
        units = holding.units
        new_cost = Cost(average, currency, date, None)
        location = self.location_of(holding.account)
        old = holding.replace_all(new_cost)
        txn = TxnBuilder(
            source,
            date,
            None,
            f"Average cost of {holding.item} at {location}: "
            f"{units} at {average} {currency}",
            (links,) if links else (),
            {"item": holding.item, "location": location},
        )
        for cost, lot_units in old:
            txn.post(holding.account, -lot_units, holding.item, cost)
        txn.post(holding.account, units, holding.item, new_cost)
        residue = value - units * average
        if residue:
            txn.post(
                self.config.account("cogs", location=location),
                residue,
                currency,
                item=holding.item,
            )
        self.emit(txn)

    def on_stock_in(self, d: directives.Directive) -> None:
        po, item, qty, unit_cost = (
            d.args["PO"],
            d.args["ITEM"],
            d.args["QTY"],
            d.args["COST"],
        )
        what = f'Stock-in "{po}"'
        known = self.book.documents.get(po)
        if known is not None and known != "purchase receipt":
            self.new_document(po, "purchase receipt")
        if unit_cost.number < 0:
            raise Invalid(f"{what}: cost must not be negative, got {unit_cost}")
        supplier = self.meta_string(d.meta, "supplier", what)
        if supplier is None:
            raise Invalid(
                f'{what}: supplier metadata is required (e.g. supplier: "acme-supplies")'
            )
        if self.items.get(item, {}).get("stock", True) is False:
            raise Invalid(
                f"{what}: {item} is not a stock item (stock: FALSE on its commodity); "
                "it is never received into stock"
            )
        batch = self.meta_string(d.meta, "batch", what) or po
        location = self.meta_string(d.meta, "location", what) or self.config.location
        account = self.inventory_account(location)
        payable = self.config.account("payable", supplier=account_component(supplier))
        cost = Cost(unit_cost.number, unit_cost.currency, d.date, batch)
        self.register(po, "purchase receipt")
        self.book.receipts.append(
            Receipt(po, supplier, d.date, item, qty, cost, location, account, d.meta)
        )
        holding = self.holding(account, item)
        holding.add(cost, qty)
        txn = TxnBuilder(
            d.meta,
            d.date,
            supplier,
            f"Receipt {po}: {qty} {item} into {location}",
            (po,),
            {"po": po, "supplier": supplier, "item": item},
        )
        txn.post(account, qty, item, cost)
        txn.post(payable, -(qty * unit_cost.number), unit_cost.currency)
        self.emit(txn)
        if account in self.average:
            self.relot(holding, d.date, d.meta, po)

    def check_stocked(
        self,
        order: Order,
        pairs: tuple[tuple[str, Decimal], ...],
        what: str,
        verb: str,
    ) -> None:
        if not order.services:
            return
        for item, _ in pairs:
            if any(line.item == item and not line.stocked for line in order.lines):
                raise Invalid(
                    f"{what}: {item} is not a stock item (stock: FALSE on its commodity); "
                    f"it is never {verb}"
                )

    def on_dispatch(self, d: directives.Directive) -> None:
        order = self.order(d.args["ORDER"])
        what = f'Dispatch for order "{order.id}"'
        batch = self.meta_string(d.meta, "batch", what)
        location = (
            self.meta_string(d.meta, "location", what)
            or order.location
            or self.config.location
        )
        account = self.inventory_account(location)
        self.check_stocked(order, d.pairs, what, "dispatched")
        chosen = self.select(
            order,
            d.pairs,
            _undispatched_stock,
            "dispatch",
            lambda line: (
                f"{_fmt(line.qty)} ordered, {_fmt(line.cancelled)} cancelled, "
                f"{_fmt(line.dispatched)} already dispatched"
            ),
        )
        # Take every line's lots first, so that a STRICT ambiguity changes nothing.
        taken: list[tuple[Any, Decimal, list[tuple[Cost, Decimal]] | None]] = []
        shortages = []
        for line, qty in chosen:
            holding = self.holding(account, line.item)
            try:
                lots = holding.take(qty, batch)
            except Short as short:
                shortages.append((line, qty, short.on_hand))
                taken.append((line, qty, None))
                continue
            except Ambiguous as ambiguous:
                for done_line, _, lots_done in taken:
                    for cost, units in lots_done or ():
                        self.holding(account, done_line.item).add(cost, units)
                raise Invalid(
                    f"{what}: {account} books by STRICT and holds {len(ambiguous.labels)} "
                    f"lots of {line.item} ({', '.join(ambiguous.labels)}); name one with "
                    "batch metadata"
                ) from None
            taken.append((line, qty, lots))
        customer = self.book.customers[order.customer]
        dispatch = Dispatch(order.id, customer.id, d.date, [], d.meta)
        txn = TxnBuilder(
            d.meta,
            d.date,
            customer.name,
            f"Dispatch for order {order.id}",
            order.links,
            {"order": order.id, "customer": customer.id},
        )
        cogs = self._cogs.get(location)
        if cogs is None:
            cogs = self._cogs[location] = self.config.account(
                "cogs", location=account_component(location)
            )
        for line, qty, line_lots in taken:
            line.dispatched = plus(line.dispatched, qty)
            dispatch.lines.append(
                DispatchLine(
                    line.number,
                    line.item,
                    qty,
                    location,
                    account,
                    line_lots or [],
                    uncosted=line_lots is None,
                )
            )
            if line_lots is None:
                line.uncosted += qty
                continue
            cost_total = ZERO
            currency = line_lots[0][0].currency
            for cost, units in line_lots:
                txn.post(account, -units, line.item, cost)
                cost_total = plus(cost_total, units * cost.number)
            line.cost = plus(line.cost, cost_total)
            txn.post(cogs, cost_total, currency, item=line.item)
        order.dispatches.append(dispatch)
        self.book.dispatches.append(dispatch)
        if txn.postings:
            self.emit(txn)
        for line, qty, on_hand in shortages:
            where = f"location {location} ({account})"
            if batch:
                where += f', batch "{batch}"'
            self.error(
                d.entry,
                f"{what}: not enough {line.item} at {where}: {_fmt(qty)} needed, "
                f"{_fmt(on_hand)} on hand; the dispatch is recorded as uncosted",
            )

    def on_transfer(self, d: directives.Directive) -> None:
        item, qty = d.args["ITEM"], d.args["QTY"]
        source, target = d.args["FROM"], d.args["TO"]
        what = f"Transfer of {_fmt(qty)} {item} from {source} to {target}"
        from_account, to_account = (
            self.inventory_account(source),
            self.inventory_account(target),
        )
        if from_account == to_account:
            raise Invalid(f"{what}: both locations are {from_account}")
        batch = self.meta_string(d.meta, "batch", what)
        try:
            lots = self.holding(from_account, item).take(qty, batch)
        except Short as short:
            where = f', batch "{batch}"' if batch else ""
            raise Invalid(
                f"{what}: not enough {item} at location {source} ({from_account}{where}): "
                f"{_fmt(qty)} needed, {_fmt(short.on_hand)} on hand"
            ) from None
        except Ambiguous as ambiguous:
            raise Invalid(
                f"{what}: {from_account} books by STRICT and holds {len(ambiguous.labels)} "
                f"lots of {item} ({', '.join(ambiguous.labels)}); "
                "name one with batch metadata"
            ) from None
        target_holding = self.holding(to_account, item)
        txn = TxnBuilder(d.meta, d.date, None, what, (), {"item": item})
        for cost, units in lots:
            target_holding.add(cost, units)
            txn.post(from_account, -units, item, cost)
        for cost, units in lots:
            txn.post(to_account, units, item, cost)
        self.book.transfers.append(
            Transfer(d.date, item, qty, source, target, lots, d.meta)
        )
        self.emit(txn)
        if to_account in self.average:
            self.relot(target_holding, d.date, d.meta, None)

    def on_return(self, d: directives.Directive) -> None:
        return_id, item, qty = d.args["RETURN"], d.args["ITEM"], d.args["QTY"]
        order = self.order(d.args["ORDER"])
        what = f'Return "{return_id}" of order "{order.id}"'
        self.new_document(return_id, "return")
        condition = self.meta_string(d.meta, "condition", what) or "resaleable"
        if condition not in ("resaleable", "damaged"):
            raise Invalid(
                f'{what}: condition must be "resaleable" or "damaged", got "{condition}"'
            )
        batch = self.meta_string(d.meta, "batch", what)
        location = self.meta_string(d.meta, "location", what)
        restock = condition == "resaleable"
        plan = self.plan_return(order, item, qty, batch, restock, what)
        customer = self.book.customers[order.customer]
        txn = TxnBuilder(
            d.meta,
            d.date,
            customer.name,
            f"Return {return_id} of {_fmt(qty)} {item} for order {order.id} ({condition})",
            (order.id, return_id),
            {"order": order.id, "customer": customer.id, "return": return_id},
        )
        restocked = self.apply_return(order, item, plan, location, restock, txn)
        self.register(return_id, "return")
        self.book.returns[return_id] = Return(
            return_id,
            order.id,
            customer.id,
            d.date,
            item,
            qty,
            condition,
            restocked,
            d.meta,
        )
        order.returns = (*order.returns, return_id)
        if txn.postings:
            self.emit(txn)
        self.relot_restocked(restocked, item, d.date, d.meta, return_id)

    def plan_return(
        self,
        order: Order,
        item: str,
        qty: Decimal,
        batch: str | None,
        restock: bool,
        what: str,
        allow_uncosted: bool = False,
        reserved: dict[tuple[int, int | None], Decimal] | None = None,
    ) -> list[tuple[DispatchLine, int | None, Cost | None, Decimal]]:
        """Which dispatched units come back: the very lots the dispatches took,
        in the order they took them (only lots labelled ``batch`` if given).
        Raises :class:`Invalid` when fewer went out than come back."""
        sent = [
            line
            for dispatch in order.dispatches
            for line in dispatch.lines
            if line.item == item
        ]
        if not sent:
            raise Invalid(f'{what}: no {item} was dispatched on order "{order.id}"')
        plan: list[tuple[DispatchLine, int | None, Cost | None, Decimal]] = []
        if reserved is None:
            reserved = {}
        left = qty
        for line in sent:
            if line.uncosted:
                if (allow_uncosted or not restock) and batch is None:
                    held = reserved.get((id(line), None), ZERO)
                    take = min(left, line.qty - line.returned - held)
                    if take > 0:
                        plan.append((line, None, None, take))
                        reserved[(id(line), None)] = held + take
                        left -= take
                continue
            for index, (cost, units) in enumerate(line.lots):
                if batch is not None and cost.label != batch:
                    continue
                held = reserved.get((id(line), index), ZERO)
                take = min(left, units - line.lot_returned.get(index, ZERO) - held)
                if take > 0:
                    plan.append((line, index, cost, take))
                    reserved[(id(line), index)] = held + take
                    left -= take
        if left > 0:
            returnable = qty - left
            source = f' from batch "{batch}"' if batch else ""
            uncosted = (
                " (units dispatched without stock cannot go back into stock)"
                if restock and not allow_uncosted and any(line.uncosted for line in sent)
                else ""
            )
            raise Invalid(
                f"{what}: {_fmt(qty)} {item} cannot come back: only {_fmt(returnable)} "
                f"dispatched{source} and not yet returned{uncosted}"
            )
        return plan

    def apply_return(
        self,
        order: Order,
        item: str,
        plan: list[tuple[DispatchLine, int | None, Cost | None, Decimal]],
        location: str | None,
        restock: bool,
        txn: TxnBuilder,
    ) -> list[tuple[str, Cost, Decimal]]:
        """Take the planned units back; restock them at their lots' cost onto ``txn``."""
        restocked: list[tuple[str, Cost, Decimal]] = []
        lines_by_number = {line.number: line for line in order.lines}
        cogs_total: dict[tuple[str, str], Decimal] = {}
        for line, index, cost, units in plan:
            line.returned += units
            if index is not None:
                line.lot_returned = {
                    **line.lot_returned,
                    index: line.lot_returned.get(index, ZERO) + units,
                }
            order_line = lines_by_number[line.line]
            order_line.returned += units
            if not restock or cost is None:
                continue
            account = self.inventory_account(location) if location else line.account
            self.holding(account, item).add(cost, units)
            restocked.append((account, cost, units))
            txn.post(account, units, item, cost)
            value = units * cost.number
            order_line.cost -= value
            cogs = self.config.account(
                "cogs", location=account_component(self.location_of(account))
            )
            key = (cogs, cost.currency)
            cogs_total[key] = cogs_total.get(key, ZERO) + value
        for (cogs, currency), value in cogs_total.items():
            txn.post(cogs, -value, currency, item=item)
        return restocked

    # -- credit orders ----------------------------------------------------

    def collect_credit_line(self, entry: data.Custom) -> None:
        directive, problem = directives.parse(entry)
        if directive is None:
            self.error(entry, problem or "invalid directive")
            first = entry.values[0].value if entry.values else None
            if isinstance(first, str):  # its credit order must not post without it
                self.broken_lines[first] = self.broken_lines.get(first, 0) + 1
            return
        self.credit_lines.setdefault(directive.args["CO"], []).append(directive)

    def on_credit_order(self, d: directives.Directive) -> None:
        co_id, invoice_id = d.args["CO"], d.args["INVOICE"]
        what = f'Credit order "{co_id}"'
        line_directives = self.credit_lines.pop(co_id, [])
        try:
            self.new_document(co_id, "credit order")
        except Invalid:
            self.credit_lines[co_id] = line_directives  # reported as orphans
            raise
        invoice = self.book.invoices.get(invoice_id)
        if invoice is None:
            kind = self.book.documents.get(invoice_id)
            hint = f' ("{invoice_id}" is {kind_article(kind)})' if kind else ""
            raise Invalid(f'{what}: unknown invoice "{invoice_id}"{hint}')
        order = self.book.orders[invoice.order]
        customer = self.book.customers[order.customer]
        meta = d.meta
        status = meta.get("status", "READY")
        if status not in ("OPEN", "APPROVED", "READY"):
            raise Invalid(
                f'{what}: status must be "OPEN", "APPROVED" or "READY", '
                f"got {directives.show(status)}"
            )
        reason = self.meta_string(meta, "reason", what)
        rep = self.meta_string(meta, "rep", what) or order.rep
        po = self.meta_string(meta, "po", what) or order.po
        full = meta.get("full", False)
        if not isinstance(full, bool):
            raise Invalid(
                f"{what}: full must be TRUE or FALSE, got {directives.show(full)}"
            )
        credit_date = meta.get("credit-date")
        if credit_date not in (None, "invoice"):
            raise Invalid(
                f'{what}: credit-date must be "invoice" (post on the invoice\'s date) or '
                "absent (post on the credit order's date), "
                f"got {directives.show(credit_date)}"
            )
        post_date = invoice.date if credit_date == "invoice" else d.date
        requests: list[tuple[directives.Directive | None, str, str, Decimal, Decimal]] = []
        if full:
            if line_directives:
                raise Invalid(
                    f"{what}: full: TRUE credits every line of the invoice; it cannot also "
                    "have credit-line directives "
                    f"(line {line_directives[0].meta['lineno']})"
                )
            line_type = meta.get("type", "credit")
            if line_type not in ("credit", "return"):
                raise Invalid(
                    f'{what}: type must be "credit" or "return", '
                    f"got {directives.show(line_type)}"
                )
            for invoice_line in invoice.lines:
                left = invoice_line.qty - invoice_line.credited
                if left > 0:
                    requests.append(
                        (None, invoice_line.item, line_type, left, invoice_line.price)
                    )
            if not requests:
                raise Invalid(
                    f'{what}: everything on invoice "{invoice.id}" is already credited'
                )
        else:
            if not line_directives:
                raise Invalid(
                    f'{what}: no credit-line directives name it (custom "credit-line" '
                    f'"{co_id}" ITEM TYPE QTY PRICE), and it is not full: TRUE'
                )
            for line in line_directives:
                requests.append(
                    (
                        line,
                        line.args["ITEM"],
                        line.args["TYPE"],
                        line.args["QTY"],
                        line.args["PRICE"].number,
                    )
                )
        # Check every line against the invoice before anything changes.
        credited: dict[int, Decimal] = {}
        reserved: dict[tuple[int, int | None], Decimal] = {}
        plans = []
        bad = 0
        quantum = self.quantum()
        lines: list[CreditLine] = []
        for line_directive, item, line_type, qty, price in requests:
            source = line_directive.entry if line_directive else d.entry
            label = f"{what} line {item}"
            costing = Costing.OPEN
            if status == "READY":
                costing = Costing.COSTED if line_type == "return" else Costing.NONE
            try:
                if line_directive is not None:
                    self.check_credit_line(line_directive, invoice, label)
                portions = self.credit_portions(invoice, item, qty, price, credited, label)
                if line_type == "return" and status == "READY":
                    batch = self.meta_string(source.meta, "batch", label)
                    location = self.meta_string(source.meta, "location", label)
                    plan = self.plan_return(
                        order, item, qty, batch, True, label, True, reserved
                    )
                    plans.append((plan, item, location))
                    if any(cost is None for _, _, cost, _ in plan):
                        costing = Costing.UNCOSTED
            except Invalid as exc:
                if line_directive is None:
                    raise
                self.error(source, str(exc))
                bad += 1
                continue
            for invoice_line, part in portions:
                value = round_money(part * price, quantum)
                if self.config.prices_include_tax:
                    net = round_money(value / (1 + invoice_line.tax_rate), quantum)
                    tax = value - net
                else:
                    net, tax = value, round_money(value * invoice_line.tax_rate, quantum)
                lines.append(
                    CreditLine(
                        item,
                        line_type,
                        part,
                        price,
                        invoice_line.tax_rate,
                        net,
                        tax,
                        invoice_line.line,
                        source.meta,
                        costing,
                    )
                )
        broken = self.broken_lines.pop(co_id, 0)
        bad += broken
        if bad:
            raise Invalid(
                f"{what}: not posted, {bad} of its {len(requests) + broken} lines "
                f"{'is' if bad == 1 else 'are'} invalid"
            )
        self.register(co_id, "credit order")
        credit_order = CreditOrder(
            co_id,
            invoice.id,
            order.id,
            customer.id,
            d.date,
            post_date,
            status,
            invoice.currency,
            lines,
            meta,
            reason,
            rep,
            po,
        )
        self.book.credit_orders[co_id] = credit_order
        order.credit_orders = (*order.credit_orders, co_id)
        if status != "READY":
            return
        self.post_credit_order(credit_order, invoice, order, customer, plans, d)

    def check_credit_line(
        self, line: directives.Directive, invoice: Invoice, label: str
    ) -> None:
        line_type = line.args["TYPE"]
        if line_type not in ("return", "credit"):
            raise Invalid(f'{label}: TYPE must be "return" or "credit", got "{line_type}"')
        price = line.args["PRICE"]
        if price.currency != invoice.currency:
            raise Invalid(
                f"{label}: price {price} is not in the invoice's {invoice.currency}"
            )
        if price.number < 0:
            raise Invalid(f"{label}: price must not be negative, got {price}")

    def credit_portions(
        self,
        invoice: Invoice,
        item: str,
        qty: Decimal,
        price: Decimal,
        credited: dict[int, Decimal],
        label: str,
    ) -> list[tuple[InvoiceLine, Decimal]]:
        """Spread a credited quantity over the invoice's lines of the item, in order.

        ``credited`` counts what earlier lines of the same credit order took.
        """
        lines = [line for line in invoice.lines if line.item == item]
        if not lines:
            raise Invalid(f'{label}: {item} is not on invoice "{invoice.id}"')
        free = sum(
            (line.qty - line.credited - credited.get(id(line), ZERO) for line in lines),
            ZERO,
        )
        if qty > free:
            invoiced = sum((line.qty for line in lines), ZERO)
            raise Invalid(
                f'{label}: cannot credit {_fmt(qty)} {item}: invoice "{invoice.id}" billed '
                f"{_fmt(invoiced)} and {_fmt(invoiced - free)} are already credited"
            )
        portions = []
        for line in lines:
            take = min(qty, line.qty - line.credited - credited.get(id(line), ZERO))
            if take <= 0:
                continue
            if price > line.price:
                raise Invalid(
                    f"{label}: price {_fmt(price)} {invoice.currency} is above the invoice "
                    f'price {_fmt(line.price)} {invoice.currency} on "{invoice.id}"'
                )
            portions.append((line, take))
            credited[id(line)] = credited.get(id(line), ZERO) + take
            qty -= take
            if qty <= 0:
                break
        return portions

    def post_credit_order(
        self,
        credit_order: CreditOrder,
        invoice: Invoice,
        order: Order,
        customer: Customer,
        plans: list[tuple[Any, str, str | None]],
        d: directives.Directive,
    ) -> None:
        currency = credit_order.currency
        by_line = {(line.item, line.line): line for line in invoice.lines}
        order_lines = {line.number: line for line in order.lines}
        for credit_line in credit_order.lines:
            by_line[
                (credit_line.item, credit_line.invoice_line)
            ].credited += credit_line.qty
            order_lines[credit_line.invoice_line].credited_net += credit_line.net
        links = (order.id, invoice.id, credit_order.id)
        meta = {
            "order": order.id,
            "customer": customer.id,
            "invoice": invoice.id,
            "credit-order": credit_order.id,
            "reason": credit_order.reason,
            "rep": credit_order.rep,
            "po": credit_order.po,
        }
        txn = TxnBuilder(
            d.meta,
            credit_order.post_date,
            customer.name,
            f"Credit order {credit_order.id} against invoice {invoice.id}",
            links,
            meta,
        )
        returns = self.config.account("returns", customer=customer.account)
        for credit_line in credit_order.lines:
            txn.post(returns, credit_line.net, currency, item=credit_line.item)
        taxes: dict[Decimal, Decimal] = {}
        for credit_line in credit_order.lines:
            if credit_line.tax:
                rate = credit_line.tax_rate
                taxes[rate] = taxes.get(rate, ZERO) + credit_line.tax
        for rate, tax in sorted(taxes.items()):
            txn.post(self.config.account("sales_tax"), tax, currency, rate=rate)
        txn.post(self.receivable(customer), -credit_order.gross, currency)
        stock_txn = txn
        if plans and credit_order.post_date != d.date:
            stock_txn = TxnBuilder(
                d.meta,
                d.date,
                customer.name,
                f"Goods back into stock for credit order {credit_order.id}",
                links,
                meta,
            )
        return_lines = [line for line in credit_order.lines if line.type == "return"]
        back: list[tuple[list[tuple[str, Cost, Decimal]], str]] = []
        for plan, item, location in plans:
            restocked = self.apply_return(order, item, plan, location, True, stock_txn)
            back.append((restocked, item))
            for credit_line in return_lines:
                if credit_line.item == item and not credit_line.lots:
                    credit_line.lots = restocked
                    break
        self.emit(txn)
        if stock_txn is not txn and stock_txn.postings:
            self.emit(stock_txn)
        for restocked, item in back:
            self.relot_restocked(restocked, item, d.date, d.meta, credit_order.id)
        self.loyalty_on_credit(credit_order, invoice, order, customer, d)
        self.settle(
            Settlement(
                id=credit_order.id,
                kind="credit-order",
                customer=customer.id,
                order=order.id,
                invoice=invoice.id,
                date=credit_order.post_date,
                amount=credit_order.gross,
                currency=currency,
                meta=d.meta,
            ),
            order,
            invoice,
        )

    # -- loyalty ----------------------------------------------------------

    def on_loyalty_program(self, d: directives.Directive) -> None:
        symbol = d.args["SYMBOL"]
        what = f"Loyalty program {symbol}"
        meta = d.meta
        earn = meta.get("earn")
        if earn is not None and (
            not isinstance(earn, Decimal) or isinstance(earn, bool) or earn < 0
        ):
            raise Invalid(
                f"{what}: earn must be a number of points per currency unit such "
                f"as 1, got {directives.show(earn)}"
            )
        value = meta.get("value")
        if value is not None and (not isinstance(value, Amount) or number(value) < 0):
            raise Invalid(
                f"{what}: value must be an amount per point such as 0.10 GBP, "
                f"got {directives.show(value)}"
            )
        expiry = _terms(meta.get("expiry"), "expiry", what)
        name = self.meta_string(meta, "name", what)
        accounts = {}
        for key in ("liability", "expense", "discount"):
            account = meta.get(key)
            if account is not None and (
                not isinstance(account, str) or not account_lib.is_valid(account)
            ):
                raise Invalid(
                    f"{what}: {key} must be an account, got {directives.show(account)}"
                )
            accounts[key] = account
        existing = self.book.programs.get(symbol)
        if existing is not None:
            for key, account in accounts.items():
                current = getattr(existing, key)
                if account is not None and account != current:
                    raise Invalid(
                        f"{what} already posts its {key} to {current}; "
                        "a symbol, once used, "
                        f"can never be re-pointed at other accounts (got {account})"
                    )
            if earn is not None:
                existing.earn = earn
            if value is not None:
                existing.value = value
            if "expiry" in meta:
                existing.expiry = expiry
            if name:
                existing.name = name
            existing.history.append(
                (d.date, existing.earn, existing.value, existing.expiry)
            )
            return
        if symbol in self.book.documents or (
            symbol in self.items and "income" in self.items[symbol]
        ):
            raise Invalid(f"{what}: {symbol} is already an item sold on orders")
        program = Program(
            symbol,
            name or symbol,
            accounts["liability"]
            or self.config.account("loyalty_liability", program=symbol),
            accounts["expense"] or self.config.account("loyalty_expense", program=symbol),
            accounts["discount"] or self.config.account("loyalty_discount", program=symbol),
            earn if earn is not None else Decimal(1),
            value,
            expiry,
            meta,
        )
        program.history.append((d.date, program.earn, program.value, program.expiry))
        self.book.programs[symbol] = program

    def program_of(self, order: Order, customer: Customer) -> Program | None:
        """The loyalty program an order earns and redeems in (the order's, else the
        customer's); raises :class:`Invalid` when it names an unknown program."""
        symbol = order.program or customer.program
        if symbol is None:
            return None
        program = self.book.programs.get(symbol)
        if program is None:
            raise Invalid(
                f'Loyalty program "{symbol}" of order "{order.id}" is not defined '
                f'(custom "loyalty-program" "{symbol}")'
            )
        return program

    def wallet(self, customer: str, program: str) -> Wallet:
        key = (customer, program)
        wallet = self.book.wallets.get(key)
        if wallet is None:
            wallet = self.book.wallets[key] = Wallet(customer, program)
        return wallet

    def add_parcel(
        self,
        program: Program,
        customer: Customer,
        date: datetime.date,
        points: Decimal,
        source: str,
        meta: data.Meta,
    ) -> Parcel:
        expires = date + self.days(program.expiry) if program.expiry else None
        self.parcel_seq += 1
        parcel = Parcel(
            self.parcel_seq,
            customer.id,
            program.symbol,
            date,
            points,
            expires,
            source,
            meta,
        )
        self.wallet(customer.id, program.symbol).add(parcel)
        if expires is not None:
            heapq.heappush(self.expiries, (expires, parcel.seq, parcel))
        return parcel

    def event(
        self,
        date: datetime.date,
        customer: Customer,
        program: Program,
        kind: str,
        points: Decimal,
        value: Decimal | None,
        document: str | None,
        meta: data.Meta,
    ) -> None:
        self.book.loyalty_events.append(
            LoyaltyEvent(
                date, customer.id, program.symbol, kind, points, value, document, meta
            )
        )

    def earn(
        self, invoice: Invoice, order: Order, customer: Customer, d: directives.Directive
    ) -> None:
        """Points for an invoice: its gross less the order's redemptions up to now."""
        try:
            program = self.program_of(order, customer)
        except Invalid as exc:
            self.error(d.entry, f'Invoice "{invoice.id}": {exc}; no points earned')
            return
        if program is None:
            return
        invoice.program = program.symbol
        basis = invoice.gross
        if order.redemptions_unapplied:
            for redemption in order.redemptions_unapplied:
                if redemption.value <= 0 or basis <= 0:
                    continue
                used = min(redemption.value, basis)
                invoice.redeemed_points += redemption.split(used)
                invoice.redeemed_value += used
                basis -= used
            order.redemptions_unapplied = tuple(
                r for r in order.redemptions_unapplied if r.value > 0
            )
        points = (basis * program.earn).to_integral_value(rounding=ROUND_FLOOR)
        if points <= 0:
            return
        invoice.points_earned = points
        self.invoice_parcels[invoice.id] = self.add_parcel(
            program, customer, d.date, points, invoice.id, d.meta
        )
        self.event(d.date, customer, program, "earned", points, None, invoice.id, d.meta)
        txn = TxnBuilder(
            d.meta,
            d.date,
            customer.name,
            f"{program.symbol} points earned on invoice {invoice.id}",
            invoice.links,
            {
                "order": order.id,
                "customer": customer.id,
                "invoice": invoice.id,
                "program": program.symbol,
            },
        )
        txn.post(program.liability, -points, program.symbol)
        txn.post(program.expense, points, program.symbol)
        self.emit(txn)

    def on_redeem(self, d: directives.Directive) -> None:
        order = self.order(d.args["ORDER"])
        points = d.args["POINTS"]
        what = f'Redemption of {points} on order "{order.id}"'
        customer = self.book.customers[order.customer]
        program = self.program_of(order, customer)
        if program is None:
            raise Invalid(
                f'{what}: customer "{customer.id}" is in no loyalty program '
                "(program metadata on the customer or the order)"
            )
        if points.currency != program.symbol:
            raise Invalid(f"{what}: the order's loyalty program is {program.symbol}")
        if points.number <= 0:
            raise Invalid(f"{what}: points must be greater than zero")
        _whole_points(points.number, what)
        if program.value is None:
            raise Invalid(
                f"{what}: program {program.symbol} has no value per point "
                "(value metadata such as 0.10 GBP)"
            )
        currency = program.value.currency
        if order.currency is not None and order.currency != currency:
            raise Invalid(
                f"{what}: points are worth {currency} and the order is in {order.currency}"
            )
        wallet = self.wallet(customer.id, program.symbol)
        if points.number > wallet.balance:
            raise Invalid(
                f'{what}: customer "{customer.id}" has only {_fmt(wallet.balance)} '
                f"{program.symbol}"
            )
        value = round_money(points.number * program.value.number, self.quantum())
        wallet.take(points.number)
        redemption_id = f"redemption:{d.meta.get('filename')}:{d.meta.get('lineno')}"
        self.event(
            d.date, customer, program, "redeemed", -points.number, value, order.id, d.meta
        )
        txn = TxnBuilder(
            d.meta,
            d.date,
            customer.name,
            f"Redemption of {points} on order {order.id}",
            order.links,
            {"order": order.id, "customer": customer.id, "program": program.symbol},
        )
        txn.post(program.liability, points.number, program.symbol)
        txn.post(program.expense, -points.number, program.symbol)
        txn.post(program.discount, value, currency)
        txn.post(self.receivable(customer), -value, currency)
        self.emit(txn)
        settlement = Settlement(
            id=redemption_id,
            kind="redemption",
            customer=customer.id,
            order=order.id,
            invoice=None,
            date=d.date,
            amount=value,
            currency=currency,
            meta=d.meta,
        )
        self.settle(settlement, order, None)
        if value > 0:
            order.redemptions_unapplied = (
                *order.redemptions_unapplied,
                PendingRedemption(points.number, value, redemption_id),
            )

    def on_loyalty_adjust(self, d: directives.Directive) -> None:
        customer = self.customer(d.args["CUSTOMER"])
        points = d.args["POINTS"]
        what = f'Loyalty adjustment of {points} for customer "{customer.id}"'
        program = self.book.programs.get(points.currency)
        if program is None:
            raise Invalid(f"{what}: {points.currency} is not a loyalty program")
        if points.number == 0:
            raise Invalid(f"{what}: points must not be zero")
        _whole_points(points.number, what)
        reason = self.meta_string(d.meta, "reason", what)
        wallet = self.wallet(customer.id, program.symbol)
        if points.number < 0:
            if -points.number > wallet.balance:
                raise Invalid(
                    f'{what}: customer "{customer.id}" has only '
                    f"{_fmt(wallet.balance)} {program.symbol}"
                )
            wallet.take(-points.number)
        else:
            source = f"adjustment:{d.meta.get('filename')}:{d.meta.get('lineno')}"
            self.add_parcel(program, customer, d.date, points.number, source, d.meta)
        self.event(d.date, customer, program, "adjusted", points.number, None, None, d.meta)
        narration = f"Loyalty adjustment of {points}"
        if reason:
            narration += f": {reason}"
        txn = TxnBuilder(
            d.meta,
            d.date,
            customer.name,
            narration,
            (),
            {"customer": customer.id, "program": program.symbol},
        )
        txn.post(program.liability, -points.number, program.symbol)
        txn.post(program.expense, points.number, program.symbol)
        self.emit(txn)

    def expire_through(self, date: datetime.date) -> None:
        """Expire the points left in parcels whose expiry date is on or before ``date``."""
        while self.expiries and self.expiries[0][0] <= date:
            expires, _, parcel = heapq.heappop(self.expiries)
            points = parcel.remaining
            if points <= 0:
                continue
            wallet = self.book.wallets[(parcel.customer, parcel.program)]
            parcel.remaining = ZERO
            parcel.expired = points
            wallet.balance -= points
            program = self.book.programs[parcel.program]
            customer = self.book.customers[parcel.customer]
            self.event(
                expires,
                customer,
                program,
                "expired",
                -points,
                None,
                parcel.source,
                parcel.meta,
            )
            kind = self.book.documents.get(parcel.source)
            document = parcel.source if kind else None
            txn = TxnBuilder(
                parcel.meta,
                expires,
                customer.name,
                f"Expiry of {_fmt(points)} {program.symbol} earned {parcel.date}"
                + (f" on {kind} {document}" if document else ""),
                (document or "",),
                {
                    "customer": customer.id,
                    "program": program.symbol,
                    (kind or "document").replace(" ", "-"): document,
                },
            )
            txn.post(program.liability, points, program.symbol)
            txn.post(program.expense, -points, program.symbol)
            self.emit(txn)

    def loyalty_on_credit(
        self,
        credit_order: CreditOrder,
        invoice: Invoice,
        order: Order,
        customer: Customer,
        d: directives.Directive,
    ) -> None:
        """Claw back the points an invoice earned and give back the points redeemed
        on it, pro rata to the amount credited."""
        if invoice.program is None or invoice.gross <= 0:
            return
        program = self.book.programs[invoice.program]
        # A redemption that no invoice's basis took (none came after it) was redeemed
        # on the invoices it settled.
        for redemption in order.redemptions_unapplied:
            settled = sum(
                (
                    allocation.amount
                    for allocation in self.book.settlements[
                        redemption.settlement
                    ].allocations
                    if allocation.invoice == invoice.id
                ),
                ZERO,
            )
            part = min(settled, redemption.value)
            if part > 0:
                invoice.redeemed_points += redemption.split(part)
                invoice.redeemed_value += part
        order.redemptions_unapplied = tuple(
            r for r in order.redemptions_unapplied if r.value > 0
        )
        ratio = credit_order.gross / invoice.gross
        whole = Decimal(1)
        claw = min(
            (invoice.points_earned * ratio).quantize(whole, rounding=ROUND_HALF_UP),
            invoice.points_earned - invoice.points_clawed,
        )
        back = ZERO
        if invoice.redeemed_points > 0:
            back = min(
                (invoice.redeemed_points * ratio).quantize(whole, rounding=ROUND_HALF_UP),
                invoice.redeemed_points - invoice.points_given_back,
            )
        if claw <= 0 and back <= 0:
            return
        wallet = self.wallet(customer.id, program.symbol)
        date = d.date  # points move when the credit order is made, whatever its credit-date
        short = ZERO
        if claw > 0:
            invoice.points_clawed += claw
            # First what is left of the invoice's own parcel; then, for points of it
            # that were redeemed (not those that expired), other points.
            # (An invoice that earned points has its parcel.)
            parcel = self.invoice_parcels[invoice.id]
            own = min(claw, parcel.remaining)
            if own:
                wallet.take_from(parcel, own)
                parcel.clawed += own
            redeemed = parcel.points - parcel.remaining - parcel.expired - parcel.clawed
            other = min(claw - own, redeemed, wallet.balance)
            if other > 0:
                wallet.take(other)
                parcel.clawed += other
            short = claw - own - other
            claw = own + other
        value = ZERO
        if back > 0:
            value = round_money(
                back * invoice.redeemed_value / invoice.redeemed_points, self.quantum()
            )
            value = min(value, invoice.redeemed_value - invoice.value_given_back)
            invoice.points_given_back += back
            invoice.value_given_back += value
            self.add_parcel(program, customer, date, back, credit_order.id, d.meta)
        parts = []
        if claw > 0:
            parts.append(f"{_fmt(claw)} {program.symbol} clawed back")
        if short > 0:
            parts.append(f"{_fmt(short)} {program.symbol} already used, not clawed back")
        if back > 0:
            parts.append(f"{_fmt(back)} {program.symbol} given back")
        txn = TxnBuilder(
            d.meta,
            date,
            customer.name,
            f"Loyalty on credit order {credit_order.id}: " + ", ".join(parts),
            (order.id, invoice.id, credit_order.id),
            {
                "order": order.id,
                "customer": customer.id,
                "invoice": invoice.id,
                "credit-order": credit_order.id,
                "program": program.symbol,
            },
        )
        if claw > 0:
            self.event(
                date, customer, program, "clawed-back", -claw, None, credit_order.id, d.meta
            )
            txn.post(program.liability, claw, program.symbol)
            txn.post(program.expense, -claw, program.symbol)
        if back > 0:
            self.event(
                date, customer, program, "given-back", back, value, credit_order.id, d.meta
            )
            txn.post(program.liability, -back, program.symbol)
            txn.post(program.expense, back, program.symbol)
            if value:
                currency = invoice.currency
                txn.post(self.receivable(customer), value, currency)
                txn.post(program.discount, -value, currency)
                # The discount no longer settles the invoice: it is open again.
                reversal = Settlement(
                    id=f"{credit_order.id}:points",
                    kind="redemption",
                    customer=customer.id,
                    order=order.id,
                    invoice=invoice.id,
                    date=date,
                    amount=-value,
                    currency=currency,
                    meta=d.meta,
                )
                reversal.match(Allocation(reversal.id, invoice.id, date, -value))
                invoice.match(reversal.allocations[0])
                self.book.settlements[reversal.id] = reversal
                customer.receivable[currency] += value
                order.credited -= value
        if txn.postings:
            self.emit(txn)


class _Meta:
    """Adapter so :func:`source_of` can read a bare metadata dict."""

    def __init__(self, meta: data.Meta) -> None:
        self.meta = meta


def kind_article(kind: str) -> str:
    article = "an" if kind[0] in "aeiou" else "a"
    return f"{article} {kind}"


def _whole_points(points: Decimal, what: str) -> None:
    """Points are whole: earning rounds down to them, and so must what is spent."""
    if points != points.to_integral_value():
        raise Invalid(f"{what}: points must be a whole number, got {_fmt(points)}")


def _terms(value: Any, key: str, what: str) -> int | None:
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
    return int(value)


def build_book(
    entries: Iterable[data.Directive],
    config: Config,
    default_booking: data.Booking = data.Booking.STRICT,
) -> Book:
    """Run the engine over a ledger's entries.

    The cyclic garbage collector is paused meanwhile: the engine allocates many
    small objects that all live as long as the book, and collections triggered
    by them over the whole ledger's heap would double the run time.
    """
    with paused_gc():
        return Engine(config, default_booking).run(entries)


def _undispatched_stock(line: OrderLine) -> Decimal:
    """What is left to dispatch of a line: nothing for a non-stock line."""
    return line.undispatched if line.stocked else ZERO


def _payment_links(
    order: Order | None, invoice: Invoice | None, doc_id: str | None
) -> tuple[str, ...] | frozenset[str]:
    """The links of a payment: its order, its invoice and its own id where it has one."""
    if doc_id:
        return (order.id if order else "", invoice.id if invoice else "", doc_id)
    if invoice is not None:
        return invoice.links
    return order.links if order is not None else ()


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector (reference counting still frees memory).

    On the way out the objects made meanwhile (the ledger's entries and the
    book, which live as long as the loaded ledger) go straight to the oldest
    generation (``freeze`` then ``unfreeze``): otherwise the next young
    collection would scan every one of them, which costs as much as a third of
    the plugin's own run on large books. They stay collectable.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def number(amount: Amount) -> Decimal:
    """The number of a complete amount (parsed and booked amounts always have one)."""
    if amount.number is None:  # pragma: no cover - the parser never leaves one empty
        raise Invalid(f"Incomplete amount {amount}")
    return amount.number
