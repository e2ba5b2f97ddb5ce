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

import dataclasses
import datetime
import re
from collections.abc import Mapping
from decimal import ROUND_FLOOR
from decimal import ROUND_HALF_UP
from decimal import Decimal
from typing import Any

from beancount.core import account as account_lib
from beancount.core import data
from beancount.core.amount import Amount

from beancount_orders.importers.common import ITEM_RE
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
from beancount_orders.importers.common import commodity_name
from beancount_orders.importers.common import custom
from beancount_orders.importers.common import latest_date
from beancount_orders.importers.common import money_quantum
from beancount_orders.importers.common import order_id
from beancount_orders.importers.common import parse_date
from beancount_orders.importers.common import parse_decimal
from beancount_orders.importers.common import read_export

REQUIRED = (
    "Name",
    "Email",
    "Financial Status",
    "Paid at",
    "Fulfillment Status",
    "Fulfilled at",
    "Currency",
    "Subtotal",
    "Shipping",
    "Taxes",
    "Total",
    "Discount Amount",
    "Created at",
    "Lineitem quantity",
    "Lineitem name",
    "Lineitem price",
    "Lineitem sku",
    "Cancelled at",
    "Refunded Amount",
    "Id",
)

PAID = ("paid", "partially_paid", "partially_refunded", "refunded")
UNPAID = ("pending", "authorized", "unpaid", "voided", "expired")
PERCENT_RE = re.compile(r"(\d+(?:\.\d+)?)\s*%")
TAX_COLUMNS = tuple((f"Tax {n} Name", f"Tax {n} Value") for n in range(1, 6))

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
}


@dataclasses.dataclass
class Line:
    """A line item row of the export."""

    row: int
    item: str
    sku: str
    description: str
    qty: Decimal
    price: Decimal  # the unit price as listed (before discounts)
    discount: Decimal | None  # the "Lineitem discount" column, if given
    taxable: bool
    ships: bool  # requires shipping
    fulfilled: bool


@dataclasses.dataclass
class Posted:
    """A line of the order as it will be written: price and tax rate fitted."""

    item: str
    qty: Decimal
    price: Decimal
    rate: Decimal
    meta: dict[str, Any]


@dataclasses.dataclass
class Order:
    """The rows of one Shopify order, read and checked."""

    row: int  # the line its first row starts on
    name: str
    id: str
    customer: str
    customer_name: str
    email: str
    currency: str
    created: datetime.date
    paid: datetime.date | None
    fulfilled: datetime.date | None
    cancelled: datetime.date | None
    status: str
    total: Decimal
    paid_amount: Decimal
    refunded: Decimal
    gateway: str
    meta: dict[str, Any]
    lines: list[Line]
    posted: list[Posted] = dataclasses.field(default_factory=list)
    # (row, message) for the HTML tags removed from the order's text, and from
    # the customer's name (written only with the customer's first order).
    warnings: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    name_warnings: list[tuple[int, str]] = dataclasses.field(default_factory=list)


def _round(number: Decimal, quantum: Decimal) -> Decimal:
    return number.quantize(quantum, rounding=ROUND_HALF_UP)


def allocate(total: Decimal, weights: list[Decimal], quantum: Decimal) -> list[Decimal]:
    """Split ``total`` in proportion to ``weights``, to the cent, largest remainder."""
    whole = sum(weights, ZERO)
    if whole <= 0:
        return [ZERO for _ in weights]
    exact = [total * weight / whole for weight in weights]
    shares = [share.quantize(quantum, rounding=ROUND_FLOOR) for share in exact]
    left = int((total - sum(shares, ZERO)) / quantum)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))
    for index in order[:left]:
        shares[index] += quantum
    return shares


