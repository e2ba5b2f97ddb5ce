"""Loyalty programs: points as their own commodity (SPEC "Loyalty postings").

Every ledger sets the config key ``today`` so that expiries, which are posted
only up to today, give the same books on every run.

Line numbers in the ledgers count from the line after the opening quotes: the
``plugin`` line is line 2.
"""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from beancount.core import data

from beancount_orders.book import Status
from tests.helpers import Loaded
from tests.helpers import dedent
from tests.helpers import ledger
from tests.helpers import load


def total(loaded: Loaded, account: str, currency: str, link: str | None = None) -> D:
    """The sum of the postings to ``account`` in ``currency`` (0 when none); with
    ``link``, only those of transactions carrying that link."""
    amount = D(0)
    for entry in loaded.entries:
        if not isinstance(entry, data.Transaction):
            continue
        if link is not None and link not in entry.links:
            continue
        for posting in entry.postings:
            if posting.account == account and posting.units.currency == currency:
                amount += posting.units.number
    return amount


def assert_liability_is_customers_points(loaded: Loaded) -> None:
    """Each program's liability account holds minus the sum of its customers' points."""
    book = loaded.book
    assert book.programs
    for symbol, program in book.programs.items():
        points = sum((book.points(c, symbol) for c in book.customers), D(0))
        assert total(loaded, program.liability, symbol) == -points
        assert book.program_outstanding(symbol)[0] == points


def parcels(loaded: Loaded, customer: str, program: str) -> list[tuple]:
    """(date, points, expires, source, remaining, expired) of each parcel."""
    wallet = loaded.book.wallets[(customer, program)]
    return [
        (p.date, p.points, p.expires, p.source, p.remaining, p.expired)
        for p in wallet.parcels
    ]


def d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


# -- the Pakk worked example ------------------------------------------------

PAKK_REDEMPTION = dedent("""
    2024-03-01 * "Ann Smith" "Redemption of 100 PKLP on order SO-1" ^SO-1
      order: "SO-1"
      customer: "ann"
      program: "PKLP"
      Liabilities:Loyalty:PKLP               100 PKLP
      Expenses:Loyalty:PointsDistributed    -100 PKLP
      Expenses:Loyalty:Discounts           10.00 GBP
      Assets:Receivable:Ann               -10.00 GBP
""")

PAKK_INVOICE = dedent("""
    2024-03-02 * "Ann Smith" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
      order: "SO-1"
      customer: "ann"
      invoice: "INV-1"
      Assets:Receivable:Ann   50.00 GBP
      Income:Sales           -50.00 GBP
        item: "WIDGET"
""")

PAKK_EARNING = dedent("""
    2024-03-02 * "Ann Smith" "PKLP points earned on invoice INV-1" ^INV-1 ^SO-1
      order: "SO-1"
      customer: "ann"
      invoice: "INV-1"
      program: "PKLP"
      Liabilities:Loyalty:PKLP            -40 PKLP
      Expenses:Loyalty:PointsDistributed   40 PKLP
""")


@ledger()
def test_pakk_worked_example(loaded):
    """
    plugin "beancount_orders.orders" "{'today': '2024-12-31'}"
    2024-01-01 open Assets:Bank:Current
    2024-01-01 custom "loyalty-program" "PKLP"
      value: 0.10 GBP
      name: "Pakk Loyalty Points"
    2024-01-01 custom "customer" "ann" "Ann Smith"
      program: "PKLP"
    2024-02-01 custom "loyalty-adjust" "ann" 100 PKLP
      reason: "opening balance"
    2024-03-01 custom "order" "SO-1" "ann"
    2024-03-01 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
    2024-03-01 custom "redeem" "SO-1" 100 PKLP
    2024-03-02 custom "invoice" "SO-1" "INV-1"
    2024-03-02 custom "payment" "SO-1" 40.00 GBP Assets:Bank:Current
    2024-03-03 balance Assets:Receivable:Ann 0.00 GBP
    2024-03-03 balance Liabilities:Loyalty:PKLP -40 PKLP
    """
    # 50.00 GBP gross, 100 PKLP at 0.10 GBP = 10.00 GBP discount, basis 40.00 GBP:
    # 40 PKLP earned; 40.00 GBP paid settles the rest.
    assert loaded.expand() == "\n".join(
        [
            dedent("""
                2024-02-01 * "Ann Smith" "Loyalty adjustment of 100 PKLP: opening balance" ^ADJUST-20240201-1
                  customer: "ann"
                  program: "PKLP"
                  adjustment: "ADJUST-20240201-1"
                  Liabilities:Loyalty:PKLP            -100 PKLP
                  Expenses:Loyalty:PointsDistributed   100 PKLP
            """),  # noqa: E501
            PAKK_REDEMPTION,
            PAKK_INVOICE,
            PAKK_EARNING,
            dedent("""
                2024-03-02 * "Ann Smith" "Payment for order SO-1 by Assets:Bank:Current" ^SO-1
                  order: "SO-1"
                  customer: "ann"
                  Assets:Bank:Current     40.00 GBP
                  Assets:Receivable:Ann  -40.00 GBP
            """),  # noqa: E501
        ]
    )
    # What the order itself did to each account.
    assert total(loaded, "Income:Sales", "GBP", "SO-1") == D("-50.00")
    assert total(loaded, "Expenses:Loyalty:Discounts", "GBP", "SO-1") == D("10.00")
    # 100 PKLP off the liability and off points distributed, 40 PKLP earned onto both.
    assert total(loaded, "Liabilities:Loyalty:PKLP", "PKLP", "SO-1") == D(100 - 40)
    assert total(loaded, "Expenses:Loyalty:PointsDistributed", "PKLP", "SO-1") == D(
        -100 + 40
    )
    assert total(loaded, "Assets:Receivable:Ann", "GBP", "SO-1") == D("0.00")
    # The whole books: the opening 100 PKLP, all redeemed, and the 40 PKLP earned.
    assert loaded.balances() == {
        "Assets:Bank:Current": "40.00 GBP",
        "Expenses:Loyalty:Discounts": "10.00 GBP",
        "Expenses:Loyalty:PointsDistributed": "40 PKLP",
        "Income:Sales": "-50.00 GBP",
        "Liabilities:Loyalty:PKLP": "-40 PKLP",
    }
    assert total(loaded, "Assets:Receivable:Ann", "GBP") == D("0.00")
    book = loaded.book
    order = book.orders["SO-1"]
    assert order.invoiced == D("50.00")
    assert order.paid == D("40.00")
    assert order.credited == D("10.00")
    assert order.outstanding == D("0.00")
    assert order.paid_status is Status.FULL
    assert book.invoices["INV-1"].open_amount == D("0.00")
    assert book.customers["ann"].balance("GBP") == D("0.00")
    assert book.points("ann", "PKLP") == D(40)
    assert book.program_outstanding("PKLP") == (D(40), data.Amount(D("4.00"), "GBP"))
    assert book.programs["PKLP"].name == "Pakk Loyalty Points"
    assert [
        (e.date, e.kind, e.points, e.value, e.document) for e in book.loyalty_events
    ] == [
        (d("2024-02-01"), "adjusted", D(100), None, None),
        (d("2024-03-01"), "redeemed", D(-100), D("10.00"), "SO-1"),
        (d("2024-03-02"), "earned", D(40), None, "INV-1"),
    ]
    assert_liability_is_customers_points(loaded)


# -- programs: rates, accounts, membership ---------------------------------


