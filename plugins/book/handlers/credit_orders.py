"""Credit orders and memos: ``credit-order`` (with its ``credit-line`` directives)
and ``credit-memo``.

A credit order is checked whole before anything changes (validate), its lines
are priced against the invoice (plan), and only a READY one posts (post).
"""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

from beancount.core import data

from beancount_orders.book import directives
from beancount_orders.book import fx
from beancount_orders.book import rules
from beancount_orders.book import voids
from beancount_orders.book.credits import Costing
from beancount_orders.book.credits import CreditLine
from beancount_orders.book.credits import CreditMemo
from beancount_orders.book.credits import CreditOrder
from beancount_orders.book.directives import CreditLineArgs
from beancount_orders.book.directives import CreditMemoArgs
from beancount_orders.book.directives import CreditOrderArgs
from beancount_orders.book.directives import Directive
from beancount_orders.book.handlers import payments
from beancount_orders.book.handlers import points_back
from beancount_orders.book.handlers import stock
from beancount_orders.book.handlers.stock import ReturnPlan
from beancount_orders.book.model import ZERO
from beancount_orders.book.model import Customer
from beancount_orders.book.model import Invoice
from beancount_orders.book.model import InvoiceLine
from beancount_orders.book.model import Order
from beancount_orders.book.model import PlacedLot
from beancount_orders.book.model import Settlement
from beancount_orders.book.postings import TxnBuilder
from beancount_orders.book.rules import SettlementKind
from beancount_orders.book.state import Invalid
from beancount_orders.book.state import State
from beancount_orders.book.state import fmt
from beancount_orders.book.state import kind_article

STATUSES = ("OPEN", "APPROVED", "READY")


def on_credit_memo(e: State, d: Directive[CreditMemoArgs]) -> None:
    """A credit memo: money knocked off what a customer owes, outside gross margin.

    Posts Dr credit memos (an expense), Cr receivable; with ``invoice`` metadata
    it is allocated to that invoice.
    """
    memo_id, amount = d.args.memo, d.args.amount
    what = f'Credit memo "{memo_id}"'
    e.new_document(memo_id, "credit memo")
    customer = e.customer(d.args.customer)
    if amount.number <= 0:
        raise Invalid(f"{what}: amount must be greater than zero, got {amount}")
    reason = e.meta_string(d.meta, "reason", what)
    order, invoice = payments.reference(e, d.meta, what)
    if invoice is not None:
        if invoice.customer != customer.id:
            raise Invalid(
                f'{what}: invoice "{invoice.id}" belongs to customer '
                f'"{invoice.customer}", not "{customer.id}"'
            )
        if invoice.currency != amount.currency:
            raise Invalid(f'{what}: invoice "{invoice.id}" is in {invoice.currency}')
    elif order is not None:
        raise Invalid(f"{what}: a memo is allocated to an invoice: use invoice metadata")
    elif e.book.fx.foreign(amount.currency):
        raise Invalid(
            f"{what}: a memo in {amount.currency}, a foreign currency, names the "
            "invoice it credits (invoice metadata): it converts at that invoice's rate"
        )
    e.register(memo_id, "credit memo")
    e.book.memos[memo_id] = CreditMemo(
        memo_id,
        customer.id,
        d.date,
        amount.number,
        amount.currency,
        d.meta,
        invoice.id if invoice else None,
        reason,
    )
    settlement = Settlement(
        id=memo_id,
        kind=SettlementKind.CREDIT_MEMO,
        customer=customer.id,
        order=order.id if order else None,
        invoice=invoice.id if invoice else None,
        date=d.date,
        amount=amount.number,
        currency=amount.currency,
        meta=d.meta,
    )
    payments.settle(e, settlement, order, invoice)
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
    memos = e.config.account("credit_memos", customer=customer.account)
    if invoice is not None and invoice.id in e.book.fx.invoices:
        value = fx.memo_value(e, invoice.id, amount.number)
        txn.post(memos, value, e.book.fx.opc or "")
        allocated = fx.allocated_now(settlement)
        fx.post_credit(e, txn, settlement, allocated, [(memos, value)])
        e.emit(txn)
        return
    txn.post(memos, amount.number, amount.currency)
    txn.post(e.receivable(customer), -amount.number, amount.currency)
    e.emit(txn)


