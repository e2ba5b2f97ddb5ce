"""Refunds: ``refund`` of a customer's credit balance, or (``from: "receivable"``)
of money an order was paid beyond what it owes, limited by that order's
overpayment and never allocated again (SPEC Revision 2, "Refunded money stays
refunded")."""

from __future__ import annotations

from decimal import Decimal

from beancount_orders.book import directives
from beancount_orders.book import fx
from beancount_orders.book.credits import Refund
from beancount_orders.book.directives import Directive
from beancount_orders.book.directives import Method
from beancount_orders.book.directives import Money
from beancount_orders.book.directives import RefundArgs
from beancount_orders.book.handlers.payments import check_credit
from beancount_orders.book.handlers.payments import method_account
from beancount_orders.book.handlers.payments import settle
from beancount_orders.book.model import ZERO
from beancount_orders.book.model import Customer
from beancount_orders.book.model import Order
from beancount_orders.book.model import Settlement
from beancount_orders.book.postings import TxnBuilder
from beancount_orders.book.rules import SettlementKind
from beancount_orders.book.state import Invalid
from beancount_orders.book.state import State
from beancount_orders.book.state import fmt


def on_refund(e: State, d: Directive[RefundArgs]) -> None:
    """Pays money back to a customer: their credit balance (default) or, with
    ``from: "receivable"``, money paid beyond what they owe.

    Posts Dr customer credit liability (or Dr receivable), Cr the method's account.
    """
    customer = e.customer(d.args.customer)
    amount = d.args.amount
    what = f'Refund to customer "{customer.id}"'
    if amount.number <= 0:
        raise Invalid(f"{what}: amount must be greater than zero, got {amount}")
    if d.args.method == Method("method", "credit"):
        raise Invalid(f'{what}: a refund pays credit out; "credit" is not a way to pay it')
    account, method = method_account(e, d.args.method, customer, what)
    source = d.meta.get("from", "credit")
    if source not in ("credit", "receivable"):
        raise Invalid(
            f'{what}: from must be "credit" (the customer credit balance, the default) '
            f'or "receivable" (money paid beyond what is owed), '
            f"got {directives.show(source)}"
        )
    if source == "receivable":
        refund_receivable(e, d, customer, amount, account, method, what)
        return
    if "rate" in d.meta:
        raise Invalid(
            f'{what}: rate: is for a refund from: "receivable" in a foreign currency '
            "(a credit balance is paid out in its own currency)"
        )
    check_credit(e, customer, amount, what)
    refund_id = e.own_id(d.meta, "refund", "REFUND", what)
    customer.credit[amount.currency] -= amount.number
    e.book.refunds.append(
        Refund(
            customer.id,
            d.date,
            amount.number,
            amount.currency,
            account,
            method,
            d.meta,
            refund_id,
        )
    )
    txn = TxnBuilder(
        d.meta,
        d.date,
        customer.name,
        f"Refund of customer credit by {method}",
        (refund_id,),
        {"customer": customer.id, "refund": refund_id},
    )
    txn.post(
        e.config.account("customer_credit", customer=customer.account),
        amount.number,
        amount.currency,
    )
    txn.post(account, -amount.number, amount.currency)
    e.emit(txn)


def refund_receivable(
    e: State,
    d: Directive[RefundArgs],
    customer: Customer,
    amount: Money,
    account: str,
    method: str,
    what: str,
) -> None:
    """Pay back money received beyond what is owed (``from: "receivable"``).

    With ``order`` metadata it is limited by what that order was overpaid,
    whatever the customer owes on other invoices; otherwise by what the
    customer's receivable is in credit. The money paid back is taken out of the
    unallocated money it refunds, so it is never allocated to a later invoice
    (SPEC, Refunded money stays refunded).
    """
    order = _overpaid_order(e, d, customer, amount, what)
    rate = fx.rate_of(e, d.meta, amount.currency, d.date, what)
    if order is None:
        owed = -customer.receivable.get(amount.currency, ZERO)
        if amount.number > owed:
            raise Invalid(
                f"{what}: {amount} exceeds what we owe the customer on their receivable "
                f"({fmt(max(owed, ZERO))} {amount.currency})"
            )
    refund_id = e.own_id(d.meta, "refund", "REFUND", what)
    e.book.refunds.append(
        Refund(
            customer.id,
            d.date,
            amount.number,
            amount.currency,
            account,
            method,
            d.meta,
            refund_id,
        )
    )
    refund = Settlement(
        id=f"refund:{d.meta.get('filename')}:{d.meta.get('lineno')}",
        kind=SettlementKind.REFUND,
        customer=customer.id,
        order=order.id if order else None,
        invoice=None,
        date=d.date,
        amount=-amount.number,
        currency=amount.currency,
        meta=d.meta,
    )
    settle(e, refund, order, None)
    parts = _take_back(e, refund, customer, order)
    txn = TxnBuilder(
        d.meta,
        d.date,
        customer.name,
        f"Refund of money paid beyond what is owed, by {method}",
        (order.id if order else "", refund_id),
        {
            "order": order.id if order else None,
            "customer": customer.id,
            "refund": refund_id,
        },
    )
    if rate is not None:
        fx.post_refund(e, txn, parts, account, amount.number, amount.currency, rate)
        e.emit(txn)
        return
    txn.post(e.receivable(customer), amount.number, amount.currency)
    txn.post(account, -amount.number, amount.currency)
    e.emit(txn)


def _overpaid_order(
    e: State, d: Directive[RefundArgs], customer: Customer, amount: Money, what: str
) -> Order | None:
    """The ``order`` a refund names, checked: the customer's, and overpaid by at
    least the amount."""
    order_id = d.meta.get("order")
    if order_id is None:
        return None
    order = e.book.orders.get(order_id) if isinstance(order_id, str) else None
    if order is None:
        raise Invalid(f"{what}: unknown order {directives.show(order_id)}")
    if order.customer != customer.id:
        raise Invalid(f'{what}: order "{order.id}" belongs to customer "{order.customer}"')
    if order.currency != amount.currency:
        raise Invalid(f'{what}: order "{order.id}" is in {order.currency}')
    overpaid = max(-order.outstanding, ZERO)
    if amount.number > overpaid:
        raise Invalid(
            f'{what}: {amount} exceeds what order "{order.id}" was overpaid '
            f"({fmt(overpaid)} {amount.currency})"
        )
    return order


def _take_back(
    e: State, refund: Settlement, customer: Customer, order: Order | None
) -> list[tuple[Settlement, Decimal]]:
    """Take a refund out of the unallocated money it pays back, latest first: the
    order's (payments, credit orders, memos and redemptions on it), or else the
    customer's. Returns the settlements it took from and how much of each."""
    if order is not None:
        candidates = [e.book.settlements[each] for each in order.settlements]
    else:
        candidates = [
            each
            for each in e.book.settlements.values()
            if each.customer == customer.id and each is not refund
        ]
    left = -refund.amount
    parts: list[tuple[Settlement, Decimal]] = []
    for settlement in sorted(candidates, key=lambda each: each.date, reverse=True):
        if left <= 0:
            break
        if settlement.currency != refund.currency or settlement.unallocated <= 0:
            continue
        part = min(left, settlement.unallocated)
        parts.append((settlement, part))
        settlement.refunded += part
        refund.refunded -= part
        left -= part
        if order is None and settlement.order is not None:
            # The money was this order's: it is no longer paid (or credited) there.
            owner = e.book.orders[settlement.order]
            if settlement.kind.is_money:
                owner.paid -= part
            else:
                owner.credited -= part
    return parts