@ledger()
def test_earn_and_value_change_from_their_date(loaded):
    """
    plugin "beancount_orders.orders" "{'today': '2024-12-31'}"
    2024-01-01 custom "loyalty-program" "PKLP"
      value: 0.10 GBP
    2024-01-01 custom "customer" "ann" "Ann Smith"
      program: "PKLP"
    2024-03-01 custom "order" "SO-1" "ann"
    2024-03-01 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
    2024-03-01 custom "invoice" "SO-1" "INV-1"
    2024-06-01 custom "order" "SO-2" "ann"
    2024-06-01 custom "line" "SO-2" "WIDGET" 1 25.00 GBP
    2024-06-01 custom "redeem" "SO-2" 40 PKLP
    2024-06-01 custom "invoice" "SO-2" "INV-2"
    2024-06-01 custom "loyalty-program" "PKLP"
      earn: 2
      value: 0.05 GBP
      name: "Pakk Points Plus"
    """
    # Before June: earn 1, so 50.00 GBP earns 50 PKLP. From June 1 (written last,
    # applied by its date): 40 PKLP are worth 2.00 GBP and (25.00 - 2.00) x 2 = 46.
    assert loaded.expand() == dedent("""
        2024-03-01 * "Ann Smith" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "ann"
          invoice: "INV-1"
          Assets:Receivable:Ann   50.00 GBP
          Income:Sales           -50.00 GBP
            item: "WIDGET"

        2024-03-01 * "Ann Smith" "PKLP points earned on invoice INV-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "ann"
          invoice: "INV-1"
          program: "PKLP"
          Liabilities:Loyalty:PKLP            -50 PKLP
          Expenses:Loyalty:PointsDistributed   50 PKLP

        2024-06-01 * "Ann Smith" "Redemption of 40 PKLP on order SO-2" ^SO-2
          order: "SO-2"
          customer: "ann"
          program: "PKLP"
          Liabilities:Loyalty:PKLP               40 PKLP
          Expenses:Loyalty:PointsDistributed    -40 PKLP
          Expenses:Loyalty:Discounts           2.00 GBP
          Assets:Receivable:Ann               -2.00 GBP

        2024-06-01 * "Ann Smith" "Invoice INV-2 for order SO-2" ^INV-2 ^SO-2
          order: "SO-2"
          customer: "ann"
          invoice: "INV-2"
          Assets:Receivable:Ann   25.00 GBP
          Income:Sales           -25.00 GBP
            item: "WIDGET"

        2024-06-01 * "Ann Smith" "PKLP points earned on invoice INV-2" ^INV-2 ^SO-2
          order: "SO-2"
          customer: "ann"
          invoice: "INV-2"
          program: "PKLP"
          Liabilities:Loyalty:PKLP            -46 PKLP
          Expenses:Loyalty:PointsDistributed   46 PKLP
    """)
    book = loaded.book
    program = book.programs["PKLP"]
    assert (program.earn, program.value, program.name) == (
        D(2),
        data.Amount(D("0.05"), "GBP"),
        "Pakk Points Plus",
    )
    # Each state comes with the directive that set it (lines 3 and 14), which is
    # the source of the price entry the plugin writes for the value on that date.
    assert [(*entry[:4], entry[4]["lineno"]) for entry in program.history] == [
        (d("2024-01-01"), D(1), data.Amount(D("0.10"), "GBP"), None, 3),
        (d("2024-06-01"), D(2), data.Amount(D("0.05"), "GBP"), None, 14),
    ]
    prices = [e for e in loaded.generated if isinstance(e, data.Price)]
    assert [(p.date, p.currency, p.amount, p.meta["lineno"]) for p in prices] == [
        (d("2024-01-01"), "PKLP", data.Amount(D("0.10"), "GBP"), 3),
        (d("2024-06-01"), "PKLP", data.Amount(D("0.05"), "GBP"), 14),
    ]
    assert book.points("ann", "PKLP") == D(50 - 40 + 46)
    # Outstanding points are valued at the current value per point.
    assert book.program_outstanding("PKLP") == (D(56), data.Amount(D("2.80"), "GBP"))
    assert loaded.balances()["Assets:Receivable:Ann"] == "73.00 GBP"
    assert_liability_is_customers_points(loaded)


@ledger()
def test_custom_accounts_and_fractional_earn(loaded):
    """
    plugin "beancount_orders.orders" "{'today': '2024-12-31'}"
    2024-01-01 custom "loyalty-program" "CLUB"
      earn: 0.5
      value: 1.00 GBP
      name: "Garden Club"
      liability: "Liabilities:Club:Points"
      expense: "Expenses:Marketing:Club"
      discount: "Expenses:Marketing:ClubDiscounts"
    2024-01-01 custom "customer" "bob" "Bob Jones"
      program: "CLUB"
    2024-03-01 custom "order" "SO-1" "bob"
    2024-03-01 custom "line" "SO-1" "WIDGET" 3 25.00 GBP
    2024-03-01 custom "invoice" "SO-1" "INV-1"
    2024-03-05 custom "order" "SO-2" "bob"
    2024-03-05 custom "line" "SO-2" "WIDGET" 1 25.00 GBP
    2024-03-05 custom "redeem" "SO-2" 10 CLUB
    2024-03-06 custom "invoice" "SO-2" "INV-2"
    """
    # floor(75.00 x 0.5) = 37; then 10 CLUB at 1.00 GBP, floor((25.00 - 10.00) x 0.5) = 7.
    text = loaded.expand(opens=True)
    assert (
        dedent("""
        2024-03-01 * "Bob Jones" "CLUB points earned on invoice INV-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "bob"
          invoice: "INV-1"
          program: "CLUB"
          Liabilities:Club:Points  -37 CLUB
          Expenses:Marketing:Club   37 CLUB
    """)
        in text
    )
    assert (
        dedent("""
        2024-03-05 * "Bob Jones" "Redemption of 10 CLUB on order SO-2" ^SO-2
          order: "SO-2"
          customer: "bob"
          program: "CLUB"
          Liabilities:Club:Points               10 CLUB
          Expenses:Marketing:Club              -10 CLUB
          Expenses:Marketing:ClubDiscounts   10.00 GBP
          Assets:Receivable:Bob             -10.00 GBP
    """)
        in text
    )
    assert (
        dedent("""
        2024-03-06 * "Bob Jones" "CLUB points earned on invoice INV-2" ^INV-2 ^SO-2
          order: "SO-2"
          customer: "bob"
          invoice: "INV-2"
          program: "CLUB"
          Liabilities:Club:Points  -7 CLUB
          Expenses:Marketing:Club   7 CLUB
    """)
        in text
    )
    # The plugin opens the program's own accounts, and never the defaults.
    for account in (
        "Liabilities:Club:Points",
        "Expenses:Marketing:Club",
        "Expenses:Marketing:ClubDiscounts",
    ):
        assert f" open {account}\n" in text
    assert "Loyalty" not in text
    assert loaded.balances() == {
        "Assets:Receivable:Bob": "90.00 GBP",
        "Expenses:Marketing:Club": "34 CLUB",
        "Expenses:Marketing:ClubDiscounts": "10.00 GBP",
        "Income:Sales": "-100.00 GBP",
        "Liabilities:Club:Points": "-34 CLUB",
    }
    assert loaded.book.points("bob", "CLUB") == D(37 - 10 + 7)
    assert loaded.book.program_outstanding("CLUB") == (
        D(34),
        data.Amount(D("34.00"), "GBP"),
    )
    assert_liability_is_customers_points(loaded)


