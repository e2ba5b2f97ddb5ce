"""Stock: ``stock-in``, ``dispatch``, ``transfer`` and ``return``, stock moves
written as ordinary transactions, and moving-average re-lotting.

Lots are relieved by the inventory account's booking method (see
:mod:`beancount_orders.book.stock`); returns put back the very lots a dispatch
took.
"""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal
from typing import NamedTuple

from beancount.core import data
from beancount.core.position import Cost

from beancount_orders.book import directives
from beancount_orders.book import rules
from beancount_orders.book.directives import Directive
from beancount_orders.book.directives import DispatchArgs
from beancount_orders.book.directives import Items
from beancount_orders.book.directives import ReturnArgs
from beancount_orders.book.directives import StockInArgs
from beancount_orders.book.directives import TransferArgs
from beancount_orders.book.handlers import bill_payments
from beancount_orders.book.handlers import orders
from beancount_orders.book.model import ZERO
from beancount_orders.book.model import Dispatch
from beancount_orders.book.model import DispatchLine
from beancount_orders.book.model import Lot
from beancount_orders.book.model import Order
from beancount_orders.book.model import OrderLine
from beancount_orders.book.model import PlacedLot
from beancount_orders.book.model import Receipt
from beancount_orders.book.model import Return
from beancount_orders.book.model import Shortfall
from beancount_orders.book.model import Transfer
from beancount_orders.book.postings import TxnBuilder
from beancount_orders.book.state import Invalid
from beancount_orders.book.state import State
from beancount_orders.book.state import check_product
from beancount_orders.book.state import fmt
from beancount_orders.book.state import number
from beancount_orders.book.stock import Ambiguous
from beancount_orders.book.stock import Holding
from beancount_orders.book.stock import Short
from beancount_orders.book.stock import lot_name


class ReturnEntry(NamedTuple):
    """Units of one dispatch line coming back: from its ``lot`` (index) at ``cost``,
    or (``lot`` and ``cost`` None) from units it dispatched uncosted."""

    line: DispatchLine
    lot: int | None
    cost: Cost | None
    units: Decimal


@dataclasses.dataclass(frozen=True, slots=True)
class ReturnPlan:
    """Which dispatched units of an item come back, and where to (None: where
    each went out from)."""

    item: str
    location: str | None
    entries: list[ReturnEntry]

    @property
    def uncosted(self) -> bool:
        return any(entry.cost is None for entry in self.entries)


def on_stock_transaction(e: State, entry: data.Transaction) -> None:
    """A receipt (or write-off) written as an ordinary transaction."""
    for posting in entry.postings:
        cost = posting.cost
        if cost is None or not e.inventory_re.match(posting.account):
            continue
        if not isinstance(cost, Cost) or cost.number is None or posting.units is None:
            continue  # not booked: Beancount reports it
        item, units = posting.units.currency, number(posting.units)
        holding = e.holding(posting.account, item)
        if units > 0:
            holding.add(cost, units)
            if posting.account in e.average:
                relot(e, holding, entry.date, entry.meta, None)
            came = arrived(e, holding, [Lot(cost, units)])
            cost_owed(e, posting.account, item, came, entry.date, entry.meta)
        elif units < 0:
            try:
                holding.remove(cost, -units)
            except Short as short:
                e.error(
                    entry,
                    f"{posting.account} has {short.on_hand} {item} in lot "
                    f"{lot_name(cost)}, this transaction takes {-units}: the order "
                    "directives have already dispatched or moved them",
                )


def relot_restocked(
    e: State,
    restocked: list[PlacedLot],
    item: str,
    date: datetime.date,
    source: data.Meta,
    link: str | None,
    order: str | None = None,
) -> None:
    """Goods back into an average-valued account are averaged in, as receipts are."""
    for account in sorted({account for account, _, _ in restocked}):
        if account in e.average:
            relot(e, e.holding(account, item), date, source, link, order)


