"""Importers and hostile names: HTML tags are stripped from the text they write.

Fava 1.30's journal shows payees and metadata as HTML, and a Shopify export
copies "Billing Name" and the other fields customers type as they were typed.
The importers write every such text without its HTML tags, and warn, naming the
row and what was removed; a warning is not an error (the row is imported).

tests/data/importers/shopify_orders_hostile.csv (the real column layout) has its
expected output beside it, with the warnings as ``;; Warning:`` comments. After
a deliberate change, regenerate and review::

    REGENERATE_IMPORTER_EXPECTED=1 python -m pytest tests/test_importers_hostile.py
"""

from __future__ import annotations

import difflib
import io
import os
import re
import shutil
from pathlib import Path
from typing import Any

import beangulp
import pytest
from beancount.core import data
from beancount.parser import printer
from beangulp import testing
from click.testing import CliRunner

from beancount_orders import cli
from beancount_orders.importers import report_errors
from beancount_orders.importers import stripe
from beancount_orders.importers.base import OrdersImporter
from beancount_orders.importers.common import WARNING
from beancount_orders.importers.common import RowError
from beancount_orders.importers.common import strip_tags
from tests.test_importers import BY_NAME
from tests.test_importers import DATA
from tests.test_importers import Case
from tests.test_importers import existing_entries
from tests.test_importers import load_text

REGENERATE = bool(os.environ.get("REGENERATE_IMPORTER_EXPECTED"))
HOSTILE = Case("shopify_orders_hostile.csv", "shopify", {}, ("header_usd.beancount",))
# What a browser would take for a tag.
TAG = re.compile(r"<[A-Za-z/!?]")


def extract(case: Case, path: Path | None = None) -> tuple[OrdersImporter, list[Any]]:
    importer = case.make()
    document = str(path or case.path)
    entries = beangulp.extract.extract_from_file(importer, document, existing_entries(case))
    return importer, entries


def render(importer: OrdersImporter, document: str, entries: list[Any]) -> str:
    """beangulp's expected-file format, with the errors and warnings as comments."""
    buffer = io.StringIO()
    testing.write_expected(
        buffer,
        importer.account(document),
        importer.date(document),
        importer.filename(document),
        [],
    )
    problems = [*importer.errors_for(document), *importer.warnings_for(document)]
    for problem in sorted(problems, key=lambda problem: problem.row):
        label = "Warning" if problem.kind == WARNING else "Error"
        buffer.write(f";; {label}: {Path(problem.filename).name}:{problem.row}: ")
        buffer.write(f"{problem.message}\n")
    if entries:
        buffer.write("\n")
        buffer.write("\n".join(printer.format_entry(entry) for entry in entries))
    return buffer.getvalue()


# -- strip_tags ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cleaned", "removed"),
    [
        ("Ada Quill", "Ada Quill", []),
        ("Evil <img src=x onerror=alert(2)>", "Evil", ["<img src=x onerror=alert(2)>"]),
        ("<b>Bo</b> Marram", "Bo Marram", ["<b>", "</b>"]),
        ("Bo <i>the</i>  Marram", "Bo the Marram", ["<i>", "</i>"]),
        ("a<br>b", "ab", ["<br>"]),
        ("<script>alert(1)</script>", "alert(1)", ["<script>", "</script>"]),
        # Unclosed: a browser would close it with the next > of the page.
        (
            "Mallory <img src=x onerror=alert(5)//",
            "Mallory",
            ["<img src=x onerror=alert(5)//"],
        ),
        # Removing one tag must not make another.
        ("<<b>img src=x onerror=alert(1)>", "", ["<b>", "<img src=x onerror=alert(1)>"]),
        ("<!-- note --> Ann", "Ann", ["<!-- note -->"]),
        ("<svg onload=alert(4)>", "", ["<svg onload=alert(4)>"]),
        # Not tags, and entities stay: they are text to a browser.
        ("3 < 4 > 2", "3 < 4 > 2", []),
        ("<3 Ann", "<3 Ann", []),
        ("Ann &amp; Bo", "Ann &amp; Bo", []),
        ("  Ann  ", "  Ann  ", []),
    ],
)
def test_strip_tags(text: str, cleaned: str, removed: list[str]) -> None:
    assert strip_tags(text) == (cleaned, removed)