@ledger()
def test_program_on_the_order_overrides_the_customers(loaded):
    """
    plugin "beancount_orders.orders" "{'today': '2024-12-31'}"
    2024-01-01 custom "loyalty-program" "PKLP"
      value: 0.10 GBP
    2024-01-01 custom "loyalty-program" "CLUB"
      earn: 2
      value: 0.01 GBP
    2024-01-01 custom "customer" "ann" "Ann Smith"
      program: "PKLP"
    2024-01-01 custom "customer" "bob" "Bob Jones"
    2024-03-01 custom "order" "SO-1" "ann"
      program: "CLUB"
    2024-03-01 custom "line" "SO-1" "WIDGET" 1 30.00 GBP
    2024-03-01 custom "invoice" "SO-1" "INV-1"
    2024-03-02 custom "order" "SO-2" "ann"
    2024-03-02 custom "line" "SO-2" "WIDGET" 1 20.00 GBP
    2024-03-02 custom "invoice" "SO-2" "INV-2"
    2024-03-03 custom "order" "SO-3" "bob"
      program: "CLUB"
    2024-03-03 custom "line" "SO-3" "WIDGET" 1 10.00 GBP
    2024-03-03 custom "invoice" "SO-3" "INV-3"
    2024-03-04 custom "order" "SO-4" "bob"
    2024-03-04 custom "line" "SO-4" "WIDGET" 1 10.00 GBP
    2024-03-04 custom "invoice" "SO-4" "INV-4"
    2024-03-05 custom "order" "SO-5" "ann"
      program: "CLUB"
    2024-03-05 custom "line" "SO-5" "WIDGET" 1 10.00 GBP
    2024-03-05 custom "redeem" "SO-5" 60 CLUB
    """
    book = loaded.book
    # SO-1 earns CLUB (the order's), SO-2 PKLP (Ann's), SO-3 CLUB (Bob joins through
    # the order), SO-4 nothing (Bob is in no program).
    assert [
        (t.date, t.narration) for t in loaded.transactions if "points" in t.narration
    ] == [
        (d("2024-03-01"), "CLUB points earned on invoice INV-1"),
        (d("2024-03-02"), "PKLP points earned on invoice INV-2"),
        (d("2024-03-03"), "CLUB points earned on invoice INV-3"),
    ]
    assert book.invoices["INV-1"].program == "CLUB"
    assert book.invoices["INV-2"].program == "PKLP"
    assert book.invoices["INV-4"].program is None
    # The redemption on SO-5 is in the order's program: 60 of Ann's 60 CLUB.
    assert book.points("ann", "CLUB") == D(60 - 60)
    assert book.points("ann", "PKLP") == D(20)
    assert book.points("bob", "CLUB") == D(20)
    assert book.points("bob", "PKLP") == D(0)
    assert loaded.balances()["Liabilities:Loyalty:CLUB"] == "-20 CLUB"
    assert loaded.balances()["Expenses:Loyalty:Discounts"] == "0.60 GBP"
    assert_liability_is_customers_points(loaded)


@ledger()
def test_restating_the_same_accounts_is_allowed(loaded):
    """
    plugin "beancount_orders.orders" "{'today': '2024-12-31'}"
    2024-01-01 custom "loyalty-program" "PKLP"
      value: 0.10 GBP
    2024-01-01 custom "customer" "ann" "Ann Smith"
      program: "PKLP"
    2024-02-01 custom "loyalty-adjust" "ann" 10 PKLP
    2024-03-01 custom "loyalty-program" "PKLP"
      liability: "Liabilities:Loyalty:PKLP"
      expense: "Expenses:Loyalty:PointsDistributed"
      discount: "Expenses:Loyalty:Discounts"
      earn: 3
    """
    assert loaded.book.programs["PKLP"].earn == D(3)


# -- errors -----------------------------------------------------------------


@ledger(expect_errors=True)
def test_loyalty_errors(loaded):
    """
    plugin "beancount_orders.orders" "{'today': '2024-12-31'}"
    2024-01-01 custom "loyalty-program" "PKLP"
      value: 0.10 GBP
    2024-01-01 custom "loyalty-program" "NOVL"
    2024-01-01 custom "customer" "ann" "Ann Smith"
      program: "PKLP"
    2024-01-01 custom "customer" "bob" "Bob Jones"
    2024-01-01 custom "customer" "cy" "Cy Twombly"
      program: "NOVL"
    2024-02-01 custom "loyalty-adjust" "ann" 100 PKLP
    2024-02-01 custom "loyalty-adjust" "cy" 100 NOVL
    2024-03-01 custom "order" "SO-1" "ann"
    2024-03-01 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
    2024-03-01 custom "redeem" "SO-1" 101 PKLP
    2024-03-01 custom "redeem" "SO-1" 10 NOVL
    2024-03-01 custom "order" "SO-2" "bob"
    2024-03-01 custom "line" "SO-2" "WIDGET" 2 25.00 GBP
    2024-03-01 custom "redeem" "SO-2" 10 PKLP
    2024-03-01 custom "order" "SO-3" "cy"
    2024-03-01 custom "line" "SO-3" "WIDGET" 2 25.00 GBP
    2024-03-01 custom "redeem" "SO-3" 10 NOVL
    2024-04-02 custom "loyalty-adjust" "ann" -101 PKLP
      reason: "typo"
    2024-04-02 custom "loyalty-adjust" "ann" 0 PKLP
    2024-04-02 custom "loyalty-adjust" "ann" 5 XXXX
    2024-04-02 custom "redeem" "SO-1" 0 PKLP
    """
    assert loaded.messages == [
        (15, 'Redemption of 101 PKLP on order "SO-1": customer "ann" has only 100 PKLP'),
        (16, 'Redemption of 10 NOVL on order "SO-1": the order\'s loyalty program is PKLP'),
        (
            19,
            'Redemption of 10 PKLP on order "SO-2": customer "bob" is in no loyalty '
            "program (program metadata on the customer or the order)",
        ),
        (
            22,
            'Redemption of 10 NOVL on order "SO-3": program NOVL has no value per point '
            "(value metadata such as 0.10 GBP)",
        ),
        (
            23,
            'Loyalty adjustment of -101 PKLP for customer "ann": customer "ann" has only '
            "100 PKLP",
        ),
        (25, 'Loyalty adjustment of 0 PKLP for customer "ann": points must not be zero'),
        (
            26,
            'Loyalty adjustment of 5 XXXX for customer "ann": '
            "XXXX is not a loyalty program",
        ),
        (27, 'Redemption of 0 PKLP on order "SO-1": points must be greater than zero'),
    ]
    book = loaded.book
    # Nothing of the rejected directives applied.
    assert book.points("ann", "PKLP") == D(100)
    assert book.points("cy", "NOVL") == D(100)
    assert not [t for t in loaded.transactions if "Redemption" in t.narration]
    assert all(order.credited == 0 for order in book.orders.values())
    assert "Expenses:Loyalty:Discounts" not in loaded.balances()
    assert_liability_is_customers_points(loaded)


@ledger(expect_errors=True)
def test_a_used_symbol_cannot_be_re_pointed(loaded):
    """
    plugin "beancount_orders.orders" "{'today': '2024-12-31'}"
    2024-01-01 custom "loyalty-program" "PKLP"
      value: 0.10 GBP
    2024-01-01 custom "customer" "ann" "Ann Smith"
      program: "PKLP"
    2024-02-01 custom "loyalty-adjust" "ann" 100 PKLP
    2024-04-01 custom "loyalty-program" "PKLP"
      earn: 5
      liability: "Liabilities:Points"
    2024-04-02 custom "loyalty-program" "PKLP"
      discount: "Expenses:Marketing:Discounts"
    2024-05-01 custom "loyalty-adjust" "ann" 10 PKLP
    """
    assert loaded.messages == [
        (
            8,
            "Loyalty program PKLP already posts its liability to Liabilities:Loyalty:PKLP; "
            "a symbol, once used, can never be re-pointed at other accounts "
            "(got Liabilities:Points)",
        ),
        (
            11,
            "Loyalty program PKLP already posts its discount to "
            "Expenses:Loyalty:Discounts; "
            "a symbol, once used, can never be re-pointed at other accounts "
            "(got Expenses:Marketing:Discounts)",
        ),
    ]
    program = loaded.book.programs["PKLP"]
    # The rejected directive changed nothing, not even its earn rate.
    assert (program.liability, program.discount, program.earn) == (
        "Liabilities:Loyalty:PKLP",
        "Expenses:Loyalty:Discounts",
        D(1),
    )
    assert loaded.balances()["Liabilities:Loyalty:PKLP"] == "-110 PKLP"
    assert "Liabilities:Points" not in loaded.balances()


