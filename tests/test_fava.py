"""The Fava report pages on a real Fava (its Flask app) and a real ledger.

The ledger is tests/data/fava/shop.beancount; the figures below are worked out
by hand in its comments. The foreign-currency pages are checked on
tests/data/fava/foreign.beancount against ``bean-orders report``. Pages are read
as HTML tables: each row's cells as whitespace-collapsed text, found by the
row's data-* attributes.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlparse

import pytest
from click.testing import CliRunner
from fava.application import create_app
from markupsafe import Markup

from beancount_orders import cli
from beancount_orders.fava_ext import charts
from beancount_orders.fava_ext import serve

SHOP = Path(__file__).parent / "data" / "fava" / "shop.beancount"
FOREIGN = Path(__file__).parent / "data" / "fava" / "foreign.beancount"
# The pages that show the shop's script-named customer.
PAGES = {
    "Orders": "Orders",
    "Receivables": "Aged receivables",
    "Loyalty": "Loyalty",
    "Margin": "Gross margin",
    "Stock": "Stock",
    "Credits": "Credits and returns",
}
# Every page: the FX page shows the shop (all in pounds) no customer, and the
# Purchases page shows suppliers; the Tax page shows documents, not customers.
ALL_PAGES = {**PAGES, "FX": "Foreign currency", "Purchases": "Purchases", "Tax": "Tax"}
PURCHASING = Path(__file__).parent.parent / "docs" / "examples" / "purchasing.beancount"
SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


class Page(HTMLParser):
    """Table rows (attributes and cell texts) and links of an HTML page."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.rows: list[tuple[dict[str, str], list[str]]] = []
        self.links: list[dict[str, str]] = []
        self._cell: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag == "tr":
            self.rows.append((values, []))
        elif tag in ("td", "th") and self.rows:
            self._cell = []
        elif tag == "a":
            self.links.append(values)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1][1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def row(self, **wanted: str) -> list[str]:
        """The cells of the one row whose data-* attributes are ``wanted``."""
        found = [
            cells
            for attrs, cells in self.rows
            if all(attrs.get(f"data-{key}") == value for key, value in wanted.items())
        ]
        assert len(found) == 1, (wanted, found)
        return found[0]

    def keys(self, name: str) -> list[str]:
        return [attrs[f"data-{name}"] for attrs, _ in self.rows if f"data-{name}" in attrs]


@pytest.fixture(scope="module")
def app() -> Any:
    return create_app([str(SHOP.resolve())], load=True)


@pytest.fixture(scope="module")
def client(app: Any) -> Any:
    return app.test_client()


def get(client: Any, report: str, /, **args: str) -> str:
    response = client.get(f"/shop/extension/{report}/", query_string=args)
    assert response.status_code == 200, response.data[-2000:]
    return str(response.get_data(as_text=True))


@pytest.mark.parametrize("page", PAGES)
def test_every_page_loads_and_escapes_the_script_customer(client: Any, page: str) -> None:
    text = get(client, page)
    assert f"<h2>{PAGES[page]}</h2>" in text
    assert ESCAPED in text
    assert SCRIPT not in text
    assert "alert(1)</script>" not in text


@pytest.mark.parametrize("page", PAGES)
def test_every_page_links_documents_to_the_journal_and_source(
    client: Any, page: str
) -> None:
    html = Page(get(client, page))
    docs = [link for link in html.links if link.get("class") == "orders-doc"]
    sources = [link for link in html.links if link.get("class") == "orders-source"]
    assert docs or page == "Loyalty"  # the loyalty page shows no documents
    for link in docs:
        url = urlparse(link["href"])
        assert url.path == "/shop/journal/"
        assert parse_qs(url.query) == {"filter": [f"^{link['data-doc']}"]}
    assert len(sources) >= len(docs)
    for link in sources:
        url = urlparse(link["href"])
        query = parse_qs(url.query)
        assert url.path == "/shop/editor/"
        assert query["file_path"] == [str(SHOP.resolve())]
        assert int(query["line"][0]) > 0


def test_order_links_point_at_its_journal_and_line(client: Any) -> None:
    text = get(client, "Orders")
    assert 'href="/shop/journal/?filter=%5ESO-2"' in text
    line = SHOP.read_text().splitlines().index('2024-02-01 custom "order" "SO-2" "xss"') + 1
    assert f"line={line}" in text
    # The journal filtered by the order's link shows its transactions.
    response = client.get("/shop/api/journal", query_string={"filter": "^SO-2"})
    narrations = [entry["narration"] for entry in response.get_json()["data"]]
    assert narrations == [
        "Invoice INV-2 for order SO-2",
        "PKLP points earned on invoice INV-2",
        "Dispatch for order SO-2",
        "Payment for invoice INV-2 (order SO-2) by Assets:Bank:Current",
        "Credit order CO-1 against invoice INV-2",
        "Loyalty on credit order CO-1: 24 PKLP clawed back",
    ]


def test_orders_figures_of_a_known_order(client: Any) -> None:
    html = Page(get(client, "Orders"))
    # SO-2: 20 WIDGET at 10.00 (net 200.00, gross 240.00), 100.00 paid, a credit
    # order of 24.00 gross, 2 of 20 units back at 4.00: cost 80.00 - 8.00.
    assert html.row(order="SO-2") == [
        "SO-2 ✎", "2024-02-01", SCRIPT, "", "INV-2 ✎ print", "open",
        "none", "full", "full", "partial",
        "200.00", "240.00", "100.00", "24.00", "116.00", "72.00",
    ]  # fmt: skip
    # Open orders first, then by date.
    assert html.keys("order") == ["SO-2", "SO-3", "SO-5", "SO-7", "SO-1", "SO-4", "SO-6"]


def test_orders_filter_by_customer_and_status(client: Any) -> None:
    assert Page(get(client, "Orders", customer="acme")).keys("order") == [
        "SO-3",
        "SO-5",
        "SO-1",
    ]
    assert Page(get(client, "Orders", status="closed")).keys("order") == ["SO-1", "SO-4"]
    assert Page(get(client, "Orders", status="invoiced:partial")).keys("order") == ["SO-3"]
    html = Page(get(client, "Orders", customer="xss", status="cancelled"))
    assert html.keys("order") == ["SO-6"]


def test_orders_pages(client: Any) -> None:
    text = get(client, "Orders", per_page="3", status="")
    assert Page(text).keys("order") == ["SO-2", "SO-3", "SO-5"]
    assert "rows 1&ndash;3 of 7 (page 1 of 3)" in text
    assert 'href="/shop/extension/Orders/?per_page=3&amp;status=&amp;page=2"' in text
    assert Page(get(client, "Orders", per_page="3", page="3")).keys("order") == ["SO-6"]
    # Past the end: the last page.
    assert Page(get(client, "Orders", per_page="3", page="99")).keys("order") == ["SO-6"]
    # Each table has its own page.
    text = get(client, "Receivables", per_page="1", invoices_page="2")
    assert Page(text).keys("customer")[0] == "acme"
    assert Page(text).keys("document") == ["INV-2", "PAY-9"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"page": "two"}, "Invalid page number (page) &#39;two&#39;"),
        ({"page": "0"}, "Invalid page number (page) &#39;0&#39;"),
        ({"per_page": "-5"}, "Invalid rows per page &#39;-5&#39;: expected a whole number"),
    ],
)
def test_bad_page_options_show_a_message(
    client: Any, args: dict[str, str], message: str
) -> None:
    for page in ALL_PAGES:
        if page == "Credits" and "page" in args:
            continue  # its tables are paged by credits_page, memos_page ...
        text = get(client, page, **args)
        assert message in text, page


