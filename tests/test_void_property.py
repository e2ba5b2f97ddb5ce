"""Voids keep the invariants of docs/invariants.md, on random histories.

Hypothesis draws a small valid history (customers earning loyalty points,
stock-ins, orders with taxed lines, some with early-payment discount terms and
points redeemed on them, payments ahead with an id, invoices, dispatches,
payments on invoices and on account, payments inside the window that take the
discount, credit memos, customer credits, full credit orders that claw back and
give back points), then a last document and its void. Two properties:

- **A void undoes its document.** A history, then one more document (an
  invoice, a payment with an id, a credit memo, a customer credit, a credit
  order of a unit, a stock-in), then its void and nothing else: every account
  is back at its balance without the document (a payment that took a discount,
  a full credit order that moved points, included), and so are the engine's figures
  (each order's invoiced, paid, credited and outstanding and its status axes;
  each customer's receivable, credit and points; the stock on hand; the ageing
  on the last day).
- **Voids keep the books tied.** A history, then voids of random documents of
  it: a void may be refused (an invoice with a posted credit order, lots taken
  again), never anything else; and whatever voids applied, each customer's
  receivable and credit are their accounts, the ageing adds up to the
  receivable accounts on every date, the loyalty liability is the customers'
  points and no lot is negative (and Beancount finds every transaction
  balanced: no error but the refused voids).
"""

from __future__ import annotations

import dataclasses
import datetime
from decimal import ROUND_HALF_UP
from decimal import Decimal as D
from typing import Any

from beancount.core import data
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from beancount_orders.reports.ageing import aged_receivables
from tests.helpers import Loaded
from tests.helpers import load

START = datetime.date(2024, 1, 1)
CUSTOMERS = ("acme", "bolt")
ITEMS = ("WIDGET", "GADGET")
PRICES = (D("3.00"), D("9.99"), D("12.50"), D("0.35"))
HEADER = """\
plugin "beancount_orders.orders"
option "booking_method" "FIFO"
2024-01-01 custom "loyalty-program" "PKLP"
  value: 0.01 GBP
2024-01-01 custom "customer" "acme" "Acme Ltd"
  program: "PKLP"
2024-01-01 custom "customer" "bolt" "Bolt plc"
2024-01-01 custom "stock-in" "PO-0" "WIDGET" 200 2.00 GBP
  supplier: "Supplies Co"
2024-01-01 custom "stock-in" "PO-00" "GADGET" 200 4.25 GBP
  supplier: "Supplies Co"
"""


@dataclasses.dataclass
class History:
    """The ledger text so far and what a last document may refer to."""

    lines: list[str]
    day: int = 1
    invoices: list[tuple[str, str, str, D]] = dataclasses.field(default_factory=list)
    open_order: tuple[str, str] | None = None  # an order left uninvoiced
    documents: list[str] = dataclasses.field(default_factory=list)  # voidable ids
    credited: set[str] = dataclasses.field(default_factory=set)  # fully credited
    # An invoice with discount terms nothing was matched to but its order's
    # redemption: (invoice, its day, what is open, the discount allowed).
    untouched: tuple[str, int, D, D] | None = None

    def date(self) -> datetime.date:
        return START + datetime.timedelta(days=self.day)

    def write(self, text: str) -> None:
        self.lines.append(f"{self.date()} {text}")

    @property
    def text(self) -> str:
        return HEADER + "\n".join(self.lines) + "\n"


