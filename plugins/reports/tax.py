"""The tax report: per month or quarter and rate, what the books owe and may reclaim.

Two sides, computed apart and shown side by side:

- **From the documents** (the engine's records): net sales and output tax of
  invoices (net of tax, before credits), on the invoice's date; the net and tax
  given back by READY credit orders, on the date they post; the tax share of
  early-payment discounts taken with ``discount_reduces_tax``, on the date of
  the payment that settled the invoice; net purchases and input tax of bills and
  landed costs, on their dates. A voided document counts on its own date and is
  taken off again on the void's date, as its postings are. A foreign invoice's
  figures are in the operating currency at the invoice's rate, as its postings
  are (a credit order or discount on it at the same rate).
- **From the accounts**: the change of the sales tax account (config
  ``sales_tax``, with the sign turned: what the books owe) and of the input tax
  account (``input_tax``) in each period, from every posting to them (the
  plugin's and any written by hand), grouped by their ``rate`` and
  ``jurisdiction`` metadata.

Each row, each period's total and the report's total say whether the two sides
agree (:attr:`TaxFigures.ties`). They do unless something was posted to a tax
account by hand (listed in :attr:`TaxReport.postings`) or the engine is wrong.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from beancount.core import data

from beancount_orders.book import Book
from beancount_orders.book import discounts
from beancount_orders.book import rules
from beancount_orders.book.credits import CreditOrder
from beancount_orders.book.fx import FxInvoice
from beancount_orders.book.model import ZERO
from beancount_orders.book.model import Invoice
from beancount_orders.book.postings import is_generated
from beancount_orders.book.purchasing import BILL
from beancount_orders.book.purchasing import LANDED_COST
from beancount_orders.book.purchasing import Payable
from beancount_orders.reports.period import ALL
from beancount_orders.reports.period import Period

PERIODS = ("month", "quarter")
# The figures of the documents' side, in the order of the report's columns.
FIELDS = (
    "net_sales",
    "output_tax",
    "credited_net",
    "credited_tax",
    "discount_tax",
    "net_purchases",
    "input_tax",
)
# (rate, jurisdiction): a group of tax postings.
TaxKey = tuple[Decimal | None, str | None]


class TaxReportError(ValueError):
    """A bad option of the tax report (a period kind other than month or quarter)."""


def period_of(date: datetime.date, kind: str) -> str:
    """The period a date falls in: ``2024-03`` (month) or ``2024-Q1`` (quarter)."""
    if kind == "quarter":
        return f"{date.year}-Q{(date.month - 1) // 3 + 1}"
    return f"{date.year}-{date.month:02d}"


@dataclasses.dataclass(frozen=True)
class TaxItem:
    """One document's figures at one rate on one date (a void's: negated)."""

    date: datetime.date
    kind: str  # "invoice", "credit order", "discount", "bill", "landed cost"
    document: str
    currency: str
    rate: Decimal | None
    jurisdiction: str | None
    field_net: str | None  # the FIELDS it adds to: net ...
    field_tax: str  # ... and tax
    net: Decimal
    tax: Decimal
    meta: Mapping[str, Any]
    void: bool = False  # the reversal of a voided document, on the void's date


@dataclasses.dataclass(frozen=True)
class TaxFigures:
    """The figures of a row, a period or the whole report, both sides."""

    net_sales: Decimal = ZERO
    output_tax: Decimal = ZERO
    credited_net: Decimal = ZERO
    credited_tax: Decimal = ZERO
    discount_tax: Decimal = ZERO
    net_purchases: Decimal = ZERO
    input_tax: Decimal = ZERO
    account_sales_tax: Decimal = ZERO  # the sales tax account's change, sign turned
    account_input_tax: Decimal = ZERO  # the input tax account's change

    @property
    def sales_tax(self) -> Decimal:
        """Output tax less what credits and discounts gave back: the documents'
        figure for the sales tax account."""
        return self.output_tax - self.credited_tax - self.discount_tax

    @property
    def net_tax(self) -> Decimal:
        """What is owed (positive) or may be reclaimed (negative): sales tax less
        input tax, from the documents."""
        return self.sales_tax - self.input_tax

    @property
    def ties(self) -> bool:
        """Whether the documents' sales tax and input tax equal the accounts'."""
        return (
            self.sales_tax == self.account_sales_tax
            and self.input_tax == self.account_input_tax
        )

    def __add__(self, other: TaxFigures) -> TaxFigures:
        """Both sides' figures added up, one by one."""
        return TaxFigures(
            *(
                getattr(self, field.name) + getattr(other, field.name)
                for field in dataclasses.fields(TaxFigures)
            )
        )