def test_bad_time_filter_shows_a_message(client: Any) -> None:
    for page in ALL_PAGES:
        text = get(client, page, time="someday")
        if page == "Stock":
            assert 'class="orders-error"' not in text  # stock has no period
        else:
            assert "Invalid time filter &#39;someday&#39;" in text, page


def test_orders_time_filter(client: Any) -> None:
    text = get(client, "Orders", time="2024-03")
    assert Page(text).keys("order") == ["SO-3"]
    assert "2024-03-01 to 2024-03-31" in text


def test_orders_bad_options_show_a_message(client: Any) -> None:
    text = get(client, "Orders", status="half")
    assert "Invalid status filter &#39;half&#39;" in text
    text = get(client, "Orders", customer=SCRIPT)
    assert "Unknown customer" in text
    assert SCRIPT not in text


def test_receivables_default_to_the_configured_today(client: Any) -> None:
    """The ledger's config sets today to 2024-06-30: the page ages as of that day,
    not the real date, as if asked for it."""
    text = get(client, "Receivables")
    assert 'value="2024-06-30"' in text
    html = Page(text)
    dated = Page(get(client, "Receivables", as_of="2024-06-30"))
    for key in (
        {"customer": "acme", "currency": "GBP"},
        {"customer": "xss", "currency": "GBP"},
        {"total": "GBP"},
    ):
        assert html.row(**key) == dated.row(**key), key
    assert html.row(document="PAY-9")[1:] == [
        "payment", "PAY-9 ✎", "", "2024-06-15", "15", "1-30", "-20.00", "GBP",
    ]  # fmt: skip


