"""The Stripe importer on the layouts of real exports of real Stripe accounts.

The regression files (made-up people, the exact column layouts of Stripe's
exports) work as in tests/test_importers.py: each ``NAME.csv`` has its expected
output ``NAME.csv.beancount`` beside it, compared as a diff; regenerate them with

    REGENERATE_IMPORTER_EXPECTED=1 python -m pytest tests/test_stripe_real.py

and review the diff. For every Stripe sample, this file's and the older ones:
the output loads after its ledger with zero errors, the Stripe account moves by
the sum of Net over the imported rows and the fees account by the fees, to the
cent, and a second import adds nothing.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import beangulp
import pytest
from beancount.core import data

from beancount_orders.importers import stripe
from beancount_orders.importers.common import DUPLICATE
from beancount_orders.importers.common import WARNING
from beancount_orders.importers.common import RowError
from beancount_orders.importers.reading import read_csv
from tests.test_importers import CASES
from tests.test_importers import DATA
from tests.test_importers import REGENERATE
from tests.test_importers import USD
from tests.test_importers import Case
from tests.test_importers import existing_entries
from tests.test_importers import extract
from tests.test_importers import load_text
from tests.test_importers import render
from tests.test_importers import render_entries

SHOP = (USD, "shopify_orders_export.csv.beancount")
SUBSCRIPTIONS = "header_stripe_subscriptions.beancount"
REAL = [
    Case("stripe_balance_all_columns.csv", "stripe", {}, SHOP),
    Case("stripe_balance_custom_columns.csv", "stripe", {}, SHOP),
    Case("stripe_itemised_balance_change.csv", "stripe", {}, (SUBSCRIPTIONS,)),
    Case("stripe_balance_adjustments.csv", "stripe", {}, SHOP),
]
STRIPE = [case for case in CASES if case.importer == "stripe"] + REAL
BY_NAME = {case.document: case for case in STRIPE}


def ids(case: Case) -> str:
    return case.document


# -- regression ------------------------------------------------------------------------


@pytest.mark.parametrize("case", REAL, ids=ids)
def test_regression(case: Case) -> None:
    importer, entries = extract(case)
    actual = render(importer, str(case.path), entries)
    if REGENERATE:
        case.expected.write_text(actual, encoding="utf-8")
    expected = case.expected.read_text(encoding="utf-8")
    diff = "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            fromfile=case.document + ".beancount",
            tofile="imported",
        )
    )
    assert not diff, f"the import differs from the expected file:\n{diff}"


@pytest.mark.parametrize("case", REAL, ids=ids)
def test_deterministic(case: Case) -> None:
    first, entries = extract(case)
    second, again = extract(case)
    assert render(first, str(case.path), entries) == render(second, str(case.path), again)
    assert first.warnings == second.warnings


# -- every Stripe sample -------------------------------------------------------------------


@pytest.mark.parametrize("case", STRIPE, ids=ids)
def test_output_loads_cleanly(case: Case) -> None:
    loaded = load_text(case.ledger_text() + case.expected.read_text(encoding="utf-8"))
    assert loaded.messages == []


def movements(entries: list[data.Directive], account: str) -> dict[str, Decimal]:
    """The sum of the postings to ``account``, by currency (generated ones included)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for entry in entries:
        if isinstance(entry, data.Transaction):
            for posting in entry.postings:
                if posting.account == account and posting.units is not None:
                    totals[posting.units.currency] += posting.units.number or 0
    return dict(totals)


def change(case: Case, account: str) -> dict[str, Decimal]:
    before = load_text(case.ledger_text())
    after = load_text(case.ledger_text() + case.expected.read_text(encoding="utf-8"))
    assert after.messages == []
    moved = movements(after.entries, account)
    for currency, number in movements(before.entries, account).items():
        moved[currency] -= number
    return {currency: number for currency, number in moved.items() if number}


