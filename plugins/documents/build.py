"""Building the printable documents from the book.

:func:`document` finds an invoice or a credit order by its id; :func:`statement`
makes a customer's statement of account. Both read only what the engine
recorded: the invoice's and credit order's lines (the net and tax it posted for
each), the generated transactions on the customer's receivable and customer
credit accounts (the statement's balances are their balances), and the ageing
report's buckets. Nothing here does I/O.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from collections.abc import Mapping
from decimal import Decimal

from beancount.core import data

from beancount_orders.book import Book
from beancount_orders.book.credits import CreditOrder
from beancount_orders.book.model import ZERO
from beancount_orders.book.model import Customer
from beancount_orders.book.model import Invoice
from beancount_orders.book.state import kind_article
from beancount_orders.documents.model import CreditNoteDocument
from beancount_orders.documents.model import DocumentError
from beancount_orders.documents.model import InvoiceDocument
from beancount_orders.documents.model import Line
from beancount_orders.documents.model import Movement
from beancount_orders.documents.model import Party
from beancount_orders.documents.model import RateTotal
from beancount_orders.documents.model import StatementAccount
from beancount_orders.documents.model import StatementDocument
from beancount_orders.reports.ageing import aged_receivables

NO_NAMES: Mapping[str, str] = {}


def item_names(entries: Iterable[data.Directive]) -> dict[str, str]:
    """Each item's ``name`` metadata, from the ledger's ``commodity`` entries."""
    names = {}
    for entry in entries:
        if isinstance(entry, data.Commodity):
            name = entry.meta.get("name")
            if isinstance(name, str) and name.strip():
                names[entry.currency] = name.strip()
    return names


def seller(book: Book) -> Party | None:
    """The ``company`` of the books, or None when none is declared."""
    company = book.company
    if company is None:
        return None
    return Party(
        company.name,
        None,
        company.address_lines,
        company.tax_id,
        company.email,
        company.bank,
    )


def _text(meta: Mapping[str, object], key: str) -> str | None:
    """A metadata value that is a non-empty string, else None."""
    value = meta.get(key)
    return value if isinstance(value, str) and value.strip() else None


def customer_party(book: Book, customer_id: str) -> Party:
    """The customer as printed; its free-form ``address``, ``tax-id`` and ``email``
    metadata, when written, are printed too."""
    customer = book.customers.get(customer_id)
    if customer is None:
        return Party(customer_id, customer_id)
    meta = customer.meta
    address = _text(meta, "address")
    lines = tuple(
        part.strip()
        for part in (address or "").replace(";", "\n").splitlines()
        if part.strip()
    )
    return Party(
        customer.name, customer.id, lines, _text(meta, "tax-id"), _text(meta, "email")
    )


def _rates(lines: Iterable[Line]) -> tuple[RateTotal, ...]:
    """The lines' net and tax by rate, highest rate first."""
    totals: dict[Decimal, tuple[Decimal, Decimal]] = {}
    for line in lines:
        net, tax = totals.get(line.rate, (ZERO, ZERO))
        totals[line.rate] = (net + line.net, tax + line.tax)
    return tuple(
        RateTotal(rate, net, tax)
        for rate, (net, tax) in sorted(totals.items(), reverse=True)
    )


def _void(book: Book, document: str) -> tuple[datetime.date | None, str | None]:
    """The date and reason of the document's void, or (None, None)."""
    voided = book.voids.voided.get(document)
    return (voided.date, voided.reason) if voided is not None else (None, None)


def invoice_document(
    book: Book, invoice: Invoice, names: Mapping[str, str] = NO_NAMES
) -> InvoiceDocument:
    """An invoice as printed: its lines as billed, totals by rate, due date."""
    order = book.orders[invoice.order]
    descriptions = {line.number: line.description for line in order.lines}
    lines = tuple(
        Line(
            line.item,
            descriptions.get(line.line) or names.get(line.item, line.item),
            line.qty,
            line.price,
            line.tax_rate,
            line.net,
            line.tax,
        )
        for line in invoice.lines
    )
    credited_by = tuple(
        co
        for co in order.credit_orders
        if (found := book.credit_orders.get(co)) is not None
        and found.invoice == invoice.id
        and found.posted
        and co not in book.voids.voided
    )
    voided, reason = _void(book, invoice.id)
    return InvoiceDocument(
        invoice.id,
        invoice.order,
        invoice.date,
        invoice.currency,
        seller(book),
        customer_party(book, invoice.customer),
        lines,
        _rates(lines),
        order.po,
        book.config.prices_include_tax,
        voided,
        reason,
        due=invoice.due,
        credited_by=credited_by,
    )


def credit_note_document(
    book: Book, co: CreditOrder, names: Mapping[str, str] = NO_NAMES
) -> CreditNoteDocument:
    """A credit order as printed: the invoice it credits, its return and credit
    lines, totals by rate."""
    invoice = book.invoices.get(co.invoice)
    lines = tuple(
        Line(
            line.item,
            names.get(line.item, line.item),
            line.qty,
            line.price,
            line.tax_rate,
            line.net,
            line.tax,
            line.type,
        )
        for line in co.lines
    )
    voided, reason = _void(book, co.id)
    return CreditNoteDocument(
        co.id,
        co.order,
        co.post_date,
        co.currency,
        seller(book),
        customer_party(book, co.customer),
        lines,
        _rates(lines),
        co.po,
        book.config.prices_include_tax,
        voided,
        reason,
        invoice=co.invoice,
        invoice_date=invoice.date if invoice is not None else None,
        status=co.status,
        reason=co.reason,
    )