def test_receivables_as_of_differs_from_today(client: Any) -> None:
    text = get(client, "Receivables", as_of="2024-02-15")
    html = Page(text)
    assert 'value="2024-02-15"' in text
    # On 2024-02-15 only INV-2 is open, 14 days old, and nothing is allocated yet.
    assert html.keys("customer") == ["xss"]
    assert html.row(customer="xss", currency="GBP") == [
        f"{SCRIPT} statement", "GBP", "0.00", "240.00", "0.00", "0.00", "0.00",
        "240.00", "0.00", "240.00", "100.00", "over limit",
    ]  # fmt: skip
    assert html.row(document="INV-2")[4:7] == ["14", "1-30", "240.00"]
    # On 2024-03-31: INV-3 less the redemption (the memo comes on 2024-04-01),
    # INV-2 less the payment and the credit order.
    html = Page(get(client, "Receivables", as_of="2024-03-31"))
    assert html.row(customer="acme", currency="GBP")[2:10] == [
        "0.00", "50.00", "0.00", "0.00", "0.00", "50.00", "0.00", "50.00",
    ]  # fmt: skip
    assert html.row(customer="xss", currency="GBP")[2:10] == [
        "0.00", "0.00", "116.00", "0.00", "0.00", "116.00", "0.00", "116.00",
    ]  # fmt: skip
    # By due date (Acme's terms are 30 days) INV-3 is not due yet.
    html = Page(get(client, "Receivables", as_of="2024-03-31", basis="due"))
    assert html.row(customer="acme", currency="GBP")[2:4] == ["50.00", "0.00"]


def test_receivables_as_of_follows_the_time_filter(client: Any) -> None:
    text = get(client, "Receivables", time="2024-02")
    assert 'value="2024-02-29"' in text
    assert Page(text).row(document="INV-2")[4] == "28"


def test_receivables_buckets_and_chart(client: Any) -> None:
    text = get(client, "Receivables", as_of="2024-02-15", buckets="0,7,30")
    html = Page(text)
    assert html.row(customer="xss", currency="GBP")[2:6] == [
        "0.00",
        "0.00",
        "240.00",
        "0.00",
    ]
    assert "<svg" in text
    assert "<title>Open invoices (GBP), 8-30: 240.00</title>" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"as_of": "2024-13-45"}, "Invalid as-of date &#39;2024-13-45&#39;"),
        ({"as_of": SCRIPT}, "Invalid as-of date"),
        ({"buckets": "a,b"}, "Invalid buckets &#39;a,b&#39;"),
        ({"buckets": "30,0"}, "Invalid buckets [30, 0]"),
        ({"basis": "posting"}, "Invalid ageing basis &#39;posting&#39;"),
    ],
)
def test_receivables_bad_options_show_a_message(
    client: Any, args: dict[str, str], message: str
) -> None:
    text = get(client, "Receivables", **args)
    assert message in text
    assert 'class="orders-error"' in text
    assert SCRIPT not in text


def test_loyalty_figures(client: Any) -> None:
    html = Page(get(client, "Loyalty"))
    # Acme earned 192 (INV-1) and 50 (INV-3: 60.00 less the 10.00 redeemed),
    # redeemed 100 and lost the other 92 of INV-1's parcel on 2024-05-14.
    assert html.row(customer="acme", program="PKLP") == [
        "Acme Ltd", "PKLP", "50", "2024-07-10", "50",
    ]  # fmt: skip
    assert html.row(customer="bob", program="PKLP") == [
        "Bob Jones", "PKLP", "133", "2024-08-03", "108",
    ]  # fmt: skip
    assert html.row(customer="xss", program="PKLP") == [SCRIPT, "PKLP", "0", "", ""]
    assert html.row(program="PKLP", month="2024-03") == [
        "2024-03", "PKLP", "50", "100", "0", "0", "24", "0", "-74",
    ]  # fmt: skip
    assert html.row(program="PKLP", month="2024-05")[4:6] == ["308", "25"]
    # 50 + 133 points at 0.10 GBP.
    assert html.rows[1][1] == [
        "PKLP ✎", "Shop Points", "183", "18.30 GBP", "2", "Liabilities:Loyalty:PKLP",
    ]  # fmt: skip


def test_loyalty_time_filter(client: Any) -> None:
    text = get(client, "Loyalty", time="2024-05")
    html = Page(text)
    assert html.keys("month") == ["2024-05"]
    assert "<svg" in text


