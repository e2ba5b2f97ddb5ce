"""``bean-orders check`` warns about HTML markup in names, descriptions, po and rep.

Fava 1.30's journal shows payees (customers' names) and metadata as HTML, so a
name such as ``Evil <img src=x onerror=alert(2)>`` is a page that runs script
anywhere but under ``bean-orders serve`` (see tests/test_browser.py). ``check``
lists each such text as ``FILE:LINE: warning: ...`` on stderr; warnings alone do
not change the exit status.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from click.testing import Result

from beancount_orders import cli

HOSTILE = Path(__file__).parent / "data" / "fava" / "hostile.beancount"

LEDGER = """\
plugin "beancount_orders.orders"
2024-01-01 custom "customer" "acme" "NAME"
2024-01-02 custom "order" "SO-1" "acme"
  po: "PO"
  rep: "REP"
2024-01-02 custom "line" "SO-1" "WIDGET" 1 10.00 GBP
  description: "DESCRIPTION"
2024-01-03 custom "invoice" "SO-1" "INV-1"
2024-01-04 custom "credit-order" "CO-1" "INV-1"
  po: "CO-PO"
  rep: "CO-REP"
2024-01-04 custom "credit-line" "CO-1" "WIDGET" "credit" 1 1.00 GBP
"""

CLEAN = {
    "NAME": "Acme Ltd",
    "PO": "PO-1",
    "REP": "sam",
    "DESCRIPTION": "Widget",
    "CO-PO": "PO-2",
    "CO-REP": "kim",
}


def check(path: Path, monkeypatch: pytest.MonkeyPatch) -> Result:
    monkeypatch.chdir(path.parent)
    return CliRunner().invoke(cli.main, ["check", path.name], prog_name="bean-orders")


def write(tmp_path: Path, **texts: str) -> Path:
    """LEDGER with clean texts, but ``texts`` (keys as in CLEAN, - as _)."""
    text = LEDGER
    for key, clean in CLEAN.items():
        value = texts.get(key.replace("-", "_"), clean).replace('"', '\\"')
        text = text.replace(f'"{key}"', f'"{value}"', 1)
    path = tmp_path / "books.beancount"
    path.write_text(text, encoding="utf-8")
    return path


def test_clean_books_have_no_warnings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = check(write(tmp_path), monkeypatch)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == "books.beancount: 0 errors (1 order, 1 invoice, 0 payments)\n"


def test_every_kind_of_text_is_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(
        tmp_path,
        NAME="Evil <img src=x onerror=alert(2)>",
        PO="<b>PO-1</b>",
        REP="Sam &amp; Co",
        DESCRIPTION="Widget </td><td>",
        CO_PO="&#60;script&#62;",
        CO_REP="<!-- kim -->",
    )
    result = check(path, monkeypatch)
    assert result.exit_code == 0
    assert result.stdout == ""
    shows = "which Fava's journal shows as HTML"
    assert result.stderr.splitlines() == [
        f'books.beancount:2: warning: customer "acme": name '
        f'"Evil <img src=x onerror=alert(2)>" contains markup (<img), {shows}',
        f'books.beancount:3: warning: order "SO-1": po "<b>PO-1</b>" contains markup '
        f"(<b), {shows}",
        f'books.beancount:3: warning: order "SO-1": rep "Sam &amp; Co" contains markup '
        f"(&amp;), {shows}",
        f'books.beancount:6: warning: line of order "SO-1": description '
        f'"Widget </td><td>" contains markup (</td), {shows}',
        f'books.beancount:9: warning: credit-order "CO-1": po "&#60;script&#62;" '
        f"contains markup (&#60;), {shows}",
        f'books.beancount:9: warning: credit-order "CO-1": rep "<!-- kim -->" '
        f"contains markup (<!--), {shows}",
        "books.beancount: 0 errors, 6 warnings (1 order, 1 invoice, 0 payments)",
    ]


@pytest.mark.parametrize(
    ("name", "found"),
    [
        ("<script>alert(1)</script>", "<script"),
        ("a<b", "<b"),
        ("x</y", "</y"),
        ("<!DOCTYPE html>", "<!DOCTYPE"),
        ("Tom &amp; Jerry", "&amp;"),
        ("&#x3C;b&#x3E;", "&#x3C;"),
        ("AT&T; Ltd", "&T;"),
        ('Quote "<i>" here', "<i"),
    ],
)
def test_markup_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, found: str
) -> None:
    result = check(write(tmp_path, NAME=name), monkeypatch)
    assert result.exit_code == 0
    (warning, _summary) = result.stderr.splitlines()
    assert warning.startswith('books.beancount:2: warning: customer "acme": name ')
    assert f"contains markup ({found})," in warning


@pytest.mark.parametrize(
    "name",
    ["Tom & Jerry", "3 < 4", "<3 widgets", "a <= b", "R&D", "&amp no semicolon", "x > y"],
)
def test_text_that_only_looks_alike_is_not_markup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    result = check(write(tmp_path, NAME=name), monkeypatch)
    assert "warning" not in result.stderr


def test_warnings_go_with_errors_and_do_not_change_the_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, NAME="<b>Acme</b>")
    path.write_text(
        path.read_text() + '2024-01-05 custom "invoice" "SO-9" "INV-9"\n', encoding="utf-8"
    )
    result = check(path, monkeypatch)
    assert result.exit_code == 1
    # Errors on stdout, as ever; warnings and the summary on stderr.
    assert result.stdout == 'books.beancount:13: Unknown order "SO-9"\n'
    assert result.stderr.splitlines()[0].startswith("books.beancount:2: warning: ")
    assert result.stderr.splitlines()[-1] == (
        "books.beancount: 1 error, 1 warning (1 order, 1 invoice, 0 payments)"
    )


def test_included_files_and_books_without_the_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The warning names the file the text is in; markup is looked for even where
    the plugin is not loaded (Fava shows the directives all the same)."""
    (tmp_path / "customers.beancount").write_text(
        '2024-01-01 custom "customer" "evil" "Evil <img src=x onerror=alert(2)>"\n',
        encoding="utf-8",
    )
    main = tmp_path / "main.beancount"
    main.write_text('include "customers.beancount"\n', encoding="utf-8")
    result = check(main, monkeypatch)
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        'Warning: main.beancount does not load the plugin "beancount_orders.orders"; '
        "its order directives are ignored",
        'customers.beancount:1: warning: customer "evil": name '
        '"Evil <img src=x onerror=alert(2)>" contains markup (<img), which Fava\'s '
        "journal shows as HTML",
        "main.beancount: 0 errors, 1 warning",
    ]


def test_the_hostile_ledger(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ledger of the browser tests: six warnings, no error."""
    result = check(HOSTILE, monkeypatch)
    assert result.exit_code == 0
    lines = result.stderr.splitlines()
    assert [line.split(": warning: ")[0] for line in lines[:-1]] == [
        f"hostile.beancount:{number}" for number in (16, 17, 18, 24, 24, 27)
    ]
    assert lines[-1] == (
        "hostile.beancount: 0 errors, 6 warnings (4 orders, 3 invoices, 0 payments)"
    )