@dataclasses.dataclass(frozen=True, slots=True)
class Settings:
    """A credit order's checked metadata."""

    status: str
    reason: str | None
    rep: str | None
    po: str | None
    full: bool
    post_date: datetime.date


@dataclasses.dataclass(frozen=True, slots=True)
class Request:
    """One line to credit: from a ``credit-line`` directive, or from ``full: TRUE``."""

    directive: Directive[CreditLineArgs] | None
    item: str
    type: str
    qty: Decimal
    price: Decimal


def on_credit_order(e: State, d: Directive[CreditOrderArgs]) -> None:
    """A credit invoice against an invoice: its ``credit-line`` directives, or every
    line still uncredited with ``full: TRUE``.

    Nothing posts unless every line is valid, and only with status READY: Dr
    returns (net, per line), Dr sales tax per rate and jurisdiction, Cr receivable
    (gross), allocated to the invoice; return lines also Dr inventory at the lots
    the dispatches took, Cr COGS; then the invoice's loyalty points are clawed
    back and given back pro rata.
    """
    co_id, invoice_id = d.args.co, d.args.invoice
    what = f'Credit order "{co_id}"'
    line_directives = e.credit_lines.pop(co_id, [])
    try:
        e.new_document(co_id, "credit order")
    except Invalid:
        e.credit_lines[co_id] = line_directives  # reported as orphans
        raise
    invoice = e.book.invoices.get(invoice_id)
    if invoice is None:
        kind = e.book.documents.get(invoice_id)
        hint = f' ("{invoice_id}" is {kind_article(kind)})' if kind else ""
        raise Invalid(f'{what}: unknown invoice "{invoice_id}"{hint}')
    if invoice.voided is not None:
        raise Invalid(f'{what}: invoice "{invoice_id}" is voided (on {invoice.voided})')
    order = e.book.orders[invoice.order]
    customer = e.book.customers[order.customer]
    settings = _settings(e, d, invoice, order, what)
    broken = e.broken_lines.get(co_id, 0)
    if broken and not line_directives and not settings.full:
        del e.broken_lines[co_id]
        raise Invalid(
            f"{what}: not posted, {broken} of its {broken} lines "
            f"{'is' if broken == 1 else 'are'} invalid"
        )
    requests = _requests(d, invoice, line_directives, settings, what)
    lines, plans = _plan_lines(e, d, invoice, order, requests, settings.status, what)
    e.register(co_id, "credit order")
    credit_order = CreditOrder(
        co_id,
        invoice.id,
        order.id,
        customer.id,
        d.date,
        settings.post_date,
        settings.status,
        invoice.currency,
        lines,
        d.meta,
        settings.reason,
        settings.rep,
        settings.po,
    )
    e.book.credit_orders[co_id] = credit_order
    order.credit_orders = (*order.credit_orders, co_id)
    if settings.status == "READY":
        _post_credit_order(e, credit_order, invoice, order, customer, plans, d)


def _settings(
    e: State, d: Directive[CreditOrderArgs], invoice: Invoice, order: Order, what: str
) -> Settings:
    """Check the credit order's metadata."""
    meta = d.meta
    status = meta.get("status", "READY")
    if status not in STATUSES:
        raise Invalid(
            f'{what}: status must be "OPEN", "APPROVED" or "READY", '
            f"got {directives.show(status)}"
        )
    reason = e.meta_string(meta, "reason", what)
    rep = e.meta_string(meta, "rep", what) or order.rep
    po = e.meta_string(meta, "po", what) or order.po
    full = meta.get("full", False)
    if not isinstance(full, bool):
        raise Invalid(f"{what}: full must be TRUE or FALSE, got {directives.show(full)}")
    credit_date = meta.get("credit-date")
    if credit_date not in (None, "invoice"):
        raise Invalid(
            f'{what}: credit-date must be "invoice" (post on the invoice\'s date) or '
            "absent (post on the credit order's date), "
            f"got {directives.show(credit_date)}"
        )
    post_date = invoice.date if credit_date == "invoice" else d.date
    return Settings(status, reason, rep, po, full, post_date)


