"""The directive registry: one record per order directive.

Each :class:`Spec` holds everything about one directive: its name, its value
positions (SPEC.md) and the typed record they are read into, its metadata keys
and their types, its phase within a day, and its handler, whose docstring says
what it posts. Parsing (:func:`beancount_orders.book.directives.parse`), the
order of a day, "did you mean" for a misspelt directive, the directive table in
``docs/directives.md`` and the importers' document positions all read from here.

To add a directive: write its argument record in ``directives.py``, its handler
in the family module of ``handlers/``, and one :class:`Spec` below.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any
from typing import Literal

from beancount_orders.book import directives as d
from beancount_orders.book.handlers import bill_payments
from beancount_orders.book.handlers import bills
from beancount_orders.book.handlers import company
from beancount_orders.book.handlers import credit_orders
from beancount_orders.book.handlers import loyalty
from beancount_orders.book.handlers import orders
from beancount_orders.book.handlers import payments
from beancount_orders.book.handlers import purchasing
from beancount_orders.book.handlers import refunds
from beancount_orders.book.handlers import stock
from beancount_orders.book.handlers import void
from beancount_orders.book.state import State

MetaKind = Literal["string", "number", "rate", "days", "amount", "date", "bool", "account"]


@dataclasses.dataclass(frozen=True, slots=True)
class MetaKey:
    """A metadata key a directive reads, the type of its value, and what it means."""

    name: str
    kind: MetaKind
    doc: str


@dataclasses.dataclass(frozen=True, slots=True)
class Spec:
    """One order directive."""

    name: str
    args: Callable[..., tuple[Any, ...]]  # its argument record (a NamedTuple)
    values: tuple[tuple[str, d.Kind], ...]  # (POSITION, kind) as in SPEC.md
    meta: tuple[MetaKey, ...]
    phase: int  # its place within a day: lower applies first
    handler: Callable[[State, d.Directive[Any]], None] | None
    family: str  # the module of handlers/ that applies it
    page: str  # where docs/ describes it
    document: int | None = None  # the value position of the document id it creates
    # Derived from ``values``: the fixed values, whether (ITEM QTY) pairs follow,
    # and the usage line that error messages quote.
    fixed: tuple[tuple[str, d.Kind], ...] = dataclasses.field(init=False)
    checks: tuple[tuple[str, d.Check], ...] = dataclasses.field(init=False)
    # (position, check, its fast path in ``directives.parse``) per fixed value.
    fast_checks: tuple[tuple[str, d.Check, int], ...] = dataclasses.field(init=False)
    tail: str | None = dataclasses.field(init=False)  # "pairs", "triples" or None
    usage: str = dataclasses.field(init=False)
    # Its metadata keys' names, and those with the keys every entry carries.
    keys: frozenset[str] = dataclasses.field(init=False)
    known: frozenset[str] = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        fixed = tuple((name, kind) for name, kind in self.values if kind not in d.TAILS)
        object.__setattr__(self, "fixed", fixed)
        checks = tuple((name, d.CHECKS[kind]) for name, kind in fixed)
        object.__setattr__(self, "checks", checks)
        fast_checks = tuple(
            (name, d.CHECKS[kind], d.FAST.get(kind, d.FAST_NONE)) for name, kind in fixed
        )
        object.__setattr__(self, "fast_checks", fast_checks)
        tails = [kind for _, kind in self.values if kind in d.TAILS]
        object.__setattr__(self, "tail", tails[0] if tails else None)
        usage = " ".join([f'"{self.name}"', *(name for name, _ in self.values)])
        object.__setattr__(self, "usage", usage)
        keys = frozenset(key.name for key in self.meta)
        object.__setattr__(self, "keys", keys)
        object.__setattr__(self, "known", keys | d.SYSTEM_KEYS)

    @property
    def doc(self) -> str:
        """What the directive posts: the first paragraph of its handler's docstring."""
        text = self.handler.__doc__ if self.handler else None
        return (text or "").strip().split("\n\n")[0].replace("\n", " ")


def _keys(*keys: tuple[str, MetaKind, str] | MetaKey) -> tuple[MetaKey, ...]:
    return tuple(key if isinstance(key, MetaKey) else MetaKey(*key) for key in keys)


_REASON = MetaKey("reason", "string", "why, shown in the narration and the reports")
_BATCH = MetaKey("batch", "string", "the lot label to take or restock")
_LOCATION = MetaKey("location", "string", "the stock location (inventory account)")
_DISCOUNT = MetaKey(
    "discount",
    "string",
    'early-payment discount "P/D": P % off when paid within D days of the invoice',
)
_RATE = MetaKey(
    "rate", "number", "foreign currency: operating currency per unit (default: a price)"
)
_REFERENCE = (
    MetaKey("invoice", "string", "the invoice it is for"),
    MetaKey("order", "string", "the order it is for"),
)

