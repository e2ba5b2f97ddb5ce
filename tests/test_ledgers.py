"""The example books in ledgers/: each loads cleanly, and the worked example's
figures are the ones computed by hand in its comments and in docs/status.md."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import data
from beancount.core.position import Cost

from beancount_orders.book import DIRECTIVE_TYPES
from beancount_orders.book.model import Order
from beancount_orders.book.model import Status
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


def test_example_uses_every_directive(example: Loaded) -> None:
    """The worked example shows every directive of the order language."""
    used = {entry.type for entry in example.entries if isinstance(entry, data.Custom)}
    assert used >= DIRECTIVE_TYPES
    assert "fava-extension" in used
    assert example.book.today == datetime.date(2025, 3, 31)


# order: ("committed invoiced dispatched paid state",
#         "invoiced-gross paid credited outstanding")
EXPECTED_ORDERS = {
    # 20 Assam and 12 mugs committed, nothing else yet.
    "SO-1001": ("full none none none open", "0 0 0 0"),
    # 4 teapots of 14 units committed, invoiced (153.60) and dispatched; the
    # 100.00 paid on account is allocated to INV-2001.
    "SO-1002": ("partial partial partial partial open", "153.60 100.00 0 53.60"),
    # 412.50 invoiced = 410.00 paid + the 2.50 credit memo.
    "SO-1003": ("none full full full closed", "412.50 410.00 2.50 0.00"),
    # 115.20 invoiced; 120.00 paid less 16.80 refunded; credit order CO-0001 12.00.
    "SO-1004": ("none full full full closed", "115.20 103.20 12.00 0.00"),
    # Paid at checkout, nothing invoiced or dispatched yet.
    "SO-1005": ("none none none partial open", "0 51.40 0 -51.40"),
    "SO-1006": ("none none none none cancelled", "0 0 0 0"),
    # The teapot dispatched; the gift wrapping is not stock and never ships.
    "SO-1007": ("none full full full closed", "41.40 41.40 0 0.00"),
    # 97.50 invoiced, 30.00 paid from customer credit.
    "SO-1008": ("none full full partial open", "97.50 30.00 0 67.50"),
    # 13.00 invoiced = 9.00 by card + 80 LEAF at 0.05 (4.00).
    "SO-1009": ("none full full full closed", "13.00 9.00 4.00 0.00"),
}


def state(order: Order) -> str:
    if order.cancelled:
        return "cancelled"
    return "open" if order.is_open else "closed"


@pytest.mark.parametrize("order_id", sorted(EXPECTED_ORDERS))
def test_example_order(example: Loaded, order_id: str) -> None:
    order = example.book.orders[order_id]
    statuses, figures = EXPECTED_ORDERS[order_id]
    *axes, expected_state = statuses.split()
    assert [
        order.committed_status,
        order.invoiced_status,
        order.dispatched_status,
        order.paid_status,
    ] == [Status(value) for value in axes]
    assert state(order) == expected_state
    gross, paid, credited, outstanding = (Decimal(figure) for figure in figures.split())
    assert order.invoiced == gross
    assert order.paid == paid
    assert order.credited == credited
    assert order.outstanding == outstanding
    assert order.outstanding == order.invoiced - order.paid - order.credited


def test_example_part_invoiced_order(example: Loaded) -> None:
    """SO-1002: the 4 teapots are invoiced (4 x 32.00 + 20% VAT), the tea is not."""
    order = example.book.orders["SO-1002"]
    assert [
        (line.item, line.invoiced, line.uninvoiced, line.dispatched) for line in order.lines
    ] == [
        ("TEAPOT-CI", 4, 0, 4),
        ("EARLGREY-250", 0, 10, 0),
    ]
    assert order.total == Decimal("200.50")  # 4 x 32.00 + 10 x 7.25, net
    invoice = example.book.invoices["INV-2001"]
    assert (invoice.net, invoice.tax, invoice.gross) == (
        Decimal("128.00"),
        Decimal("25.60"),
        Decimal("153.60"),
    )
    assert str(invoice.due) == "2025-04-09"  # 2025-03-10 + 30 days' terms
    assert invoice.open_amount == Decimal("53.60")  # 153.60 - 100.00 allocated
    assert order.cost == Decimal("56.00")  # 4 teapots at 14.00


def test_example_cancelled_order(example: Loaded) -> None:
    order = example.book.orders["SO-1006"]
    assert order.cancelled
    assert not order.is_open
    assert example.book.transactions_for("SO-1006") == []


def test_example_customer_balances(example: Loaded) -> None:
    """Each customer's receivable in the book equals its account's balance."""
    expected = {
        "bramble": ("Assets:Receivable:Bramble", "53.60"),  # 153.60 - 100.00 allocated
        # 115.20 - 120.00 - 12.00 (credit order) + 16.80 (refunded) = 0
        "hartley": ("Assets:Receivable:Hartley", "0.00"),
        # 412.50 - 410.00 - 2.50 (memo) + 97.50 - 30.00 (from credit) = 67.50
        "north-street-deli": ("Assets:Receivable:NorthStreetDeli", "67.50"),
        "web": ("Assets:Receivable:Web", "-51.40"),  # paid ahead of any invoice
        # 41.40 - 41.40 + 13.00 - 4.00 (points) - 9.00 = 0
        "joan": ("Assets:Receivable:Joan", "0.00"),
        # 122.60 - 120.15 paid in the window - 2.45 early-payment discount = 0
        "kettle-yard": ("Assets:Receivable:Kettle-yard", "0.00"),
    }
    # The customer abroad: 161.60 EUR invoiced, 80.00 + 60.00 EUR paid, the rest
    # a lot of the invoice at its rate.
    assert example.book.customers["kaffeehaus"].receivable["EUR"] == Decimal("21.60")
    assert example.balances()["Assets:Receivable:Kaffeehaus"] == (
        '21.60 EUR {0.8397 GBP, 2025-03-05, "INV-2009"}'
    )
    assert sorted(example.book.customers) == sorted([*expected, "kaffeehaus"])
    balances = example.balances()
    for customer_id, (account, amount) in expected.items():
        customer = example.book.customers[customer_id]
        assert customer.receivable["GBP"] == Decimal(amount), customer_id
        assert customer.balance("GBP") == Decimal(amount), customer_id
        if Decimal(amount):
            assert balances[account] == f"{amount} GBP"
        else:
            assert account not in balances
    # The deli's credit: 47.00 credited, 30.00 spent, 17.00 refunded.
    assert example.book.customers["north-street-deli"].credit["GBP"] == Decimal("0.00")


def test_example_account_balances(example: Loaded) -> None:
    balances = example.balances()
    # 2500.00 - 140.00 + 120.00 + 410.00 + 100.00 - 92.16 (pottery, VAT included)
    # - 312.00 (PO-301's bill) - 16.80 - 17.00
    assert balances["Assets:Bank:Current"] == "2552.04 GBP"
    # 51.40 + 41.40 + 9.00 + 120.15 (Kettle Yard, inside the discount window)
    assert balances["Assets:Clearing:Card"] == "221.95 GBP"
    # 128.00 teapots (bramble) + 96.00 mugs (hartley) + 32.00 teapot (joan)
    # + 48.00 mugs (kettle-yard) + 57.10 teapots (kaffeehaus: 68.00 EUR at 0.8397)
    assert balances["Income:Sales"] == "-361.10 GBP"
    # 412.50 + 97.50 + 13.00 + 65.00 (kettle-yard) + 78.60 (93.60 EUR at 0.8397)
    assert balances["Income:Sales:Tea"] == "-666.60 GBP"
    assert balances["Income:Sales:Services"] == "-2.50 GBP"  # the gift wrapping
    # 25.60 + 19.20 + 6.90 - 2.00 given back by CO-0001 + 9.60 (kettle-yard's mugs)
    assert balances["Liabilities:SalesTax"] == "-59.30 GBP"
    assert balances["Expenses:Sales:Discounts"] == "2.45 GBP"  # 2 % of 122.60
    # INV-2009: +0.00448 conversion, -0.464 gain (80.00 EUR at 0.8455 against
    # 0.8397), +0.212 loss (60.00 EUR at 0.8361, 50.17 GBP, against 50.382)
    assert balances["Income:FX"] == "-0.24752 GBP"
    assert balances["Assets:Bank:EUR"] == "140.00 EUR"
    assert balances["Income:Sales:Returns"] == "10.00 GBP"  # CO-0001: 8.00 + 2.00
    assert balances["Income:Sales:Credits"] == "47.00 GBP"  # CR-0001
    assert balances["Expenses:CreditMemos"] == "2.50 GBP"  # M-0001
    # 56.00 + 195.00 + 38.40 + 14.00 + 49.20 + 6.20 - 15.50 - 3.20
    assert balances["Expenses:COGS"] == "340.10 GBP"
    # PO-301's bill (260.00 + 52.00 VAT) paid; PO-303's stock-in (136.00) and
    # PO-304's bill (12 x 3.55 = 42.60 + 8.52 VAT) owed.
    assert balances["Liabilities:Payable:Northern-Leaf-Tea"] == "-187.12 GBP"
    assert "Liabilities:Payable:Moorside-Pottery" not in balances  # 92.16 paid
    assert balances["Liabilities:Payable:Dales"] == "-5.76 GBP"  # 4.80 + 0.96 VAT
    assert "Liabilities:GRNI" not in balances  # every unit received is billed
    # 52.00 (PO-301) + 15.36 (PO-302) + 8.52 (PO-304) + 0.96 (freight)
    assert balances["Assets:InputTax"] == "76.84 GBP"
    assert "Liabilities:CustomerCredit:NorthStreetDeli" not in balances  # spent
    assert balances["Expenses:Loyalty:Discounts"] == "4.00 GBP"  # 80 LEAF at 0.05
    assert balances["Liabilities:Loyalty:LEAF"] == "-20 LEAF"
    assert balances["Expenses:Loyalty:PointsDistributed"] == "20 LEAF"


# (item, location): (on hand, committed, value)
EXPECTED_STOCK = {
    # 40 - 30 - 4 - 6 + 5 of PO-301 at 3.10, 40 - 9 of NLT-2503 at 3.40
    ("ASSAM-250", "Main"): ("36", "20", "120.90"),
    # 40 - 30 at 3.40, and PO-304's 12 at 3.55 billed + 0.40 freight each
    ("EARLGREY-250", "Main"): ("22", "0", "81.40"),
    ("MUG-STONE", "Main"): ("26", "12", "41.60"),  # 48 - 24 + 2 at 1.60
    ("TEAPOT-CI", "Main"): ("4", "0", "56.00"),  # 10 - 2 - 4 at 14.00
    ("ASSAM-250", "Shop"): ("2", "0", "6.20"),  # 4 - 2 at 3.10
    ("TEAPOT-CI", "Shop"): ("1", "0", "14.00"),  # 2 - 1 at 14.00
}


def test_example_stock(example: Loaded) -> None:
    totals = {
        (row.item, row.location): (row.on_hand, row.committed, row.value)
        for row in example.book.stock_positions()
        if row.batch is None
    }
    assert totals == {
        key: tuple(Decimal(figure) for figure in figures)
        for key, figures in EXPECTED_STOCK.items()
    }
    # What the goods cost = stock at cost + cost of goods sold: the receipts,
    # the stock-in, the teapots, PO-304's bill (42.60) and its freight (4.80).
    received = Decimal("124.00") + Decimal("136.00") + Decimal("76.80")
    received += Decimal("136.00") + Decimal("140.00")  # PO-303, the teapots
    received += Decimal("42.60") + Decimal("4.80")
    in_stock = sum((Decimal(value) for *_, value in EXPECTED_STOCK.values()), Decimal(0))
    assert in_stock == Decimal("320.10")
    assert received == in_stock + Decimal("340.10")


def test_example_fifo_across_lots(example: Loaded) -> None:
    """SO-1008: the last 6 of the older lot, then 9 of the newer, dearer one."""
    (dispatch,) = [d for d in example.book.dispatches if d.order == "SO-1008"]
    (line,) = dispatch.lines
    assert line.lots == [
        (Cost(Decimal("3.10"), "GBP", datetime.date(2025, 3, 1), "PO-301"), Decimal(6)),
        (Cost(Decimal("3.40"), "GBP", datetime.date(2025, 3, 14), "NLT-2503"), Decimal(9)),
    ]
    assert dispatch.cost == Decimal("49.20")


def test_example_transfer_keeps_the_lots(example: Loaded) -> None:
    transfers = [
        (t.item, t.qty, t.source, t.target, t.lots) for t in example.book.transfers
    ]
    assert transfers == [
        (
            "TEAPOT-CI",
            Decimal(2),
            "Main",
            "Shop",
            [(Cost(Decimal("14.00"), "GBP", datetime.date(2025, 3, 2), "IW-0302"), 2)],
        ),
        (
            "ASSAM-250",
            Decimal(4),
            "Main",
            "Shop",
            [(Cost(Decimal("3.10"), "GBP", datetime.date(2025, 3, 1), "PO-301"), 4)],
        ),
    ]


def test_example_returns(example: Loaded) -> None:
    """The resaleable return comes back at the original 3.10, the damaged one not."""
    returns = example.book.returns
    resaleable, damaged = returns["RMA-0001"], returns["RMA-0002"]
    assert (resaleable.condition, resaleable.qty, resaleable.cost) == (
        "resaleable",
        Decimal(5),
        Decimal("15.50"),
    )
    (lot,) = resaleable.lots
    assert lot[1] == Cost(Decimal("3.10"), "GBP", datetime.date(2025, 3, 1), "PO-301")
    assert (damaged.condition, damaged.lots, damaged.cost) == ("damaged", [], 0)
    lines = {line.item: line for line in example.book.orders["SO-1003"].lines}
    assert lines["ASSAM-250"].cost == Decimal("77.50")  # 30 x 3.10 - 5 x 3.10
    assert lines["EARLGREY-250"].cost == Decimal("102.00")  # the damaged stay in COGS


def test_example_credit_order(example: Loaded) -> None:
    credit_order = example.book.credit_orders["CO-0001"]
    assert (credit_order.net, credit_order.tax, credit_order.gross) == (
        Decimal("10.00"),
        Decimal("2.00"),
        Decimal("12.00"),
    )
    assert [(line.type, line.qty, line.net, line.cost) for line in credit_order.lines] == [
        ("return", 2, Decimal("8.00"), Decimal("3.20")),
        ("credit", 1, Decimal("2.00"), 0),
    ]


def test_example_non_stock_item(example: Loaded) -> None:
    """The gift wrapping is invoiced but never dispatched; its order still closes."""
    order = example.book.orders["SO-1007"]
    wrapping = next(line for line in order.lines if line.item == "GIFTWRAP")
    assert (wrapping.stocked, wrapping.invoiced, wrapping.dispatched) == (False, 1, 0)
    assert order.dispatched_status is Status.FULL
    assert not order.is_open
    assert "GIFTWRAP" not in {row.item for row in example.book.stock_positions()}


def test_example_payments_and_allocation(example: Loaded) -> None:
    payments = example.book.payments
    on_account = payments["BACS-0325"]
    assert (on_account.ref_kind, on_account.order, on_account.invoice) == (
        "customer",
        None,
        None,
    )
    # Allocated to INV-2001 by the allocate directive.
    assert (on_account.allocated, on_account.unallocated) == (Decimal("100.00"), 0)
    overpaid = payments["BACS-0319"]
    # The 4.80 beyond the invoice was refunded with the credit order's 12.00: it
    # is no longer there to allocate.
    assert (overpaid.allocated, overpaid.refunded, overpaid.unallocated) == (
        Decimal("115.20"),
        Decimal("4.80"),
        Decimal("0.00"),
    )


def test_example_loyalty(example: Loaded) -> None:
    """Joan: 50 welcome + 41 earned - 80 redeemed + 9 earned = 20 LEAF."""
    book = example.book
    assert book.points("joan", "LEAF") == Decimal(20)
    assert [
        (parcel.source.partition(":")[0], parcel.points, parcel.remaining, parcel.expires)
        for parcel in book.wallets[("joan", "LEAF")].parcels
    ] == [  # the adjustment's source is "adjustment:FILE:LINE"
        ("INV-2004", 41, 0, datetime.date(2026, 3, 15)),
        ("adjustment", 50, 11, datetime.date(2026, 3, 15)),
        ("INV-2006", 9, 9, datetime.date(2026, 3, 22)),
    ]
    assert book.invoices["INV-2004"].points_earned == 41  # floor(41.40)
    assert book.invoices["INV-2006"].points_earned == 9  # floor(13.00 - 4.00)