# -- the Shopify regression file -------------------------------------------------------


def test_regression() -> None:
    """The import of the hostile sample is exactly its expected .beancount file."""
    importer, entries = extract(HOSTILE)
    actual = render(importer, str(HOSTILE.path), entries)
    if REGENERATE:
        HOSTILE.expected.write_text(actual, encoding="utf-8")
    expected = HOSTILE.expected.read_text(encoding="utf-8")
    diff = "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            fromfile=str(HOSTILE.expected.relative_to(DATA.parent.parent.parent)),
            tofile="imported",
        )
    )
    assert not diff, f"the import differs from the expected file:\n{diff}"


def test_warnings_name_the_row_and_what_was_removed() -> None:
    importer, entries = extract(HOSTILE)
    path = str(HOSTILE.path)
    assert importer.errors == []
    assert importer.warnings[4] == RowError(
        path,
        6,
        'order #4001: Billing Name "Evil <img src=x onerror=alert(2)>": removed HTML '
        'tag <img src=x onerror=alert(2)>, leaving "Evil"',
        WARNING,
    )
    assert str(importer.warnings[4]).startswith(f"{path}:6: warning: order #4001: ")
    assert [warning.row for warning in importer.warnings] == [2, 3, 3, 4, 6, 6, 6]
    # Every order is imported, whatever its warnings.
    orders = [
        entry.values[0].value
        for entry in entries
        if isinstance(entry, data.Custom) and entry.type == "order"
    ]
    assert orders == ["SHOP-4001", "SHOP-4002", "SHOP-4003", "SHOP-4004"]


def test_no_tag_is_written() -> None:
    text = HOSTILE.expected.read_text(encoding="utf-8")
    written = [line for line in text.splitlines() if not line.startswith(";")]
    assert [line for line in written if TAG.search(line)] == []
    # The customer's name is the Billing Name without the tag.
    assert '2024-06-01 custom "customer" "evil.one@example.com" "Evil"' in written


def test_the_output_loads_cleanly_and_check_has_no_warning() -> None:
    loaded = load_text(HOSTILE.ledger_text() + HOSTILE.expected.read_text(encoding="utf-8"))
    assert loaded.messages == []
    assert cli.markup_warnings(loaded.entries) == []
    assert loaded.book.customers["evil.one@example.com"].name == "Evil"


def test_a_second_import_adds_nothing_and_warns_of_nothing() -> None:
    """The warnings are about what is written: nothing, the second time."""
    loaded = load_text(HOSTILE.ledger_text() + HOSTILE.expected.read_text(encoding="utf-8"))
    importer = HOSTILE.make()
    assert importer.extract(str(HOSTILE.path), loaded.entries) == []
    assert (importer.errors, importer.warnings) == ([], [])


def test_extracting_again_replaces_the_files_warnings() -> None:
    importer, _ = extract(HOSTILE)
    first = list(importer.warnings)
    importer.extract(str(HOSTILE.path), existing_entries(HOSTILE))
    assert importer.warnings == first


def test_report_errors_prints_warnings_by_row(capsys: pytest.CaptureFixture[str]) -> None:
    importer, entries = extract(HOSTILE)
    path = str(HOSTILE.path)
    importer.errors = [RowError(path, 3, "a made-up error")]
    report_errors([(path, entries, "Assets:Receivable", importer)], [])
    lines = capsys.readouterr().err.splitlines()
    assert lines[:4] == [
        f'{path}:2: warning: order #4004: Billing Name "Mallory <img src=x '
        'onerror=alert(5)//": removed HTML tag <img src=x onerror=alert(5)//, leaving '
        '"Mallory"',
        f"{path}:3: a made-up error",
        f'{path}:3: warning: order #4003: Billing Name "<svg onload=alert(4)>": removed '
        "HTML tag <svg onload=alert(4)>, leaving nothing",
        f'{path}:3: warning: order #4003: Shipping Method "Standard <i>2-day</i>": '
        'removed HTML tags <i> </i>, leaving "Standard 2-day"',
    ]
    assert len(lines) == 8


