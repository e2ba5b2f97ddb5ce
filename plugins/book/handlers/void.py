"""Voids: ``void``, a correction that keeps the record (SPEC, Revision 2).

While the pass applies a document a void may name, :func:`record` keeps the
transactions it generated (in the book's :class:`~beancount_orders.book.voids.
VoidLog`). :func:`on_void` then checks the void, takes the document out of
every balance, status and ageing from the void's date, and posts the exact
reverse of those transactions on that date. The original stays as it was.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from beancount.core import data

from beancount_orders.book import fx
from beancount_orders.book import voids
from beancount_orders.book.directives import Directive
from beancount_orders.book.directives import VoidArgs
from beancount_orders.book.handlers import loyalty
from beancount_orders.book.handlers import points_back
from beancount_orders.book.handlers import void_purchasing
from beancount_orders.book.model import ZERO
from beancount_orders.book.model import Allocation
from beancount_orders.book.model import Invoice
from beancount_orders.book.model import PendingRedemption
from beancount_orders.book.model import Settlement
from beancount_orders.book.postings import GENERATED
from beancount_orders.book.postings import TxnBuilder
from beancount_orders.book.rules import SettlementKind
from beancount_orders.book.state import Invalid
from beancount_orders.book.state import State
from beancount_orders.book.state import fmt
from beancount_orders.book.state import kind_article
from beancount_orders.book.stock import lot_name
from beancount_orders.book.voids import Made

# The directives whose documents a void may name.
VOIDABLE = frozenset(
    {
        "invoice",
        "payment",
        "refund",
        "credit",
        "credit-memo",
        "credit-order",
        "stock-in",
        "receipt",
        "bill",
        "landed-cost",
        "bill-payment",
    }
)


def record(e: State, d: Directive[Any], start: int) -> None:
    """Keep the transactions a voidable directive just generated (those from
    ``start`` on), under its document id."""
    kind, doc_id = _document_of(e, d, start)
    if doc_id is None:
        return
    made = e.book.voids.made.get(doc_id)
    if made is None:
        made = e.book.voids.made[doc_id] = Made(kind, d.date)
    made.date = max(made.date, d.date)
    made.transactions.extend(e.book.transactions[start:])


# Where each voidable directive writes its document id: a value position, or
# its ``id`` metadata.
_ID_AT: dict[str, int | None] = {
    "invoice": 1,
    "payment": None,
    "refund": None,
    "credit": 0,
    "credit-memo": 0,
    "credit-order": 0,
    "stock-in": 0,
    "receipt": 1,
    "bill": 1,
    "landed-cost": 1,
    "bill-payment": None,
}


def note(e: State, entry: data.Custom) -> None:
    """While the ledger is read: the first date each document id is written,
    so that a void dated before its document says so."""
    position = _ID_AT[entry.type]
    if position is None:
        doc_id = voids.own_id(entry.meta)
    else:
        value = entry.values[position] if len(entry.values) > position else None
        doc_id = value.value if value is not None else None
    if isinstance(doc_id, str):
        key, last = ("document", doc_id), ("document-last", doc_id)
        if key not in e.written or entry.date < e.written[key]:
            e.written[key] = entry.date
        if last not in e.written or entry.date > e.written[last]:
            e.written[last] = entry.date


def _document_of(e: State, d: Directive[Any], start: int) -> tuple[str, str | None]:
    args = d.args
    match d.type:
        case "invoice":
            return voids.INVOICE, args.invoice
        case "payment":
            doc_id = voids.own_id(d.meta)
            return voids.PAYMENT, doc_id if isinstance(doc_id, str) else None
        case "refund":
            made = e.book.transactions[start:]
            return voids.REFUND, voids.refund_id(made[0]) if made else None
        case "credit":
            return voids.CREDIT, args.credit
        case "credit-memo":
            return voids.CREDIT_MEMO, args.memo
        case "credit-order":
            return voids.CREDIT_ORDER, args.co
        case "stock-in":
            return voids.STOCK_IN, args.po
        case "receipt":
            return voids.RECEIPT, args.receipt
        case "bill":
            return voids.BILL, args.bill
        case "landed-cost":
            return voids.LANDED_COST, args.bill
        case "bill-payment":
            made = e.book.transactions[start:]
            return voids.BILL_PAYMENT, voids.bill_payment_id(made[0]) if made else None
    return "", None  # pragma: no cover - only the VOIDABLE directives are recorded


def on_void(e: State, d: Directive[VoidArgs]) -> None:
    """Voids a document: an invoice, credit order, credit memo, credit, payment or
    refund with an id, a stock-in (every ``stock-in`` of that id), a receipt, a
    bill, a landed cost or a bill payment.

    Posts, on the void's date, the exact reverse of every transaction the document
    generated (same accounts, amounts and lots), narration ``Void of ...``, links
    the document's and its order's, metadata ``void``; from then on the document
    no longer counts (an invoice's quantities may be invoiced again, its points
    are reversed, capped by what the customer holds, and the money matched to it
    waits for ``allocate`` or the order's next invoice; a payment no longer pays).
    The original stays as it was.
    """
    doc_id = d.args.document
    what = f'Void of "{doc_id}"'
    log = e.book.voids
    made = _check(e, d, doc_id, what)
    discounted = _discounted(e, doc_id)
    reason = e.meta_string(d.meta, "reason", what)
    keep, own = _APPLY[made.kind](e, d, doc_id, what)
    skip = {id(txn) for txn in (*keep, *log.undone)}
    posted = [
        _reverse(e, d, txn, doc_id, reason)
        for txn in made.transactions
        if id(txn) not in skip
    ]
    posted.extend(e.emit(builder) for builder in own)
    posted.extend(_undo_discounts(e, d, discounted, made, reason))
    posted.extend(fx.after_void(e, d.meta, d.date, doc_id, posted))
    log.voided[doc_id] = voids.Voided(
        doc_id, made.kind, d.date, reason, d.meta, tuple(posted)
    )


# What voiding a kind leaves out of the exact reverse (its transactions that it
# reverses itself), and its own reversals (loyalty points capped by the wallet).
Undone = tuple[list[data.Transaction], list[TxnBuilder]]
NOTHING_ELSE: Undone = ([], [])


def _check(e: State, d: Directive[VoidArgs], doc_id: str, what: str) -> Made:
    """The voidable document, or :class:`Invalid` saying why it cannot be voided."""
    log = e.book.voids
    done = log.voided.get(doc_id)
    if done is not None:
        raise Invalid(
            f"{what}: it is already voided (on {done.date}, line "
            f"{done.meta.get('lineno')}); a document is voided once"
        )
    made = log.made.get(doc_id)
    # A document dated after the void (every stock-in of the id, for a stock-in).
    later = e.written_later("document-last" if made else "document", doc_id)
    if later is None and made is not None and d.date < made.date:
        later = made.date
    if later is not None:
        raise Invalid(
            f'{what}: the void is dated {d.date}, before "{doc_id}" ({later}); '
            "a void is dated on or after its document"
        )
    if made is None:
        kind = e.book.documents.get(doc_id)
        if kind == "order":
            raise Invalid(
                f'{what}: "{doc_id}" is an order, which cannot be voided: use "cancel" '
                "for what is not invoiced, and void its invoices"
            )
        if kind == "purchase order":
            raise Invalid(
                f'{what}: "{doc_id}" is a purchase order, which cannot be voided: void '
                "its bills, landed costs and receipts"
            )
        if kind is not None:
            raise Invalid(
                f'{what}: "{doc_id}" is {kind_article(kind)}, which cannot be voided'
            )
        raise Invalid(
            f'{what}: unknown document "{doc_id}" (a void names an invoice, credit '
            "order, credit memo, credit, refund, payment with an id, stock-in, "
            "receipt, bill, landed cost or bill payment)"
        )
    for lock in e.book.locks:
        through = lock.values[0].value if lock.values else None
        if isinstance(through, datetime.date) and d.date <= through:
            raise Invalid(
                f"{what}: {d.date} is inside a locked period (locked through {through} "
                f"at line {lock.meta.get('lineno')}); date the void after the lock"
            )
    return made


# -- early-payment discounts: undone with what they rested on -----------------


def _discounted(e: State, doc_id: str) -> list[str]:
    """The invoices whose early-payment discount a void of ``doc_id`` undoes: the
    invoice itself, or those the money or credit matched to (the discount was
    taken on what they paid)."""
    settled = e.book.voids.discounts
    if doc_id in e.book.invoices:
        return [doc_id] if doc_id in settled else []
    settlement = e.book.settlements.get(doc_id)
    if settlement is None:
        return []
    return [
        invoice
        for invoice, amount in _net_by(settlement.allocations, "invoice").items()
        if amount > 0 and invoice in settled
    ]


def _undo_discounts(
    e: State,
    d: Directive[VoidArgs],
    invoices: list[str],
    made: Made,
    reason: str | None,
) -> list[data.Transaction]:
    """Each invoice's discount no longer settles it from the void's date (its
    settlement unmatched, ``discount_taken`` back to 0): the invoice is open again
    by that much, and money inside the window may take it again. Reverses the
    discount's transaction unless it was the voided document's own (reversed
    with the rest of it); returns the reversals posted here."""
    log, doc_ids = e.book.voids, {id(txn) for txn in made.transactions}
    posted = []
    for invoice_id in invoices:
        settlement, txn = log.discounts.pop(invoice_id)
        _void_settlement(e, settlement, d.date)
        e.book.invoices[invoice_id].discount_taken = ZERO
        log.undone.append(txn)
        if id(txn) not in doc_ids:
            posted.append(_reverse(e, d, txn, d.args.document, reason))
    return posted


def _reverse(
    e: State,
    d: Directive[VoidArgs],
    txn: data.Transaction,
    doc_id: str,
    reason: str | None,
) -> data.Transaction:
    """The exact reverse of a generated transaction, on the void's date."""
    meta = {
        key: value
        for key, value in txn.meta.items()
        if key not in ("filename", "lineno", GENERATED)
    }
    meta["void"] = doc_id
    if reason is not None:
        meta["reason"] = reason
    builder = TxnBuilder(
        d.meta, d.date, txn.payee, f"Void of {txn.narration}", txn.links | {doc_id}, meta
    )
    for posting in txn.postings:
        posting_meta = {
            **(posting.meta or {}),
            "filename": builder.filename,
            "lineno": builder.lineno,
        }
        builder.postings.append(
            posting._replace(units=-posting.units, meta=posting_meta)  # type: ignore[operator]
        )
    return e.emit(builder)


# -- money: releasing what was matched --------------------------------------


def _net_by(allocations: Iterable[Allocation], key: str) -> dict[str, Decimal]:
    """The allocations' amounts, added up by their ``source`` or ``invoice``."""
    totals: dict[str, Decimal] = {}
    for allocation in allocations:
        name = getattr(allocation, key)
        totals[name] = totals.get(name, ZERO) + allocation.amount
    return totals


def _unmatch(
    settlement: Settlement, invoice: Invoice, date: datetime.date, amount: Decimal
) -> None:
    """Take ``amount`` of a settlement off an invoice from ``date`` (a negative
    allocation, so that an ageing before the date still sees the match)."""
    allocation = Allocation(settlement.id, invoice.id, date, -amount)
    settlement.match(allocation)
    invoice.match(allocation)


def _void_settlement(e: State, settlement: Settlement, date: datetime.date) -> None:
    """A payment, memo or credit order no longer settles anything from ``date``."""
    book = e.book
    is_money = settlement.kind.is_money
    for invoice_id, amount in _net_by(settlement.allocations, "invoice").items():
        if amount <= 0:
            continue
        invoice = book.invoices[invoice_id]
        _unmatch(settlement, invoice, date, amount)
        if invoice.order != settlement.order:  # matched by an allocate: moved back
            _count(book.orders[invoice.order], is_money, -amount)
            if settlement.order is not None:
                _count(book.orders[settlement.order], is_money, amount)
    if settlement.order is not None:
        order = book.orders[settlement.order]
        _count(order, is_money, -settlement.amount)
        order.pending = tuple(each for each in order.pending if each != settlement.id)
    book.customers[settlement.customer].receivable[settlement.currency] += settlement.amount
    settlement.voided = date


def _count(order: Any, is_money: bool, amount: Decimal) -> None:
    if is_money:
        order.paid += amount
    else:
        order.credited += amount


# -- each kind --------------------------------------------------------------


def _void_invoice(e: State, d: Directive[VoidArgs], doc_id: str, what: str) -> Undone:
    invoice = e.book.invoices[doc_id]
    order = e.book.orders[invoice.order]
    for co_id in order.credit_orders:
        credit_order = e.book.credit_orders[co_id]
        if (
            credit_order.invoice == doc_id
            and credit_order.posted
            and co_id not in e.book.voids.voided
        ):
            raise Invalid(
                f'{what}: credit order "{co_id}" is posted against the invoice: '
                "void that first"
            )
    customer = e.book.customers[invoice.customer]
    lines = {line.number: line for line in order.lines}
    for invoice_line in invoice.lines:
        line = lines[invoice_line.line]
        line.invoiced -= invoice_line.qty
        line.invoiced_net -= invoice_line.net
        line.invoiced_tax -= invoice_line.tax
    order.invoiced -= invoice.gross
    customer.receivable[invoice.currency] -= invoice.gross
    # The money matched to it becomes unallocated money of its order.
    for source, amount in _net_by(invoice.allocations, "source").items():
        settlement = e.book.settlements[source]
        if amount <= 0 or settlement.kind is SettlementKind.DISCOUNT:
            continue  # a discount is undone apart (_undo_discounts)
        _unmatch(settlement, invoice, d.date, amount)
        if source not in order.pending:
            order.pending = (*order.pending, source)
    invoice.voided = d.date
    # Redemptions it set against its earning basis wait for the next invoice,
    # each under its own settlement (the latest of them when it had several).
    points = invoice.redeemed_points - invoice.points_given_back
    value = invoice.redeemed_value - invoice.value_given_back
    if value > 0:
        redemptions = [
            each.source
            for each in invoice.allocations
            if each.source in e.book.settlements
            and e.book.settlements[each.source].kind is SettlementKind.REDEMPTION
        ]
        order.redemptions_unapplied = (
            *order.redemptions_unapplied,
            PendingRedemption(points, value, redemptions[-1] if redemptions else doc_id),
        )
    return _unearn(e, d, invoice, order, customer)


def _unearn(
    e: State, d: Directive[VoidArgs], invoice: Invoice, order: Any, customer: Any
) -> Undone:
    """Reverse the points a voided invoice earned, capped by what the customer
    holds; returns its earning transaction (not reversed as it is)."""
    program_id = invoice.program
    claw = invoice.points_earned - invoice.points_clawed
    if program_id is None or claw <= 0 or invoice.id not in e.invoice_parcels:
        return NOTHING_ELSE
    program = e.book.programs[program_id]
    earned = [
        txn
        for txn in e.book.voids.made[invoice.id].transactions
        if voids.program_of(txn) == program_id
    ]
    taken, _ = points_back._claw_back(e, invoice, customer, program, claw)
    if taken <= 0:
        return earned, []
    loyalty.event(
        e, d.date, customer, program, "clawed-back", -taken, None, invoice.id, d.meta
    )
    builder = TxnBuilder(
        d.meta,
        d.date,
        customer.name,
        f"Void of {program.symbol} points earned on invoice {invoice.id}",
        invoice.links,
        {
            "order": order.id,
            "customer": customer.id,
            "invoice": invoice.id,
            "program": program.symbol,
            "void": invoice.id,
            "reason": d.meta.get("reason"),
        },
    )
    builder.post(program.liability, taken, program.symbol)
    builder.post(program.expense, -taken, program.symbol)
    return earned, [builder]


def _void_money(e: State, d: Directive[VoidArgs], doc_id: str, what: str) -> Undone:
    """A payment with an id or a credit memo."""
    settlement = e.book.settlements[doc_id]
    if settlement.refunded > 0:
        raise Invalid(
            f"{what}: {fmt(settlement.refunded)} {settlement.currency} of it was paid "
            "back by a refund: void the refund first"
        )
    payment = e.book.payments.get(doc_id)
    if payment is not None and payment.method == "credit":
        customer = e.book.customers[payment.customer]
        customer.credit[payment.currency] += payment.amount
    _void_settlement(e, settlement, d.date)
    return NOTHING_ELSE


def _void_credit(e: State, d: Directive[VoidArgs], doc_id: str, what: str) -> Undone:
    credit = e.book.credits[doc_id]
    customer = e.book.customers[credit.customer]
    left = customer.credit.get(credit.currency, ZERO)
    if credit.amount > left:
        raise Invalid(
            f"{what}: the customer's credit balance is {fmt(left)} {credit.currency}, "
            f"less than the credit's {fmt(credit.amount)} (it was used or refunded): "
            "void the refund or payment that used it first"
        )
    customer.credit[credit.currency] -= credit.amount
    return NOTHING_ELSE


def _void_refund(e: State, d: Directive[VoidArgs], doc_id: str, what: str) -> Undone:
    refund = next(each for each in e.book.refunds if each.id == doc_id)
    customer = e.book.customers[refund.customer]
    if not voids.from_receivable(refund.meta):
        customer.credit[refund.currency] += refund.amount
        return NOTHING_ELSE
    settlement_id = f"refund:{refund.meta.get('filename')}:{refund.meta.get('lineno')}"
    settlement = e.book.settlements[settlement_id]
    # Give the money it paid back to what it took it from, latest first.
    left = -settlement.refunded
    taken = sorted(
        (
            each
            for each in e.book.settlements.values()
            if each.customer == customer.id
            and each is not settlement
            and each.refunded > 0
            and each.currency == settlement.currency
            and (settlement.order is None or each.order == settlement.order)
        ),
        key=lambda each: each.date,
        reverse=True,
    )
    for each in taken:
        if left <= 0:
            break
        part = min(left, each.refunded)
        each.refunded -= part
        left -= part
        if settlement.order is None and each.order is not None:
            _count(e.book.orders[each.order], each.kind.is_money, part)
    settlement.refunded = ZERO
    _void_settlement(e, settlement, d.date)
    return NOTHING_ELSE


def _void_credit_order(e: State, d: Directive[VoidArgs], doc_id: str, what: str) -> Undone:
    credit_order = e.book.credit_orders[doc_id]
    if not credit_order.posted:
        return NOTHING_ELSE
    taken = e.book.voids.returns.get(doc_id)
    order = e.book.orders[credit_order.order]
    if taken is not None:
        _take_out_again(e, taken, order, what)
    invoice = e.book.invoices[credit_order.invoice]
    by_line = {(line.item, line.line): line for line in invoice.lines}
    order_lines = {line.number: line for line in order.lines}
    for credit_line in credit_order.lines:
        invoice_line = by_line[(credit_line.item, credit_line.invoice_line)]
        invoice_line.credited -= credit_line.qty
        invoice_line.credited_net -= credit_line.net
        invoice_line.credited_tax -= credit_line.tax
        order_line = order_lines[credit_line.invoice_line]
        order_line.credited_net -= credit_line.net
        if credit_line.type == "credit" and credit_line.price >= invoice_line.price:
            order_line.written_off -= credit_line.qty
    invoice_line_below(invoice)
    _void_settlement(e, e.book.settlements[doc_id], d.date)
    return points_back.undo_on_void(e, credit_order, d.date, d.meta)


def invoice_line_below(invoice: Invoice) -> None:
    """Credited-below flags hold only while something of the line is credited."""
    for line in invoice.lines:
        if line.credited <= 0:
            line.credited_below = False


def _take_out_again(e: State, taken: voids.ReturnTaken, order: Any, what: str) -> None:
    """Take a credit order's returned goods out of stock again, or :class:`Invalid`
    when they were taken already (dispatched, moved or re-lotted)."""
    wanted: dict[tuple[str, str, Any], Decimal] = {}
    for plan in taken.plans:
        for line, _, cost, units in plan.entries:
            if cost is None:
                continue
            account = e.inventory_account(plan.location) if plan.location else line.account
            key = (account, plan.item, cost)
            wanted[key] = wanted.get(key, ZERO) + units
    for (account, item, cost), units in wanted.items():
        held = e.holding(account, item).lots.get(cost, ZERO)
        if held < units:
            raise Invalid(
                f"{what}: the goods it took back ({fmt(units)} {item} of lot "
                f"{lot_name(cost)} in {account}) were already taken again "
                f"({fmt(held)} left): void or undo what took them first"
            )
    for (account, item, cost), units in wanted.items():
        e.holding(account, item).remove(cost, units)
    lines = {line.number: line for line in order.lines}
    for plan in taken.plans:
        for line, index, cost, units in plan.entries:
            line.returned -= units
            if index is not None:
                line.lot_returned = {
                    **line.lot_returned,
                    index: line.lot_returned.get(index, ZERO) - units,
                }
            order_line = lines[line.line]
            order_line.returned -= units
            if cost is None:
                line.owed += units
                order_line.uncosted += units
    for number, money in taken.cost_back:
        lines[number].cost -= money


def _void_stock_in(e: State, d: Directive[VoidArgs], doc_id: str, what: str) -> Undone:
    receipts = [receipt for receipt in e.book.receipts if receipt.po == doc_id]
    wanted: dict[tuple[str, str, Any], Decimal] = {}
    for receipt in receipts:
        key = (receipt.account, receipt.item, receipt.cost)
        wanted[key] = wanted.get(key, ZERO) + receipt.qty
    for (account, item, cost), units in wanted.items():
        held = e.holding(account, item).lots.get(cost, ZERO)
        if held < units:
            raise Invalid(
                f"{what}: its lot {item} {lot_name(cost)} in {account} was already "
                f"taken again ({fmt(held)} of {fmt(units)} left: dispatched, moved or "
                "re-lotted)"
            )
    for (account, item, cost), units in wanted.items():
        e.holding(account, item).remove(cost, units)
    void_purchasing.void_stock_in_payable(e, doc_id, d.date)
    return NOTHING_ELSE


_APPLY = {
    voids.INVOICE: _void_invoice,
    voids.PAYMENT: _void_money,
    voids.CREDIT_MEMO: _void_money,
    voids.CREDIT: _void_credit,
    voids.REFUND: _void_refund,
    voids.CREDIT_ORDER: _void_credit_order,
    voids.STOCK_IN: _void_stock_in,
    voids.RECEIPT: void_purchasing.void_receipt,
    voids.BILL: void_purchasing.void_bill,
    voids.LANDED_COST: void_purchasing.void_bill,
    voids.BILL_PAYMENT: void_purchasing.void_bill_payment,
}