@st.composite
def histories(draw: Any) -> History:
    history = History([])
    for number in range(draw(st.integers(1, 4))):
        history.day += draw(st.integers(1, 5))
        order, customer = f"SO-{number}", draw(st.sampled_from(CUSTOMERS))
        history.write(f'custom "order" "{order}" "{customer}"')
        terms = draw(st.booleans())
        if terms:
            history.lines.append('  discount: "2/10"')
        gross = D(0)
        for item in draw(
            st.lists(st.sampled_from(ITEMS), min_size=1, max_size=2, unique=True)
        ):
            qty, price = draw(st.integers(1, 5)), draw(st.sampled_from(PRICES))
            history.write(f'custom "line" "{order}" "{item}" {qty} {price} GBP')
            gross += qty * price
            if draw(st.booleans()):
                history.lines.append("  tax: 0.20")
                gross += _cents(qty * price * D("0.20"))
        redeemed = D(0)
        if customer == "acme" and draw(st.booleans()):
            points = draw(st.integers(1, 10))
            history.write('custom "loyalty-adjust" "acme" 20 PKLP')
            history.day += 1  # redemptions apply before adjustments within a day
            history.write(f'custom "redeem" "{order}" {points} PKLP')
            redeemed = points * D("0.01")
        paid_ahead = draw(st.booleans())
        if paid_ahead:
            amount = draw(st.sampled_from(PRICES))
            history.write(f'custom "payment" "{order}" {amount} GBP "card"')
            history.lines.append(f'  id: "PAY-{number}A"')
            history.documents.append(f"PAY-{number}A")
        if number == 0 and draw(st.booleans()):
            history.open_order = (order, customer)
            continue
        history.day += draw(st.integers(0, 3))
        invoice = f"INV-{number}"
        history.write(f'custom "invoice" "{order}" "{invoice}"')
        history.documents.append(invoice)
        if draw(st.booleans()):
            history.write(f'custom "dispatch" "{order}"')
        history.invoices.append((invoice, order, customer, draw(st.sampled_from(PRICES))))
        invoiced_on = history.day
        history.day += draw(st.integers(0, 10))
        kind = draw(
            st.sampled_from(
                ("none", "payment", "account", "memo", "credit", "discount", "credit-order")
            )
        )
        if kind == "account" and paid_ahead:  # the invoice may be paid already
            kind = "none"
        allowed = _cents((gross - redeemed) * D("0.02"))
        if kind == "discount" and (paid_ahead or not terms or allowed <= 0):
            kind = "none"
        history.untouched = None
        if kind == "none" and terms and not paid_ahead and allowed > 0:
            history.untouched = (invoice, invoiced_on, gross - redeemed, allowed)
        if kind == "discount":  # inside the window, leaving the discount open
            history.write(
                f'custom "payment" "{invoice}" {gross - redeemed - allowed} GBP "card"'
            )
            history.lines.append(f'  id: "PAY-{number}D"')
            history.documents.append(f"PAY-{number}D")
        elif kind == "credit-order":
            history.write(f'custom "credit-order" "CO-{number}" "{invoice}"')
            history.lines.append("  full: TRUE")
            history.documents.append(f"CO-{number}")
            history.credited.add(invoice)
        elif kind == "payment":
            history.write(f'custom "payment" "{invoice}" 5.00 GBP "card"')
            history.lines.append(f'  id: "PAY-{number}B"')
            history.documents.append(f"PAY-{number}B")
        elif kind == "account":
            history.write(f'custom "payment" "{customer}" 7.00 GBP "card"')
            history.lines.append(f'  id: "PAY-{number}C"')
            history.write(f'custom "allocate" "PAY-{number}C" "{invoice}" 0.30 GBP')
            history.documents.append(f"PAY-{number}C")
        elif kind == "memo":
            history.write(f'custom "credit-memo" "MEMO-{number}" "{customer}" 0.20 GBP')
            history.lines.append(f'  invoice: "{invoice}"')
            history.documents.append(f"MEMO-{number}")
        elif kind == "credit":
            history.write(f'custom "credit" "CR-{number}" "{customer}" 1.50 GBP')
            history.documents.append(f"CR-{number}")
    return history


def _cents(amount: D) -> D:
    return amount.quantize(D("0.01"), rounding=ROUND_HALF_UP)


LAST_KINDS = (
    "invoice",
    "payment",
    "memo",
    "credit",
    "credit-order",
    "stock-in",
    "full-credit",
    "discount",
)


def last_document(history: History, kind: str, item: str) -> str | None:
    """Write one more document on a later day; return its id (None: none fits)."""
    history.day += 3
    if kind == "invoice":
        if history.open_order is None:
            return None
        order, _ = history.open_order
        history.write(f'custom "invoice" "{order}" "INV-LAST"')
        return "INV-LAST"
    if kind == "stock-in":
        history.write(f'custom "stock-in" "PO-LAST" "{item}" 3 1.125 GBP')
        history.lines.append('  supplier: "Other Co"')
        return "PO-LAST"
    if kind == "discount":
        if history.untouched is None:
            return None
        invoice, invoiced_on, open_amount, allowed = history.untouched
        if history.day > invoiced_on + 10:  # after the window
            return None
        history.write(f'custom "payment" "{invoice}" {open_amount - allowed} GBP "card"')
        history.lines.append('  id: "PAY-LAST"')
        return "PAY-LAST"
    if not history.invoices:
        return None
    invoice, order, customer, _ = history.invoices[-1]
    if kind == "full-credit":
        if invoice in history.credited:
            return None
        history.write(f'custom "credit-order" "CO-LAST" "{invoice}"')
        history.lines.append("  full: TRUE")
        return "CO-LAST"
    if kind == "payment":
        history.write(f'custom "payment" "{order}" 4.10 GBP "card"')
        history.lines.append('  id: "PAY-LAST"')
        return "PAY-LAST"
    if kind == "memo":
        history.write(f'custom "credit-memo" "MEMO-LAST" "{customer}" 0.70 GBP')
        history.lines.append(f'  invoice: "{invoice}"')
        return "MEMO-LAST"
    if kind == "credit":
        history.write(f'custom "credit" "CR-LAST" "{customer}" 2.00 GBP')
        return "CR-LAST"
    if invoice in history.credited:
        return None
    history.write(f'custom "credit-order" "CO-LAST" "{invoice}"')
    history.write(
        f'custom "credit-line" "CO-LAST" "{_first_item(history, order)}" '
        f'"credit" 1 0.10 GBP'
    )
    return "CO-LAST"


