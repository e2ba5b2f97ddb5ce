"""Re-valuing a purchase order's goods: a bill's price difference or a landed
cost, spread over the units the PO received (SPEC, Purchasing).

The share on units still in stock raises (or lowers) their lots' cost: each
lot is posted out at its old cost and back in at the new one, with the same
date and label, wherever it was transferred. The share on units no longer in
stock (dispatched, written off) goes to COGS. Under moving-average valuation
the share on hand is added to the item's average instead (the whole holding
is re-lotted at its new average).

Which units are the PO's: the lots its receipts made, found by item, date and
label in every inventory account the item is held in (a transfer or a return
keeps them). In an average-valued account the lots lose their labels at the
first re-lot, so there the PO's units on hand are the units its receipts put
into that account, capped by what the account holds.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from beancount.core.position import Cost

from beancount_orders.book import rules
from beancount_orders.book.model import ZERO
from beancount_orders.book.postings import TxnBuilder
from beancount_orders.book.purchasing import PurchaseOrder
from beancount_orders.book.state import State
from beancount_orders.book.stock import Holding


@dataclasses.dataclass(frozen=True, slots=True)
class Split:
    """How an amount was spread over a PO's units of one item."""

    item: str
    amount: Decimal
    received: Decimal  # units of the item the PO received
    on_hand: Decimal  # of them still in stock
    stock: Decimal  # the money put onto the lots (or the average)
    cogs: Decimal  # the money sent to COGS

    def describe(self, currency: str) -> str:
        """``WIDGET 12.00 GBP: 8.00 on 4 in stock, 4.00 to COGS (received 6)``."""
        return (
            f"{self.item} {self.amount} {currency}: {self.stock} on "
            f"{_units(self.on_hand)} in stock, {self.cogs} to COGS "
            f"(received {_units(self.received)})"
        )


def _units(number: Decimal) -> str:
    return f"{number.normalize():f}" if number == number.to_integral() else f"{number:f}"


def _lots_on_hand(
    e: State, po: PurchaseOrder, item: str
) -> tuple[Decimal, list[tuple[Holding, list[Cost]]], list[tuple[Holding, Decimal]]]:
    """The PO's units of ``item`` received and still in stock: its lots by
    holding (lot-valued accounts), and its units in average-valued accounts."""
    purchasing = e.book.purchasing
    identities: set[tuple[object, str | None]] = set()
    into_average: dict[str, Decimal] = {}
    received = ZERO
    for receipt_id in po.receipts:
        receipt = purchasing.receipts[receipt_id]
        if receipt.voided is not None:
            continue
        for line in receipt.lines:
            if line.item != item:
                continue
            received += line.qty
            identities.add((line.cost.date, line.cost.label))
            if line.account in e.average:
                into_average[line.account] = into_average.get(line.account, ZERO) + line.qty
    lots: list[tuple[Holding, list[Cost]]] = []
    averaged: list[tuple[Holding, Decimal]] = []
    for holding in e.book.stock.of_item(item):
        if holding.account in e.average:
            units = min(into_average.get(holding.account, ZERO), holding.units)
            if units > 0:
                averaged.append((holding, units))
            continue
        costs = [cost for cost in holding.lots if (cost.date, cost.label) in identities]
        if costs:
            lots.append((holding, costs))
    return received, lots, averaged


def spread(
    e: State,
    po: PurchaseOrder,
    item: str,
    amount: Decimal,
    currency: str,
    txn: TxnBuilder,
) -> Split:
    """Spread ``amount`` (money) over the PO's received units of ``item`` onto
    ``txn``: re-lot postings for the share on hand, COGS for the rest (and the
    rounding of the new lot costs). Changes the holdings."""
    received, lots, averaged = _lots_on_hand(e, po, item)
    on_hand = sum(
        (holding.lots[cost] for holding, costs in lots for cost in costs), ZERO
    ) + sum((units for _, units in averaged), ZERO)
    on_hand = min(on_hand, received)
    quantum = e.quantum
    if received <= 0 or on_hand <= 0:
        stock_share = ZERO
    elif on_hand == received:
        stock_share = amount
    else:
        stock_share = rules.round_money(amount * on_hand / received, quantum)
    cost_quantum = rules.cost_quantum(e.config.precision)
    # Each lot (or average holding) gets its part of the share by units; what
    # the lots' new costs do not carry (their rounding) goes to COGS with the
    # share of the units gone.
    groups: list[tuple[Holding, Cost | None, Decimal]] = [
        (holding, cost, holding.lots[cost]) for holding, costs in lots for cost in costs
    ] + [(holding, None, units) for holding, units in averaged]
    total_units = sum((units for _, _, units in groups), ZERO)
    carried = ZERO
    left = stock_share
    for index, (holding, cost, units) in enumerate(groups):
        if stock_share == 0:
            break
        part = (
            left
            if index == len(groups) - 1
            else rules.round_money(stock_share * units / total_units, quantum)
        )
        left -= part
        if cost is not None:
            carried += _relot_one(holding, cost, part, cost_quantum, txn)
        else:
            carried += _reaverage(e, holding, part, cost_quantum, txn)
    cogs = amount - carried
    location = e.location_of(groups[0][0].account) if groups else None
    cogs_account = rules.cogs_account(
        e.config, location or po.location or e.config.location
    )
    # Nothing to COGS when the lots carry it all exactly (a sub-cent residue is
    # posted, 0.00 included: it gives the transaction its tolerance).
    posted = (
        txn.post_money(cogs_account, cogs, currency, quantum, item=item)
        if cogs
        else ZERO.quantize(quantum)
    )
    return Split(item, amount, received, on_hand, amount - posted, posted)


def tidy(number: Decimal, places: int = 2) -> Decimal:
    """A lot cost without trailing zeros beyond money's places: ``5.500000`` is
    written ``5.50``, ``5.123400`` ``5.1234``."""
    normal = number.normalize()
    exponent = normal.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -places:
        return number.quantize(Decimal(1).scaleb(-places))
    return normal


def _relot_one(
    holding: Holding, cost: Cost, part: Decimal, quantum: Decimal, txn: TxnBuilder
) -> Decimal:
    """Move one lot to its new cost (same date and label); the value it gained."""
    units = holding.lots[cost]
    step = (part / units).quantize(quantum)
    if not step:
        return ZERO
    places = -int(quantum.as_tuple().exponent) - 4  # money's (cost_quantum)
    new_cost = Cost(tidy(cost.number + step, places), cost.currency, cost.date, cost.label)
    holding.revalue(cost, new_cost)
    txn.post(holding.account, -units, holding.item, cost)
    txn.post(holding.account, units, holding.item, new_cost)
    return units * step


def _reaverage(
    e: State, holding: Holding, part: Decimal, quantum: Decimal, txn: TxnBuilder
) -> Decimal:
    """Add ``part`` to an average-valued holding: all of it re-lotted at the new
    average, dated today; the value it gained."""
    value, units = holding.value, holding.units
    currencies = {cost.currency for cost in holding.lots}
    if len(currencies) != 1 or units <= 0:
        return ZERO
    average = ((value + part) / units).quantize(quantum)
    new_cost = Cost(average, currencies.pop(), txn.date, None)
    old = holding.replace_all(new_cost)
    for cost, lot_units in old:
        txn.post(holding.account, -lot_units, holding.item, cost)
    txn.post(holding.account, units, holding.item, new_cost)
    return units * average - value
