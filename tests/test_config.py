"""The plugin configuration: what it changes, and bad configurations.

A bad configuration is an error at the ``plugin`` line (line 0 for a ledger
loaded from a string, which has no file to point into); the books still load,
with the default for every bad value.
"""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from beancount import loader

from beancount_orders.book import parse_config
from beancount_orders.book.config import ACCOUNT_KEYS
from tests.helpers import dedent
from tests.helpers import ledger
from tests.helpers import load

BODY = """
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-06 custom "payment" "SO-1" 60.00 GBP "card"
"""

# What BODY generates with the default configuration.
DEFAULT_TEXT = dedent("""
    2024-01-05 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
      order: "SO-1"
      customer: "acme"
      invoice: "INV-1"
      Assets:Receivable:Acme   60.00 GBP
      Income:Sales            -50.00 GBP
        item: "WIDGET"
      Liabilities:SalesTax    -10.00 GBP
        rate: 0.20

    2024-01-06 * "Acme Ltd" "Payment for order SO-1 by card" ^SO-1
      order: "SO-1"
      customer: "acme"
      Assets:Clearing:Card     60.00 GBP
      Assets:Receivable:Acme  -60.00 GBP
""")


def load_with(config: str | None):
    plugin = 'plugin "beancount_orders.orders"'
    plugin += f' "{config}"' if config is not None else ""
    return load("\n" + plugin + "\n" + BODY.replace("\n    ", "\n"))


def test_no_configuration_uses_the_defaults():
    loaded = load_with(None)
    assert loaded.errors == []
    assert loaded.expand() == DEFAULT_TEXT


def test_empty_configuration_uses_the_defaults():
    loaded = load_with("")
    assert loaded.errors == []
    assert loaded.expand() == DEFAULT_TEXT


def test_unparseable_configuration():
    loaded = load_with("{'terms': 30")
    assert loaded.messages == [
        (
            0,
            "Invalid plugin configuration \"{'terms': 30\": expected a Python dict literal "
            "such as \"{'prices_include_tax': True}\"",
        ),
    ]
    assert loaded.expand() == DEFAULT_TEXT
    assert loaded.book.invoices["INV-1"].due == datetime.date(2024, 1, 5)


def test_configuration_that_is_not_a_dict():
    loaded = load_with("[1, 2]")
    assert loaded.messages == [
        (0, "Invalid plugin configuration '[1, 2]': expected a dict, got list"),
    ]
    assert loaded.expand() == DEFAULT_TEXT


def test_configuration_is_never_evaluated():
    config, problems = parse_config("__import__('os').getcwd()")
    assert problems == [
        "Invalid plugin configuration \"__import__('os').getcwd()\": expected a Python "
        "dict literal such as \"{'prices_include_tax': True}\""
    ]
    assert config.terms == 0


def test_unknown_key():
    loaded = load_with("{'bogus': 1}")
    ((lineno, message),) = loaded.messages
    assert lineno == 0
    prefix = "Invalid plugin configuration: unknown key 'bogus' (known keys: "
    assert message.startswith(prefix)
    assert message.endswith(")")
    known = message[len(prefix) : -1].split(", ")
    assert known == sorted(known)
    documented = {
        *ACCOUNT_KEYS,
        "location",
        "methods",
        "precision",
        "prices_include_tax",
        "tax_rate",
        "terms",
    }
    assert documented <= set(known)
    assert loaded.expand() == DEFAULT_TEXT


BAD_VALUES = [
    (
        "{'receivable': 'Assets:Receivable:{client}'}",
        "'receivable' uses unknown placeholder {client}: 'Assets:Receivable:{client}' "
        "(allowed: {customer})",
    ),
    (
        "{'sales_tax': 'Liabilities:Tax:{customer}'}",
        "'sales_tax' uses unknown placeholder {customer}: 'Liabilities:Tax:{customer}' "
        "(allowed: none)",
    ),
    (
        "{'sales': 'income:sales'}",
        "'sales' is not a valid account name: 'income:sales'",
    ),
    (
        "{'receivable': 'Assets:{'}",
        "'receivable' is not a valid account template: 'Assets:{'",
    ),
    (
        "{'receivable': 42}",
        "'receivable' must be an account name string, got 42",
    ),
    (
        "{'prices_include_tax': 'yes'}",
        "'prices_include_tax' must be True or False, got 'yes'",
    ),
    (
        "{'precision': 'two'}",
        "'precision' must be a whole number of decimal places 0-8, got 'two'",
    ),
    (
        "{'precision': 9}",
        "'precision' must be a whole number of decimal places 0-8, got 9",
    ),
    (
        "{'terms': -1}",
        "'terms' must be a whole number of days, got -1",
    ),
    (
        "{'tax_rate': 1.5}",
        "'tax_rate' must be a rate from 0 to 1 such as '0.20', got 1.5",
    ),
    (
        "{'methods': 'card'}",
        "'methods' must be a dict of method name to account, got 'card'",
    ),
    (
        "{'methods': {'card': 'stripe'}}",
        "'methods' maps 'card' to an invalid account name 'stripe'",
    ),
    (
        "{'location': ''}",
        "'location' must be a non-empty string, got ''",
    ),
]


@pytest.mark.parametrize(("config", "problem"), BAD_VALUES, ids=[c for c, _ in BAD_VALUES])
def test_bad_value_is_reported_and_the_default_kept(config, problem):
    loaded = load_with(config)
    assert loaded.messages == [(0, f"Invalid plugin configuration: {problem}")]
    assert loaded.expand() == DEFAULT_TEXT