def _requests(
    d: Directive[CreditOrderArgs],
    invoice: Invoice,
    line_directives: list[Directive[CreditLineArgs]],
    settings: Settings,
    what: str,
) -> list[Request]:
    """The lines to credit: every uncredited invoice line, or the credit lines."""
    if not settings.full:
        if not line_directives:
            raise Invalid(
                f'{what}: no credit-line directives name it (custom "credit-line" '
                f'"{d.args.co}" ITEM TYPE QTY PRICE), and it is not full: TRUE'
            )
        return [
            Request(
                line, line.args.item, line.args.type, line.args.qty, line.args.price.number
            )
            for line in line_directives
        ]
    if line_directives:
        raise Invalid(
            f"{what}: full: TRUE credits every line of the invoice; it cannot also "
            "have credit-line directives "
            f"(line {line_directives[0].meta['lineno']})"
        )
    line_type = d.meta.get("type", "credit")
    if line_type not in ("credit", "return"):
        raise Invalid(
            f'{what}: type must be "credit" or "return", got {directives.show(line_type)}'
        )
    requests = [
        Request(None, line.item, line_type, line.qty - line.credited, line.price)
        for line in invoice.lines
        if line.qty - line.credited > 0
    ]
    if not requests:
        raise Invalid(f'{what}: everything on invoice "{invoice.id}" is already credited')
    return requests


def _plan_lines(
    e: State,
    d: Directive[CreditOrderArgs],
    invoice: Invoice,
    order: Order,
    requests: list[Request],
    status: str,
    what: str,
) -> tuple[list[CreditLine], list[ReturnPlan]]:
    """Check every line against the invoice before anything changes; price them.

    A bad credit line is reported at its own line, and then the credit order is
    not posted at all.
    """
    credited: dict[int, CreditLine] = {}  # by invoice line: what this order credits
    reserved: dict[tuple[int, int | None], Decimal] = {}
    plans: list[ReturnPlan] = []
    lines: list[CreditLine] = []
    bad = 0
    for request in requests:
        source = request.directive.entry if request.directive else d.entry
        label = f"{what} line {request.item}"
        costing = Costing.OPEN
        if status == "READY":
            costing = Costing.COSTED if request.type == "return" else Costing.NONE
        try:
            if request.directive is not None:
                _check_credit_line(request.directive, invoice, label)
            portions = _credit_portions(invoice, request, credited, label)
            if request.type == "return" and status == "READY":
                plan = stock.plan_return_of(
                    e, order, request.item, request.qty, source.meta, label, reserved
                )
                plans.append(plan)
                if plan.uncosted:
                    costing = Costing.UNCOSTED
        except Invalid as exc:
            if request.directive is None:
                raise
            e.error(source, str(exc))
            bad += 1
            continue
        for invoice_line, part in portions:
            line = _credit_line(e, request, invoice_line, part, credited, source.meta)
            line.costing = costing
            lines.append(line)
    broken = e.broken_lines.pop(d.args.co, 0)
    bad += broken
    if bad:
        raise Invalid(
            f"{what}: not posted, {bad} of its {len(requests) + broken} lines "
            f"{'is' if bad == 1 else 'are'} invalid"
        )
    return lines, plans