@ledger(expect_errors=True)
def test_a_program_symbol_cannot_be_an_item_sold(loaded):
    """
    plugin "beancount_orders.orders" "{'today': '2024-12-31'}"
    2024-01-01 commodity BOOK
      income: "Income:Sales:Books"
    2024-01-01 custom "loyalty-program" "BOOK"
      value: 0.10 GBP
    """
    assert loaded.messages == [
        (5, "Loyalty program BOOK: BOOK is already an item sold on orders"),
    ]
    assert loaded.book.programs == {}


@ledger(expect_errors=True)
def test_an_order_naming_an_unknown_program_earns_nothing(loaded):
    """
    plugin "beancount_orders.orders" "{'today': '2024-12-31'}"
    2024-01-01 custom "customer" "ann" "Ann Smith"
    2024-03-01 custom "order" "SO-1" "ann"
      program: "GONE"
    2024-03-01 custom "line" "SO-1" "WIDGET" 1 25.00 GBP
    2024-03-02 custom "invoice" "SO-1" "INV-1"
    """
    assert loaded.messages == [
        (
            7,
            'Invoice "INV-1": Loyalty program "GONE" of order "SO-1" is not defined '
            '(custom "loyalty-program" "GONE"); no points earned',
        ),
    ]
    # The invoice itself still posts.
    assert [t.narration for t in loaded.transactions] == ["Invoice INV-1 for order SO-1"]


# -- earning basis and redemptions -----------------------------------------


@ledger()
def test_redemption_after_the_invoice_does_not_reduce_its_basis(loaded):
    """
    plugin "beancount_orders.orders" "{'today': '2024-12-31'}"
    2024-01-01 custom "loyalty-program" "PKLP"
      value: 0.10 GBP
    2024-01-01 custom "customer" "ann" "Ann Smith"
      program: "PKLP"
    2024-02-01 custom "loyalty-adjust" "ann" 300 PKLP
    2024-03-03 custom "redeem" "SO-1" 100 PKLP
    2024-03-01 custom "order" "SO-1" "ann"
    2024-03-01 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
    2024-03-02 custom "invoice" "SO-1" "INV-1"
    """
    # Written before the invoice, dated after it: the dates decide. INV-1 earns on
    # its whole 50.00 GBP; the 100 PKLP (10.00 GBP) then settle part of it.
    assert [t.narration for t in loaded.transactions] == [
        "Loyalty adjustment of 300 PKLP",
        "Invoice INV-1 for order SO-1",
        "PKLP points earned on invoice INV-1",
        "Redemption of 100 PKLP on order SO-1",
    ]
    book = loaded.book
    invoice = book.invoices["INV-1"]
    assert invoice.points_earned == D(50)
    assert invoice.open_amount == D("40.00")
    assert book.orders["SO-1"].outstanding == D("40.00")
    assert book.points("ann", "PKLP") == D(300 + 50 - 100)
    assert_liability_is_customers_points(loaded)


@ledger()
def test_redemption_between_invoices_lowers_the_next_invoices_basis(loaded):
    """
    plugin "beancount_orders.orders" "{'today': '2024-12-31'}"
    2024-01-01 custom "loyalty-program" "PKLP"
      value: 0.10 GBP
    2024-01-01 custom "customer" "ann" "Ann Smith"
      program: "PKLP"
    2024-02-01 custom "loyalty-adjust" "ann" 300 PKLP
    2024-03-01 custom "order" "SO-1" "ann"
    2024-03-01 custom "line" "SO-1" "WIDGET" 3 25.00 GBP
    2024-03-03 custom "redeem" "SO-1" 100 PKLP
    2024-03-05 custom "invoice" "SO-1" "INV-2" "WIDGET" 1
    2024-03-05 custom "redeem" "SO-1" 50 PKLP
    2024-03-02 custom "invoice" "SO-1" "INV-1" "WIDGET" 1
    2024-03-08 custom "invoice" "SO-1" "INV-3" "WIDGET" 1
    """
    # INV-1 (2024-03-02) comes before any redemption: 25 PKLP. The 100 PKLP of
    # 2024-03-03 (10.00 GBP) and the 50 PKLP dated on INV-2's own day (5.00 GBP),
    # written after it, were set against no earlier invoice's basis: INV-2 earns
    # 25.00 - 15.00 = 10 PKLP. INV-3 has nothing left to lower it: 25 PKLP.
    earned = [
        (t.date, t.postings[0].units)
        for t in loaded.transactions
        if t.narration.startswith("PKLP points earned")
    ]
    assert earned == [
        (d("2024-03-02"), data.Amount(D(-25), "PKLP")),
        (d("2024-03-05"), data.Amount(D(-10), "PKLP")),
        (d("2024-03-08"), data.Amount(D(-25), "PKLP")),
    ]
    book = loaded.book
    assert [book.invoices[i].points_earned for i in ("INV-1", "INV-2", "INV-3")] == [
        D(25),
        D(10),
        D(25),
    ]
    assert book.orders["SO-1"].outstanding == D("60.00")
    assert book.points("ann", "PKLP") == D(300 - 150 + 25 + 10 + 25)
    assert_liability_is_customers_points(loaded)


@ledger()
def test_redemption_before_invoicing_settles_when_invoiced(loaded):
    """
    plugin "beancount_orders.orders" "{'today': '2024-12-31'}"
    2024-01-01 custom "loyalty-program" "PKLP"
      value: 0.10 GBP
    2024-01-01 custom "customer" "ann" "Ann Smith"
      program: "PKLP"
    2024-02-01 custom "loyalty-adjust" "ann" 300 PKLP
    2024-03-01 custom "order" "SO-1" "ann"
    2024-03-01 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
    2024-03-01 custom "redeem" "SO-1" 300 PKLP
    2024-03-02 custom "invoice" "SO-1" "INV-1" "WIDGET" 1
    2024-03-05 custom "invoice" "SO-1" "INV-2" "WIDGET" 1
    """
    # 300 PKLP = 30.00 GBP, waiting for invoices. INV-1 (25.00) takes 25.00 of it:
    # basis 0, nothing earned. INV-2 takes the other 5.00: basis 20.00, 20 PKLP.
    assert [t.narration for t in loaded.transactions] == [
        "Loyalty adjustment of 300 PKLP",
        "Redemption of 300 PKLP on order SO-1",
        "Invoice INV-1 for order SO-1",
        "Invoice INV-2 for order SO-1",
        "PKLP points earned on invoice INV-2",
    ]
    book = loaded.book
    inv_1, inv_2 = book.invoices["INV-1"], book.invoices["INV-2"]
    assert (inv_1.points_earned, inv_1.redeemed_points, inv_1.redeemed_value) == (
        D(0),
        D(250),
        D("25.00"),
    )
    assert (inv_2.points_earned, inv_2.redeemed_points, inv_2.redeemed_value) == (
        D(20),
        D(50),
        D("5.00"),
    )
    (redemption,) = (s for s in book.settlements.values() if s.kind == "redemption")
    assert redemption.amount == D("30.00")
    assert [(a.invoice, a.amount) for a in redemption.allocations] == [
        ("INV-1", D("25.00")),
        ("INV-2", D("5.00")),
    ]
    assert redemption.unallocated == D(0)
    assert (inv_1.open_amount, inv_2.open_amount) == (D("0.00"), D("20.00"))
    assert book.orders["SO-1"].outstanding == D("20.00")
    assert book.orders["SO-1"].redemptions_unapplied == ()
    assert loaded.balances()["Assets:Receivable:Ann"] == "20.00 GBP"
    assert book.points("ann", "PKLP") == D(20)
    assert_liability_is_customers_points(loaded)


# -- expiry -----------------------------------------------------------------