@dataclasses.dataclass(frozen=True)
class TaxRow:
    """A period's figures in one currency at one rate and jurisdiction."""

    period: str
    currency: str
    rate: Decimal | None  # None: postings by hand without a rate
    jurisdiction: str | None
    figures: TaxFigures


@dataclasses.dataclass(frozen=True)
class TaxTotal:
    """A period's figures in one currency (``period`` None: the whole report)."""

    period: str | None
    currency: str
    figures: TaxFigures


@dataclasses.dataclass(frozen=True)
class TaxPosting:
    """A posting to a tax account that the plugin did not make (written by hand)."""

    date: datetime.date
    period: str
    account: str
    amount: Decimal
    currency: str
    rate: Decimal | None
    jurisdiction: str | None
    narration: str
    meta: Mapping[str, Any]


@dataclasses.dataclass(frozen=True)
class TaxReport:
    """The tax report over a period, by month or quarter."""

    period_kind: str
    period: Period
    sales_tax_account: str
    input_tax_account: str
    rows: tuple[TaxRow, ...]
    totals: tuple[TaxTotal, ...]  # per period and currency
    grand: tuple[TaxTotal, ...]  # per currency, over the report
    items: tuple[TaxItem, ...]  # the documents' side, line by line
    postings: tuple[TaxPosting, ...]  # postings to the tax accounts by hand

    @property
    def ties(self) -> bool:
        """Whether every period's figures agree with the accounts."""
        return all(total.figures.ties for total in self.totals)


# -- the documents' side --------------------------------------------------------


def _opc(book: Book, document: str, amount: Decimal) -> Decimal:
    """An amount of a foreign invoice's currency in the operating currency, at the
    invoice's rate (as its credit memos and discounts convert)."""
    value = book.fx.value(document, amount, book.config.quantum)
    return amount if value is None else value


def _invoice_items(book: Book, invoice: Invoice) -> Iterator[TaxItem]:
    """An invoice's net and tax per rate and jurisdiction (a foreign invoice's at
    the OPC values its postings have)."""
    record = book.fx.invoices.get(invoice.id)
    currency = (book.fx.opc or invoice.currency) if record else invoice.currency
    net: dict[TaxKey, Decimal] = {}
    tax: dict[TaxKey, Decimal] = {}
    for line in invoice.lines:
        group: TaxKey = (line.tax_rate, line.jurisdiction)
        value = record.net[(line.item, line.line)].value if record else line.net
        net[group] = net.get(group, ZERO) + value
        tax[group] = tax.get(group, ZERO)
        if record is None:
            tax[group] += line.tax
        elif line.tax:  # the OPC value of the invoice's tax posting of the group
            tax[group] = record.tax[(line.tax_rate, line.jurisdiction)].value
    for key, value in net.items():
        yield TaxItem(
            invoice.date,
            "invoice",
            invoice.id,
            currency,
            *key,
            "net_sales",
            "output_tax",
            value,
            tax[key],
            invoice.meta,
        )