def test_good_keys_apply_beside_a_bad_one():
    loaded = load_with(
        "{'terms': 30, 'precision': 'two', 'methods': {'card': 'Assets:Stripe'}}"
    )
    assert loaded.messages == [
        (
            0,
            "Invalid plugin configuration: 'precision' must be a whole number of decimal "
            "places 0-8, got 'two'",
        ),
    ]
    assert loaded.book.invoices["INV-1"].due == datetime.date(2024, 2, 4)
    assert loaded.balances()["Assets:Stripe"] == "60.00 GBP"


def test_every_bad_key_is_reported():
    loaded = load_with("{'terms': -1, 'bogus': 2, 'tax_rate': 'x'}")
    messages = [message for _, message in loaded.messages]
    assert len(messages) == 3
    assert messages[0] == (
        "Invalid plugin configuration: 'terms' must be a whole number of days, got -1"
    )
    assert messages[1].startswith("Invalid plugin configuration: unknown key 'bogus'")
    assert messages[2] == (
        "Invalid plugin configuration: 'tax_rate' must be a rate from 0 to 1 such as "
        "'0.20', got 'x'"
    )


def test_configuration_errors_point_at_the_plugin_line(tmp_path, monkeypatch):
    monkeypatch.setenv("BEANCOUNT_DISABLE_LOAD_CACHE", "1")
    path = tmp_path / "books.beancount"
    path.write_text(
        '; my books\noption "title" "Books"\n\n'
        "plugin \"beancount_orders.orders\" \"{'terms': '30'}\"\n" + dedent(BODY),
        encoding="utf-8",
    )
    entries, errors, _ = loader.load_file(str(path))
    assert [(e.source["filename"], e.source["lineno"], e.message) for e in errors] == [
        (
            str(path),
            4,
            "Invalid plugin configuration: 'terms' must be a whole number of days, "
            "got '30'",
        ),
    ]
    assert sum(1 for entry in entries if getattr(entry, "postings", None)) == 2


@ledger()
def test_account_templates(loaded):
    """
    plugin "beancount_orders.orders" "{'receivable': 'Assets:AR:{customer}', 'sales': 'Income:Shop:{customer}', 'sales_tax': 'Liabilities:VAT', 'clearing': 'Assets:Undeposited:{method}'}"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    2024-01-06 custom "payment" "SO-1" 60.00 GBP "card"
    """  # noqa: E501
    assert loaded.expand(opens=True) == dedent("""
        2024-01-05 open Assets:AR:Acme

        2024-01-05 open Income:Shop:Acme

        2024-01-05 open Liabilities:VAT

        2024-01-05 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:AR:Acme     60.00 GBP
          Income:Shop:Acme  -50.00 GBP
            item: "WIDGET"
          Liabilities:VAT   -10.00 GBP
            rate: 0.20

        2024-01-06 open Assets:Undeposited:Card

        2024-01-06 * "Acme Ltd" "Payment for order SO-1 by card" ^SO-1
          order: "SO-1"
          customer: "acme"
          Assets:Undeposited:Card   60.00 GBP
          Assets:AR:Acme           -60.00 GBP
    """)


@ledger()
def test_precision(loaded):
    """
    plugin "beancount_orders.orders" "{'precision': 0}"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 333 JPY
      tax: 0.10
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    """
    # 3 x 333 = 999; tax 99.9 rounds to 100 whole yen.
    assert loaded.expand() == dedent("""
        2024-01-05 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme  1099 JPY
          Income:Sales            -999 JPY
            item: "WIDGET"
          Liabilities:SalesTax    -100 JPY
            rate: 0.10
    """)
    assert loaded.book.invoices["INV-1"].gross == D(1099)


def test_parse_config_values():
    config, problems = parse_config(
        "{'prices_include_tax': True, 'precision': 3, 'tax_rate': '0.175', 'terms': 14, "
        "'location': 'Leeds', 'methods': {'card': 'Assets:Stripe'}}"
    )
    assert problems == []
    assert config.prices_include_tax is True
    assert config.precision == 3
    assert config.quantum == D("0.001")
    assert config.tax_rate == D("0.175")
    assert config.terms == 14
    assert config.location == "Leeds"
    assert config.methods == {"card": "Assets:Stripe"}
    assert config.account("receivable", customer="Acme") == "Assets:Receivable:Acme"


def test_parse_config_defaults_match_the_spec():
    config, problems = parse_config(None)
    assert problems == []
    assert config.accounts == {
        "receivable": "Assets:Receivable:{customer}",
        "sales": "Income:Sales",
        "sales_tax": "Liabilities:SalesTax",
        "credits": "Income:Sales:Credits",
        "returns": "Income:Sales:Returns",
        "customer_credit": "Liabilities:CustomerCredit:{customer}",
        "credit_memos": "Expenses:CreditMemos",
        "inventory": "Assets:Inventory:{location}",
        "cogs": "Expenses:COGS",
        "payable": "Liabilities:Payable:{supplier}",
        "clearing": "Assets:Clearing:{method}",
        "loyalty_liability": "Liabilities:Loyalty:{program}",
        "loyalty_expense": "Expenses:Loyalty:PointsDistributed",
        "loyalty_discount": "Expenses:Loyalty:Discounts",
        "discounts_allowed": "Expenses:Sales:Discounts",
        "fx": "Income:FX",
        "grni": "Liabilities:GRNI",
        "input_tax": "Assets:InputTax",
    }
    assert (config.prices_include_tax, config.precision, config.tax_rate, config.terms) == (
        False,
        2,
        D(0),
        0,
    )
    assert config.location == "Main"
    assert config.methods == {}
