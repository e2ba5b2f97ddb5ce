"""Printed documents: every figure equals the generated postings, the same book
prints the same bytes (HTML and PDF), voided documents say VOID."""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pypdf
import pytest
from beancount.core import data

from beancount_orders.documents import document
from beancount_orders.documents import item_names
from beancount_orders.documents import render_html
from beancount_orders.documents import render_pdf
from beancount_orders.documents import statement
from beancount_orders.documents.model import CreditNoteDocument
from beancount_orders.documents.model import DocumentError
from beancount_orders.documents.model import InvoiceDocument
from tests.helpers import Loaded
from tests.helpers import ledger
from tests.helpers import load

BOOKS = """
option "operating_currency" "GBP"
plugin "beancount_orders.orders"
2024-01-01 open Assets:Bank:Current
2024-01-01 commodity MUG
  name: "Stoneware mug"
  tax: 0.20
2024-01-01 commodity TEA
  tax: 0
2024-01-01 commodity BOOK
  tax: 0.05
2024-01-01 price EUR 0.85 GBP
2024-01-01 custom "company" "Kiln & Co"
  address: "1 High Street; Hebden Bridge"
  tax-id: "GB 999 0000 00"
  email: "accounts@kiln.example"
  bank: "Sort code 00-00-00"
2024-01-01 custom "customer" "acme" "Acme <Ltd>"
  terms: 30
  address: "2 Low Road"
2024-01-01 custom "customer" "hans" "Hans GmbH"
2024-01-02 custom "order" "SO-1" "acme"
  po: "PO-77"
2024-01-02 custom "line" "SO-1" "MUG" 3 4.99 GBP
2024-01-02 custom "line" "SO-1" "TEA" 7 3.333 GBP
2024-01-02 custom "line" "SO-1" "BOOK" 2 12.50 GBP
2024-01-01 custom "stock-in" "PO-1" "MUG" 10 1.50 GBP
  supplier: "potter"
2024-01-03 custom "invoice" "SO-1" "INV-1"
2024-01-04 custom "dispatch" "SO-1" "MUG" 3
2024-01-10 custom "payment" "INV-1" 20.00 GBP "card"
  id: "PAY-1"
2024-02-01 custom "credit-order" "CO-1" "INV-1"
  reason: "one chipped mug, tea price"
2024-02-01 custom "credit-line" "CO-1" "MUG" "return" 1 4.99 GBP
2024-02-01 custom "credit-line" "CO-1" "TEA" "credit" 7 0.50 GBP
2024-02-02 custom "order" "SO-2" "acme"
2024-02-02 custom "line" "SO-2" "MUG" 1 10.00 GBP
2024-02-03 custom "invoice" "SO-2" "INV-2"
2024-02-05 custom "void" "INV-2"
  reason: "sent twice"
2024-02-06 custom "credit" "CR-1" "acme" 5.00 GBP
2024-02-07 custom "refund" "acme" 5.00 GBP "card"
2024-03-01 custom "order" "SO-3" "hans"
2024-03-01 custom "line" "SO-3" "MUG" 2 10.00 EUR
2024-03-02 custom "invoice" "SO-3" "INV-3"
"""


@pytest.fixture(scope="module")
def books() -> Loaded:
    """The test books, loaded once."""
    loaded = load(BOOKS)
    assert loaded.errors == []
    return loaded


def _postings(loaded: Loaded, narration: str) -> list[data.Posting]:
    """The postings of the generated transactions whose narration starts so."""
    return [
        posting
        for txn in loaded.transactions
        if txn.narration.startswith(narration)
        for posting in txn.postings
    ]


def _sum(postings: list[data.Posting], prefix: str) -> Decimal:
    """The units of the postings to accounts starting with ``prefix``, summed."""
    return sum(
        (p.units.number for p in postings if p.account.startswith(prefix)), Decimal(0)
    )


def _tax_by_rate(postings: list[data.Posting]) -> dict[Decimal, Decimal]:
    """The sales tax postings summed by their ``rate`` metadata."""
    found: dict[Decimal, Decimal] = defaultdict(Decimal)
    for p in postings:
        if p.account.startswith("Liabilities:SalesTax"):
            found[p.meta["rate"]] += p.units.number
    return dict(found)


