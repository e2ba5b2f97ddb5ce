"""The Stripe importer's rows: the columns of the two exports it reads (matched
by name), what each balance transaction type is booked as, and the records of
a row (:class:`Txn`) and of a file being read (:class:`Context`, :class:`State`)."""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from decimal import Decimal

from beancount.core import data


def column_key(name: str) -> str:
    """A column name without case, blanks or brackets: ``Created (UTC)`` ->
    ``created_utc``, ``payment_metadata[email]`` -> ``payment_metadata_email``."""
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


# Field -> the keys of the columns that hold it, the best first: the Dashboard's
# name, the itemised report's, and metadata columns (``email (metadata)``,
# ``payment_metadata[email]``).
COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "balance_transaction_id"),
    "type": ("type",),
    "category": ("reporting_category",),
    "amount": ("amount", "gross"),
    "fee": ("fee",),
    "net": ("net",),
    "currency": ("currency",),
    "created": ("created_utc", "created"),
    "source": ("source", "source_id"),
    "charge": ("charge_id",),
    "description": ("description",),
    "customer_id": (
        "customer_id",
        "customer_id_metadata",
        "customer_metadata",
        "payment_metadata_customer_id",
    ),
    "customer_email": (
        "customer_email",
        "customer_email_metadata",
        "email_metadata",
        "payment_metadata_customer_email",
        "payment_metadata_email",
    ),
    "customer_name": (
        "customer_name",
        "customer_description",
        "customer_name_metadata",
        "name_metadata",
        "payment_metadata_customer_name",
        "payment_metadata_name",
    ),
    "invoice": ("invoice_id", "invoice_metadata"),
}
CUSTOMER_FIELDS = ("customer_id", "customer_email", "customer_name")

# What a file cannot be read without: (fields, one of which is needed, as shown).
REQUIRED_FIELDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("id",), "id (or balance_transaction_id)"),
    (("type", "category"), "Type (or reporting_category)"),
    (("amount",), "Amount (or gross)"),
    (("net", "fee"), "Net (or Fee)"),
    (("currency",), "Currency"),
    (("created",), "Created (UTC) (or created_utc)"),
)
# The Dashboard export's own names of what is truly required (for beangulp's
# ``required``; :meth:`Importer.decline` also takes the itemised report's names).
REQUIRED = ("id", "Type", "Amount", "Net", "Currency", "Created (UTC)")


class Columns:
    """Which column of a file holds each field."""

    def __init__(self, header: Sequence[str]) -> None:
        by_key: dict[str, str] = {}
        for name in header:
            by_key.setdefault(column_key(name), name)
        self.names: dict[str, str] = {}
        for field, keys in COLUMNS.items():
            for key in keys:
                if key in by_key:
                    self.names[field] = by_key[key]
                    break

    def has(self, field: str) -> bool:
        return field in self.names

    def get(self, record: Mapping[str, str], field: str) -> str:
        name = self.names.get(field)
        return record.get(name, "").strip() if name else ""

    def missing(self) -> list[str]:
        return [
            shown
            for fields, shown in REQUIRED_FIELDS
            if not any(self.has(field) for field in fields)
        ]


# -- what each type becomes ---------------------------------------------------------

CHARGE, REFUND = "charge", "refund"
PAYOUT, FEE, DISPUTE, RESERVE, ADJUSTMENT, SUSPENSE = (
    "payout",
    "fee",
    "dispute",
    "reserve",
    "adjustment",
    "suspense",
)

