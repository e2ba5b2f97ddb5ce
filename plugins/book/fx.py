"""Foreign-currency orders (SPEC Revision 2, "Foreign currency").

The operating currency OPC is the ledger's first ``operating_currency`` option;
without one no order is foreign and nothing here changes a posting. A document
in another currency CUR is foreign. Its rate (OPC per unit of CUR) is its
``rate:`` metadata, else the latest ``price CUR RATE OPC`` on or before its date.

- An invoice puts its gross into the receivable as a lot of its own,
  ``GROSS CUR {RATE OPC, DATE, "INVOICE"}``; sales and tax post in OPC, each
  converted and rounded, and the exact rest of the lot's weight goes to ``fx``.
- Money (a payment, a credit order, a memo) takes the lots of the invoices it is
  matched to at their own cost; what it pays ahead of any invoice is a lot of
  its own at its rate (negative units), closed against an invoice's lot when it
  is matched to one. Each difference of weights is the realised gain or loss,
  posted to ``fx``.
- A refund of money paid ahead gives its lot back and realises the difference.

The handlers call the few hooks below; every figure of foreign money is decided
here. The engine's own amounts (invoiced, paid, outstanding, allocations) stay
in the document currency.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from beancount.core import data
from beancount.core.amount import Amount
from beancount.core.position import Cost

from beancount_orders.book import directives
from beancount_orders.book import rules
from beancount_orders.book.postings import TxnBuilder
from beancount_orders.book.rules import ZERO

if TYPE_CHECKING:
    from beancount_orders.book.model import Customer
    from beancount_orders.book.model import Invoice
    from beancount_orders.book.model import Settlement
    from beancount_orders.book.state import State


@dataclasses.dataclass(slots=True)
class FxLot:
    """A lot of foreign money in a receivable: an invoice's (positive units) or
    money received or credited ahead of an invoice (negative units)."""

    document: str  # the invoice's id, or the settlement's
    kind: str  # "invoice", "payment", "credit-order", "credit-memo"
    customer: str
    order: str | None
    account: str
    cost: Cost  # (rate, OPC, date, label)
    units: Decimal  # what is still open, in the document currency
    currency: str
    # (date, change of units): the lot's history, to tell what was open on a date.
    changes: list[tuple[datetime.date, Decimal]] = dataclasses.field(default_factory=list)

    @property
    def rate(self) -> Decimal:
        return self.cost.number

    def change(self, date: datetime.date, units: Decimal) -> None:
        self.units += units
        self.changes.append((date, units))

    def units_on(self, date: datetime.date) -> Decimal:
        """The units open at the end of ``date``."""
        return sum((units for day, units in self.changes if day <= date), ZERO)


@dataclasses.dataclass(slots=True)
class Converted:
    """A document-currency total and its OPC value, and how much of each a
    credit has taken (the credit that takes the last of it takes the OPC rest)."""

    total: Decimal
    value: Decimal
    taken: Decimal = ZERO
    taken_value: Decimal = ZERO

    def take(self, amount: Decimal, rate: Decimal, quantum: Decimal) -> Decimal:
        self.taken += amount
        if self.taken == self.total:
            value = self.value - self.taken_value
        else:
            value = rules.round_money(amount * rate, quantum)
        self.taken_value += value
        return value


@dataclasses.dataclass(slots=True)
class FxInvoice:
    """A foreign invoice: its rate, its OPC value, and its converted lines and taxes."""

    rate: Decimal
    value: Decimal  # the receivable's weight, rounded: what it is worth in OPC
    net: dict[tuple[str, int], Converted] = dataclasses.field(default_factory=dict)
    tax: dict[tuple[Decimal, str | None], Converted] = dataclasses.field(
        default_factory=dict
    )


@dataclasses.dataclass
class FxBook:
    """What the book knows of foreign money."""

    opc: str | None = None
    # CUR -> (date, rate) of the ledger's ``price CUR RATE OPC``, by date.
    rates: dict[str, list[tuple[datetime.date, Decimal]]] = dataclasses.field(
        default_factory=dict
    )
    lots: dict[str, FxLot] = dataclasses.field(default_factory=dict)
    invoices: dict[str, FxInvoice] = dataclasses.field(default_factory=dict)
    # The cost a settlement's money held ahead has, or would have had (its rate,
    # date and label): a void that frees money matched to an invoice holds it so.
    held: dict[str, Cost] = dataclasses.field(default_factory=dict)
    # What each credit order took of its invoice's converted lines and taxes
    # (given back when it is voided), and the takes of the one being posted.
    takes: dict[str, list[tuple[Converted, Decimal, Decimal]]] = dataclasses.field(
        default_factory=dict
    )
    taking: list[tuple[Converted, Decimal, Decimal]] = dataclasses.field(
        default_factory=list
    )
    # Loyalty: each redemption on a foreign order, its amount in the order's
    # currency and its discount in OPC (what of it has been set against the
    # invoices' earning basis); and per invoice the redemptions set against it
    # (what of them credits gave back).
    redemptions: dict[str, Converted] = dataclasses.field(default_factory=dict)
    redeemed: dict[str, Converted] = dataclasses.field(default_factory=dict)

    def foreign(self, currency: str) -> bool:
        return self.opc is not None and currency != self.opc

    def price(self, currency: str, date: datetime.date) -> Decimal | None:
        """The latest ``price CUR RATE OPC`` on or before ``date`` (the last written
        of a day), or None."""
        quotes = self.rates.get(currency)
        if not quotes:
            return None
        at = bisect.bisect_right(quotes, date, key=lambda quote: quote[0])
        return quotes[at - 1][1] if at else None

    def value(self, document: str, amount: Decimal, quantum: Decimal) -> Decimal | None:
        """An amount of a foreign invoice's currency at its rate, rounded."""
        invoice = self.invoices.get(document)
        if invoice is None:
            return None
        return rules.round_money(amount * invoice.rate, quantum)


