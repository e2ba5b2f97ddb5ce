"""The Stripe importer's second half: the entries of each balance transaction
read (a payment, or a credit and its refund, of an order or a customer; Stripe's
share of a split payment; transactions for fees, payouts, disputes, reserves,
adjustments and the rest), the customers they need declared and the accounts
they need opened. Mixed into the ``Importer``, whose configuration it reads."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

from beancount.core import data
from beancount.core.amount import Amount

from beancount_orders.importers.common import ZERO
from beancount_orders.importers.common import Account
from beancount_orders.importers.common import Problem
from beancount_orders.importers.common import custom
from beancount_orders.importers.common import transaction
from beancount_orders.importers.ledger import Ledger
from beancount_orders.importers.stripe_model import CHARGE
from beancount_orders.importers.stripe_model import DISPUTE
from beancount_orders.importers.stripe_model import ISSUING
from beancount_orders.importers.stripe_model import REFUND
from beancount_orders.importers.stripe_model import SETTLE
from beancount_orders.importers.stripe_model import SUSPENSE
from beancount_orders.importers.stripe_model import Context
from beancount_orders.importers.stripe_model import State
from beancount_orders.importers.stripe_model import Txn

PAYEE = "Stripe"


class Writer:
    """Writing the entries of read rows; mixed into the ``Importer``."""

    stripe: str
    fees: str
    payouts: str
    unmatched: str
    accounts: dict[str, str]
    context: Context

    def row(
        self,
        filename: str,
        txn: Txn,
        ledger: Ledger,
        state: State,
        warnings: list[tuple[int, str]],
    ) -> list[data.Directive]:
        """The entries of one balance transaction; what it needs said is a
        ``(row, message)`` in ``warnings``."""
        order = txn.order
        target = state.charges.get(txn.charge) if txn.charge else None
        if txn.booking == REFUND and target is not None and target[0] == "order":
            order = target[1]
        split = ledger.split_payments.get(order or "")
        if order is not None and split is not None and txn.booking in (CHARGE, REFUND):
            entries: list[data.Directive] = [self.split_share(filename, txn, order, split)]
            what = f"{txn.kind} {txn.charge or txn.id} (order {order})"
            links = [order]
        elif txn.booking == CHARGE:
            entries, what, links = self.charge(filename, txn, state, warnings)
        elif txn.booking == REFUND:
            entries, what, links = self.refund(filename, txn, ledger, state, warnings)
        else:
            return [self.move(filename, txn, state, warnings)]
        if txn.fee:
            entries.append(
                transaction(
                    filename,
                    txn.row,
                    txn.date,
                    PAYEE,
                    f"Stripe fee on {what}",
                    [
                        (self.fees, txn.fee, txn.currency),
                        (self.stripe, -txn.fee, txn.currency),
                    ],
                    {"stripe-id": txn.id},
                    links,
                )
            )
        return entries

    def charge(
        self, filename: str, txn: Txn, state: State, warnings: list[tuple[int, str]]
    ) -> tuple[list[data.Directive], str, list[str]]:
        """A charge: a payment on its order, else on account of its customer, else a
        transaction to the unmatched account. Also what the fee is on, and links."""
        money = Amount(txn.amount, txn.currency)
        meta = {"id": txn.id, "charge": txn.charge, "stripe-invoice": txn.invoice}
        what = f"charge {txn.charge or txn.id}"
        ref = txn.order or txn.customer
        if ref is not None:
            if txn.order is None:
                state.used.add(ref)
            payment = custom(
                filename,
                txn.row,
                txn.date,
                "payment",
                [ref, money, Account(self.stripe)],
                meta,
            )
            kind = "order" if txn.order is not None else "customer"
            links = [txn.order] if txn.order is not None else []
            return [payment], f"{what} ({kind} {ref})", links
        if state.named:
            warnings.append(
                (
                    txn.row,
                    f"{txn.id} ({txn.kind}): no order in the Description and no customer: "
                    f"booked to {self.unmatched}",
                )
            )
        narration = f"{txn.label} {txn.charge or txn.id}" + (
            f": {txn.description}" if txn.description else ""
        )
        entry = transaction(
            filename,
            txn.row,
            txn.date,
            PAYEE,
            narration,
            [
                (self.stripe, txn.amount, txn.currency),
                (self.unmatched, -txn.amount, txn.currency),
            ],
            {"stripe-id": txn.id, "charge": txn.charge, "unmatched": True}
            if txn.charge
            else {"stripe-id": txn.id, "unmatched": True},
        )
        return [entry], what, []

    def refund(
        self,
        filename: str,
        txn: Txn,
        ledger: Ledger,
        state: State,
        warnings: list[tuple[int, str]],
    ) -> tuple[list[data.Directive], str, list[str]]:
        """A refund: a credit and its refund to the customer of the charge's order or
        of the charge; else a transaction back from the unmatched account."""
        target = state.charges.get(txn.charge) if txn.charge else None
        if target is None and txn.order is not None:
            target = ("order", txn.order)
        if target is None and txn.customer is not None:
            target = ("customer", txn.customer)
        what = f"refund of charge {txn.charge or txn.id}"
        if target is None or target[0] == "unmatched":
            if target is None:
                warnings.append(
                    (
                        txn.row,
                        f"{txn.id} ({txn.kind}): charge {txn.charge or '(none)'} is "
                        "neither in this file nor in the ledger, and the refund names no "
                        f"order nor customer: booked back from {self.unmatched}",
                    )
                )
            return [self.unmatched_refund(filename, txn)], what, []
        kind, ref = target
        meta: dict[str, Any] = {"reason": txn.label, "charge": txn.charge}
        if kind == "order":
            customer = ledger.order_customer.get(ref)
            if customer is None:
                raise Problem(
                    txn.row,
                    f'{txn.id} ({txn.kind}): order "{ref}" is not in the ledger: import '
                    "the Shopify orders first (the refund is credited to the order's "
                    "customer)",
                )
            meta = {"reason": txn.label, "order": ref, "charge": txn.charge}
            what += f" (order {ref})"
        else:
            customer = ref
            state.used.add(customer)
            what += f" (customer {ref})"
        money = Amount(-txn.amount, txn.currency)
        entries: list[data.Directive] = [
            custom(filename, txn.row, txn.date, "credit", [txn.id, customer, money], meta),
            custom(
                filename,
                txn.row,
                txn.date,
                "refund",
                [customer, money, Account(self.stripe)],
                {"stripe-id": txn.id, "credit": txn.id},
            ),
        ]
        return entries, what, [ref] if kind == "order" else []

    def split_share(
        self, filename: str, txn: Txn, order: str, split: str
    ) -> data.Transaction:
        """Stripe's share of an order the Shopify import paid through several
        gateways at once: moved between the split-payment account, where the
        Shopify import booked the whole payment (or refund), and Stripe."""
        narration = (
            f"Stripe's share of the split payment of order {order}: "
            f"{txn.kind} {txn.charge or txn.id}"
        )
        return transaction(
            filename,
            txn.row,
            txn.date,
            PAYEE,
            narration,
            [
                (self.stripe, txn.amount, txn.currency),
                (split, -txn.amount, txn.currency),
            ],
            {"stripe-id": txn.id, "charge": txn.charge, "order": order}
            if txn.charge
            else {"stripe-id": txn.id, "order": order},
            [order],
        )

    def unmatched_refund(self, filename: str, txn: Txn) -> data.Transaction:
        narration = f"{txn.label} of charge {txn.charge or txn.id}" + (
            f": {txn.description}" if txn.description else ""
        )
        return transaction(
            filename,
            txn.row,
            txn.date,
            PAYEE,
            narration,
            [
                (self.unmatched, -txn.amount, txn.currency),
                (self.stripe, txn.amount, txn.currency),
            ],
            {"stripe-id": txn.id, "charge": txn.charge}
            if txn.charge
            else {"stripe-id": txn.id},
        )

    def move(
        self, filename: str, txn: Txn, state: State, warnings: list[tuple[int, str]]
    ) -> data.Transaction:
        """Any other balance transaction: Net into the Stripe account, the Fee to the
        fees account, Amount from the account of its kind."""
        counter = self.accounts[txn.booking]
        totals: dict[str, Decimal] = {}
        for account, number in ((counter, -txn.amount), (self.fees, txn.fee)):
            if number or account == counter:
                totals[account] = totals.get(account, ZERO) + number
        totals[self.stripe] = totals.get(self.stripe, ZERO) + txn.net
        narration = " ".join(part for part in (txn.label, txn.source) if part)
        if txn.description and (txn.source or txn.description.lower() != txn.label.lower()):
            narration += f": {txn.description}"
        links: list[str] = []
        if txn.booking == DISPUTE:
            match = CHARGE_ID.search(f"{txn.charge} {txn.description}")
            target = state.charges.get(match.group()) if match else None
            if target is not None and target[0] == "order":
                links = [target[1]]
        if txn.booking == SUSPENSE:
            warnings.append((txn.row, self.settle(txn, counter)))
        return transaction(
            filename,
            txn.row,
            txn.date,
            PAYEE,
            narration,
            [(account, number, txn.currency) for account, number in totals.items()],
            {"stripe-id": txn.id},
            links,
        )

    def settle(self, txn: Txn, suspense: str) -> str:
        """The warning of a row booked to the suspense account: how to settle it."""
        hint = SETTLE.get(txn.kind) or (ISSUING if txn.kind.startswith("issuing") else "")
        if hint:
            return f"{txn.id} ({txn.kind}): booked to {suspense}: " + hint.replace(
                "SUSPENSE", suspense
            )
        return (
            f'{txn.id} ({txn.kind or "no type"}): Stripe type "{txn.kind}" is not known to '
            f"the importer: booked to {suspense}; move it to the account it belongs to "
            f"(a transaction from {suspense})"
        )

    def customers(
        self, filename: str, state: State, ledger: Ledger, warnings: list[tuple[int, str]]
    ) -> list[data.Directive]:
        """A ``customer`` directive for each customer written to that the ledger
        lacks, on the date of the first row that names them."""
        entries: list[data.Directive] = []
        for customer in sorted(state.used - ledger.customers):
            first = state.customers[customer]
            entries.append(
                custom(
                    filename,
                    first.row,
                    first.date,
                    "customer",
                    [customer, first.customer_name or customer],
                    first.meta,
                )
            )
        return entries

    def opens(self, filename: str, entries: list[data.Directive]) -> list[data.Directive]:
        """An ``open`` for each account the transactions post to that the ledger has
        not opened, on the date of its first use."""
        first: dict[str, tuple[datetime.date, int]] = {}
        for entry in entries:
            if isinstance(entry, data.Transaction):
                for posting in entry.postings:
                    if posting.account not in self.context.opened:
                        at = (entry.date, entry.meta["lineno"])
                        first[posting.account] = min(first.get(posting.account, at), at)
        return [
            data.Open(data.new_metadata(filename, lineno), date, account, [], None)
            for account, (date, lineno) in sorted(first.items())
        ]


CHARGE_ID = re.compile(r"\b(?:ch|py)_[A-Za-z0-9]+")
