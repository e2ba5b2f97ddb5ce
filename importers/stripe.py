"""Stripe's balance history CSV as payments, refunds, fees and payouts.

Each row is one balance transaction (``id`` ``txn_...``). By ``Type``:

- ``charge``, ``payment``: a ``payment`` on the order named in the Description
  (``Order #1060`` -> ``SHOP-1060``), into the Stripe account, with ``id:`` the
  balance transaction and ``charge:`` the charge (``Source``);
- ``refund``, ``payment_refund``: a ``credit`` (id: the balance transaction) to the
  order's customer, paid out with a ``refund`` from the Stripe account; the order
  is the one its charge paid (``Source``), else the one in the Description;
- ``payout``, ``transfer``: a transaction from the Stripe account to the payout
  account;
- ``stripe_fee``, ``network_cost``: a transaction to the fees account.

The ``Fee`` of any row is a transaction from the Stripe account to the fees
account, so the Stripe account moves by ``Net``. Any other type is reported,
not guessed. A row whose balance transaction is already in the ledger adds
nothing. The ``Source`` and ``Description`` it writes lose their HTML tags, with
a warning for the row (Fava's journal shows narrations and metadata as HTML).

Configuration (all optional)::

    Importer({
        "account": "Assets:Stripe",                 # the Stripe balance
        "fees_account": "Expenses:Stripe:Fees",
        "payout_account": "Assets:Bank:Current",    # where payouts go
        "order_prefix": "SHOP-",                    # as the Shopify importer's
        "order_pattern": r"#([A-Za-z0-9_./-]+)",    # the order name in Description
    })
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from typing import Any

from beancount.core import data
from beancount.core.amount import Amount

from beancount_orders.importers.common import ID_RE
from beancount_orders.importers.common import WARNING
from beancount_orders.importers.common import ZERO
from beancount_orders.importers.common import Account
from beancount_orders.importers.common import Ledger
from beancount_orders.importers.common import OrdersImporter
from beancount_orders.importers.common import Problem
from beancount_orders.importers.common import RowError
from beancount_orders.importers.common import check_account
from beancount_orders.importers.common import check_keys
from beancount_orders.importers.common import clean_text
from beancount_orders.importers.common import custom
from beancount_orders.importers.common import latest_date
from beancount_orders.importers.common import order_id
from beancount_orders.importers.common import parse_date
from beancount_orders.importers.common import parse_decimal
from beancount_orders.importers.common import read_export
from beancount_orders.importers.common import transaction

REQUIRED = (
    "id",
    "Type",
    "Source",
    "Amount",
    "Fee",
    "Net",
    "Currency",
    "Created (UTC)",
    "Description",
)

CHARGES = ("charge", "payment")
REFUNDS = ("refund", "payment_refund")
PAYOUTS = ("payout", "transfer")
FEES = {"stripe_fee": "Stripe fee", "network_cost": "Card network cost"}
KNOWN_TYPES = (*CHARGES, *REFUNDS, *PAYOUTS, *FEES)

DEFAULTS: dict[str, Any] = {
    "account": "Assets:Stripe",
    "fees_account": "Expenses:Stripe:Fees",
    "payout_account": "Assets:Bank:Current",
    "order_prefix": "SHOP-",
    "order_pattern": r"#([A-Za-z0-9_./-]+)",
}

PAYEE = "Stripe"


class Importer(OrdersImporter):
    """Stripe balance history CSV: charges, refunds, fees and payouts."""

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

    def date(self, filepath: str) -> datetime.date | None:
        """The date of the latest balance transaction in the file."""
        return latest_date(filepath, "Created (UTC)", "Created")

    def read(
        self, filepath: str, ledger: Ledger, errors: list[RowError]
    ) -> list[data.Directive]:
        export = read_export(filepath, REQUIRED, "Stripe balance history export")
        records = export.records
        errors.extend(
            RowError(filepath, broken.row, broken.message) for broken in export.broken
        )
        # Charge id -> order id: the ledger's, then this file's (a refund row
        # usually comes before its charge: Stripe lists the newest first).
        charges = dict(ledger.charges)
        for _, record in records:
            kind, source = record["Type"].strip().lower(), record["Source"].strip()
            order = self.order_in(record["Description"])
            if kind in CHARGES and source and order:
                charges.setdefault(source, order)
        entries: list[data.Directive] = []
        seen: set[str] = set()
        for row, record in records:
            txn = record["id"].strip()
            try:
                if not txn or not ID_RE.match(txn):
                    raise Problem(row, f'id "{txn}" is not a balance transaction id')
                if txn in seen:
                    raise Problem(row, f"{txn} appears twice in the file")
                seen.add(txn)
                if txn in ledger.stripe or txn in ledger.documents:
                    continue
                warnings: list[tuple[int, str]] = []
                entries += self.row(filepath, row, record, txn, ledger, charges, warnings)
                errors.extend(
                    RowError(filepath, at, message, WARNING) for at, message in warnings
                )
            except Problem as problem:
                errors.append(RowError(filepath, problem.row, problem.message))
        return entries

    def order_in(self, description: str) -> str | None:
        match = self.pattern.search(description)
        return order_id(match.group(1), self.prefix) if match else None

    def row(
        self,
        filename: str,
        row: int,
        record: dict[str, str],
        txn: str,
        ledger: Ledger,
        charges: dict[str, str],
        warnings: list[tuple[int, str]],
    ) -> list[data.Directive]:
        """The entries of one balance transaction; the HTML tags removed from the
        text they write are ``(row, message)`` in ``warnings``."""
        kind = record["Type"].strip().lower()
        source = record["Source"].strip()
        description = record["Description"].strip()

        def fail(message: str) -> Problem:
            return Problem(row, f"{txn} ({kind or 'no type'}): {message}")

        def text(key: str) -> str:
            """A column written into an entry, without HTML tags."""
            found: list[tuple[int, str]] = []
            cleaned = clean_text(record[key].strip(), key, row, found)
            warnings.extend((at, f"{txn} ({kind}): {message}") for at, message in found)
            return cleaned

        try:
            amount = parse_decimal(record["Amount"], "Amount", row)
            fee = parse_decimal(record["Fee"], "Fee", row, blank=ZERO)
            net = parse_decimal(record["Net"], "Net", row)
            date = parse_date(record["Created (UTC)"], "Created (UTC)", row)
        except Problem as problem:
            raise fail(problem.message) from None
        currency = record["Currency"].strip().upper()
        if not re.match(r"^[A-Z]{3}$", currency):
            raise fail(f'Currency "{record["Currency"]}" is not a currency code')
        if amount - fee != net:
            raise fail(f"Net {net} is not Amount {amount} less Fee {fee}")
        meta = {"stripe-id": txn}
        entries: list[data.Directive] = []
        if kind in (*CHARGES, *REFUNDS, *PAYOUTS):
            source = text("Source")  # written into their metadata or narration
        if kind in CHARGES:
            if amount <= 0:
                raise fail(f"a charge of {amount} {currency}: expected more than zero")
            order = self.order_in(description)
            if order is None:
                raise fail(
                    f'no order in the Description "{description}" (expected one such as '
                    '"Order #1060")'
                )
            entries.append(
                custom(
                    filename,
                    row,
                    date,
                    "payment",
                    [order, Amount(amount, currency), Account(self.stripe)],
                    {"id": txn, "charge": source},
                )
            )
            links = [order]
            what = f"charge {source or txn} (order {order})"
        elif kind in REFUNDS:
            if amount >= 0:
                raise fail(f"a refund of {amount} {currency}: expected less than zero")
            order = charges.get(source) or self.order_in(description)
            if order is None:
                raise fail(
                    f'no order for charge "{source}" and none in the Description '
                    f'"{description}"'
                )
            customer = ledger.order_customer.get(order)
            if customer is None:
                raise fail(
                    f'order "{order}" is not in the ledger: import the Shopify orders '
                    "first (the refund is credited to the order's customer)"
                )
            money = Amount(-amount, currency)
            entries.append(
                custom(
                    filename,
                    row,
                    date,
                    "credit",
                    [txn, customer, money],
                    {"reason": "Stripe refund", "order": order, "charge": source},
                )
            )
            entries.append(
                custom(
                    filename,
                    row,
                    date,
                    "refund",
                    [customer, money, Account(self.stripe)],
                    {**meta, "credit": txn},
                )
            )
            links = [order]
            what = f"refund of charge {source} (order {order})"
        elif kind in PAYOUTS:
            description = text("Description")
            postings = [(self.payouts, -amount, currency), (self.stripe, net, currency)]
            if fee:
                postings.insert(1, (self.fees, fee, currency))
            return [
                transaction(
                    filename,
                    row,
                    date,
                    PAYEE,
                    f"Stripe payout {source}: {description}".rstrip(": "),
                    postings,
                    meta,
                )
            ]
        elif kind in FEES:
            description = text("Description")
            return [
                transaction(
                    filename,
                    row,
                    date,
                    PAYEE,
                    f"{FEES[kind]}: {description}".rstrip(": "),
                    [(self.fees, -net, currency), (self.stripe, net, currency)],
                    meta,
                )
            ]
        else:
            raise fail(
                f'Stripe type "{kind}" is not imported (the importer takes '
                f"{', '.join(KNOWN_TYPES)}): book this row by hand"
            )
        if fee:
            entries.append(
                transaction(
                    filename,
                    row,
                    date,
                    PAYEE,
                    f"Stripe fee on {what}",
                    [(self.fees, fee, currency), (self.stripe, -fee, currency)],
                    meta,
                    links,
                )
            )
        return entries


if __name__ == "__main__":  # pragma: no cover - tests/test_import_cli.py runs it
    from beancount_orders.importers import main

    main(Importer())