def note_price(e: State, entry: data.Price) -> None:
    """Keep a ledger price of a currency in the operating currency."""
    fx = e.book.fx
    if fx.opc is None or entry.amount.currency != fx.opc or entry.amount.number is None:
        return
    quotes = fx.rates.setdefault(entry.currency, [])
    bisect.insort_right(quotes, (entry.date, entry.amount.number), key=lambda q: q[0])


def rate_of(
    e: State, meta: data.Meta, currency: str, date: datetime.date, what: str
) -> Decimal | None:
    """The rate of a document in ``currency``: None for the operating currency
    (where ``rate:`` is an error), else its ``rate:`` or the ledger's price."""
    fx = e.book.fx
    value = meta.get("rate")
    if value is None and not fx.foreign(currency):
        return None  # the common case, first
    from beancount_orders.book.state import Invalid  # state.py imports this module

    if not fx.foreign(currency):
        if value is not None:
            where = (
                f"the operating currency {fx.opc}"
                if fx.opc
                else "the operating currency (the ledger has no operating_currency option)"
            )
            raise Invalid(
                f"{what}: rate: is for documents in a currency other than {where}; "
                f"this one is in {currency}"
            )
        return None
    if value is not None:
        if value.__class__ is not Decimal or value <= 0:
            raise Invalid(
                f"{what}: rate must be a positive number of {fx.opc} per {currency} "
                f"such as 1.17, got {directives.show(value)}"
            )
        return value
    rate = fx.price(currency, date)
    if rate is None:
        raise Invalid(
            f"{what}: no rate for {currency} in {fx.opc} on or before {date}: write a "
            f"price ({date} price {currency} RATE {fx.opc}) or rate: metadata"
        )
    return rate


def _post_fx(e: State, txn: TxnBuilder, weight: Decimal) -> None:
    """Post the rest of a transaction's OPC weight to ``fx`` (nothing if none):
    exact, written with the places of money or as few more as it needs."""
    if not weight:
        return
    amount = -weight
    money = rules.round_money(amount, e.quantum)
    amount = money if money == amount else amount.normalize()
    txn.post(e.config.account("fx"), amount, e.book.fx.opc or "")


