"""The order book engine: order directives in, a :class:`Book` out.

The engine reads the ledger's entries once. It keeps the order directives
(``custom`` entries named in :mod:`beancount_orders.book.registry`) and the
master data it needs (``open`` and ``commodity`` entries), files them by date
and, within a day, by their registry phase (an order before its lines, an
invoice before the payment of the same day), and applies each in turn through
its handler. A directive that is malformed or inconsistent with the book so far
is reported and changes nothing; the others still apply.

Nothing here does I/O or knows about Fava or the command line.
"""

from __future__ import annotations

import contextlib
import datetime
import difflib
import gc
from collections.abc import Iterable
from collections.abc import Iterator

from beancount.core import data

from beancount_orders.book import directives
from beancount_orders.book import fx
from beancount_orders.book.config import Config
from beancount_orders.book.handlers import loyalty
from beancount_orders.book.handlers import stock
from beancount_orders.book.handlers import void
from beancount_orders.book.postings import is_generated
from beancount_orders.book.registry import DIRECTIVE_TYPES
from beancount_orders.book.registry import PHASE_COUNT
from beancount_orders.book.registry import REGISTRY
from beancount_orders.book.registry import STOCK_PHASE
from beancount_orders.book.state import Book
from beancount_orders.book.state import Invalid
from beancount_orders.book.state import State
from beancount_orders.book.state import kind_article

__all__ = ["DIRECTIVE_TYPES", "Book", "Engine", "build_book", "paused_gc"]

# Custom types of ours that the pass does not sort, and other tools' types that
# look like ours.
OTHER_TYPES = frozenset({"period-lock", "fava-option", "fava-extension", "budget"})
# Directives of the SPEC that this version does not apply yet: each is reported,
# never dropped in silence. (None today: every directive of the SPEC applies.)
NOT_YET: frozenset[str] = frozenset[str]() - frozenset(REGISTRY)
KNOWN_TYPES = sorted([*REGISTRY, "period-lock"])
# Directives whose first value names what they declare or place: the first date
# each is written, to tell "unknown" from "not yet".
WRITTEN = frozenset({"order", "customer", "supplier", "purchase-order"})

Event = data.Custom | data.Transaction


