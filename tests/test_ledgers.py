"""The example books in ledgers/: each loads cleanly, and the worked example's
figures are the ones computed by hand in its comments and in docs/status.md."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader

from plugins.book.model import Status
from tests.helpers import Loaded

ROOT = Path(__file__).resolve().parent.parent
LEDGERS = sorted((ROOT / "ledgers").glob("*.beancount"))
EXAMPLE = ROOT / "ledgers" / "example.beancount"


def load_file(path: Path) -> Loaded:
    # The pickle cache does not notice changes to plugin code; never use it.
    loader.initialize(use_cache=False)
    entries, errors, options = loader.load_file(str(path))
    return Loaded(entries, errors, options)


@pytest.fixture(scope="module")
def example() -> Loaded:
    return load_file(EXAMPLE)


def test_there_are_ledgers() -> None:
    assert EXAMPLE in LEDGERS


@pytest.mark.parametrize("path", LEDGERS, ids=lambda path: path.name)
def test_ledger_loads_without_errors(path: Path) -> None:
    loaded = load_file(path)
    messages = [f"{path.name}:{line}: {message}" for line, message in loaded.messages]
    assert messages == []
    assert loaded.generated, f"{path.name} generates nothing: does it load the plugin?"


# order: (committed, invoiced, dispatched, paid, invoiced gross, paid, outstanding)
EXPECTED_ORDERS = {
    "SO-1001": ("full", "none", "none", "none", "0", "0", "0"),
    "SO-1002": ("partial", "partial", "none", "none", "153.60", "0", "153.60"),
    "SO-1003": ("none", "full", "none", "full", "412.50", "412.50", "0.00"),
    "SO-1004": ("none", "full", "none", "full", "115.20", "120.00", "-4.80"),
    "SO-1005": ("none", "none", "none", "partial", "0", "51.40", "-51.40"),
    "SO-1006": ("none", "none", "none", "none", "0", "0", "0"),
}


@pytest.mark.parametrize("order_id", sorted(EXPECTED_ORDERS))
def test_example_order(example: Loaded, order_id: str) -> None:
    order = example.book.orders[order_id]
    committed, invoiced, dispatched, paid, gross, money, outstanding = EXPECTED_ORDERS[
        order_id
    ]
    assert (
        order.committed_status,
        order.invoiced_status,
        order.dispatched_status,
        order.paid_status,
    ) == (Status(committed), Status(invoiced), Status(dispatched), Status(paid))
    assert order.invoiced == Decimal(gross)
    assert order.paid == Decimal(money)
    assert order.outstanding == Decimal(outstanding)


def test_example_part_invoiced_order(example: Loaded) -> None:
    """SO-1002: the 4 teapots are invoiced (4 x 32.00 + 20% VAT), the tea is not."""
    order = example.book.orders["SO-1002"]
    assert [(line.item, line.invoiced, line.uninvoiced) for line in order.lines] == [
        ("TEAPOT-CI", 4, 0),
        ("EARLGREY-250", 0, 10),
    ]
    assert order.total == Decimal("200.50")  # 4 x 32.00 + 10 x 7.25, net
    invoice = example.book.invoices["INV-2001"]
    assert (invoice.net, invoice.tax, invoice.gross) == (
        Decimal("128.00"),
        Decimal("25.60"),
        Decimal("153.60"),
    )
    assert str(invoice.due) == "2025-04-09"  # 2025-03-10 + 30 days' terms


def test_example_cancelled_order(example: Loaded) -> None:
    order = example.book.orders["SO-1006"]
    assert order.cancelled
    assert not order.is_open
    assert example.book.transactions_for("SO-1006") == []


def test_example_customer_balances(example: Loaded) -> None:
    """Each customer's receivable in the book equals its account's balance."""
    expected = {
        "bramble": ("Assets:Receivable:Bramble", "53.60"),  # 153.60 - 100.00 on account
        "hartley": ("Assets:Receivable:Hartley", "-4.80"),  # 115.20 - 120.00 overpaid
        "north-street-deli": ("Assets:Receivable:NorthStreetDeli", "0.00"),
        "web": ("Assets:Receivable:Web", "-51.40"),  # paid ahead of any invoice
    }
    balances = example.balances()
    for customer_id, (account, amount) in expected.items():
        customer = example.book.customers[customer_id]
        assert customer.receivable["GBP"] == Decimal(amount), customer_id
        assert customer.balance("GBP") == Decimal(amount), customer_id
        if Decimal(amount):
            assert balances[account] == f"{amount} GBP"
        else:
            assert account not in balances


def test_example_account_balances(example: Loaded) -> None:
    balances = example.balances()
    assert balances["Assets:Bank:Current"] == "3132.50 GBP"
    assert balances["Assets:Clearing:Card"] == "51.40 GBP"
    assert balances["Income:Sales"] == "-224.00 GBP"  # 128.00 teapots + 96.00 mugs
    assert balances["Income:Sales:Tea"] == "-412.50 GBP"
    assert balances["Liabilities:SalesTax"] == "-44.80 GBP"  # 25.60 + 19.20


def test_example_payment_on_account_is_unallocated(example: Loaded) -> None:
    payment = example.book.payments["BACS-0325"]
    assert (payment.ref_kind, payment.order, payment.invoice) == ("customer", None, None)
    assert payment.unallocated == Decimal("100.00")
    overpaid = example.book.payments["BACS-0319"]
    assert (overpaid.allocated, overpaid.unallocated) == (
        Decimal("115.20"),
        Decimal("4.80"),
    )
