"""Payments, credits and allocation: ``payment``, ``credit`` and ``allocate``,
and the matching of money to invoices that every settlement uses
(:func:`settle`, :func:`allocate`). Refunds are in :mod:`.refunds`.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from beancount.core import data

from beancount_orders.book import directives
from beancount_orders.book import discounts
from beancount_orders.book import fx
from beancount_orders.book.credits import CustomerCredit
from beancount_orders.book.directives import AllocateArgs
from beancount_orders.book.directives import CreditArgs
from beancount_orders.book.directives import Directive
from beancount_orders.book.directives import Method
from beancount_orders.book.directives import Money
from beancount_orders.book.directives import PaymentArgs
from beancount_orders.book.handlers import bill_payments
from beancount_orders.book.methods import check_method_name
from beancount_orders.book.model import ZERO
from beancount_orders.book.model import Allocation
from beancount_orders.book.model import Customer
from beancount_orders.book.model import Invoice
from beancount_orders.book.model import Order
from beancount_orders.book.model import Payment
from beancount_orders.book.model import Settlement
from beancount_orders.book.postings import TxnBuilder
from beancount_orders.book.rules import SettlementKind
from beancount_orders.book.rules import account_component
from beancount_orders.book.state import Invalid
from beancount_orders.book.state import State
from beancount_orders.book.state import fmt
from beancount_orders.book.state import kind_article


def allocate(
    e: State,
    settlement: Settlement,
    invoice: Invoice,
    date: datetime.date,
    limit: Decimal | None = None,
) -> Decimal:
    """Match as much of a settlement to an invoice as both allow (up to ``limit``)."""
    amount = min(settlement.unallocated, invoice.open_amount)
    if limit is not None:
        amount = min(amount, limit)
    if amount <= 0:
        return ZERO
    allocation = Allocation(settlement.id, invoice.id, date, amount)
    settlement.match(allocation)
    invoice.match(allocation)
    return amount


def settle(
    e: State,
    settlement: Settlement,
    order: Order | None,
    invoice: Invoice | None,
) -> None:
    """Book a settlement against the receivable and match it to invoices.

    One naming an invoice is allocated to it; one naming an order to the
    order's invoices, oldest first, and what is left waits for the
    order's next invoice. The rest stays unallocated until an
    ``allocate`` directive matches it.
    """
    e.book.settlements[settlement.id] = settlement
    customer = e.book.customers[settlement.customer]
    customer.receivable[settlement.currency] -= settlement.amount
    if order is not None:
        order.settlements = (*order.settlements, settlement.id)
        if settlement.kind.is_money:
            order.paid += settlement.amount
        else:
            order.credited += settlement.amount
    if invoice is not None:
        allocate(e, settlement, invoice, settlement.date)
    elif order is not None:
        for invoice_id in order.invoices:
            allocate(e, settlement, e.book.invoices[invoice_id], settlement.date)
        if settlement.unallocated > 0:
            order.pending = (*order.pending, settlement.id)


def method_account(
    e: State, method: Method, customer: Customer, what: str
) -> tuple[str, str]:
    """The account a payment method posts to, and the method's display name."""
    kind, value = method
    if kind == "account":
        return value, value
    if value == "credit":
        return e.config.account("customer_credit", customer=customer.account), value
    check_method_name(e, value, what)
    account = e.config.methods.get(value) or e.config.account(
        "clearing", method=account_component(value)
    )
    return account, value


def check_credit(e: State, customer: Customer, amount: Money, what: str) -> None:
    """Raise :class:`Invalid` when ``amount`` exceeds the customer's credit balance."""
    available = customer.credit.get(amount.currency, ZERO)
    if amount.number > available:
        raise Invalid(
            f'{what}: {amount} exceeds the credit balance of customer "{customer.id}" '
            f"({fmt(available)} {amount.currency})"
        )