@ledger()
def test_expiry_of_a_partly_redeemed_parcel(loaded):
    """
    plugin "beancount_orders.orders" "{'today': '2024-12-31'}"
    2024-01-01 custom "loyalty-program" "PKLP"
      value: 0.10 GBP
      expiry: 30
    2024-01-01 custom "customer" "ann" "Ann Smith"
      program: "PKLP"
    2024-03-01 custom "order" "SO-1" "ann"
    2024-03-01 custom "line" "SO-1" "WIDGET" 1 100.00 GBP
    2024-03-01 custom "invoice" "SO-1" "INV-1"
    2024-03-10 custom "order" "SO-2" "ann"
    2024-03-10 custom "line" "SO-2" "WIDGET" 1 10.00 GBP
    2024-03-10 custom "redeem" "SO-2" 60 PKLP
    """
    # 100 PKLP earned 2024-03-01 expire 30 days later, 2024-03-31: 40 are left.
    assert loaded.transactions[-1].date == d("2024-03-31")
    assert loaded.expand().endswith(
        "\n"
        + dedent("""
        2024-03-31 * "Ann Smith" "Expiry of 40 PKLP earned 2024-03-01 on invoice INV-1" ^INV-1
          customer: "ann"
          program: "PKLP"
          invoice: "INV-1"
          Liabilities:Loyalty:PKLP             40 PKLP
          Expenses:Loyalty:PointsDistributed  -40 PKLP
    """)  # noqa: E501
    )
    assert parcels(loaded, "ann", "PKLP") == [
        (d("2024-03-01"), D(100), d("2024-03-31"), "INV-1", D(0), D(40)),
    ]
    events = [(e.date, e.kind, e.points, e.document) for e in loaded.book.loyalty_events]
    assert events[-1] == (d("2024-03-31"), "expired", D(-40), "INV-1")
    assert total(loaded, "Liabilities:Loyalty:PKLP", "PKLP") == D(0)
    assert loaded.book.points("ann", "PKLP") == D(0)
    assert_liability_is_customers_points(loaded)


EXPIRY_LEDGER = """
plugin "beancount_orders.orders" "{'today': 'TODAY'}"
2024-01-01 custom "loyalty-program" "PKLP"
  value: 0.10 GBP
  expiry: 30
2024-01-01 custom "customer" "ann" "Ann Smith"
  program: "PKLP"
2024-03-01 custom "loyalty-adjust" "ann" 100 PKLP
"""


@pytest.mark.parametrize(
    ("today", "points", "expiries"),
    [
        ("2024-03-30", D(100), []),
        ("2024-03-31", D(0), [d("2024-03-31")]),
        ("2025-01-01", D(0), [d("2024-03-31")]),
    ],
)
def test_expiry_is_posted_only_up_to_today(today, points, expiries):
    # A parcel added on 2024-03-01 with expiry: 30 expires on 2024-03-31.
    loaded = load(EXPIRY_LEDGER.replace("TODAY", today))
    assert loaded.errors == []
    assert loaded.book.today == d(today)
    assert [t.date for t in loaded.transactions if "Expiry" in t.narration] == expiries
    assert loaded.book.points("ann", "PKLP") == points
    assert loaded.book.program_outstanding("PKLP") == (
        points,
        data.Amount(points * D("0.10"), "GBP"),
    )
    (parcel,) = loaded.book.wallets[("ann", "PKLP")].parcels
    assert parcel.expires == d("2024-03-31")
    assert total(loaded, "Liabilities:Loyalty:PKLP", "PKLP") == -points


@ledger(expect_errors=True)
def test_points_are_no_longer_usable_on_their_expiry_date(loaded):
    """
    plugin "beancount_orders.orders" "{'today': '2024-12-31'}"
    2024-01-01 custom "loyalty-program" "PKLP"
      value: 0.10 GBP
      expiry: 30
    2024-01-01 custom "customer" "ann" "Ann Smith"
      program: "PKLP"
    2024-03-01 custom "loyalty-adjust" "ann" 100 PKLP
    2024-03-02 custom "loyalty-adjust" "ann" 10 PKLP
    2024-03-25 custom "order" "SO-1" "ann"
    2024-03-25 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
    2024-03-30 custom "redeem" "SO-1" 5 PKLP
    2024-03-31 custom "redeem" "SO-1" 20 PKLP
    """
    # On 2024-03-30 the first parcel still holds 100; on 2024-03-31 the 95 left
    # have expired and only the 10 added on 2024-03-02 remain.
    assert loaded.messages == [
        (
            13,
            'Redemption of 20 PKLP on order "SO-1": customer "ann" has only 10 PKLP '
            "(95 PKLP of theirs expired, the last on 2024-03-31)",
        ),
    ]
    assert [t.narration for t in loaded.transactions if t.date >= d("2024-03-30")] == [
        "Redemption of 5 PKLP on order SO-1",
        "Expiry of 95 PKLP earned 2024-03-01",
        "Expiry of 10 PKLP earned 2024-03-02",
    ]
    assert loaded.transactions[-1].date == d("2024-04-01")
    assert loaded.book.points("ann", "PKLP") == D(0)


@ledger()
def test_soonest_expiring_parcel_is_redeemed_first(loaded):
    """
    plugin "beancount_orders.orders" "{'today': '2024-04-30'}"
    2024-01-01 custom "loyalty-program" "PKLP"
      value: 0.10 GBP
      expiry: 365
    2024-02-01 custom "loyalty-program" "PKLP"
      expiry: 30
    2024-01-01 custom "customer" "ann" "Ann Smith"
      program: "PKLP"
    2024-01-10 custom "order" "SO-1" "ann"
    2024-01-10 custom "line" "SO-1" "WIDGET" 1 100.00 GBP
    2024-01-10 custom "invoice" "SO-1" "INV-1"
    2024-02-10 custom "loyalty-adjust" "ann" 50 PKLP
      reason: "apology"
    2024-03-01 custom "order" "SO-2" "ann"
    2024-03-01 custom "line" "SO-2" "WIDGET" 1 100.00 GBP
    2024-03-01 custom "redeem" "SO-2" 30 PKLP
    2024-03-05 custom "order" "SO-3" "ann"
    2024-03-05 custom "line" "SO-3" "WIDGET" 1 10.00 GBP
    2024-03-05 custom "invoice" "SO-3" "INV-3"
    2024-03-11 custom "redeem" "SO-2" 5 PKLP
    """
    # INV-1's 100 PKLP (earned under expiry 365) last until 2025-01-09; the 50 PKLP
    # apology (expiry 30 from February) until 2024-03-11 and INV-3's 10 PKLP until
    # 2024-04-04. The 30 PKLP redeemed come out of the apology, whose other 20
    # expire; the 5 PKLP of 2024-03-11 come out of INV-3's parcel.
    assert parcels(loaded, "ann", "PKLP") == [
        (d("2024-01-10"), D(100), d("2025-01-09"), "INV-1", D(100), D(0)),
        (d("2024-02-10"), D(50), d("2024-03-11"), "adjustment:<string>:13", D(0), D(20)),
        (d("2024-03-05"), D(10), d("2024-04-04"), "INV-3", D(0), D(5)),
    ]
    text = loaded.expand()
    assert (
        dedent("""
        2024-03-11 * "Ann Smith" "Expiry of 20 PKLP earned 2024-02-10"
          customer: "ann"
          program: "PKLP"
          Liabilities:Loyalty:PKLP             20 PKLP
          Expenses:Loyalty:PointsDistributed  -20 PKLP
    """)
        in text
    )
    assert text.endswith(
        "\n"
        + dedent("""
        2024-04-04 * "Ann Smith" "Expiry of 5 PKLP earned 2024-03-05 on invoice INV-3" ^INV-3
          customer: "ann"
          program: "PKLP"
          invoice: "INV-3"
          Liabilities:Loyalty:PKLP             5 PKLP
          Expenses:Loyalty:PointsDistributed  -5 PKLP
    """)  # noqa: E501
    )
    book = loaded.book
    assert book.points("ann", "PKLP") == D(100)
    assert book.program_outstanding("PKLP") == (D(100), data.Amount(D("10.00"), "GBP"))
    assert [(e.date, e.kind, e.points) for e in book.loyalty_events] == [
        (d("2024-01-10"), "earned", D(100)),
        (d("2024-02-10"), "adjusted", D(50)),
        (d("2024-03-01"), "redeemed", D(-30)),
        (d("2024-03-05"), "earned", D(10)),
        (d("2024-03-11"), "expired", D(-20)),
        (d("2024-03-11"), "redeemed", D(-5)),
        (d("2024-04-04"), "expired", D(-5)),
    ]
    assert_liability_is_customers_points(loaded)


