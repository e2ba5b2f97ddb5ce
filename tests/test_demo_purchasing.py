"""The demo's purchasing: its books buy stock through every purchasing directive,
load with zero errors, and their payables hold exactly what was billed less
what was paid (``beancount_orders.demo_purchasing``)."""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal

import pytest
from beancount import loader
from beancount.core import data

from beancount_orders.book import Book
from beancount_orders.book.purchasing import BILL
from beancount_orders.book.purchasing import LANDED_COST
from beancount_orders.book.purchasing import STOCK_IN
from beancount_orders.demo import Demo
from beancount_orders.loading import book_from_loaded

ZERO = Decimal(0)


def _load(orders: int, seed: int) -> tuple[str, list[data.Directive], Book]:
    text = "\n".join(Demo(orders, seed).lines()) + "\n"
    entries, errors, options_map = loader.load_string(text)
    assert [error.message for error in errors] == []
    book = book_from_loaded(entries, options_map)
    assert book.errors == []
    return text, entries, book


@pytest.fixture(scope="module")
def books() -> tuple[str, list[data.Directive], Book]:
    return _load(2000, 1)


def _balances(entries: list[data.Directive]) -> dict[str, Decimal]:
    balances: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for entry in entries:
        if isinstance(entry, data.Transaction):
            for posting in entry.postings:
                if posting.units.currency == "GBP":
                    balances[posting.account] += posting.units.number
    return balances


def test_the_books_use_every_purchasing_directive_in_each_form(
    books: tuple[str, list[data.Directive], Book],
) -> None:
    text, _, _ = books
    forms = {
        "supplier": r'custom "supplier" "[a-z-]+" "[^"]+"\n  terms: \d+',
        "purchase order": r'custom "purchase-order" "PO-\d+" "[a-z-]+"\n  expected: ',
        "at a location": r'custom "purchase-order" .*\n  location: "Shop"',
        "po line with input tax": r'custom "po-line" .* GBP\n  tax: 0\.20',
        "po line without": r'custom "po-line" .* GBP\n\d{4}',
        "receipt of all still due": r'custom "receipt" "PO-\d+" "GRN-\d+"\n',
        "receipt of some": r'custom "receipt" "PO-\d+" "GRN-\d+" "[A-Z-]+" \d+\n',
        "bill at PO cost": r'custom "bill" "PO-\d+" "BILL-\d+"\n',
        "bill with prices": r'custom "bill" "PO-\d+" "BILL-\d+" "[A-Z-]+" \d+ [\d.]+ GBP',
        "landed cost": r'custom "landed-cost" "PO-\d+" "LC-\d+" [\d.]+ GBP\n',
        "by units": r'custom "landed-cost" .*\n(  .*\n)*  basis: "qty"',
        "from a carrier": r'custom "landed-cost" .*\n  supplier: "swift-freight"',
        "with tax": r'custom "landed-cost" .*\n(  .*\n)*  tax: 0\.20',
        "payment of a bill": r'custom "bill-payment" "BILL-\d+" [\d.]+ GBP \S+\n  id: ',
        "of a landed cost": r'custom "bill-payment" "LC-\d+" ',
        "of a stock-in": r'custom "bill-payment" "SI-\d+" ',
        "on account": r'custom "bill-payment" "[a-z-]+" [\d.]+ GBP \S+\n  id: "BP-',
        "allocated": r'custom "allocate" "BP-\d+" "(BILL|LC)-\d+" [\d.]+ GBP',
        "stock-in": r'custom "stock-in" "SI-\d+" .*\n  supplier: "[a-z-]+"',
    }
    missing = [name for name, form in forms.items() if not re.search(form, text)]
    assert missing == []


def test_the_book_holds_them(books: tuple[str, list[data.Directive], Book]) -> None:
    _, entries, book = books
    purchasing = book.purchasing
    assert len(purchasing.suppliers) == 4
    assert len(purchasing.orders) > 100
    kinds = {payable.kind for payable in purchasing.payables.values()}
    assert kinds == {BILL, LANDED_COST, STOCK_IN}
    # Some POs were received in two receipts and billed in two bills; none is
    # received beyond what was ordered, or billed beyond what was received.
    assert any(len(po.receipts) == 2 for po in purchasing.orders.values())
    assert any(
        sum(purchasing.payables[bill].kind == BILL for bill in po.bills) == 2
        for po in purchasing.orders.values()
    )
    for po in purchasing.orders.values():
        for line in po.lines:
            assert 0 <= line.billed <= line.received <= line.qty, po.id
    # Bills at another price than the PO's re-value the goods.
    narrations = [e.narration for e in entries if isinstance(e, data.Transaction)]
    assert any(text.startswith("Price difference of bill") for text in narrations)
    # Payments on account, matched to bills later.
    on_account = [p for p in purchasing.payments.values() if p.ref in purchasing.suppliers]
    assert on_account
    assert all(payment.allocated > 0 for payment in on_account)
    assert any(payment.unallocated > 0 for payment in on_account)  # a little left


def test_payables_are_bills_and_landed_costs_and_stock_ins_less_payments(
    books: tuple[str, list[data.Directive], Book],
) -> None:
    """Per supplier, its payable account holds what its bills, landed costs and
    stock-ins bill (gross) less what its bill payments paid; GRNI what was
    received and not yet billed, at PO cost; input tax what the bills charged."""
    _, entries, book = books
    purchasing = book.purchasing
    balances = _balances(entries)
    billed: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for payable in purchasing.payables.values():
        assert payable.voided is None
        billed[payable.supplier] += payable.gross
    paid: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for payment in purchasing.payments.values():
        paid[payment.supplier] += payment.amount
    assert set(billed) == set(purchasing.suppliers)
    for supplier in purchasing.suppliers.values():
        owed = billed[supplier.id] - paid[supplier.id]
        assert -balances[supplier.payable] == owed, supplier.id
        assert owed > 0
    grni = sum((line.grni for po in purchasing.orders.values() for line in po.lines), ZERO)
    assert -balances["Liabilities:GRNI"] == grni == 0  # all received is billed by the end
    tax = sum((payable.tax for payable in purchasing.payables.values()), ZERO)
    assert balances["Assets:InputTax"] == tax > 0


@pytest.mark.parametrize(("orders", "seed"), [(1, 1), (5, 2), (60, 3), (400, 4)])
def test_small_books_load_with_zero_errors(orders: int, seed: int) -> None:
    _load(orders, seed)


def test_no_goods_are_revalued_on_the_day_they_arrive(
    books: tuple[str, list[data.Directive], Book],
) -> None:
    """A bill at another price than the PO's, or a landed cost, re-lots the PO's
    lots; the demo dates none on a day its PO received goods, so no re-lot puts
    a lot of that day behind the day's later lots (which dispatches written
    before those lots would then take: the books written out would not load)."""
    _, _, book = books
    purchasing = book.purchasing
    revalued = 0
    for payable in purchasing.payables.values():
        if payable.po is None:
            continue
        lines = getattr(payable, "lines", [])
        if payable.kind == BILL and all(line.net == line.at_cost for line in lines):
            continue
        revalued += 1
        po = purchasing.orders[payable.po]
        arrived = {purchasing.receipts[receipt].date for receipt in po.receipts}
        assert payable.date not in arrived, payable.id
    assert revalued > 50