def _post_priced(
    e: State, txn: TxnBuilder, account: str, units: Decimal, currency: str, total: Decimal
) -> None:
    """A posting of ``units`` CUR at a total price of ``total`` OPC (``@@``)."""
    opc = e.book.fx.opc or ""
    meta: data.Meta = {"filename": txn.filename, "lineno": txn.lineno}
    price = Amount(total / abs(units), opc)
    txn.postings.append(
        data.Posting(account, Amount(units, currency), None, price, None, meta)
    )


def post_invoice(
    e: State, txn: TxnBuilder, invoice: Invoice, customer: Customer, rate: Decimal
) -> None:
    """A foreign invoice's postings: the receivable lot, sales and tax in OPC,
    the rest of the lot's weight to ``fx``."""
    fx = e.book.fx
    opc = fx.opc or ""
    quantum = e.quantum
    account = e.receivable(customer)
    cost = Cost(rate, opc, invoice.date, invoice.id)
    txn.post(account, invoice.gross, invoice.currency, cost)
    weight = invoice.gross * rate
    record = FxInvoice(rate, rules.round_money(weight, quantum))
    for line in invoice.lines:
        value = rules.round_money(line.net * rate, quantum)
        record.net[(line.item, line.line)] = Converted(line.net, value)
        txn.post(line.income, -value, opc, item=line.item)
        weight -= value
    sales_tax = e.config.account("sales_tax")
    for tax_rate, jurisdiction, tax in rules.taxes_by_rate_and_jurisdiction(
        (line.tax_rate, line.jurisdiction, line.tax) for line in invoice.lines
    ):
        value = rules.round_money(tax * rate, quantum)
        record.tax[(tax_rate, jurisdiction)] = Converted(tax, value)
        txn.post(sales_tax, -value, opc, rate=tax_rate, jurisdiction=jurisdiction)
        weight -= value
    _post_fx(e, txn, weight)
    fx.invoices[invoice.id] = record
    lot = FxLot(
        invoice.id,
        "invoice",
        customer.id,
        invoice.order,
        account,
        cost,
        ZERO,
        invoice.currency,
    )
    lot.change(invoice.date, invoice.gross)
    fx.lots[invoice.id] = lot


def _credit_receivable(
    e: State,
    txn: TxnBuilder,
    settlement: Settlement,
    allocated: list[tuple[str, Decimal]],
    rate: Decimal,
    label: str,
) -> Decimal:
    """Cr the receivable for a settlement: the lots of the invoices it is matched
    to at their cost, and the rest as a lot of its own at ``rate``. Returns the
    exact OPC weight posted (negative)."""
    fx = e.book.fx
    customer = e.book.customers[settlement.customer]
    account = e.receivable(customer)
    weight = ZERO
    left = settlement.amount
    fx.held[settlement.id] = Cost(rate, fx.opc or "", txn.date, label)
    for invoice_id, amount in allocated:
        lot = fx.lots[invoice_id]
        txn.post(account, -amount, settlement.currency, lot.cost)
        lot.change(txn.date, -amount)
        weight -= amount * lot.rate
        left -= amount
    if left > 0:
        cost = fx.held[settlement.id]
        txn.post(account, -left, settlement.currency, cost)
        lot = FxLot(
            settlement.id,
            settlement.kind.value,
            customer.id,
            settlement.order,
            account,
            cost,
            ZERO,
            settlement.currency,
        )
        lot.change(txn.date, -left)
        fx.lots[settlement.id] = lot
        weight -= left * rate
    return weight


def allocated_now(settlement: Settlement) -> list[tuple[str, Decimal]]:
    """The invoices a settlement was matched to when it was booked, oldest first."""
    return [(each.invoice, each.amount) for each in settlement.allocations]


def post_payment(
    e: State,
    txn: TxnBuilder,
    payment: Settlement,
    account: str,
    rate: Decimal,
    label: str,
) -> None:
    """A foreign payment: Dr the method's account ``AMOUNT CUR @@ T OPC``, Cr the
    receivable lots it pays, the difference to ``fx``."""
    total = rules.round_money(payment.amount * rate, e.quantum)
    _post_priced(e, txn, account, payment.amount, payment.currency, total)
    weight = _credit_receivable(e, txn, payment, allocated_now(payment), rate, label)
    _post_fx(e, txn, total + weight)


