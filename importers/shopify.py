"""Shopify's "Export orders" CSV as order directives.

Shopify writes one row per line item; the first row of an order carries the
order's fields (email, statuses, dates, totals, notes), the rows after it only
their line fields. The importer groups the rows by ``Name`` and writes, for each
order the ledger does not have yet: ``customer`` (once per email), ``order``,
one ``line`` per line item and one for shipping; then, as the order's state in
the export says and as far as the ledger does not have it yet: ``invoice``
(when paid or fulfilled), ``payment`` (unless a gateway importer such as the
Stripe one owns it), ``dispatch`` (fulfilled lines), ``cancel`` (a cancelled
order never paid) and, for money refunded, ``credit-order`` (``full``) +
``refund`` (``from: "receivable"``) when the whole order is refunded at once,
else ``credit`` + ``refund``.

Every amount is exact: the line prices are net of Shopify's discounts and each
line's ``tax`` rate reproduces Shopify's tax to the cent, so the invoice is the
order's Total. Text from the export (names, descriptions, notes...) is written
without HTML tags, with a warning for the row: Fava's journal shows payees and
metadata as HTML. See docs/importers.md for every mapping decision.

Configuration (all optional)::

    Importer({
        "order_prefix": "SHOP-",          # "#1060" becomes "SHOP-1060"
        "prices_include_tax": False,      # as the plugin's own option
        "precision": 2,                   # decimal places of money, as the plugin's
        "shipping_item": "SHIPPING",      # the item of the shipping line
        "items": {"mug blue/L": "MUG-BLUE-L"},   # SKU -> commodity, where wanted
        "gateways": {"shopify payments": "shopify"},  # gateway -> payment method
        "skip_gateways": ["stripe"],      # payments left to that gateway's importer
        "walk_in_customer": "walk-in",    # the customer of orders without an email
        "account": "Assets:Receivable",   # where beangulp files the export
    })

Run ``python -m beancount_orders.importers.shopify test|generate|extract FILES`` for
beangulp's
own commands.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from beancount.core import data

from beancount_orders.importers.base import OrdersImporter
from beancount_orders.importers.common import ITEM_RE
from beancount_orders.importers.common import WARNING
from beancount_orders.importers.common import ZERO
from beancount_orders.importers.common import Problem
from beancount_orders.importers.common import RowError
from beancount_orders.importers.common import check_account
from beancount_orders.importers.common import check_keys
from beancount_orders.importers.common import clean_text
from beancount_orders.importers.common import commodity_name
from beancount_orders.importers.common import money_quantum
from beancount_orders.importers.common import order_id
from beancount_orders.importers.common import strip_accents
from beancount_orders.importers.ledger import Ledger
from beancount_orders.importers.reading import BrokenRow
from beancount_orders.importers.reading import latest_date
from beancount_orders.importers.reading import parse_date
from beancount_orders.importers.reading import parse_decimal
from beancount_orders.importers.reading import read_export
from beancount_orders.importers.shopify_fit import Fitter
from beancount_orders.importers.shopify_model import DUTIES_ITEM
from beancount_orders.importers.shopify_model import TAX_COLUMNS
from beancount_orders.importers.shopify_model import TIP_ITEM
from beancount_orders.importers.shopify_model import Line
from beancount_orders.importers.shopify_model import NonStock
from beancount_orders.importers.shopify_model import Order
from beancount_orders.importers.shopify_model import round_to
from beancount_orders.importers.shopify_writer import Writer

# The columns without which the export cannot be read.
REQUIRED = (
    "Name",
    "Financial Status",
    "Currency",
    "Subtotal",
    "Shipping",
    "Taxes",
    "Total",
    "Created at",
    "Lineitem quantity",
    "Lineitem name",
    "Lineitem price",
)

# The other columns the output depends on, and what is assumed without them (a
# warning for the file, at its header).
ASSUMED = {
    "Email": "customers are told apart by Billing Name and phone (walk-in customers)",
    "Paid at": "paid orders are paid on their Created at date",
    "Fulfilled at": "no dispatches are written",
    "Lineitem fulfillment status": "no dispatches are written",
    "Cancelled at": "no cancellations are written",
    "Refunded Amount": "no refunds are written (a refunded order is an error)",
    "Payment Method": 'payments go to the method "shopify"',
    "Id": "an order already in the books under the same Name is taken to be this one",
    "Lineitem sku": "items are named after the Lineitem name",
    "Lineitem requires shipping": "every line item is goods that ship",
    "Lineitem taxable": "every line item is taxable",
    "Lineitem discount": "an order's line discounts are spread over its lines by value",
    "Outstanding Balance": "a partially paid order is taken as paid in full",
    "Tax 1 Name": "tax rates are fitted to the Taxes, without jurisdiction names",
    "Duties": "no duties are booked (an order whose Total holds them is a tip)",
}

PAID = ("paid", "partially_paid", "partially_refunded", "refunded")
UNPAID = ("pending", "authorized", "unpaid", "voided", "expired")


DEFAULTS: dict[str, Any] = {
    "order_prefix": "SHOP-",
    "prices_include_tax": False,
    "precision": 2,
    "shipping_item": "SHIPPING",
    "items": {},
    "gateways": {},
    "skip_gateways": ["stripe"],
    "walk_in_customer": "walk-in",
    "account": "Assets:Receivable",
    "gift_card_account": "Liabilities:GiftCards",
    "gift_card_items": r"\bgift[ -]?(?:card|voucher|certificate|token)s?\b",
    "split_payment_account": "Assets:Suspense:Split-payments",
    "tips_account": "Income:Tips",
    "duties_account": "Liabilities:Duties",
}


def _flag(text: str, default: bool) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "yes"):
        return True
    if lowered in ("false", "no"):
        return False
    return default


class Importer(Fitter, Writer, OrdersImporter):
    """Shopify "Export orders" CSV: customers, orders, lines, invoices, dispatches,
    payments, cancellations and refunds."""

    required = REQUIRED
    what = "Shopify orders export"
    signature = ("Name", "Financial Status", "Lineitem quantity")
    document_name = "shopify-orders.csv"

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        super().__init__()
        options = dict(config or {})
        check_keys(options, DEFAULTS, "Shopify")
        settings = {**DEFAULTS, **options}
        self.prefix = str(settings["order_prefix"])
        if self.prefix and not re.match(r"^[A-Za-z0-9\-_/.]+$", self.prefix):
            raise ValueError(
                f"'order_prefix' must be letters, digits and -_/., got {self.prefix!r}"
            )
        self.inclusive = settings["prices_include_tax"]
        if not isinstance(self.inclusive, bool):
            raise ValueError("'prices_include_tax' must be True or False")
        precision = settings["precision"]
        if not isinstance(precision, int) or isinstance(precision, bool) or precision < 0:
            raise ValueError(
                f"'precision' must be a number of decimal places, got {precision!r}"
            )
        self.quantum = money_quantum(precision)
        self.shipping_item = settings["shipping_item"]
        if not isinstance(self.shipping_item, str) or not ITEM_RE.match(self.shipping_item):
            raise ValueError(
                f"'shipping_item' must be a commodity name such as SHIPPING, "
                f"got {self.shipping_item!r}"
            )
        self.items: dict[str, str] = {}
        for sku, item in dict(settings["items"]).items():
            if not isinstance(item, str) or not ITEM_RE.match(item) or len(item) > 24:
                raise ValueError(
                    f"'items' maps {sku!r} to an invalid commodity name {item!r}"
                )
            self.items[str(sku)] = item
        self.gateways = {
            str(k).strip().lower(): str(v) for k, v in settings["gateways"].items()
        }
        self.skip_gateways = [str(name).lower() for name in settings["skip_gateways"]]
        self.walk_in = str(settings["walk_in_customer"])
        self.filing_account = check_account(settings["account"], "account")
        self.gift_card_account = check_account(
            settings["gift_card_account"], "gift_card_account"
        )
        self.split_account = check_account(
            settings["split_payment_account"], "split_payment_account"
        )
        self.tips_account = check_account(settings["tips_account"], "tips_account")
        self.duties_account = check_account(settings["duties_account"], "duties_account")
        pattern = settings["gift_card_items"]
        try:
            self.gift_cards = re.compile(pattern, re.IGNORECASE) if pattern else None
        except (re.error, TypeError) as exc:
            raise ValueError(
                f"'gift_card_items' is not a regular expression: {exc}"
            ) from None

    # -- beangulp --------------------------------------------------------------

    def date(self, filepath: str) -> datetime.date | None:
        """The date of the latest order in the export."""
        return latest_date(filepath, "Created at", "Created at")

    # -- reading -----------------------------------------------------------------

    def read(
        self, filepath: str, ledger: Ledger, errors: list[RowError]
    ) -> list[data.Directive]:
        export = read_export(filepath, REQUIRED, "Shopify orders export")
        self.columns = set(export.header)
        for column, assumed in ASSUMED.items():
            if column not in self.columns:
                errors.append(
                    RowError(
                        filepath,
                        1,
                        f'the export has no column "{column}": {assumed}',
                        WARNING,
                    )
                )
        # A broken row (cut short, or with extra fields) keeps its whole order out.
        broken: dict[str, list[BrokenRow]] = {}
        for bad in export.broken:
            name = bad.fields.get("Name", "").strip()
            if not name:
                errors.append(RowError(filepath, bad.row, bad.message))
            broken.setdefault(name, []).append(bad)
        groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
        for row, record in export.records:
            name = record["Name"].strip()
            if not name:
                errors.append(RowError(filepath, row, "the row has no order Name"))
                continue
            groups.setdefault(name, []).append((row, record))
        for name, bad_rows in broken.items():
            if name:
                for bad in bad_rows:
                    errors.append(
                        RowError(
                            filepath,
                            bad.row,
                            f"order {name}: {bad.message}, nor any row of the order",
                        )
                    )
                groups.pop(name, None)
        orders: list[Order] = []
        # commodity -> (SKU, row), to catch clashes; the money that is not line
        # items has its own items.
        items: dict[str, tuple[str, int]] = {
            name: (f"({name.lower()})", 0)
            for name in (self.shipping_item, TIP_ITEM, DUTIES_ITEM)
        }
        for name, rows in groups.items():
            try:
                order = self.parse_order(name, rows, items)
                self.fit(order, rows[0][1])
                self.check_shop(order, ledger)
            except Problem as problem:
                errors.append(
                    RowError(filepath, problem.row, f"order {name}: {problem.message}")
                )
                continue
            orders.append(order)
        self.nonstock = self.non_stock_items(orders, ledger)
        return self.emit(filepath, orders, ledger, errors)

    def check_shop(self, order: Order, ledger: Ledger) -> None:
        """An order id already in the books belongs to this very Shopify order."""
        known = ledger.orders.get(order.id)
        if known is None:
            return
        ours = order.meta.get("shopify-id") or ""
        if known.source != "shopify":
            raise Problem(
                order.row,
                f"{order.id} is already in the books and was not imported from Shopify: "
                "give this shop its own order_prefix",
            )
        if ours and known.shopify_id and known.shopify_id != ours:
            raise Problem(
                order.row,
                f"{order.id} is already in the books as Shopify order {known.shopify_id}, "
                f"this one is {ours}: an export of another shop? give each shop its "
                "own order_prefix",
            )

    def non_stock_items(self, orders: list[Order], ledger: Ledger) -> dict[str, NonStock]:
        """The items this import declares non-stock, by item: shipping, tips,
        duties, gift cards, and line items none of whose rows requires shipping
        and that the books do not hold in stock (the books decide for a commodity
        they declare)."""
        found: dict[str, NonStock] = {}
        ships: set[str] = set()
        specials = {
            self.shipping_item: ("Shipping", None),
            TIP_ITEM: ("Tip", self.tips_account),
            DUTIES_ITEM: ("Duties", self.duties_account),
        }
        for order in sorted(orders, key=lambda order: (order.created, order.row)):
            for line in order.lines:
                if line.gift_card:
                    income: str | None = self.gift_card_account
                elif line.ships:
                    ships.add(line.item)
                    continue
                else:
                    income = None
                found.setdefault(
                    line.item,
                    NonStock(line.item, order.created, line.row, line.description, income),
                )
            for posted in order.posted:
                if posted.item in specials:
                    name, account = specials[posted.item]
                    found.setdefault(
                        posted.item,
                        NonStock(posted.item, order.created, order.row, name, account),
                    )
        self.held = sorted(
            (nonstock.row, item)
            for item, nonstock in found.items()
            if item in ledger.stocked and item not in ledger.commodities
        )
        return {
            item: nonstock
            for item, nonstock in found.items()
            if item not in ledger.stocked
            and (item not in ships or nonstock.income is not None)
        }

    def item_of(
        self, sku: str, name: str, row: int, items: dict[str, tuple[str, int]]
    ) -> str:
        source = sku.strip() or name.strip()
        item = self.items.get(sku.strip()) or commodity_name(source)
        if item is None:
            raise Problem(
                row,
                f'Lineitem sku "{sku}" (name "{name}") gives no commodity name; '
                "map it with the items option",
            )
        seen = items.get(item)
        if seen is not None and seen[0] != source:
            raise Problem(
                row,
                f'SKU "{source}" and "{seen[0]}" (line {seen[1]}) would both be commodity '
                f"{item}; map one of them with the items option",
            )
        items.setdefault(item, (source, row))
        return item

    def parse_order(
        self,
        name: str,
        rows: list[tuple[int, dict[str, str]]],
        items: dict[str, tuple[str, int]],
    ) -> Order:
        first, record = rows[0]
        doc_id = order_id(name, self.prefix)
        if doc_id is None:
            raise Problem(first, f'Name "{name}" gives no order id')

        def money(key: str, row: int = first, fields: dict[str, str] = record) -> Decimal:
            number = parse_decimal(fields.get(key, ""), key, row, blank=ZERO)
            if number != round_to(number, self.quantum):
                raise Problem(
                    row, f'{key} "{fields.get(key)}" has more decimals than money'
                )
            return number

        def date(key: str) -> datetime.date | None:
            text = record.get(key, "").strip()
            return parse_date(text, key, first) if text else None

        warnings: list[tuple[int, str]] = []

        def text(
            key: str,
            row: int = first,
            fields: dict[str, str] = record,
            found: list[tuple[int, str]] = warnings,
        ) -> str:
            """A text column, without HTML tags (each removal a warning)."""
            return clean_text(fields.get(key, "").strip(), key, row, found)

        currency = record["Currency"].strip().upper()
        if not re.match(r"^[A-Z]{3}$", currency):
            raise Problem(first, f'Currency "{record["Currency"]}" is not a currency code')
        created = date("Created at")
        if created is None:
            raise Problem(first, "Created at is empty")
        status = record["Financial Status"].strip().lower()
        if status not in PAID + UNPAID:
            raise Problem(
                first,
                f'Financial Status "{record["Financial Status"]}" is not one of '
                f"{', '.join(PAID + UNPAID)}",
            )
        paid = date("Paid at")
        if status in PAID and paid is None:
            paid = created
            if "Paid at" in self.columns:
                warnings.append(
                    (
                        first,
                        f'Financial Status is "{status}" but Paid at is empty: '
                        f"the payment is dated Created at, {created}",
                    )
                )
        if status not in PAID:
            paid = None
        total = money("Total")
        paid_amount = ZERO
        if paid is not None:
            paid_amount = total
            if status == "partially_paid":
                paid_amount = total - money("Outstanding Balance")
        refunded = money("Refunded Amount")
        if status in ("refunded", "partially_refunded") and refunded <= 0:
            raise Problem(
                first,
                f'Financial Status is "{status}" but '
                + (
                    "the export has no Refunded Amount column"
                    if "Refunded Amount" not in self.columns
                    else f'Refunded Amount is "{record.get("Refunded Amount", "")}"'
                )
                + ": how much was refunded is not known",
            )
        def not_before(day: datetime.date | None, key: str) -> datetime.date | None:
            """An event of the order, dated no earlier than the order itself."""
            if day is None or day >= created:
                return day
            warnings.append(
                (first, f"{key} {day} is before Created at {created}: dated {created}")
            )
            return created

        email = text("Email").lower()
        name_warnings: list[tuple[int, str]] = []
        customer_name = text("Billing Name", found=name_warnings) or text(
            "Shipping Name", found=name_warnings
        )
        customer = email or self.walk_in_id(
            customer_name, record.get("Billing Phone", "") or record.get("Phone", "")
        )
        customer_name = customer_name or email or "Walk-in customer"
        lines = []
        for row, fields in rows:
            qty = parse_decimal(fields["Lineitem quantity"], "Lineitem quantity", row)
            if qty == 0 and len(rows) > 1:
                warnings.append(
                    (
                        row,
                        f'Lineitem quantity 0 of "{fields.get("Lineitem name", "")}": '
                        "a line removed from the order, not written",
                    )
                )
                continue
            if qty <= 0 or qty != qty.to_integral_value():
                raise Problem(
                    row,
                    f'Lineitem quantity "{fields["Lineitem quantity"]}" is not a whole '
                    "number above zero",
                )
            price = parse_decimal(fields["Lineitem price"], "Lineitem price", row)
            if price < 0:
                raise Problem(row, f"Lineitem price {price} is negative")
            discount_text = fields.get("Lineitem discount", "").strip()
            discount = money("Lineitem discount", row, fields) if discount_text else None
            sku = text("Lineitem sku", row, fields)
            description = text("Lineitem name", row, fields)
            gift_card = self.gift_cards is not None and bool(
                self.gift_cards.search(description) or self.gift_cards.search(sku)
            )
            lines.append(
                Line(
                    row=row,
                    item=self.item_of(sku, description, row, items),
                    sku=sku,
                    description=description,
                    qty=qty,
                    price=price,
                    discount=discount,
                    taxable=not gift_card
                    and _flag(fields.get("Lineitem taxable", ""), True),
                    ships=_flag(fields.get("Lineitem requires shipping", ""), True),
                    fulfilled=fields.get("Lineitem fulfillment status", "").strip().lower()
                    == "fulfilled",
                    gift_card=gift_card,
                )
            )
        if not lines:
            raise Problem(first, "no line item has a quantity above zero")
        meta: dict[str, Any] = {
            "source": "shopify",
            "shopify-name": clean_text(name, "Name", first, warnings),
            "shopify-id": text("Id"),
            "channel": text("Source"),
            "discount-code": text("Discount Code"),
            "note": text("Notes"),
        }
        order = Order(
            row=first,
            name=name,
            id=doc_id,
            customer=customer,
            customer_name=customer_name,
            email=email,
            currency=currency,
            created=created,
            paid=not_before(paid, "Paid at"),
            fulfilled=not_before(date("Fulfilled at"), "Fulfilled at"),
            cancelled=not_before(date("Cancelled at"), "Cancelled at"),
            status=status,
            total=total,
            paid_amount=paid_amount,
            refunded=refunded,
            gateway=text("Payment Method"),
            meta=meta,
            tax_names=[
                text(name_key)
                for name_key, value_key in TAX_COLUMNS
                if parse_decimal(record.get(value_key, ""), value_key, first, blank=ZERO)
            ],
            lines=lines,
            warnings=warnings,
            name_warnings=name_warnings,
        )
        if order.refunded > 0 and order.paid is None:
            raise Problem(
                first, f"Refunded Amount {order.refunded} but the order was never paid"
            )
        if order.refunded > order.total:
            raise Problem(
                first,
                f"Refunded Amount {order.refunded} is more than the Total {order.total}",
            )
        return order

    def walk_in_id(self, name: str, phone: str) -> str:
        """The customer id of an order without an email: the walk-in customer
        id, then the buyer's name and the digits of their phone, when the export
        has them (``walk-in-jo-bloggs-5550101``), else the walk-in id alone."""
        parts = [self.walk_in]
        slug = re.sub(r"[^a-z0-9]+", "-", strip_accents(name).lower()).strip("-")
        digits = re.sub(r"\D", "", phone)
        parts += [part for part in (slug[:40].strip("-"), digits[-10:]) if part]
        return "-".join(parts)


if __name__ == "__main__":  # pragma: no cover - tests/test_import_cli.py runs it
    from beancount_orders.importers import main

    main(Importer())
