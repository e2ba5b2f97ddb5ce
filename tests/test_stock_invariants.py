"""Stock invariants over large generated ledgers.

A seeded generator writes a ledger with hundreds of receipts (``stock-in`` and
ordinary Beancount purchases), orders, dispatches (some of them more than is on
hand), resaleable and damaged returns and transfers, over three locations with
different booking methods, one of them valued at moving-average cost. While it
writes, it keeps its own simple model of the units at each location and of the
dispatched units each return may bring back, so it knows which directives must
be errors (only short dispatches) and how many units must be where.

The model follows SPEC Revision 2 ("Short dispatches"): a dispatch line that
runs short takes what is on hand and owes the rest to stock; the next receipt
or transfer in of the item at that location first pays what is owed there,
oldest dispatch first, with the units that arrived; a resaleable return brings
back only units that took a lot, a damaged one then units still owed (which
are then no longer owed).

Loaded with the plugin, the books must then satisfy, for every item:

* units in stock (the engine's holdings and the ledger's inventory balances) plus
  units dispatched out of stock (at once or costed later) and not restocked
  equal the units received;
* cost value in stock plus the item's COGS (the COGS postings carrying its
  ``item`` metadata) equals the cost of the receipts to within the rounding of
  those COGS postings: each is rounded half-up to the cent, so the two differ
  by at most half a cent per COGS posting of the item (lot costs keep their
  places);
* no lot ever goes negative, replaying the postings in the ledger's order;
* every generated transaction balances within Beancount's tolerance, per
  currency, and exactly unless it has a money posting rounded against lot
  costs (COGS or a receipt's payable), each of which leaves at most half a cent.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import random
import re
from collections import Counter
from collections import defaultdict
from decimal import ROUND_HALF_UP
from decimal import Decimal

import pytest
from beancount.core import data
from beancount.core import interpolate
from beancount.core import realization
from beancount.core.position import Cost

from beancount_orders.book.model import DispatchLine
from beancount_orders.book.postings import is_generated
from tests.helpers import Loaded
from tests.helpers import load

ZERO = Decimal(0)
ITEMS = ("WIDGET", "GADGET", "GIZMO")
# Location -> its open directive's options: booking method and valuation.
LOCATIONS = {"Main": "FIFO", "Shop": "LIFO", "Depot": "HIFO"}
AVERAGE = "Depot"
INVENTORY = re.compile(r"^Assets:Inventory:(?P<location>[^:]+)$")
SHORT = re.compile(
    r'^Dispatch for order "SO-\d+": not enough (?P<item>[A-Z]+) at location '
    r"(?P<location>\w+) \(Assets:Inventory:(?P=location)\): (?P<needed>\d+) needed, "
    r"(?P<on_hand>\d+) on hand; (?P<owed>\d+) are owed to stock, costed from its next "
    r"receipt there$"
)
COSTING = re.compile(
    r"^Cost of (?P<units>\d+) (?P<item>[A-Z]+) dispatched short on "
    r"(?P<date>\d{4}-\d\d-\d\d) for order (?P<order>SO-\d+)$"
)
HALF_A_CENT = Decimal("0.005")
DAYS = 150


@dataclasses.dataclass
class Chunk:
    """One dispatch line: what a return may still bring back, and what it owes."""

    order: str
    item: str
    location: str
    qty: int
    lots: int  # units that took a lot (at once or costed later), not yet back
    owed: int  # units still owed to stock: not costed, not returned


@dataclasses.dataclass
class Model:
    """What the generator knows the books must show."""

    lines: list[str] = dataclasses.field(default_factory=list)
    units: Counter[tuple[str, str]] = dataclasses.field(default_factory=Counter)
    received_units: Counter[str] = dataclasses.field(default_factory=Counter)
    received_cost: dict[str, Decimal] = dataclasses.field(
        default_factory=lambda: defaultdict(Decimal)
    )
    # (item, location, needed, on hand, owed) of each short dispatch line
    shorts: list[tuple[str, str, int, int, int]] = dataclasses.field(default_factory=list)
    counts: Counter[str] = dataclasses.field(default_factory=Counter)
    # Every dispatch line, in the order the engine applies them.
    sent: list[Chunk] = dataclasses.field(default_factory=list)
    # The lines owing units to stock at each (location, item), oldest first.
    owing: dict[tuple[str, str], list[Chunk]] = dataclasses.field(
        default_factory=lambda: defaultdict(list)
    )
    paid: Counter[str] = dataclasses.field(default_factory=Counter)  # units costed later

    def arrive(self, location: str, item: str, qty: int) -> None:
        """Units come in (a receipt or a transfer in): they pay what is owed there
        first, oldest dispatch first; the rest is on hand."""
        self.units[location, item] += qty
        queue = self.owing[location, item]
        while queue and qty:
            chunk = queue[0]
            paid = min(chunk.owed, qty)
            chunk.owed -= paid
            chunk.lots += paid
            qty -= paid
            self.units[location, item] -= paid
            self.paid[item] += paid
            if not chunk.owed:
                queue.pop(0)


def generate(seed: int) -> Model:
    """A ledger written in the order the engine applies a day's directives."""
    rng = random.Random(seed)
    model = Model()
    out = model.lines.append
    out('plugin "beancount_orders.orders"')
    out("2024-01-01 open Assets:Bank")
    for location, method in LOCATIONS.items():
        out(f'2024-01-01 open Assets:Inventory:{location} "{method}"')
        if location == AVERAGE:
            out('  valuation: "average"')
    for number in range(1, 4):
        out(f'2024-01-01 custom "customer" "c{number}" "Customer {number}"')
    # order id -> location, and per item: ordered and dispatched units
    orders: dict[str, tuple[str, dict[str, int], Counter[str]]] = {}
    chunks: dict[tuple[str, str], list[Chunk]] = defaultdict(list)  # by order, item
    n_po = n_order = n_return = 0
    for day_number in range(DAYS):
        day = datetime.date(2024, 1, 2) + datetime.timedelta(days=day_number)

        # Orders and their lines; a commit of everything on some of them.
        for _ in range(rng.choice((0, 1, 1, 2))):
            n_order += 1
            order = f"SO-{n_order}"
            location = rng.choice(list(LOCATIONS))
            out(f'{day} custom "order" "{order}" "c{rng.randint(1, 3)}"')
            if location != "Main" or rng.random() < 0.5:
                out(f'  location: "{location}"')
            ordered = {
                item: rng.randint(1, 8)
                for item in rng.sample(ITEMS, rng.randint(1, len(ITEMS)))
            }
            for item, qty in ordered.items():
                out(f'{day} custom "line" "{order}" "{item}" {qty} 25.00 GBP')
            orders[order] = (location, ordered, Counter())
            if rng.random() < 0.3:
                out(f'{day} custom "commit" "{order}"')
                model.counts["commit"] += 1

        # Receipts: stock-in directives and ordinary purchases.
        for _ in range(rng.choice((1, 2, 2, 3))):
            item, location = rng.choice(ITEMS), rng.choice(list(LOCATIONS))
            qty = rng.randint(1, 12)
            cost = Decimal(rng.randint(100, 2000)) / 100
            model.arrive(location, item, qty)
            model.received_units[item] += qty
            model.received_cost[item] += qty * cost
            if rng.random() < 0.2:
                out(f'{day} * "Wholesaler" "Cash purchase"')
                out(f"  Assets:Inventory:{location}  {qty} {item} {{{cost} GBP}}")
                out("  Assets:Bank")
                model.counts["purchase"] += 1
                continue
            n_po += 1
            out(f'{day} custom "stock-in" "PO-{n_po}" "{item}" {qty} {cost} GBP')
            out(f'  supplier: "supplier-{rng.randint(1, 2)}"')
            if location != "Main" or rng.random() < 0.5:
                out(f'  location: "{location}"')
            if rng.random() < 0.3:
                out(f'  batch: "B{rng.randint(1, 5)}"')
            model.counts["stock-in"] += 1

        # Transfers of what is on hand.
        if rng.random() < 0.4:
            held = sorted(key for key, units in model.units.items() if units > 0)
            if held:
                source, item = rng.choice(held)
                target = rng.choice([loc for loc in LOCATIONS if loc != source])
                qty = rng.randint(1, model.units[source, item])
                model.units[source, item] -= qty
                model.arrive(target, item, qty)
                out(f'{day} custom "transfer" "{item}" {qty} "{source}" "{target}"')
                model.counts["transfer"] += 1

        # Dispatches: everything left, or (ITEM QTY) pairs; at times from another
        # location than the order's.
        open_orders = [
            order
            for order, (_, ordered, sent) in orders.items()
            if any(sent[item] < qty for item, qty in ordered.items())
        ]
        for order in rng.sample(open_orders, min(len(open_orders), rng.randint(0, 3))):
            location, ordered, sent = orders[order]
            left = {item: qty - sent[item] for item, qty in ordered.items()}
            left = {item: qty for item, qty in left.items() if qty > 0}
            if rng.random() < 0.5:
                wanted = left
                pairs = ""
            else:
                chosen = rng.sample(sorted(left), rng.randint(1, len(left)))
                wanted = {item: rng.randint(1, left[item]) for item in chosen}
                pairs = "".join(f' "{item}" {qty}' for item, qty in wanted.items())
            out(f'{day} custom "dispatch" "{order}"{pairs}')
            where = location
            if rng.random() < 0.15:
                where = rng.choice(list(LOCATIONS))
                out(f'  location: "{where}"')
            for item, qty in wanted.items():
                sent[item] += qty
                # What is on hand leaves at once; the rest is owed to stock.
                on_hand = model.units[where, item]
                taken = min(qty, on_hand)
                model.units[where, item] -= taken
                chunk = Chunk(order, item, where, qty, taken, qty - taken)
                if chunk.owed:
                    model.shorts.append((item, where, qty, on_hand, chunk.owed))
                    model.owing[where, item].append(chunk)
                chunks[order, item].append(chunk)
                model.sent.append(chunk)
            model.counts["dispatch"] += 1

        # Returns: resaleable (the dispatch's own lots back into stock) or damaged
        # (units that took a lot first, then units still owed, line by line).
        returnable = [
            key for key, parts in chunks.items() if any(c.lots + c.owed for c in parts)
        ]
        for order, item in rng.sample(returnable, min(len(returnable), rng.randint(0, 2))):
            parts = chunks[order, item]
            damaged = rng.random() < 0.3
            usable = sum(c.lots + (c.owed if damaged else 0) for c in parts)
            if not usable:
                continue
            qty = rng.randint(1, usable)
            n_return += 1
            out(f'{day} custom "return" "R-{n_return}" "{order}" "{item}" {qty}')
            into = None
            if damaged:
                out('  condition: "damaged"')
            elif rng.random() < 0.2:
                into = rng.choice(list(LOCATIONS))
                out(f'  location: "{into}"')
            for chunk in parts:
                take = min(qty, chunk.lots)
                chunk.lots -= take
                qty -= take
                if not damaged:
                    model.units[into or chunk.location, item] += take
                elif qty:  # owed units that come back are no longer owed
                    back = min(qty, chunk.owed)
                    chunk.owed -= back
                    qty -= back
            assert qty == 0
            model.counts["damaged" if damaged else "resaleable"] += 1
    return model