def on_payment(e: State, d: Directive[PaymentArgs]) -> None:
    """Money received on an order, an invoice or a customer's account.

    Posts Dr the method's account (or the customer credit liability for METHOD
    ``"credit"``), Cr receivable; matches it to the invoice, else to the order's
    invoices oldest first (the rest waits for the order's next invoice).
    """
    ref, amount = d.args.ref, d.args.amount
    what = f'Payment on "{ref}"'
    if amount.number <= 0:
        raise Invalid(f"{what}: amount must be greater than zero, got {amount}")
    invoice: Invoice | None = None
    order = e.book.orders.get(ref)
    if order is not None:
        ref_kind = "order"
    elif ref in e.book.invoices:
        invoice, ref_kind = e.book.invoices[ref], "invoice"
        order = e.book.orders[invoice.order]
    elif ref in e.book.customers:
        ref_kind = "customer"
    else:
        kind = e.book.documents.get(ref)
        if kind:
            raise Invalid(
                f"{what}: a payment refers to an order, an invoice or a customer, "
                f'and "{ref}" is {kind_article(kind)}'
            )
        for kind in ("order", "customer"):
            later = e.written_later(kind, ref)
            if later:
                raise Invalid(
                    f'{what}: {kind} "{ref}" is written on {later}, after this payment '
                    "(directives apply in date order)"
                )
        raise Invalid(f'Payment on unknown order, invoice or customer "{ref}"')
    customer = e.book.customers[order.customer if order else ref]
    if order is not None and order.currency is None:
        order.currency = amount.currency  # money ahead of any line fixes it
    if order is not None and amount.currency != order.currency:
        raise Invalid(
            f'Payment of {amount} on {ref_kind} "{ref}": order "{order.id}" is in '
            f"{order.currency}"
        )
    doc_id = e.document_id(d.meta, "payment", what)
    account, method = method_account(e, d.args.method, customer, what)
    rate = fx.rate_of(e, d.meta, amount.currency, d.date, what)
    if method == "credit":
        check_credit(e, customer, amount, what)
        customer.credit[amount.currency] -= amount.number
    payment_id = doc_id or f"payment:{d.meta.get('filename')}:{d.meta.get('lineno')}"
    if doc_id:
        e.register(doc_id, "payment")
    payment = Payment(
        id=payment_id,
        ref=ref,
        ref_kind=ref_kind,
        customer=customer.id,
        order=order.id if order else None,
        invoice=invoice.id if invoice else None,
        date=d.date,
        amount=amount.number,
        currency=amount.currency,
        account=account,
        method=method,
        meta=d.meta,
    )
    e.book.payments[payment_id] = payment
    if order is not None:
        order.payments.append(payment_id)
    settle(e, payment, order, invoice)

    _post_payment(e, d, payment, customer, order, invoice, doc_id, rate)
    for allocation in payment.allocations:
        take_discount(e, e.book.invoices[allocation.invoice], d)


def take_discount(e: State, invoice: Invoice, d: Directive[Any]) -> None:
    """Settle an invoice by its early-payment discount when the money just matched
    to it on the directive's date leaves no more than the discount open
    (:func:`~beancount_orders.book.discounts.due_discount`): a settlement of kind
    ``discount`` matched to it, and its transaction at the directive's line
    (kept for a void that undoes it: ``discount:INVOICE``, and after such a void
    ``discount:INVOICE:2`` and so on)."""
    amount = discounts.due_discount(e, invoice, d.date)
    if amount <= 0:
        return
    discount_id, again = f"discount:{invoice.id}", 1
    while discount_id in e.book.settlements:
        again += 1
        discount_id = f"discount:{invoice.id}:{again}"
    discount = Settlement(
        id=discount_id,
        kind=SettlementKind.DISCOUNT,
        customer=invoice.customer,
        order=invoice.order,
        invoice=invoice.id,
        date=d.date,
        amount=amount,
        currency=invoice.currency,
        meta=d.meta,
    )
    settle(e, discount, e.book.orders[invoice.order], invoice)
    invoice.discount_taken = amount
    customer = e.book.customers[invoice.customer]
    txn = discounts.post(
        e, d.meta, discounts.Taken(invoice, amount, d.date, discount), customer
    )
    e.book.voids.discounts[invoice.id] = (discount, txn)


