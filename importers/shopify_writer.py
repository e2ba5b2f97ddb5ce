"""The Shopify importer's second half: the directives it writes for the orders it
has read (customers, orders, lines, invoices, dispatches, payments, cancels and
refunds), as far as the ledger does not have them yet."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from beancount.core import account as account_lib
from beancount.core import data
from beancount.core.amount import Amount

from beancount_orders.importers.common import WARNING
from beancount_orders.importers.common import ZERO
from beancount_orders.importers.common import Account
from beancount_orders.importers.common import RowError
from beancount_orders.importers.common import custom
from beancount_orders.importers.ledger import Ledger
from beancount_orders.importers.shopify_model import Line
from beancount_orders.importers.shopify_model import NonStock
from beancount_orders.importers.shopify_model import Order

# A gateway that is gift cards alone, as Shopify writes it.
GIFT_CARD_RE = re.compile(r"gift[ _-]?cards?", re.IGNORECASE)


def is_split(gateway: str) -> bool:
    """Whether a Payment Method names several gateways (``A + B``)."""
    return "+" in gateway


class Writer:
    """Writing the directives of parsed orders; mixed into the ``Importer``,
    whose configuration it reads."""

    gateways: dict[str, str]
    skip_gateways: list[str]
    shipping_item: str
    gift_card_account: str
    split_account: str
    nonstock: dict[str, NonStock]
    held: list[tuple[int, str]]  # (row, item): non-stock in the export, stock in the books

    # -- writing -------------------------------------------------------------------------

    def method(self, gateway: str) -> str:
        """The payment method of a Shopify gateway: configured; else the gift-card
        liability for gift cards, the split-payment suspense account for several
        gateways at once (``Gift Card + Shopify Payments``); else a method named
        after the gateway."""
        method = self.gateways.get(gateway.strip().lower())
        if method is None:
            if is_split(gateway):
                return Account(self.split_account)
            if GIFT_CARD_RE.fullmatch(gateway.strip()):
                return Account(self.gift_card_account)
            method = re.sub(r"[^a-z0-9]+", "-", gateway.lower()).strip("-") or "shopify"
        if ":" in method and account_lib.is_valid(method):
            return Account(method)
        return method

    def owns_payments(self, order: Order) -> bool:
        """Whether this import books the order's payments: not when its one
        gateway is left to a gateway importer (Stripe's); always for several
        gateways at once (the gateway importer then moves its share out of the
        split-payment account)."""
        if is_split(order.gateway) and order.gateway.strip().lower() not in self.gateways:
            return True
        gateway = order.gateway.lower()
        return not any(name and name in gateway for name in self.skip_gateways)

    def ships(self, item: str, ledger: Ledger) -> bool:
        """Whether ``item`` is stock: as the books declare it, else as this import
        does."""
        known = ledger.commodities.get(item)
        return known if known is not None else item not in self.nonstock

    def declarations(
        self, filename: str, ledger: Ledger, errors: list[RowError]
    ) -> list[data.Directive]:
        """A ``commodity`` with ``stock: FALSE`` for each non-stock item the books
        do not declare yet; a warning for one they declare as stock."""
        entries: list[data.Directive] = []
        for row, item in self.held:
            errors.append(
                RowError(
                    filename,
                    row,
                    f"{item} is not goods that ship (or is a gift card) in the export, "
                    "but the books hold it in stock: it is left a stock item",
                    WARNING,
                )
            )
        for item, found in sorted(self.nonstock.items()):
            known = ledger.commodities.get(item)
            if known is None:
                meta = data.new_metadata(filename, found.row)
                meta["name"] = found.name
                meta["stock"] = False
                if found.income is not None:
                    meta["income"] = found.income
                entries.append(data.Commodity(meta, found.date, item))
            elif known:
                errors.append(
                    RowError(
                        filename,
                        found.row,
                        f"{item} ({found.name}) is not goods that ship, but the books "
                        f"declare commodity {item} without stock: FALSE: add it there, "
                        "or its orders never count as fully dispatched",
                        WARNING,
                    )
                )
        return entries

    def emit(
        self, filename: str, orders: list[Order], ledger: Ledger, errors: list[RowError]
    ) -> list[data.Directive]:
        """The directives of the orders, as far as the ledger does not have them;
        the warnings of the text they write go to ``errors``."""
        entries: list[data.Directive] = []

        def warn(order: Order, found: list[tuple[int, str]]) -> None:
            for row, message in found:
                errors.append(
                    RowError(filename, row, f"order {order.name}: {message}", WARNING)
                )

        # A customer is declared on the date of their first order in the file.
        first_order: dict[str, Order] = {}
        for order in orders:
            known = first_order.get(order.customer)
            if known is None or order.created < known.created:
                first_order[order.customer] = order
        declared: set[str] = set(ledger.customers)
        entries.extend(self.declarations(filename, ledger, errors))
        for order in orders:
            row = order.row

            def add(
                date: datetime.date,
                dtype: str,
                values: list[Any],
                meta: dict[str, Any] | None = None,
                lineno: int = row,
            ) -> None:
                entries.append(custom(filename, lineno, date, dtype, values, meta))

            new_order = order.id not in ledger.documents
            if new_order:
                if order.customer not in declared:
                    declared.add(order.customer)
                    first = first_order[order.customer]
                    warn(first, first.name_warnings)
                    add(
                        first.created,
                        "customer",
                        [order.customer, first.customer_name],
                        {"email": order.email},
                        first.row,
                    )
                warn(order, order.warnings)
                add(order.created, "order", [order.id, order.customer], order.meta)
                for line in order.posted:
                    add(
                        order.created,
                        "line",
                        [order.id, line.item, line.qty, Amount(line.price, order.currency)],
                        line.meta,
                    )
            invoice_id = f"{order.id}-INV"
            shipped = [
                line
                for line in order.lines
                if line.fulfilled and self.ships(line.item, ledger)
            ]
            invoice_dates = [
                d for d in (order.paid, order.fulfilled if shipped else None) if d
            ]
            invoiced = invoice_id in ledger.documents
            if invoice_dates and not invoiced:
                add(min(invoice_dates), "invoice", [order.id, invoice_id])
                invoiced = True
            owned = self.owns_payments(order)
            payment_id = f"{order.id}-PAY"
            if (
                owned
                and order.paid is not None
                and order.paid_amount > 0
                and payment_id not in ledger.documents
            ):
                method = self.method(order.gateway)
                split = method == self.split_account
                if split:
                    warn(
                        order,
                        [
                            (
                                row,
                                f'Payment Method "{order.gateway}" is several gateways '
                                "and the export does not say how much each took: "
                                f"{order.paid_amount} {order.currency} is booked to "
                                f"{self.split_account}; move each gateway's share to "
                                "its account with a transaction (the Stripe importer "
                                "moves Stripe's share itself)",
                            )
                        ],
                    )
                add(
                    order.paid,
                    "payment",
                    [order.id, Amount(order.paid_amount, order.currency), method],
                    {"id": payment_id, "gateway": order.gateway, "split": split or None},
                )
            if (
                shipped
                and order.fulfilled is not None
                and order.id not in ledger.dispatched_all
            ):
                pairs = self.pairs(order, shipped, ledger.dispatched)
                if pairs:
                    add(order.fulfilled, "dispatch", [order.id, *pairs])
            if (
                order.cancelled is not None
                and not invoiced
                and order.id not in ledger.cancelled_all
            ):
                open_lines = [
                    line
                    for line in order.lines
                    if not (line.fulfilled and self.ships(line.item, ledger))
                ]
                pairs = self.pairs(order, open_lines, ledger.cancelled, shipping=True)
                if pairs:
                    add(order.cancelled, "cancel", [order.id, *pairs])
            if owned and order.refunded > 0:
                entries.extend(self.refund(filename, order, ledger))
        return entries

    def pairs(
        self,
        order: Order,
        lines: list[Line],
        done: Mapping[tuple[str, str], Decimal],
        *,
        shipping: bool = False,
    ) -> list[Any]:
        """(ITEM QTY) pairs for ``lines``, less what the ledger already has."""
        wanted: dict[str, Decimal] = {}
        for line in lines:
            wanted[line.item] = wanted.get(line.item, ZERO) + line.qty
        if shipping and any(posted.item == self.shipping_item for posted in order.posted):
            wanted[self.shipping_item] = wanted.get(self.shipping_item, ZERO) + 1
        pairs: list[Any] = []
        for item, qty in wanted.items():
            left = qty - done.get((order.id, item), ZERO)
            if left > 0:
                pairs += [item, left]
        return pairs

    def refund(self, filename: str, order: Order, ledger: Ledger) -> list[data.Directive]:
        """Money refunded that the ledger does not have yet.

        A whole order refunded at once is a full credit order on its invoice
        (revenue and sales tax back), paid out from the receivable; any other
        refund, or the rest of one begun earlier, is a customer credit paid out.
        """
        if order.paid is None:  # pragma: no cover - parse_order refuses it
            return []
        prefix = f"{order.id}-R"
        if f"{prefix}1" in ledger.credit_orders:
            return []  # refunded whole by a credit order already
        earlier = [
            (credit, amount)
            for credit, amount in ledger.credits.get(order.id, [])
            if credit.startswith(prefix) and credit[len(prefix) :].isdigit()
        ]
        new = order.refunded - sum((amount for _, amount in earlier), ZERO)
        if new <= 0:
            return []
        credit_id = f"{prefix}{len(earlier) + 1}"
        dates = [d for d in (order.cancelled, order.fulfilled, order.paid) if d]
        date = max(dates)
        amount = Amount(new, order.currency)
        if not earlier and new == order.total:
            credit: tuple[str, list[Any], dict[str, Any]] = (
                "credit-order",
                [credit_id, f"{order.id}-INV"],
                {"full": True, "reason": "Shopify refund"},
            )
            paid_back = {"from": "receivable", "order": order.id}
        else:
            credit = (
                "credit",
                [credit_id, order.customer, amount],
                {"reason": "Shopify refund", "order": order.id},
            )
            paid_back = {"credit": credit_id}
        refund: list[str | Amount] = [order.customer, amount, self.method(order.gateway)]
        return [
            custom(filename, order.row, date, *credit),
            custom(filename, order.row, date, "refund", refund, paid_back),
        ]