def weight(posting: data.Posting) -> tuple[str, Decimal]:
    assert posting.units is not None and posting.units.number is not None
    if posting.cost is not None:
        assert isinstance(posting.cost, Cost)
        return posting.cost.currency, posting.units.number * posting.cost.number
    return posting.units.currency, posting.units.number


def inventory_positions(entries: list[data.Directive]) -> dict[str, dict[str, Decimal]]:
    """Per item: units and cost value in the ledger's inventory accounts."""
    root = realization.realize(entries)
    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for real_account in realization.iter_children(root):
        if not INVENTORY.match(real_account.account):
            continue
        for position in real_account.balance:
            item = position.units.currency
            totals[item]["units"] += position.units.number
            assert position.cost is not None, real_account.account
            totals[item]["value"] += position.units.number * position.cost.number
    return totals


@functools.cache
def generated_ledger(seed: int) -> tuple[Model, Loaded]:
    model = generate(seed)
    return model, load("\n".join(model.lines) + "\n")


@pytest.fixture(params=[1, 2, 3], ids=lambda seed: f"seed{seed}")
def generated(request: pytest.FixtureRequest) -> tuple[Model, Loaded]:
    """The model and the loaded ledger of one seed (generated and loaded once)."""
    return generated_ledger(request.param)


def test_the_generated_ledger_is_not_trivial(generated):
    model, loaded = generated
    counts = model.counts
    assert counts["stock-in"] >= 150
    assert counts["purchase"] >= 30
    assert counts["dispatch"] >= 150
    assert counts["transfer"] >= 40
    assert counts["resaleable"] >= 40
    assert counts["damaged"] >= 15
    assert len(model.shorts) >= 5
    # Owed units were costed from later receipts and transfers in.
    assert sum(model.paid.values()) >= 5
    # Some dispatches were costed from each location, and the average account
    # re-lotted many times.
    relots = [t for t in loaded.transactions if t.narration.startswith("Average cost")]
    assert len(relots) >= 20
    accounts = {
        line.account for dispatch in loaded.book.dispatches for line in dispatch.lines
    }
    assert accounts == {f"Assets:Inventory:{location}" for location in LOCATIONS}