def _post_payment(
    e: State,
    d: Directive[PaymentArgs],
    payment: Payment,
    customer: Customer,
    order: Order | None,
    invoice: Invoice | None,
    doc_id: str | None,
    rate: Decimal | None = None,
) -> None:
    """The payment's transaction: Dr the method's account, Cr receivable (a
    foreign payment's: see :func:`beancount_orders.book.fx.post_payment`)."""
    method, amount = payment.method, d.args.amount
    by = "from customer credit" if method == "credit" else f"by {method}"
    if invoice is not None and order is not None:
        narration = f"Payment for invoice {invoice.id} (order {order.id}) {by}"
    elif order is not None:
        narration = f"Payment for order {order.id} {by}"
    else:
        narration = f"Payment on account {by}"
    txn = TxnBuilder(
        d.meta,
        d.date,
        customer.name,
        narration,
        _payment_links(order, invoice, doc_id),
        {
            "order": order.id if order else None,
            "customer": customer.id,
            "invoice": invoice.id if invoice else None,
            "payment": doc_id,
        },
    )
    if rate is not None:
        label = doc_id or f"PAYMENT-{payment.ref}"  # of a lot paid ahead
        fx.post_payment(e, txn, payment, payment.account, rate, label)
        e.emit(txn)
        return
    txn.post(payment.account, amount.number, amount.currency)
    txn.post(e.receivable(customer), -amount.number, amount.currency)
    e.emit(txn)


def reference(e: State, meta: data.Meta, what: str) -> tuple[Order | None, Invoice | None]:
    """The ``invoice`` or ``order`` metadata of a credit, resolved."""
    invoice_id, order_id = meta.get("invoice"), meta.get("order")
    invoice = order = None
    if invoice_id is not None:
        invoice = e.book.invoices.get(invoice_id) if isinstance(invoice_id, str) else None
        if invoice is None:
            raise Invalid(f"{what}: unknown invoice {directives.show(invoice_id)}")
        order = e.book.orders[invoice.order]
    if order_id is not None:
        found = e.book.orders.get(order_id) if isinstance(order_id, str) else None
        if found is None:
            raise Invalid(f"{what}: unknown order {directives.show(order_id)}")
        if order is not None and found is not order:
            raise Invalid(
                f'{what}: invoice "{invoice_id}" belongs to order "{order.id}", '
                f'not "{order_id}"'
            )
        order = found
    return order, invoice


def on_credit(e: State, d: Directive[CreditArgs]) -> None:
    """A customer credit: money we owe the customer, outside the receivable.

    Posts Dr credits (contra-revenue), Cr the customer credit liability.
    """
    credit_id, amount = d.args.credit, d.args.amount
    what = f'Credit "{credit_id}"'
    e.new_document(credit_id, "credit")
    customer = e.customer(d.args.customer)
    if amount.number <= 0:
        raise Invalid(f"{what}: amount must be greater than zero, got {amount}")
    reason = e.meta_string(d.meta, "reason", what)
    order, invoice = reference(e, d.meta, what)
    if order is not None and order.customer != customer.id:
        raise Invalid(
            f'{what}: order "{order.id}" belongs to customer "{order.customer}", '
            f'not "{customer.id}"'
        )
    e.register(credit_id, "credit")
    e.book.credits[credit_id] = CustomerCredit(
        credit_id,
        customer.id,
        d.date,
        amount.number,
        amount.currency,
        d.meta,
        reason,
        invoice.id if invoice else None,
        order.id if order else None,
    )
    customer.credit[amount.currency] += amount.number
    links = (credit_id, order.id if order else "", invoice.id if invoice else "")
    narration = f"Credit {credit_id} to {customer.name}"
    if reason:
        narration += f": {reason}"
    txn = TxnBuilder(
        d.meta,
        d.date,
        customer.name,
        narration,
        links,
        {
            "order": order.id if order else None,
            "customer": customer.id,
            "credit": credit_id,
            "invoice": invoice.id if invoice else None,
        },
    )
    txn.post(
        e.config.account("credits", customer=customer.account),
        amount.number,
        amount.currency,
    )
    txn.post(
        e.config.account("customer_credit", customer=customer.account),
        -amount.number,
        amount.currency,
    )
    e.emit(txn)


