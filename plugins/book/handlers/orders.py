"""Orders and invoices: ``customer``, ``order``, ``line``, ``commit``, ``cancel``
and ``invoice``.

Master data and the order itself post nothing; an invoice posts the sale (see
:func:`on_invoice`). :func:`select` picks the order lines an event applies to,
for this family and for dispatches.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

from beancount.core import account as account_lib
from beancount.core import data
from beancount.core.amount import Amount

from beancount_orders.book import directives
from beancount_orders.book import discounts
from beancount_orders.book import fx
from beancount_orders.book import rules
from beancount_orders.book.directives import CancelArgs
from beancount_orders.book.directives import CommitArgs
from beancount_orders.book.directives import CustomerArgs
from beancount_orders.book.directives import Directive
from beancount_orders.book.directives import InvoiceArgs
from beancount_orders.book.directives import Items
from beancount_orders.book.directives import LineArgs
from beancount_orders.book.directives import OrderArgs
from beancount_orders.book.handlers import loyalty
from beancount_orders.book.handlers import payments
from beancount_orders.book.handlers import points_back
from beancount_orders.book.handlers import stock
from beancount_orders.book.model import ZERO
from beancount_orders.book.model import Customer
from beancount_orders.book.model import Invoice
from beancount_orders.book.model import InvoiceLine
from beancount_orders.book.model import Order
from beancount_orders.book.model import OrderLine
from beancount_orders.book.postings import TxnBuilder
from beancount_orders.book.rules import account_component
from beancount_orders.book.state import Invalid
from beancount_orders.book.state import State
from beancount_orders.book.state import check_product
from beancount_orders.book.state import fmt
from beancount_orders.book.state import whole_days

# The string metadata of an order, in the order of Order's fields.
_ORDER_STRINGS = ("po", "rep", "source", "location", "program")
# The settings of an item that has no commodity directive (read, never written).
_NO_SETTINGS: data.Meta = {}


def on_customer(e: State, d: Directive[CustomerArgs]) -> None:
    """Declares a customer or updates its name, terms, credit limit and program.

    Posts nothing. The customer's account component (``account`` metadata, else
    derived from its id) is fixed by its first directive.
    """
    customer_id, name = d.args.id, d.args.name
    meta = d.meta
    terms = whole_days(meta.get("terms"), "terms", f'Customer "{customer_id}"')
    discount = discounts.parse_terms(meta.get("discount"), f'Customer "{customer_id}"')
    credit_limit = meta.get("credit-limit")
    if credit_limit is not None and not isinstance(credit_limit, Amount):
        raise Invalid(
            f'Customer "{customer_id}": credit-limit must be an amount such as '
            f"5000.00 GBP, got {directives.show(credit_limit)}"
        )
    program = meta.get("program")
    if program is not None and not isinstance(program, str):
        raise Invalid(
            f'Customer "{customer_id}": program must be a loyalty symbol string, '
            f"got {directives.show(program)}"
        )
    explicit = meta.get("account")
    if explicit is not None:
        if not isinstance(explicit, str) or not account_lib.is_valid(
            e.config.account("receivable", customer=explicit)
        ):
            raise Invalid(
                f'Customer "{customer_id}": account must be an account name component '
                f'such as "AcmeLtd", got {directives.show(explicit)}'
            )
        component = explicit
    else:
        component = account_component(customer_id)
    existing = e.book.customers.get(customer_id)
    if existing is not None:
        if existing.account != component:
            raise Invalid(
                f'Customer "{customer_id}" already posts to accounts named '
                f'"{existing.account}"; a later customer directive cannot change it '
                f'to "{component}"'
            )
        existing.name = name
        existing.terms = terms if terms is not None else existing.terms
        existing.credit_limit = credit_limit or existing.credit_limit
        existing.program = program or existing.program
        existing.discount_terms = discount or existing.discount_terms
        return
    owner = e.account_owners.get(component)
    if owner is not None:
        raise Invalid(
            f'Customer "{customer_id}" would post to the same accounts as customer '
            f'"{owner}" ("{component}"); give one of them account metadata'
        )
    e.account_owners[component] = customer_id
    e.book.customers[customer_id] = Customer(
        customer_id, name, component, d.meta, terms, credit_limit, program, discount
    )


def on_order(e: State, d: Directive[OrderArgs]) -> None:
    """Places an order for a declared customer.

    Posts nothing; its lines, invoices and dispatches follow.
    """
    order_id, customer_id = d.args.order, d.args.customer
    e.new_document(order_id, "order")
    customer = e.customer(customer_id)
    meta = d.meta
    strings: list[str | None] = []  # po, rep, source, location, program
    for key in _ORDER_STRINGS:
        value = meta.get(key)
        if value is not None and not isinstance(value, str):
            raise Invalid(
                f'Order "{order_id}": {key} must be a string, got {directives.show(value)}'
            )
        strings.append(value)
    po, rep, source, location, program = strings
    terms = whole_days(meta.get("terms"), "terms", f'Order "{order_id}"')
    discount = discounts.parse_terms(meta.get("discount"), f'Order "{order_id}"')
    e.register(order_id, "order")
    e.book.orders[order_id] = Order(
        order_id,
        customer_id,
        d.date,
        meta,
        po,
        rep,
        source,
        terms,
        location,
        program,
    )
    e.book.orders[order_id].discount_terms = discount
    customer.orders.append(order_id)


def on_line(e: State, d: Directive[LineArgs]) -> None:
    """Adds a line (item, quantity, unit price, tax rate) to an order.

    Posts nothing; one order has one currency.
    """
    order = e.order(d.args.order)
    item, qty, price = d.args.item, d.args.qty, d.args.price
    if price.number < 0:
        raise Invalid(
            f'Order "{order.id}": line price of {item} must not be negative, got {price}'
        )
    check_product(qty, price.number, f'Order "{order.id}" line {item}')
    if order.currency is not None and price.currency != order.currency:
        raise Invalid(
            f'Order "{order.id}" is in {order.currency}; a line in {price.currency} '
            "cannot join it (one order, one currency)"
        )
    settings = e.items.get(item, _NO_SETTINGS)
    rate = tax_rate(e, d.meta, settings, order.id, item)
    description = d.meta.get("description")
    if description is not None and not isinstance(description, str):
        raise Invalid(
            f'Order "{order.id}" line {item}: description must be a string, '
            f"got {directives.show(description)}"
        )
    jurisdiction = d.meta.get("jurisdiction")
    stated = d.meta.get("tax-amount")
    if jurisdiction is not None or stated is not None:
        jurisdiction, stated = _stated_tax(e, d, order, rate, jurisdiction, stated)
    customer = e.book.customers[order.customer]
    income = settings.get("income")
    if income is None:
        income = e.config.account("sales", customer=customer.account)
    elif not isinstance(income, str) or not account_lib.is_valid(income):
        raise Invalid(
            f"Commodity {item}: income must be an account such as "
            "Income:Sales:Widgets, "
            f"got {directives.show(income)}"
        )
    stocked = settings.get("stock", True)
    if not isinstance(stocked, bool):
        raise Invalid(
            f"Commodity {item}: stock must be TRUE or FALSE (FALSE: a service or "
            f"other item that is never dispatched), got {directives.show(stocked)}"
        )
    order.currency = price.currency
    order.services = order.services or not stocked
    order.lines.append(
        OrderLine(
            order.id,
            len(order.lines) + 1,
            item,
            qty,
            price.number,
            price.currency,
            rate,
            income,
            description,
            d.meta,
            stocked=stocked,
            quantum=e.quantum,
            inclusive=e.config.prices_include_tax,
            tax_amount=stated,
            jurisdiction=jurisdiction,
        )
    )


def _stated_tax(
    e: State,
    d: Directive[LineArgs],
    order: Order,
    rate: Decimal,
    jurisdiction: object,
    stated: object,
) -> tuple[str | None, Decimal | None]:
    """A line's ``jurisdiction`` and ``tax-amount``, checked.

    The tax-amount is the tax of the whole line as the source system computed it:
    in the line's currency, not negative, in whole units of its precision, with
    prices that include tax not more than the line's value, and differing from
    the tax that the rate gives on the whole line by rounding only (at most
    :data:`~beancount_orders.book.rules.STATED_TAX_QUANTA` quanta).
    """
    item, qty, price = d.args.item, d.args.qty, d.args.price
    what = f'Order "{order.id}" line {item}'
    if jurisdiction is not None and (
        not isinstance(jurisdiction, str) or not jurisdiction.strip()
    ):
        raise Invalid(
            f"{what}: jurisdiction must be a string naming the line's taxes such as "
            f'"NY State Tax 4%", got {directives.show(jurisdiction)}'
        )
    if stated is None:
        return jurisdiction, None
    if not isinstance(stated, Amount) or stated.number is None:
        raise Invalid(
            f"{what}: tax-amount must be an amount such as 1.97 {price.currency} "
            f"(the tax of the whole line), got {directives.show(stated)}"
        )
    if stated.currency != price.currency:
        raise Invalid(
            f"{what}: tax-amount {stated} is not in the line's currency {price.currency}"
        )
    if stated.number < 0:
        raise Invalid(f"{what}: tax-amount must not be negative, got {stated}")
    quantum = e.quantum
    if stated.number != rules.round_money(stated.number, quantum):
        raise Invalid(
            f"{what}: tax-amount {stated} has more decimal places than the "
            f"currency's precision ({quantum} {price.currency})"
        )
    value = rules.line_value(qty, price.number, quantum)
    inclusive = e.config.prices_include_tax
    if inclusive and stated.number > value:
        raise Invalid(
            f"{what}: tax-amount {stated} is more than the line's value of {value} "
            f"{price.currency}, which includes the tax"
        )
    computed = rules.split_tax(value, rate, inclusive, quantum)[1]
    limit = rules.stated_tax_limit(quantum)
    if abs(stated.number - computed) > limit:
        raise Invalid(
            f"{what}: tax-amount {stated} is more than {limit} {price.currency} from "
            f"the tax that rate {rate} gives on the line's {value} {price.currency} "
            f"({computed} {price.currency}); it may differ by rounding only"
        )
    return jurisdiction, stated.number


def tax_rate(
    e: State, meta: data.Meta, settings: data.Meta, order_id: str, item: str
) -> Decimal:
    """The tax rate of a line: its ``tax``, else its item's, else the config's."""
    for source in (meta, settings):
        rate = source.get("tax")
        if rate is None:
            continue
        if not isinstance(rate, Decimal) or isinstance(rate, bool) or not 0 <= rate < 1:
            label = (
                f'Order "{order_id}" line {item}' if source is meta else f"Commodity {item}"
            )
            raise Invalid(
                f"{label}: tax must be a rate from 0 to 1 such as 0.20, "
                f"got {directives.show(rate)}"
            )
        return rate
    return e.config.tax_rate


def select(
    e: State,
    order: Order,
    pairs: Items,
    available: Callable[[OrderLine], Decimal],
    verb: str,
    describe: Callable[[OrderLine], str],
) -> list[tuple[OrderLine, Decimal]]:
    """Pick the order lines and quantities an event applies to.

    With no pairs, everything still available on every line; with pairs,
    each item's quantity spread over that item's lines in order. Raises
    :class:`Invalid` when an item is not on the order or asks for more
    than is available.
    """
    if not order.lines:
        raise Invalid(f'Order "{order.id}" has no lines to {verb}')
    chosen = []
    if not pairs:
        for line in order.lines:
            free = available(line)
            if free > 0:
                chosen.append((line, free))
        if not chosen:
            raise Invalid(f'Nothing left to {verb} on order "{order.id}"')
        return chosen
    if len(pairs) == 1:
        wanted = dict(pairs)
    else:
        wanted = {}
        for item, qty in pairs:
            wanted[item] = wanted.get(item, ZERO) + qty
    for item, qty in wanted.items():
        lines = [(line, available(line)) for line in order.lines if line.item == item]
        if not lines:
            raise Invalid(f'Item {item} is not on order "{order.id}"')
        free = ZERO
        for _, line_free in lines:
            free += line_free
        if qty > free:
            detail = "; ".join(describe(line) for line, _ in lines)
            raise Invalid(
                f'Cannot {verb} {fmt(qty)} {item} on order "{order.id}": '
                f"only {fmt(free)} left to {verb} ({detail})"
            )
        left = qty
        for line, line_free in lines:
            take = line_free if line_free < left else left  # as min(left, line_free)
            if take > 0:
                chosen.append((line, take))
                left -= take
    return chosen


def on_commit(e: State, d: Directive[CommitArgs]) -> None:
    """Commits stock to an order's lines (all still open, or the items named).

    Posts nothing; committed stock shows as not available in the stock report.
    """
    order = e.order(d.args.order)
    what = f'Commit for order "{order.id}"'
    location = (
        e.meta_string(d.meta, "location", what) or order.location or e.config.location
    )
    batch = e.meta_string(d.meta, "batch", what)
    stock.check_stocked(e, order, d.args.items, what, "committed")
    chosen = select(
        e,
        order,
        d.args.items,
        lambda line: line.uncommitted if line.stocked else ZERO,
        "commit",
        lambda line: f"{fmt(line.open_qty)} ordered, {fmt(line.committed)} committed",
    )
    for line, qty in chosen:
        line.committed += qty
        line.commit_location = location
        line.commit_batch = batch


def on_cancel(e: State, d: Directive[CancelArgs]) -> None:
    """Cancels quantities of an order that are neither invoiced nor dispatched.

    Posts nothing, unless it leaves less of the order than the discount of points
    redeemed on it: then the excess points and money come back
    (:func:`~beancount_orders.book.handlers.points_back.on_cancelled`).
    """
    order = e.order(d.args.order)
    chosen = select(
        e,
        order,
        d.args.items,
        lambda line: line.cancellable,
        "cancel",
        lambda line: (
            f"{fmt(line.qty)} ordered, {fmt(line.cancelled)} cancelled, "
            f"{fmt(line.invoiced)} invoiced, {fmt(line.dispatched)} dispatched"
        ),
    )
    for line, qty in chosen:
        line.cancelled += qty
        line.committed = min(line.committed, line.open_qty)
    points_back.on_cancelled(e, order, d)


def on_invoice(e: State, d: Directive[InvoiceArgs]) -> None:
    """Invoices an order's lines (all still uninvoiced, or the items named).

    Posts Dr receivable (gross), Cr each line's sales account (net, with ``item``
    metadata) and Cr sales tax per rate and jurisdiction (``rate`` and
    ``jurisdiction`` metadata); then the loyalty points it earns, and matches
    money paid or credited ahead on the order to it.
    """
    order = e.order(d.args.order)
    invoice_id = d.args.invoice
    e.new_document(invoice_id, "invoice")
    customer = e.book.customers[order.customer]
    chosen = select(
        e,
        order,
        d.args.items,
        lambda line: line.uninvoiced,
        "invoice",
        lambda line: (
            f"{fmt(line.qty)} ordered, {fmt(line.cancelled)} cancelled, "
            f"{fmt(line.invoiced)} already invoiced"
        ),
    )
    due = _due_date(e, d, order, customer)
    rate = fx.rate_of(e, d.meta, order.currency or "", d.date, f'Invoice "{invoice_id}"')
    lines = [_invoice_line(e, line, qty) for line, qty in chosen]
    currency = order.currency or ""
    invoice = Invoice(
        invoice_id, order.id, order.customer, d.date, due, currency, lines, d.meta
    )
    invoice.discount_terms = discounts.invoice_terms(order, customer)
    e.register(invoice_id, "invoice")
    e.book.invoices[invoice_id] = invoice
    order.invoices.append(invoice_id)
    order.invoiced += invoice.gross
    customer.receivable[currency] += invoice.gross
    _post_invoice(e, d, invoice, order, customer, rate)
    loyalty.earn(e, invoice, order, customer, d)
    # Money paid or credited ahead on the order now meets its invoice.
    if order.pending:
        paid_ahead = False
        for settlement_id in order.pending:
            settlement = e.book.settlements[settlement_id]
            matched = payments.allocate(e, settlement, invoice, d.date)
            paid_ahead = paid_ahead or (matched > 0 and settlement.kind.is_money)
            if rate is not None:
                fx.close(e, settlement, invoice, matched, d.date, d.meta)
        order.pending = tuple(
            settlement_id
            for settlement_id in order.pending
            if e.book.settlements[settlement_id].unallocated > 0
        )
        if paid_ahead:  # money paid ahead settles it, less its discount
            payments.take_discount(e, invoice, d)


def _due_date(
    e: State, d: Directive[InvoiceArgs], order: Order, customer: Customer
) -> datetime.date:
    """The ``due`` metadata, else the invoice date plus the order's, the
    customer's or the configured terms."""
    due = d.meta.get("due")
    if due is None:
        terms = order.terms
        if terms is None:
            terms = customer.terms if customer.terms is not None else e.config.terms
        return d.date + datetime.timedelta(days=terms)
    if not isinstance(due, datetime.date):
        raise Invalid(
            f'Invoice "{d.args.invoice}": due must be a date such as 2024-02-01, '
            f"got {directives.show(due)}"
        )
    return due