SPECS: tuple[Spec, ...] = (
    Spec(
        "company",
        d.CompanyArgs,
        (("NAME", "text"),),
        _keys(
            ("address", "string", "the postal address (lines separated by newlines or ;)"),
            ("tax-id", "string", "the VAT or other tax registration number"),
            ("email", "string", "the address customers write to"),
            ("bank", "string", "the bank details customers pay to"),
        ),
        0,
        company.on_company,
        "company",
        "documents.md#company",
    ),
    Spec(
        "customer",
        d.CustomerArgs,
        (("ID", "text"), ("NAME", "text")),
        _keys(
            ("terms", "days", "days from invoice to due date"),
            ("credit-limit", "amount", "shown against the balance in reports"),
            ("program", "string", "the loyalty program symbol the customer earns in"),
            ("account", "string", "the account name component of the customer"),
            _DISCOUNT,
        ),
        0,
        orders.on_customer,
        "orders",
        "directives.md#customer",
    ),
    Spec(
        "loyalty-program",
        d.LoyaltyProgramArgs,
        (("SYMBOL", "item"),),
        _keys(
            ("earn", "number", "points per currency unit (default 1)"),
            ("value", "amount", "money value of one point"),
            ("expiry", "days", "days until earned points expire"),
            ("name", "string", "the program's name"),
            ("liability", "account", "the points liability account"),
            ("expense", "account", "the points distributed account"),
            ("discount", "account", "the account of discounts given for points"),
        ),
        0,
        loyalty.on_loyalty_program,
        "loyalty",
        "loyalty.md#loyalty-program",
    ),
    Spec(
        "order",
        d.OrderArgs,
        (("ORDER", "doc"), ("CUSTOMER", "text")),
        _keys(
            ("po", "string", "the customer's purchase order reference"),
            ("rep", "string", "the sales representative"),
            ("source", "string", "where the order came from"),
            ("terms", "days", "days from invoice to due date"),
            _LOCATION,
            ("program", "string", "the loyalty program of this order"),
            _DISCOUNT,
        ),
        1,
        orders.on_order,
        "orders",
        "directives.md#order",
        document=0,
    ),
    Spec(
        "line",
        d.LineArgs,
        (("ORDER", "ref"), ("ITEM", "item"), ("QTY", "qty"), ("PRICE", "amount")),
        _keys(
            ("tax", "rate", "the sales tax rate, e.g. 0.20"),
            ("description", "string", "the line's text"),
            (
                "jurisdiction",
                "string",
                "the name(s) of the line's taxes, on its tax postings",
            ),
            (
                "tax-amount",
                "amount",
                "the tax of the whole line as the source system computed it",
            ),
        ),
        2,
        orders.on_line,
        "orders",
        "directives.md#line",
    ),
    Spec(
        "stock-in",
        d.StockInArgs,
        (("PO", "doc"), ("ITEM", "item"), ("QTY", "qty"), ("COST", "amount")),
        _keys(
            ("supplier", "string", "the supplier (payable account component)"),
            _BATCH,
            _LOCATION,
        ),
        3,
        stock.on_stock_in,
        "stock",
        "stock.md#stock-in",
        document=0,
    ),
    Spec(
        "transfer",
        d.TransferArgs,
        (("ITEM", "item"), ("QTY", "qty"), ("FROM", "text"), ("TO", "text")),
        _keys(_BATCH, ("id", "string", "the transfer's id (default: TRANSFER-YYYYMMDD-N)")),
        4,
        stock.on_transfer,
        "stock",
        "stock.md#transfer",
    ),
    Spec(
        "commit",
        d.CommitArgs,
        (("ORDER", "ref"), ("(ITEM QTY)...", "pairs")),
        _keys(_LOCATION, _BATCH),
        5,
        orders.on_commit,
        "orders",
        "directives.md#commit",
    ),
    Spec(
        "cancel",
        d.CancelArgs,
        (("ORDER", "ref"), ("(ITEM QTY)...", "pairs")),
        (),
        6,
        orders.on_cancel,
        "orders",
        "directives.md#cancel",
    ),
    Spec(
        "redeem",
        d.RedeemArgs,
        (("ORDER", "ref"), ("POINTS", "amount")),
        (),
        7,
        loyalty.on_redeem,
        "loyalty",
        "loyalty.md#redeem",
    ),
    Spec(
        "invoice",
        d.InvoiceArgs,
        (("ORDER", "ref"), ("INVOICE", "doc"), ("(ITEM QTY)...", "pairs")),
        _keys(
            ("due", "date", "the due date (default: terms after the invoice date)"),
            _RATE,
        ),
        8,
        orders.on_invoice,
        "orders",
        "directives.md#invoice",
        document=1,
    ),
    Spec(
        "dispatch",
        d.DispatchArgs,
        (("ORDER", "ref"), ("(ITEM QTY)...", "pairs")),
        _keys(_BATCH, _LOCATION),
        9,
        stock.on_dispatch,
        "stock",
        "stock.md#dispatch",
    ),
    Spec(
        "credit",
        d.CreditArgs,
        (("CREDIT", "doc"), ("CUSTOMER", "text"), ("AMOUNT", "amount")),
        _keys(_REASON, *_REFERENCE),
        10,
        payments.on_credit,
        "payments",
        "credits.md#customer-credit-credit",
        document=0,
    ),
    Spec(
        "credit-memo",
        d.CreditMemoArgs,
        (("MEMO", "doc"), ("CUSTOMER", "text"), ("AMOUNT", "amount")),
        _keys(_REASON, *_REFERENCE),
        10,
        credit_orders.on_credit_memo,
        "credit_orders",
        "credits.md#credit-memos-credit-memo",
        document=0,
    ),
    Spec(
        "payment",
        d.PaymentArgs,
        (("REF", "text"), ("AMOUNT", "amount"), ("METHOD", "method")),
        _keys(("id", "string", "the payment's document id (to allocate it)"), _RATE),
        11,
        payments.on_payment,
        "payments",
        "directives.md#payment",
    ),
    Spec(
        "return",
        d.ReturnArgs,
        (("RETURN", "doc"), ("ORDER", "ref"), ("ITEM", "item"), ("QTY", "qty")),
        _keys(
            ("condition", "string", '"resaleable" (default) or "damaged"'),
            _BATCH,
            _LOCATION,
        ),
        12,
        stock.on_return,
        "stock",
        "stock.md#return",
        document=0,
    ),
    Spec(
        "credit-order",
        d.CreditOrderArgs,
        (("CO", "doc"), ("INVOICE", "ref")),
        _keys(
            (
                "status",
                "string",
                '"OPEN", "APPROVED" or "READY" (default, the one that posts)',
            ),
            _REASON,
            ("rep", "string", "the sales representative (default: the order's)"),
            ("po", "string", "the purchase order reference (default: the order's)"),
            ("full", "bool", "TRUE: credit every line still uncredited"),
            ("type", "string", 'with full: TRUE, "credit" (default) or "return"'),
            ("credit-date", "string", '"invoice": post on the invoice\'s date'),
        ),
        13,
        credit_orders.on_credit_order,
        "credit_orders",
        "credits.md#credit-orders-credit-order-and-credit-line",
        document=0,
    ),
    Spec(
        "credit-line",
        d.CreditLineArgs,
        (
            ("CO", "ref"),
            ("ITEM", "item"),
            ("TYPE", "text"),
            ("QTY", "qty"),
            ("PRICE", "amount"),
        ),
        _keys(_BATCH, _LOCATION),
        13,
        None,  # collected while reading, applied by its credit order
        "credit_orders",
        "credits.md#credit-orders-credit-order-and-credit-line",
    ),
    Spec(
        "refund",
        d.RefundArgs,
        (("CUSTOMER", "text"), ("AMOUNT", "amount"), ("METHOD", "method")),
        _keys(
            ("id", "string", "the refund's document id (default: REFUND-YYYYMMDD-N)"),
            ("from", "string", '"credit" (default) or "receivable" (money overpaid)'),
            ("order", "string", 'with from: "receivable", the order overpaid'),
            _RATE,
        ),
        14,  # after credit orders: it may pay back what one credited
        refunds.on_refund,
        "refunds",
        "credits.md#paying-it-out-refund",
    ),
    Spec(
        "loyalty-adjust",
        d.LoyaltyAdjustArgs,
        (("CUSTOMER", "text"), ("POINTS", "amount")),
        _keys(
            _REASON, ("id", "string", "the adjustment's id (default: ADJUST-YYYYMMDD-N)")
        ),
        15,
        loyalty.on_loyalty_adjust,
        "loyalty",
        "loyalty.md#loyalty-adjust",
    ),
    Spec(
        "allocate",
        d.AllocateArgs,
        (("FROM", "ref"), ("INVOICE", "ref"), ("AMOUNT", "amount")),
        (),
        16,
        payments.on_allocate,
        "payments",
        "credits.md#matching-money-to-invoices-allocate",
    ),
    Spec(
        "void",
        d.VoidArgs,
        (("DOCUMENT", "ref"),),
        _keys(_REASON),
        17,  # last of the day: after everything else of its date
        void.on_void,
        "void",
        "void.md#void",
    ),
)

