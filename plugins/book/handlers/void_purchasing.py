"""Voids of purchasing documents: receipts, bills, landed costs and bill
payments (SPEC, void), for :mod:`beancount_orders.book.handlers.void`.

Each takes the document out of the PO's quantities and the payables from the
void's date; the void posts the exact reverse of the document's transactions.
Lots that a document put into stock (a receipt's, or a bill's or landed cost's
re-valued ones) must still be there to come out again; otherwise the void is
an error naming the lot, and what to void first.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from beancount.core import data
from beancount.core.position import Cost

from beancount_orders.book.directives import Directive
from beancount_orders.book.directives import VoidArgs
from beancount_orders.book.model import ZERO
from beancount_orders.book.purchasing import Bill
from beancount_orders.book.purchasing import BillAllocation
from beancount_orders.book.purchasing import Payable
from beancount_orders.book.state import Invalid
from beancount_orders.book.state import State
from beancount_orders.book.state import fmt
from beancount_orders.book.stock import lot_name


def take_back_lots(
    e: State, transactions: list[data.Transaction], what: str, first: str
) -> None:
    """Undo what ``transactions`` did to the inventory lots: the lots they added
    must still be held (else :class:`Invalid`, saying to void ``first``), the lots
    they took are put back."""
    net: dict[tuple[str, str, Cost], Decimal] = {}
    for txn in transactions:
        for posting in txn.postings:
            cost = posting.cost
            amount = posting.units
            if (
                isinstance(cost, Cost)
                and amount is not None
                and e.inventory_re.match(posting.account)
            ):
                key = (posting.account, amount.currency, cost)
                net[key] = net.get(key, ZERO) + (amount.number or ZERO)
    for (account, item, cost), units in net.items():
        if units <= 0:
            continue
        held = e.holding(account, item).lots.get(cost, ZERO)
        if held < units:
            raise Invalid(
                f"{what}: its lot {item} {lot_name(cost)} in {account} was already "
                f"taken again ({fmt(held)} of {fmt(units)} left: dispatched, moved or "
                f"re-valued); {first}"
            )
    for (account, item, cost), units in net.items():
        holding = e.holding(account, item)
        if units > 0:
            holding.remove(cost, units)
        elif units < 0:
            holding.add(cost, -units)


def _unmatch(payable: Payable, date: datetime.date, e: State) -> None:
    """The bill payments matched to a payable are on account again from ``date``."""
    payments = e.book.purchasing.payments
    totals: dict[str, Decimal] = {}
    for allocation in payable.allocations:
        totals[allocation.source] = totals.get(allocation.source, ZERO) + allocation.amount
    for source, amount in totals.items():
        if amount <= 0:
            continue
        back = BillAllocation(source, payable.id, date, -amount)
        payable.match(back)
        payments[source].match(back)


def void_receipt(e: State, d: Directive[VoidArgs], doc_id: str, what: str) -> Any:
    purchasing = e.book.purchasing
    receipt = purchasing.receipts[doc_id]
    made = e.book.voids.made[doc_id]
    for txn in made.transactions:
        order = txn.meta.get("order")
        if order is not None:
            raise Invalid(
                f'{what}: it costed units dispatched short for order "{order}"; a '
                "receipt that stock owed to an order cannot be voided (correct it "
                "with a later stock movement)"
            )
    po = purchasing.orders[receipt.po]
    lines = {line.number: line for line in po.lines}
    for receipt_line in receipt.lines:
        line = lines[receipt_line.line]
        if line.received - receipt_line.qty < line.billed:
            raise Invalid(
                f"{what}: {fmt(line.billed)} {line.item} of purchase order "
                f'"{po.id}" are billed and only {fmt(line.received - receipt_line.qty)} '
                "would stay received: void the bill first"
            )
    take_back_lots(
        e, made.transactions, what, "void the bills and landed costs after it first"
    )
    for receipt_line in receipt.lines:
        line = lines[receipt_line.line]
        line.received -= receipt_line.qty
        line.grni_in -= receipt_line.value
        cost = receipt_line.cost
        purchasing.lots.pop((line.item, cost.date, cost.label or ""), None)
    receipt.voided = d.date
    return [], []


def void_bill(e: State, d: Directive[VoidArgs], doc_id: str, what: str) -> Any:
    purchasing = e.book.purchasing
    bill = purchasing.payables[doc_id]
    made = e.book.voids.made[doc_id]
    take_back_lots(
        e, made.transactions, what, "void what took them (or the landed costs) first"
    )
    po = purchasing.orders[bill.po] if bill.po else None
    lines = {line.number: line for line in po.lines} if po else {}
    for bill_line in bill.lines if isinstance(bill, Bill) else ():
        line = lines[bill_line.line]
        line.billed -= bill_line.qty
        line.grni_out -= bill_line.at_cost
    _unmatch(bill, d.date, e)
    bill.voided = d.date
    return [], []


def void_bill_payment(e: State, d: Directive[VoidArgs], doc_id: str, what: str) -> Any:
    purchasing = e.book.purchasing
    payment = purchasing.payments[doc_id]
    totals: dict[str, Decimal] = {}
    for allocation in payment.allocations:
        totals[allocation.bill] = totals.get(allocation.bill, ZERO) + allocation.amount
    for bill_id, amount in totals.items():
        if amount <= 0:
            continue
        back = BillAllocation(doc_id, bill_id, d.date, -amount)
        payment.match(back)
        purchasing.payables[bill_id].match(back)
    payment.voided = d.date
    return [], []


def void_stock_in_payable(e: State, doc_id: str, date: datetime.date) -> None:
    """A voided stock-in no longer owes its supplier anything."""
    payable = e.book.purchasing.payables.get(doc_id)
    if payable is not None:
        _unmatch(payable, date, e)
        payable.voided = date