def relot(
    e: State,
    holding: Holding,
    date: datetime.date,
    source: data.Meta,
    link: str | None,
    order: str | None = None,
) -> None:
    """Moving-average cost: re-lot an item's stock at its new average cost.

    Posts the old lots out and one lot at the average in; the residue of the
    rounding of that cost goes to COGS. Linked to the document that brought the
    goods in, and to its order for goods that came back from one.
    """
    if len(holding.lots) < 2 or holding.units <= 0:
        return
    currencies = {cost.currency for cost in holding.lots}
    if len(currencies) > 1:
        return  # lots in several currencies cannot be averaged
    currency = currencies.pop()
    value = holding.value
    average = (value / holding.units).quantize(rules.cost_quantum(e.config.precision))
    units = holding.units
    new_cost = Cost(average, currency, date, None)
    location = e.location_of(holding.account)
    old = holding.replace_all(new_cost)
    txn = TxnBuilder(
        source,
        date,
        None,
        f"Average cost of {holding.item} at {location}: {units} at {average} {currency}",
        (link or "", order or ""),
        {"order": order, "item": holding.item, "location": location},
    )
    for cost, lot_units in old:
        txn.post(holding.account, -lot_units, holding.item, cost)
    txn.post(holding.account, units, holding.item, new_cost)
    residue = value - units * average
    if residue:  # rounded to money (0.00 too: it gives the transaction its tolerance)
        cogs = rules.cogs_account(e.config, location)
        txn.post_money(cogs, residue, currency, e.quantum, item=holding.item)
    e.emit(txn)


def on_stock_in(e: State, d: Directive[StockInArgs]) -> None:
    """Goods received without a purchase order, into a lot labelled by ``batch``
    (default: the receipt's id) at a location.

    Posts Dr inventory ``QTY ITEM {COST, date, "batch"}``, Cr the supplier's
    payable; an average-valued account is then re-lotted at the new average.
    """
    po, item, qty, unit_cost = (
        d.args.po,
        d.args.item,
        d.args.qty,
        d.args.cost,
    )
    what = f'Stock-in "{po}"'
    known = e.book.documents.get(po)
    if (known is not None and known != "purchase receipt") or po in (
        e.book.purchasing.receipts
    ):
        e.new_document(po, "purchase receipt")  # taken: says by what
    if unit_cost.number < 0:
        raise Invalid(f"{what}: cost must not be negative, got {unit_cost}")
    check_product(qty, unit_cost.number, what)
    supplier = e.meta_string(d.meta, "supplier", what)
    if supplier is None:
        raise Invalid(
            f'{what}: supplier metadata is required (e.g. supplier: "acme-supplies")'
        )
    if e.items.get(item, {}).get("stock", True) is False:
        raise Invalid(
            f"{what}: {item} is not a stock item (stock: FALSE on its commodity); "
            "it is never received into stock"
        )
    batch = e.meta_string(d.meta, "batch", what) or po
    if '"' in batch or "\\" in batch or "\n" in batch:
        raise Invalid(
            f"{what}: batch {directives.show(batch)} cannot be a lot label: it may not "
            'hold a double quote ("), a backslash or a line break'
        )
    location = e.meta_string(d.meta, "location", what) or e.config.location
    account = e.inventory_account(location)
    payable = bill_payments.payable_account(e, supplier)
    bill_payments.check_stock_in(e, po, supplier, unit_cost.currency, what)
    cost = Cost(unit_cost.number, unit_cost.currency, d.date, batch)
    e.register(po, "purchase receipt")
    e.book.receipts.append(
        Receipt(po, supplier, d.date, item, qty, cost, location, account, d.meta)
    )
    holding = e.holding(account, item)
    holding.add(cost, qty)
    declared = e.book.purchasing.suppliers.get(supplier)
    txn = TxnBuilder(
        d.meta,
        d.date,
        declared.name if declared is not None else supplier,
        f"Receipt {po}: {qty} {item} into {location}",
        (po,),
        {"po": po, "supplier": supplier, "item": item},
    )
    txn.post(account, qty, item, cost)
    payment = rules.round_money(qty * unit_cost.number, e.quantum)
    txn.post(payable, -payment, unit_cost.currency)
    e.emit(txn)
    bill_payments.stock_in_payable(
        e, po, supplier, d.date, payment, unit_cost.currency, d.meta
    )
    if account in e.average:
        relot(e, holding, d.date, d.meta, po)
    cost_owed(e, account, item, arrived(e, holding, [Lot(cost, qty)]), d.date, d.meta)


def check_stocked(
    e: State,
    order: Order,
    pairs: Items,
    what: str,
    verb: str,
) -> None:
    """Raise :class:`Invalid` when ``pairs`` name a non-stock item of the order."""
    if not order.services:
        return
    for item, _ in pairs:
        if any(line.item == item and not line.stocked for line in order.lines):
            raise Invalid(
                f"{what}: {item} is not a stock item (stock: FALSE on its commodity); "
                f"it is never {verb}"
            )