def fit_price(qty: Decimal, target: Decimal, listed: Decimal, quantum: Decimal) -> Decimal:
    """A unit price that the plugin turns into exactly ``target`` for ``qty``.

    The listed price when it does; else the shortest decimal that does.
    """
    if _round(qty * listed, quantum) == target:
        return listed
    exact = target / qty
    places = -quantum.as_tuple().exponent  # type: ignore[operator]
    for digits in range(places, places + 12):
        price = exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
        if _round(qty * price, quantum) == target:
            return price
    raise ValueError(f"no unit price gives {target} for {qty}")  # pragma: no cover


def tax_of(value: Decimal, rate: Decimal, inclusive: bool, quantum: Decimal) -> Decimal:
    """The tax the plugin computes on a line worth ``value`` at ``rate``."""
    if inclusive:
        return value - _round(value / (1 + rate), quantum)
    return _round(value * rate, quantum)


def fit_rate(
    value: Decimal,
    tax: Decimal,
    inclusive: bool,
    nominal: Decimal | None,
    quantum: Decimal,
) -> Decimal | None:
    """A tax rate that gives exactly ``tax`` on ``value``: the nominal one when it
    does, else the shortest decimal that does; None if no rate from 0 to 1 does."""
    if nominal is not None and tax_of(value, nominal, inclusive, quantum) == tax:
        return nominal
    if tax == 0:
        return Decimal(0)
    if value <= 0 or (inclusive and tax >= value):
        return None
    exact = value / (value - tax) - 1 if inclusive else tax / value
    for digits in range(2, 16):
        rate = exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
        if 0 <= rate < 1 and tax_of(value, rate, inclusive, quantum) == tax:
            return rate
    return None


def _flag(text: str, default: bool) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "yes"):
        return True
    if lowered in ("false", "no"):
        return False
    return default