def post_credit(
    e: State,
    txn: TxnBuilder,
    settlement: Settlement,
    allocated: list[tuple[str, Decimal]],
    debits: list[tuple[str, Decimal]],
) -> None:
    """A foreign credit order or memo: its debits (already in OPC), Cr the
    invoice's lot at its cost (the rest, beyond the invoice, as a lot of its own
    at the invoice's rate), the difference to ``fx``."""
    invoice_id = settlement.invoice or ""
    record = e.book.fx.invoices[invoice_id]
    weight = _credit_receivable(e, txn, settlement, allocated, record.rate, settlement.id)
    fx = e.book.fx
    if fx.taking:
        fx.takes[settlement.id], fx.taking = fx.taking, []
    _post_fx(e, txn, weight + sum((value for _, value in debits), ZERO))


def credit_line_value(
    e: State, invoice_id: str, key: tuple[str, int], net: Decimal
) -> Decimal:
    """The OPC value of a credited net of an invoice line."""
    record = e.book.fx.invoices[invoice_id]
    return _take(e, record.net[key], net, record.rate)


def _take(e: State, converted: Converted, amount: Decimal, rate: Decimal) -> Decimal:
    """Take ``amount`` of a converted total for the credit being posted."""
    value = converted.take(amount, rate, e.quantum)
    e.book.fx.taking.append((converted, amount, value))
    return value


def credit_tax_value(
    e: State, invoice_id: str, key: tuple[Decimal, str | None], tax: Decimal
) -> Decimal:
    """The OPC value of credited tax of one rate and jurisdiction of an invoice."""
    record = e.book.fx.invoices[invoice_id]
    converted = record.tax.get(key)
    if converted is None:  # tax the invoice did not charge at that rate
        return rules.round_money(tax * record.rate, e.quantum)
    return _take(e, converted, tax, record.rate)


def memo_value(e: State, invoice_id: str, amount: Decimal) -> Decimal:
    """A credit memo's OPC value, at its invoice's rate."""
    record = e.book.fx.invoices[invoice_id]
    return rules.round_money(amount * record.rate, e.quantum)


def close(
    e: State,
    settlement: Settlement,
    invoice: Invoice,
    amount: Decimal,
    date: datetime.date,
    source: data.Meta,
) -> None:
    """Money held ahead (a settlement's own lot) now matched to an invoice: a
    transaction closing ``amount`` of its lot against the invoice's, the
    difference to ``fx``."""
    fx = e.book.fx
    held, owed = fx.lots.get(settlement.id), fx.lots.get(invoice.id)
    if held is None or owed is None or amount <= 0:
        return
    customer = e.book.customers[invoice.customer]
    links = {invoice.order, invoice.id}
    if settlement.id in e.book.documents:
        links.add(settlement.id)
    txn = TxnBuilder(
        source,
        date,
        customer.name,
        f"Money held ahead ({held.cost.label}) set against invoice {invoice.id}",
        frozenset(links),
        {"order": invoice.order, "customer": customer.id, "invoice": invoice.id},
    )
    txn.post(held.account, amount, invoice.currency, held.cost)
    txn.post(owed.account, -amount, invoice.currency, owed.cost)
    held.change(date, amount)
    owed.change(date, -amount)
    _post_fx(e, txn, amount * held.rate - amount * owed.rate)
    e.emit(txn)


def post_refund(
    e: State,
    txn: TxnBuilder,
    parts: list[tuple[Settlement, Decimal]],
    account: str,
    amount: Decimal,
    currency: str,
    rate: Decimal,
) -> None:
    """A foreign refund of money held ahead: Dr the lots it gives back at their
    cost, Cr the method's account ``AMOUNT CUR @@ T OPC``, the difference to
    ``fx``."""
    fx = e.book.fx
    weight = ZERO
    for settlement, part in parts:
        lot = fx.lots.get(settlement.id)
        if lot is None:  # pragma: no cover - money ahead in CUR always has a lot
            continue
        txn.post(lot.account, part, currency, lot.cost)
        lot.change(txn.date, part)
        weight += part * lot.rate
    total = rules.round_money(amount * rate, e.quantum)
    _post_priced(e, txn, account, -amount, currency, total)
    _post_fx(e, txn, weight - total)