_TAX_IN = MetaKey("tax", "rate", "the input tax rate, e.g. 0.20 (default 0)")
_DUE = MetaKey("due", "date", "the due date (default: the supplier's terms after it)")

PURCHASING_SPECS: tuple[Spec, ...] = (
    Spec(
        "supplier",
        d.SupplierArgs,
        (("ID", "text"), ("NAME", "text")),
        _keys(
            ("terms", "days", "days from bill to due date"),
            ("account", "string", "the payable account component of the supplier"),
        ),
        0,
        purchasing.on_supplier,
        "purchasing",
        "purchasing.md#supplier",
    ),
    Spec(
        "purchase-order",
        d.PurchaseOrderArgs,
        (("PO", "doc"), ("SUPPLIER", "text")),
        _keys(
            _LOCATION,
            ("expected", "date", "the date the goods are expected"),
            MetaKey("tax", "rate", "the input tax rate of its lines that state none"),
        ),
        1,
        purchasing.on_purchase_order,
        "purchasing",
        "purchasing.md#purchase-order-and-po-line",
        document=0,
    ),
    Spec(
        "po-line",
        d.POLineArgs,
        (("PO", "ref"), ("ITEM", "item"), ("QTY", "qty"), ("COST", "amount")),
        _keys(_TAX_IN, ("description", "string", "the line's text")),
        2,
        purchasing.on_po_line,
        "purchasing",
        "purchasing.md#purchase-order-and-po-line",
    ),
    Spec(
        "receipt",
        d.ReceiptArgs,
        (("PO", "ref"), ("RECEIPT", "doc"), ("(ITEM QTY)...", "pairs")),
        _keys(_BATCH, _LOCATION),
        3,
        purchasing.on_receipt,
        "purchasing",
        "purchasing.md#receipt",
        document=1,
    ),
    Spec(
        "bill",
        d.BillArgs,
        (("PO", "ref"), ("BILL", "doc"), ("(ITEM QTY PRICE)...", "triples")),
        _keys(_DUE, ("ref", "string", "the supplier's own invoice number")),
        4,
        bills.on_bill,
        "bills",
        "purchasing.md#bill",
        document=1,
    ),
    Spec(
        "landed-cost",
        d.LandedCostArgs,
        (("PO", "ref"), ("BILL", "doc"), ("AMOUNT", "amount")),
        _keys(
            ("supplier", "string", "who bills it (default: the PO's supplier)"),
            ("basis", "string", '"value" (default: by PO cost value) or "qty"'),
            _TAX_IN,
            _DUE,
        ),
        4,
        bills.on_landed_cost,
        "bills",
        "purchasing.md#landed-cost",
        document=1,
    ),
    Spec(
        "bill-payment",
        d.BillPaymentArgs,
        (("REF", "text"), ("AMOUNT", "amount"), ("METHOD", "method")),
        _keys(("id", "string", "the payment's id (default: BILLPAY-YYYYMMDD-N)")),
        11,
        bill_payments.on_bill_payment,
        "bill_payments",
        "purchasing.md#bill-payment",
    ),
)
# Every directive, by its phase (a stable sort: within a phase, as written above).
SPECS = tuple(sorted(SPECS + PURCHASING_SPECS, key=lambda spec: spec.phase))