def test_only_short_dispatches_are_errors_and_they_owe_the_rest(generated):
    model, loaded = generated
    expected = [
        f"{item} {location} {needed} {on_hand} {owed}"
        for item, location, needed, on_hand, owed in model.shorts
    ]
    found = []
    for _, message in loaded.messages:
        match = SHORT.match(message)
        assert match, message
        found.append(" ".join(match.group("item", "location", "needed", "on_hand", "owed")))
    assert found == expected
    # The lines still owing at the end are the uncosted ones, with what they owe.
    uncosted = [
        (dispatch.order, line.item, line.location, line.qty, line.owed)
        for dispatch, line in loaded.book.uncosted
    ]
    assert uncosted == [
        (c.order, c.item, c.location, Decimal(c.qty), Decimal(c.owed))
        for c in model.sent
        if c.owed
    ]
    # Each unit of a dispatch line took a lot, is still owed, or came back owed.
    for dispatch in loaded.book.dispatches:
        for line in dispatch.lines:
            took = sum((units for _, units in line.lots), ZERO)
            assert took + line.owed + _returned_owed(line) == line.qty


def _returned_owed(line: DispatchLine) -> Decimal:
    """Units of a dispatch line that came back while still owed (never took a lot)."""
    return line.returned - sum(line.lot_returned.values(), ZERO)


