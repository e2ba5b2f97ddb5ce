"""Loyalty: ``loyalty-program``, ``redeem`` and ``loyalty-adjust``, and the points
that invoices earn, that expire, and that credit orders claw back and give back.

Points are their own commodity (the program's symbol); each earning is a parcel
with its own expiry, and redemptions use the soonest-expiring parcels first.
"""

from __future__ import annotations

import datetime
import heapq
from decimal import ROUND_FLOOR
from decimal import Decimal

from beancount.core import account as account_lib
from beancount.core import data
from beancount.core.amount import Amount

from beancount_orders.book import directives
from beancount_orders.book import fx
from beancount_orders.book import fx_points
from beancount_orders.book.directives import Directive
from beancount_orders.book.directives import InvoiceArgs
from beancount_orders.book.directives import LoyaltyAdjustArgs
from beancount_orders.book.directives import LoyaltyProgramArgs
from beancount_orders.book.directives import RedeemArgs
from beancount_orders.book.handlers import payments
from beancount_orders.book.loyalty import LoyaltyEvent
from beancount_orders.book.loyalty import Parcel
from beancount_orders.book.loyalty import Program
from beancount_orders.book.loyalty import Wallet
from beancount_orders.book.model import ZERO
from beancount_orders.book.model import Customer
from beancount_orders.book.model import Invoice
from beancount_orders.book.model import Order
from beancount_orders.book.model import PendingRedemption
from beancount_orders.book.model import Settlement
from beancount_orders.book.postings import GENERATED
from beancount_orders.book.postings import TxnBuilder
from beancount_orders.book.rules import SettlementKind
from beancount_orders.book.rules import round_money
from beancount_orders.book.state import Invalid
from beancount_orders.book.state import State
from beancount_orders.book.state import check_product
from beancount_orders.book.state import fmt
from beancount_orders.book.state import number
from beancount_orders.book.state import whole_days


def on_loyalty_program(e: State, d: Directive[LoyaltyProgramArgs]) -> None:
    """Defines a loyalty program whose points are the commodity SYMBOL, or changes
    its rates from this date.

    Posts nothing; its accounts, once used, never change.
    """
    symbol = d.args.symbol
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
    expiry = whole_days(meta.get("expiry"), "expiry", what)
    name = e.meta_string(meta, "name", what)
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
    existing = e.book.programs.get(symbol)
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
            (d.date, existing.earn, existing.value, existing.expiry, d.meta)
        )
        return
    if symbol in e.book.documents or (symbol in e.items and "income" in e.items[symbol]):
        raise Invalid(f"{what}: {symbol} is already an item sold on orders")
    program = Program(
        symbol,
        name or symbol,
        accounts["liability"] or e.config.account("loyalty_liability", program=symbol),
        accounts["expense"] or e.config.account("loyalty_expense", program=symbol),
        accounts["discount"] or e.config.account("loyalty_discount", program=symbol),
        earn if earn is not None else Decimal(1),
        value,
        expiry,
        meta,
    )
    program.history.append((d.date, program.earn, program.value, program.expiry, d.meta))
    e.book.programs[symbol] = program


def program_of(e: State, order: Order, customer: Customer) -> Program | None:
    """The loyalty program an order earns and redeems in (the order's, else the
    customer's); raises :class:`Invalid` when it names an unknown program."""
    symbol = order.program or customer.program
    if symbol is None:
        return None
    program = e.book.programs.get(symbol)
    if program is None:
        raise Invalid(
            f'Loyalty program "{symbol}" of order "{order.id}" is not defined '
            f'(custom "loyalty-program" "{symbol}")'
        )
    return program


def wallet_of(e: State, customer: str, program: str) -> Wallet:
    """A customer's points in a program (made empty on first use)."""
    key = (customer, program)
    wallet = e.book.wallets.get(key)
    if wallet is None:
        wallet = e.book.wallets[key] = Wallet(customer, program)
    return wallet


def add_parcel(
    e: State,
    program: Program,
    customer: Customer,
    date: datetime.date,
    points: Decimal,
    source: str,
    meta: data.Meta,
) -> Parcel:
    expires = date + e.days(program.expiry) if program.expiry else None
    e.parcel_seq += 1
    parcel = Parcel(
        e.parcel_seq,
        customer.id,
        program.symbol,
        date,
        points,
        expires,
        source,
        meta,
    )
    wallet_of(e, customer.id, program.symbol).add(parcel)
    if expires is not None:
        heapq.heappush(e.expiries, (expires, parcel.seq, parcel))
    return parcel


