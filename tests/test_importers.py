"""The Shopify and Stripe importers: regression files, idempotency, errors.

Each sample export in ``tests/data/importers/`` (the real column layout, made-up
people) has its expected output beside it, ``NAME.csv.beancount``: beangulp's
expected-file header (account, date, name), one ``;; Error:`` comment per row
that was not imported, then the extracted directives. The test runs the
importer and compares, as a unified diff.

After a deliberate change, regenerate the expected files and review the diff
before committing it::

    REGENERATE_IMPORTER_EXPECTED=1 python -m pytest tests/test_importers.py

Every expected output also has to load, after its ledger header, with zero
errors through the plugin, and give the receivables worked out by hand below.
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import io
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import beangulp
import pytest
from beancount import loader
from beancount.core import data
from beangulp import testing

from beancount_orders.importers import RowError
from beancount_orders.importers import default_importers
from beancount_orders.importers import report_errors
from beancount_orders.importers import shopify
from beancount_orders.importers import shopify_model
from beancount_orders.importers import stripe
from beancount_orders.importers.base import OrdersImporter
from beancount_orders.importers.common import DUPLICATE
from beancount_orders.importers.common import commodity_name
from beancount_orders.importers.common import order_id
from tests.helpers import Loaded

DATA = Path(__file__).resolve().parent / "data" / "importers"
REGENERATE = bool(os.environ.get("REGENERATE_IMPORTER_EXPECTED"))


@dataclasses.dataclass(frozen=True)
class Case:
    """A sample export, its importer, and the ledger it is imported into."""

    document: str
    importer: str  # "shopify" or "stripe"
    config: dict[str, Any]
    # The ledger before the import: a header, then earlier imports' expected output.
    ledger: tuple[str, ...]

    @property
    def path(self) -> Path:
        return DATA / self.document

    @property
    def expected(self) -> Path:
        return DATA / f"{self.document}.beancount"

    def make(self) -> OrdersImporter:
        module = shopify if self.importer == "shopify" else stripe
        return module.Importer(self.config)

    def ledger_text(self) -> str:
        return "".join(
            (DATA / name).read_text(encoding="utf-8") + "\n" for name in self.ledger
        )


USD = "header_usd.beancount"
CASES = [
    Case("shopify_orders_export.csv", "shopify", {}, (USD,)),
    Case(
        "shopify_orders_vat_included.csv",
        "shopify",
        {"prices_include_tax": True},
        ("header_eur.beancount",),
    ),
    Case("shopify_orders_broken.csv", "shopify", {}, (USD,)),
    Case(
        "stripe_balance_history.csv",
        "stripe",
        {},
        (USD, "shopify_orders_export.csv.beancount"),
    ),
    Case(
        "stripe_balance_broken.csv",
        "stripe",
        {},
        (USD, "shopify_orders_broken.csv.beancount"),
    ),
    # The layouts and the shapes of real shops' exports (made-up people).
    Case("shopify_real_usd.csv", "shopify", {}, ("header_usd_real.beancount",)),
    Case(
        "shopify_real_zar_vat.csv",
        "shopify",
        {"prices_include_tax": True},
        ("header_zar.beancount",),
    ),
    Case("shopify_older_layout.csv", "shopify", {}, ("header_gbp.beancount",)),
    Case("shopify_own_columns.csv", "shopify", {}, ("header_plain.beancount",)),
]
BY_NAME = {case.document: case for case in CASES}


def load_text(text: str) -> Loaded:
    entries, errors, options = loader.load_string(text)
    return Loaded(entries, errors, options)


def existing_entries(case: Case) -> list[data.Directive]:
    """The ledger before the import, as beangulp passes it to extract."""
    loaded = load_text(case.ledger_text())
    assert not loaded.errors, loaded.messages
    return loaded.entries


def extract(case: Case, path: Path | None = None) -> tuple[OrdersImporter, list[Any]]:
    importer = case.make()
    document = str(path or case.path)
    entries = beangulp.extract.extract_from_file(importer, document, existing_entries(case))
    return importer, entries


def render(importer: OrdersImporter, document: str, entries: list[Any]) -> str:
    """The expected-file text: beangulp's format, with the row errors as comments."""
    buffer = io.StringIO()
    testing.write_expected(
        buffer,
        importer.account(document),
        importer.date(document),
        importer.filename(document),
        [],
    )
    for error in importer.errors_for(document):
        buffer.write(
            f";; Error: {Path(error.filename).name}:{error.row}: {error.message}\n"
        )
    if entries:
        buffer.write("\n")
        buffer.write("\n".join(_format(entry) for entry in entries))
    return buffer.getvalue()