def on_dispatch(e: State, d: Directive[DispatchArgs]) -> None:
    """Goods leave for an order (all still undispatched, or the items named).

    Posts Cr inventory, the lots taken by the account's booking method (or
    ``batch``), Dr COGS at their cost. A line that runs short takes what is on
    hand, is reported, and owes the rest to stock: those units are costed from
    the next receipt of the item at the location (:func:`cost_owed`).
    """
    order = e.order(d.args.order)
    what = f'Dispatch for order "{order.id}"'
    batch = e.meta_string(d.meta, "batch", what)
    location = (
        e.meta_string(d.meta, "location", what) or order.location or e.config.location
    )
    account = e.inventory_account(location)
    check_stocked(e, order, d.args.items, what, "dispatched")
    chosen = orders.select(
        e,
        order,
        d.args.items,
        _undispatched_stock,
        "dispatch",
        lambda line: (
            f"{fmt(line.qty)} ordered, {fmt(line.cancelled)} cancelled, "
            f"{fmt(line.dispatched)} already dispatched"
        ),
    )
    taken = _take_lots(e, chosen, account, batch, what)
    customer = e.book.customers[order.customer]
    dispatch = Dispatch(order.id, customer.id, d.date, [], d.meta)
    txn = TxnBuilder(
        d.meta,
        d.date,
        customer.name,
        f"Dispatch for order {order.id}",
        order.links,
        {"order": order.id, "customer": customer.id},
    )
    cogs = rules.cogs_account(e.config, location)
    for take in taken:
        line = take.line
        line.dispatched += take.qty
        sent = DispatchLine(
            line.number, line.item, take.qty, location, account, take.lots, take.owed
        )
        dispatch.lines.append(sent)
        if take.owed:
            line.uncosted += take.owed
            e.owed.setdefault((account, line.item), []).append(
                Shortfall(order, dispatch, sent, line)
            )
        if take.lots:
            cost = _post_lots_out(e, txn, account, line.item, take.lots, cogs)
            line.cost += cost
    order.dispatches.append(dispatch)
    e.book.dispatches.append(dispatch)
    if txn.postings:
        e.emit(txn)
    for take in taken:
        if take.owed:
            where = f"location {location} ({account})"
            if batch:
                where += f', batch "{batch}"'
            e.error(
                d.entry,
                f"{what}: not enough {take.line.item} at {where}: {fmt(take.qty)} "
                f"needed, {fmt(take.qty - take.owed)} on hand; {fmt(take.owed)} are "
                "owed to stock, costed from its next receipt there",
            )


@dataclasses.dataclass(frozen=True, slots=True)
class Take:
    """What one order line's part of a dispatch took: lots, and units owed."""

    line: OrderLine
    qty: Decimal
    lots: list[Lot]
    owed: Decimal


def _take_lots(
    e: State,
    chosen: list[tuple[OrderLine, Decimal]],
    account: str,
    batch: str | None,
    what: str,
) -> list[Take]:
    """Take every line's lots first, so that a STRICT ambiguity changes nothing.

    A line that runs short takes all there is on hand, and owes the rest.
    """
    taken: list[Take] = []
    for line, qty in chosen:
        holding = e.holding(account, line.item)
        try:
            try:
                lots, owed = holding.take(qty, batch), ZERO
            except Short as short:
                lots = holding.take(short.on_hand, batch) if short.on_hand > 0 else []
                owed = qty - short.on_hand
        except Ambiguous as ambiguous:
            for done in taken:
                for lot in done.lots:
                    e.holding(account, done.line.item).add(lot.cost, lot.units)
            raise Invalid(f"{what}: {ambiguous.describe(account, line.item)}") from None
        taken.append(Take(line, qty, lots, owed))
    return taken


def _post_lots_out(
    e: State, txn: TxnBuilder, account: str, item: str, lots: list[Lot], cogs: str
) -> Decimal:
    """Cr the lots out of ``account``, Dr their cost to ``cogs``, rounded to the
    currency's precision; that cost."""
    cost = ZERO
    for lot in lots:
        txn.post(account, -lot.units, item, lot.cost)
        cost += lot.units * lot.cost.number
    # A lot cost may have more places than money.
    return txn.post_money(cogs, cost, lots[0].cost.currency, e.quantum, item=item)


