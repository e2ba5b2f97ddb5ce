"""``bean-orders print`` and Fava's print endpoint: HTML on stdout or a file, PDF,
the same bytes each time, and clear errors (exit 1, no traceback)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pypdf
import pytest
from click.testing import CliRunner
from click.testing import Result
from fava.application import create_app

from beancount_orders import cli
from tests.test_documents import BOOKS

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "ledgers" / "example.beancount"


@pytest.fixture
def books(tmp_path: Path) -> Path:
    """The test books, loaded once."""
    path = tmp_path / "books.beancount"
    path.write_text('option "title" "Books"\n' + BOOKS, encoding="utf-8")
    return path


def run(*args: str) -> Result:
    """Run bean-orders; whatever happens, no Python traceback reaches the user."""
    result = CliRunner().invoke(cli.main, list(args), prog_name="bean-orders")
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exc_info
    )
    return result


def test_an_invoice_prints_as_html_on_stdout(books: Path) -> None:
    """An invoice prints as HTML on stdout, the same each time."""
    result = run("print", str(books), "INV-1")
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    html = result.stdout
    assert html.startswith("<!DOCTYPE html>")
    assert "<h1>Invoice</h1>" in html and "Kiln &amp; Co" in html
    assert "67.54 GBP" in html  # the receivable posting of INV-1
    assert run("print", str(books), "INV-1").stdout == html


def test_out_writes_the_same_html(books: Path, tmp_path: Path) -> None:
    """--out writes what stdout would show."""
    out = tmp_path / "inv.html"
    result = run("print", str(books), "CO-1", "--out", str(out))
    assert (result.exit_code, result.stdout) == (0, ""), result.output
    assert out.read_text(encoding="utf-8") == run("print", str(books), "CO-1").stdout
    assert "Credit note" in out.read_text(encoding="utf-8")


def test_statement_prints_with_its_dates(books: Path) -> None:
    """A statement prints with its opening and closing balances."""
    result = run(
        "print",
        str(books),
        "--statement",
        "acme",
        "--as-of",
        "2024-02-28",
        "--from",
        "2024-02-01",
    )
    assert result.exit_code == 0, result.output
    assert "Statement of account" in result.stdout
    assert "Opening balance" in result.stdout and "Closing balance" in result.stdout


def test_pdf_is_the_same_bytes_each_time(books: Path, tmp_path: Path) -> None:
    """--pdf writes the same bytes each time, with the invoice total in its text."""
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    for path in (first, second):
        result = run("print", str(books), "INV-1", "--pdf", str(path))
        assert (result.exit_code, result.stdout) == (0, ""), result.output
    assert first.read_bytes() == second.read_bytes()
    reader = pypdf.PdfReader(io.BytesIO(first.read_bytes()))
    text = reader.pages[0].extract_text()
    assert "67.54 GBP" in text and "INV-1" in text


def test_the_example_prints_its_voided_invoice_as_void(tmp_path: Path) -> None:
    """The example's voided invoice prints as VOID."""
    pdf = tmp_path / "void.pdf"
    result = run("print", str(EXAMPLE), "INV-2007", "--pdf", str(pdf))
    assert result.exit_code == 0, result.output
    text = pypdf.PdfReader(io.BytesIO(pdf.read_bytes())).pages[0].extract_text()
    assert "VOID" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["NOPE"], 'Error: Unknown document "NOPE"'),
        (["SO-1"], 'Error: "SO-1" is an order: only invoices and credit orders print'),
        (["--statement", "nobody", "--as-of", "2024-03-31"], 'Unknown customer "nobody"'),
    ],
)
def test_unknown_documents_and_customers_exit_1(
    books: Path, args: list[str], message: str
) -> None:
    """Unknown documents and customers are one-line errors with exit status 1."""
    result = run("print", str(books), *args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "Give either a DOCUMENT id or --statement CUSTOMER"),
        (["INV-1", "--statement", "acme"], "Give either a DOCUMENT id"),
        (["INV-1", "--as-of", "2024-01-01"], "--as-of and --from are options of"),
        (["--statement", "acme"], "--statement needs --as-of DATE"),
        (["--statement", "acme", "--as-of", "March"], "is not a date"),
    ],
)
def test_bad_options_are_usage_errors(books: Path, args: list[str], message: str) -> None:
    """Missing or conflicting options are usage errors (exit status 2)."""
    result = run("print", str(books), *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_an_unwritable_file_is_an_error(books: Path, tmp_path: Path) -> None:
    """A file that cannot be written is an error, not a traceback."""
    result = run("print", str(books), "INV-1", "--out", str(tmp_path / "no" / "x.html"))
    assert result.exit_code == 1
    assert "Cannot write" in result.stderr


# -- Fava's print endpoint ------------------------------------------------------------


@pytest.fixture(scope="module")
def client() -> Any:
    """A Fava test client on the example ledger."""
    return create_app([str(EXAMPLE.resolve())], load=True).test_client()


def _slug(client: Any) -> str:
    """The example ledger's slug in Fava's URLs."""
    return str(client.get("/").headers["Location"]).strip("/").split("/")[0]


def _print_links(client: Any, page: str) -> list[str]:
    """The print links of a page, unescaped."""
    response = client.get(f"/{_slug(client)}/extension/{page}/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return [
        link.replace("&amp;", "&")
        for link in re.findall(r'href="([^"]*/print\?[^"]*)"', html)
    ]


@pytest.mark.parametrize(
    ("page", "first"),
    [
        ("Orders", "document="),
        ("Credits", "document=CO-0001"),
        ("Receivables", "customer="),
    ],
)
def test_pages_link_their_printable_documents(client: Any, page: str, first: str) -> None:
    """Each page's print links open HTML documents."""
    links = _print_links(client, page)
    assert links and first in links[0]
    for link in links:
        response = client.get(link)
        assert response.status_code == 200, link
        assert response.mimetype == "text/html"
        assert "<!DOCTYPE html>" in response.get_data(as_text=True)


def test_the_endpoint_serves_the_same_bytes_as_the_cli(client: Any) -> None:
    """Fava serves the same HTML as bean-orders print."""
    served = client.get(f"/{_slug(client)}/extension/Orders/print?document=INV-2003")
    assert served.get_data(as_text=True) == run("print", str(EXAMPLE), "INV-2003").stdout


def test_the_endpoint_serves_pdf_and_reports_unknown_ids(client: Any) -> None:
    """format=pdf serves a PDF; unknown ids and bad dates are 404s with the message."""
    base = f"/{_slug(client)}/extension/Credits/print"
    pdf = client.get(base, query_string={"document": "CO-0001", "format": "pdf"})
    assert (pdf.status_code, pdf.mimetype) == (200, "application/pdf")
    missing = client.get(base, query_string={"document": "NOPE"})
    assert missing.status_code == 404
    assert 'Unknown document "NOPE"' in missing.get_data(as_text=True)
    bad = client.get(base, query_string={"customer": "hartley", "as_of": "soon"})
    assert bad.status_code == 404 and "expected YYYY-MM-DD" in bad.get_data(as_text=True)