def imported_rows(case: Case) -> list[stripe.Txn]:
    """The rows of the sample that were imported (not reported as errors)."""
    importer = case.make()
    importer.extract(str(case.path), existing_entries(case))
    failed = {error.row for error in importer.errors}
    export = read_csv(str(case.path))
    columns = stripe.Columns(export.header)
    ledger = stripe.Ledger([])
    rows = []
    for row, record in export.records:
        if row not in failed:
            rows.append(importer.parse(row, record, columns, ledger, []))
    return rows


@pytest.mark.parametrize("case", STRIPE, ids=ids)
def test_the_stripe_account_moves_by_the_net_of_the_imported_rows(case: Case) -> None:
    rows = imported_rows(case)
    assert rows
    net: dict[str, Decimal] = defaultdict(Decimal)
    fees: dict[str, Decimal] = defaultdict(Decimal)
    for txn in rows:
        net[txn.currency] += txn.net
        fees[txn.currency] += -txn.net if txn.booking == stripe.FEE else txn.fee
    assert change(case, "Assets:Stripe") == {k: v for k, v in net.items() if v}
    assert change(case, "Expenses:Stripe:Fees") == {k: v for k, v in fees.items() if v}


@pytest.mark.parametrize("case", STRIPE, ids=ids)
def test_a_second_import_adds_nothing(case: Case) -> None:
    loaded = load_text(case.ledger_text() + case.expected.read_text(encoding="utf-8"))
    importer = case.make()
    assert importer.extract(str(case.path), loaded.entries) == []
    # In one beangulp run, the second extraction is all duplicates.
    first_importer, first = extract(case)
    _, second = extract(case)
    first_importer.deduplicate(second, existing_entries(case) + first)
    assert second
    assert [entry for entry in second if not entry.meta.get(DUPLICATE)] == []


@pytest.mark.parametrize("case", STRIPE, ids=ids)
def test_identified(case: Case) -> None:
    assert stripe.Importer().decline(str(case.path)) is None


# -- warnings and errors, by row ---------------------------------------------------


def warnings_of(document: str) -> list[tuple[int, str]]:
    importer, _ = extract(BY_NAME[document])
    assert all(found.kind == WARNING for found in importer.warnings)
    return [(found.row, found.message) for found in importer.warnings]


def test_all_columns_warnings_and_customers() -> None:
    """Charges that name no order go on account of the customer in the metadata
    columns; a new customer is declared once, an existing one is not."""
    assert warnings_of("stripe_balance_all_columns.csv") == []
    importer, entries = extract(BY_NAME["stripe_balance_all_columns.csv"])
    assert importer.errors == []
    text = render_entries(entries)
    assert text.count('custom "customer"') == 1
    assert (
        '2024-03-12 custom "customer" "fay.lindqvist@example.com" "Fay Lindqvist"\n'
        '  email: "fay.lindqvist@example.com"\n'
    ) in text
    assert (
        '2024-03-09 custom "payment" "ada.quill@example.com" 5.00 USD Assets:Stripe' in text
    )


def test_custom_columns_say_what_was_assumed() -> None:
    assert warnings_of("stripe_balance_custom_columns.csv") == [
        (1, "no Fee column: each row's fee is taken as Amount less Net"),
        (
            1,
            "no Description column: no charge or refund is matched to an order; charges "
            "are booked on account of their customer, else to Income:Stripe:Unmatched",
        ),
        (
            1,
            "no customer column (Customer ID, Customer Email, customer_id, customer_email, "
            "...): the charges that name no order are booked to Income:Stripe:Unmatched",
        ),
    ]


def test_itemised_report_warnings() -> None:
    assert warnings_of("stripe_itemised_balance_change.csv") == [
        (
            5,
            "txn_3PaTicketExample0004 (charge): no order in the Description and no "
            "customer: booked to Income:Stripe:Unmatched",
        )
    ]


