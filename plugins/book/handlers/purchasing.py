"""Purchasing: ``supplier``, ``purchase-order``, ``po-line`` and ``receipt``
(SPEC, Revision 2, "Purchasing").

Goods come in at the PO's cost against ``grni`` (goods received not invoiced);
bills (:mod:`beancount_orders.book.handlers.bills`) move them from ``grni`` to
the supplier's payable; bill payments
(:mod:`beancount_orders.book.handlers.bill_payments`) pay the payable.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from beancount.core import account as account_lib
from beancount.core import data
from beancount.core.position import Cost

from beancount_orders.book import directives
from beancount_orders.book.directives import Directive
from beancount_orders.book.directives import Items
from beancount_orders.book.directives import POLineArgs
from beancount_orders.book.directives import PurchaseOrderArgs
from beancount_orders.book.directives import ReceiptArgs
from beancount_orders.book.directives import SupplierArgs
from beancount_orders.book.handlers import stock
from beancount_orders.book.model import ZERO
from beancount_orders.book.model import Lot
from beancount_orders.book.postings import TxnBuilder
from beancount_orders.book.purchasing import POLine
from beancount_orders.book.purchasing import PurchaseOrder
from beancount_orders.book.purchasing import PurchaseReceipt
from beancount_orders.book.purchasing import ReceiptLine
from beancount_orders.book.purchasing import Supplier
from beancount_orders.book.rules import account_component
from beancount_orders.book.state import Invalid
from beancount_orders.book.state import State
from beancount_orders.book.state import check_product
from beancount_orders.book.state import fmt
from beancount_orders.book.state import kind_article
from beancount_orders.book.state import whole_days

PURCHASE_ORDER = "purchase order"
RECEIPT = "purchase receipt"


# -- lookups ------------------------------------------------------------------


def supplier_of(e: State, supplier_id: str, what: str) -> Supplier:
    """A declared supplier, or :class:`Invalid`."""
    supplier = e.book.purchasing.suppliers.get(supplier_id)
    if supplier is None:
        later = e.written_later("supplier", supplier_id)
        if later:
            raise Invalid(
                f'{what}: unknown supplier "{supplier_id}" on {e.date}: it is declared '
                f"on {later}, after this directive (directives apply in date order)"
            )
        raise Invalid(
            f'{what}: unknown supplier "{supplier_id}": declare it first with '
            f'custom "supplier" "{supplier_id}" "NAME"'
        )
    return supplier


def purchase_order(e: State, po_id: str, what: str) -> PurchaseOrder:
    """A purchase order, or :class:`Invalid` (saying what the id is, if anything)."""
    po = e.book.purchasing.orders.get(po_id)
    if po is None:
        later = e.written_later("purchase-order", po_id)
        if later:
            raise Invalid(
                f'{what}: unknown purchase order "{po_id}" on {e.date}: it is written '
                f"on {later}, after this directive (directives apply in date order)"
            )
        kind = e.book.documents.get(po_id)
        hint = f' ("{po_id}" is {kind_article(kind)})' if kind else ""
        raise Invalid(f'{what}: unknown purchase order "{po_id}"{hint}')
    return po


def grni_account(e: State, supplier: Supplier) -> str:
    return e.config.account("grni", supplier=supplier.account)


# -- master data and purchase orders -------------------------------------------


def on_supplier(e: State, d: Directive[SupplierArgs]) -> None:
    """Declares a supplier or updates its name and terms.

    Posts nothing. Its payable account component (``account`` metadata, else
    derived from its id) is fixed by its first directive.
    """
    supplier_id, name = d.args.id, d.args.name
    what = f'Supplier "{supplier_id}"'
    terms = whole_days(d.meta.get("terms"), "terms", what)
    explicit = d.meta.get("account")
    if explicit is not None:
        if not isinstance(explicit, str) or not account_lib.is_valid(
            e.config.account("payable", supplier=explicit)
        ):
            raise Invalid(
                f"{what}: account must be an account name component such as "
                f'"AcmeSupplies", got {directives.show(explicit)}'
            )
        component = explicit
    else:
        component = account_component(supplier_id)
    purchasing = e.book.purchasing
    existing = purchasing.suppliers.get(supplier_id)
    if existing is not None:
        if existing.account != component:
            raise Invalid(
                f'{what} already posts to accounts named "{existing.account}"; a later '
                f'supplier directive cannot change it to "{component}"'
            )
        existing.name = name
        existing.terms = terms if terms is not None else existing.terms
        return
    owner = purchasing.accounts.get(component)
    if owner is not None:
        raise Invalid(
            f'{what} would post to the same accounts as supplier "{owner}" '
            f'("{component}"); give one of them account metadata'
        )
    purchasing.accounts[component] = supplier_id
    payable = e.config.account("payable", supplier=component)
    purchasing.suppliers[supplier_id] = Supplier(
        supplier_id, name, component, d.meta, terms, payable
    )


def on_purchase_order(e: State, d: Directive[PurchaseOrderArgs]) -> None:
    """Places a purchase order with a declared supplier.

    Posts nothing; its lines, receipts and bills follow.
    """
    po_id = d.args.po
    what = f'Purchase order "{po_id}"'
    e.new_document(po_id, PURCHASE_ORDER)
    supplier = supplier_of(e, d.args.supplier, what)
    location = e.meta_string(d.meta, "location", what)
    expected = d.meta.get("expected")
    if expected is not None and not isinstance(expected, datetime.date):
        raise Invalid(
            f"{what}: expected must be a date such as 2024-02-01, "
            f"got {directives.show(expected)}"
        )
    tax = _rate(d.meta, what)
    e.register(po_id, PURCHASE_ORDER)
    po = PurchaseOrder(po_id, supplier.id, d.date, d.meta, location, expected, tax=tax)
    e.book.purchasing.orders[po_id] = po
    supplier.add_order(po_id)


def _rate(meta: data.Meta, what: str) -> Decimal | None:
    rate = meta.get("tax")
    if rate is None:
        return None
    if not isinstance(rate, Decimal) or isinstance(rate, bool) or not 0 <= rate < 1:
        raise Invalid(
            f"{what}: tax must be a rate from 0 to 1 such as 0.20, "
            f"got {directives.show(rate)}"
        )
    return rate


def on_po_line(e: State, d: Directive[POLineArgs]) -> None:
    """Orders QTY of ITEM at unit COST (net of input tax) on a purchase order.

    Posts nothing. ``tax`` is its input tax rate (default: its purchase
    order's ``tax``, else 0). All lines of a PO are in one currency.
    """
    item, qty, cost = d.args.item, d.args.qty, d.args.cost
    po = purchase_order(e, d.args.po, f"Purchase order line {item}")
    what = f'Purchase order "{po.id}" line {item}'
    if cost.number < 0:
        raise Invalid(f"{what}: cost must not be negative, got {cost}")
    check_product(qty, cost.number, what)
    if e.items.get(item, {}).get("stock", True) is False:
        raise Invalid(
            f"{what}: {item} is not a stock item (stock: FALSE on its commodity); "
            "it is never received into stock"
        )
    if po.currency is not None and cost.currency != po.currency:
        raise Invalid(
            f"{what}: cost {cost} is not in {po.currency}, the currency of the "
            "purchase order's other lines"
        )
    rate = _rate(d.meta, what)
    if rate is None:
        rate = po.tax if po.tax is not None else ZERO
    po.currency = cost.currency
    po.lines.append(
        POLine(len(po.lines) + 1, item, qty, cost.number, cost.currency, rate, d.meta)
    )


# -- receipts -------------------------------------------------------------------


def take_lines(
    po: PurchaseOrder,
    pairs: Items,
    room: str,
    what: str,
    verb: str,
) -> list[tuple[POLine, Decimal]]:
    """The PO lines that ``pairs`` name, and how much of each, line by line in
    order; none: everything with room. ``room`` is ``"to_receive"`` or
    ``"to_bill"``; more than there is room for is :class:`Invalid`."""
    chosen: list[tuple[POLine, Decimal]] = []
    if not pairs:
        chosen = [
            (line, getattr(line, room)) for line in po.lines if getattr(line, room) > 0
        ]
        if not chosen:
            raise Invalid(f"{what}: nothing on the purchase order is left to {verb}")
        return chosen
    wanted: dict[str, Decimal] = {}
    for item, qty in pairs:
        wanted[item] = wanted.get(item, ZERO) + qty
    for item, qty in wanted.items():
        lines = po.lines_of(item)
        if not lines:
            raise Invalid(f'{what}: purchase order "{po.id}" has no line for {item}')
        available = sum((getattr(line, room) for line in lines), ZERO)
        if qty > available:
            raise Invalid(_too_many(po, item, lines, qty, available, what, verb))
        left = qty
        for line in lines:
            part = min(left, getattr(line, room))
            if part > 0:
                chosen.append((line, part))
                left -= part
    return chosen


def _too_many(
    po: PurchaseOrder,
    item: str,
    lines: list[POLine],
    qty: Decimal,
    available: Decimal,
    what: str,
    verb: str,
) -> str:
    ordered = sum((line.qty for line in lines), ZERO)
    received = sum((line.received for line in lines), ZERO)
    billed = sum((line.billed for line in lines), ZERO)
    if verb == "receive":
        return (
            f"{what}: {fmt(qty)} {item} is more than ordered: {fmt(ordered)} ordered, "
            f"{fmt(received)} already received, {fmt(available)} still due"
        )
    return (
        f"{what}: {fmt(qty)} {item} is more than received and not yet billed: "
        f"{fmt(received)} received, {fmt(billed)} already billed (a bill never "
        "bills more than was received)"
    )


def on_receipt(e: State, d: Directive[ReceiptArgs]) -> None:
    """Goods in against a purchase order (all still due, or the items named),
    into lots labelled by the receipt (or ``batch``) at a location.

    Posts Dr inventory ``QTY ITEM {COST, date, "RECEIPT"}`` at the PO line's
    cost, Cr ``grni`` at that cost (rounded to money as the receipt's running
    total, line by line, so that it balances); an average-valued account is then
    re-lotted at its new average, and units dispatched short are costed.
    """
    receipt_id = d.args.receipt
    po = purchase_order(e, d.args.po, f'Receipt "{receipt_id}"')
    what = f'Receipt "{receipt_id}" for purchase order "{po.id}"'
    e.new_document(receipt_id, RECEIPT)
    chosen = take_lines(po, d.args.items, "to_receive", what, "receive")
    label = e.meta_string(d.meta, "batch", what) or receipt_id
    if '"' in label or "\\" in label or "\n" in label:
        raise Invalid(
            f"{what}: batch {directives.show(label)} cannot be a lot label: it may not "
            'hold a double quote ("), a backslash or a line break'
        )
    purchasing = e.book.purchasing
    for line, _ in chosen:
        other = purchasing.lots.get((line.item, d.date, label))
        if other is not None and other != receipt_id:
            raise Invalid(
                f'{what}: batch "{label}" already labels the {line.item} lot of '
                f'receipt "{other}" on {d.date}; give this receipt a batch of its own'
            )
    location = e.meta_string(d.meta, "location", what) or po.location or e.config.location
    account = e.inventory_account(location)
    supplier = purchasing.suppliers[po.supplier]
    grni = grni_account(e, supplier)
    e.register(receipt_id, RECEIPT)
    receipt = PurchaseReceipt(receipt_id, po.id, d.date, location, [], d.meta)
    txn = TxnBuilder(
        d.meta,
        d.date,
        supplier.name,
        f"Receipt {receipt_id} for purchase order {po.id} into {location}",
        (po.id, receipt_id),
        {"po": po.id, "supplier": supplier.id, "receipt": receipt_id},
    )
    arrived: dict[str, list[Lot]] = {}
    for line, qty in chosen:
        cost = Cost(line.cost, line.currency, d.date, label)
        line.received += qty
        e.holding(account, line.item).add(cost, qty)
        purchasing.lots[(line.item, d.date, label)] = receipt_id
        txn.post(account, qty, line.item, cost)
        # Each line's GRNI is the receipt's running total rounded less what was
        # posted before, so that a receipt of several lines with costs of more
        # places than money still balances within Beancount's tolerance.
        value = -txn.post_money(grni, -qty * line.cost, line.currency, e.quantum, line.item)
        line.grni_in += value
        receipt.lines.append(ReceiptLine(line.number, line.item, qty, cost, account, value))
        arrived.setdefault(line.item, []).append(Lot(cost, qty))
    purchasing.receipts[receipt_id] = receipt
    po.receipts.append(receipt_id)
    e.emit(txn)
    for item, lots in arrived.items():
        holding = e.holding(account, item)
        if account in e.average:
            stock.relot(e, holding, d.date, d.meta, receipt_id)
        stock.cost_owed(e, account, item, stock.arrived(e, holding, lots), d.date, d.meta)