def test_margin_by_order(client: Any) -> None:
    text = get(client, "Margin")
    html = Page(text)
    assert html.row(key="SO-2", currency="GBP") == [
        f"SO-2 ✎ {SCRIPT}", "GBP", "200.00", "20.00", "180.00", "72.00", "108.00", "60.0%",
    ]  # fmt: skip
    assert html.row(total="GBP") == [
        "Total", "GBP", "500.00", "30.00", "470.00", "207.00", "263.00", "56.0%",
    ]  # fmt: skip
    # Memos and loyalty discounts apart.
    assert html.row(apart="SO-3") == ["SO-3 ✎ Acme Ltd", "GBP", "5.00", "10.00"]
    # Credits and returns with the original line: CO-1 goes back to SO-2 line 1.
    assert html.row(document="CO-1") == [
        "2024-03-05", "credit order", "CO-1 ✎", SCRIPT, "WIDGET", "2", "return (costed)",
        "20.00", "8.00", "invoice INV-2 ✎, order SO-2 ✎, line 1 ✎",
    ]  # fmt: skip
    assert html.row(document="RET-1")[1] == "return"
    assert html.row(document="CR-1")[7] == "10.00"
    assert "<title>margin, 2024-03: 18.00</title>" in text


def test_margin_by_item_and_customer(client: Any) -> None:
    html = Page(get(client, "Margin", group="item"))
    # WIDGET: revenue 100 + 200 + 50, 20.00 credited; cost 40 + 80 + 20 less 8.
    assert html.row(key="WIDGET", currency="GBP") == [
        "WIDGET", "GBP", "350.00", "20.00", "330.00", "132.00", "198.00", "60.0%",
    ]  # fmt: skip
    html = Page(get(client, "Margin", group="customer"))
    assert html.row(key="acme", currency="GBP") == [
        "Acme Ltd acme", "GBP", "210.00", "0.00", "210.00", "90.00", "120.00", "57.1%",
    ]  # fmt: skip
    html = Page(get(client, "Margin", group="month", time="2024-03"))
    assert html.keys("key") == ["2024-03"]
    assert html.keys("apart") == ["2024-03"]
    assert html.row(total="GBP")[2:8] == [
        "50.00", "20.00", "30.00", "12.00", "18.00", "60.0%",
    ]  # fmt: skip


def test_margin_bad_group_shows_a_message(client: Any) -> None:
    text = get(client, "Margin", group="weekday")
    assert "Invalid margin grouping &#39;weekday&#39;" in text
    assert 'class="orders-error"' in text


def test_stock_figures(client: Any) -> None:
    html = Page(get(client, "Stock"))
    # WIDGET at Main: 100 + 50 in, 10 to the shop, 10 + 20 + 5 out, 2 back.
    assert html.row(item="WIDGET", location="Main", batch="") == [
        "WIDGET", "Main", "Assets:Inventory:Main", "107", "10", "97", "478.00", "GBP",
    ]  # fmt: skip
    assert html.row(item="WIDGET", location="Main", batch="W1")[3:7] == [
        "57", "0", "57", "228.00",
    ]  # fmt: skip
    assert html.row(item="WIDGET", location="Shop", batch="")[3:7] == [
        "10", "0", "10", "40.00",
    ]  # fmt: skip
    assert html.row(order="SO-7", item="BOLT") == [
        "2024-06-02", "SO-7 ✎", SCRIPT, "BOLT", "4", "Main", "✎",
    ]  # fmt: skip


def test_credits_figures(client: Any) -> None:
    text = get(client, "Credits")
    html = Page(text)
    assert html.row(**{"credit-order": "CO-1"}) == [
        "CO-1 ✎ print", "2024-03-05", "2024-03-05", SCRIPT, "INV-2 ✎", "SO-2 ✎", "too many",
        "WIDGET ✎", "return", "2", "10.00", "20.00", "4.00", "costed", "8.00",
    ]  # fmt: skip
    assert html.row(**{"credit-order": "CO-2"})[13] == "open"
    assert re.findall(r'data-condition="(\w+)"', text) == ["resaleable", "damaged"]
    assert html.row(**{"return": "RET-1"})[:6] == [
        "RET-1 ✎", "2024-04-20", "SO-4 ✎", "Bob Jones", "GADGET", "1",
    ]  # fmt: skip
    assert html.row(memo="MEMO-1")[4:6] == ["goodwill", "5.00"]
    assert html.row(credit="CR-1")[5] == "10.00"
    assert html.row(customer="bob") == ["Bob Jones", "GBP", "10.00", "7.00", "3.00"]


def test_credits_time_filter(client: Any) -> None:
    html = Page(get(client, "Credits", time="2024-05"))
    assert html.keys("credit-order") == ["CO-2", "CO-3"]
    assert html.keys("memo") == []


def test_pages_fetch_nothing_from_the_network(client: Any) -> None:
    for page in ALL_PAGES:
        text = get(client, page, partial="true")
        start = text.index('<div class="orders-page"')
        content = text[start : text.index("</div>", start)]
        urls = re.findall(r"https?://[^\"' ]+", content)
        assert set(urls) <= {"http://www.w3.org/2000/svg"}, (page, urls)