def test_itemised_report_customers() -> None:
    """Customers by email (lower case), else by Stripe customer id; each once."""
    _, entries = extract(BY_NAME["stripe_itemised_balance_change.csv"])
    customers = [
        (entry.values[0].value, entry.values[1].value, dict(entry.meta))
        for entry in entries
        if isinstance(entry, data.Custom) and entry.type == "customer"
    ]
    assert [(cid, name) for cid, name, _ in customers] == [
        ("gina.moreau@example.fr", "Gina Moreau"),
        ("cus_PaHugoExample02", "Hugo Brandt"),
        ("ines.ortega@example.es", "Ines Ortega"),
    ]
    assert customers[0][2]["stripe-customer"] == "cus_PaGinaExample01"
    loaded = load_text(
        BY_NAME["stripe_itemised_balance_change.csv"].ledger_text()
        + render_entries(entries)
    )
    assert loaded.messages == []
    balances = loaded.balances()
    # Every payment is on account until the sale is booked; Gina's was refunded:
    # a credit (against the sale still to be booked) paid out from Stripe.
    assert balances["Assets:Receivable:Gina-moreau-example-fr"] == "-29.00 EUR"
    assert balances["Income:Sales:Credits"] == "29.00 EUR"
    assert "Liabilities:CustomerCredit:Gina-moreau-example-fr" not in balances
    assert balances["Assets:Receivable:Cus-PaHugoExample02"] == "-98.00 EUR"
    assert balances["Assets:Receivable:Ines-ortega-example-es"] == "-120.00 EUR"
    assert balances["Income:Stripe:Unmatched"] == "-15.00 EUR"


def test_adjustments_warnings() -> None:
    assert warnings_of("stripe_balance_adjustments.csv") == [
        (
            2,
            'txn_1OwTransferExample0054 (inbound_transfer): Stripe type "inbound_transfer" '
            "is not known to the importer: booked to Equity:Stripe:Suspense; move it to "
            "the account it belongs to (a transaction from Equity:Stripe:Suspense)",
        ),
        (
            3,
            "txn_1OvRefundFailExample0053 (refund_failure): booked to "
            "Equity:Stripe:Suspense: a refund that failed, its money back in Stripe: move "
            "it from Equity:Stripe:Suspense to the customer (a payment on account) or "
            "refund it again",
        ),
    ]


def test_adjustments_balances() -> None:
    """The failed payout comes back from the bank; the dispute and its reversal
    net to nothing but the fee; the reserve is released."""
    case = BY_NAME["stripe_balance_adjustments.csv"]
    assert change(case, "Assets:Bank:Current") == {"USD": Decimal("-19.16")}  # 80.84-100
    assert change(case, "Expenses:Stripe:Disputes") == {}
    assert change(case, "Assets:Stripe:Reserve") == {}
    assert change(case, "Equity:Stripe:Suspense") == {"USD": Decimal("-22.00")}
    assert change(case, "Expenses:Stripe:Adjustments") == {"USD": Decimal("-0.70")}
    text = case.expected.read_text(encoding="utf-8")
    # The dispute of Bo's charge is linked to his order.
    assert (
        '2024-03-18 * "Stripe" "Stripe dispute du_1OuBoDisputeExample0047: Chargeback '
        'withdrawal for ch_3OsBoExample0041" ^SHOP-1002'
    ) in text


def test_broken_rows_of_the_old_sample() -> None:
    """The tip with no order goes to the unmatched account, the dispute to the
    disputes account, the refund of an order the books do not have back from the
    unmatched account; what cannot be booked is still an error, by row."""
    importer, _ = extract(BY_NAME["stripe_balance_broken.csv"])
    assert [(error.row, error.message) for error in importer.errors] == [
        (
            4,
            "txn_3PkChargeExample0003 (charge): Net 19.00 is not Amount 20.00 less "
            "Fee 0.88",
        ),
    ]
    assert [(found.row, found.message) for found in importer.warnings] == [
        (
            1,
            "no customer column (Customer ID, Customer Email, customer_id, customer_email, "
            "...): the charges that name no order are booked to Income:Stripe:Unmatched",
        ),
        (
            3,
            'txn_3PkRefundExample0004 (refund): the Description "REFUND FOR CHARGE '
            '(Order #9999)" names order SHOP-9999, which the books do not have: booked '
            "as a refund without an order (if it is a Shopify order, import the Shopify "
            "export first, then this file again without these entries)",
        ),
        (
            3,
            "txn_3PkRefundExample0004 (refund): charge ch_3PkNotOursExample0004 is neither "
            "in this file nor in the ledger, and the refund names no order nor customer: "
            "booked back from Income:Stripe:Unmatched",
        ),
    ]