def _credit_line(
    e: State,
    request: Request,
    invoice_line: InvoiceLine,
    qty: Decimal,
    credited: dict[int, CreditLine],
    meta: data.Meta,
) -> CreditLine:
    """``qty`` of one invoice line credited at the request's price: net and tax.

    The credit that takes the last uncredited units of the line at the invoice
    price, when every earlier credit of it was at that price too, takes exactly
    what is left of its net and tax (SPEC, Remainders), so a line credited in
    pieces nets to zero to the cent.
    """
    earlier = [
        line
        for line in credited.values()
        if line.invoice_line == invoice_line.line and line.item == invoice_line.item
    ]
    taken_qty = sum((line.qty for line in earlier), ZERO)
    at_price = not invoice_line.credited_below and all(
        line.price == invoice_line.price for line in earlier
    )
    if (
        at_price
        and request.price == invoice_line.price
        and qty == invoice_line.qty - invoice_line.credited - taken_qty
    ):
        net = invoice_line.net - invoice_line.credited_net
        tax = invoice_line.tax - invoice_line.credited_tax
        net -= sum((line.net for line in earlier), ZERO)
        tax -= sum((line.tax for line in earlier), ZERO)
    else:
        value = rules.line_value(qty, request.price, e.quantum)
        net, tax = rules.split_tax(
            value, invoice_line.tax_rate, e.config.prices_include_tax, e.quantum
        )
    credit_line = CreditLine(
        request.item,
        request.type,
        qty,
        request.price,
        invoice_line.tax_rate,
        net,
        tax,
        invoice_line.line,
        meta,
        Costing.OPEN,
        jurisdiction=invoice_line.jurisdiction,
    )
    credited[id(credit_line)] = credit_line
    return credit_line


def _check_credit_line(
    line: Directive[CreditLineArgs], invoice: Invoice, label: str
) -> None:
    """A credit line's TYPE and PRICE, against its invoice."""
    line_type = line.args.type
    if line_type not in ("return", "credit"):
        raise Invalid(f'{label}: TYPE must be "return" or "credit", got "{line_type}"')
    price = line.args.price
    if price.currency != invoice.currency:
        raise Invalid(f"{label}: price {price} is not in the invoice's {invoice.currency}")
    if price.number < 0:
        raise Invalid(f"{label}: price must not be negative, got {price}")


def _credit_portions(
    invoice: Invoice, request: Request, earlier: dict[int, CreditLine], label: str
) -> list[tuple[InvoiceLine, Decimal]]:
    """Spread a credited quantity over the invoice's lines of the item, in order.

    ``earlier`` holds what earlier lines of the same credit order took.
    """
    item, qty, price = request.item, request.qty, request.price
    credited: dict[int, Decimal] = {}
    for taken in earlier.values():
        for line in invoice.lines:
            if line.line == taken.invoice_line and line.item == taken.item:
                credited[id(line)] = credited.get(id(line), ZERO) + taken.qty
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
            f'{label}: cannot credit {fmt(qty)} {item}: invoice "{invoice.id}" billed '
            f"{fmt(invoiced)} and {fmt(invoiced - free)} are already credited"
        )
    portions = []
    for line in lines:
        take = min(qty, line.qty - line.credited - credited.get(id(line), ZERO))
        if take <= 0:
            continue
        if price > line.price:
            raise Invalid(
                f"{label}: price {fmt(price)} {invoice.currency} is above the invoice "
                f'price {fmt(line.price)} {invoice.currency} on "{invoice.id}"'
            )
        portions.append((line, take))
        qty -= take
        if qty <= 0:
            break
    return portions


