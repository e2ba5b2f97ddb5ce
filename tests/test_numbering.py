"""Numbering (config ``numbering``): gaps and padding in each series of document ids,
as the series module finds them and as ``bean-orders check`` lists them."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from click.testing import Result

from beancount_orders import cli
from beancount_orders.reports.numbering import numbering_problems
from beancount_orders.reports.numbering import series
from tests.helpers import load

LEDGER = """\
plugin "beancount_orders.orders" "{'numbering': True}"
2024-01-01 open Assets:Bank GBP
2024-01-01 custom "customer" "acme" "Acme Ltd"
2024-01-02 custom "order" "SO-1" "acme"
2024-01-02 custom "line" "SO-1" "WIDGET" 10 9.99 GBP
2024-01-03 custom "invoice" "SO-1" "INV-7" "WIDGET" 1
2024-01-04 custom "invoice" "SO-1" "INV-8" "WIDGET" 1
2024-01-05 custom "invoice" "SO-1" "INV-10" "WIDGET" 1
2024-01-06 custom "invoice" "SO-1" "INV-007" "WIDGET" 1
2024-01-07 custom "invoice" "SO-1" "INV-15" "WIDGET" 1
2024-01-08 custom "void" "INV-8"
2024-01-09 custom "order" "SO-3" "acme"
2024-01-09 custom "line" "SO-3" "WIDGET" 1 9.99 GBP
2024-01-10 custom "cancel" "SO-3" "WIDGET" 1
2024-01-11 custom "payment" "SO-1" 5.00 GBP Assets:Bank
  id: "BANK-1"
2024-01-12 custom "payment" "SO-1" 5.00 GBP Assets:Bank
  id: "BANK-9"
2024-01-13 custom "credit-order" "INV-11" "INV-7"
  status: "READY"