# -- adjustments ------------------------------------------------------------


@ledger()
def test_loyalty_adjust_up_and_down(loaded):
    """
    plugin "beancount_orders.orders" "{'today': '2024-12-31'}"
    2024-01-01 custom "loyalty-program" "PKLP"
      value: 0.10 GBP
      expiry: 100
    2024-01-01 custom "customer" "ann" "Ann Smith"
      program: "PKLP"
    2024-02-01 custom "loyalty-adjust" "ann" 70 PKLP
      reason: "birthday bonus"
    2024-02-05 custom "loyalty-adjust" "ann" 30 PKLP
    2024-03-01 custom "loyalty-adjust" "ann" -80 PKLP
      reason: "points given by mistake"
    """
    assert loaded.expand() == dedent("""
        2024-02-01 * "Ann Smith" "Loyalty adjustment of 70 PKLP: birthday bonus" ^ADJUST-20240201-1
          customer: "ann"
          program: "PKLP"
          adjustment: "ADJUST-20240201-1"
          Liabilities:Loyalty:PKLP            -70 PKLP
          Expenses:Loyalty:PointsDistributed   70 PKLP

        2024-02-05 * "Ann Smith" "Loyalty adjustment of 30 PKLP" ^ADJUST-20240205-1
          customer: "ann"
          program: "PKLP"
          adjustment: "ADJUST-20240205-1"
          Liabilities:Loyalty:PKLP            -30 PKLP
          Expenses:Loyalty:PointsDistributed   30 PKLP

        2024-03-01 * "Ann Smith" "Loyalty adjustment of -80 PKLP: points given by mistake" ^ADJUST-20240301-1
          customer: "ann"
          program: "PKLP"
          adjustment: "ADJUST-20240301-1"
          Liabilities:Loyalty:PKLP             80 PKLP
          Expenses:Loyalty:PointsDistributed  -80 PKLP

        2024-05-15 * "Ann Smith" "Expiry of 20 PKLP earned 2024-02-05"
          customer: "ann"
          program: "PKLP"
          Liabilities:Loyalty:PKLP             20 PKLP
          Expenses:Loyalty:PointsDistributed  -20 PKLP
    """)  # noqa: E501
    # The -80 takes the 70 expiring first (2024-05-11), then 10 of the 30.
    assert parcels(loaded, "ann", "PKLP") == [
        (d("2024-02-01"), D(70), d("2024-05-11"), "adjustment:<string>:8", D(0), D(0)),
        (d("2024-02-05"), D(30), d("2024-05-15"), "adjustment:<string>:10", D(0), D(20)),
    ]
    events = loaded.book.loyalty_events
    assert [(e.kind, e.points) for e in events] == [
        ("adjusted", D(70)),
        ("adjusted", D(30)),
        ("adjusted", D(-80)),
        ("expired", D(-20)),
    ]
    assert events[0].meta["reason"] == "birthday bonus"
    assert loaded.book.points("ann", "PKLP") == D(0)
    assert_liability_is_customers_points(loaded)


# -- credit orders: clawback and give-back ----------------------------------


@ledger()
def test_partial_then_full_credit_order_claws_back_and_gives_back(loaded):
    """
    plugin "beancount_orders.orders" "{'today': '2024-12-31'}"
    2024-01-01 open Assets:Bank:Current
    2024-01-01 custom "loyalty-program" "PKLP"
      value: 0.10 GBP
    2024-01-01 custom "customer" "ann" "Ann Smith"
      program: "PKLP"
    2024-02-01 custom "loyalty-adjust" "ann" 100 PKLP
    2024-03-01 custom "order" "SO-1" "ann"
    2024-03-01 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
    2024-03-01 custom "redeem" "SO-1" 100 PKLP
    2024-03-02 custom "invoice" "SO-1" "INV-1"
    2024-03-02 custom "payment" "SO-1" 40.00 GBP Assets:Bank:Current
    2024-03-10 custom "credit-order" "CO-1" "INV-1"
      reason: "one widget broken"
    2024-03-10 custom "credit-line" "CO-1" "WIDGET" "credit" 1 25.00 GBP
    2024-03-20 custom "credit-order" "CO-2" "INV-1"
      full: TRUE
    """
    # The Pakk order (40 PKLP earned, 100 PKLP redeemed for 10.00 GBP), then half of
    # the invoice credited: 20 PKLP clawed back, 50 PKLP and 5.00 GBP given back;
    # then the other half the same again.
    text = loaded.expand()
    assert (
        dedent("""
        2024-03-10 * "Ann Smith" "Loyalty on credit order CO-1: 20 PKLP clawed back, 50 PKLP given back" ^CO-1 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "ann"
          invoice: "INV-1"
          credit-order: "CO-1"
          program: "PKLP"
          Liabilities:Loyalty:PKLP               20 PKLP
          Expenses:Loyalty:PointsDistributed    -20 PKLP
          Liabilities:Loyalty:PKLP              -50 PKLP
          Expenses:Loyalty:PointsDistributed     50 PKLP
          Assets:Receivable:Ann                5.00 GBP
          Expenses:Loyalty:Discounts          -5.00 GBP
    """)  # noqa: E501
        in text
    )
    assert text.endswith(
        "\n"
        + dedent("""
        2024-03-20 * "Ann Smith" "Credit order CO-2 against invoice INV-1" ^CO-2 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "ann"
          invoice: "INV-1"
          credit-order: "CO-2"
          Income:Sales:Returns    25.00 GBP
            item: "WIDGET"
            type: "credit"
          Assets:Receivable:Ann  -25.00 GBP

        2024-03-20 * "Ann Smith" "Loyalty on credit order CO-2: 20 PKLP clawed back, 50 PKLP given back" ^CO-2 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "ann"
          invoice: "INV-1"
          credit-order: "CO-2"
          program: "PKLP"
          Liabilities:Loyalty:PKLP               20 PKLP
          Expenses:Loyalty:PointsDistributed    -20 PKLP
          Liabilities:Loyalty:PKLP              -50 PKLP
          Expenses:Loyalty:PointsDistributed     50 PKLP
          Assets:Receivable:Ann                5.00 GBP
          Expenses:Loyalty:Discounts          -5.00 GBP
    """)  # noqa: E501
    )
    # Everything undone: Ann has her 100 PKLP back, the discount is gone, and the
    # 40.00 GBP she paid is owed back to her.
    assert loaded.balances() == {
        "Assets:Bank:Current": "40.00 GBP",
        "Assets:Receivable:Ann": "-40.00 GBP",
        "Expenses:Loyalty:PointsDistributed": "100 PKLP",
        "Income:Sales": "-50.00 GBP",
        "Income:Sales:Returns": "50.00 GBP",
        "Liabilities:Loyalty:PKLP": "-100 PKLP",
    }
    book = loaded.book
    assert book.points("ann", "PKLP") == D(100)
    assert book.orders["SO-1"].outstanding == D("-40.00")
    assert book.customers["ann"].balance("GBP") == D("-40.00")
    invoice = book.invoices["INV-1"]
    assert (invoice.points_clawed, invoice.points_given_back, invoice.value_given_back) == (
        D(40),
        D(100),
        D("10.00"),
    )
    assert [(e.date, e.kind, e.points, e.value, e.document) for e in book.loyalty_events][
        3:
    ] == [
        (d("2024-03-10"), "clawed-back", D(-20), None, "CO-1"),
        (d("2024-03-10"), "given-back", D(50), D("5.00"), "CO-1"),
        (d("2024-03-20"), "clawed-back", D(-20), None, "CO-2"),
        (d("2024-03-20"), "given-back", D(50), D("5.00"), "CO-2"),
    ]
    assert_liability_is_customers_points(loaded)


