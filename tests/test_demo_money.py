"""The demo's money: the books hold exactly what the generator means them to.

The generator (``beancount_orders.demo``) computes every amount as the engine
does and keeps each order's and invoice's money as the engine will
(:meth:`Demo.outcome`). Loaded, its books have no errors; the orders left
overpaid are the ones it overpaid on purpose, by the amounts it meant; the
invoices left open are the ones it left unpaid, part-paid or awaiting a payment
after the books end, for exactly the amounts it meant, so none is a cent or two
short of its gross because of rounding.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from beancount import loader

from beancount_orders.book import Book
from beancount_orders.demo import Demo
from beancount_orders.demo import Outcome
from beancount_orders.loading import book_from_loaded

MEANT_OPEN = {"unpaid", "part-paid", "awaiting payment"}


@pytest.fixture(
    scope="module",
    params=[(3000, False), (1000, True)],
    ids=["3000 orders", "1000 orders, prices include tax"],
)
def demo(request: pytest.FixtureRequest) -> tuple[Outcome, Book]:
    """The outcome the generator meant and the book the plugin built from its text."""
    orders, inclusive = request.param
    generator = Demo(orders, seed=1, prices_include_tax=inclusive)
    text = "\n".join(generator.lines()) + "\n"
    entries, errors, options_map = loader.load_string(text)
    assert [error.message for error in errors] == []
    book = book_from_loaded(entries, options_map)
    assert book.errors == []
    return generator.outcome(), book


def test_only_the_orders_meant_to_be_overpaid_are(demo: tuple[Outcome, Book]) -> None:
    outcome, book = demo
    overpaid = {o.id: -o.outstanding for o in book.orders.values() if o.outstanding < 0}
    assert overpaid == outcome.overpaid
    assert {outcome.why[order] for order in overpaid} == {"overpaid"}
    assert len(overpaid) > len(book.orders) // 100  # a little more, on purpose


def test_only_the_invoices_meant_to_stay_open_are(demo: tuple[Outcome, Book]) -> None:
    outcome, book = demo
    still_open = {
        invoice.id: invoice.open_amount
        for invoice in book.invoices.values()
        if invoice.open_amount
    }
    assert still_open == outcome.open_invoices
    assert {outcome.why[invoice] for invoice in still_open} <= MEANT_OPEN
    counts = outcome.counts()
    assert counts["unpaid"] > len(book.orders) // 10
    assert counts["part-paid"] > len(book.orders) // 20
    # Nothing is left open by rounding: no invoice stays a cent or two short.
    assert [
        invoice for invoice, amount in still_open.items() if amount <= Decimal("0.02")
    ] == []
    assert all(amount > 0 for amount in still_open.values())


def test_what_is_owed_and_cancelled_is_what_was_meant(demo: tuple[Outcome, Book]) -> None:
    outcome, book = demo
    owing = {o.id: o.outstanding for o in book.orders.values() if o.outstanding > 0}
    assert owing == outcome.owing
    assert {o.id for o in book.orders.values() if o.cancelled} == outcome.cancelled
    assert len(outcome.cancelled) > len(book.orders) // 50


def test_payments_ahead_are_the_gross_and_settle_their_orders(
    demo: tuple[Outcome, Book],
) -> None:
    """A payment naming an order is made at the checkout for the order's gross
    (less the points redeemed on it): its invoices take all of it."""
    _, book = demo
    ahead = [p for p in book.payments.values() if p.ref_kind == "order"]
    assert len(ahead) > len(book.orders) // 50
    for payment in ahead:
        order = book.orders[payment.ref]
        assert payment.unallocated == 0, payment.id
        assert order.outstanding == 0, order.id
        assert all(book.invoices[invoice].open_amount == 0 for invoice in order.invoices), (
            order.id
        )