def on_allocate(e: State, d: Directive[AllocateArgs]) -> None:
    """Matches unallocated money (a payment with an id, a credit order, a memo)
    to an invoice of the same customer.

    Posts no money: it changes ageing and order status, not balances. It is
    recorded as a transaction without postings, linked to the money, the
    invoice and their orders, so that an order's journal shows its money.
    """
    source_id, invoice_id, amount = d.args.source, d.args.invoice, d.args.amount
    if source_id in e.book.purchasing.payments:  # money paid to a supplier
        bill_payments.allocate_bill_payment(e, d)
        return
    what = f'Allocation of "{source_id}" to invoice "{invoice_id}"'
    if amount.number <= 0:
        raise Invalid(f"{what}: amount must be greater than zero, got {amount}")
    settlement = e.book.settlements.get(source_id)
    if settlement is None:
        kind = e.book.documents.get(source_id)
        if kind == "credit":
            raise Invalid(
                f'{what}: "{source_id}" is a customer credit, which is not part of the '
                f'receivable; use it with custom "payment" ... "credit"'
            )
        if kind == "credit order":
            raise Invalid(f'{what}: credit order "{source_id}" is not READY')
        if kind:
            raise Invalid(
                f'{what}: "{source_id}" is {kind_article(kind)}, not money '
                "received or credited"
            )
        raise Invalid(
            f'{what}: unknown payment, credit order or memo "{source_id}" (give the '
            "payment an id metadata to allocate it)"
        )
    invoice = e.book.invoices.get(invoice_id)
    if invoice is None:
        raise Invalid(f'{what}: unknown invoice "{invoice_id}"')
    if invoice.customer != settlement.customer:
        raise Invalid(
            f'{what}: the invoice belongs to customer "{invoice.customer}", '
            f'"{source_id}" to "{settlement.customer}"'
        )
    if amount.currency != settlement.currency or amount.currency != invoice.currency:
        raise Invalid(f"{what}: {amount} is not in the currency of both")
    if amount.number > settlement.unallocated:
        raise Invalid(
            f"{what}: {amount} exceeds the unallocated {fmt(settlement.unallocated)} "
            f'{amount.currency} of "{source_id}"'
        )
    if amount.number > invoice.open_amount:
        raise Invalid(
            f"{what}: {amount} exceeds the {fmt(invoice.open_amount)} "
            f"{amount.currency} still open on the invoice"
        )
    allocate(e, settlement, invoice, d.date, amount.number)
    customer = e.book.customers[invoice.customer]
    e.emit(
        allocation_record(
            d,
            customer.name,
            f"Allocation of {amount} of {source_id} to invoice {invoice.id} "
            f"(order {invoice.order})",
            (source_id, invoice.id, invoice.order, settlement.order or ""),
            {"customer": customer.id, "order": invoice.order, "invoice": invoice.id},
        )
    )
    if settlement.kind.is_money:  # money on account, matched in the window
        take_discount(e, invoice, d)
    if e.book.fx.foreign(invoice.currency):  # money held ahead meets its invoice
        fx.close(e, settlement, invoice, amount.number, d.date, d.meta)
    order = e.book.orders[invoice.order]
    if settlement.order != order.id:  # matched to an order it was not made for
        if settlement.kind.is_money:
            order.paid += amount.number
        else:
            order.credited += amount.number
        if settlement.order is not None:
            previous = e.book.orders[settlement.order]
            if settlement.kind.is_money:
                previous.paid -= amount.number
            else:
                previous.credited -= amount.number


def allocation_record(
    d: Directive[AllocateArgs],
    payee: str,
    narration: str,
    links: tuple[str, ...],
    meta: dict[str, Any],
) -> TxnBuilder:
    """An ``allocate`` as a transaction without postings: what it matched, linked
    to both sides and their orders (it moves no money)."""
    return TxnBuilder(
        d.meta, d.date, payee, narration, links, {**meta, "allocate": d.args.source}
    )


def _payment_links(
    order: Order | None, invoice: Invoice | None, doc_id: str | None
) -> tuple[str, ...] | frozenset[str]:
    """The links of a payment: its order, its invoice and its own id where it has
    one (money matched later is linked by its ``allocate``'s record)."""
    if doc_id:
        return (order.id if order else "", invoice.id if invoice else "", doc_id)
    if invoice is not None:
        return invoice.links
    return order.links if order is not None else ()