# -- files made for one case ---------------------------------------------------------------

ITEMISED = (
    "balance_transaction_id,created_utc,currency,gross,fee,net,reporting_category,"
    "source_id,description,customer_id,customer_email,customer_name,charge_id\n"
)


def run(
    tmp_path: Path, text: str, entries: list[data.Directive] | None = None
) -> tuple[stripe.Importer, str, str]:
    path = tmp_path / "balance.csv"
    path.write_text(text, encoding="utf-8")
    importer = stripe.Importer()
    found = beangulp.extract.extract_from_file(importer, str(path), entries or [])
    return importer, str(path), render_entries(found)


def test_zero_and_three_decimal_currencies_stay_exact(tmp_path: Path) -> None:
    importer, _, text = run(
        tmp_path,
        ITEMISED
        + "txn_1Jp,2024-06-01 10:00:00,jpy,1500,53,1447,charge,ch_1Jp,Ticket,cus_Jp1,"
        "kenji@example.jp,Kenji Sato,ch_1Jp\n"
        "txn_1Kw,2024-06-02 10:00:00,kwd,12.345,0.401,11.944,charge,ch_1Kw,Ticket,,,,"
        "ch_1Kw\n",
    )
    assert importer.errors == []
    assert '"kenji@example.jp" 1500 JPY Assets:Stripe' in text
    assert "Expenses:Stripe:Fees   53 JPY" in text
    assert "Assets:Stripe             12.345 KWD" in text
    assert "Expenses:Stripe:Fees   0.401 KWD" in text
    for number in ("1500.00", "12.35", "0.40 "):
        assert number not in text


def test_a_refund_of_an_unknown_charge_naming_nobody(tmp_path: Path) -> None:
    importer, path, text = run(
        tmp_path,
        ITEMISED + "txn_1Rf,2024-06-03 10:00:00,usd,-9.00,0.00,-9.00,refund,re_1Rf,,,,,"
        "ch_1Gone\n",
    )
    assert importer.errors == []
    assert importer.warnings == [
        RowError(
            path,
            2,
            "txn_1Rf (refund): charge ch_1Gone is neither in this file nor in the ledger, "
            "and the refund names no order nor customer: booked back from "
            "Income:Stripe:Unmatched",
            WARNING,
        )
    ]
    assert (
        "  Income:Stripe:Unmatched   9.00 USD\n  Assets:Stripe            -9.00 USD" in text
    )


def test_a_refund_of_an_earlier_unmatched_charge(tmp_path: Path) -> None:
    """The charge is in the ledger, booked to the unmatched account: its refund
    reverses it there, without a warning."""
    _, _, first = run(
        tmp_path,
        ITEMISED + "txn_1Ch,2024-06-01 10:00:00,usd,9.00,0.00,9.00,charge,ch_1Ch,Tip,,,,"
        "ch_1Ch\n",
    )
    ledger = load_text('plugin "beancount_orders.orders"\n' + first)
    assert ledger.messages == []
    importer, _, text = run(
        tmp_path,
        ITEMISED + "txn_1Rf,2024-06-03 10:00:00,usd,-9.00,0.00,-9.00,refund,re_1Rf,,,,,"
        "ch_1Ch\n",
        ledger.entries,
    )
    assert importer.errors == importer.warnings == []
    assert text.startswith('2024-06-03 * "Stripe" "Stripe refund of charge ch_1Ch"')