def _format(entry: Any) -> str:
    from beancount.parser import printer

    return printer.format_entry(entry)


# -- regression: the sample files ---------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.document)
def test_regression(case: Case) -> None:
    """The import of each sample is exactly its expected .beancount file."""
    importer, entries = extract(case)
    actual = render(importer, str(case.path), entries)
    if REGENERATE:
        case.expected.write_text(actual, encoding="utf-8")
    expected = case.expected.read_text(encoding="utf-8")
    diff = "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            fromfile=str(case.expected.relative_to(DATA.parent.parent.parent)),
            tofile="imported",
        )
    )
    assert not diff, f"the import differs from the expected file:\n{diff}"


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.document)
def test_deterministic(case: Case) -> None:
    """The same input gives the same bytes."""
    first, entries = extract(case)
    second, again = extract(case)
    assert render(first, str(case.path), entries) == render(second, str(case.path), again)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.document)
def test_expected_output_loads_cleanly(case: Case) -> None:
    """Each expected output, after its ledger, loads with zero errors through the plugin."""
    loaded = load_text(case.ledger_text() + case.expected.read_text(encoding="utf-8"))
    assert loaded.messages == []


def balances_after(*documents: str) -> dict[str, str]:
    case = BY_NAME[documents[-1]]
    text = case.ledger_text() + case.expected.read_text(encoding="utf-8")
    loaded = load_text(text)
    assert loaded.messages == []
    return loaded.balances()


def test_receivables_after_the_shopify_import() -> None:
    """Worked out by hand from the sample export (USD, 8.875% NY sales tax)."""
    balances = balances_after("shopify_orders_export.csv")
    receivables = {k: v for k, v in balances.items() if k.startswith("Assets:Receivable")}
    assert receivables == {
        # #1002 (83.56) is paid through Stripe: its payment comes with the Stripe import.
        "Assets:Receivable:Bo-marram-example-com": "83.56 USD",
        # #1003: fulfilled, bank deposit still pending.
        "Assets:Receivable:Cy-fenwick-example-com": "33.81 USD",
        # #1006: paid through Stripe, then cancelled and refunded through Stripe.
        "Assets:Receivable:Eli-brandt-example-net": "77.30 USD",
    }
    # Ada's #1001 (61.08) and #1005 (43.01) are paid; 16.88 of #1005 was refunded.
    assert (
        balances["Assets:Clearing:Shopify-payments"] == "145.56 USD"
    )  # 61.08+43.01+58.35-16.88
    assert balances["Income:Sales:Credits"] == "16.88 USD"
    assert "Liabilities:CustomerCredit:Ada-quill-example-com" not in balances
    # Net sales: every invoice's lines after discounts, before tax.
    assert balances["Income:Sales"] == "-329.75 USD"  # 357.11 invoiced less 27.36 tax
    assert balances["Liabilities:SalesTax"] == "-27.36 USD"
    # Dee's #1004 was cancelled before payment: no invoice, nothing owed.
    assert not any("Dee" in account for account in balances)


def test_receivables_after_the_stripe_import() -> None:
    """Stripe pays Bo's #1002 and Eli's #1006, then refunds #1006."""
    balances = balances_after("shopify_orders_export.csv", "stripe_balance_history.csv")
    receivables = {k: v for k, v in balances.items() if k.startswith("Assets:Receivable")}
    assert receivables == {"Assets:Receivable:Cy-fenwick-example-com": "33.81 USD"}
    assert balances["Income:Sales:Credits"] == "94.18 USD"  # 16.88 + 77.30
    # 80.84 + 74.76 - 77.30 - 78.30 (payout) - 2.00 (Stripe's usage fee)
    assert balances["Assets:Stripe"] == "-2.00 USD"
    assert balances["Expenses:Stripe:Fees"] == "7.26 USD"  # 2.72 + 2.54 + 2.00
    assert balances["Assets:Bank:Current"] == "78.30 USD"


def test_vat_included_invoices_are_the_totals() -> None:
    balances = balances_after("shopify_orders_vat_included.csv")
    assert balances["Assets:Clearing:Shopify-payments"] == "88.80 EUR"  # 44.70 + 44.10
    assert balances["Liabilities:SalesTax"] == "-14.17 EUR"  # 7.13 + 7.04, as Shopify
    assert not any(account.startswith("Assets:Receivable") for account in balances)


