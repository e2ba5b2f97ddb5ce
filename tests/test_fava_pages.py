"""What every report page shares, on a real Fava (its Flask app): CSV downloads,
Fava's account and tag/link filters, the time filter's meaning, "as of the end of
the period", the errors banner, the options form after a bad option, plurals.

The ledger is tests/data/fava/shop.beancount (its config sets today to
2024-06-30); the banner is checked on a copy with two errors added.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fava.application import create_app

from beancount_orders import fava_ext
from beancount_orders.fava_ext import charts
from beancount_orders.fava_ext import serve
from tests.test_fava import ALL_PAGES
from tests.test_fava import SHOP
from tests.test_fava import Page

EXAMPLE = Path(__file__).resolve().parent.parent / "ledgers" / "example.beancount"
# A CSV download's URL in a page.
CSV_LINK = re.compile(r'<a href="([^"]+/csv\?[^"]+)"[^>]*class="orders-csv">([^<]+)</a>')


@pytest.fixture(scope="module")
def client() -> Any:
    """Fava's test client on the shop ledger."""
    return create_app([str(SHOP.resolve())], load=True).test_client()


def get(client: Any, report: str, /, **args: str) -> str:
    """A page's HTML."""
    response = client.get(f"/shop/extension/{report}/", query_string=args)
    assert response.status_code == 200, response.data[-2000:]
    return str(response.get_data(as_text=True))


def downloads(text: str) -> dict[str, str]:
    """The page's CSV downloads: title to URL."""
    return {title: url.replace("&amp;", "&") for url, title in CSV_LINK.findall(text)}


def fetch_csv(client: Any, url: str) -> list[dict[str, str]]:
    """The rows of a CSV download."""
    response = client.get(url)
    assert response.status_code == 200, response.data
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


@pytest.mark.parametrize("page", ALL_PAGES)
def test_every_table_of_every_page_downloads(client: Any, page: str) -> None:
    links = downloads(get(client, page))
    assert links, page
    for url in links.values():
        fetch_csv(client, url)


@pytest.mark.parametrize(
    "args",
    [{}, {"time": "2024-02"}, {"customer": "acme"}, {"status": "open"}, {"per_page": "2"}],
)
def test_orders_csv_has_the_rows_of_the_page(client: Any, args: dict[str, str]) -> None:
    """The same rows, in the same order, whatever the options; never paged."""
    text = get(client, "Orders", **args)
    url = downloads(text)["Orders"]
    rows = fetch_csv(client, url)
    every = Page(get(client, "Orders", **{**args, "per_page": "5000"})).keys("order")
    assert [row["order"] for row in rows] == every
    if "per_page" not in args:
        assert Page(text).keys("order") == every


def test_csv_of_an_unknown_table_or_bad_option(client: Any) -> None:
    reply = client.get("/shop/extension/Orders/csv", query_string={"table": "x.y"})
    assert reply.status_code == 404
    reply = client.get(
        "/shop/extension/Orders/csv", query_string={"table": "orders.orders", "status": "x"}
    )
    assert reply.status_code == 400
    assert "Invalid status filter" in reply.get_data(as_text=True)


def test_receivables_csv_is_the_ageing_of_the_page(client: Any) -> None:
    text = get(client, "Receivables", as_of="2024-02-15")
    links = downloads(text)
    rows = fetch_csv(client, links["Customers"])
    assert [row["customer"] for row in rows] == ["xss"]
    assert {
        row["document"]
        for row in fetch_csv(client, links["Open invoices and unallocated money"])
    } == {"INV-2"}


def test_a_link_filter_narrows_the_orders_page_and_its_csv(client: Any) -> None:
    text = get(client, "Orders", filter="^SO-2")
    assert Page(text).keys("order") == ["SO-2"]
    assert 'data-filter="honoured"' in text
    assert "1 order, open ones first" in text
    rows = fetch_csv(client, downloads(text)["Orders"])
    assert [row["order"] for row in rows] == ["SO-2"]
    # An invoice's link finds its order too.
    assert Page(get(client, "Orders", filter="^INV-1")).keys("order") == ["SO-1"]


def test_an_account_filter_narrows_the_orders_page(client: Any) -> None:
    text = get(client, "Orders", account="Assets:Receivable:Acme")
    assert Page(text).keys("order") == ["SO-3", "SO-1"]
    assert "2 orders, open ones first" in text


def test_a_link_filter_narrows_the_credits_page(client: Any) -> None:
    """^SO-2 keeps CO-1 (against INV-2 of SO-2); not CO-2, CO-3 or RET-1."""
    text = get(client, "Credits")
    assert {"CO-1", "CO-2", "CO-3"} <= set(Page(text).keys("credit-order"))
    text = get(client, "Credits", filter="^SO-2")
    assert 'data-filter="honoured"' in text
    assert set(Page(text).keys("credit-order")) == {"CO-1"}
    assert "RET-1" not in text
    links = downloads(text)
    rows = fetch_csv(client, links["Credit orders"])
    assert [row["credit_order"] for row in rows] == ["CO-1"]


@pytest.mark.parametrize("page", [p for p in ALL_PAGES if p not in ("Orders", "Credits")])
def test_pages_that_ignore_the_filters_say_so(client: Any, page: str) -> None:
    assert "data-filter" not in get(client, page)
    text = get(client, page, filter="^SO-2")
    assert 'data-filter="ignored"' in text
    assert "do not apply to this page" in text


@pytest.mark.parametrize("page", ALL_PAGES)
def test_every_page_states_what_the_time_filter_means(client: Any, page: str) -> None:
    text = get(client, page, time="2024-02")
    note = re.search(r'class="orders-muted orders-time">(.*?)</p>', text, re.S)
    assert note, page
    assert "2024-02" in note.group(1), note.group(1)