REGISTRY: dict[str, Spec] = {spec.name: spec for spec in SPECS}
DIRECTIVE_TYPES = frozenset(REGISTRY)
PHASE_COUNT = max(spec.phase for spec in SPECS) + 1
# Stock moves written as ordinary transactions apply with stock-ins.
STOCK_PHASE = REGISTRY["stock-in"].phase
# The position of the document id each directive creates (the importers'
# deduplication reads it).
DOCUMENT_POSITIONS = {
    spec.name: spec.document for spec in SPECS if spec.document is not None
}
# Each directive's phase within a day, by name.
PHASES = {spec.name: spec.phase for spec in SPECS}


def directive_table() -> str:
    """The table of every directive in ``docs/directives.md`` (a test holds the two
    equal): its values, its place within a day, its metadata keys, its handler."""
    rows = [
        "| directive | values | within a day | metadata keys | handler | page |",
        "|---|---|---|---|---|---|",
    ]
    for spec in sorted(SPECS, key=lambda spec: (spec.phase, spec.name)):
        values = " ".join(name for name, _ in spec.values) or "-"
        keys = ", ".join(f"`{key.name}`" for key in spec.meta) or "-"
        handler = (
            f"`handlers/{spec.family}.py` `{spec.handler.__name__}`"
            if spec.handler
            else f"with its credit order (`handlers/{spec.family}.py`)"
        )
        page = spec.page.split("#")[0].removesuffix(".md")
        rows.append(
            f"| `{spec.name}` | {values} | {spec.phase + 1} | {keys} | {handler} "
            f"| [{page}]({spec.page}) |"
        )
    return "\n".join(rows) + "\n"