def document(
    book: Book, document_id: str, names: Mapping[str, str] = NO_NAMES
) -> InvoiceDocument | CreditNoteDocument:
    """The invoice or credit order ``document_id``, as printed.

    Raises :class:`DocumentError` for an unknown id or one of another kind.
    """
    invoice = book.invoices.get(document_id)
    if invoice is not None:
        return invoice_document(book, invoice, names)
    co = book.credit_orders.get(document_id)
    if co is not None:
        return credit_note_document(book, co, names)
    kind = book.documents.get(document_id)
    if kind is None:
        raise DocumentError(
            f'Unknown document "{document_id}": expected the id of an invoice or a '
            "credit order (or --statement CUSTOMER for a statement)"
        )
    hint = ""
    if kind == "order":
        order = book.orders[document_id]
        if order.invoices:
            hint = f"; its invoices: {', '.join(order.invoices)}"
    raise DocumentError(
        f'"{document_id}" is {kind_article(kind)}: only invoices and credit orders '
        f"print{hint}"
    )


# -- statements --------------------------------------------------------------------


def _customer(book: Book, customer_id: str) -> Customer:
    """The customer ``customer_id``; an unknown one is a DocumentError."""
    customer = book.customers.get(customer_id)
    if customer is None:
        known = ", ".join(sorted(book.customers)[:10]) or "none"
        raise DocumentError(f'Unknown customer "{customer_id}" (customers: {known})')
    return customer


def _movements(
    book: Book, customer_id: str, account: str, as_of: datetime.date
) -> list[tuple[data.Transaction, dict[str, Decimal]]]:
    """The generated transactions of the customer through ``as_of`` that post to
    ``account``, each with its amounts there by currency (in the order posted)."""
    found = []
    for entry in book.expanded():
        if not isinstance(entry, data.Transaction) or entry.date > as_of:
            continue
        if entry.meta.get("customer") != customer_id:
            continue
        amounts: dict[str, Decimal] = {}
        for posting in entry.postings:
            if posting.account == account and posting.units is not None:
                number = posting.units.number or ZERO
                currency = posting.units.currency
                amounts[currency] = amounts.get(currency, ZERO) + number
        if any(amounts.values()):
            found.append((entry, amounts))
    return found


def _ledger(
    moved: list[tuple[data.Transaction, dict[str, Decimal]]],
    currency: str,
    start: datetime.date | None,
    sign: int,
) -> tuple[Decimal, tuple[Movement, ...], Decimal]:
    """Opening balance, the movements in the period, closing balance of one
    currency (``sign`` -1 for a liability: what we hold for the customer)."""
    opening = ZERO
    balance = ZERO
    rows = []
    for entry, amounts in moved:
        amount = sign * amounts.get(currency, ZERO)
        if not amount:
            continue
        balance += amount
        if start is not None and entry.date < start:
            opening = balance
            continue
        reference = " ".join(sorted(entry.links))
        rows.append(Movement(entry.date, reference, entry.narration or "", amount, balance))
    return opening, tuple(rows), balance


def statement(
    book: Book,
    customer_id: str,
    as_of: datetime.date,
    start: datetime.date | None = None,
) -> StatementDocument:
    """A customer's statement from ``start`` (None: from the first entry) through
    ``as_of``: per currency, the opening balance of their receivable, every
    transaction on it in the period, the ageing buckets on ``as_of`` (as the ageing
    report makes them) and the closing balance, which is the receivable's balance
    on ``as_of``; and what we hold for them as customer credit."""
    customer = _customer(book, customer_id)
    if start is not None and start > as_of:
        raise DocumentError(
            f"The statement's start {start} is after its as-of date {as_of}"
        )
    receivable = book.config.account("receivable", customer=customer.account)
    held = book.config.account("customer_credit", customer=customer.account)
    owed = _movements(book, customer_id, receivable, as_of)
    credit = _movements(book, customer_id, held, as_of)
    ageing = aged_receivables(book, as_of)
    rows = {row.currency: row for row in ageing.rows if row.customer == customer_id}
    currencies = sorted({c for _, amounts in owed + credit for c in amounts} | set(rows))
    accounts = []
    for currency in currencies:
        opening, movements, closing = _ledger(owed, currency, start, 1)
        c_open, c_moves, c_close = _ledger(credit, currency, start, -1)
        row = rows.get(currency)
        width = len(ageing.labels)
        buckets = (
            tuple(row.buckets[i] + row.unallocated[i] for i in range(width))
            if row is not None
            else (ZERO,) * width
        )
        accounts.append(
            StatementAccount(
                currency,
                opening,
                movements,
                closing,
                ageing.labels,
                buckets,
                c_open,
                c_moves,
                c_close,
            )
        )
    return StatementDocument(
        f"STATEMENT-{customer_id}-{as_of}",
        customer_party(book, customer_id),
        seller(book),
        start,
        as_of,
        tuple(accounts),
    )