def test_owed_units_are_costed_from_the_receipts_that_pay_them(generated):
    model, loaded = generated
    costed: Counter[str] = Counter()
    dispatch_dates = {(d.order, str(d.date)) for d in loaded.book.dispatches}
    for txn in loaded.transactions:
        match = COSTING.match(txn.narration)
        if match is None:
            continue
        costed[match.group("item")] += int(match.group("units"))
        # Linked to the order, dated on the receipt, after the short dispatch.
        assert txn.links == {match.group("order")}
        assert txn.meta["order"] == match.group("order")
        assert (match.group("order"), match.group("date")) in dispatch_dates
        assert str(txn.date) >= match.group("date")
        inventory, cogs = txn.postings
        assert INVENTORY.match(inventory.account) and cogs.account == "Expenses:COGS"
        assert inventory.units.number == -int(match.group("units"))
        assert cogs.units.number == round_cent(-weight(inventory)[1])
    assert costed == model.paid


def round_cent(number: Decimal) -> Decimal:
    return number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_every_generated_transaction_balances_within_tolerance(generated):
    """Beancount's own check, and: exactly, unless the transaction has money
    postings rounded against lot costs (COGS, a receipt's payable), each of which
    leaves at most half a cent."""
    _, loaded = generated
    assert len(loaded.transactions) > 500
    inexact = 0
    for txn in loaded.transactions:
        residual = interpolate.compute_residual(txn.postings)
        tolerances = interpolate.infer_tolerances(txn.postings, loaded.options)
        assert residual.is_small(tolerances), (txn.date, txn.narration, residual)
        rounded = sum(
            posting.account == "Expenses:COGS"
            or posting.account.startswith("Liabilities:Payable:")
            for posting in txn.postings
        )
        for position in residual:
            assert abs(position.units.number) <= HALF_A_CENT * rounded, (
                txn.date,
                txn.narration,
                residual,
            )
            inexact += position.units.number != 0
    assert inexact  # average costs of six places do leave roundings


