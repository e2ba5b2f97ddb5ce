"""The Shopify importer on the layouts and shapes of real shops' exports.

Every Shopify regression file of ``tests/test_importers.py`` (made-up people,
the column layouts of real exports) is imported into its ledger; the output
loads with zero errors (checked there), and here its totals tie, order by
order, to the postings the plugin generates from it, to the cent: the Total to
the invoice's receivable, the Taxes to its sales tax, the Shipping to the
shipping line (with the discount that made it cheaper), the Discount Amount to
the lines' discounts, the Duties to the duties account and the Refunded Amount
to the money refunded. Then the bullets of the issue, each on its own.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from beancount.core import data
from beancount.core.amount import Amount

from beancount_orders.book.model import Status
from beancount_orders.importers import shopify
from beancount_orders.importers.common import RowError
from beancount_orders.reports.orders import order_row
from tests.test_importers import CASES
from tests.test_importers import DATA
from tests.test_importers import Case
from tests.test_importers import extract
from tests.test_importers import load_text

SHOPIFY = [case for case in CASES if case.importer == "shopify"]
ZERO = Decimal(0)


def first_rows(path: Path) -> dict[str, dict[str, str]]:
    """The first row of each order of an export, by Name."""
    with path.open(encoding="utf-8-sig", newline="") as file:
        rows: dict[str, dict[str, str]] = {}
        for row in csv.DictReader(file):
            rows.setdefault(row["Name"].strip(), row)
    return rows


def money(row: dict[str, str], column: str) -> Decimal:
    return Decimal(row.get(column, "").replace(",", "") or "0")


class Posted:
    """What the generated transactions of one order add up to."""

    def __init__(self) -> None:
        self.gross = ZERO  # receivable debited by invoices
        self.tax = ZERO  # sales tax credited by invoices
        self.by_item: dict[str, Decimal] = defaultdict(Decimal)  # net credited
        self.by_account: dict[str, Decimal] = defaultdict(Decimal)
        self.refunded = ZERO  # money paid out by refunds
        self.invoiced = False


def posted_by_order(entries: list[data.Directive]) -> dict[str, Posted]:
    found: dict[str, Posted] = defaultdict(Posted)
    for entry in entries:
        if not isinstance(entry, data.Transaction):
            continue
        meta = entry.meta
        order = meta.get("order")
        credit = meta.get("credit")
        if order is None and isinstance(credit, str) and "-R" in credit:
            order = credit.rsplit("-R", 1)[0]
        if not isinstance(order, str):
            continue
        totals = found[order]
        if entry.narration.startswith("Invoice "):
            totals.invoiced = True
            for posting in entry.postings:
                number = posting.units.number
                if posting.account.startswith("Assets:Receivable"):
                    totals.gross += number
                elif posting.account == "Liabilities:SalesTax":
                    totals.tax -= number
                else:
                    totals.by_item[(posting.meta or {}).get("item", "")] -= number
                    totals.by_account[posting.account] -= number
        elif "refund" in meta:
            for posting in entry.postings:
                if not posting.account.startswith(
                    ("Assets:Receivable", "Liabilities:CustomerCredit")
                ):
                    totals.refunded -= posting.units.number
    return found


def line_directives(entries: list[data.Directive]) -> dict[str, list[data.Custom]]:
    lines: dict[str, list[data.Custom]] = defaultdict(list)
    for entry in entries:
        if isinstance(entry, data.Custom) and entry.type == "line":
            lines[entry.values[0].value].append(entry)
    return lines


def discounted(lines: list[data.Custom]) -> Decimal:
    """The discounts of ``lines`` (their ``discount`` metadata)."""
    return sum(
        (line.meta["discount"].number for line in lines if "discount" in line.meta), ZERO
    )


@pytest.mark.parametrize("case", SHOPIFY, ids=lambda case: case.document)
def test_totals_tie_to_the_generated_postings(case: Case) -> None:
    imported = load_text(case.expected.read_text(encoding="utf-8")).entries
    orders = {
        entry.meta["shopify-name"]: entry.values[0].value
        for entry in imported
        if isinstance(entry, data.Custom) and entry.type == "order"
    }
    assert orders, "the file imports no order"
    loaded = load_text(case.ledger_text() + case.expected.read_text(encoding="utf-8"))
    assert loaded.messages == []
    posted = posted_by_order(loaded.entries)
    lines = line_directives(imported)
    inclusive = bool(case.config.get("prices_include_tax"))
    rows = first_rows(case.path)
    tied = 0
    for name, order in orders.items():
        row, totals = rows[name], posted[order]
        if not totals.invoiced:
            continue
        tied += 1
        assert (order, totals.gross) == (order, money(row, "Total"))
        assert (order, totals.tax) == (order, money(row, "Taxes"))
        shipping_lines = [
            line for line in lines[order] if line.values[1].value == "SHIPPING"
        ]
        shipping = totals.by_item["SHIPPING"]
        if inclusive:  # the shipping line's value holds its tax
            shipping = sum(
                (
                    line.values[2].value * line.values[3].value.number
                    for line in shipping_lines
                ),
                ZERO,
            )
        shipping += discounted(shipping_lines)
        assert (order, shipping) == (order, money(row, "Shipping"))
        assert (order, discounted(lines[order])) == (order, money(row, "Discount Amount"))
        duties = totals.by_account["Liabilities:Duties"]
        assert (order, duties) == (order, money(row, "Duties"))
        gateway = row.get("Payment Method", "").lower()
        if "stripe" in gateway and "+" not in gateway:
            continue  # the Stripe import books its refunds (tests/test_stripe_real.py)
        assert (order, totals.refunded) == (order, money(row, "Refunded Amount"))
    assert tied


def test_the_real_usd_shop_books_what_the_issue_lists() -> None:
    """Per bullet: the shapes that real shops' exports have, and what they become."""
    case = next(case for case in CASES if case.document == "shopify_real_usd.csv")
    loaded = load_text(case.ledger_text() + case.expected.read_text(encoding="utf-8"))
    balances = loaded.balances()
    # A gift card sold is a liability (50.00), less the one redeemed (12.99).
    assert balances["Liabilities:GiftCards"] == "-37.01 USD"
    # Tips and duties go to their own accounts, not sales.
    assert balances["Income:Tips"] == "-3.00 USD"
    assert balances["Liabilities:Duties"] == "-3.90 USD"
    # Several gateways at once: all of it waits in the suspense account.
    assert balances["Assets:Suspense:Split-payments"] == "37.89 USD"
    # Walk-in buyers are kept apart.
    customers = sorted(
        entry.values[0].value
        for entry in loaded.entries
        if isinstance(entry, data.Custom) and entry.type == "customer"
    )
    assert [c for c in customers if c.startswith("walk-in")] == [
        "walk-in",
        "walk-in-rosa-delgado-15550142",
        "walk-in-tom-reyes",
    ]
    # Non-stock lines leave every order fully dispatched or with nothing to
    # dispatch: no paid order waits for the course, the gift card or shipping.
    book = loaded.book
    rows = {order: order_row(book, book.orders[order]) for order in book.orders}
    assert rows["SHOP-5014"].dispatched_status is Status.FULL
    assert not book.orders["SHOP-5007"].ships
    assert sorted(order for order, row in rows.items() if row.is_open) == [
        "SHOP-5005",  # paid, not shipped yet
        "SHOP-5006",
        "SHOP-5008",
        "SHOP-5012",  # shipped, not paid yet
    ]