def event(
    e: State,
    date: datetime.date,
    customer: Customer,
    program: Program,
    kind: str,
    points: Decimal,
    value: Decimal | None,
    document: str | None,
    meta: data.Meta,
) -> None:
    e.book.loyalty_events.append(
        LoyaltyEvent(date, customer.id, program.symbol, kind, points, value, document, meta)
    )


def earn(
    e: State,
    invoice: Invoice,
    order: Order,
    customer: Customer,
    d: Directive[InvoiceArgs],
) -> None:
    """Points for an invoice: its gross less the order's redemptions up to now."""
    try:
        program = program_of(e, order, customer)
    except Invalid as exc:
        e.error(d.entry, f'Invoice "{invoice.id}": {exc}; no points earned')
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
            fx_points.set_against(e, invoice.id, redemption.settlement, used)
            invoice.redeemed_points += redemption.split(used)
            invoice.redeemed_value += used
            basis -= used
        order.redemptions_unapplied = tuple(
            r for r in order.redemptions_unapplied if r.value > 0
        )
    if invoice.id in e.book.fx.invoices:  # earned on its value in OPC
        basis = fx.opc_value(e, invoice.id, basis)
    points = (basis * program.earn).to_integral_value(rounding=ROUND_FLOOR)
    if points <= 0:
        return
    invoice.points_earned = points
    e.invoice_parcels[invoice.id] = add_parcel(
        e, program, customer, d.date, points, invoice.id, d.meta
    )
    event(e, d.date, customer, program, "earned", points, None, invoice.id, d.meta)
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
    e.emit(txn)


def on_redeem(e: State, d: Directive[RedeemArgs]) -> None:
    """Points spent on an order, at the program's value per point.

    Posts Dr the points liability, Cr points distributed (in points), Dr the
    loyalty discount, Cr receivable (in money); the discount settles the order.
    """
    order = e.order(d.args.order)
    points = d.args.points
    what = f'Redemption of {points} on order "{order.id}"'
    customer = e.book.customers[order.customer]
    program = program_of(e, order, customer)
    if program is None:
        raise Invalid(
            f'{what}: customer "{customer.id}" is in no loyalty program '
            "(program metadata on the customer or the order)"
        )
    if points.currency != program.symbol:
        raise Invalid(f"{what}: the order's loyalty program is {program.symbol}")
    if points.number <= 0:
        raise Invalid(f"{what}: points must be greater than zero")
    whole_points(points.number, what)
    if program.value is None:
        raise Invalid(
            f"{what}: program {program.symbol} has no value per point "
            "(value metadata such as 0.10 GBP)"
        )
    currency = program.value.currency
    foreign = order.currency is not None and e.book.fx.foreign(order.currency)
    if order.currency is not None and order.currency != currency and not foreign:
        raise Invalid(
            f"{what}: points are worth {currency} and the order is in {order.currency}"
        )
    if foreign and currency != e.book.fx.opc:
        raise Invalid(
            f"{what}: points are worth {currency}; on an order in {order.currency}, a "
            f"foreign currency, they are redeemed at their value in {e.book.fx.opc}"
        )
    wallet = wallet_of(e, customer.id, program.symbol)
    if points.number > wallet.balance:
        raise Invalid(f"{what}: {_short_of_points(customer, program, wallet)}")
    check_product(points.number, number(program.value), what)
    value = round_money(points.number * number(program.value), e.quantum)
    rate = fx_points.redemption_rate(e, order, d.date, what) if foreign else None
    amount = value if rate is None else round_money(value / rate, e.quantum)
    wallet.take(points.number)
    redemption_id = f"redemption:{d.meta.get('filename')}:{d.meta.get('lineno')}"
    event(e, d.date, customer, program, "redeemed", -points.number, value, order.id, d.meta)
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
    settlement = Settlement(
        id=redemption_id,
        kind=SettlementKind.REDEMPTION,
        customer=customer.id,
        order=order.id,
        invoice=None,
        date=d.date,
        amount=amount,
        currency=(order.currency or currency) if rate is not None else currency,
        meta=d.meta,
    )
    if rate is None:
        txn.post(program.discount, value, currency)
        txn.post(e.receivable(customer), -value, currency)
        e.emit(txn)
        payments.settle(e, settlement, order, None)
    else:  # the discount in OPC, the receivable's lots in CUR (what it settles)
        payments.settle(e, settlement, order, None)
        fx_points.post_redemption(e, txn, settlement, program.discount, value, rate)
        e.emit(txn)
    order.discount += amount
    if amount > 0:
        order.redemptions_unapplied = (
            *order.redemptions_unapplied,
            PendingRedemption(points.number, amount, redemption_id),
        )


