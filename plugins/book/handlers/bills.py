"""Supplier bills: ``bill`` and ``landed-cost`` (SPEC, Revision 2, "Purchasing").

A bill matches three ways: never more than was received, at the PO's cost out
of ``grni``. A price other than the PO's cost, and a landed cost, re-value the
PO's goods (:mod:`beancount_orders.book.revalue`): the share on units still in
stock onto their lots, the share on units gone to COGS, on the bill's own date
(nothing earlier changes, so a locked period stays as it was).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from beancount_orders.book import directives
from beancount_orders.book import revalue
from beancount_orders.book import rules
from beancount_orders.book.directives import BillArgs
from beancount_orders.book.directives import Directive
from beancount_orders.book.directives import LandedCostArgs
from beancount_orders.book.handlers.purchasing import grni_account
from beancount_orders.book.handlers.purchasing import purchase_order
from beancount_orders.book.handlers.purchasing import supplier_of
from beancount_orders.book.handlers.purchasing import take_lines
from beancount_orders.book.model import ZERO
from beancount_orders.book.postings import TxnBuilder
from beancount_orders.book.purchasing import BILL
from beancount_orders.book.purchasing import LANDED_COST
from beancount_orders.book.purchasing import Bill
from beancount_orders.book.purchasing import BillLine
from beancount_orders.book.purchasing import LandedCost
from beancount_orders.book.purchasing import POLine
from beancount_orders.book.purchasing import PurchaseOrder
from beancount_orders.book.purchasing import Supplier
from beancount_orders.book.state import Invalid
from beancount_orders.book.state import State
from beancount_orders.book.state import check_product


def _due(d: Directive[Any], supplier: Supplier, what: str) -> datetime.date:
    """The ``due`` metadata, else the bill's date plus the supplier's terms."""
    due = d.meta.get("due")
    if due is None:
        return d.date + datetime.timedelta(days=supplier.terms or 0)
    if not isinstance(due, datetime.date):
        raise Invalid(
            f"{what}: due must be a date such as 2024-02-01, got {directives.show(due)}"
        )
    return due


def _input_tax(
    e: State, txn: TxnBuilder, nets: dict[Decimal, Decimal], currency: str
) -> dict[Decimal, tuple[Decimal, Decimal]]:
    """Dr input tax at each rate on the net billed at it (rounded once per
    rate); the net and tax of each rate."""
    account = e.config.account("input_tax")
    by_rate = {}
    for rate in sorted(nets):
        tax = rules.round_money(nets[rate] * rate, e.quantum)
        if rate and tax:
            txn.post(account, tax, currency, rate=rate)
        by_rate[rate] = (nets[rate], tax)
    return by_rate


def on_bill(e: State, d: Directive[BillArgs]) -> None:
    """The supplier's invoice for a purchase order (everything received and not
    yet billed at PO cost, or the (ITEM QTY PRICE) lines named).

    Posts Dr ``grni`` at the PO cost, Dr ``input_tax`` at each line's rate,
    Cr the supplier's payable gross. A PRICE other than the PO cost also posts
    its difference to ``grni`` and re-values the PO's goods in a transaction of
    its own: Cr ``grni``, the share on units in stock onto their lots (re-lot),
    the share on units gone to COGS. At the PO cost, what the bill's rounded
    net differs from what leaves ``grni`` (receipts and bills of other
    quantities round differently, a cent or so) is no price difference: it
    goes to COGS in the bill's transaction, and no lot is re-valued.
    """
    bill_id = d.args.bill
    po = purchase_order(e, d.args.po, f'Bill "{bill_id}"')
    what = f'Bill "{bill_id}" for purchase order "{po.id}"'
    e.new_document(bill_id, BILL)
    supplier = e.book.purchasing.suppliers[po.supplier]
    ref = e.meta_string(d.meta, "ref", what)
    due = _due(d, supplier, what)
    currency = po.currency or ""
    for priced in d.args.lines:
        if po.currency is not None and priced.price.currency != currency:
            raise Invalid(
                f"{what}: {priced.item} is billed in {priced.price.currency}, the "
                f"purchase order is in {currency}; a bill is in its PO's currency"
            )
        if priced.price.number < 0:
            raise Invalid(f"{what}: price must not be negative, got {priced.price}")
        check_product(priced.qty, priced.price.number, what)
    prices = {priced.item: priced.price.number for priced in d.args.lines}
    if len(prices) < len(d.args.lines):
        raise Invalid(f"{what}: each item may appear once on a bill")
    pairs = tuple((priced.item, priced.qty) for priced in d.args.lines)
    chosen = take_lines(po, pairs, "to_bill", what, "bill")
    grni = grni_account(e, supplier)
    quantum = e.quantum
    lines: list[BillLine] = []
    by_rate: dict[Decimal, Decimal] = {}
    differences: dict[str, Decimal] = {}
    roundings: dict[str, Decimal] = {}
    for line, qty in chosen:
        price = prices.get(line.item, line.cost)
        net = rules.line_value(qty, price, quantum)
        at_cost = _release(line, qty, quantum)
        by_rate[line.tax] = by_rate.get(line.tax, ZERO) + net
        lines.append(BillLine(line.number, line.item, qty, price, net, at_cost))
        if net == at_cost:
            continue
        if price == line.cost:  # a rounding gap only: no re-lot (SPEC)
            roundings[line.item] = roundings.get(line.item, ZERO) + net - at_cost
        else:
            differences[line.item] = differences.get(line.item, ZERO) + net - at_cost
    txn = TxnBuilder(
        d.meta,
        d.date,
        supplier.name,
        f"Bill {bill_id} for purchase order {po.id}",
        (po.id, bill_id),
        {"po": po.id, "supplier": supplier.id, "bill": bill_id, "ref": ref},
    )
    for bill_line in lines:
        txn.post(grni, bill_line.at_cost, currency, item=bill_line.item)
    for item, difference in differences.items():
        txn.post(grni, difference, currency, item=item)
    cogs = rules.cogs_account(e.config, po.location or e.config.location)
    for item, rounding in roundings.items():
        txn.post(cogs, rounding, currency, item=item)
    taxes = _input_tax(e, txn, by_rate, currency)
    tax = sum((tax for _, tax in taxes.values()), ZERO)
    net = sum((line.net for line in lines), ZERO)
    txn.post(supplier.payable, -(net + tax), currency)
    bill = Bill(
        bill_id,
        BILL,
        supplier.id,
        po.id,
        d.date,
        due,
        currency,
        net,
        tax,
        d.meta,
        lines=lines,
        ref=ref,
        by_rate=taxes,
    )
    e.register(bill_id, BILL)
    e.book.purchasing.payables[bill_id] = bill
    po.bills.append(bill_id)
    e.emit(txn)
    for item, cents in roundings.items():
        bill.cogs[item] = bill.cogs.get(item, ZERO) + cents
    if differences:
        for split in _price_difference(e, d, po, supplier, bill_id, differences, currency):
            bill.cogs[split.item] = bill.cogs.get(split.item, ZERO) + split.cogs


def _release(line: POLine, qty: Decimal, quantum: Decimal) -> Decimal:
    """What billing ``qty`` of a line takes out of GRNI: the PO cost of all
    billed so far, rounded once, less what earlier bills took; all that is
    left when it bills the last unit received (so GRNI holds nothing for a line
    received and billed in full)."""
    line.billed += qty
    if line.billed == line.received:
        value = line.grni_in - line.grni_out
    else:
        value = rules.line_value(line.billed, line.cost, quantum) - line.grni_out
    line.grni_out += value
    return value


def _price_difference(
    e: State,
    d: Directive[BillArgs],
    po: PurchaseOrder,
    supplier: Supplier,
    bill_id: str,
    differences: dict[str, Decimal],
    currency: str,
) -> list[revalue.Split]:
    """The re-lot transaction of a bill's price differences; how each item's
    was split."""
    txn = TxnBuilder(
        d.meta,
        d.date,
        supplier.name,
        f"Price difference of bill {bill_id} for purchase order {po.id}",
        (po.id, bill_id),
        {"po": po.id, "supplier": supplier.id, "bill": bill_id},
    )
    grni = grni_account(e, supplier)
    splits = []
    for item, difference in differences.items():
        txn.post(grni, -difference, currency, item=item)
        splits.append(revalue.spread(e, po, item, difference, currency, txn))
    txn.meta["split"] = "; ".join(split.describe(currency) for split in splits)
    e.emit(txn)
    return splits


def on_landed_cost(e: State, d: Directive[LandedCostArgs]) -> None:
    """Freight, duty and the like for a purchase order, billed by its supplier
    (or ``supplier``), split over the PO's received units by their PO cost
    value (``basis: "qty"``: by units), each share rounded, the residue on the
    largest.

    Posts Cr the payable (AMOUNT plus input tax at ``tax``), Dr input tax, the
    share on units still in stock onto their lots (re-lot), the share on units
    gone to COGS; the split is in the transaction's ``split`` metadata.
    """
    bill_id, amount = d.args.bill, d.args.amount
    po = purchase_order(e, d.args.po, f'Landed cost "{bill_id}"')
    what = f'Landed cost "{bill_id}" for purchase order "{po.id}"'
    e.new_document(bill_id, LANDED_COST)
    if amount.number <= 0:
        raise Invalid(f"{what}: amount must be greater than zero, got {amount}")
    if po.currency is not None and amount.currency != po.currency:
        raise Invalid(
            f"{what}: {amount} is not in {po.currency}, the purchase order's currency"
        )
    supplier_id = e.meta_string(d.meta, "supplier", what)
    supplier = (
        supplier_of(e, supplier_id, what)
        if supplier_id is not None
        else e.book.purchasing.suppliers[po.supplier]
    )
    basis = e.meta_string(d.meta, "basis", what) or "value"
    if basis not in ("value", "qty"):
        raise Invalid(f'{what}: basis must be "value" or "qty", got "{basis}"')
    rate = d.meta.get("tax", ZERO)
    if not isinstance(rate, Decimal) or isinstance(rate, bool) or not 0 <= rate < 1:
        raise Invalid(
            f"{what}: tax must be a rate from 0 to 1 such as 0.20, "
            f"got {directives.show(rate)}"
        )
    weights: dict[str, Decimal] = {}
    for line in po.lines:
        weight = line.received * (line.cost if basis == "value" else 1)
        if line.received > 0:
            weights[line.item] = weights.get(line.item, ZERO) + weight
    if not weights:
        raise Invalid(
            f"{what}: nothing was received on the purchase order yet; a landed cost "
            "is spread over received goods (date it on or after a receipt)"
        )
    if sum(weights.values(), ZERO) <= 0:
        raise Invalid(
            f"{what}: the received goods have no cost to spread it by value; "
            'use basis: "qty"'
        )
    shares = _shares(amount.number, weights, e.quantum)
    due = _due(d, supplier, what)
    txn = TxnBuilder(
        d.meta,
        d.date,
        supplier.name,
        f"Landed cost {bill_id} for purchase order {po.id}",
        (po.id, bill_id),
        {"po": po.id, "supplier": supplier.id, "bill": bill_id, "basis": basis},
    )
    splits = [
        revalue.spread(e, po, item, share, amount.currency, txn)
        for item, share in shares.items()
    ]
    taxes = _input_tax(e, txn, {rate: amount.number}, amount.currency)
    tax = taxes[rate][1]
    txn.post(supplier.payable, -(amount.number + tax), amount.currency)
    txn.meta["split"] = "; ".join(split.describe(amount.currency) for split in splits)
    landed = LandedCost(
        bill_id,
        LANDED_COST,
        supplier.id,
        po.id,
        d.date,
        due,
        amount.currency,
        amount.number,
        tax,
        d.meta,
        basis=basis,
        shares={split.item: (split.stock, split.cogs) for split in splits},
        cogs={split.item: split.cogs for split in splits},
        by_rate=taxes,
    )
    e.register(bill_id, LANDED_COST)
    e.book.purchasing.payables[bill_id] = landed
    po.bills.append(bill_id)
    supplier.add_order(po.id)  # a landed cost from another supplier lists the PO
    e.emit(txn)


def _shares(
    amount: Decimal, weights: dict[str, Decimal], quantum: Decimal
) -> dict[str, Decimal]:
    """``amount`` split by ``weights``, each share rounded, the residue on the
    largest (the first of equal ones)."""
    total = sum(weights.values(), ZERO)
    shares = {
        item: rules.round_money(amount * weight / total, quantum)
        for item, weight in weights.items()
    }
    largest = max(weights, key=lambda item: weights[item])
    shares[largest] += amount - sum(shares.values(), ZERO)
    return shares