2024-01-13 custom "credit-line" "INV-11" "WIDGET" "credit" 1 1.00 GBP
"""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory holding the ledger, so file names print short."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> Result:
    """Run ``bean-orders`` with the arguments."""
    return CliRunner().invoke(cli.main, list(args))


def test_series_group_by_prefix_across_kinds() -> None:
    """Invoices and a credit order numbered in one series form one series; payment
    ids (other people's numbers) form none."""
    book = load(LEDGER).book
    found = series(book)
    assert list(found) == ["INV-", "SO-"]
    assert [doc.id for doc in found["INV-"]] == [
        "INV-7",
        "INV-007",
        "INV-8",
        "INV-10",
        "INV-11",
        "INV-15",
    ]
    assert found["INV-"][4].kind == "credit order"
    assert [doc.id for doc in found["SO-"]] == ["SO-1", "SO-3"]


def test_problems_gaps_and_padding() -> None:
    """A void and a cancel leave no gap; INV-9, INV-12 to INV-14 and SO-2 are
    missing; INV-007 clashes with INV-7. Each is at the line of the document
    after it, naming the one before."""
    problems = numbering_problems(load(LEDGER).book)
    assert [(p.source["lineno"], p.kind, p.message) for p in problems] == [
        (
            9,
            "padding",
            "numbering: invoice INV-007 has the number of invoice INV-7 (<string>:6), "
            'padded differently (series "INV-")',
        ),
        (
            8,
            "gap",
            'numbering: gap in the series "INV-": INV-9 is missing between invoice '
            "INV-8 (<string>:7) and invoice INV-10",
        ),
        (
            10,
            "gap",
            'numbering: gap in the series "INV-": INV-12, INV-13, INV-14 are missing '
            "between credit order INV-11 (<string>:19) and invoice INV-15",
        ),
        (
            12,
            "gap",
            'numbering: gap in the series "SO-": SO-2 is missing between order SO-1 '
            "(<string>:4) and order SO-3",
        ),
    ]


def test_long_gap_and_padded_names() -> None:
    """A long gap is described by its ends, padded as the series is."""
    book = load(
        """\
        plugin "beancount_orders.orders"
        2024-01-01 custom "customer" "acme" "Acme Ltd"
        2024-01-02 custom "order" "SO-0001" "acme"
        2024-01-03 custom "order" "SO-0009" "acme"
        2024-01-04 custom "order" "2024/17" "acme"
        2024-01-05 custom "order" "2024/18" "acme"
        2024-01-06 custom "order" "NOTANUMBER" "acme"
        """
    ).book
    messages = [problem.message for problem in numbering_problems(book)]
    assert messages == [
        'numbering: gap in the series "SO-": SO-0002 to SO-0008 are missing (7 ids) '
        "between order SO-0001 (<string>:3) and order SO-0009"
    ]


def test_check_lists_them_and_fails(workdir: Path) -> None:
    """``check`` prints them as file:line: numbering: message on stdout after the
    errors, counts them in its summary, and exits with status 1."""
    (workdir / "ledger.beancount").write_text(LEDGER, encoding="utf-8")
    result = run("check", "ledger.beancount")
    assert result.exit_code == 1
    assert result.stdout == textwrap.dedent(
        """\
        ledger.beancount:9: numbering: invoice INV-007 has the number of invoice INV-7 (ledger.beancount:6), padded differently (series "INV-")
        ledger.beancount:8: numbering: gap in the series "INV-": INV-9 is missing between invoice INV-8 (ledger.beancount:7) and invoice INV-10
        ledger.beancount:10: numbering: gap in the series "INV-": INV-12, INV-13, INV-14 are missing between credit order INV-11 (ledger.beancount:19) and invoice INV-15
        ledger.beancount:12: numbering: gap in the series "SO-": SO-2 is missing between order SO-1 (ledger.beancount:4) and order SO-3
        """  # noqa: E501
    )
    assert result.stderr == (
        "ledger.beancount: 0 errors, 4 numbering problems "
        "(2 orders, 5 invoices, 2 payments)\n"
    )


def test_check_without_numbering_says_nothing(workdir: Path) -> None:
    """Without the config key the same books are clean."""
    text = LEDGER.replace(""" "{'numbering': True}\"""", "")
    (workdir / "ledger.beancount").write_text(text, encoding="utf-8")
    result = run("check", "ledger.beancount")
    assert result.exit_code == 0
    assert result.stdout == ""


def test_purchasing_series() -> None:
    """Purchase orders, receipts and bills are series too; a stock-in's id is not."""
    loaded = load(
        """\
        plugin "beancount_orders.orders" "{'numbering': True}"
        2024-01-01 custom "supplier" "leaf" "Leaf & Co"
        2024-01-02 custom "purchase-order" "PO-1" "leaf"
        2024-01-02 custom "po-line" "PO-1" "TEA" 10 2.00 GBP
        2024-01-03 custom "purchase-order" "PO-3" "leaf"
        2024-01-03 custom "po-line" "PO-3" "TEA" 10 2.00 GBP
        2024-01-04 custom "receipt" "PO-1" "GRN-1"
        2024-01-05 custom "receipt" "PO-3" "GRN-2"
        2024-01-06 custom "bill" "PO-1" "B-1"
        2024-01-06 custom "bill" "PO-3" "B-4"
        2024-01-07 custom "stock-in" "DN-5" "TEA" 1 2.00 GBP
          supplier: "leaf"
        """
    )
    assert loaded.errors == []
    book = loaded.book
    assert book.documents["DN-5"] == "purchase receipt"
    assert list(series(book)) == ["B-", "GRN-", "PO-"]
    messages = [problem.message for problem in numbering_problems(book)]
    assert messages == [
        'numbering: gap in the series "B-": B-2, B-3 are missing between bill B-1 '
        "(<string>:9) and bill B-4",
        'numbering: gap in the series "PO-": PO-2 is missing between purchase order '
        "PO-1 (<string>:3) and purchase order PO-3",
    ]