def _foreign_credit(
    book: Book, credit_order: CreditOrder, record: FxInvoice
) -> tuple[dict[TaxKey, Decimal], dict[TaxKey, Decimal]]:
    """A foreign credit order's net and tax per key in the operating currency: what
    it took of its invoice's converted lines and taxes (``FxBook.takes``, in the
    order it posted them); a voided one's takes were given back, so its figures
    are what its own transaction posted (:func:`_posted_credit`). A credit the
    takes do not cover is at the invoice's rate."""
    takes = list(book.fx.takes.get(credit_order.id, ()))
    quantum = book.config.quantum

    def value(converted: Any, amount: Decimal) -> Decimal:
        """The next take when it is of ``converted``, else ``amount`` at the rate."""
        if takes and converted is not None and takes[0][0] is converted:
            return Decimal(takes.pop(0)[2])
        return rules.round_money(amount * record.rate, quantum)

    made = book.voids.made.get(credit_order.id)
    if not takes and made is not None and credit_order.id in book.voids.voided:
        return _posted_credit(book, credit_order, made.transactions)
    net: dict[TaxKey, Decimal] = {}
    for line in credit_order.lines:
        key: TaxKey = (line.tax_rate, line.jurisdiction)
        converted = record.net.get((line.item, line.invoice_line))
        net[key] = net.get(key, ZERO) + value(converted, line.net)
    tax: dict[TaxKey, Decimal] = dict.fromkeys(net, ZERO)
    for rate, jurisdiction, amount in rules.taxes_by_rate_and_jurisdiction(
        (line.tax_rate, line.jurisdiction, line.tax) for line in credit_order.lines
    ):
        tax[(rate, jurisdiction)] = value(record.tax.get((rate, jurisdiction)), amount)
    return net, tax


def _posted_credit(
    book: Book, credit_order: CreditOrder, transactions: Iterable[data.Transaction]
) -> tuple[dict[TaxKey, Decimal], dict[TaxKey, Decimal]]:
    """A voided foreign credit order's net and tax per key as its own transaction
    posted them (the engine keeps it for the void): its lines' postings to the
    returns account in line order, its postings to sales tax by their metadata."""
    customer = book.customers[credit_order.customer]
    returns = book.config.account("returns", customer=customer.account)
    sales_tax = book.config.account("sales_tax")
    lines = iter(credit_order.lines)
    net: dict[TaxKey, Decimal] = {}
    tax: dict[TaxKey, Decimal] = {}
    for txn in transactions:
        for posting in txn.postings:
            number = posting.units.number if posting.units is not None else None
            if number is None:
                continue
            if posting.account == returns:
                line = next(lines, None)
                if line is not None:
                    key: TaxKey = (line.tax_rate, line.jurisdiction)
                    net[key] = net.get(key, ZERO) + number
                    tax.setdefault(key, ZERO)
            elif posting.account == sales_tax:
                group = _key(posting.meta)
                tax[group] = tax.get(group, ZERO) + number
                net.setdefault(group, ZERO)
    return net, tax


def _credit_items(book: Book, credit_order: CreditOrder) -> Iterator[TaxItem]:
    """A READY credit order's net and tax given back, per rate and jurisdiction."""
    record = book.fx.invoices.get(credit_order.invoice)
    if record is not None:
        net, tax = _foreign_credit(book, credit_order, record)
        currency = book.fx.opc or credit_order.currency
    else:
        net, tax, currency = {}, {}, credit_order.currency
        for line in credit_order.lines:
            group: TaxKey = (line.tax_rate, line.jurisdiction)
            net[group] = net.get(group, ZERO) + line.net
            tax[group] = tax.get(group, ZERO) + line.tax
    for key in net:
        yield TaxItem(
            credit_order.post_date,
            "credit order",
            credit_order.id,
            currency,
            *key,
            "credited_net",
            "credited_tax",
            net[key],
            tax[key],
            credit_order.meta,
        )


