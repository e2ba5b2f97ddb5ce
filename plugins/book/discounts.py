"""Early-payment discounts (SPEC, Revision 2): ``discount: "2/10"`` on a customer
or an order.

The rule in one place: which terms an invoice carries (:func:`parse_terms`, the
order's over the customer's), the last day of its window (:func:`until`), how much
may be left open (:func:`allowance`: the invoice's gross less what credit orders,
memos and redemptions took off it, times the percentage, rounded), whether a
payment matched to it settles it (:func:`due_discount`), and the discount's
transaction (:func:`post`: Dr ``discounts_allowed``, with ``discount_reduces_tax``
Dr sales tax for the tax share per rate, Cr receivable). The payment handlers
call :func:`~beancount_orders.book.handlers.payments.take_discount`, which books
it as a settlement of kind ``discount``.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import NamedTuple

from beancount.core import data

from beancount_orders.book import directives
from beancount_orders.book import fx
from beancount_orders.book import rules
from beancount_orders.book.model import ZERO
from beancount_orders.book.model import Customer
from beancount_orders.book.model import DiscountTerms
from beancount_orders.book.model import Invoice
from beancount_orders.book.model import Order
from beancount_orders.book.model import Settlement
from beancount_orders.book.postings import TxnBuilder
from beancount_orders.book.rules import SettlementKind
from beancount_orders.book.state import MAX_DAYS
from beancount_orders.book.state import Invalid
from beancount_orders.book.state import State

_TERMS_RE = re.compile(r"^\s*(\d{1,3}(?:\.\d{1,6})?)\s*/\s*(\d{1,6})\s*$")


def parse_terms(value: object, what: str) -> DiscountTerms | None:
    """The ``discount`` metadata of a customer or order: ``"P/D"``, P percent off
    (above 0, below 100) when paid within D whole days (0 or more) of the invoice
    date. None when there is none; :class:`Invalid` when it is malformed."""
    if value is None:
        return None
    match = _TERMS_RE.match(value) if isinstance(value, str) else None
    problem = None
    if match is None:
        problem = 'must be "P/D" such as "2/10"'
    else:
        percent, days = Decimal(match.group(1)), int(match.group(2))
        if not 0 < percent < 100:
            problem = "must have a percentage P above 0 and below 100"
        elif days > MAX_DAYS:
            problem = f"must have at most {MAX_DAYS} days"
    if problem is not None:
        raise Invalid(
            f"{what}: discount {problem} (P percent off when paid within D days of "
            f"the invoice date), got {directives.show(value)}"
        )
    return DiscountTerms(percent, days, f"{percent:f}/{days}")


def invoice_terms(order: Order, customer: Customer) -> DiscountTerms | None:
    """The terms an invoice of the order carries: the order's, else the customer's
    as they are on the invoice date."""
    return order.discount_terms or customer.discount_terms


def until(invoice: Invoice) -> datetime.date | None:
    """The last day of the invoice's discount window (day D included), or None."""
    terms = invoice.discount_terms
    if terms is None:
        return None
    return invoice.date + datetime.timedelta(days=terms.days)


def credited(
    invoice: Invoice, on: datetime.date, settlements: dict[str, Settlement]
) -> Decimal:
    """What credit orders, credit memos and redemptions matched to the invoice on or
    before ``on`` took off it (not money, nor an earlier discount)."""
    total = ZERO
    for allocation in invoice.allocations:
        settlement = settlements.get(allocation.source)
        if settlement is None or allocation.date > on or settlement.kind.is_money:
            continue
        if settlement.kind is not SettlementKind.DISCOUNT:
            total += allocation.amount
    return total


def allowance(
    invoice: Invoice,
    on: datetime.date,
    settlements: dict[str, Settlement],
    quantum: Decimal,
) -> Decimal:
    """The most a payment on ``on`` may leave open and still settle the invoice:
    (gross less credits matched to it by then) x P %, rounded."""
    terms = invoice.discount_terms
    if terms is None:
        return ZERO
    basis = invoice.gross - credited(invoice, on, settlements)
    return max(rules.round_money(basis * terms.percent / 100, quantum), ZERO)