@ledger()
def test_credit_order_pro_rata_rounds_half_up(loaded):
    """
    plugin "beancount_orders.orders" "{'today': '2024-12-31'}"
    2024-01-01 custom "loyalty-program" "PKLP"
      value: 0.10 GBP
      expiry: 60
    2024-01-01 custom "customer" "ann" "Ann Smith"
      program: "PKLP"
    2024-02-01 custom "loyalty-adjust" "ann" 50 PKLP
    2024-03-01 custom "order" "SO-1" "ann"
    2024-03-01 custom "line" "SO-1" "WIDGET" 2 15.00 GBP
    2024-03-01 custom "redeem" "SO-1" 50 PKLP
    2024-03-02 custom "invoice" "SO-1" "INV-1"
    2024-03-10 custom "credit-order" "CO-1" "INV-1"
    2024-03-10 custom "credit-line" "CO-1" "WIDGET" "credit" 1 15.00 GBP
    2024-04-10 custom "credit-order" "CO-2" "INV-1"
      full: TRUE
    """
    # 30.00 GBP less 5.00 GBP of points: 25 PKLP earned. CO-1 credits half:
    # 12.5 -> 13 clawed back, 25 of the 50 PKLP (2.50 GBP) given back. CO-2 the rest:
    # 12 clawed back (25 - 13), 25 given back. Each give-back is a new parcel
    # with a fresh 60-day expiry.
    loyalty = [
        t.narration for t in loaded.transactions if t.narration.startswith("Loyalty on")
    ]
    assert loyalty == [
        "Loyalty on credit order CO-1: 13 PKLP clawed back, 25 PKLP given back",
        "Loyalty on credit order CO-2: 12 PKLP clawed back, 25 PKLP given back",
    ]
    assert parcels(loaded, "ann", "PKLP") == [
        (d("2024-02-01"), D(50), d("2024-04-01"), "adjustment:<string>:8", D(0), D(0)),
        (d("2024-03-02"), D(25), d("2024-05-01"), "INV-1", D(0), D(0)),
        (d("2024-03-10"), D(25), d("2024-05-09"), "CO-1", D(0), D(25)),
        (d("2024-04-10"), D(25), d("2024-06-09"), "CO-2", D(0), D(25)),
    ]
    assert total(loaded, "Assets:Receivable:Ann", "GBP") == D("0.00")
    assert total(loaded, "Expenses:Loyalty:Discounts", "GBP") == D("0.00")
    assert loaded.book.points("ann", "PKLP") == D(0)
    assert_liability_is_customers_points(loaded)


@ledger()
def test_clawback_is_capped_at_the_points_the_customer_still_holds(loaded):
    """
    plugin "beancount_orders.orders" "{'today': '2024-12-31'}"
    2024-01-01 custom "loyalty-program" "PKLP"
      value: 0.10 GBP
    2024-01-01 custom "customer" "ann" "Ann Smith"
      program: "PKLP"
    2024-03-01 custom "order" "SO-1" "ann"
    2024-03-01 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
    2024-03-02 custom "invoice" "SO-1" "INV-1"
    2024-03-05 custom "order" "SO-2" "ann"
    2024-03-05 custom "line" "SO-2" "WIDGET" 1 25.00 GBP
    2024-03-05 custom "redeem" "SO-2" 45 PKLP
    2024-03-10 custom "credit-order" "CO-1" "INV-1"
      full: TRUE
    """
    # INV-1 earned 50 PKLP; 45 were spent on SO-2 before the credit order.
    assert loaded.expand().endswith(
        "\n"
        + dedent("""
        2024-03-10 * "Ann Smith" "Loyalty on credit order CO-1: 5 PKLP clawed back, 45 PKLP already used, not clawed back" ^CO-1 ^INV-1 ^SO-1
          order: "SO-1"
          customer: "ann"
          invoice: "INV-1"
          credit-order: "CO-1"
          program: "PKLP"
          Liabilities:Loyalty:PKLP             5 PKLP
          Expenses:Loyalty:PointsDistributed  -5 PKLP
    """)  # noqa: E501
    )
    book = loaded.book
    assert book.points("ann", "PKLP") == D(0)
    assert [(e.kind, e.points) for e in book.loyalty_events][-1] == ("clawed-back", D(-5))
    assert total(loaded, "Liabilities:Loyalty:PKLP", "PKLP") == D(0)
    assert_liability_is_customers_points(loaded)


@ledger()
def test_a_credit_order_not_ready_moves_no_points(loaded):
    """
    plugin "beancount_orders.orders" "{'today': '2024-12-31'}"
    2024-01-01 custom "loyalty-program" "PKLP"
      value: 0.10 GBP
    2024-01-01 custom "customer" "ann" "Ann Smith"
      program: "PKLP"
    2024-03-01 custom "order" "SO-1" "ann"
    2024-03-01 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
    2024-03-02 custom "invoice" "SO-1" "INV-1"
    2024-03-10 custom "credit-order" "CO-1" "INV-1"
      full: TRUE
      status: "APPROVED"
    """
    assert not [t for t in loaded.transactions if "CO-1" in t.links]
    assert loaded.book.points("ann", "PKLP") == D(50)


@ledger()
def test_credit_order_gives_back_a_redemption_made_after_the_invoice(loaded):
    """
    plugin "beancount_orders.orders" "{'today': '2024-12-31'}"
    2024-01-01 open Assets:Bank:Current
    2024-01-01 custom "loyalty-program" "PKLP"
      value: 0.10 GBP
    2024-01-01 custom "customer" "ann" "Ann Smith"
      program: "PKLP"
    2024-02-01 custom "loyalty-adjust" "ann" 100 PKLP
    2024-03-01 custom "order" "SO-1" "ann"
    2024-03-01 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
    2024-03-02 custom "invoice" "SO-1" "INV-1"
    2024-03-03 custom "redeem" "SO-1" 100 PKLP
    2024-03-04 custom "payment" "SO-1" 40.00 GBP Assets:Bank:Current
    2024-03-20 custom "credit-order" "CO-1" "INV-1"
      full: TRUE
    """
    # INV-1 earned 50 PKLP (the redemption came after it); the 100 PKLP were then
    # redeemed on the order and settled 10.00 GBP of INV-1. Crediting all of INV-1
    # claws back the 50 PKLP and gives back the 100 PKLP redeemed on it, reversing
    # their 10.00 GBP: Ann is owed the 40.00 GBP she paid, and has her points.
    assert [t.narration for t in loaded.transactions][-1] == (
        "Loyalty on credit order CO-1: 50 PKLP clawed back, 100 PKLP given back"
    )
    assert loaded.book.points("ann", "PKLP") == D(100)
    assert total(loaded, "Assets:Receivable:Ann", "GBP") == D("-40.00")
    assert total(loaded, "Expenses:Loyalty:Discounts", "GBP") == D("0.00")
    assert loaded.book.customers["ann"].balance("GBP") == D("-40.00")


# -- what the engine knows --------------------------------------------------