def cost_owed(
    e: State,
    account: str,
    item: str,
    arrived: list[Lot],
    date: datetime.date,
    meta: data.Meta,
) -> None:
    """Units dispatched short at ``account`` take their cost from the lots that
    just came in (a receipt or a transfer in; under average valuation, the
    average lot), oldest dispatch first: Cr inventory, Dr COGS, on this date and
    linked to each order (SPEC, Short dispatches)."""
    waiting = e.owed.get((account, item))
    if not waiting:
        return
    holding = e.holding(account, item)
    cogs = rules.cogs_account(e.config, e.location_of(account))
    for lot in arrived:
        left = lot.units  # only what came in pays: not stock already there
        while waiting and left > 0 and holding.lots.get(lot.cost, ZERO) > 0:
            short = waiting[0]
            if short.sent.owed <= 0:  # came back before any stock did
                waiting.pop(0)
                continue
            units = min(short.sent.owed, holding.lots[lot.cost], left)
            left -= units
            holding.remove(lot.cost, units)
            taken = [Lot(lot.cost, units)]
            customer = e.book.customers[short.order.customer]
            txn = TxnBuilder(
                meta,
                date,
                customer.name,
                f"Cost of {fmt(units)} {item} dispatched short on {short.dispatch.date} "
                f"for order {short.order.id}",
                short.order.links,
                {"order": short.order.id, "customer": customer.id},
            )
            cost = _post_lots_out(e, txn, account, item, taken, cogs)
            e.emit(txn)
            short.sent.lots.extend(taken)
            short.sent.owed -= units
            short.line.uncosted -= units
            short.line.cost += cost
            if not short.sent.owed:
                waiting.pop(0)


def arrived(e: State, holding: Holding, lots: list[Lot]) -> list[Lot]:
    """The lots that came in, or (as many units of) the average lot they were
    re-lotted into."""
    if holding.account in e.average and len(holding.lots) == 1:
        units = sum((lot.units for lot in lots), ZERO)
        return [Lot(cost, min(units, held)) for cost, held in holding.lots.items()]
    return lots


def on_transfer(e: State, d: Directive[TransferArgs]) -> None:
    """Moves units between locations, keeping each lot's cost, date and label.

    Posts Cr the source location's inventory lots, Dr the same lots at the target;
    an average-valued target is then re-lotted at its new average.
    """
    item, qty = d.args.item, d.args.qty
    source, target = d.args.source, d.args.target
    what = f"Transfer of {fmt(qty)} {item} from {source} to {target}"
    from_account, to_account = (
        e.inventory_account(source),
        e.inventory_account(target),
    )
    if from_account == to_account:
        raise Invalid(f"{what}: both locations are {from_account}")
    batch = e.meta_string(d.meta, "batch", what)
    try:
        lots = e.holding(from_account, item).take(qty, batch)
    except Short as short:
        where = f', batch "{batch}"' if batch else ""
        raise Invalid(
            f"{what}: not enough {item} at location {source} ({from_account}{where}): "
            f"{fmt(qty)} needed, {fmt(short.on_hand)} on hand"
        ) from None
    except Ambiguous as ambiguous:
        raise Invalid(f"{what}: {ambiguous.describe(from_account, item)}") from None
    target_holding = e.holding(to_account, item)
    transfer = e.own_id(d.meta, "transfer", "TRANSFER", what)
    txn = TxnBuilder(
        d.meta,
        d.date,
        None,
        what,
        (transfer,),
        {"item": item, "transfer": transfer},
    )
    for lot in lots:
        target_holding.add(lot.cost, lot.units)
        txn.post(from_account, -lot.units, item, lot.cost)
    for lot in lots:
        txn.post(to_account, lot.units, item, lot.cost)
    e.book.transfers.append(Transfer(d.date, item, qty, source, target, lots, d.meta))
    e.emit(txn)
    if to_account in e.average:
        relot(e, target_holding, d.date, d.meta, None)
    cost_owed(e, to_account, item, arrived(e, target_holding, lots), d.date, d.meta)