def test_payment_failures_go_to_suspense_with_how_to_settle(tmp_path: Path) -> None:
    importer, path, text = run(
        tmp_path,
        ITEMISED + "txn_1Pf,2024-06-04 10:00:00,usd,-30.00,0.00,-30.00,charge_failure,"
        "py_1Pf,,,,,py_1Pf\n",
    )
    assert importer.warnings == [
        RowError(
            path,
            2,
            "txn_1Pf (charge_failure): booked to Equity:Stripe:Suspense: a payment that "
            "failed after it was booked, so its customer owes it again: move it from "
            "Equity:Stripe:Suspense to their receivable (or to where its charge went)",
            WARNING,
        )
    ]
    assert "Equity:Stripe:Suspense   30.00 USD" in text


def test_bad_rows_are_errors_naming_the_row(tmp_path: Path) -> None:
    importer, path, _ = run(
        tmp_path,
        ITEMISED
        + "txn_1A,2024-06-01 10:00:00,usd,-5.00,0.00,-5.00,charge,ch_1A,,,,,ch_1A\n"
        "txn_1B,2024-06-01 10:00:00,usd,5.00,0.00,5.00,refund,re_1B,,,,,ch_1A\n"
        "txn_1C,June 1,usd,5.00,0.00,5.00,payout,po_1C,,,,,\n"
        "txn_1D,2024-06-01 10:00:00,dollars,5.00,0.00,5.00,payout,po_1D,,,,,\n"
        "txn_1D,2024-06-01 10:00:00,usd,5.00,0.00,5.00,payout,po_1D,,,,,\n"
        "txn_1D,2024-06-01 10:00:00,usd,5.00,0.00,5.00,payout,po_1D,,,,,\n"
        "txn 1E,2024-06-01 10:00:00,usd,5.00,0.00,5.00,payout,po_1E,,,,,\n"
        "txn_1F,2024-06-01 10:00:00,usd,five,0.00,5.00,payout,po_1F,,,,,\n",
    )
    assert [(error.row, error.message) for error in importer.errors] == [
        (2, "txn_1A (charge): a charge of -5.00 USD: expected more than zero"),
        (3, "txn_1B (refund): a refund of 5.00 USD: expected less than zero"),
        (
            4,
            'txn_1C (payout): created_utc "June 1" is not a date such as '
            "2024-03-04 10:15:00 +0000",
        ),
        (5, 'txn_1D (payout): Currency "dollars" is not a currency code'),
        (7, "txn_1D appears twice in the file"),
        (8, 'id "txn 1E" is not a balance transaction id'),
        (9, 'txn_1F (payout): Amount "five" is not a number'),
    ]
    assert all(error.filename == path for error in importer.errors)


# -- which files are read ---------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (
            "id,Type,Source,Fee,Net,Currency",
            "looks like a Stripe balance history export but lacks the columns Amount (or "
            "gross), Created (UTC) (or created_utc)",
        ),
        (
            "balance_transaction_id,created_utc,currency,gross,reporting_category",
            "not a Stripe balance history export: no column Net (or Fee)",
        ),
        (
            "id;Type;Source;Amount;Fee;Net;Currency;Created (UTC)",
            "the columns are separated by semicolons, not commas: export the file again "
            "with commas (or set your spreadsheet's list separator to ,)",
        ),
    ],
)
def test_files_declined_with_the_reason(tmp_path: Path, header: str, reason: str) -> None:
    path = tmp_path / "balance.csv"
    path.write_text(header + "\n", encoding="utf-8")
    importer = stripe.Importer()
    assert importer.decline(str(path)) == reason
    assert importer.extract(str(path), []) == []
    assert importer.errors[0].row == 1


def test_the_itemised_report_with_its_default_columns_only(tmp_path: Path) -> None:
    """Stripe's default columns of the itemised report: no source or customer."""
    importer, _, text = run(
        tmp_path,
        "balance_transaction_id,created_utc,created,available_on_utc,available_on,"
        "currency,gross,fee,net,reporting_category,description\n"
        "txn_1X,2024-06-01 10:00:00,2024-06-01 12:00:00,2024-06-08 00:00:00,"
        "2024-06-08 02:00:00,eur,10.00,0.40,9.60,charge,Order #1060\n",
        load_text(
            'plugin "beancount_orders.orders"\n'
            '2024-05-01 custom "customer" "ann" "Ann"\n'
            '2024-05-01 custom "order" "SHOP-1060" "ann"\n'
        ).entries,
    )
    assert importer.errors == importer.warnings == []
    assert '2024-06-01 custom "payment" "SHOP-1060" 10.00 EUR Assets:Stripe' in text