def test_a_cut_row_and_a_refund_without_amount_are_errors() -> None:
    case = next(case for case in CASES if case.document == "shopify_real_usd.csv")
    importer, entries = extract(case)
    path = str(case.path)
    assert importer.errors == [
        RowError(
            path,
            2,
            'order #5017: Financial Status is "refunded" but Refunded Amount is "": how '
            "much was refunded is not known",
        ),
        RowError(
            path,
            3,
            "order #5016: this row has 45 fields, the header 79: it is cut short after "
            "Notes (a damaged or edited file?); the row is not imported, nor any row of "
            "the order",
        ),
    ]
    names = {entry.meta.get("shopify-name") for entry in entries}
    assert "#5016" not in names and "#5017" not in names


def test_the_warnings_of_the_real_usd_shop() -> None:
    case = next(case for case in CASES if case.document == "shopify_real_usd.csv")
    importer, _ = extract(case)
    assert [(found.row, found.message) for found in importer.warnings] == [
        (
            10,
            'order #5010: Financial Status is "partially_refunded" but Paid at is empty: '
            "the payment is dated Created at, 2025-02-09",
        ),
        (
            11,
            'order #5009: Financial Status is "paid" but Paid at is empty: the payment '
            "is dated Created at, 2025-02-09",
        ),
        (
            14,
            'order #5006: Payment Method "Gift Card + Shopify Payments" is several '
            "gateways and the export does not say how much each took: 17.99 USD is "
            "booked to Assets:Suspense:Split-payments; move each gateway's share to its "
            "account with a transaction (the Stripe importer moves Stripe's share itself)",
        ),
        (
            15,
            'order #5005: Payment Method "Stripe + PayPal Express Checkout" is several '
            "gateways and the export does not say how much each took: 19.90 USD is "
            "booked to Assets:Suspense:Split-payments; move each gateway's share to its "
            "account with a transaction (the Stripe importer moves Stripe's share itself)",
        ),
        (
            18,
            "order #5002: Total 30.86 is 3.00 more than Subtotal 25.98 + Shipping 0.00 + "
            "Taxes 1.88: booked as a tip (TIP, to Income:Tips)",
        ),
    ]


