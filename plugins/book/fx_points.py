"""Loyalty points on foreign-currency orders (SPEC Revision 2: "on a foreign
order, loyalty earns and redeems on the invoice's OPC value"): a redemption's
discount in the operating currency and the receivable in the order's, at the
rate of the invoice it is set against (or, before any, the day's price, held as
a lot of its own); what credit orders and cancels give back, at the value it
was redeemed at. The rest of foreign money is in :mod:`beancount_orders.book.fx`.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from beancount.core import data

from beancount_orders.book.fx import Converted
from beancount_orders.book.fx import FxLot
from beancount_orders.book.fx import _credit_receivable
from beancount_orders.book.fx import _post_fx
from beancount_orders.book.fx import allocated_now
from beancount_orders.book.fx import opc_value
from beancount_orders.book.postings import TxnBuilder
from beancount_orders.book.rules import ZERO

if TYPE_CHECKING:
    from beancount_orders.book.model import Invoice
    from beancount_orders.book.model import Order
    from beancount_orders.book.model import Settlement
    from beancount_orders.book.state import State


def redemption_rate(e: State, order: Order, date: datetime.date, what: str) -> Decimal:
    """The rate a redemption on a foreign order converts at: that of the order's
    oldest invoice still open (the one it settles first), else the day's price."""
    for invoice_id in order.invoices:
        invoice = e.book.invoices[invoice_id]
        if invoice.open_amount > 0 and invoice_id in e.book.fx.invoices:
            return e.book.fx.invoices[invoice_id].rate
    from beancount_orders.book.state import Invalid  # state.py imports this module

    fx, currency = e.book.fx, order.currency or ""
    rate = fx.price(currency, date)
    if rate is None:
        raise Invalid(
            f"{what}: no rate for {currency} in {fx.opc} on or before {date}: write a "
            f"price ({date} price {currency} RATE {fx.opc})"
        )
    return rate


def post_redemption(
    e: State,
    txn: TxnBuilder,
    redemption: Settlement,
    account: str,
    value: Decimal,
    rate: Decimal,
) -> None:
    """A redemption on a foreign order: Dr the loyalty discount ``value`` OPC, Cr
    the receivable lots of the invoices it settles at their cost (the rest as a
    lot of its own at ``rate``), the difference to ``fx``."""
    fx = e.book.fx
    txn.post(account, value, fx.opc or "")
    label = f"REDEMPTION-{redemption.order}"
    weight = _credit_receivable(e, txn, redemption, allocated_now(redemption), rate, label)
    _post_fx(e, txn, value + weight)
    fx.redemptions[redemption.id] = Converted(redemption.amount, value)


def set_against(e: State, invoice_id: str, redemption: str, amount: Decimal) -> None:
    """``amount`` of a redemption (in the order's currency) set against a foreign
    invoice's earning basis: its OPC share goes with it."""
    fx = e.book.fx
    source = fx.redemptions.get(redemption)
    if source is None or invoice_id not in fx.invoices:
        return
    rate = source.value / source.total if source.total else ZERO
    value = source.take(amount, rate, e.quantum)
    record = fx.redeemed.setdefault(invoice_id, Converted(ZERO, ZERO))
    record.total += amount
    record.value += value


def give_back(
    e: State,
    txn: TxnBuilder,
    invoice: Invoice,
    account: str,
    amount: Decimal,
    credit: str,
) -> None:
    """The discount money of points given back on a foreign invoice by the credit
    order ``credit``: Dr the receivable ``amount`` (first the credit order's own
    lot, the part of it beyond what was open on the invoice, which settling it
    will now match to the invoice; then the invoice's lot), at their cost; Cr the
    loyalty discount the OPC value the points were redeemed at (the credit that
    gives back the last of it, exactly what is left); the difference to ``fx``."""
    fx = e.book.fx
    record = fx.redeemed.get(invoice.id) or Converted(
        amount, opc_value(e, invoice.id, amount)
    )
    rate = record.value / record.total if record.total else fx.invoices[invoice.id].rate
    value = record.take(amount, rate, e.quantum)
    fx.takes.setdefault(credit, []).append((record, amount, value))
    weight = ZERO
    for lot in (fx.lots.get(credit), fx.lots[invoice.id]):
        if lot is None:
            continue
        units = amount if lot.document == invoice.id else min(amount, -lot.units)
        if units <= 0:
            continue
        txn.post(lot.account, units, invoice.currency, lot.cost)
        lot.change(txn.date, units)
        weight += units * lot.rate
        amount -= units
    txn.post(account, -value, fx.opc or "")
    _post_fx(e, txn, weight - value)


def reverse_money(builder: TxnBuilder, txn: data.Transaction, symbol: str) -> None:
    """The exact reverse of a foreign give-back's money (its receivable lots, its
    discount in OPC and its ``fx``): the postings of ``txn`` not in points."""
    for posting in txn.postings:
        if posting.units is None or posting.units.currency == symbol:
            continue
        meta = {**(posting.meta or {}), "filename": builder.filename}
        meta["lineno"] = builder.lineno
        builder.postings.append(posting._replace(units=-posting.units, meta=meta))  # type: ignore[operator]


def cancel_redemptions(
    e: State, txn: TxnBuilder, parts: list[tuple[str, Decimal]], account: str
) -> None:
    """The discount money of redemptions a cancel reverses on a foreign order:
    Dr each redemption's own lot the part reversed, at its cost; Cr the loyalty
    discount the OPC value it was redeemed at (the last of a redemption, exactly
    what is left); the difference to ``fx``."""
    fx = e.book.fx
    weight = value = ZERO
    for redemption, part in parts:
        source = fx.redemptions[redemption]
        rate = source.value / source.total if source.total else ZERO
        value += source.take(part, rate, e.quantum)
        lot = fx.lots.get(redemption)
        if lot is None:
            settlement = e.book.settlements[redemption]
            lot = fx.lots[redemption] = FxLot(
                redemption,
                settlement.kind.value,
                settlement.customer,
                settlement.order,
                e.receivable(e.book.customers[settlement.customer]),
                fx.held[redemption],
                ZERO,
                settlement.currency,
            )
        txn.post(lot.account, part, lot.currency, lot.cost)
        lot.change(txn.date, part)
        weight += part * lot.rate
    txn.post(account, -value, fx.opc or "")
    _post_fx(e, txn, weight - value)