def test_serve_app_adds_the_pages_to_a_ledger_without_them(tmp_path: Path) -> None:
    ledger_file = tmp_path / "plain.beancount"
    ledger_file.write_text(
        SHOP.read_text().replace('custom "fava-extension" "beancount_orders.fava_ext"', "")
    )
    plain = create_app([str(ledger_file)], load=True)
    assert plain.test_client().get("/shop/extension/Orders/").status_code == 404
    fava_app = serve.create_app(ledger_file)
    client = fava_app.test_client()
    for page in ALL_PAGES:
        response = client.get(f"/shop/extension/{page}/")
        assert response.status_code == 200, page
    # A ledger that declares the pages gets each page once.
    declared = serve.create_app(SHOP)
    ledger = declared.config["LEDGERS"].ledgers[0]
    names = [details.name for details in ledger.extensions.extension_details]
    assert sorted(names) == sorted(ALL_PAGES)
    titles = {d.name: d.report_title for d in ledger.extensions.extension_details}
    assert titles == ALL_PAGES


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _serve(port: int) -> subprocess.Popen[str]:
    code = (
        "import sys, click\n"
        "from beancount_orders.fava_ext.serve import serve\n"
        "try:\n"
        "    serve(sys.argv[1], port=int(sys.argv[2]))\n"
        "except click.ClickException as error:\n"
        "    error.show()\n"
        "    sys.exit(error.exit_code)\n"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code, str(SHOP), str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_serve_runs_fava_on_the_loopback_address() -> None:
    port = _free_port()
    process = _serve(port)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.communicate()[0]
            try:
                url = f"http://127.0.0.1:{port}/shop/extension/Orders/"
                with urllib.request.urlopen(url, timeout=10) as reply:
                    assert reply.status == 200
                    assert 'data-order="SO-2"' in reply.read().decode()
                    break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline
                time.sleep(0.2)
    finally:
        process.terminate()
        output = process.communicate(timeout=15)[0]
    assert f"Starting Fava on http://127.0.0.1:{port}/shop/extension/Orders/" in output


def test_serve_reports_a_port_in_use() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        process = _serve(busy.getsockname()[1])
        output = process.communicate(timeout=60)[0]
    assert process.returncode == 1
    assert "Error: Cannot start Fava on 127.0.0.1:" in output
    assert "the port is in use; choose another with --port" in output
    assert "Traceback" not in output


def test_serve_reports_a_missing_ledger(tmp_path: Path) -> None:
    with pytest.raises(serve.click.ClickException, match="No such ledger file"):
        serve.create_app(tmp_path / "missing.beancount")


def test_charts_escape_their_text() -> None:
    from decimal import Decimal

    chart = charts.bar_chart(
        [SCRIPT, "b"], [charts.Series(SCRIPT, (Decimal(1), Decimal(-2)))], SCRIPT
    )
    assert isinstance(chart, Markup)
    assert SCRIPT not in chart
    # The title, the legend, the category label and three times in the tooltips.
    assert chart.count(ESCAPED) == 6
    line = charts.line_chart(["2024-01"], [charts.Series("m", (Decimal("2.50"),))], "t")
    assert "<title>m, 2024-01: 2.50</title>" in line
    empty = charts.bar_chart([], [], SCRIPT)
    assert ESCAPED in empty
    assert SCRIPT not in empty


# -- foreign currency: tests/data/fava/foreign.beancount ------------------------------


@pytest.fixture(scope="module")
def foreign() -> Any:
    return create_app([str(FOREIGN.resolve())], load=True).test_client()


def foreign_get(client: Any, report: str, /, **args: str) -> str:
    response = client.get(f"/foreign/extension/{report}/", query_string=args)
    assert response.status_code == 200, response.data[-2000:]
    return str(response.get_data(as_text=True))


def cli_report(report: str, *args: str) -> dict[str, Any]:
    """``bean-orders report REPORT FOREIGN ARGS --format json``, parsed."""
    result = CliRunner().invoke(
        cli.main, ["report", report, str(FOREIGN), *args, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.output)
    return document


def same_money(cell: str, value: str | None) -> bool:
    """A page's figure is the CLI's (the CLI writes a zero as 0, the page 0.00)."""
    if value is None:
        return cell == ""
    return Decimal(cell) == Decimal(value)


def linked(cell: str) -> str:
    return cell.removesuffix(" ✎")


@pytest.mark.parametrize("as_of", ["2024-01-31", "2024-02-05", "2024-03-31"])
def test_fx_page_shows_the_cli_report(foreign: Any, as_of: str) -> None:
    text = foreign_get(foreign, "FX", as_of=as_of)
    html = Page(text)
    cli_fx = cli_report("fx", "--as-of", as_of)
    assert cli_fx["operating_currency"] == "GBP"
    assert cli_fx["lots"]
    assert html.keys("document") == [lot["document"] for lot in cli_fx["lots"]]
    names = {"acme": "Acme GmbH", "xss": SCRIPT, "yank": "Yankee Corp"}
    for lot in cli_fx["lots"]:
        cells = html.row(document=lot["document"])
        assert cells[0] == names[lot["customer"]]
        assert linked(cells[1]) == lot["document"]
        assert cells[2] == lot["kind"]
        assert linked(cells[3]) == lot["order"]
        assert cells[4] == lot["date"]
        assert same_money(cells[5], lot["amount"])
        assert cells[6] == lot["currency"]
        assert cells[7] == lot["booked_rate"]
        assert same_money(cells[8], lot["booked"])
        assert cells[9] == (lot["rate"] or "no rate")
        assert same_money(cells[10], lot["revalued"])
        assert same_money(cells[11], lot["difference"])
    for total in cli_fx["totals"]:
        cells = html.row(total=total["currency"])
        assert same_money(cells[1], total["amount"])
        assert same_money(cells[2], total["booked"])
        if total["revalued"] is None:
            assert cells[3:] == ["no rate", ""]
        else:
            assert same_money(cells[3], total["revalued"])
            assert same_money(cells[4], total["difference"])
    assert len(html.keys("total")) == len(cli_fx["totals"])
    assert (ESCAPED in text) == any(lot["customer"] == "xss" for lot in cli_fx["lots"])
    assert SCRIPT not in text


def test_fx_page_figures(foreign: Any) -> None:
    """The figures worked out in the ledger's comments."""
    html = Page(foreign_get(foreign, "FX", as_of="2024-03-31"))
    assert html.row(document="INV-1") == [
        "Acme GmbH", "INV-1 ✎", "invoice", "SO-1 ✎", "2024-01-05", "70.00", "EUR",
        "0.86", "60.20", "0.88", "61.60", "1.40",
    ]  # fmt: skip
    assert html.row(document="PAY-1")[5:] == [
        "-40.00", "EUR", "0.85", "-34.00", "0.88", "-35.20", "-1.20",
    ]  # fmt: skip
    assert html.row(document="INV-3")[5:] == [
        "100.00", "USD", "0.79", "79.00", "no rate", "", "",
    ]  # fmt: skip
    assert html.row(total="EUR") == ["EUR", "30.00", "26.20", "26.40", "0.20"]
    assert html.row(total="USD") == ["USD", "90.00", "71.00", "no rate", ""]
    assert "Booked GBP" in str(html.rows[0][1])


def test_fx_page_links(foreign: Any) -> None:
    html = Page(foreign_get(foreign, "FX", as_of="2024-03-31"))
    docs = {link["data-doc"] for link in html.links if link.get("class") == "orders-doc"}
    # Invoices, money with an id and orders link to the journal; the lot of
    # money paid without an id is labelled PAYMENT-SO-4, which no entry carries.
    assert docs == {"INV-1", "INV-3", "PAY-1", "SO-1", "SO-2", "SO-3", "SO-4"}
    sources = [link for link in html.links if link.get("class") == "orders-source"]
    lines = FOREIGN.read_text().splitlines()
    payment = lines.index('2024-02-11 custom "payment" "SO-4" 10.00 USD "card"') + 1
    assert any(link["href"].endswith(f"&line={payment}") for link in sources)
    assert len(sources) == 8  # each document and each order


def test_fx_page_as_of_follows_the_time_filter(foreign: Any) -> None:
    text = foreign_get(foreign, "FX", time="2024-02")
    assert 'value="2024-02-29"' in text
    # On 2024-02-29 EUR is at 0.85: INV-1's 70.00 EUR is worth 59.50 GBP.
    assert Page(text).row(document="INV-1")[9:] == ["0.85", "59.50", "-0.70"]
    # Without an as-of date or a time filter: the configured today.
    text = foreign_get(foreign, "FX")
    assert 'value="2024-03-31"' in text
    assert Page(text).keys("document") == ["INV-1", "PAY-1", "INV-3", "PAYMENT-SO-4"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"as_of": "2024-13-45"}, "Invalid as-of date &#39;2024-13-45&#39;"),
        ({"as_of": SCRIPT}, "Invalid as-of date"),
        ({"time": "someday"}, "Invalid time filter &#39;someday&#39;"),
    ],
)
def test_fx_page_bad_options_show_a_message(
    foreign: Any, args: dict[str, str], message: str
) -> None:
    text = foreign_get(foreign, "FX", **args)
    assert message in text
    assert 'class="orders-error"' in text
    assert SCRIPT not in text