def test_missing_columns_are_file_warnings_saying_what_is_assumed() -> None:
    case = next(case for case in CASES if case.document == "shopify_older_layout.csv")
    importer, _ = extract(case)
    assert [(w.row, w.message) for w in importer.warnings] == [
        (
            1,
            'the export has no column "Lineitem discount": an order\'s line discounts are '
            "spread over its lines by value",
        ),
        (
            1,
            'the export has no column "Outstanding Balance": a partially paid order is '
            "taken as paid in full",
        ),
        (
            1,
            'the export has no column "Duties": no duties are booked (an order whose '
            "Total holds them is a tip)",
        ),
    ]
    assert importer.errors == []


def test_tax_names_give_the_rate_and_the_jurisdiction() -> None:
    """9.5 % named (7.25 % + 2.25 %) stays 0.095 on every line; where Shopify rounded
    each tax of a line on its own, the line keeps Shopify's tax."""
    case = next(case for case in CASES if case.document == "shopify_real_usd.csv")
    _, entries = extract(case)
    lines = [
        entry
        for entry in entries
        if isinstance(entry, data.Custom)
        and entry.type == "line"
        and entry.values[0].value == "SHOP-5001"
    ]
    assert [
        (
            line.values[1].value,
            line.meta["tax"],
            line.meta.get("jurisdiction"),
            line.meta.get("tax-amount"),
        )
        for line in lines
    ] == [
        (
            "ENAMEL-MUG",
            Decimal("0.095"),
            "CA State Tax 7.25%, Los Angeles County Tax 2.25%",
            Amount(Decimal("3.71"), "USD"),
        ),
        (
            "TEA-TOWEL",
            Decimal("0.095"),
            "CA State Tax 7.25%, Los Angeles County Tax 2.25%",
            None,
        ),
        ("SHIPPING", Decimal("0"), None, None),
    ]


def two_shops(tmp_path: Path) -> tuple[Path, str]:
    """The real USD export, and a second shop's whose #5001 has another Id."""
    text = (DATA / "shopify_real_usd.csv").read_text(encoding="utf-8-sig")
    other = tmp_path / "other-shop.csv"
    other.write_text(text.replace("7770005001", "4440005001"), encoding="utf-8")
    return other, text


def test_a_second_shop_under_the_same_prefix_is_an_error(tmp_path: Path) -> None:
    case = next(case for case in CASES if case.document == "shopify_real_usd.csv")
    other, _ = two_shops(tmp_path)
    ledger = load_text(case.ledger_text() + case.expected.read_text(encoding="utf-8"))
    importer = shopify.Importer()
    entries = importer.extract(str(other), ledger.entries)
    assert entries == []
    assert (
        RowError(
            str(other),
            19,
            "order #5001: SHOP-5001 is already in the books as Shopify order 7770005001, "
            "this one is 4440005001: an export of another shop? give each shop its own "
            "order_prefix",
        )
        in importer.errors
    )
    # With its own prefix, the other shop imports beside the first.
    apart = shopify.Importer({"order_prefix": "OTHER-"})
    assert apart.extract(str(other), ledger.entries)
    assert not [e for e in apart.errors if "already in the books" in e.message]


def test_an_order_written_by_hand_is_not_taken_over(tmp_path: Path) -> None:
    ledger = load_text(
        'plugin "beancount_orders.orders"\n'
        '2025-01-01 custom "customer" "ana" "Ana"\n'
        '2025-01-02 custom "order" "SHOP-5001" "ana"\n'
    )
    importer = shopify.Importer()
    importer.extract(str(DATA / "shopify_real_usd.csv"), ledger.entries)
    assert [e.message for e in importer.errors if e.row == 19] == [
        "order #5001: SHOP-5001 is already in the books and was not imported from "
        "Shopify: give this shop its own order_prefix"
    ]


def test_another_layout_is_declined_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(
        "Order Name,Order Date,Customer Email,Total\n#1,2025-01-01,a@example.com,1.00\n",
        encoding="utf-8",
    )
    importer = shopify.Importer()
    assert not importer.identify(str(path))
    assert importer.decline(str(path)) == (
        "not a Shopify orders export: no columns Name, Financial Status, Currency, "
        "Subtotal, Shipping, Taxes, Created at, Lineitem quantity and 2 more"
    )
    near = tmp_path / "near.csv"
    header = (DATA / "shopify_own_columns.csv").read_text(encoding="utf-8-sig")
    near.write_text(header.replace(",Total,", ",Grand Total,"), encoding="utf-8")
    assert importer.decline(str(near)) == (
        "looks like a Shopify orders export but lacks the column Total"
    )
    assert importer.identify(str(DATA / "shopify_own_columns.csv"))


