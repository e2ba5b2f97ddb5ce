"""The printable documents as data: an invoice, a credit note, a statement.

Each is a frozen dataclass built from the engine's :class:`~beancount_orders.book.Book`
(:mod:`beancount_orders.documents.build`); the templates only loop over them and
format their figures. Every figure is one the engine recorded when it generated
the postings (an invoice line's net and tax, a credit line's), or a sum of them,
never recomputed from prices. Money is ``Decimal``.
"""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

from beancount_orders.book.model import ZERO


class DocumentError(ValueError):
    """A document that cannot be printed: an unknown id or customer, a bad option.
    Its message is for the user as it is."""


@dataclasses.dataclass(frozen=True)
class Party:
    """The seller or the customer as printed: name, address and contact lines."""

    name: str
    id: str | None = None
    address: tuple[str, ...] = ()
    tax_id: str | None = None
    email: str | None = None
    bank: str | None = None


@dataclasses.dataclass(frozen=True)
class Line:
    """One line of an invoice or a credit note."""

    item: str
    description: str
    qty: Decimal
    price: Decimal  # the unit price, as the order line (net unless prices include tax)
    rate: Decimal  # the tax rate, e.g. 0.20
    net: Decimal
    tax: Decimal
    type: str = ""  # a credit note's line: "return" or "credit"

    @property
    def gross(self) -> Decimal:
        """Its net plus its tax."""
        return self.net + self.tax


@dataclasses.dataclass(frozen=True)
class RateTotal:
    """The net and the tax of a document's lines at one tax rate."""

    rate: Decimal
    net: Decimal
    tax: Decimal

    @property
    def gross(self) -> Decimal:
        """Net plus tax at this rate."""
        return self.net + self.tax


@dataclasses.dataclass(frozen=True)
class Billed:
    """What an invoice and a credit note share: lines, totals, parties, status."""

    id: str
    order: str
    date: datetime.date
    currency: str
    seller: Party | None
    customer: Party
    lines: tuple[Line, ...]
    rates: tuple[RateTotal, ...]
    po: str | None
    inclusive: bool  # unit prices include tax
    voided: datetime.date | None
    void_reason: str | None

    @property
    def net(self) -> Decimal:
        """The lines' net total."""
        return sum((line.net for line in self.lines), ZERO)

    @property
    def tax(self) -> Decimal:
        """The lines' tax total."""
        return sum((line.tax for line in self.lines), ZERO)

    @property
    def gross(self) -> Decimal:
        """What the document charges (an invoice) or gives back (a credit note)."""
        return self.net + self.tax


@dataclasses.dataclass(frozen=True)
class InvoiceDocument(Billed):
    """An invoice as printed."""

    due: datetime.date = datetime.date.min
    credited_by: tuple[str, ...] = ()  # the posted credit orders against it
    title: str = "Invoice"
    kind: str = "invoice"


@dataclasses.dataclass(frozen=True)
class CreditNoteDocument(Billed):
    """A credit order as printed: a credit note against an invoice."""

    invoice: str = ""
    invoice_date: datetime.date | None = None
    status: str = "READY"  # only READY credit orders post
    reason: str | None = None
    title: str = "Credit note"
    kind: str = "credit-note"

    @property
    def draft(self) -> bool:
        """Whether it is not READY, so nothing of it is posted yet."""
        return self.status != "READY"


@dataclasses.dataclass(frozen=True)
class Movement:
    """One transaction's effect on the customer's account in a statement."""

    date: datetime.date
    reference: str  # the document ids of the transaction (its links)
    description: str  # its narration
    amount: Decimal  # positive: the customer owes more
    balance: Decimal  # the running balance after it


@dataclasses.dataclass(frozen=True)
class StatementAccount:
    """One currency of a customer's statement."""

    currency: str
    opening: Decimal
    movements: tuple[Movement, ...]
    closing: Decimal
    labels: tuple[str, ...]  # the ageing buckets' labels
    buckets: tuple[Decimal, ...]  # open invoices less unallocated money, by bucket
    # What we hold for the customer (customer credit): balance and its movements.
    credit_opening: Decimal = ZERO
    credit_movements: tuple[Movement, ...] = ()
    credit_closing: Decimal = ZERO

    @property
    def ageing_total(self) -> Decimal:
        """The buckets summed: equal to the closing balance."""
        return sum(self.buckets, ZERO)

    @property
    def has_credit(self) -> bool:
        """Whether customer credit shows on the statement."""
        return bool(self.credit_movements or self.credit_opening or self.credit_closing)


@dataclasses.dataclass(frozen=True)
class StatementDocument:
    """A customer's statement of account from ``start`` through ``as_of``."""

    id: str  # e.g. STATEMENT-acme-2025-03-31
    customer: Party
    seller: Party | None
    start: datetime.date | None  # None: from the first entry
    as_of: datetime.date
    accounts: tuple[StatementAccount, ...]
    title: str = "Statement of account"
    kind: str = "statement"

    @property
    def date(self) -> datetime.date:
        """The document's date: its as-of date."""
        return self.as_of


Document = InvoiceDocument | CreditNoteDocument | StatementDocument