class Engine(State):
    """Applies order directives, one at a time and each through its registry
    handler, to a :class:`Book`."""

    def run(self, entries: Iterable[data.Directive]) -> Book:
        """One pass: file the events by day and phase, apply them, then report
        what is left over and open the accounts posted to."""
        days = self.file_events(entries)
        today = self.today
        for date in sorted(days):
            for bucket in days[date]:
                for entry in bucket:
                    if self.expiries and self.expiries[0][0] <= date:
                        loyalty.expire_through(self, min(date, today))
                    if isinstance(entry, data.Transaction):
                        stock.on_stock_transaction(self, entry)
                    else:
                        self.apply(entry)
        loyalty.expire_through(self, today)
        loyalty.price_points(self)
        self.report_orphan_lines()
        self.open_accounts()
        self.book.errors.sort(
            key=lambda error: (error.source["filename"], error.source["lineno"])
        )
        return self.book

    def file_events(
        self, entries: Iterable[data.Directive]
    ) -> dict[datetime.date, list[list[Event]]]:
        """The events of each day, by phase, each phase in the ledger's order;
        master data (opens, commodities) and credit lines are taken in on the way."""
        days: dict[datetime.date, list[list[Event]]] = {}
        inventory = self.inventory_re.match
        for entry in entries:
            phase = None
            if isinstance(entry, data.Custom):
                if entry.type == "credit-line":  # applied with its credit order
                    self.collect_credit_line(entry)
                elif entry.type in REGISTRY:
                    phase = REGISTRY[entry.type].phase
                    if entry.type in WRITTEN and entry.values:
                        key = (entry.type, entry.values[0].value)
                        if key not in self.written or entry.date < self.written[key]:
                            self.written[key] = entry.date
                    elif entry.type in void.VOIDABLE:
                        void.note(self, entry)
                elif entry.type == "period-lock":
                    self.book.locks.append(entry)
                elif entry.type not in OTHER_TYPES:
                    self.misspelt(entry)
            elif isinstance(entry, data.Transaction):
                if not is_generated(entry) and any(
                    posting.cost is not None and inventory(posting.account)
                    for posting in entry.postings
                ):
                    phase = STOCK_PHASE
            elif isinstance(entry, data.Open):
                self.on_open(entry)
            elif isinstance(entry, data.Commodity):
                self.items[entry.currency] = entry.meta
            elif isinstance(entry, data.Price):
                fx.note_price(self, entry)
            if phase is not None:
                day = days.get(entry.date)
                if day is None:
                    day = days[entry.date] = [[] for _ in range(PHASE_COUNT)]
                day[phase].append(entry)  # type: ignore[arg-type]
        return days

    def on_open(self, entry: data.Open) -> None:
        """An account the ledger opens: its booking method and valuation."""
        self.opened.add(entry.account)
        if entry.booking is not None:
            self.booking[entry.account] = entry.booking
        valuation = entry.meta.get("valuation")
        if valuation is None:
            return
        if valuation != "average":
            self.error(
                entry,
                f'{entry.account}: valuation must be "average" (moving-average cost) '
                "or absent (the account's booking method), "
                f"got {directives.show(valuation)}",
            )
        else:
            self.average.add(entry.account)

    def collect_credit_line(self, entry: data.Custom) -> None:
        """Keep a credit line for its credit order (a bad one stops that order)."""
        spec = REGISTRY["credit-line"]
        directive, problem = directives.parse(entry, spec)
        problems = [problem] if directive is None and problem else []
        if directive is not None:
            problems = directives.check_meta(entry.meta, spec)[0]
        if problems or directive is None:
            for each in problems or ["invalid directive"]:
                self.error(entry, each)
            first = entry.values[0].value if entry.values else None
            if isinstance(first, str):  # its credit order must not post without it
                self.broken_lines[first] = self.broken_lines.get(first, 0) + 1
            return
        self.credit_lines.setdefault(directive.args.co, []).append(directive)

    def report_orphan_lines(self) -> None:
        """Credit lines whose credit order never came."""
        for lines in self.credit_lines.values():
            for line in lines:
                co = line.args.co
                kind = self.book.documents.get(co)
                problem = (
                    f'Credit line for unknown credit order "{co}"'
                    if kind is None
                    else f'Credit line for "{co}", which is {kind_article(kind)}, '
                    "not a credit order"
                )
                self.error(line.entry, problem)

    def misspelt(self, entry: data.Custom) -> None:
        """Report a custom type that is almost one of ours: a typo drops a directive.
        One of the SPEC's that this version does not apply yet is reported too."""
        if entry.type in NOT_YET:
            self.error(
                entry,
                f'Directive "{entry.type}" is not supported by this version of '
                "beancount-orders: it was not applied",
            )
            return
        close = difflib.get_close_matches(entry.type, KNOWN_TYPES, n=1, cutoff=0.8)
        if close:
            self.error(
                entry,
                f'Unknown directive "{entry.type}": did you mean "{close[0]}"? '
                "It was not applied",
            )

    def apply(self, entry: data.Custom) -> None:
        """Apply one directive through its handler, or report why it cannot apply."""
        spec = REGISTRY[entry.type]
        self.date = entry.date
        directive, problem = directives.parse(entry, spec)
        if directive is None:
            self.error(entry, problem or "invalid directive")
            return
        problems, free = directives.check_meta(entry.meta, spec)
        if problems:
            for problem in problems:
                self.error(entry, problem)
            return
        if spec.handler is None:  # pragma: no cover - only credit lines, filed apart
            return
        self.free_meta = free
        start = len(self.book.transactions)
        try:
            spec.handler(self, directive)
            if entry.type in void.VOIDABLE:
                void.record(self, directive, start)
        except Invalid as exc:
            self.error(entry, str(exc))
        except Exception as exc:  # a bug must not stop the other directives
            self.error(
                entry,
                f'Internal error in beancount-orders while applying this "{entry.type}" '
                f"directive (please report it): {type(exc).__name__}: {exc}",
            )
        finally:
            self.free_meta = directives.NO_META


def build_book(
    entries: Iterable[data.Directive],
    config: Config,
    default_booking: data.Booking = data.Booking.STRICT,
    operating_currency: str | None = None,
) -> Book:
    """Run the engine over a ledger's entries.

    The cyclic garbage collector is paused meanwhile: the engine allocates many
    small objects that all live as long as the book, and collections triggered
    by them over the whole ledger's heap would double the run time.
    """
    with paused_gc():
        engine = Engine(config, default_booking)
        engine.book.fx.opc = operating_currency
        return engine.run(entries)


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector (reference counting still frees memory).

    On the way out every object tracked so far (the ledger's entries and the
    book, which live as long as the loaded ledger) is frozen: the collections
    that Beancount's own steps after the plugin trigger (pad, balance checks,
    validation) then never scan them, which on large books costs as much as
    those steps themselves. The next run thaws them first (``unfreeze``: back in
    the oldest generation, collectable again), so a long-running process that
    loads the books again (Fava) keeps at most one load frozen.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    gc.unfreeze()  # the previous load's objects: collectable again
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.enable()