def test_a_line_removed_from_an_order_is_left_out_with_a_warning(tmp_path: Path) -> None:
    """An edited order keeps its removed line at quantity 0: nothing to write."""
    text = (DATA / "shopify_real_usd.csv").read_text(encoding="utf-8-sig")
    lines = text.splitlines(keepends=True)
    second = next(line for line in lines if line.startswith("#5001,ana.pike@example.com,,"))
    removed = second.replace(",1,Linen Tea Towel,", ",0,Linen Tea Towel,")
    path = tmp_path / "edited.csv"
    path.write_text(text + removed, encoding="utf-8")
    importer = shopify.Importer()
    importer.extract(str(path), [])
    assert (
        21,
        'order #5001: Lineitem quantity 0 of "Linen Tea Towel": a line removed '
        "from the order, not written",
    ) in [(w.row, w.message) for w in importer.warnings]
    assert not [e for e in importer.errors if "#5001" in e.message]


def test_stripes_share_of_a_split_payment_leaves_the_suspense_account(
    tmp_path: Path,
) -> None:
    """#5005 was paid 19.90 by "Stripe + PayPal Express Checkout": all of it went
    to the split-payment account. Stripe's charge of 12.00 and its refund of 2.00
    move Stripe's share out of it; PayPal's 7.90 is left to settle."""
    case = next(case for case in CASES if case.document == "shopify_real_usd.csv")
    header = (
        (DATA / "stripe_balance_history.csv").read_text(encoding="utf-8").split("\n")[0]
    )
    export = tmp_path / "stripe.csv"
    export.write_text(
        header
        + "\ntxn_R1,refund,ch_S5005,-2.00,0.00,-2.00,usd,2025-02-08 10:00,2025-02-08 10:00,"
        "REFUND FOR CHARGE (Order #5005),,,,,"
        "\ntxn_C1,charge,ch_S5005,12.00,0.65,11.35,usd,2025-02-06 10:00,2025-02-08 10:00,"
        "Order #5005,,,,,\n",
        encoding="utf-8",
    )
    text = (
        case.ledger_text()
        + case.expected.read_text(encoding="utf-8")
        + "\n2025-01-01 open Assets:Stripe USD\n2025-01-01 open Expenses:Stripe:Fees USD\n"
    )
    from beancount_orders.importers import stripe

    importer = stripe.Importer()
    entries = importer.extract(str(export), load_text(text).entries)
    assert importer.errors == []
    from beancount.parser import printer

    out = "\n".join(printer.format_entry(entry) for entry in entries)
    loaded = load_text(text + "\n" + out)
    assert loaded.messages == []
    balances = loaded.balances()
    # 19.90 (#5005) + 17.99 (#5006, gift card + Shopify Payments): Stripe's
    # net share of #5005 (12.00 - 2.00) left.
    assert balances["Assets:Suspense:Split-payments"] == "27.89 USD"
    assert balances["Assets:Stripe"] == "9.35 USD"  # 11.35 - 2.00
    assert [
        entry.narration for entry in entries if isinstance(entry, data.Transaction)
    ] == [
        "Stripe's share of the split payment of order SHOP-5005: refund ch_S5005",
        "Stripe's share of the split payment of order SHOP-5005: charge ch_S5005",
        "Stripe fee on charge ch_S5005 (order SHOP-5005)",
    ]


def test_the_books_decide_whether_an_item_is_stock() -> None:
    """A commodity the books declare is not declared again; declared as stock
    while the export says it needs no shipping, it is a warning."""
    case = next(case for case in CASES if case.document == "shopify_real_usd.csv")
    ledger = load_text(
        case.ledger_text()
        + '2025-01-01 commodity SHIPPING\n  income: "Income:Shipping"\n'
        + "2025-01-01 commodity COURSE-VIDEO\n  stock: FALSE\n"
    )
    importer = shopify.Importer()
    entries = importer.extract(str(case.path), ledger.entries)
    declared = sorted(e.currency for e in entries if isinstance(e, data.Commodity))
    assert declared == ["DUTIES", "GIFT-CARD-50", "TIP"]
    assert [(w.row, w.message) for w in importer.warnings if w.row == 19] == [
        (
            19,
            "SHIPPING (Shipping) is not goods that ship, but the books declare commodity "
            "SHIPPING without stock: FALSE: add it there, or its orders never count as "
            "fully dispatched",
        )
    ]