def _discount_items(book: Book) -> Iterator[tuple[TaxItem, datetime.date | None]]:
    """The tax share of each early-payment discount taken (``discount_reduces_tax``)
    and the date it was undone, if it was."""
    if not book.config.discount_reduces_tax:
        return
    for settlement in book.settlements.values():
        if settlement.kind is not rules.SettlementKind.DISCOUNT or not settlement.invoice:
            continue
        invoice = book.invoices[settlement.invoice]
        foreign = invoice.id in book.fx.invoices
        shares = discounts.tax_share(invoice, settlement.amount, book.config.quantum)
        for rate, jurisdiction, tax in shares:
            yield (
                TaxItem(
                    settlement.date,
                    "discount",
                    invoice.id,
                    (book.fx.opc or invoice.currency) if foreign else invoice.currency,
                    rate,
                    jurisdiction,
                    None,
                    "discount_tax",
                    ZERO,
                    _opc(book, invoice.id, tax) if foreign else tax,
                    settlement.meta,
                ),
                settlement.voided,
            )


def _purchase_items(payable: Payable) -> Iterator[TaxItem]:
    """A bill's or landed cost's net and input tax per rate, as it posted them."""
    for rate, (net, tax) in sorted(payable.by_rate.items()):
        yield TaxItem(
            payable.date,
            payable.kind,
            payable.id,
            payable.currency,
            rate,
            None,
            "net_purchases",
            "input_tax",
            net,
            tax,
            payable.meta,
        )


def _voided(item: TaxItem, date: datetime.date | None) -> Iterator[TaxItem]:
    """The item, and its reversal on the void's date if it was voided."""
    yield item
    if date is not None:
        yield dataclasses.replace(item, date=date, net=-item.net, tax=-item.tax, void=True)


def tax_items(book: Book) -> list[TaxItem]:
    """Every document's figures per rate, voids' reversals included, by date."""
    voided = {doc: void.date for doc, void in book.voids.voided.items()}
    items: list[TaxItem] = []
    for invoice in book.invoices.values():
        for item in _invoice_items(book, invoice):
            items.extend(_voided(item, invoice.voided))
    for credit_order in book.credit_orders.values():
        if credit_order.posted:
            for item in _credit_items(book, credit_order):
                items.extend(_voided(item, voided.get(credit_order.id)))
    for item, undone in _discount_items(book):
        items.extend(_voided(item, undone))
    for payable in book.purchasing.payables.values():
        if payable.kind in (BILL, LANDED_COST):
            for item in _purchase_items(payable):
                items.extend(_voided(item, payable.voided))
    items.sort(
        key=lambda item: (
            item.date,
            item.void,
            item.document,
            item.rate or ZERO,
            item.jurisdiction or "",
        )
    )
    return items


# -- the accounts' side ---------------------------------------------------------


def _under(account: str, parent: str) -> bool:
    """Whether ``account`` is ``parent`` or one of its sub-accounts."""
    return account == parent or account.startswith(parent + ":")


def _key(meta: Mapping[str, Any] | None) -> TaxKey:
    """The rate and jurisdiction metadata of a tax posting (None where missing)."""
    meta = meta or {}
    rate, jurisdiction = meta.get("rate"), meta.get("jurisdiction")
    return (
        rate if isinstance(rate, Decimal) else None,
        jurisdiction if isinstance(jurisdiction, str) else None,
    )


def account_postings(
    entries: Iterable[data.Directive], accounts: tuple[str, str]
) -> Iterator[tuple[data.Transaction, data.Posting, int, Decimal, str]]:
    """Every posting to the sales tax (index 0) or input tax account (index 1) or
    their sub-accounts, with its transaction, number and currency. A posting
    under both (``Liabilities:VAT`` and ``Liabilities:VAT:Input``) counts for the
    more specific one; when the two are one account, it counts as sales tax."""
    for entry in entries:
        if not isinstance(entry, data.Transaction):
            continue
        for posting in entry.postings:
            units = posting.units
            if units is None or units.number is None:
                continue
            # The most specific of the two (one may lie under the other).
            matches = [
                (len(parent), index)
                for index, parent in enumerate(accounts)
                if _under(posting.account, parent)
            ]
            if matches:
                index = max(matches)[1]
                yield entry, posting, index, units.number, units.currency