def _post_credit_order(
    e: State,
    credit_order: CreditOrder,
    invoice: Invoice,
    order: Order,
    customer: Customer,
    plans: list[ReturnPlan],
    d: Directive[CreditOrderArgs],
) -> None:
    """Post a READY credit order: the credit, the goods back, loyalty, settlement."""
    by_line = {(line.item, line.line): line for line in invoice.lines}
    order_lines = {line.number: line for line in order.lines}
    for credit_line in credit_order.lines:
        invoice_line = by_line[(credit_line.item, credit_line.invoice_line)]
        invoice_line.credited += credit_line.qty
        invoice_line.credited_net += credit_line.net
        invoice_line.credited_tax += credit_line.tax
        invoice_line.credited_below |= credit_line.price < invoice_line.price
        order_line = order_lines[credit_line.invoice_line]
        order_line.credited_net += credit_line.net
        if credit_line.type == "credit" and credit_line.price >= invoice_line.price:
            order_line.written_off += credit_line.qty
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
    narration = f"Credit order {credit_order.id} against invoice {invoice.id}"
    if credit_order.post_date != credit_order.date:
        narration += f" (credit-date: the invoice's date; made on {credit_order.date})"
        meta["credit-date"] = "invoice"
    txn = TxnBuilder(d.meta, credit_order.post_date, customer.name, narration, links, meta)
    currency = credit_order.currency
    returns = e.config.account("returns", customer=customer.account)
    if invoice.id in e.book.fx.invoices:
        _post_foreign_credit(e, txn, credit_order, invoice, returns)
    else:
        for credit_line in credit_order.lines:
            txn.post(
                returns,
                credit_line.net,
                currency,
                item=credit_line.item,
                line_type=credit_line.type,
            )
        sales_tax = e.config.account("sales_tax")
        parts = (
            (line.tax_rate, line.jurisdiction, line.tax) for line in credit_order.lines
        )
        for rate, jurisdiction, tax in rules.taxes_by_rate_and_jurisdiction(parts):
            txn.post(sales_tax, tax, currency, rate=rate, jurisdiction=jurisdiction)
        txn.post(e.receivable(customer), -credit_order.gross, currency)
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
    cost_before = {line.number: line.cost for line in order.lines}
    back = _restock(e, credit_order, order, plans, stock_txn)
    voids.keep_return(e.book.voids, credit_order.id, order.lines, plans, cost_before)
    e.emit(txn)
    if stock_txn is not txn and stock_txn.postings:
        e.emit(stock_txn)
    for restocked, item in back:
        stock.relot_restocked(e, restocked, item, d.date, d.meta, credit_order.id, order.id)
    points_back.loyalty_on_credit(e, credit_order, invoice, order, customer, d)
    payments.settle(
        e,
        Settlement(
            id=credit_order.id,
            kind=SettlementKind.CREDIT_ORDER,
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


def _post_foreign_credit(
    e: State,
    txn: TxnBuilder,
    credit_order: CreditOrder,
    invoice: Invoice,
    returns: str,
) -> None:
    """A credit order on a foreign invoice: returns and tax in the operating
    currency at the invoice's rate (the credit that takes the last of a line's net
    or of a rate's tax takes exactly what is left of its value), Cr the invoice's
    receivable lot (beyond what is open on it, a lot of the credit order's own),
    the difference to ``fx``."""
    opc = e.book.fx.opc or ""
    debits: list[tuple[str, Decimal]] = []
    for line in credit_order.lines:
        key = (line.item, line.invoice_line)
        value = fx.credit_line_value(e, invoice.id, key, line.net)
        txn.post(returns, value, opc, item=line.item, line_type=line.type)
        debits.append((returns, value))
    sales_tax = e.config.account("sales_tax")
    parts = ((line.tax_rate, line.jurisdiction, line.tax) for line in credit_order.lines)
    for rate, jurisdiction, tax in rules.taxes_by_rate_and_jurisdiction(parts):
        value = fx.credit_tax_value(e, invoice.id, (rate, jurisdiction), tax)
        txn.post(sales_tax, value, opc, rate=rate, jurisdiction=jurisdiction)
        debits.append((sales_tax, value))
    gross = credit_order.gross
    settlement = Settlement(
        id=credit_order.id,
        kind=SettlementKind.CREDIT_ORDER,
        customer=credit_order.customer,
        order=credit_order.order,
        invoice=invoice.id,
        date=credit_order.post_date,
        amount=gross,
        currency=credit_order.currency,
        meta=credit_order.meta,
    )
    # What settling it will match to the invoice (payments.allocate, below).
    allocated = min(gross, invoice.open_amount)
    matched = [(invoice.id, allocated)] if allocated > 0 else []
    fx.post_credit(e, txn, settlement, matched, debits)


def _restock(
    e: State,
    credit_order: CreditOrder,
    order: Order,
    plans: list[ReturnPlan],
    txn: TxnBuilder,
) -> list[tuple[list[PlacedLot], str]]:
    """Put the return lines' goods back at their lots' cost, onto ``txn``."""
    return_lines = [line for line in credit_order.lines if line.type == "return"]
    back: list[tuple[list[PlacedLot], str]] = []
    for plan in plans:
        restocked = stock.apply_return(e, order, plan, True, txn)
        back.append((restocked, plan.item))
        for credit_line in return_lines:
            if credit_line.item == plan.item and not credit_line.lots:
                credit_line.lots = restocked
                break
    return back