def test_orders_as_of_the_end_of_the_period(client: Any) -> None:
    """SO-1 was paid on 2024-02-10: in January's orders it is paid in full as the
    books stand, and not paid at all at the end of January."""
    text = get(client, "Orders", time="2024-01")
    assert "as they stand at the end of the books" in text
    assert Page(text).row(order="SO-1")[9] == "full"
    assert "as of the end of the period (2024-01-31)" in text
    text = get(client, "Orders", time="2024-01", at_end="1")
    assert "as they stand at the end of 2024-01-31" in text
    assert Page(text).row(order="SO-1")[9] == "none"
    assert 'name="at_end" value="1"' in text  # the options form keeps it
    # Without a time filter there is no end to be at.
    assert "as of the end of the period" not in get(client, "Orders")


def test_no_banner_without_errors() -> None:
    app = create_app([str(EXAMPLE)], load=True)
    slug = next(iter(app.config["LEDGERS"].ledgers_by_slug))
    text = app.test_client().get(f"/{slug}/extension/Orders/").get_data(as_text=True)
    assert "<h2>Orders</h2>" in text
    assert 'class="orders-banner"' not in text


def test_the_shops_one_error_is_in_the_banner(client: Any) -> None:
    """The shop's SO-7 dispatches bolts that are not in stock: the plugin's error."""
    assert 'data-errors="1">The books have 1 error:' in get(client, "Orders")


def test_errors_banner_on_every_page(tmp_path: Path) -> None:
    """A transaction that does not balance (Beancount) and an order of an unknown
    customer (the plugin): both counted, with a link to Fava's errors page."""
    ledger = tmp_path / "broken.beancount"
    ledger.write_text(
        SHOP.read_text()
        + '\n2024-06-01 * "Does not balance"\n  Assets:Bank:Current  1.00 GBP\n'
        + "  Income:Sales  -2.00 GBP\n"
        + '\n2024-06-02 custom "order" "SO-99" "nobody"\n'
    )
    app = create_app([str(ledger)], load=True)
    slug = next(iter(app.config["LEDGERS"].ledgers_by_slug))
    broken = app.test_client()
    for page in ALL_PAGES:
        response = broken.get(f"/{slug}/extension/{page}/")
        text = response.get_data(as_text=True)
        assert 'class="orders-banner"' in text, page
        found = re.search(r'data-errors="(\d+)"', text)
        assert found, page
        assert int(found.group(1)) >= 2
        assert f'href="/{slug}/errors/"' in text


def test_a_bad_option_keeps_the_form(client: Any) -> None:
    text = get(client, "Orders", customer="acme", status="half")
    assert "Invalid status filter" in text
    assert '<option value="acme" selected>' in text
    assert '<option value="xss">' in text
    text = get(client, "Receivables", as_of="2024-13-45", basis="due", buckets="0,7")
    assert 'value="2024-13-45"' in text
    assert '<option value="due" selected>' in text
    assert 'value="0,7"' in text


def test_sidebar_lists_orders_first() -> None:
    classes = serve.page_classes()
    assert classes[0] is fava_ext.Orders
    app = create_app([str(SHOP.resolve())], load=True)
    ledger = app.config["LEDGERS"].ledgers[0]
    names = [detail.name for detail in ledger.extensions.extension_details]
    assert names[0] == "Orders"
    assert sorted(names) == sorted(ALL_PAGES)


def test_a_chart_of_one_month_has_bars() -> None:
    chart = charts.line_chart(
        ["2024-01"], (charts.Series("margin", (Decimal("5"),)),), "One"
    )
    assert "<rect" in chart
    assert "<circle" not in chart


def test_negative_available_stock_is_marked(tmp_path: Path) -> None:
    """More committed than on hand: the available cell is highlighted."""
    ledger = tmp_path / "short.beancount"
    ledger.write_text(
        'plugin "beancount_orders.orders"\n'
        'option "operating_currency" "GBP"\n'
        "2024-01-01 open Assets:Inventory:Main\n"
        "2024-01-01 commodity WIDGET\n  tax: 0.20\n"
        '2024-01-01 custom "customer" "acme" "Acme"\n'
        '2024-01-02 custom "stock-in" "PO-1" "WIDGET" 2 4.00 GBP\n  supplier: "w"\n'
        '2024-01-10 custom "order" "SO-1" "acme"\n'
        '2024-01-10 custom "line" "SO-1" "WIDGET" 5 10.00 GBP\n'
        '2024-01-11 custom "commit" "SO-1"\n'
    )
    app = create_app([str(ledger)], load=True)
    serve.add_pages(app.config["LEDGERS"].ledgers[0])
    slug = next(iter(app.config["LEDGERS"].ledgers_by_slug))
    text = app.test_client().get(f"/{slug}/extension/Stock/").get_data(as_text=True)
    assert re.search(r'class="num orders-negative"[^>]*>-3<', text), text[-3000:]


@pytest.mark.parametrize("page", ["Orders", "Loyalty", "Stock", "Credits"])
def test_pages_as_of_the_end_of_the_period(client: Any, page: str) -> None:
    """The pages with balances "as they stand" offer the end of the period instead,
    and a way back."""
    text = get(client, page, time="2024-01")
    assert "at the end of the books" in text
    assert "at_end=1" in text
    text = get(client, page, time="2024-01", at_end="1")
    assert "at the end of 2024-01-31" in text
    assert "Show them as they stand at the end of the books instead" in text


def test_stock_at_the_end_of_january(client: Any) -> None:
    """Stock on 2024-01-31 is not the stock of the end of the books."""
    now = Page(get(client, "Stock", time="2024-01"))
    then = Page(get(client, "Stock", time="2024-01", at_end="1"))
    assert then.rows != now.rows