def test_options_and_their_defaults() -> None:
    importer = stripe.Importer()
    assert importer.accounts == {
        "payout": "Assets:Bank:Current",
        "fee": "Expenses:Stripe:Fees",
        "charge": "Income:Stripe:Unmatched",
        "dispute": "Expenses:Stripe:Disputes",
        "reserve": "Assets:Stripe:Reserve",
        "adjustment": "Expenses:Stripe:Adjustments",
        "suspense": "Equity:Stripe:Suspense",
    }
    assert stripe.Importer({"unmatched_account": "Income:Tickets"}).unmatched == (
        "Income:Tickets"
    )
    with pytest.raises(ValueError, match="'suspense_account' must be an account name"):
        stripe.Importer({"suspense_account": "suspense"})


def test_a_later_import_finds_the_customer_by_their_stripe_id(tmp_path: Path) -> None:
    """The customer declared with ``stripe-customer:`` is found again by that id, even
    when the later file has no email for them."""
    _, _, first = run(
        tmp_path,
        ITEMISED + "txn_1A,2024-06-01 10:00:00,usd,9.00,0.00,9.00,charge,ch_1A,Plan,"
        "cus_1Ann,Ann@Example.com,Ann Lee,ch_1A\n",
    )
    ledger = load_text('plugin "beancount_orders.orders"\n' + first)
    assert ledger.messages == []
    importer, _, text = run(
        tmp_path,
        ITEMISED + "txn_1B,2024-07-01 10:00:00,usd,9.00,0.00,9.00,charge,ch_1B,Plan,"
        "cus_1Ann,,,ch_1B\n",
        ledger.entries,
    )
    assert importer.errors == importer.warnings == []
    assert text == (
        '2024-07-01 custom "payment" "ann@example.com" 9.00 USD Assets:Stripe\n'
        '  id: "txn_1B"\n'
        '  charge: "ch_1B"\n'
    )


def test_a_row_the_books_cannot_take_is_an_error(tmp_path: Path) -> None:
    """A row dated before the Stripe account's open, or in a currency it is not
    opened for, would fail bean-check: it is an error naming the row instead."""
    header = (
        (DATA / "stripe_balance_history.csv").read_text(encoding="utf-8").split("\n")[0]
    )
    export = tmp_path / "stripe.csv"
    rows = [
        "txn_F1,stripe_fee,,-2.00,0.00,-2.00,eur,2024-03-15 06:00,2024-03-15 06:00,Fee",
        "txn_F2,stripe_fee,,-2.00,0.00,-2.00,usd,2023-12-15 06:00,2023-12-15 06:00,Fee",
        "txn_F3,stripe_fee,,-2.00,0.00,-2.00,usd,2024-03-15 06:00,2024-03-15 06:00,Fee",
    ]
    export.write_text(
        "".join(line + "\n" for line in [header, *(row + ",,,,," for row in rows)]),
        encoding="utf-8",
    )
    books = load_text(
        'plugin "beancount_orders.orders"\n'
        "2024-01-01 open Assets:Stripe USD\n2024-01-01 open Expenses:Stripe:Fees\n"
    )
    importer = stripe.Importer()
    entries = importer.extract(str(export), books.entries)
    assert [(e.row, e.message) for e in importer.errors] == [
        (
            2,
            "txn_F1 (stripe_fee): Assets:Stripe is opened for USD only, not EUR: add the "
            "currency to its open directive",
        ),
        (
            3,
            "txn_F2 (stripe_fee): Assets:Stripe is opened on 2024-01-01, after this row's "
            "date 2023-12-15: move its open directive earlier",
        ),
    ]
    assert [entry.meta["stripe-id"] for entry in entries] == ["txn_F3"]