def _invoice_line(e: State, line: OrderLine, qty: Decimal) -> InvoiceLine:
    """Invoice ``qty`` of an order line: its net and tax, and the line's totals."""
    net, tax = line.invoice_split(qty)
    line.invoiced += qty
    line.invoiced_net += net
    line.invoiced_tax += tax
    invoice_line = InvoiceLine(
        line.number, line.item, qty, line.price, line.tax_rate, net, tax, line.income
    )
    if line.jurisdiction is not None:
        invoice_line.jurisdiction = line.jurisdiction
    return invoice_line


def _post_invoice(
    e: State,
    d: Directive[InvoiceArgs],
    invoice: Invoice,
    order: Order,
    customer: Customer,
    fx_rate: Decimal | None = None,
) -> None:
    """The invoice's transaction: receivable, sales per line, tax per rate (a
    foreign invoice's: see :func:`beancount_orders.book.fx.post_invoice`)."""
    currency = invoice.currency
    txn = TxnBuilder(
        d.meta,
        d.date,
        customer.name,
        f"Invoice {invoice.id} for order {order.id}",
        invoice.links,
        {"order": order.id, "customer": customer.id, "invoice": invoice.id},
    )
    if fx_rate is not None:
        fx.post_invoice(e, txn, invoice, customer, fx_rate)
        e.emit(txn)
        return
    txn.post(e.receivable(customer), invoice.gross, currency)
    for line in invoice.lines:
        txn.post(line.income, -line.net, currency, item=line.item)
    sales_tax = e.config.account("sales_tax")
    for rate, jurisdiction, tax in rules.taxes_by_rate_and_jurisdiction(
        (line.tax_rate, line.jurisdiction, line.tax) for line in invoice.lines
    ):
        txn.post(sales_tax, -tax, currency, rate=rate, jurisdiction=jurisdiction)
    e.emit(txn)