def test_no_lot_ever_goes_negative(generated):
    _, loaded = generated
    held: dict[tuple[str, str, Cost], Decimal] = defaultdict(Decimal)
    checked = 0
    for entry in loaded.entries:
        if not isinstance(entry, data.Transaction):
            continue
        touched = []
        for posting in entry.postings:
            if posting.cost is None or not INVENTORY.match(posting.account):
                continue
            assert isinstance(posting.cost, Cost) and posting.units.number is not None
            key = (posting.account, posting.units.currency, posting.cost)
            held[key] += posting.units.number
            touched.append(key)
        for key in touched:
            assert held[key] >= 0, (entry.date, entry.narration, key, held[key])
        checked += bool(touched) and is_generated(entry)
    assert checked > 500
    # The engine's own lots: all positive, and the same as the replay's.
    book_lots = {
        (holding.account, holding.item, cost): units
        for holding in loaded.book.stock
        for cost, units in holding.lots.items()
    }
    assert all(units > 0 for units in book_lots.values())
    assert book_lots == {key: units for key, units in held.items() if units}


def test_units_and_cost_are_conserved_per_item(generated):
    model, loaded = generated
    book = loaded.book
    ledger_stock = inventory_positions(loaded.entries)
    cogs: dict[str, Decimal] = defaultdict(Decimal)
    postings: Counter[str] = Counter()  # the COGS postings of each item
    cogs_total = ZERO
    for txn in loaded.transactions:
        for posting in txn.postings:
            if posting.account == "Expenses:COGS":
                assert posting.units.number == round_cent(posting.units.number)
                cogs[posting.meta["item"]] += posting.units.number
                postings[posting.meta["item"]] += 1
                cogs_total += posting.units.number
    assert loaded.balances()["Expenses:COGS"] == f"{cogs_total} GBP"
    for item in ITEMS:
        holdings = [h for h in book.stock if h.item == item]
        units = sum((h.units for h in holdings), ZERO)
        value = sum((h.value for h in holdings), ZERO)
        # Units that left stock: those a dispatch took at once, or costed later.
        dispatched = sum(
            (
                lot_units
                for dispatch in book.dispatches
                for line in dispatch.lines
                if line.item == item
                for _, lot_units in line.lots
            ),
            ZERO,
        )
        restocked = sum(
            (u for r in book.returns.values() if r.item == item for _, _, u in r.lots),
            ZERO,
        )
        # Units: the book, the ledger and the generator's model agree ...
        assert units == ledger_stock[item]["units"]
        assert units == sum(n for (_, i), n in model.units.items() if i == item)
        for location in LOCATIONS:
            holding = book.stock.get(f"Assets:Inventory:{location}", item)
            assert (holding.units if holding else 0) == model.units[location, item]
        # ... and what is not in stock went out (and did not come back).
        assert units + dispatched - restocked == model.received_units[item]
        # Cost: value in stock plus COGS is what the receipts cost, to within the
        # rounding of each COGS posting (a transaction's running total rounded
        # less what came before: at most a cent, docs/invariants.md).
        assert value == ledger_stock[item]["value"]
        bound = 2 * HALF_A_CENT * postings[item]
        assert abs(value + cogs[item] - model.received_cost[item]) <= bound, item
    # The stock report's totals are the holdings.
    totals = {
        (p.account, p.item): p.on_hand for p in book.stock_positions() if p.batch is None
    }
    held = {(h.account, h.item): h.units for h in book.stock if h.lots}
    assert set(held) <= set(totals)
    assert all(totals[key] == held.get(key, ZERO) for key in totals)