def offered(invoice: Invoice, quantum: Decimal) -> Decimal | None:
    """The discount the invoice's terms offer on its gross (as reports show it)."""
    terms = invoice.discount_terms
    if terms is None:
        return None
    return rules.round_money(invoice.gross * terms.percent / 100, quantum)


def due_discount(e: State, invoice: Invoice, on: datetime.date) -> Decimal:
    """What a payment matched to the invoice on ``on`` leaves to settle by discount:
    the amount still open when it is more than nothing and no more than the
    allowance, inside the window; else zero."""
    last = until(invoice)
    if last is None or invoice.voided is not None or not invoice.date <= on <= last:
        return ZERO
    left = invoice.open_amount
    if left <= 0:
        return ZERO
    if left > allowance(invoice, on, e.book.settlements, e.quantum):
        return ZERO
    return left


def tax_share(
    invoice: Invoice, amount: Decimal, quantum: Decimal
) -> list[tuple[Decimal, str | None, Decimal]]:
    """``discount_reduces_tax``: the tax in a discount of ``amount``, per rate and
    jurisdiction as the invoice's tax postings: the amount split over them by their
    lines' share of the invoice's gross, each part x rate / (1 + rate), rounded."""
    if invoice.gross <= 0:
        return []
    gross: dict[tuple[Decimal, str | None], Decimal] = {}
    for line in invoice.lines:
        if line.tax:
            key = (line.tax_rate, line.jurisdiction)
            gross[key] = gross.get(key, ZERO) + line.gross
    parts = []
    for (rate, jurisdiction), share in gross.items():
        part = amount * share / invoice.gross
        parts.append(
            (rate, jurisdiction, rules.round_money(part * rate / (1 + rate), quantum))
        )
    return rules.taxes_by_rate_and_jurisdiction(parts)


class Taken(NamedTuple):
    """A discount settling an invoice: its amount and the payment's source line."""

    invoice: Invoice
    amount: Decimal
    date: datetime.date
    settlement: Settlement | None = None  # its settlement (for a foreign invoice)


def post(e: State, source: data.Meta, taken: Taken, customer: Customer) -> data.Transaction:
    """The discount's transaction: Dr ``discounts_allowed`` (less the tax share to
    sales tax with ``discount_reduces_tax``), Cr receivable, linked to the order and
    the invoice, at the line of the directive that settled it; returns it."""
    invoice, amount, currency = taken.invoice, taken.amount, taken.invoice.currency
    terms = invoice.discount_terms
    assert terms is not None
    txn = TxnBuilder(
        source,
        taken.date,
        customer.name,
        f"Early-payment discount on invoice {invoice.id} (order {invoice.order}): "
        f"{terms.text}",
        invoice.links,
        {
            "order": invoice.order,
            "customer": customer.id,
            "invoice": invoice.id,
            "discount": terms.text,
        },
    )
    taxes = tax_share(invoice, amount, e.quantum) if e.config.discount_reduces_tax else []
    expense = amount - sum((tax for _, _, tax in taxes), ZERO)
    allowed = e.config.account("discounts_allowed", customer=customer.account)
    sales_tax = e.config.account("sales_tax")
    if invoice.id in e.book.fx.invoices:
        # A foreign invoice: the debits in the operating currency at the invoice's
        # rate, the receivable's lot at its cost, the rounding to fx.
        opc = e.book.fx.opc or ""
        value = fx.memo_value(e, invoice.id, expense)
        txn.post(allowed, value, opc)
        debits = [(allowed, value)]
        for rate, jurisdiction, tax in taxes:
            value = fx.memo_value(e, invoice.id, tax)
            txn.post(sales_tax, value, opc, rate=rate, jurisdiction=jurisdiction)
            debits.append((sales_tax, value))
        assert taken.settlement is not None
        fx.post_credit(e, txn, taken.settlement, [(invoice.id, amount)], debits)
        return e.emit(txn)
    txn.post(allowed, expense, currency)
    for rate, jurisdiction, tax in taxes:
        txn.post(sales_tax, tax, currency, rate=rate, jurisdiction=jurisdiction)
    txn.post(e.receivable(customer), -amount, currency)
    return e.emit(txn)