@ledger()
def test_book_points_outstanding_and_wallets(loaded):
    """
    plugin "beancount_orders.orders" "{'today': '2024-06-30'}"
    2024-01-01 custom "loyalty-program" "PKLP"
      value: 0.10 GBP
      expiry: 365
    2024-01-01 custom "loyalty-program" "CLUB"
      earn: 2
    2024-01-01 custom "customer" "ann" "Ann Smith"
      program: "PKLP"
    2024-01-01 custom "customer" "bob" "Bob Jones"
      program: "PKLP"
    2024-01-01 custom "customer" "cy" "Cy Twombly"
      program: "CLUB"
    2024-02-01 custom "order" "SO-1" "ann"
    2024-02-01 custom "line" "SO-1" "WIDGET" 3 12.50 GBP
    2024-02-01 custom "invoice" "SO-1" "INV-1"
    2024-02-15 custom "loyalty-adjust" "ann" 12 PKLP
    2024-03-01 custom "order" "SO-2" "bob"
    2024-03-01 custom "line" "SO-2" "WIDGET" 1 99.99 GBP
    2024-03-01 custom "invoice" "SO-2" "INV-2"
    2024-03-02 custom "order" "SO-3" "cy"
    2024-03-02 custom "line" "SO-3" "WIDGET" 1 10.00 GBP
    2024-03-02 custom "invoice" "SO-3" "INV-3"
    """
    book = loaded.book
    # Ann: floor(37.50) = 37 earned + 12; Bob: floor(99.99) = 99; Cy: 20 CLUB.
    assert book.points("ann", "PKLP") == D(49)
    assert book.points("bob", "PKLP") == D(99)
    assert book.points("cy", "CLUB") == D(20)
    assert book.points("cy", "PKLP") == D(0)
    assert book.points("nobody", "PKLP") == D(0)
    assert book.program_outstanding("PKLP") == (D(148), data.Amount(D("14.80"), "GBP"))
    # A program without a value per point has no money value.
    assert book.program_outstanding("CLUB") == (D(20), None)
    assert parcels(loaded, "ann", "PKLP") == [
        (d("2024-02-01"), D(37), d("2025-01-31"), "INV-1", D(37), D(0)),
        (d("2024-02-15"), D(12), d("2025-02-14"), "adjustment:<string>:17", D(12), D(0)),
    ]
    assert parcels(loaded, "cy", "CLUB") == [
        (d("2024-03-02"), D(20), None, "INV-3", D(20), D(0)),
    ]
    assert sorted(book.wallets) == [("ann", "PKLP"), ("bob", "PKLP"), ("cy", "CLUB")]
    assert book.today == d("2024-06-30")
    assert loaded.balances()["Liabilities:Loyalty:PKLP"] == "-148 PKLP"
    assert loaded.balances()["Liabilities:Loyalty:CLUB"] == "-20 CLUB"
    assert_liability_is_customers_points(loaded)


@ledger()
def test_full_return_of_a_split_redemption_gives_back_whole_points(loaded):
    """
    plugin "beancount_orders.orders" "{'today': '2024-12-31'}"
    2024-01-01 custom "loyalty-program" "PKLP"
      value: 0.10 GBP
    2024-01-01 custom "customer" "ann" "Ann Smith"
      program: "PKLP"
    2024-02-01 custom "loyalty-adjust" "ann" 100 PKLP
    2024-03-01 custom "order" "SO-1" "ann"
    2024-03-01 custom "line" "SO-1" "MUG" 1 5.48 GBP
    2024-03-01 custom "line" "SO-1" "WIDGET" 1 10.00 GBP
    2024-03-01 custom "redeem" "SO-1" 100 PKLP
    2024-03-02 custom "invoice" "SO-1" "INV-1" "MUG" 1
    2024-03-03 custom "invoice" "SO-1" "INV-2" "WIDGET" 1
    2024-03-10 custom "credit-order" "CO-1" "INV-1"
      full: TRUE
    2024-03-11 custom "credit-order" "CO-2" "INV-2"
      full: TRUE
    """
    # 100 PKLP (10.00 GBP) pay all of INV-1 (5.48) and 4.52 of INV-2 (earning 5 PKLP).
    # Everything is then credited: Ann has her 100 PKLP back, in whole points, and
    # the whole 10.00 GBP discount is reversed.
    for txn in loaded.transactions:
        for posting in txn.postings:
            if posting.units.currency == "PKLP":
                assert posting.units.number == posting.units.number.to_integral_value()
    given_back = [e.points for e in loaded.book.loyalty_events if e.kind == "given-back"]
    assert sum(given_back, D(0)) == D(100)
    assert loaded.book.points("ann", "PKLP") == D(100)
    assert total(loaded, "Expenses:Loyalty:Discounts", "GBP") == D("0.00")
    assert total(loaded, "Assets:Receivable:Ann", "GBP") == D("0.00")
    assert_liability_is_customers_points(loaded)


@ledger()
def test_credit_dated_on_the_invoice_moves_points_on_its_own_date(loaded):
    """
    plugin "beancount_orders.orders" "{'today': '2024-12-31'}"
    2024-01-01 custom "loyalty-program" "PKLP"
      value: 0.10 GBP
      expiry: 30
    2024-01-01 custom "customer" "ann" "Ann Smith"
      program: "PKLP"
    2024-02-01 custom "loyalty-adjust" "ann" 100 PKLP
    2024-03-01 custom "order" "SO-1" "ann"
    2024-03-01 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
    2024-03-01 custom "redeem" "SO-1" 100 PKLP
    2024-03-02 custom "invoice" "SO-1" "INV-1"
    2024-04-20 custom "loyalty-adjust" "ann" 70 PKLP
    2024-05-01 custom "credit-order" "CO-1" "INV-1"
      full: TRUE
      credit-date: "invoice"
    """
    running = D(0)
    for event in sorted(loaded.book.loyalty_events, key=lambda event: event.date):
        running += event.points
        assert running >= 0, event
    liability = D(0)
    postings = sorted(
        (txn.date, posting.units.number)
        for txn in loaded.transactions
        for posting in txn.postings
        if posting.account == "Liabilities:Loyalty:PKLP"
    )
    for date, units in postings:
        liability += units
        assert liability <= 0, date
    # The money is credited on the invoice's date; the points move on the credit
    # order's own date, and the 100 PKLP given back last 30 days from then. The
    # credit order's narration says it is posted on the invoice's date.
    dates = {t.narration.split(":")[0].split(" (")[0]: t.date for t in loaded.transactions}
    assert dates["Credit order CO-1 against invoice INV-1"] == d("2024-03-02")
    (money,) = (t for t in loaded.transactions if t.narration.startswith("Credit order"))
    assert money.narration == (
        "Credit order CO-1 against invoice INV-1 "
        "(credit-date: the invoice's date; made on 2024-05-01)"
    )
    assert money.meta["credit-date"] == "invoice"
    assert dates["Loyalty on credit order CO-1"] == d("2024-05-01")
    wallet = loaded.book.wallets[("ann", "PKLP")]
    (given_back,) = (p for p in wallet.parcels if p.source == "CO-1")
    assert (given_back.date, given_back.points, given_back.expires) == (
        d("2024-05-01"),
        D(100),
        d("2024-05-31"),
    )
    assert_liability_is_customers_points(loaded)


@ledger()
def test_points_that_expired_are_not_clawed_back_from_other_parcels(loaded):
    """
    plugin "beancount_orders.orders" "{'today': '2024-05-10'}"
    2024-01-01 custom "loyalty-program" "PKLP"
      value: 0.10 GBP
      expiry: 30
    2024-01-01 custom "customer" "ann" "Ann Smith"
      program: "PKLP"
    2024-03-01 custom "order" "SO-1" "ann"
    2024-03-01 custom "line" "SO-1" "WIDGET" 2 20.00 GBP
    2024-03-02 custom "invoice" "SO-1" "INV-1"
    2024-04-20 custom "loyalty-adjust" "ann" 70 PKLP
    2024-05-01 custom "credit-order" "CO-1" "INV-1"
      full: TRUE
    """
    # INV-1's 40 PKLP were never used and expired on 2024-04-01: nothing of them is
    # left to claw back, and the 70 PKLP of 2024-04-20 are Ann's to keep.
    assert [(e.kind, e.points) for e in loaded.book.loyalty_events] == [
        ("earned", D(40)),
        ("expired", D(-40)),
        ("adjusted", D(70)),
    ]
    assert loaded.book.points("ann", "PKLP") == D(70)
    assert total(loaded, "Liabilities:Loyalty:PKLP", "PKLP") == D(-70)