def test_fx_page_before_any_foreign_document(foreign: Any) -> None:
    text = foreign_get(foreign, "FX", as_of="2024-01-04")
    assert 'data-empty="none-open"' in text
    assert "No foreign receivables open as of 2024-01-04" in text
    assert 'id="orders-fx-lots"' not in text


def test_receivables_show_the_operating_currency_values(foreign: Any) -> None:
    text = foreign_get(foreign, "Receivables", as_of="2024-03-31")
    html = Page(text)
    ageing = cli_report("ageing", "--as-of", "2024-03-31")
    assert text.count('<th class="num">Value (GBP)</th>') == 3  # all three tables
    for customer in ageing["customers"]:
        cells = html.row(customer=customer["customer"], currency=customer["currency"])
        assert same_money(cells[-1], customer["value"]), customer
    # Acme owes 70.00 EUR, 60.20 GBP at the invoice's rate; Bob's pounds have no
    # value of their own.
    assert html.row(customer="acme", currency="EUR")[1:] == [
        "EUR", "0.00", "0.00", "0.00", "70.00", "0.00",
        "70.00", "0.00", "70.00", "", "", "60.20",
    ]  # fmt: skip
    assert html.row(customer="bob", currency="GBP")[-1] == ""
    assert html.row(customer="yank", currency="USD")[-1] == "71.00"
    documents = {
        item["document"] or item["kind"]: item["value"] for item in ageing["items"]
    }
    assert html.row(document="INV-1")[6:] == ["70.00", "EUR", "60.20"]
    assert same_money(html.row(document="INV-1")[-1], documents["INV-1"])
    assert html.row(document="INV-5")[6:] == ["25.00", "GBP", ""]
    assert html.row(document="PAY-1")[7:] == ["-40.00", "EUR", "-34.00"]
    assert same_money(html.row(document="PAY-1")[-1], documents["PAY-1"])
    # The payment without an id: its row on the page is its only unnamed one.
    (unnamed,) = [
        cells
        for attrs, cells in html.rows
        if attrs.get("data-document", "").startswith("payment:")
    ]
    assert unnamed[7:] == ["-10.00", "USD", "-8.00"]
    assert same_money(unnamed[-1], documents["payment"])


