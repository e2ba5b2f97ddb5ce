"""The Shopify importer's arithmetic: each line's net value and tax worked out so
that the invoice the plugin computes is the order's Total, to the cent
(discounts, shipping made cheaper or free, tips, duties, the rate the tax names
state, Shopify's own rounding kept as ``tax-amount``). Mixed into the
``Importer``, whose configuration it reads."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from beancount.core.amount import Amount

from beancount_orders.importers.common import ZERO
from beancount_orders.importers.common import Problem
from beancount_orders.importers.common import clean_text
from beancount_orders.importers.reading import parse_decimal
from beancount_orders.importers.shopify_model import DUTIES_ITEM
from beancount_orders.importers.shopify_model import PERCENT_RE
from beancount_orders.importers.shopify_model import TAX_COLUMNS
from beancount_orders.importers.shopify_model import TIP_ITEM
from beancount_orders.importers.shopify_model import Line
from beancount_orders.importers.shopify_model import Order
from beancount_orders.importers.shopify_model import Posted
from beancount_orders.importers.shopify_model import allocate
from beancount_orders.importers.shopify_model import fit_price
from beancount_orders.importers.shopify_model import fit_rate
from beancount_orders.importers.shopify_model import round_to
from beancount_orders.importers.shopify_model import tax_of


class Fitter:
    """Fitting an order's lines to its totals; mixed into the ``Importer``."""

    quantum: Decimal
    inclusive: bool
    shipping_item: str
    tips_account: str

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
            number = parse_decimal(record.get(key, ""), key, first, blank=ZERO)
            if number != round_to(number, q):
                raise Problem(
                    first, f'{key} "{record.get(key)}" has more decimals than money'
                )
            return number

        subtotal, shipping, taxes = money("Subtotal"), money("Shipping"), money("Taxes")
        listed = [round_to(line.qty * line.price, q) for line in order.lines]
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
        duties = money("Duties")
        if duties < 0:
            raise Problem(first, f"Duties {duties} are negative")
        if not self.inclusive and taxes and order.total == subtotal + shipping + duties:
            raise Problem(
                first,
                f"Total {order.total} is Subtotal {subtotal} + Shipping {shipping}: the "
                f"shop's prices include the Taxes {taxes}; import it with "
                "prices_include_tax True (and set the plugin's option alike)",
            )
        # What the Total leaves for shipping: less than Shipping when a discount
        # made it cheaper (or free); more is a tip.
        charged = order.total - subtotal - duties - (ZERO if self.inclusive else taxes)
        if charged < 0:
            raise Problem(
                first,
                f"Total {order.total} is less than Subtotal {subtotal}"
                + ("" if self.inclusive else f" plus Taxes {taxes}")
                + (f" plus Duties {duties}" if duties else ""),
            )
        tip = max(charged - shipping, ZERO)
        charged -= tip
        if tip and self.inclusive and tip == taxes:
            raise Problem(
                first,
                f"Total {order.total} is Subtotal {subtotal} + Shipping {shipping} + "
                f"Taxes {taxes}: the shop's prices exclude tax; import it with "
                "prices_include_tax False (and set the plugin's option alike)",
            )
        if tip:
            order.warnings.append(
                (
                    first,
                    f"Total {order.total} is {tip} more than Subtotal {subtotal} + "
                    f"Shipping {shipping}"
                    + ("" if self.inclusive else f" + Taxes {taxes}")
                    + (f" + Duties {duties}" if duties else "")
                    + f": booked as a tip ({TIP_ITEM}, to {self.tips_account})",
                )
            )
        discounts.append(shipping - charged)
        # Taxable values: the lines, then shipping.
        all_values = [*values, charged]
        taxable = [
            i for i, line in enumerate(order.lines) if line.taxable and values[i] > 0
        ]
        nominal = self.nominal_rate(record, first)
        taxes_of = [ZERO] * len(all_values)
        # Lines whose tax is not the rate's on their value, by rounding only.
        kept: set[int] = set()
        if taxes:
            bases = [taxable, [*taxable, len(values)]] if charged > 0 else [taxable]
            fitted = nominal is not None and self.stated_rate(
                all_values, bases, nominal, taxes, taxes_of, kept
            )
            if not fitted:
                base = taxable or ([len(values)] if charged > 0 else [])
                if not base:
                    raise Problem(first, f"Taxes {taxes} but no line is taxable")
                for i, tax in zip(
                    base, allocate(taxes, [all_values[i] for i in base], q), strict=True
                ):
                    taxes_of[i] = tax
                if nominal is not None:
                    order.warnings.append(
                        (
                            first,
                            f"the tax names' rate {nominal * 100:f}% does not give the "
                            f"Taxes {taxes} on the taxable lines: the lines have the "
                            "rates that give Shopify's Taxes",
                        )
                    )
        jurisdiction = ", ".join(order.tax_names) or None
        posted: list[Posted] = []
        # (index in all_values, item, qty, listed price, row, line item)
        entries: list[tuple[int, str, Decimal, Decimal, int, Line | None]] = [
            (i, line.item, line.qty, line.price, line.row, line)
            for i, line in enumerate(order.lines)
        ]
        if shipping > 0 or charged > 0:  # a shipping line even when made free
            entries.append(
                (len(values), self.shipping_item, Decimal(1), shipping, first, None)
            )
        for extra, item in ((tip, TIP_ITEM), (duties, DUTIES_ITEM)):
            if extra:
                entries.append((len(all_values), item, Decimal(1), extra, first, None))
                all_values.append(extra)
                discounts.append(ZERO)
                taxes_of.append(ZERO)
        for index, item, qty, price, row, source in entries:
            # The value the plugin invoices: net, or gross with prices_include_tax.
            value, tax, discount = all_values[index], taxes_of[index], discounts[index]
            rate = (
                nominal
                if index in kept
                else fit_rate(value, tax, self.inclusive, nominal, q)
            )
            if rate is None:
                raise Problem(
                    row, f"no tax rate gives tax {tax} on {value} {order.currency}"
                )
            meta: dict[str, Any] = {}
            if source is not None:
                meta["description"] = source.description
                if source.sku:
                    meta["sku"] = source.sku
            elif item == self.shipping_item:
                method = clean_text(
                    record.get("Shipping Method", "").strip(),
                    "Shipping Method",
                    row,
                    order.warnings,
                )
                meta["description"] = method or "Shipping"
            else:
                meta["description"] = "Tip" if item == TIP_ITEM else "Duties"
            meta["tax"] = rate
            if tax and jurisdiction:
                meta["jurisdiction"] = jurisdiction
            if index in kept:
                meta["tax-amount"] = Amount(tax, order.currency)
            if discount:
                meta["list-price"] = Amount(price, order.currency)
                meta["discount"] = Amount(discount, order.currency)
            posted.append(
                Posted(
                    item,
                    qty,
                    fit_price(qty, value, price, q),
                    rate,
                    meta,
                    tax if index in kept else None,
                )
            )
        self.check_total(order, posted)
        order.posted = posted

    def stated_rate(
        self,
        values: list[Decimal],
        bases: list[list[int]],
        rate: Decimal,
        taxes: Decimal,
        taxes_of: list[Decimal],
        kept: set[int],
    ) -> bool:
        """Put the order's Taxes on the lines of one of ``bases`` at the ``rate``
        its tax names state, if that can be done: each line's tax is the rate's
        on its value, or one cent (quantum) more or less where Shopify rounded
        each tax of the line on its own (those lines keep Shopify's tax as
        ``tax-amount``: their index goes into ``kept``)."""
        q = self.quantum
        for base in bases:
            if not base:
                continue
            trial = [tax_of(values[i], rate, self.inclusive, q) for i in base]
            left = int((taxes - sum(trial, ZERO)) / q)
            if abs(left) > len(base):
                continue
            # The lines whose exact tax is nearest the next cent take the cents.
            exact = [
                values[i] * rate / (1 + rate) if self.inclusive else values[i] * rate
                for i in base
            ]
            sign = 1 if left > 0 else -1
            order = sorted(
                range(len(base)), key=lambda k: (sign * (trial[k] - exact[k]), k)
            )
            step = q if left > 0 else -q
            for k in order[: abs(left)]:
                trial[k] += step
                kept.add(base[k])
            for i, tax in zip(base, trial, strict=True):
                taxes_of[i] = tax
            return True
        return False

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
            value = round_to(line.qty * line.price, q)
            tax = (
                line.tax_amount
                if line.tax_amount is not None
                else round_to(value * line.rate, q)
            )
            gross += value if self.inclusive else value + tax
        if gross != order.total:  # pragma: no cover - fit() guarantees it
            raise Problem(
                order.row, f"the lines add up to {gross}, not the Total {order.total}"
            )