def opc_value(e: State, invoice_id: str, amount: Decimal) -> Decimal:
    """An amount of a foreign invoice in OPC at the invoice's rate (its whole
    gross: the receivable's weight rounded)."""
    record = e.book.fx.invoices[invoice_id]
    return rules.round_money(amount * record.rate, e.quantum)


def after_void(
    e: State,
    meta: data.Meta,
    date: datetime.date,
    document: str,
    reversals: list[data.Transaction],
) -> list[data.Transaction]:
    """A void's reversals of foreign documents: their lots change as posted; a
    voided credit order gives back what it took of its invoice's converted lines
    and taxes. Then the receivable lots the void touched are set to what the book
    now says is open on them (a voided invoice's lot: nothing; money matched to it:
    held as its own lot again; a voided payment's or credit's: nothing, and the
    invoices it paid open again), by one transaction moving the units between
    those lots at their costs, the difference to ``fx``."""
    fx = e.book.fx
    if not fx.lots:
        return []
    by_cost = {(lot.account, lot.cost): lot for lot in fx.lots.values()}
    touched: dict[str, FxLot] = {}
    for txn in reversals:
        for posting in txn.postings:
            cost, amount = posting.cost, posting.units
            lot = by_cost.get((posting.account, cost)) if isinstance(cost, Cost) else None
            if lot is not None and amount is not None and amount.number is not None:
                lot.change(date, amount.number)
                touched[lot.document] = lot
    for converted, taken, value in fx.takes.pop(document, []):
        converted.taken -= taken
        converted.taken_value -= value
    redeemed = fx.redeemed.get(document)
    if redeemed is not None and redeemed.total > redeemed.taken:  # wait for an invoice
        fx.redemptions[document] = Converted(
            redeemed.total - redeemed.taken, redeemed.value - redeemed.taken_value
        )
    book = e.book
    invoice = book.invoices.get(document)
    settlement = book.settlements.get(document)
    others = set()
    if invoice is not None:
        others = {each.source for each in invoice.allocations}
    elif settlement is not None:
        others = {each.invoice for each in settlement.allocations}
    for other in sorted(others | {document}):
        lot = fx.lots.get(other)
        held = book.settlements.get(other)
        if lot is None and held is not None and other in fx.held and held.unallocated:
            account = e.receivable(book.customers[held.customer])
            lot = fx.lots[other] = FxLot(
                other,
                held.kind.value,
                held.customer,
                held.order,
                account,
                fx.held[other],
                ZERO,
                held.currency,
            )
        if lot is not None:
            touched[other] = lot
    moves = []
    for name, lot in sorted(touched.items()):
        if name in book.invoices:
            wanted = book.invoices[name].open_amount
        elif name in book.settlements:
            wanted = -book.settlements[name].unallocated
        else:  # pragma: no cover - every lot is an invoice's or a settlement's
            continue
        if wanted != lot.units:
            moves.append((lot, wanted - lot.units))
    if not moves or sum((units for _, units in moves), ZERO) != 0:
        return []
    first = moves[0][0]
    customer = book.customers[first.customer]
    links = {document} | {lot.order for lot, _ in moves if lot.order}
    what = "the money matched to it held" if invoice else "what it settled open"
    orders = {lot.order for lot, _ in moves}
    builder = TxnBuilder(
        meta,
        date,
        customer.name,
        f"Void of {document}: {what} again",
        frozenset(links),
        {
            "order": orders.pop() if len(orders) == 1 else None,
            "customer": customer.id,
            "void": document,
            "reason": meta.get("reason"),
        },
    )
    weight = ZERO
    for lot, units in moves:
        builder.post(lot.account, units, lot.currency, lot.cost)
        lot.change(date, units)
        weight += units * lot.rate
    _post_fx(e, builder, weight)
    return [e.emit(builder)]