# -- idempotency ---------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.document)
def test_second_import_adds_nothing(case: Case) -> None:
    """Importing a file into the ledger that already has its import adds nothing."""
    text = case.ledger_text() + case.expected.read_text(encoding="utf-8")
    loaded = load_text(text)
    importer = case.make()
    assert importer.extract(str(case.path), loaded.entries) == []
    # Broken rows are still reported: they were never imported.
    first, _ = extract(case)
    assert importer.errors == first.errors


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.document)
def test_same_file_twice_in_one_run_is_marked_duplicate(case: Case) -> None:
    """beangulp's run: the second extraction is deduplicated against the first."""
    importer, first = extract(case)
    _, second = extract(case)
    importer.deduplicate(second, existing_entries(case) + first)
    assert second, "the sample imports something"
    assert [entry for entry in second if not entry.meta.get(DUPLICATE)] == []


def test_a_known_order_is_not_emitted_again_even_if_changed(tmp_path: Path) -> None:
    """Deduplication is by document id: an order already in the ledger is left alone."""
    case = BY_NAME["shopify_orders_export.csv"]
    ledger = case.ledger_text() + case.expected.read_text(encoding="utf-8")
    changed = case.path.read_text(encoding="utf-8-sig").replace(
        "Speckled Mug - Blue", "Speckled Mug (blue)"
    )
    path = tmp_path / "orders_export.csv"
    path.write_text(changed, encoding="utf-8")
    assert case.make().extract(str(path), load_text(ledger).entries) == []


def test_later_export_adds_only_the_new_events(tmp_path: Path) -> None:
    """#1007 is now fully fulfilled and #1005 refunded more: only the difference."""
    case = BY_NAME["shopify_orders_export.csv"]
    ledger = case.ledger_text() + case.expected.read_text(encoding="utf-8")
    text = case.path.read_text(encoding="utf-8-sig")
    text = text.replace(
        "#1007,bo.marram@example.com,paid,2024-03-12 16:40:11 -0400,partial,,",
        "#1007,bo.marram@example.com,paid,2024-03-12 16:40:11 -0400,fulfilled,"
        "2024-03-14 09:00:00 -0400,",
    ).replace("12-oz-beans,true,true,pending", "12-oz-beans,true,true,fulfilled")
    text = text.replace(
        "Shopify Payments,c5550001005.1,16.88,", "Shopify Payments,c5550001005.1,20.00,"
    )
    path = tmp_path / "orders_export_later.csv"
    path.write_text(text, encoding="utf-8")
    # The ledger had dispatched the mug of #1007 by hand already.
    ledger += '2024-03-13 custom "dispatch" "SHOP-1007" "MUG-BLUE" 1\n'
    importer = case.make()
    entries = importer.extract(str(path), load_text(ledger).entries)
    assert importer.errors == []
    assert render_entries(entries) == (
        '2024-03-14 custom "dispatch" "SHOP-1007" "SKU-12-OZ-BEANS" 2\n'
        '2024-03-09 custom "credit" "SHOP-1005-R2" "ada.quill@example.com" 3.12 USD\n'
        '  reason: "Shopify refund"\n'
        '  order: "SHOP-1005"\n'
        '2024-03-09 custom "refund" "ada.quill@example.com" 3.12 USD "shopify-payments"\n'
        '  credit: "SHOP-1005-R2"\n'
    )
    assert load_text(ledger + render_entries(entries)).messages == []


