"""Paying suppliers: ``bill-payment``, and ``allocate`` of a bill payment on
account to a bill (SPEC, Revision 2, "Purchasing").

A stock-in is goods and their bill at once, so it is a payable document here
too (:func:`stock_in_payable`): a bill payment may name it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from beancount.core import data

from beancount_orders.book import directives
from beancount_orders.book.directives import AllocateArgs
from beancount_orders.book.directives import BillPaymentArgs
from beancount_orders.book.directives import Directive
from beancount_orders.book.methods import check_method_name
from beancount_orders.book.model import ZERO
from beancount_orders.book.postings import TxnBuilder
from beancount_orders.book.purchasing import STOCK_IN
from beancount_orders.book.purchasing import BillAllocation
from beancount_orders.book.purchasing import BillPayment
from beancount_orders.book.purchasing import Payable
from beancount_orders.book.rules import account_component
from beancount_orders.book.state import Invalid
from beancount_orders.book.state import State
from beancount_orders.book.state import fmt
from beancount_orders.book.state import kind_article


def payable_account(e: State, supplier_id: str) -> str:
    """The payable account of a supplier, declared or not (a stock-in's)."""
    supplier = e.book.purchasing.suppliers.get(supplier_id)
    if supplier is not None:
        return supplier.payable
    return e.config.account("payable", supplier=account_component(supplier_id))


def check_stock_in(
    e: State, doc_id: str, supplier_id: str, currency: str, what: str
) -> None:
    """A stock-in written again under its id must be of the same supplier and
    currency: it adds to one payable document."""
    known = e.book.purchasing.payables.get(doc_id)
    if known is None or known.kind != STOCK_IN:
        return
    if known.supplier != supplier_id or known.currency != currency:
        raise Invalid(
            f'{what}: an earlier stock-in "{doc_id}" is owed to "{known.supplier}" in '
            f"{known.currency}; a stock-in of another supplier or currency needs an id "
            "of its own"
        )


def stock_in_payable(
    e: State,
    doc_id: str,
    supplier_id: str,
    date: datetime.date,
    amount: Decimal,
    currency: str,
    meta: data.Meta,
) -> None:
    """A stock-in is goods and their bill at once: the payables report ages it,
    and a bill payment may name it (every stock-in of one id adds to it, from
    its own date)."""
    payables = e.book.purchasing.payables
    known = payables.get(doc_id)
    if known is not None:
        known.net += amount
        known.parts.append((date, amount))
        return
    supplier = e.book.purchasing.suppliers.get(supplier_id)
    terms = supplier.terms if supplier is not None else None
    due = date + datetime.timedelta(days=terms or 0)
    payables[doc_id] = Payable(
        doc_id,
        STOCK_IN,
        supplier_id,
        None,
        date,
        due,
        currency,
        amount,
        ZERO,
        meta,
        parts=[(date, amount)],
    )


def on_bill_payment(e: State, d: Directive[BillPaymentArgs]) -> None:
    """Pays a supplier: for a bill (or landed cost, or stock-in), or on account
    (REF a supplier; ``allocate`` matches it to a bill later).

    Posts Dr the supplier's payable, Cr the method's account. More than the
    bill's outstanding is an error.
    """
    ref, amount = d.args.ref, d.args.amount
    what = f'Bill payment of {amount} for "{ref}"'
    if amount.number <= 0:
        raise Invalid(f"{what}: amount must be greater than zero, got {amount}")
    purchasing = e.book.purchasing
    bill = purchasing.payables.get(ref)
    if bill is not None:
        supplier_id = bill.supplier
        if amount.currency != bill.currency:
            raise Invalid(f"{what}: the bill is in {bill.currency}, not {amount.currency}")
        if bill.voided is not None:
            raise Invalid(f'{what}: "{ref}" was voided on {bill.voided}')
        if amount.number > bill.open_amount:
            raise Invalid(
                f"{what}: {amount} is more than the {fmt(bill.open_amount)} "
                f'{bill.currency} still owed on {bill.kind} "{ref}"'
            )
    elif ref in purchasing.suppliers:
        supplier_id = ref
    else:
        kind = e.book.documents.get(ref)
        hint = f' ("{ref}" is {kind_article(kind)})' if kind else ""
        raise Invalid(
            f'{what}: unknown bill or supplier "{ref}"{hint}; a bill payment names a '
            "bill, a landed cost, a stock-in or a declared supplier"
        )
    account, method = _method_account(e, d.args.method, what)
    payment_id = e.own_id(d.meta, "bill payment", "BILLPAY", what)
    supplier_name = (
        purchasing.suppliers[supplier_id].name
        if supplier_id in purchasing.suppliers
        else supplier_id
    )
    payment = BillPayment(
        payment_id,
        supplier_id,
        ref,
        d.date,
        amount.number,
        amount.currency,
        account,
        method,
        d.meta,
    )
    purchasing.payments[payment_id] = payment
    po = bill.po if bill is not None else None
    links = (ref, payment_id, po or "") if bill is not None else (payment_id,)
    txn = TxnBuilder(
        d.meta,
        d.date,
        supplier_name,
        f"Payment {payment_id} of bill {ref}"
        if bill is not None
        else f"Payment {payment_id} on account",
        links,
        {
            "supplier": supplier_id,
            "bill": ref if bill else None,
            "po": po,
            "bill-payment": payment_id,
        },
    )
    txn.post(payable_account(e, supplier_id), amount.number, amount.currency)
    txn.post(account, -amount.number, amount.currency)
    e.emit(txn)
    if bill is not None:
        allocation = BillAllocation(payment_id, bill.id, d.date, amount.number)
        payment.match(allocation)
        bill.match(allocation)


def _method_account(e: State, method: directives.Method, what: str) -> tuple[str, str]:
    """The account a bill payment's method pays from (SPEC, Methods)."""
    kind, value = method
    if kind == "account":
        return value, value
    if value == "credit":
        raise Invalid(
            f'{what}: METHOD "credit" draws on a customer\'s credit balance; a bill '
            "payment pays money (a method name or an account)"
        )
    check_method_name(e, value, what)
    account = e.config.methods.get(value) or e.config.account(
        "clearing", method=account_component(value)
    )
    return account, value


def allocate_bill_payment(e: State, d: Directive[AllocateArgs]) -> None:
    """``allocate`` of a bill payment on account to a bill of its supplier.

    Posts no money: it changes the payables ageing and the PO's paid status. It
    is recorded as a transaction without postings, linked to the payment, the
    bill and its purchase order.
    """
    source_id, bill_id, amount = d.args.source, d.args.invoice, d.args.amount
    what = f'Allocation of "{source_id}" to bill "{bill_id}"'
    if amount.number <= 0:
        raise Invalid(f"{what}: amount must be greater than zero, got {amount}")
    purchasing = e.book.purchasing
    payment = purchasing.payments[source_id]
    bill = purchasing.payables.get(bill_id)
    if bill is None:
        kind = e.book.documents.get(bill_id)
        hint = f' ("{bill_id}" is {kind_article(kind)})' if kind else ""
        raise Invalid(f'{what}: unknown bill "{bill_id}"{hint}')
    if bill.supplier != payment.supplier:
        raise Invalid(
            f'{what}: the bill is from supplier "{bill.supplier}", the payment to '
            f'"{payment.supplier}"'
        )
    if amount.currency != payment.currency or amount.currency != bill.currency:
        raise Invalid(f"{what}: {amount} is not in the currency of both")
    if amount.number > payment.unallocated:
        raise Invalid(
            f"{what}: {amount} exceeds the unallocated {fmt(payment.unallocated)} "
            f'{amount.currency} of "{source_id}"'
        )
    if amount.number > bill.open_amount:
        raise Invalid(
            f"{what}: {amount} exceeds the {fmt(bill.open_amount)} {amount.currency} "
            "still owed on the bill"
        )
    allocation = BillAllocation(source_id, bill_id, d.date, amount.number)
    payment.match(allocation)
    bill.match(allocation)
    supplier = purchasing.suppliers.get(bill.supplier)
    links = (source_id, bill_id, bill.po or "")
    what_for = f"{bill.kind} {bill_id}" + (
        f" (purchase order {bill.po})" if bill.po else ""
    )
    e.emit(
        TxnBuilder(
            d.meta,
            d.date,
            supplier.name if supplier is not None else bill.supplier,
            f"Allocation of {amount} of {source_id} to {what_for}",
            links,
            {
                "supplier": bill.supplier,
                "bill": bill_id,
                "po": bill.po,
                "allocate": source_id,
            },
        )
    )