def on_return(e: State, d: Directive[ReturnArgs]) -> None:
    """Goods come back from an order, with no money effect.

    ``"resaleable"`` (default) posts Dr inventory at the very lots the dispatches
    took (cost, date, label), Cr COGS; ``"damaged"`` posts nothing and is recorded.
    """
    return_id, item, qty = d.args.id, d.args.item, d.args.qty
    order = e.order(d.args.order)
    what = f'Return "{return_id}" of order "{order.id}"'
    e.new_document(return_id, "return")
    condition = e.meta_string(d.meta, "condition", what) or "resaleable"
    if condition not in ("resaleable", "damaged"):
        raise Invalid(
            f'{what}: condition must be "resaleable" or "damaged", got "{condition}"'
        )
    batch = e.meta_string(d.meta, "batch", what)
    location = e.meta_string(d.meta, "location", what)
    restock = condition == "resaleable"
    plan = plan_return(e, order, item, qty, batch, location, restock, what)
    customer = e.book.customers[order.customer]
    txn = TxnBuilder(
        d.meta,
        d.date,
        customer.name,
        f"Return {return_id} of {fmt(qty)} {item} for order {order.id} ({condition})",
        (order.id, return_id),
        {"order": order.id, "customer": customer.id, "return": return_id},
    )
    restocked = apply_return(e, order, plan, restock, txn)
    e.register(return_id, "return")
    e.book.returns[return_id] = Return(
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
        e.emit(txn)
    relot_restocked(e, restocked, item, d.date, d.meta, return_id, order.id)


def plan_return(
    e: State,
    order: Order,
    item: str,
    qty: Decimal,
    batch: str | None,
    location: str | None,
    restock: bool,
    what: str,
    allow_uncosted: bool = False,
    reserved: dict[tuple[int, int | None], Decimal] | None = None,
) -> ReturnPlan:
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
    plan: list[ReturnEntry] = []
    if reserved is None:
        reserved = {}
    left = qty
    for line in sent:
        for index, (cost, units) in enumerate(line.lots):
            if batch is not None and cost.label != batch:
                continue
            held = reserved.get((id(line), index), ZERO)
            take = min(left, units - line.lot_returned.get(index, ZERO) - held)
            if take > 0:
                plan.append(ReturnEntry(line, index, cost, take))
                reserved[(id(line), index)] = held + take
                left -= take
        # Units still owed to stock come back as they left: uncosted.
        if line.owed > 0 and (allow_uncosted or not restock) and batch is None:
            held = reserved.get((id(line), None), ZERO)
            take = min(left, line.owed - held)
            if take > 0:
                plan.append(ReturnEntry(line, None, None, take))
                reserved[(id(line), None)] = held + take
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
            f"{what}: {fmt(qty)} {item} cannot come back: only {fmt(returnable)} "
            f"dispatched{source} and not yet returned{uncosted}"
        )
    return ReturnPlan(item, location, plan)


def plan_return_of(
    e: State,
    order: Order,
    item: str,
    qty: Decimal,
    meta: data.Meta,
    what: str,
    reserved: dict[tuple[int, int | None], Decimal],
) -> ReturnPlan:
    """The plan of a credit order's return line (its ``batch`` and ``location``).

    Units dispatched uncosted may come back too (as uncosted); ``reserved``
    counts what the credit order's earlier lines take.
    """
    batch = e.meta_string(meta, "batch", what)
    location = e.meta_string(meta, "location", what)
    return plan_return(e, order, item, qty, batch, location, True, what, True, reserved)


def apply_return(
    e: State,
    order: Order,
    plan: ReturnPlan,
    restock: bool,
    txn: TxnBuilder,
) -> list[PlacedLot]:
    """Take the planned units back; restock them at their lots' cost onto ``txn``."""
    item, location = plan.item, plan.location
    restocked: list[PlacedLot] = []
    lines_by_number = {line.number: line for line in order.lines}
    # COGS back, by account, currency and order line (each rounded to money).
    cogs_total: dict[tuple[str, str, int], Decimal] = {}
    for line, index, cost, units in plan.entries:
        line.returned += units
        if index is not None:
            line.lot_returned = {
                **line.lot_returned,
                index: line.lot_returned.get(index, ZERO) + units,
            }
        order_line = lines_by_number[line.line]
        order_line.returned += units
        if cost is None:  # units owed to stock: no longer owed
            line.owed -= units
            order_line.uncosted -= units
            continue
        if not restock:
            continue
        account = e.inventory_account(location) if location else line.account
        e.holding(account, item).add(cost, units)
        restocked.append(PlacedLot(account, cost, units))
        txn.post(account, units, item, cost)
        cogs = rules.cogs_account(e.config, e.location_of(account))
        key = (cogs, cost.currency, order_line.number)
        cogs_total[key] = cogs_total.get(key, ZERO) + units * cost.number
    for (cogs, currency, number_), value in cogs_total.items():
        money = txn.post_money(cogs, -value, currency, e.quantum, item=item)
        lines_by_number[number_].cost += money
    return restocked


def _undispatched_stock(line: OrderLine) -> Decimal:
    """What is left to dispatch of a line: nothing for a non-stock line."""
    return line.undispatched if line.stocked else ZERO