def _shopify_payments_1006(tmp_path: Path, refunded: str = "77.30") -> Path:
    """The sample export with #1006 paid and refunded through Shopify Payments."""
    text = BY_NAME["shopify_orders_export.csv"].path.read_text(encoding="utf-8-sig")
    text = text.replace(
        ",Stripe,ch_3OsEliExample0006,77.30,",
        f",Shopify Payments,ch_3OsEliExample0006,{refunded},",
    )
    path = tmp_path / "orders_export_1006.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_order_refunded_whole_is_credited_with_its_tax(tmp_path: Path) -> None:
    """#1006, refunded whole: a full credit order on its invoice, paid back."""
    case = BY_NAME["shopify_orders_export.csv"]
    importer, entries = extract(case, _shopify_payments_1006(tmp_path))
    assert importer.errors == []
    text = render_entries(entries)
    start = text.index('2024-03-10 custom "payment" "SHOP-1006"')
    assert text[start : text.index('2024-03-12 custom "order" "SHOP-1007"')] == (
        '2024-03-10 custom "payment" "SHOP-1006" 77.30 USD "shopify-payments"\n'
        '  id: "SHOP-1006-PAY"\n'
        '  gateway: "Shopify Payments"\n'
        '2024-03-11 custom "credit-order" "SHOP-1006-R1" "SHOP-1006-INV"\n'
        "  full: TRUE\n"
        '  reason: "Shopify refund"\n'
        '2024-03-11 custom "refund" "eli.brandt@example.net" 77.30 USD '
        '"shopify-payments"\n'
        '  from: "receivable"\n'
        '  order: "SHOP-1006"\n'
    )
    ledger = case.ledger_text() + text
    loaded = load_text(ledger)
    assert loaded.messages == []
    # The sales and the sales tax come back; the customer owes nothing and is
    # owed nothing; the money left the clearing account.
    (credit_order, refund) = [
        block
        for block in loaded.expand().split("\n\n")
        if block.startswith("2024-03-11") and "SHOP-1006" in block
    ]
    assert credit_order.splitlines()[-10:] == [
        "  Income:Sales:Returns                       64.00 USD",
        '    item: "POUR-OVER-KETTLE-ST-11B9"',
        '    type: "credit"',
        "  Income:Sales:Returns                        7.00 USD",
        '    item: "SHIPPING"',
        '    type: "credit"',
        "  Liabilities:SalesTax                        6.30 USD",
        "    rate: 0.08875",
        '    jurisdiction: "NY Sales Tax 8.875%"',
        "  Assets:Receivable:Eli-brandt-example-net  -77.30 USD",
    ]
    assert refund.splitlines()[-2:] == [
        "  Assets:Receivable:Eli-brandt-example-net   77.30 USD",
        "  Assets:Clearing:Shopify-payments          -77.30 USD",
    ]
    assert "Assets:Receivable:Eli-brandt-example-net" not in loaded.balances()
    order = loaded.book.orders["SHOP-1006"]
    assert (order.invoiced, order.paid, order.credited, order.outstanding) == (
        Decimal("77.30"),
        Decimal("0.00"),
        Decimal("77.30"),
        Decimal("0.00"),
    )
    # A later import of the same export adds nothing.
    again = case.make().extract(str(_shopify_payments_1006(tmp_path)), loaded.entries)
    assert again == []


def test_a_refund_above_the_total_is_an_error(tmp_path: Path) -> None:
    case = BY_NAME["shopify_orders_export.csv"]
    path = _shopify_payments_1006(tmp_path, refunded="80.00")
    importer, entries = extract(case, path)
    assert importer.errors == [
        RowError(
            str(path), 4, "order #1006: Refunded Amount 80.00 is more than the Total 77.30"
        )
    ]
    assert not any("SHOP-1006" in _format(entry) for entry in entries)


def render_entries(entries: list[Any]) -> str:
    return "".join(_format(entry) for entry in entries)


# -- errors --------------------------------------------------------------------------


def test_broken_shopify_rows_are_errors_naming_the_row() -> None:
    importer, entries = extract(BY_NAME["shopify_orders_broken.csv"])
    path = str(DATA / "shopify_orders_broken.csv")
    assert importer.errors == [
        # Line 7: the order's first row has a note over three lines (4 to 6).
        RowError(path, 7, 'order #3002: Lineitem quantity "two" is not a number'),
        RowError(
            path,
            9,
            'order #3004: Paid at "03/05/2024 10:00" is not a date such as '
            "2024-03-04 10:15:00 +0000",
        ),
    ]
    assert str(importer.errors[0]) == (
        f'{path}:7: order #3002: Lineitem quantity "two" is not a number'
    )
    # The good orders still import; the one whose Total holds more than its
    # parts has a tip, with a warning.
    orders = [e.values[0].value for e in entries if getattr(e, "type", "") == "order"]
    assert orders == ["SHOP-3001", "SHOP-3003"]
    assert [str(found) for found in importer.warnings] == [
        f"{path}:2: warning: order #3003: Total 25.00 is 5.00 more than Subtotal 20.00 "
        "+ Shipping 0.00 + Taxes 0.00: booked as a tip (TIP, to Income:Tips)"
    ]