def test_pages_without_foreign_orders(client: Any, tmp_path: Path) -> None:
    # The shop is all in pounds: no foreign receivables, no value column.
    text = get(client, "FX", as_of="2024-06-30")
    assert "No foreign receivables open as of 2024-06-30" in text
    assert "Value (GBP)" not in get(client, "Receivables", as_of="2024-06-30")
    # A ledger without an operating currency has no foreign orders at all.
    ledger_file = tmp_path / "shop.beancount"
    ledger_file.write_text(SHOP.read_text().replace('option "operating_currency"', ";"))
    plain = create_app([str(ledger_file)], load=True).test_client()
    for page in ALL_PAGES:
        response = plain.get(f"/shop/extension/{page}/")
        assert response.status_code == 200, page
        text = response.get_data(as_text=True)
        assert 'class="orders-error"' not in text, page
    text = plain.get("/shop/extension/FX/").get_data(as_text=True)
    assert 'data-empty="no-operating-currency"' in text
    text = plain.get("/shop/extension/Receivables/").get_data(as_text=True)
    assert "Value (" not in text
    assert 'data-customer="acme"' in text


# -- purchases: docs/examples/purchasing.beancount ------------------------------------


@pytest.fixture(scope="module")
def purchasing() -> Any:
    return create_app([str(PURCHASING.resolve())], load=True).test_client()


def purchases_get(client: Any, /, **args: str) -> str:
    response = client.get("/purchasing-example/extension/Purchases/", query_string=args)
    assert response.status_code == 200, response.data[-2000:]
    return str(response.get_data(as_text=True))


