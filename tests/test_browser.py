"""The report pages in a real browser on a real Fava server.

Debian's Chromium (``/usr/bin/chromium``; installed with apt-get when missing,
which needs root, as in CI) is driven by Playwright's Python package against
``fava`` started as a subprocess on a free loopback port with
tests/data/fava/shop.beancount. Screenshots of every page go to
``test-artifacts/`` at the top of the repository. Nothing here is skipped: a
browser that cannot be had is a failure.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHOP = ROOT / "tests" / "data" / "fava" / "shop.beancount"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCRIPT = "<script>alert(1)</script>"
# Page class, title, and text the page must show (figures from the ledger).
PAGES = [
    ("Orders", "Orders", ["SO-2", "116.00", "partial"]),
    ("Receivables", "Aged receivables", ["over limit", "161.00", "PAY-9"]),
    ("Loyalty", "Loyalty", ["Shop Points", "18.30 GBP", "2024-07-10"]),
    ("Margin", "Gross margin", ["263.00", "56.0%", "return (costed)"]),
    ("Stock", "Stock", ["478.00", "batch W2", "BOLT"]),
    ("Credits", "Credits and returns", ["CO-1", "costed", "goodwill"]),
]


def _run(command: list[str]) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    result = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=1800, check=False
    )
    if result.returncode:
        pytest.fail(
            f"{' '.join(command)} failed ({result.returncode}):\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium, installed with apt-get if it is not there yet."""
    if not CHROMIUM.exists():
        if os.geteuid() != 0:
            pytest.fail(
                f"{CHROMIUM} is missing; install it as root: apt-get install chromium"
            )
        _run(["apt-get", "update"])
        _run(["apt-get", "install", "-y", "chromium"])
    if not CHROMIUM.exists():
        pytest.fail(f"apt-get installed chromium but {CHROMIUM} is missing")
    return CHROMIUM


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def fava_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``fava`` server on a free loopback port; its ledger's base URL."""
    port = _free_port()
    log = tmp_path_factory.mktemp("fava") / "fava.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "fava.cli",
                "--host",
                "127.0.0.1",
                "-p",
                str(port),
                SHOP,
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    base = f"http://127.0.0.1:{port}/shop/"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                pytest.fail(f"fava exited with {process.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(
                    f"{base}extension/Orders/", timeout=30
                ) as reply:
                    if reply.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"fava did not answer on port {port}:\n{log.read_text()}")
            time.sleep(0.25)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser(chromium: Path) -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(
            "Playwright's Python package is missing: pip install -e '.[test]' "
            "(or pip install playwright)"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page that records dialogs (an alert would mean script injection)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    opened = context.new_page()
    opened.dialogs = []

    def dismiss(dialog: Any) -> None:
        opened.dialogs.append(dialog.message)
        dialog.dismiss()

    opened.on("dialog", dismiss)
    yield opened
    assert opened.dialogs == []
    context.close()


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"fava-{name}.png"), full_page=True)


@pytest.mark.parametrize(("name", "title", "texts"), PAGES)
def test_report_page(
    page: Any, fava_url: str, name: str, title: str, texts: list[str]
) -> None:
    page.goto(f"{fava_url}extension/{name}/")
    page.locator("article h2", has_text=title).wait_for()
    content = page.locator(".orders-page")
    for text in texts:
        assert content.get_by_text(text, exact=False).count() > 0, text
    # The script customer is on every page, as text.
    assert content.get_by_text(SCRIPT, exact=True).count() > 0
    # Charts are drawn in the page itself.
    if name in ("Receivables", "Loyalty", "Margin"):
        assert content.locator("svg.orders-chart").count() >= 1
    _shot(page, name)


def test_follow_an_order_to_its_transactions(page: Any, fava_url: str) -> None:
    page.goto(f"{fava_url}extension/Orders/")
    page.locator('tr[data-order="SO-2"] a[data-doc="SO-2"]').click()
    page.wait_for_url("**/journal/?filter=%5ESO-2*")
    journal = page.locator("article")
    for narration in (
        "Invoice INV-2 for order SO-2",
        "Dispatch for order SO-2",
        "Payment for invoice INV-2 (order SO-2)",
        "Credit order CO-1 against invoice INV-2",
    ):
        journal.get_by_text(narration).first.wait_for()
    assert journal.get_by_text("Invoice INV-1 for order SO-1").count() == 0
    _shot(page, "journal-SO-2")


def test_follow_an_order_to_its_source_line(page: Any, fava_url: str) -> None:
    page.goto(f"{fava_url}extension/Orders/")
    page.locator('tr[data-order="SO-2"] a.orders-source').first.click()
    page.wait_for_url("**/editor/?file_path=*")
    line = SHOP.read_text().splitlines().index('2024-02-01 custom "order" "SO-2" "xss"') + 1
    assert f"line={line}" in page.url
    page.locator(".cm-content").get_by_text('custom "order" "SO-2"').first.wait_for()
    _shot(page, "editor-SO-2")


def test_options_and_sidebar(page: Any, fava_url: str) -> None:
    page.goto(f"{fava_url}extension/Receivables/")
    page.locator('input[name="as_of"]').fill("2024-02-15")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**as_of=2024-02-15*")
    row = page.locator('#orders-ageing tr[data-customer="xss"]')
    row.get_by_text("240.00").first.wait_for()
    assert page.locator('#orders-ageing tr[data-customer="acme"]').count() == 0
    _shot(page, "Receivables-as-of")
    # Fava's sidebar loads a report page through its own router.
    page.locator("aside").get_by_role("link", name="Gross margin").click()
    page.locator("article h2", has_text="Gross margin").wait_for()
    page.locator('select[name="group"]').select_option("item")
    page.get_by_role("button", name="Show").click()
    page.locator('tr[data-key="WIDGET"]').get_by_text("198.00").wait_for()
    _shot(page, "Margin-by-item")