def test_broken_stripe_rows_are_errors_naming_the_row() -> None:
    """The rows that cannot be imported; the tip and the dispute of this sample are
    imported (tests/test_stripe_real.py)."""
    importer, _ = extract(BY_NAME["stripe_balance_broken.csv"])
    path = str(DATA / "stripe_balance_broken.csv")
    assert [(error.row, error.message) for error in importer.errors] == [
        (
            4,
            "txn_3PkChargeExample0003 (charge): "
            "Net 19.00 is not Amount 20.00 less Fee 0.88",
        ),
    ]
    assert all(error.filename == path for error in importer.errors)


def test_errors_are_replaced_per_file_and_kept_across_files(tmp_path: Path) -> None:
    importer = shopify.Importer()
    broken = str(DATA / "shopify_orders_broken.csv")
    importer.extract(broken, [])
    importer.extract(broken, [])
    assert len(importer.errors) == 2
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    assert importer.extract(str(empty), []) == []
    assert importer.errors_for(str(empty)) == [RowError(str(empty), 1, "the file is empty")]
    assert len(importer.errors) == 3


def test_a_file_without_the_columns_is_one_error(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("Name,Email,Total\n#1,a@example.com,1.00\n", encoding="utf-8")
    importer = shopify.Importer()
    assert importer.extract(str(path), []) == []
    (error,) = importer.errors
    assert error.row == 1
    assert error.message.startswith(
        "not a Shopify orders export: missing columns Financial"
    )


def test_a_bad_row_of_an_order_keeps_the_whole_order_out(tmp_path: Path) -> None:
    text = (DATA / "shopify_orders_export.csv").read_text(encoding="utf-8-sig")
    text = text.replace(
        "#1005,ada.quill@example.com,,,,,,,,,,,,,,,1,", "#1005,,,,,,,,,,,,,,,,-1,"
    )
    path = tmp_path / "orders.csv"
    path.write_text(text, encoding="utf-8")
    importer = shopify.Importer()
    entries = importer.extract(str(path), [])
    assert [(e.row, e.message) for e in importer.errors] == [
        (6, 'order #1005: Lineitem quantity "-1" is not a whole number above zero')
    ]
    customs = [e for e in entries if isinstance(e, data.Custom)]
    assert "SHOP-1005" not in {e.values[0].value for e in customs}
    assert "SHOP-1004" in {e.values[0].value for e in customs}


def test_unknown_financial_status_and_clashing_skus(tmp_path: Path) -> None:
    text = (DATA / "shopify_orders_export.csv").read_text(encoding="utf-8-sig")
    text = text.replace(",voided,", ",chargeback,").replace(
        "1,Brewing Guide (PDF),9.00,,GUIDE-PDF", "1,Brewing Guide (PDF),9.00,,Guide pdf"
    )
    path = tmp_path / "orders.csv"
    path.write_text(text, encoding="utf-8")
    importer = shopify.Importer({"items": {"Guide pdf": "TOTE-BAG-NATURAL"}})
    importer.extract(str(path), [])
    assert [(e.row, e.message) for e in importer.errors] == [
        (
            7,
            'order #1004: Financial Status "chargeback" is not one of paid, '
            "partially_paid, partially_refunded, refunded, pending, authorized, unpaid, "
            "voided, expired",
        ),
        (
            9,
            'order #1003: SKU "Guide pdf" and "tote bag/natural" (line 6) would both be '
            "commodity TOTE-BAG-NATURAL; map one of them with the items option",
        ),
    ]


def test_the_tax_mode_must_match_the_shop() -> None:
    """A VAT-included export read as tax-exclusive (and the reverse) is an error."""
    exclusive = shopify.Importer()
    path = str(DATA / "shopify_orders_vat_included.csv")
    assert exclusive.extract(path, []) == []
    assert [(e.row, e.message) for e in exclusive.errors] == [
        (
            2,
            "order #2002: Total 44.10 is Subtotal 44.10 + Shipping 0.00: the shop's "
            "prices include the Taxes 7.04; import it with prices_include_tax True (and "
            "set the plugin's option alike)",
        ),
        (
            3,
            "order #2001: Total 44.70 is Subtotal 39.80 + Shipping 4.90: the shop's "
            "prices include the Taxes 7.13; import it with prices_include_tax True (and "
            "set the plugin's option alike)",
        ),
    ]
    inclusive = shopify.Importer({"prices_include_tax": True})
    inclusive.extract(str(DATA / "shopify_orders_export.csv"), [])
    assert inclusive.errors[0].message == (
        "order #1007: Total 58.35 is Subtotal 49.00 + Shipping 5.00 + Taxes 4.35: the "
        "shop's prices exclude tax; import it with prices_include_tax False (and set the "
        "plugin's option alike)"
    )


def test_internal_errors_are_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    importer = stripe.Importer()

    def boom(*args: Any) -> Any:
        raise KeyError("surprise")

    monkeypatch.setattr(importer, "row", boom)
    path = str(DATA / "stripe_balance_history.csv")
    assert importer.extract(path, []) == []
    (error,) = importer.errors
    assert error.row == 1
    assert error.message.startswith(
        "internal error in beancount_orders.importers.stripe.Importer"
    )


def test_report_errors_hook_prints_file_row_message(
    capsys: pytest.CaptureFixture[str],
) -> None:
    importer = shopify.Importer()
    path = str(DATA / "shopify_orders_broken.csv")
    entries = importer.extract(path, [])
    extracted = [(path, entries, importer.account(path), importer)]
    assert report_errors(extracted, []) is extracted
    lines = capsys.readouterr().err.splitlines()
    assert lines[1] == f'{path}:7: order #3002: Lineitem quantity "two" is not a number'
    assert len(lines) == 3


# -- beangulp's interface ---------------------------------------------------------------


def test_identify_and_filing() -> None:
    shop, pay = shopify.Importer(), stripe.Importer()
    for case in CASES:
        mine = shop if case.importer == "shopify" else pay
        other = pay if mine is shop else shop
        assert mine.identify(str(case.path)), case.document
        assert not other.identify(str(case.path)), case.document
    assert not shop.identify(str(DATA / "header_usd.beancount"))
    orders = str(DATA / "shopify_orders_export.csv")
    assert shop.account(orders) == "Assets:Receivable"
    assert shop.date(orders) == datetime.date(2024, 3, 12)
    assert shop.filename(orders) == "shopify-orders.csv"
    history = str(DATA / "stripe_balance_history.csv")
    assert pay.account(history) == "Assets:Stripe"
    assert pay.date(history) == datetime.date(2024, 3, 15)
    assert pay.filename(history) == "stripe-balance-history.csv"
    assert isinstance(shop, beangulp.Importer)
    assert shop.name == "beancount_orders.importers.shopify.Importer"


def test_a_file_without_bom_reads_the_same(tmp_path: Path) -> None:
    source = DATA / "shopify_orders_export.csv"
    assert source.read_bytes().startswith(b"\xef\xbb\xbf")
    plain = tmp_path / source.name
    plain.write_bytes(source.read_bytes()[3:])
    _, with_bom = extract(BY_NAME[source.name])
    _, without = extract(BY_NAME[source.name], plain)
    assert render_entries(with_bom) == render_entries(without)


def test_default_importers() -> None:
    importers = default_importers()
    assert [type(i) for i in importers] == [shopify.Importer, stripe.Importer]
    configured = default_importers(
        {"order_prefix": "WEB-", "stripe": {"payout_account": "Assets:Bank:Savings"}}
    )
    shop, pay = configured
    assert isinstance(shop, shopify.Importer) and isinstance(pay, stripe.Importer)
    assert shop.prefix == pay.prefix == "WEB-"
    assert pay.payouts == "Assets:Bank:Savings"
    with pytest.raises(ValueError, match="unknown importer configuration key 'shop'"):
        default_importers({"shop": {}})
    with pytest.raises(ValueError, match="unknown Stripe importer option 'fee_account'"):
        default_importers({"stripe": {"fee_account": "Expenses:Fees"}})
    with pytest.raises(ValueError, match="'account' must be an account name"):
        stripe.Importer({"account": "stripe"})


def test_stripe_refund_finds_its_order_through_the_charge(tmp_path: Path) -> None:
    """A refund whose Description names no order uses the order its charge paid."""
    case = BY_NAME["stripe_balance_history.csv"]
    text = case.path.read_text(encoding="utf-8").replace(
        "REFUND FOR CHARGE (Order #1006)", "REFUND FOR CHARGE"
    )
    path = tmp_path / "balance.csv"
    path.write_text(text, encoding="utf-8")
    importer, entries = extract(case, path)
    assert importer.errors == []
    _, expected = extract(case)
    assert render_entries(entries) == render_entries(expected)
    # And through a charge already in the ledger.
    ledger = case.ledger_text() + case.expected.read_text(encoding="utf-8")
    ledger = ledger[: ledger.index('2024-03-03 custom "payment"')]  # Shopify's part only
    ledger += (
        '2024-03-10 custom "payment" "SHOP-1006" 77.30 USD Assets:Stripe\n'
        '  id: "PAY-1006"\n'
        '  charge: "ch_3OsEliExample0006"\n'
    )
    header, refund = text.splitlines()[0], text.splitlines()[3]
    path.write_text(f"{header}\n{refund}\n", encoding="utf-8")
    importer = stripe.Importer()
    entries = importer.extract(str(path), load_text(ledger).entries)
    assert importer.errors == []
    assert [(e.type, e.values[0].value) for e in entries] == [
        ("credit", "txn_3OsEliRefundExample0006"),
        ("refund", "eli.brandt@example.net"),
    ]


# -- names and money -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("#1060", "SHOP-1060"),
        ("#EU 1060", "SHOP-EU-1060"),
        ("1060", "SHOP-1060"),
        ("#", None),
    ],
)
def test_order_ids(name: str, expected: str | None) -> None:
    assert order_id(name, "SHOP-") == expected