def _first_item(history: History, order: str) -> str:
    for line in history.lines:
        if f'custom "line" "{order}" ' in line:
            return line.split('"')[5]
    raise AssertionError(order)  # pragma: no cover


def figures(loaded: Loaded, as_of: datetime.date) -> dict[str, Any]:
    """The engine's figures that a void must give back."""
    book = loaded.book
    ageing = aged_receivables(book, as_of)
    return {
        "orders": {
            order.id: (
                order.invoiced,
                order.paid,
                order.credited,
                order.outstanding,
                order.invoiced_status,
                order.paid_status,
                order.dispatched_status,
                tuple((line.invoiced, line.credited_net) for line in order.lines),
            )
            for order in book.orders.values()
        },
        "customers": {
            customer.id: (
                {k: v for k, v in customer.receivable.items() if v},
                {k: v for k, v in customer.credit.items() if v},
                book.points(customer.id, "PKLP"),
            )
            for customer in book.customers.values()
        },
        "stock": [(p.item, p.account, p.batch, p.on_hand) for p in book.stock_positions()],
        "ageing": sorted((row.customer, row.currency, row.total) for row in ageing.rows),
    }


def balances(loaded: Loaded) -> dict[str, str]:
    return {
        account: balance
        for account, balance in loaded.balances().items()
        if not balance.startswith("0")
    }


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), st.sampled_from(LAST_KINDS), st.sampled_from(ITEMS), st.integers(0, 9))
def test_a_void_undoes_its_document(history, kind, item, later):
    before = load(history.text)
    assert before.messages == []
    doc_id = last_document(history, kind, item)
    if doc_id is None:
        return
    history.day += later
    history.write(f'custom "void" "{doc_id}"')
    after = load(history.text)
    assert after.messages == []
    assert doc_id in after.book.voids.voided
    assert balances(after) == balances(before)
    assert figures(after, history.date()) == figures(before, history.date())


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), st.data())
def test_voids_keep_the_books_tied(history, data_):
    chosen = data_.draw(
        st.lists(st.sampled_from(history.documents or ["NONE"]), unique=True)
    )
    void_lines = {}
    for doc_id in chosen:
        history.day += data_.draw(st.integers(0, 4))
        history.write(f'custom "void" "{doc_id}"')
        void_lines[len(HEADER.splitlines()) + len(history.lines)] = doc_id
    loaded = load(history.text)
    for line, message in loaded.messages:
        assert line in void_lines, (line, message)
        assert (
            "posted against the invoice" in message
            or "taken again" in message
            or "unknown document" in message
        ), message
    check_tied(loaded)


def check_tied(loaded: Loaded) -> None:
    book = loaded.book
    entries = [e for e in loaded.entries if isinstance(e, data.Transaction)]
    last = max(e.date for e in entries)
    dates = sorted({e.date for e in entries} | {last + datetime.timedelta(days=30)})
    for as_of in dates:
        owed: dict[tuple[str, str], D] = {}
        for entry in entries:
            if entry.date > as_of:
                continue
            for posting in entry.postings:
                if posting.account.startswith("Assets:Receivable:"):
                    key = (posting.account, posting.units.currency)
                    owed[key] = owed.get(key, D(0)) + posting.units.number
        ageing = {
            (f"Assets:Receivable:{book.customers[row.customer].account}", row.currency): (
                row.total
            )
            for row in aged_receivables(book, as_of).rows
        }
        assert {k: v for k, v in owed.items() if v} == {
            k: v for k, v in ageing.items() if v
        }, as_of
    totals: dict[tuple[str, str], D] = {}
    for entry in entries:
        for posting in entry.postings:
            key = (posting.account, posting.units.currency)
            totals[key] = totals.get(key, D(0)) + posting.units.number
    for customer in book.customers.values():
        for currency, amount in customer.receivable.items():
            receivable = f"Assets:Receivable:{customer.account}"
            assert totals.get((receivable, currency), D(0)) == amount
        for currency, amount in customer.credit.items():
            credit = f"Liabilities:CustomerCredit:{customer.account}"
            assert -totals.get((credit, currency), D(0)) == amount
    points = sum((book.points(c, "PKLP") for c in book.customers), D(0))
    assert -totals.get(("Liabilities:Loyalty:PKLP", "PKLP"), D(0)) == points
    for holding in book.stock:
        assert all(units >= 0 for units in holding.lots.values())