def test_invoice_figures_equal_its_postings(books: Loaded) -> None:
    """The invoice's net, tax per rate and gross are its postings'."""
    doc = document(books.book, "INV-1", item_names(books.entries))
    assert isinstance(doc, InvoiceDocument)
    postings = _postings(books, "Invoice INV-1 ")
    assert _sum(postings, "Income:Sales") == -doc.net
    assert _sum(postings, "Assets:Receivable") == doc.gross
    assert _sum(postings, "Liabilities:SalesTax") == -doc.tax
    by_rate = _tax_by_rate(postings)
    assert {r.rate: -r.tax for r in doc.rates if r.tax} == {
        rate: tax for rate, tax in by_rate.items() if tax
    }
    assert len(doc.rates) == 3
    assert sum((r.net for r in doc.rates), Decimal(0)) == doc.net
    assert doc.lines[0].description == "Stoneware mug"
    assert doc.due == datetime.date(2024, 2, 2)
    assert doc.credited_by == ("CO-1",)
    assert doc.seller is not None and doc.seller.address == (
        "1 High Street",
        "Hebden Bridge",
    )


def test_credit_note_figures_equal_its_postings(books: Loaded) -> None:
    """The credit note's lines and totals are its postings'."""
    doc = document(books.book, "CO-1")
    assert isinstance(doc, CreditNoteDocument)
    assert doc.title == "Credit note" and doc.invoice == "INV-1"
    postings = _postings(books, "Credit order CO-1 ")
    assert _sum(postings, "Income:Sales:Returns") == doc.net
    assert _sum(postings, "Liabilities:SalesTax") == doc.tax
    assert _sum(postings, "Assets:Receivable") == -doc.gross
    lines = sorted((line.item, line.type, line.net) for line in doc.lines)
    posted = sorted(
        (p.meta["item"], p.meta["type"], p.units.number)
        for p in postings
        if p.account == "Income:Sales:Returns"
    )
    assert lines == posted
    html = render_html(doc)
    assert "Credit note" in html and "INV-1" in html and "return" in html


def _receivable(loaded: Loaded, customer: str, before: datetime.date) -> Decimal:
    """The customer's receivable balance from all entries dated before ``before``."""
    account = f"Assets:Receivable:{customer.capitalize()}"
    return sum(
        (
            p.units.number
            for entry in loaded.entries
            if isinstance(entry, data.Transaction) and entry.date < before
            for p in entry.postings
            if p.account == account
        ),
        Decimal(0),
    )


@pytest.mark.parametrize(
    ("start", "as_of"),
    [
        (None, datetime.date(2024, 3, 31)),
        (datetime.date(2024, 1, 15), datetime.date(2024, 2, 3)),
        (datetime.date(2024, 2, 4), datetime.date(2024, 2, 28)),
    ],
)
def test_statement_balances_equal_the_receivable(
    books: Loaded, start: datetime.date | None, as_of: datetime.date
) -> None:
    """Opening and closing balances are the receivable's on those dates; the ageing
    adds up to the closing balance."""
    doc = statement(books.book, "acme", as_of, start)
    [account] = doc.accounts
    day = datetime.timedelta(days=1)
    assert account.opening == (_receivable(books, "acme", start) if start else 0)
    assert account.closing == _receivable(books, "acme", as_of + day)
    assert account.ageing_total == account.closing
    assert account.opening + sum(m.amount for m in account.movements) == account.closing
    assert all(start is None or m.date >= start for m in account.movements)


def test_statement_shows_customer_credit_and_refund(books: Loaded) -> None:
    """A credit and its refund show as customer credit, netting to zero."""
    doc = statement(books.book, "acme", datetime.date(2024, 3, 31))
    [account] = doc.accounts
    assert [m.amount for m in account.credit_movements] == [
        Decimal("5.00"),
        Decimal("-5.00"),
    ]
    assert account.credit_closing == 0
    assert "Credit we hold for you" in render_html(doc)


def test_voided_invoice_prints_void(books: Loaded) -> None:
    """A voided invoice prints VOID with the void's reason; others do not."""
    doc = document(books.book, "INV-2")
    assert doc.voided == datetime.date(2024, 2, 5)
    html = render_html(doc)
    assert ">VOID<" in html and "sent twice" in html
    assert "VOID" not in render_html(document(books.book, "INV-1"))


def test_foreign_invoice_prints_in_its_currency(books: Loaded) -> None:
    """A foreign invoice prints the receivable lot's amount in its currency."""
    doc = document(books.book, "INV-3")
    assert doc.currency == "EUR"
    postings = _postings(books, "Invoice INV-3 ")
    [receivable] = [p for p in postings if p.account.startswith("Assets:Receivable")]
    assert receivable.units == data.Amount(doc.gross, "EUR")
    assert "24.00 EUR" in render_html(doc)