@pytest.mark.parametrize(
    ("sku", "expected"),
    [
        ("MUG-BLUE", "MUG-BLUE"),
        ("mug blue / L", "MUG-BLUE-L"),
        ("12-oz-beans", "SKU-12-OZ-BEANS"),
        ("filtre-café-100", "FILTRE-CAFE-100"),
        ("POUR-OVER-KETTLE-STAINLESS-1L", "POUR-OVER-KETTLE-ST-11B9"),
        ("POUR-OVER-KETTLE-STAINLESS-2L", "POUR-OVER-KETTLE-ST-F63E"),
        ("--", None),
        ("Tom's tea.", "TOM'S-TEA"),
    ],
)
def test_commodity_names(sku: str, expected: str | None) -> None:
    assert commodity_name(sku) == expected


def test_fitted_prices_and_rates_reproduce_the_cents() -> None:
    cent = Decimal("0.01")
    # 3 for 25.00: the shortest unit price that the plugin turns into 25.00.
    assert shopify_model.fit_price(
        Decimal(3), Decimal("25.00"), Decimal("10.00"), cent
    ) == Decimal("8.333")
    assert shopify_model.fit_price(
        Decimal(2), Decimal("36.00"), Decimal("18.00"), cent
    ) == Decimal("18.00")
    # The nominal rate when it gives the tax, else the shortest rate that does.
    rate = shopify_model.fit_rate(
        Decimal("36.00"), Decimal("3.20"), False, Decimal("0.08875"), cent
    )
    assert rate == Decimal("0.08875")
    assert shopify_model.fit_rate(
        Decimal("36.00"), Decimal("3.20"), False, None, cent
    ) == Decimal("0.089")
    fit_rate = shopify_model.fit_rate
    assert fit_rate(Decimal("39.80"), Decimal("6.35"), True, None, cent) == Decimal("0.19")
    assert fit_rate(Decimal("1.00"), Decimal("5.00"), False, None, cent) is None
    assert shopify_model.allocate(Decimal("5.00"), [Decimal(24), Decimal(9)], cent) == [
        Decimal("3.64"),
        Decimal("1.36"),
    ]


def test_bad_options_are_value_errors() -> None:
    with pytest.raises(ValueError, match="unknown Shopify importer option 'prefix'"):
        shopify.Importer({"prefix": "X"})
    with pytest.raises(ValueError, match="'shipping_item' must be a commodity name"):
        shopify.Importer({"shipping_item": "shipping"})
    with pytest.raises(ValueError, match="'order_pattern' must have one group"):
        stripe.Importer({"order_pattern": "#"})


def test_gateway_methods() -> None:
    importer = shopify.Importer(
        {"gateways": {"Shopify Payments": "Assets:Shopify:Balance", "Cash": "till"}}
    )
    assert importer.method("Shopify Payments") == "Assets:Shopify:Balance"
    assert type(importer.method("Shopify Payments")).__name__ == "Account"
    assert importer.method("cash") == "till"
    assert importer.method("PayPal Express Checkout") == "paypal-express-checkout"
