"""Stripe's balance history as payments, refunds, fees, payouts and the rest.

Reads the Dashboard's balance history export (``id``, ``Type``, ``Source``,
``Amount``, ``Fee``, ``Net``, ``Currency``, ``Created (UTC)``, ... and any
metadata columns) and the *Itemised balance change from activity* report
(``balance_transaction_id``, ``created_utc``, ``gross``, ``fee``, ``net``,
``reporting_category``, ``source_id``, ``customer_id``, ...). Column names are
matched without regard to case, blanks or brackets (``Customer ID`` is
``customer_id``); the columns a user left out are assumed as documented in
``docs/real-exports.md``, with a warning at row 1. Amounts are major units, kept
exactly as written (``1500`` JPY, ``12.345`` KWD).

Each row is one balance transaction. By its ``Type`` (else its reporting
category):

- a charge (``charge``, ``payment``): a ``payment`` on the order named in the
  Description (``Order #1060`` -> ``SHOP-1060``); else a ``payment`` on account of
  the customer the row names (declared with a ``customer`` directive when the
  ledger lacks it); else a transaction to ``unmatched_account``;
- a refund (``refund``, ``payment_refund``, ``partial_capture_reversal``): a
  ``credit`` and a ``refund`` to the customer of the charge's order, or of the
  charge's customer; else a transaction back from ``unmatched_account``;
- payouts, failed and cancelled payouts, transfers and their reversals, top-ups:
  a transaction between the Stripe account and ``payout_account``;
- Stripe's fees, card network costs, tax on fees: ``fees_account``;
- disputes and won disputes (``adjustment`` rows of a dispute ``du_``/``dp_``):
  ``disputes_account``; reserve holds and releases: ``reserve_account``; other
  adjustments and Climate contributions: ``adjustments_account``;
- anything else (failed payments and refunds, Connect, Issuing, unknown types):
  ``suspense_account``, with a warning saying how to settle it.

The ``Fee`` of any row goes to the fees account, so the Stripe account moves by
``Net``, exactly, for every imported row. A row whose balance transaction is
already in the ledger adds nothing; an account the ledger has not opened is
opened on the date of its first use. Text written into entries loses its HTML
tags, with a warning for the row (Fava's journal shows it as HTML).

Configuration (all optional)::

    Importer({
        "account": "Assets:Stripe",                      # the Stripe balance
        "fees_account": "Expenses:Stripe:Fees",
        "payout_account": "Assets:Bank:Current",         # payouts, top-ups
        "unmatched_account": "Income:Stripe:Unmatched",  # charges of nobody known
        "disputes_account": "Expenses:Stripe:Disputes",
        "reserve_account": "Assets:Stripe:Reserve",
        "adjustments_account": "Expenses:Stripe:Adjustments",
        "suspense_account": "Equity:Stripe:Suspense",   # to be settled by hand
        "order_prefix": "SHOP-",                         # as the Shopify importer's
        "order_pattern": r"#([A-Za-z0-9_./-]+)",         # the order in Description
    })
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from beancount.core import data

from beancount_orders.importers.base import OrdersImporter
from beancount_orders.importers.common import DUPLICATE
from beancount_orders.importers.common import ID_RE
from beancount_orders.importers.common import WARNING
from beancount_orders.importers.common import ZERO
from beancount_orders.importers.common import Problem
from beancount_orders.importers.common import RowError
from beancount_orders.importers.common import check_account
from beancount_orders.importers.common import check_keys
from beancount_orders.importers.common import clean_text
from beancount_orders.importers.common import order_id
from beancount_orders.importers.ledger import Ledger
from beancount_orders.importers.reading import decline_reason
from beancount_orders.importers.reading import parse_date
from beancount_orders.importers.reading import parse_decimal
from beancount_orders.importers.reading import read_csv
from beancount_orders.importers.reading import read_header
from beancount_orders.importers.stripe_model import ADJUSTMENT
from beancount_orders.importers.stripe_model import CHARGE
from beancount_orders.importers.stripe_model import CUSTOMER_FIELDS
from beancount_orders.importers.stripe_model import DISPUTE
from beancount_orders.importers.stripe_model import FEE
from beancount_orders.importers.stripe_model import PAYOUT
from beancount_orders.importers.stripe_model import REFUND
from beancount_orders.importers.stripe_model import REQUIRED
from beancount_orders.importers.stripe_model import RESERVE
from beancount_orders.importers.stripe_model import SUSPENSE
from beancount_orders.importers.stripe_model import Columns
from beancount_orders.importers.stripe_model import Context
from beancount_orders.importers.stripe_model import State
from beancount_orders.importers.stripe_model import Txn
from beancount_orders.importers.stripe_model import classify
from beancount_orders.importers.stripe_model import column_key
from beancount_orders.importers.stripe_writer import Writer

# -- columns ------------------------------------------------------------------------


DEFAULTS: dict[str, Any] = {
    "account": "Assets:Stripe",
    "fees_account": "Expenses:Stripe:Fees",
    "payout_account": "Assets:Bank:Current",
    "unmatched_account": "Income:Stripe:Unmatched",
    "disputes_account": "Expenses:Stripe:Disputes",
    "reserve_account": "Assets:Stripe:Reserve",
    "adjustments_account": "Expenses:Stripe:Adjustments",
    "suspense_account": "Equity:Stripe:Suspense",
    "order_prefix": "SHOP-",
    "order_pattern": r"#([A-Za-z0-9_./-]+)",
}

class Importer(Writer, OrdersImporter):
    """Stripe balance history: charges, refunds, fees, payouts and adjustments."""

    required = REQUIRED
    what = "Stripe balance history export"
    signature = ("id", "Type", "Net")
    document_name = "stripe-balance-history.csv"

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        super().__init__()
        options = dict(config or {})
        check_keys(options, DEFAULTS, "Stripe")
        settings = {**DEFAULTS, **options}
        self.stripe = check_account(settings["account"], "account")
        self.fees = check_account(settings["fees_account"], "fees_account")
        self.payouts = check_account(settings["payout_account"], "payout_account")
        self.accounts = {
            PAYOUT: self.payouts,
            FEE: self.fees,
            CHARGE: check_account(settings["unmatched_account"], "unmatched_account"),
            DISPUTE: check_account(settings["disputes_account"], "disputes_account"),
            RESERVE: check_account(settings["reserve_account"], "reserve_account"),
            ADJUSTMENT: check_account(
                settings["adjustments_account"], "adjustments_account"
            ),
            SUSPENSE: check_account(settings["suspense_account"], "suspense_account"),
        }
        self.unmatched = self.accounts[CHARGE]
        self.filing_account = self.stripe
        self.prefix = str(settings["order_prefix"])
        try:
            self.pattern = re.compile(settings["order_pattern"])
        except (re.error, TypeError) as exc:
            raise ValueError(
                f"'order_pattern' is not a regular expression: {exc}"
            ) from None
        if self.pattern.groups != 1:
            raise ValueError("'order_pattern' must have one group: the order name")
        self.context = Context()

    # -- beangulp ---------------------------------------------------------------------

    def decline(self, filepath: str) -> str | None:
        """Why the file is not a Stripe balance history (Dashboard export or
        itemised report), or None when it is one."""
        reason = decline_reason(filepath, (), self.what)
        if reason is not None:
            return reason
        missing = Columns(read_header(filepath) or []).missing()
        if not missing:
            return None
        return decline_reason(filepath, missing, self.what, self.signature)

    def date(self, filepath: str) -> datetime.date | None:
        """The date of the latest balance transaction in the file."""
        try:
            export = read_csv(filepath)
        except Problem:
            return None
        columns = Columns(export.header)
        dates = []
        for row, record in export.records:
            try:
                dates.append(parse_date(columns.get(record, "created"), "Created", row))
            except Problem:
                continue
        return max(dates, default=None)

    def extract(self, filepath: str, existing: data.Entries) -> data.Entries:
        self.context = Context.of(existing)
        try:
            return super().extract(filepath, existing)
        finally:
            self.context = Context()

    def deduplicate(self, entries: data.Entries, existing: data.Entries) -> None:
        """As the base class; an ``open`` of an account already opened is a
        duplicate too."""
        super().deduplicate(entries, existing)
        opened = Context.of(existing).opened
        for entry in entries:
            if isinstance(entry, data.Open) and entry.account in opened:
                entry.meta[DUPLICATE] = True

    # -- reading ----------------------------------------------------------------------

    def read(
        self, filepath: str, ledger: Ledger, errors: list[RowError]
    ) -> list[data.Directive]:
        export = read_csv(filepath)
        columns = Columns(export.header)
        missing = columns.missing()
        if missing:
            plural = "s" if len(missing) > 1 else ""
            raise Problem(
                1, f"not a {self.what}: missing column{plural} {', '.join(missing)}"
            )
        errors.extend(
            RowError(filepath, broken.row, broken.message) for broken in export.broken
        )
        warnings: list[tuple[int, str]] = []
        txns: list[Txn] = []
        seen: set[str] = set()
        for row, record in export.records:
            try:
                txn = self.parse(row, record, columns, ledger, warnings)
                if txn.id in seen:
                    raise Problem(row, f"{txn.id} appears twice in the file")
                seen.add(txn.id)
                txns.append(txn)
            except Problem as problem:
                errors.append(RowError(filepath, problem.row, problem.message))
        warnings[:0] = [(1, message) for message in self.assumed(columns, txns)]
        state = self.state(txns, ledger)
        state.named = any(columns.has(field) for field in CUSTOMER_FIELDS)
        entries: list[data.Directive] = []
        for txn in txns:
            if txn.id in ledger.stripe or txn.id in ledger.documents:
                continue
            try:
                written = self.row(filepath, txn, ledger, state, warnings)
                for account in sorted(accounts_of(written, self.stripe)):
                    closed = ledger.closed_to(account, txn.date, txn.currency)
                    if closed is not None:
                        raise Problem(txn.row, f"{txn.id} ({txn.kind}): {closed}")
                entries += written
            except Problem as problem:
                errors.append(RowError(filepath, problem.row, problem.message))
        entries = self.customers(filepath, state, ledger, warnings) + entries
        entries += self.opens(filepath, entries)
        errors.extend(RowError(filepath, at, message, WARNING) for at, message in warnings)
        return entries

    def assumed(self, columns: Columns, txns: list[Txn]) -> list[str]:
        """The file-level warnings: what was assumed for each missing column that
        the output depends on."""
        found: list[str] = []
        if not columns.has("fee"):
            found.append("no Fee column: each row's fee is taken as Amount less Net")
        elif not columns.has("net"):
            found.append("no Net column: each row's net is taken as Amount less Fee")
        if column_key(columns.names["created"]) == "created":
            found.append(
                "no Created (UTC) column: dates are taken from created, in the "
                "report's time zone"
            )
        money = [txn for txn in txns if txn.booking in (CHARGE, REFUND)]
        if money and not columns.has("description"):
            found.append(
                "no Description column: no charge or refund is matched to an order; "
                "charges are booked on account of their customer, else to "
                f"{self.unmatched}"
            )
        if not any(columns.has(field) for field in CUSTOMER_FIELDS) and any(
            txn.booking == CHARGE and txn.order is None for txn in txns
        ):
            found.append(
                "no customer column (Customer ID, Customer Email, customer_id, "
                "customer_email, ...): the charges that name no order are booked to "
                f"{self.unmatched}"
            )
        if any(txn.booking == REFUND for txn in txns) and not (
            columns.has("source") or columns.has("charge")
        ):
            found.append(
                "no Source column: refunds are not matched to the charges they refund, "
                "only to the order in their Description or their customer"
            )
        return found

    def parse(
        self,
        row: int,
        record: Mapping[str, str],
        columns: Columns,
        ledger: Ledger,
        warnings: list[tuple[int, str]],
    ) -> Txn:
        """A row as a :class:`Txn`; a :class:`Problem` when it cannot be read."""
        txn_id = columns.get(record, "id")
        if not txn_id or not ID_RE.match(txn_id):
            raise Problem(row, f'id "{txn_id}" is not a balance transaction id')
        kind = columns.get(record, "type").lower()
        category = columns.get(record, "category").lower()
        shown = kind or category

        def fail(message: str) -> Problem:
            return Problem(row, f"{txn_id} ({shown or 'no type'}): {message}")

        def text(field: str) -> str:
            """A column written into an entry, without HTML tags."""
            found: list[tuple[int, str]] = []
            name = columns.names.get(field, field)
            cleaned = clean_text(columns.get(record, field), name, row, found)
            warnings.extend((at, f"{txn_id} ({shown}): {message}") for at, message in found)
            return cleaned

        try:
            amount, fee, net = self.money(row, record, columns)
            created = columns.names.get("created", "Created (UTC)")
            date = parse_date(columns.get(record, "created"), created, row)
        except Problem as problem:
            raise fail(problem.message) from None
        currency = columns.get(record, "currency").upper()
        if not re.match(r"^[A-Z]{3}$", currency):
            raise fail(
                f'Currency "{columns.get(record, "currency")}" is not a currency code'
            )
        if amount - fee != net:
            raise fail(f"Net {net} is not Amount {amount} less Fee {fee}")
        source = columns.get(record, "source")
        raw_description = columns.get(record, "description")
        booking, label = classify(kind, category, source, raw_description)
        source = text("source")
        charge = columns.get(record, "charge") or source
        description = text("description")
        order = self.order_in(raw_description)
        if order is not None and order not in ledger.order_customer:
            if booking in (CHARGE, REFUND):
                warnings.append(
                    (
                        row,
                        f'{txn_id} ({kind}): the Description "{raw_description}" names '
                        f"order {order}, which the books do not have: booked as a "
                        f"{booking} without an order (if it is a Shopify order, import "
                        "the Shopify export first, then this file again without these "
                        "entries)",
                    )
                )
            order = None
        customer: str | None = None
        name, meta = "", dict[str, str]()
        if booking in (CHARGE, REFUND):
            customer, name, meta = self.customer(row, record, columns, text)
        if booking == CHARGE and amount <= 0:
            raise fail(f"a charge of {amount} {currency}: expected more than zero")
        if booking == REFUND and amount >= 0:
            raise fail(f"a refund of {amount} {currency}: expected less than zero")
        return Txn(
            row,
            txn_id,
            shown,
            booking,
            label,
            source,
            charge,
            amount,
            fee,
            net,
            currency,
            date,
            description,
            order,
            customer,
            name,
            meta,
            columns.get(record, "invoice"),
        )

    def money(
        self, row: int, record: Mapping[str, str], columns: Columns
    ) -> tuple[Decimal, Decimal, Decimal]:
        """Amount, Fee and Net, exactly as written; a missing Fee or Net column is
        worked out from the other two."""
        amount = parse_decimal(columns.get(record, "amount"), "Amount", row)
        if not columns.has("fee"):
            net = parse_decimal(columns.get(record, "net"), "Net", row)
            return amount, amount - net, net
        fee = parse_decimal(columns.get(record, "fee"), "Fee", row, blank=ZERO)
        if not columns.has("net"):
            return amount, fee, amount - fee
        return amount, fee, parse_decimal(columns.get(record, "net"), "Net", row)

    def customer(
        self, row: int, record: Mapping[str, str], columns: Columns, text: Any
    ) -> tuple[str | None, str, dict[str, str]]:
        """The customer id a charge or refund would be booked to, their name and the
        metadata of their ``customer`` directive. The id: the one the ledger gave
        their Stripe customer id, else their email (lower case, as the Shopify
        importer's), else their Stripe customer id."""
        stripe_id = text("customer_id")
        email = text("customer_email").lower()
        name = text("customer_name")
        known = self.context.by_stripe_id.get(stripe_id) if stripe_id else None
        customer = known or email or stripe_id or None
        meta = {"email": email, "stripe-customer": stripe_id}
        return customer, name or email or stripe_id, {k: v for k, v in meta.items() if v}

    def order_in(self, description: str) -> str | None:
        match = self.pattern.search(description)
        return order_id(match.group(1), self.prefix) if match else None

    def state(self, txns: list[Txn], ledger: Ledger) -> State:
        """Where each charge went: the ledger's charges, then this file's (a refund
        row usually comes before its charge: Stripe lists the newest first)."""
        charges: dict[str, tuple[str, str]] = {}
        for charge, ref in ledger.charges.items():
            is_order = ref in ledger.order_customer or ref not in ledger.customers
            charges[charge] = ("order", ref) if is_order else ("customer", ref)
        for charge in self.context.unmatched:
            charges.setdefault(charge, ("unmatched", ""))
        customers: dict[str, Txn] = {}
        for txn in sorted(txns, key=lambda txn: (txn.date, txn.row)):
            if txn.customer is not None:
                customers.setdefault(txn.customer, txn)
            if txn.booking != CHARGE or not txn.charge:
                continue
            if txn.order is not None:
                charges.setdefault(txn.charge, ("order", txn.order))
            elif txn.customer is not None:
                charges.setdefault(txn.charge, ("customer", txn.customer))
            else:
                charges.setdefault(txn.charge, ("unmatched", ""))
        return State(charges, customers)


def accounts_of(entries: Iterable[data.Directive], stripe: str) -> set[str]:
    """The accounts that ``entries`` post to: their transactions' and, for the
    directives (payments, refunds), the Stripe account."""
    found: set[str] = set()
    for entry in entries:
        if isinstance(entry, data.Transaction):
            found.update(posting.account for posting in entry.postings)
        elif isinstance(entry, data.Custom) and entry.type in ("payment", "refund"):
            found.add(stripe)
    return found


if __name__ == "__main__":  # pragma: no cover - tests/test_import_cli.py runs it
    from beancount_orders.importers import main

    main(Importer())