def test_an_email_is_an_id_and_loses_its_tags_too(tmp_path: Path) -> None:
    """The email is the customer's id: the same stripped id in every directive."""
    text = HOSTILE.path.read_text(encoding="utf-8-sig").replace(
        "mal.lory@example.com", "Mal.Lory@example.com<img src=x onerror=alert(6)>"
    )
    path = tmp_path / "orders_export.csv"
    path.write_text(text, encoding="utf-8")
    importer, entries = extract(HOSTILE, path)
    assert importer.errors == []
    assert importer.warnings[1].message == (
        'order #4004: Email "Mal.Lory@example.com<img src=x onerror=alert(6)>": removed '
        'HTML tag <img src=x onerror=alert(6)>, leaving "Mal.Lory@example.com"'
    )
    written = "".join(printer.format_entry(entry) for entry in entries)
    assert not TAG.search(written)
    assert written.count('"mal.lory@example.com"') == 3  # customer, its email, order


def test_bean_orders_import_shows_the_warnings(tmp_path: Path) -> None:
    export = tmp_path / "orders_export.csv"
    shutil.copy(HOSTILE.path, export)
    result = CliRunner().invoke(cli.main, ["import", "extract", str(export)])
    assert result.exit_code == 0, result.output
    assert f"{export}:6: warning: order #4001: Billing Name " in result.stderr
    assert 'custom "customer" "evil.one@example.com" "Evil"' in result.stdout
    assert "onerror" not in result.stdout


# -- Stripe ----------------------------------------------------------------------------


def test_stripe_text_loses_its_tags(tmp_path: Path) -> None:
    """The Description of payouts and fees becomes a narration; the Source is
    written into payments, credits and narrations."""
    case = BY_NAME["stripe_balance_history.csv"]
    text = (
        case.path.read_text(encoding="utf-8-sig")
        .replace(
            "Billing - Usage Fee (2024-03-14)", "Billing - Usage Fee <i>(2024-03-14)</i>"
        )
        .replace(",STRIPE PAYOUT,", ",<b>STRIPE</b> PAYOUT,")
        .replace(
            ",ch_3OsBoExample0002,", ",ch_3OsBoExample0002<img src=x onerror=alert(1)>,"
        )
    )
    path = tmp_path / "balance_history.csv"
    path.write_text(text, encoding="utf-8")
    importer = stripe.Importer()
    entries = importer.extract(str(path), existing_entries(case))
    assert importer.errors == []
    assert importer.warnings == [
        RowError(
            str(path),
            2,
            'txn_3OtFeeExample0015 (stripe_fee): Description "Billing - Usage Fee '
            '<i>(2024-03-14)</i>": removed HTML tags <i> </i>, leaving '
            '"Billing - Usage Fee (2024-03-14)"',
            WARNING,
        ),
        RowError(
            str(path),
            3,
            'txn_1OsPayoutExample0012 (payout): Description "<b>STRIPE</b> PAYOUT": '
            'removed HTML tags <b> </b>, leaving "STRIPE PAYOUT"',
            WARNING,
        ),
        RowError(
            str(path),
            6,
            'txn_3OsBoChargeExample0002 (charge): Source "ch_3OsBoExample0002<img src=x '
            'onerror=alert(1)>": removed HTML tag <img src=x onerror=alert(1)>, leaving '
            '"ch_3OsBoExample0002"',
            WARNING,
        ),
    ]
    written = "".join(printer.format_entry(entry) for entry in entries)
    assert not TAG.search(written)
    # The same entries as from the clean export, but for the file's name.
    clean = stripe.Importer().extract(str(case.path), existing_entries(case))
    assert written.replace(str(path), str(case.path)) == "".join(
        printer.format_entry(entry) for entry in clean
    )
