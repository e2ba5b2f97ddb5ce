"""The Content-Security-Policy of ``bean-orders serve``, on its Flask app.

Fava 1.30 renders payees (customers' names) as HTML in its journal; the policy
is what stops a name such as ``Evil <img src=x onerror=alert(2)>`` from running
there. tests/test_browser.py shows it in Chromium; here: every kind of response
carries the policy, and the policy allows no inline script, no event handler
attribute and no ``eval``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fava.application import create_app
from flask.testing import FlaskClient

from beancount_orders.fava_ext import serve

HOSTILE = Path(__file__).parent / "data" / "fava" / "hostile.beancount"
POLICY = serve.CONTENT_SECURITY_POLICY


def directives(policy: str) -> dict[str, list[str]]:
    """The policy's directives and their sources."""
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        assert name not in parsed, f"{name} twice"
        parsed[name] = sources
    return parsed


@pytest.fixture(scope="module")
def client() -> FlaskClient:
    return serve.create_app(HOSTILE).test_client()


def test_the_policy_forbids_inline_script_and_eval() -> None:
    parsed = directives(POLICY)
    assert parsed["default-src"] == ["'self'"]
    script = parsed["script-src"]
    assert script[0] == "'self'"
    for forbidden in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "data:", "*"):
        assert forbidden not in script
    # Nothing else may run script: no script-src-elem/-attr of its own.
    assert not {"script-src-elem", "script-src-attr"} & set(parsed)
    assert parsed["object-src"] == ["'self'"]
    assert parsed["base-uri"] == ["'self'"]
    # Only Fava's own origin, nowhere else (data: only for images).
    for name, sources in parsed.items():
        for source in sources:
            assert source.startswith("'") or (name == "img-src" and source == "data:"), (
                name,
                source,
            )


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/hostile/extension/Orders/", 200),
        ("/hostile/extension/Orders/?partial=true", 200),
        ("/hostile/journal/", 200),
        ("/hostile/api/journal_page?page=1&order=desc", 200),
        ("/hostile/api/errors", 200),
        ("/static/app.js", 200),
        ("/static/app.css", 200),
        ("/hostile/no-such-report/", 404),
        ("/no-such-ledger/journal/", 404),
        ("/", 302),
    ],
)
def test_every_response_carries_the_policy(
    client: FlaskClient, path: str, status: int
) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert response.headers.getlist("Content-Security-Policy") == [POLICY]


def test_the_journal_api_sends_the_payee_as_html(client: FlaskClient) -> None:
    """Why the policy: Fava's journal API returns the payee's markup as HTML."""
    response = client.get("/hostile/api/journal_page?page=1&order=desc")
    journal = response.get_json()["data"]["journal"]
    assert "<strong class='payee'>Evil <img src=x onerror=alert(2)></strong>" in journal


def test_plain_fava_sends_no_policy() -> None:
    """Fava alone sends none: the policy comes with ``bean-orders serve`` only."""
    plain = create_app([str(HOSTILE)], load=True).test_client()
    assert "Content-Security-Policy" not in plain.get("/hostile/journal/").headers


def test_a_policy_set_by_the_app_is_replaced() -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        headers = [("Content-Type", "text/html"), ("content-security-policy", "x")]
        start_response("200 OK", headers)
        return [b"ok"]

    seen: list[list[tuple[str, str]]] = []

    def start_response(status: str, headers: list[tuple[str, str]], *rest: object) -> None:
        seen.append(headers)

    body = serve.with_security_policy(app)({}, start_response)
    assert list(body) == [b"ok"]
    assert seen == [[("Content-Type", "text/html"), ("Content-Security-Policy", POLICY)]]


def test_the_docs_show_the_policy() -> None:
    """docs/fava.md shows the header as sent, to copy into a reverse proxy."""
    docs = Path(__file__).resolve().parent.parent / "docs" / "fava.md"
    assert f"Content-Security-Policy: {POLICY}\n" in docs.read_text(encoding="utf-8")