def on_loyalty_adjust(e: State, d: Directive[LoyaltyAdjustArgs]) -> None:
    """A manual change of a customer's points (positive or negative).

    Posts like earning (or its reverse): the points liability against points
    distributed.
    """
    customer = e.customer(d.args.customer)
    points = d.args.points
    what = f'Loyalty adjustment of {points} for customer "{customer.id}"'
    program = e.book.programs.get(points.currency)
    if program is None:
        raise Invalid(f"{what}: {points.currency} is not a loyalty program")
    if points.number == 0:
        raise Invalid(f"{what}: points must not be zero")
    whole_points(points.number, what)
    reason = e.meta_string(d.meta, "reason", what)
    adjustment = e.own_id(d.meta, "loyalty adjustment", "ADJUST", what)
    wallet = wallet_of(e, customer.id, program.symbol)
    if points.number < 0:
        if -points.number > wallet.balance:
            raise Invalid(f"{what}: {_short_of_points(customer, program, wallet)}")
        wallet.take(-points.number)
    else:
        source = f"adjustment:{d.meta.get('filename')}:{d.meta.get('lineno')}"
        add_parcel(e, program, customer, d.date, points.number, source, d.meta)
    event(e, d.date, customer, program, "adjusted", points.number, None, None, d.meta)
    narration = f"Loyalty adjustment of {points}"
    if reason:
        narration += f": {reason}"
    txn = TxnBuilder(
        d.meta,
        d.date,
        customer.name,
        narration,
        (adjustment,),
        {"customer": customer.id, "program": program.symbol, "adjustment": adjustment},
    )
    txn.post(program.liability, -points.number, program.symbol)
    txn.post(program.expense, points.number, program.symbol)
    e.emit(txn)


def expire_through(e: State, date: datetime.date) -> None:
    """Expire the points left in parcels whose expiry date is on or before ``date``."""
    while e.expiries and e.expiries[0][0] <= date:
        expires, _, parcel = heapq.heappop(e.expiries)
        points = parcel.remaining
        if points <= 0:
            continue
        wallet = e.book.wallets[(parcel.customer, parcel.program)]
        parcel.remaining = ZERO
        parcel.expired = points
        wallet.balance -= points
        program = e.book.programs[parcel.program]
        customer = e.book.customers[parcel.customer]
        event(
            e,
            expires,
            customer,
            program,
            "expired",
            -points,
            None,
            parcel.source,
            parcel.meta,
        )
        kind = e.book.documents.get(parcel.source)
        document = parcel.source if kind else None
        txn = TxnBuilder(
            parcel.meta,
            expires,
            customer.name,
            f"Expiry of {fmt(points)} {program.symbol} earned {parcel.date}"
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
        e.emit(txn)


def whole_points(points: Decimal, what: str) -> None:
    """Points are whole: earning rounds down to them, and so must what is spent."""
    if points != points.to_integral_value():
        raise Invalid(f"{what}: points must be a whole number, got {fmt(points)}")


def _short_of_points(customer: Customer, program: Program, wallet: Wallet) -> str:
    """What a customer holds, and what expired, for a spend of more than that."""
    text = f'customer "{customer.id}" has only {fmt(wallet.balance)} {program.symbol}'
    expired = [parcel for parcel in wallet.parcels if parcel.expired > 0]
    if expired:
        points = sum((parcel.expired for parcel in expired), ZERO)
        last = max(parcel.expires for parcel in expired if parcel.expires)
        text += f" ({fmt(points)} {program.symbol} of theirs expired, the last on {last})"
    return text


def price_points(e: State) -> None:
    """A ``price`` entry for each program's points on each date their value is
    set or changed, so that Fava's balance sheet and bean-query value the points
    liability in money."""
    for program in e.book.programs.values():
        previous: Amount | None = None
        for date, _, value, _, source in program.history:
            if value is None or value == previous:
                continue
            previous = value
            meta = data.new_metadata(
                source.get("filename", "<orders>"), source.get("lineno", 0)
            )
            meta[GENERATED] = True
            e.book.prices.append(
                data.Price(
                    meta, date, program.symbol, Amount(number(value), value.currency)
                )
            )