# -- the report -----------------------------------------------------------------


def _document_figures(item: TaxItem) -> TaxFigures:
    """A document item's net and tax as the figures they add to."""
    values = dict.fromkeys(FIELDS, ZERO)
    if item.field_net:
        values[item.field_net] = item.net
    values[item.field_tax] = item.tax
    return TaxFigures(**values)


def tax_report(
    book: Book,
    entries: Iterable[data.Directive],
    period_kind: str = "month",
    period: Period = ALL,
) -> TaxReport:
    """The tax report over ``period``, one row per ``period_kind`` (month or
    quarter), currency, rate and jurisdiction. ``entries`` are the loaded ledger's
    entries, for the tax accounts' postings."""
    if period_kind not in PERIODS:
        raise TaxReportError(
            f"Unknown period {period_kind!r}: expected one of {', '.join(PERIODS)}"
        )
    accounts = (book.config.account("sales_tax"), book.config.account("input_tax"))
    rows: dict[tuple[str, str, TaxKey], TaxFigures] = {}

    def add(date: datetime.date, currency: str, key: TaxKey, figures: TaxFigures) -> None:
        """Add figures to the row of the date's period, the currency and the key."""
        group = (period_of(date, period_kind), currency, key)
        rows[group] = rows[group] + figures if group in rows else figures

    items = tuple(item for item in tax_items(book) if item.date in period)
    for item in items:
        add(
            item.date,
            item.currency,
            (item.rate, item.jurisdiction),
            _document_figures(item),
        )
    postings: list[TaxPosting] = []
    for txn, posting, index, amount, currency in account_postings(entries, accounts):
        if txn.date not in period:
            continue
        figures = (
            TaxFigures(account_sales_tax=-amount)
            if index == 0
            else TaxFigures(account_input_tax=amount)
        )
        add(txn.date, currency, _key(posting.meta), figures)
        if not is_generated(txn):
            postings.append(
                TaxPosting(
                    txn.date,
                    period_of(txn.date, period_kind),
                    posting.account,
                    amount,
                    currency,
                    *_key(posting.meta),
                    txn.narration or "",
                    txn.meta,
                )
            )
    ordered = sorted(rows.items(), key=_row_order)
    result = tuple(
        TaxRow(name, currency, rate, jurisdiction, figures)
        for (name, currency, (rate, jurisdiction)), figures in ordered
    )
    return TaxReport(
        period_kind,
        period,
        *accounts,
        result,
        _totals(result, by_period=True),
        _totals(result, by_period=False),
        items,
        tuple(postings),
    )


def _row_order(
    pair: tuple[tuple[str, str, TaxKey], TaxFigures],
) -> tuple[str, str, bool, Decimal, bool, str]:
    """By period, currency, rate (rows without one last), then jurisdiction."""
    (name, currency, (rate, jurisdiction)), _ = pair
    return (
        name,
        currency,
        rate is None,
        rate if rate is not None else ZERO,
        jurisdiction is not None,
        jurisdiction or "",
    )


def _totals(rows: Iterable[TaxRow], *, by_period: bool) -> tuple[TaxTotal, ...]:
    """The rows added up per period and currency, or per currency alone."""
    totals: dict[tuple[str | None, str], TaxFigures] = {}
    for row in rows:
        key = (row.period if by_period else None, row.currency)
        totals[key] = totals[key] + row.figures if key in totals else row.figures
    return tuple(
        TaxTotal(name, currency, figures)
        for (name, currency), figures in sorted(
            totals.items(), key=lambda pair: (pair[0][0] or "", pair[0][1])
        )
    )
