"""The print links of the Orders, Credits and Receivables pages, in a real browser.

As tests/test_browser.py (whose fixtures this uses: Debian's Chromium, installed
with apt-get when missing, driven by Playwright against a real ``fava`` server):
here on the example ledger, ledgers/example.beancount. Each link is clicked and
the document it opens is checked for its title and figures; screenshots of the
documents go to ``test-artifacts/``. Nothing is skipped.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_browser import ARTIFACTS
from tests.test_browser import _free_port
from tests.test_browser import _server
from tests.test_browser import page  # noqa: F401 - a fixture

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "ledgers" / "example.beancount"
SLUG = "hebden-tea-company-beancount-orders-example"


@pytest.fixture(scope="module")
def example_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``fava`` server on the example ledger; its base URL."""
    port = _free_port()
    command = [sys.executable, "-m", "fava.cli", "--host", "127.0.0.1", "-p", str(port)]
    yield from _server(
        [*command, str(EXAMPLE)],
        f"http://127.0.0.1:{port}/{SLUG}/",
        tmp_path_factory.mktemp("example") / "fava.log",
    )


def _open(page: Any, url: str, link: str, shot: str) -> Any:  # noqa: F811
    """Go to ``url``, click the link ``link`` (a CSS selector), and return the
    document page it opened."""
    page.goto(url)
    page.locator(link).first.click()
    page.wait_for_url("**/print?*")
    page.locator("body.document h1").wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"print-{shot}.png"), full_page=True)
    return page


@pytest.mark.parametrize(
    ("selector", "shot", "title", "texts"),
    [
        ('a[data-print="INV-2003"]', "invoice", "Invoice", ["INV-2003", "115.20 GBP"]),
        ('a[data-print="INV-2007"]', "void", "Invoice", ["VOID", "INV-2007"]),
    ],
)
def test_orders_page_prints_its_invoices(
    page: Any,  # noqa: F811
    example_url: str,
    selector: str,
    shot: str,
    title: str,
    texts: list[str],
) -> None:
    """The Orders page's print links open the invoices (a voided one marked VOID)."""
    opened = _open(page, f"{example_url}extension/Orders/", selector, shot)
    assert opened.locator("h1").inner_text() == title
    body = opened.locator("body")
    for text in texts:
        assert body.get_by_text(text, exact=False).count() > 0, text
    assert "Hebden Tea Company Ltd" in body.inner_text()


def test_credits_page_prints_its_credit_notes(page: Any, example_url: str) -> None:  # noqa: F811
    """The Credits page's print link opens the credit note naming its invoice."""
    opened = _open(
        page, f"{example_url}extension/Credits/", 'a[data-print="CO-0001"]', "credit-note"
    )
    assert opened.locator("h1").inner_text() == "Credit note"
    assert opened.locator("dd.credits-invoice").inner_text() == "INV-2003"
    assert "12.00 GBP" in opened.locator("body").inner_text()


def test_receivables_page_prints_statements(page: Any, example_url: str) -> None:  # noqa: F811
    """The Receivables page's statement link opens the customer's statement as of
    the page's date."""
    opened = _open(
        page,
        f"{example_url}extension/Receivables/?as_of=2025-03-31",
        'a[data-statement="bramble"]',
        "statement",
    )
    assert opened.locator("h1").inner_text() == "Statement of account"
    text = opened.locator("body").inner_text()
    assert "Bramble Cafe Ltd" in text and "Closing balance" in text
    assert "as_of=2025-03-31" in opened.url