class Importer(OrdersImporter):
    """Shopify "Export orders" CSV: customers, orders, lines, invoices, dispatches,
    payments, cancellations and refunds."""

    required = REQUIRED
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

    # -- beangulp --------------------------------------------------------------

    def date(self, filepath: str) -> datetime.date | None:
        """The date of the latest order in the export."""
        return latest_date(filepath, "Created at", "Created at")

    # -- reading -----------------------------------------------------------------

    def read(
        self, filepath: str, ledger: Ledger, errors: list[RowError]
    ) -> list[data.Directive]:
        records = read_export(filepath, REQUIRED, "Shopify orders export")
        groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
        for row, record in records:
            name = record["Name"].strip()
            if not name:
                errors.append(RowError(filepath, row, "the row has no order Name"))
                continue
            groups.setdefault(name, []).append((row, record))
        orders: list[Order] = []
        items: dict[str, tuple[str, int]] = {}  # commodity -> (SKU, row), to catch clashes
        for name, rows in groups.items():
            try:
                order = self.parse_order(name, rows, items)
                self.fit(order, rows[0][1])
            except Problem as problem:
                errors.append(
                    RowError(filepath, problem.row, f"order {name}: {problem.message}")
                )
                continue
            orders.append(order)
        return self.emit(filepath, orders, ledger, errors)

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
            if number != _round(number, self.quantum):
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
            raise Problem(first, f'Financial Status is "{status}" but Paid at is empty')
        if status not in PAID:
            paid = None
        total = money("Total")
        paid_amount = ZERO
        if paid is not None:
            paid_amount = total
            if status == "partially_paid":
                paid_amount = total - money("Outstanding Balance")
        if money("Duties"):
            raise Problem(first, "Duties are not imported: book this order by hand")
        email = text("Email").lower()
        name_warnings: list[tuple[int, str]] = []
        customer_name = (
            text("Billing Name", found=name_warnings)
            or text("Shipping Name", found=name_warnings)
            or email
            or "Walk-in customer"
        )
        lines = []
        for row, fields in rows:
            qty = parse_decimal(fields["Lineitem quantity"], "Lineitem quantity", row)
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
            lines.append(
                Line(
                    row=row,
                    item=self.item_of(sku, description, row, items),
                    sku=sku,
                    description=description,
                    qty=qty,
                    price=price,
                    discount=discount,
                    taxable=_flag(fields.get("Lineitem taxable", ""), True),
                    ships=_flag(fields.get("Lineitem requires shipping", ""), True),
                    fulfilled=fields.get("Lineitem fulfillment status", "").strip().lower()
                    == "fulfilled",
                )
            )
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
            customer=email or self.walk_in,
            customer_name=customer_name,
            email=email,
            currency=currency,
            created=created,
            paid=paid,
            fulfilled=date("Fulfilled at"),
            cancelled=date("Cancelled at"),
            status=status,
            total=total,
            paid_amount=paid_amount,
            refunded=money("Refunded Amount"),
            gateway=text("Payment Method"),
            meta=meta,
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

    # -- the money -----------------------------------------------------------------

    def fit(self, order: Order, record: dict[str, str]) -> None:
        """Work out each line's net value and tax so that they add up to the Total.

        Discounts come off the lines (the ``Lineitem discount`` column when it
        adds up to the order's line discounts, else in proportion to the line
        values); shipping is what the Total leaves after the Subtotal and taxes;
        the taxes go on the taxable lines at the rate of the order's tax names
        when that reproduces them, else in proportion with fitted rates.
        """
        q, first = self.quantum, order.row

        def money(key: str) -> Decimal:
            return parse_decimal(record.get(key, ""), key, first, blank=ZERO)

        subtotal, shipping, taxes = money("Subtotal"), money("Shipping"), money("Taxes")
        listed = [_round(line.qty * line.price, q) for line in order.lines]
        line_discount = sum(listed, ZERO) - subtotal
        if line_discount < 0:
            raise Problem(
                first,
                f"Subtotal {subtotal} is more than the line items add up to "
                f"({sum(listed, ZERO)})",
            )
        given = [line.discount for line in order.lines]
        if (
            all(d is not None for d in given)
            and sum((d or ZERO for d in given), ZERO) == line_discount
        ):
            discounts = [d or ZERO for d in given]
        else:
            discounts = allocate(line_discount, listed, q)
        values = [
            value - discount for value, discount in zip(listed, discounts, strict=True)
        ]
        for line, value, discount in zip(order.lines, values, discounts, strict=True):
            if value < 0:
                raise Problem(
                    line.row,
                    f"Lineitem discount {discount} is more than the line's "
                    f"{line.qty} x {line.price}",
                )
        if not self.inclusive and taxes and order.total == subtotal + shipping:
            raise Problem(
                first,
                f"Total {order.total} is Subtotal {subtotal} + Shipping {shipping}: the "
                f"shop's prices include the Taxes {taxes}; import it with "
                "prices_include_tax True (and set the plugin's option alike)",
            )
        charged = order.total - subtotal - (ZERO if self.inclusive else taxes)
        if charged < 0:
            raise Problem(
                first,
                f"Total {order.total} is less than Subtotal {subtotal}"
                + ("" if self.inclusive else f" plus Taxes {taxes}"),
            )
        if charged > shipping:
            if self.inclusive:
                parts = f"Subtotal {subtotal} + Shipping {shipping}"
                hint = "or do the shop's prices exclude tax? then prices_include_tax False"
            else:
                parts = f"Subtotal {subtotal} + Shipping {shipping} + Taxes {taxes}"
                hint = "book the difference by hand"
            raise Problem(
                first,
                f"Total {order.total} is more than {parts}: tips are not imported ({hint})",
            )
        discounts.append(shipping - charged)
        # Taxable values: the lines, then shipping.
        all_values = [*values, charged]
        taxable = [
            i for i, line in enumerate(order.lines) if line.taxable and values[i] > 0
        ]
        nominal = self.nominal_rate(record, first)
        taxes_of = [ZERO] * len(all_values)
        if taxes:
            bases = [taxable, [*taxable, len(values)]] if charged > 0 else [taxable]
            fitted = False
            if nominal is not None:
                for base in bases:
                    trial = [
                        tax_of(all_values[i], nominal, self.inclusive, q) for i in base
                    ]
                    if sum(trial, ZERO) == taxes:
                        for i, tax in zip(base, trial, strict=True):
                            taxes_of[i] = tax
                        fitted = True
                        break
            if not fitted:
                base = taxable or ([len(values)] if charged > 0 else [])
                if not base:
                    raise Problem(first, f"Taxes {taxes} but no line is taxable")
                for i, tax in zip(
                    base, allocate(taxes, [all_values[i] for i in base], q), strict=True
                ):
                    taxes_of[i] = tax
        posted: list[Posted] = []
        entries: list[tuple[str, Decimal, Decimal, int, Line | None]] = [
            (line.item, line.qty, line.price, line.row, line) for line in order.lines
        ]
        if charged > 0:
            entries.append((self.shipping_item, Decimal(1), shipping, first, None))
        for index, (item, qty, price, row, source) in enumerate(entries):
            # The value the plugin invoices: net, or gross with prices_include_tax.
            value, tax, discount = all_values[index], taxes_of[index], discounts[index]
            rate = fit_rate(value, tax, self.inclusive, nominal, q)
            if rate is None:
                raise Problem(
                    row, f"no tax rate gives tax {tax} on {value} {order.currency}"
                )
            meta: dict[str, Any] = {}
            if source is not None:
                meta["description"] = source.description
                if source.sku:
                    meta["sku"] = source.sku
            else:
                method = clean_text(
                    record.get("Shipping Method", "").strip(),
                    "Shipping Method",
                    row,
                    order.warnings,
                )
                meta["description"] = method or "Shipping"
            meta["tax"] = rate
            if discount:
                meta["list-price"] = Amount(price, order.currency)
                meta["discount"] = Amount(discount, order.currency)
            posted.append(Posted(item, qty, fit_price(qty, value, price, q), rate, meta))
        self.check_total(order, posted)
        order.posted = posted

    def nominal_rate(self, record: dict[str, str], row: int) -> Decimal | None:
        """The sum of the percentages in the names of the order's taxes, if all have one."""
        rate, found = ZERO, False
        for name_key, value_key in TAX_COLUMNS:
            amount = parse_decimal(record.get(value_key, ""), value_key, row, blank=ZERO)
            if not amount:
                continue
            match = PERCENT_RE.search(record.get(name_key, ""))
            if match is None:
                return None
            rate += Decimal(match.group(1)) / 100
            found = True
        return rate.normalize() if found and rate < 1 else None

    def check_total(self, order: Order, posted: list[Posted]) -> None:
        """The invoice the plugin will compute is the order's Total, to the cent."""
        q = self.quantum
        gross = ZERO
        for line in posted:
            value = _round(line.qty * line.price, q)
            gross += value if self.inclusive else value + _round(value * line.rate, q)
        if gross != order.total:  # pragma: no cover - fit() guarantees it
            raise Problem(
                order.row, f"the lines add up to {gross}, not the Total {order.total}"
            )

    # -- writing -------------------------------------------------------------------------

    def method(self, gateway: str) -> str:
        """The payment method of a Shopify gateway: configured, else from its name."""
        method = self.gateways.get(gateway.lower())
        if method is None:
            method = re.sub(r"[^a-z0-9]+", "-", gateway.lower()).strip("-") or "shopify"
        if ":" in method and account_lib.is_valid(method):
            return Account(method)
        return method

    def owns_payments(self, order: Order) -> bool:
        gateway = order.gateway.lower()
        return not any(name and name in gateway for name in self.skip_gateways)

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
            shipped = [line for line in order.lines if line.fulfilled and line.ships]
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
                add(
                    order.paid,
                    "payment",
                    [
                        order.id,
                        Amount(order.paid_amount, order.currency),
                        self.method(order.gateway),
                    ],
                    {"id": payment_id, "gateway": order.gateway},
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
                open_lines = [line for line in order.lines if not line.fulfilled]
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


if __name__ == "__main__":  # pragma: no cover
    from beangulp.testing import main

    main(Importer())
