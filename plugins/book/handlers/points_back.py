"""Points back: what credit orders claw back and give back of an invoice's points
(:func:`loyalty_on_credit`), and what cancels give back of the points redeemed on
an order (:func:`on_cancelled`). SPEC: Loyalty postings, Remainders, Cancelled
redemptions.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_CEILING
from decimal import ROUND_HALF_UP
from decimal import Decimal
from typing import Any

from beancount.core import data

from beancount_orders.book import fx_points
from beancount_orders.book.credits import CreditOrder
from beancount_orders.book.directives import CreditOrderArgs
from beancount_orders.book.directives import Directive
from beancount_orders.book.handlers.loyalty import add_parcel
from beancount_orders.book.handlers.loyalty import event
from beancount_orders.book.handlers.loyalty import program_of
from beancount_orders.book.handlers.loyalty import wallet_of
from beancount_orders.book.loyalty import Parcel
from beancount_orders.book.loyalty import Program
from beancount_orders.book.model import ZERO
from beancount_orders.book.model import Allocation
from beancount_orders.book.model import Customer
from beancount_orders.book.model import Invoice
from beancount_orders.book.model import Order
from beancount_orders.book.model import Settlement
from beancount_orders.book.postings import TxnBuilder
from beancount_orders.book.rules import SettlementKind
from beancount_orders.book.rules import round_money
from beancount_orders.book.state import State
from beancount_orders.book.state import fmt
from beancount_orders.book.voids import PointsMoved


def loyalty_on_credit(
    e: State,
    credit_order: CreditOrder,
    invoice: Invoice,
    order: Order,
    customer: Customer,
    d: Directive[CreditOrderArgs],
) -> None:
    """Claw back the points an invoice earned and give back the points redeemed
    on it, pro rata to the amount credited.

    Posts the points back onto the liability (clawed back) and off it (given
    back), and the given-back points' money: Dr receivable, Cr loyalty discount.
    """
    if invoice.program is None or invoice.gross <= 0:
        return
    program = e.book.programs[invoice.program]
    _redeemed_on_invoice(e, invoice, order)
    # The credit that completes the invoice (nothing of its gross is left
    # uncredited) takes exactly what is left (SPEC, Remainders); the others
    # their share.
    complete = _credited_gross(e, invoice, order) >= invoice.gross
    claw, back = _pro_rata(invoice, credit_order.gross / invoice.gross)
    value = ZERO
    if back > 0:
        value = round_money(
            back * invoice.redeemed_value / invoice.redeemed_points, e.quantum
        )
    if complete:
        claw = invoice.points_earned - invoice.points_clawed
        back = invoice.redeemed_points - invoice.points_given_back
        value = invoice.redeemed_value - invoice.value_given_back
    value = min(value, invoice.redeemed_value - invoice.value_given_back)
    if claw <= 0 and back <= 0 and value <= 0:
        return
    date = d.date  # points move when the credit order is made, whatever its credit-date
    short = ZERO
    clawed: list[tuple[Parcel, Decimal]] = []
    if claw > 0:
        claw, short = _claw_back(e, invoice, customer, program, claw, clawed)
    invoice.points_given_back += back
    invoice.value_given_back += value
    parcel = None
    if back > 0:
        parcel = add_parcel(e, program, customer, date, back, credit_order.id, d.meta)
    parts = []
    if claw > 0:
        parts.append(f"{fmt(claw)} {program.symbol} clawed back")
    if short > 0:
        parts.append(f"{fmt(short)} {program.symbol} already used, not clawed back")
    if back > 0:
        parts.append(f"{fmt(back)} {program.symbol} given back")
    if value > 0 and back <= 0:
        parts.append(f"{fmt(value)} {invoice.currency} of discount given back")
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
        event(
            e, date, customer, program, "clawed-back", -claw, None, credit_order.id, d.meta
        )
        txn.post(program.liability, claw, program.symbol)
        txn.post(program.expense, -claw, program.symbol)
    if back > 0 or value > 0:
        event(
            e, date, customer, program, "given-back", back, value, credit_order.id, d.meta
        )
    if back > 0:
        txn.post(program.liability, -back, program.symbol)
        txn.post(program.expense, back, program.symbol)
    reopened = None
    if value > 0:
        reopened = _reopen_discount(
            e, txn, credit_order, invoice, order, program, value, d.meta
        )
    e.book.voids.points[credit_order.id] = PointsMoved(
        program.symbol,
        tuple(clawed),
        back,
        parcel,
        value,
        reopened,
        e.emit(txn) if txn.postings else None,
    )


def _credited_gross(e: State, invoice: Invoice, order: Order) -> Decimal:
    """The gross of the posted credit orders on an invoice."""
    return sum(
        (
            e.book.credit_orders[co].gross
            for co in order.credit_orders
            if e.book.credit_orders[co].invoice == invoice.id
            and e.book.credit_orders[co].posted
            and co not in e.book.voids.voided
        ),
        ZERO,
    )


def _pro_rata(invoice: Invoice, ratio: Decimal) -> tuple[Decimal, Decimal]:
    """The points a credit of ``ratio`` of the invoice claws back and gives back:
    that share of what it earned and of what was redeemed on it, rounded to whole
    points, never more than is left of either."""
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
    return claw, back


def _redeemed_on_invoice(e: State, invoice: Invoice, order: Order) -> None:
    """A redemption that no invoice's basis took (none came after it) was redeemed
    on the invoices it settled: count its part on this invoice."""
    for redemption in order.redemptions_unapplied:
        source = e.book.settlements.get(redemption.settlement)
        settled = sum(
            (
                allocation.amount
                for allocation in (source.allocations if source else ())
                if allocation.invoice == invoice.id
            ),
            ZERO,
        )
        part = min(settled, redemption.value)
        if part > 0:
            fx_points.set_against(e, invoice.id, redemption.settlement, part)
            invoice.redeemed_points += redemption.split(part)
            invoice.redeemed_value += part
    order.redemptions_unapplied = tuple(
        r for r in order.redemptions_unapplied if r.value > 0
    )


def _claw_back(
    e: State,
    invoice: Invoice,
    customer: Customer,
    program: Program,
    claw: Decimal,
    taken: list[tuple[Parcel, Decimal]] | None = None,
) -> tuple[Decimal, Decimal]:
    """Take back up to ``claw`` points the invoice earned; return (taken, short).

    First what is left of the invoice's own parcel; then, for points of it that
    were redeemed (not those that expired), other points the customer holds.
    The parcels the points came from are added to ``taken``.
    """
    wallet = wallet_of(e, customer.id, program.symbol)
    parcel = e.invoice_parcels[invoice.id]  # an invoice that earned points has one
    own = min(claw, parcel.remaining)
    if own:
        wallet.take_from(parcel, own)
        parcel.clawed += own
        if taken is not None:
            taken.append((parcel, own))
    redeemed = parcel.points - parcel.remaining - parcel.expired - parcel.clawed
    other = min(claw - own, redeemed, wallet.balance)
    if other > 0:
        used = wallet.take(other)
        parcel.clawed += other
        if taken is not None:
            taken.extend(used)
    # Only what was taken counts: a later credit (the one that completes the
    # invoice) tries again for the rest.
    invoice.points_clawed += own + other
    return own + other, claw - own - other


def _reopen_discount(
    e: State,
    txn: TxnBuilder,
    credit_order: CreditOrder,
    invoice: Invoice,
    order: Order,
    program: Program,
    value: Decimal,
    meta: data.Meta,
) -> Settlement:
    """The money of points given back: the discount no longer settles the
    invoice, which is open again by ``value`` (returns the settlement saying so)."""
    currency, date = invoice.currency, txn.date
    customer = e.book.customers[invoice.customer]
    if invoice.id in e.book.fx.invoices:  # at the OPC value it was redeemed at
        fx_points.give_back(e, txn, invoice, program.discount, value, credit_order.id)
    else:
        txn.post(e.receivable(customer), value, currency)
        txn.post(program.discount, -value, currency)
    reversal = Settlement(
        id=f"{credit_order.id}:points",
        kind=SettlementKind.REDEMPTION,
        customer=customer.id,
        order=order.id,
        invoice=invoice.id,
        date=date,
        amount=-value,
        currency=currency,
        meta=meta,
    )
    reversal.match(Allocation(reversal.id, invoice.id, date, -value))
    invoice.match(reversal.allocations[0])
    e.book.settlements[reversal.id] = reversal
    customer.receivable[currency] += value
    order.credited -= value
    order.discount -= value
    return reversal


def on_cancelled(e: State, order: Order, d: Directive[Any]) -> None:
    """Points redeemed beyond what is left of a cancelled order come back.

    When cancels leave the order's remaining gross (invoiced, and uninvoiced but
    not cancelled) below the discount redeemed on it, the excess is reversed on
    the cancel's date, latest redemption first: the points (the excess at the
    value they were redeemed at, rounded up to whole points, at most what was
    redeemed) go back to the customer, and the discount money back onto the
    receivable (SPEC, Cancelled redemptions).
    """
    excess = order.discount - _remaining_gross(e, order)
    if excess <= 0 or not order.redemptions_unapplied:
        return
    customer = e.book.customers[order.customer]
    program = program_of(e, order, customer)
    if program is None:  # pragma: no cover - a redemption needs a program
        return
    currency = order.currency or (program.value.currency if program.value else "")
    points = value = ZERO
    parts = []
    for pending in reversed(order.redemptions_unapplied):
        if excess <= 0:
            break
        part = min(excess, pending.value)
        back = min(
            (part * pending.points / pending.value).to_integral_value(
                rounding=ROUND_CEILING
            ),
            pending.points,
        )
        pending.points -= back
        pending.value -= part
        # The redemption no longer settles ``part``: from the cancel's date on
        # (the reversal below), never before it.
        e.book.settlements[pending.settlement].refunded += part
        parts.append((pending.settlement, part))
        points += back
        value += part
        excess -= part
    order.redemptions_unapplied = tuple(
        pending for pending in order.redemptions_unapplied if pending.value > 0
    )
    reversal = Settlement(
        id=f"{order.id}:cancelled-redemption:{d.meta.get('lineno')}",
        kind=SettlementKind.REDEMPTION,
        customer=customer.id,
        order=order.id,
        invoice=None,
        date=d.date,
        amount=-value,
        currency=currency,
        meta=d.meta,
    )
    reversal.refunded = -value  # it only undoes the redemption: nothing to allocate
    e.book.settlements[reversal.id] = reversal
    order.discount -= value
    order.credited -= value
    customer.receivable[currency] += value
    if points:
        add_parcel(e, program, customer, d.date, points, order.id, d.meta)
    event(e, d.date, customer, program, "given-back", points, value, order.id, d.meta)
    txn = TxnBuilder(
        d.meta,
        d.date,
        customer.name,
        f"Cancelled redemption on order {order.id}: {fmt(points)} {program.symbol} back",
        order.links,
        {"order": order.id, "customer": customer.id, "program": program.symbol},
    )
    if points:
        txn.post(program.liability, -points, program.symbol)
        txn.post(program.expense, points, program.symbol)
    if e.book.fx.foreign(currency):  # at the OPC value it was redeemed at
        fx_points.cancel_redemptions(e, txn, parts, program.discount)
    else:
        txn.post(e.receivable(customer), value, currency)
        txn.post(program.discount, -value, currency)
    e.emit(txn)


def _remaining_gross(e: State, order: Order) -> Decimal:
    """What the order is still worth: its invoices' gross, and the gross of what
    is neither invoiced nor cancelled."""
    total = order.invoiced
    for line in order.lines:
        if line.uninvoiced > 0:
            net, tax = line.invoice_split(line.uninvoiced)
            total += net + tax
    return total


def undo_on_void(
    e: State, credit_order: CreditOrder, date: datetime.date, meta: data.Meta
) -> tuple[list[data.Transaction], list[TxnBuilder]]:
    """A voided credit order's points move back on the void's ``date``.

    The points it clawed back return to the customer: into the parcels they came
    from, with their expiry, when those have not expired by then, else as a new
    parcel from the void's date. The points it gave back are taken again (from
    their parcel; for those of it used, other points), capped by what the
    customer holds; the money of them settles the invoice again. The invoice
    counts as clawed back and given back only what is still so, so that a later
    credit takes the rest (SPEC, Remainders). Returns its loyalty transaction
    and the void's own for it when the cap leaves that one no exact reverse, else
    nothing (the exact reverse does)."""
    moved = e.book.voids.points.pop(credit_order.id, None)
    if moved is None:
        return [], []
    invoice = e.book.invoices[credit_order.invoice]
    order = e.book.orders[credit_order.order]
    customer = e.book.customers[credit_order.customer]
    program = e.book.programs[moved.program]
    wallet = wallet_of(e, customer.id, program.symbol)
    clawed = sum((points for _, points in moved.clawed), ZERO)
    for parcel, points in moved.clawed:
        if parcel.expires is None or parcel.expires > date:
            wallet.put_back(parcel, points)
        else:  # its points expired meanwhile: a parcel of the void's date
            add_parcel(e, program, customer, date, points, credit_order.id, meta)
    if clawed > 0:
        e.invoice_parcels[invoice.id].clawed -= clawed
        invoice.points_clawed -= clawed
        co_id = credit_order.id
        event(e, date, customer, program, "clawed-back", clawed, None, co_id, meta)
    taken = ZERO
    if moved.parcel is not None:
        parcel = moved.parcel
        used = parcel.points - parcel.remaining - parcel.expired - parcel.clawed
        own = min(moved.given_back, parcel.remaining)
        if own > 0:
            wallet.take_from(parcel, own)
        other = min(moved.given_back - own, used, wallet.balance)
        if other > 0:
            wallet.take(other)
        parcel.clawed += own + other
        taken = own + other
        invoice.points_given_back -= taken
    if moved.reopened is not None:
        reopened, value = moved.reopened, moved.value
        # The credit order matched at least this much to the invoice right after
        # the give-back reopened it, and its void has just unmatched that.
        allocation = Allocation(reopened.id, invoice.id, date, value)
        reopened.match(allocation)
        invoice.match(allocation)
        reopened.voided = date
        customer.receivable[reopened.currency] -= value
        order.credited += value
        order.discount += value
        invoice.value_given_back -= value
    if moved.given_back > 0 or moved.value > 0:
        money = -moved.value if moved.value else None
        co_id = credit_order.id
        event(e, date, customer, program, "given-back", -taken, money, co_id, meta)
    txn = moved.transaction
    if txn is None or taken == moved.given_back:
        return [], []
    builder = TxnBuilder(
        meta,
        date,
        customer.name,
        f"Void of loyalty on credit order {credit_order.id}: {fmt(taken)} of "
        f"{fmt(moved.given_back)} {program.symbol} given back taken again",
        txn.links | {credit_order.id},
        {
            key: value
            for key, value in txn.meta.items()
            if key not in ("filename", "lineno") and not key.startswith("__")
        }
        | {"void": credit_order.id, "reason": meta.get("reason")},
    )
    if clawed > 0:
        builder.post(program.liability, -clawed, program.symbol)
        builder.post(program.expense, clawed, program.symbol)
    if taken > 0:
        builder.post(program.liability, taken, program.symbol)
        builder.post(program.expense, -taken, program.symbol)
    if moved.reopened is not None and invoice.id in e.book.fx.invoices:
        fx_points.reverse_money(builder, txn, program.symbol)  # lots, OPC discount, fx
    elif moved.reopened is not None:
        builder.post(e.receivable(customer), -moved.value, invoice.currency)
        builder.post(program.discount, moved.value, invoice.currency)
    return [txn], [builder]