def test_purchases_page_figures(purchasing: Any) -> None:
    text = purchases_get(purchasing, as_of="2024-03-31")
    html = Page(text)
    assert "<h2>Purchases</h2>" in text
    assert 'value="2024-03-31"' in text
    # The same figures as bean-orders report purchases (docs/reports.md).
    assert html.row(po="PO-1") == [
        "PO-1 ✎", "2024-01-05", "Leaf & Co", "2024-01-20", "",
        "GRN-1 ✎, GRN-2 ✎", "B-1 ✎, B-2 ✎, LC-1 ✎", "open", "full", "full", "partial",
        "260.00", "260.00", "289.00", "341.80", "316.00", "25.80", "GBP",
    ]  # fmt: skip
    assert html.row(po="PO-2")[5:11] == [
        "GRN-3 ✎", "B-3 ✎ (void), B-4 ✎", "open", "partial", "partial", "partial",
    ]  # fmt: skip
    assert html.row(**{"po-total": "GBP"}) == [
        "Total", "3 purchase orders", "477.20", "350.00", "379.00", "431.80", "356.00",
        "75.80", "GBP",
    ]  # fmt: skip
    # The payables ageing: each supplier's total is their payable account's balance.
    assert html.row(supplier="leafco", currency="GBP") == [
        "Leaf & Co", "GBP", "0.00", "0.00", "40.80", "0.00", "0.00",
        "40.80", "0.00", "-10.00", "30.80", "Liabilities:Payable:Leafco",
    ]  # fmt: skip
    assert html.row(supplier="potters", currency="GBP")[2:11] == [
        "0.00", "50.00", "0.00", "0.00", "0.00", "50.00", "0.00", "0.00", "50.00",
    ]  # fmt: skip
    assert html.row(**{"payables-total": "GBP"})[-2] == "80.80"
    assert html.row(document="SI-1") == [
        "Leaf & Co", "SI-1 ✎", "stock-in", "", "2024-02-10", "2024-03-11", "50",
        "31-60", "15.00", "GBP",
    ]  # fmt: skip
    assert html.keys("posting") == ["leafco:2024-03-15:1"]
    # Charts: payables by age per supplier, and the months.
    assert "<title>31-60, Leaf &amp; Co: 40.80</title>" in text
    assert "<title>paid, 2024-03: 140.00</title>" in text


def test_purchases_page_before_the_void_and_by_due_date(purchasing: Any) -> None:
    html = Page(purchases_get(purchasing, as_of="2024-03-12", by="due"))
    # B-3 is not voided yet: 50.00 of it is open (PAY-3 paid 40.00).
    assert html.row(document="B-3")[4:9] == [
        "2024-03-06", "2024-03-06", "6", "1-30", "50.00",
    ]  # fmt: skip
    assert html.row(po="PO-2")[6] == "B-3 ✎"
    # By due date B-2 (2024-02-05, Leaf & Co's 30 days' terms) is due on 2024-03-06.
    assert html.row(document="B-2")[4:8] == ["2024-03-06", "2024-03-06", "6", "1-30"]
    html = Page(purchases_get(purchasing, as_of="2024-03-20"))
    assert html.row(document="PAY-3")[1:] == [
        "PAY-3 ✎", "2024-03-10", "10", "1-30", "-40.00", "GBP",
    ]  # fmt: skip


def test_purchases_page_filters_and_links(purchasing: Any) -> None:
    html = Page(purchases_get(purchasing, as_of="2024-03-31", supplier="potters"))
    assert html.keys("po") == ["PO-2", "PO-3"]
    html = Page(purchases_get(purchasing, as_of="2024-03-31", status="received:none"))
    assert html.keys("po") == ["PO-3"]
    docs = [link for link in html.links if link.get("class") == "orders-doc"]
    assert [link["data-doc"] for link in docs][:1] == ["PO-3"]
    url = urlparse(docs[0]["href"])
    assert (url.path, parse_qs(url.query)) == (
        "/purchasing-example/journal/", {"filter": ["^PO-3"]},
    )  # fmt: skip
    sources = [link for link in html.links if link.get("class") == "orders-source"]
    query = parse_qs(urlparse(sources[0]["href"]).query)
    assert query == {"file_path": [str(PURCHASING.resolve())], "line": ["70"]}


def test_purchases_page_as_of_follows_the_time_filter(purchasing: Any) -> None:
    text = purchases_get(purchasing, time="2024-02")
    assert 'value="2024-02-29"' in text
    assert Page(text).keys("po") == ["PO-1"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"as_of": "2024-02-30"}, "Invalid as-of date &#39;2024-02-30&#39;"),
        ({"supplier": "potter"}, "Unknown supplier &#39;potter&#39;"),
        ({"status": "paid:some"}, "Invalid status filter &#39;paid:some&#39;"),
        ({"by": "invoice"}, "Invalid ageing basis &#39;invoice&#39;"),
        ({"buckets": "30,0"}, "Invalid buckets [30, 0]"),
    ],
)
def test_purchases_page_bad_options_show_a_message(
    purchasing: Any, args: dict[str, str], message: str
) -> None:
    text = purchases_get(purchasing, **args)
    assert message in text
    assert 'class="orders-error"' in text


def test_purchases_page_on_the_shop(client: Any) -> None:
    # The shop has no purchase orders; its stock-ins are payable documents.
    text = get(client, "Purchases", as_of="2024-03-31")
    assert "No purchase orders as of 2024-03-31." in text
    html = Page(text)
    # PO-1 (100 x 4.00, 2024-01-02: 89 days old) and PO-3 (50 x 5.00, 2024-03-01).
    assert html.row(supplier="widgetco", currency="GBP") == [
        "widgetco", "GBP", "0.00", "250.00", "0.00", "400.00", "0.00",
        "650.00", "0.00", "0.00", "650.00", "Liabilities:Payable:Widgetco",
    ]  # fmt: skip