def test_names_are_escaped(books: Loaded) -> None:
    """Names are HTML-escaped."""
    html = render_html(document(books.book, "INV-1"))
    assert "Acme &lt;Ltd&gt;" in html and "<Ltd>" not in html


def test_the_same_books_print_the_same_bytes() -> None:
    """Two loads of the same books print identical HTML."""
    first, second = load(BOOKS), load(BOOKS)
    for doc_id in ("INV-1", "CO-1", "INV-2", "INV-3"):
        assert render_html(document(first.book, doc_id)) == render_html(
            document(second.book, doc_id)
        )
    as_of = datetime.date(2024, 3, 31)
    assert render_html(statement(first.book, "acme", as_of)) == render_html(
        statement(second.book, "acme", as_of)
    )


def _pdf_text(pdf: bytes) -> tuple[str, dict[str, str]]:
    """The text of every page of a PDF, and its metadata."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return text, dict(reader.metadata or {})


def test_pdf_has_the_total_and_the_documents_date(books: Loaded) -> None:
    """The PDF is the same bytes each time, shows the total and is dated the
    invoice's date."""
    doc = document(books.book, "INV-1")
    pdf = render_pdf(render_html(doc))
    assert pdf == render_pdf(render_html(document(load(BOOKS).book, "INV-1")))
    text, meta = _pdf_text(pdf)
    assert f"{doc.gross:,.2f} GBP" in text
    assert "Total due" in text and "Kiln & Co" in text
    assert meta["/CreationDate"] == "D:20240103"
    assert "VOID" not in text


def test_pdf_of_a_voided_invoice_says_void(books: Loaded) -> None:
    """A voided invoice's PDF shows VOID."""
    text, _ = _pdf_text(render_pdf(render_html(document(books.book, "INV-2"))))
    assert "VOID" in text


def test_unknown_documents_and_customers_are_errors(books: Loaded) -> None:
    """Unknown ids, other kinds of document and unknown customers are DocumentErrors."""
    with pytest.raises(DocumentError, match='Unknown document "NOPE"'):
        document(books.book, "NOPE")
    with pytest.raises(DocumentError, match=r'"SO-1" is an order.*INV-1'):
        document(books.book, "SO-1")
    with pytest.raises(DocumentError, match='"PAY-1" is a payment'):
        document(books.book, "PAY-1")
    with pytest.raises(DocumentError, match='Unknown customer "nobody"'):
        statement(books.book, "nobody", datetime.date(2024, 3, 31))
    with pytest.raises(DocumentError, match="after its as-of date"):
        statement(books.book, "acme", datetime.date(2024, 1, 1), datetime.date(2024, 2, 1))


@ledger(expect_errors=True)
def test_company_keys_must_be_strings(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "company" "Kiln & Co"
      tax-id: 12345
    2024-01-02 custom "company" "Kiln & Co"
      texid: "GB1"
    """
    assert [line for line, _ in loaded.messages] == [3, 5]
    assert "tax-id must be a string, got 12345" in loaded.messages[0][1]
    assert 'did you mean "tax-id"' in loaded.messages[1][1]
    assert loaded.book.company is None


@ledger()
def test_a_later_company_directive_changes_what_it_writes(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "company" "Kiln & Co"
      email: "a@kiln.example"
      bank: "Bank A"
    2024-06-01 custom "company" "Kiln & Co Ltd"
      bank: "Bank B"
    """
    company = loaded.book.company
    assert (company.name, company.email, company.bank) == (
        "Kiln & Co Ltd",
        "a@kiln.example",
        "Bank B",
    )


def test_every_statement_of_the_example_ties_to_the_receivables() -> None:
    """For every customer of the example and several dates, each currency's
    closing balance is the receivable account's balance in that currency (a
    foreign receivable's units), and the ageing buckets add up to it."""
    path = Path(__file__).resolve().parent.parent / "ledgers" / "example.beancount"
    loaded = load(path.read_text(encoding="utf-8"))
    book = loaded.book
    for as_of in (datetime.date(2025, 3, d) for d in (1, 10, 20, 31)):
        for customer in book.customers.values():
            account = book.config.account("receivable", customer=customer.account)
            held: dict[str, Decimal] = defaultdict(Decimal)
            for entry in loaded.entries:
                if isinstance(entry, data.Transaction) and entry.date <= as_of:
                    for p in entry.postings:
                        if p.account == account:
                            held[p.units.currency] += p.units.number
            doc = statement(book, customer.id, as_of)
            shown = {a.currency: a.closing for a in doc.accounts}
            assert shown == {c: n for c, n in held.items() if n or c in shown}
            for account_doc in doc.accounts:
                assert account_doc.ageing_total == account_doc.closing