# Balance transaction type (or reporting category) -> (booking, narration).
TYPES: dict[str, tuple[str, str]] = {
    "charge": (CHARGE, "Stripe charge"),
    "payment": (CHARGE, "Stripe payment"),
    "refund": (REFUND, "Stripe refund"),
    "payment_refund": (REFUND, "Stripe refund"),
    "partial_capture_reversal": (REFUND, "Stripe partial capture reversal"),
    "payout": (PAYOUT, "Stripe payout"),
    "payout_cancel": (PAYOUT, "Stripe payout cancelled"),
    "payout_failure": (PAYOUT, "Stripe payout failed"),
    "payout_reversal": (PAYOUT, "Stripe payout reversed"),
    "transfer": (PAYOUT, "Stripe transfer"),
    "recipient_transfer": (PAYOUT, "Stripe transfer"),
    "transfer_cancel": (PAYOUT, "Stripe transfer reversed"),
    "transfer_failure": (PAYOUT, "Stripe transfer reversed"),
    "transfer_refund": (PAYOUT, "Stripe transfer reversed"),
    "transfer_reversal": (PAYOUT, "Stripe transfer reversed"),
    "recipient_transfer_cancel": (PAYOUT, "Stripe transfer reversed"),
    "recipient_transfer_failure": (PAYOUT, "Stripe transfer reversed"),
    "topup": (PAYOUT, "Stripe top-up"),
    "topup_reversal": (PAYOUT, "Stripe top-up reversed"),
    "stripe_fee": (FEE, "Stripe fee"),
    "fee": (FEE, "Stripe fee"),
    "network_cost": (FEE, "Card network cost"),
    "tax_fee": (FEE, "Tax on Stripe fees"),
    "tax": (FEE, "Tax on Stripe fees"),
    "stripe_fx_fee": (FEE, "Stripe currency conversion fee"),
    "dispute": (DISPUTE, "Stripe dispute"),
    "dispute_reversal": (DISPUTE, "Stripe dispute won"),
    "reserved_funds": (RESERVE, "Stripe reserve"),
    "risk_reserved_funds": (RESERVE, "Stripe reserve"),
    "reserve_transaction": (RESERVE, "Stripe Connect reserve"),
    "connect_reserved_funds": (RESERVE, "Stripe Connect reserve"),
    "payment_network_reserve_hold": (RESERVE, "Payment network reserve hold"),
    "payment_network_reserve_release": (RESERVE, "Payment network reserve release"),
    "adjustment": (ADJUSTMENT, "Stripe adjustment"),
    "other_adjustment": (ADJUSTMENT, "Stripe adjustment"),
    "contribution": (ADJUSTMENT, "Stripe Climate contribution"),
    "climate_order_purchase": (ADJUSTMENT, "Stripe Climate order"),
    "climate_order_refund": (ADJUSTMENT, "Stripe Climate order refunded"),
    "climate_reservation_purchase": (ADJUSTMENT, "Stripe Climate order"),
    "climate_reservation_refund": (ADJUSTMENT, "Stripe Climate order refunded"),
}
# Types known but left to the user: what to do with each, in its warning.
SETTLE: dict[str, str] = {
    "payment_failure_refund": (
        "a payment that failed after it was booked, so its customer owes it again: "
        "move it from SUSPENSE to their receivable (or to where its charge went)"
    ),
    "charge_failure": "",
    "refund_failure": (
        "a refund that failed, its money back in Stripe: move it from SUSPENSE to "
        "the customer (a payment on account) or refund it again"
    ),
    "application_fee": "a Connect platform fee earned: move it to your income",
    "platform_earning": "",
    "application_fee_refund": "a Connect platform fee given back: move it to your income",
    "platform_earning_refund": "",
    "advance": "a Connect advance: move it to the account it belongs to",
    "advance_funding": "",
    "connect_collection_transfer": "a Connect collection: move it to that account",
    "anticipation_repayment": "a loan repayment: move it to the loan's account",
    "unreconciled_customer_funds": "customer funds Stripe moved to the balance",
    "transferred_to_balance_transaction": "",
    "obligation_outbound": "a Stripe obligation: move it to the account it belongs to",
    "obligation_reversal_inbound": "",
}
SETTLE.update(
    {
        "charge_failure": SETTLE["payment_failure_refund"],
        "platform_earning": SETTLE["application_fee"],
        "platform_earning_refund": SETTLE["application_fee_refund"],
        "advance_funding": SETTLE["advance"],
        "transferred_to_balance_transaction": SETTLE["unreconciled_customer_funds"],
        "obligation_reversal_inbound": SETTLE["obligation_outbound"],
    }
)
ISSUING = "an Issuing card transaction: move it to the expense it paid"

# An adjustment with a dispute as its Source is a dispute (or, positive, one won).
DISPUTE_SOURCE = re.compile(r"^(du|dp)_")
CHARGEBACK = re.compile(r"chargeback|dispute", re.IGNORECASE)


def classify(kind: str, category: str, source: str, description: str) -> tuple[str, str]:
    """(booking, narration) of a balance transaction of type ``kind`` (or, without a
    known type, reporting category ``category``); SUSPENSE for the rest."""
    if kind == "adjustment" and category in TYPES and category != "other_adjustment":
        return TYPES[category]
    if kind == "adjustment" and (
        DISPUTE_SOURCE.match(source) or CHARGEBACK.search(description)
    ):
        return TYPES["dispute"]
    for name in (kind, category):
        if name in TYPES:
            return TYPES[name]
    name = kind or category
    if name in SETTLE or name.startswith("issuing"):
        return SUSPENSE, "Stripe " + name.replace("_", " ")
    return SUSPENSE, f"Stripe {name.replace('_', ' ') or 'transaction'} of an unknown type"


@dataclasses.dataclass(frozen=True)
class Txn:
    """One balance transaction, as read from its row."""

    row: int
    id: str
    kind: str  # the type, else the reporting category, as written (lower case)
    booking: str
    label: str
    source: str
    charge: str  # the charge it is about (charge_id, else Source)
    amount: Decimal
    fee: Decimal
    net: Decimal
    currency: str
    date: datetime.date
    description: str
    order: str | None  # the order named in the Description
    customer: str | None  # the customer id it would be booked to
    customer_name: str
    meta: dict[str, str]  # the customer's ``email`` and ``stripe-customer``
    invoice: str


@dataclasses.dataclass
class Context:
    """What the ledger holds beyond :class:`Ledger`: opened accounts, customers by
    Stripe id, charges booked to the unmatched account."""

    opened: set[str] = dataclasses.field(default_factory=set)
    by_stripe_id: dict[str, str] = dataclasses.field(default_factory=dict)
    unmatched: set[str] = dataclasses.field(default_factory=set)

    @classmethod
    def of(cls, entries: Iterable[data.Directive]) -> Context:
        context = cls()
        for entry in entries:
            meta = entry.meta or {}
            if isinstance(entry, data.Open):
                context.opened.add(entry.account)
            elif isinstance(entry, data.Custom) and entry.type == "customer":
                stripe_id, values = meta.get("stripe-customer"), entry.values or []
                if isinstance(stripe_id, str) and values:
                    context.by_stripe_id.setdefault(stripe_id, str(values[0].value))
            elif isinstance(entry, data.Transaction) and meta.get("unmatched") is True:
                charge = meta.get("charge")
                if isinstance(charge, str):
                    context.unmatched.add(charge)
        return context


@dataclasses.dataclass
class State:
    """What one file's import has found so far."""

    # Charge id -> ("order", ORDER) / ("customer", ID) / ("unmatched", "").
    charges: dict[str, tuple[str, str]]
    customers: dict[str, Txn]  # customer id -> the first row that names them
    used: set[str] = dataclasses.field(default_factory=set)  # customers written to
    named: bool = False  # whether the file has customer columns
