"""The plugin configuration: defaults, parsing and validation.

The configuration is the plugin directive's string, a Python dict literal read
with :func:`ast.literal_eval` (never ``eval``)::

    plugin "beancount_orders.orders" "{'prices_include_tax': True,
                              'methods': {'card': 'Assets:Stripe'}}"

A bad key or value is reported as an error and the default is kept for it, so
the rest of the books still load.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime
import string
from decimal import Decimal
from decimal import InvalidOperation
from typing import Any

from beancount.core import account as account_lib

from beancount_orders.book.rules import money_quantum

# Account templates and the placeholders each may use.
ACCOUNT_KEYS: dict[str, tuple[str, frozenset[str]]] = {
    "receivable": ("Assets:Receivable:{customer}", frozenset({"customer"})),
    "sales": ("Income:Sales", frozenset({"customer"})),
    "sales_tax": ("Liabilities:SalesTax", frozenset()),
    "credits": ("Income:Sales:Credits", frozenset({"customer"})),
    "returns": ("Income:Sales:Returns", frozenset({"customer"})),
    "customer_credit": ("Liabilities:CustomerCredit:{customer}", frozenset({"customer"})),
    "credit_memos": ("Expenses:CreditMemos", frozenset({"customer"})),
    "inventory": ("Assets:Inventory:{location}", frozenset({"location"})),
    "cogs": ("Expenses:COGS", frozenset({"location"})),
    "payable": ("Liabilities:Payable:{supplier}", frozenset({"supplier"})),
    "clearing": ("Assets:Clearing:{method}", frozenset({"method"})),
    "loyalty_liability": ("Liabilities:Loyalty:{program}", frozenset({"program"})),
    "loyalty_expense": ("Expenses:Loyalty:PointsDistributed", frozenset({"program"})),
    "loyalty_discount": ("Expenses:Loyalty:Discounts", frozenset({"program"})),
    "discounts_allowed": ("Expenses:Sales:Discounts", frozenset({"customer"})),
    "fx": ("Income:FX", frozenset()),
    "grni": ("Liabilities:GRNI", frozenset({"supplier"})),
    "input_tax": ("Assets:InputTax", frozenset()),
}


@dataclasses.dataclass
class Config:
    """The validated plugin configuration."""

    accounts: dict[str, str] = dataclasses.field(
        default_factory=lambda: {key: value[0] for key, value in ACCOUNT_KEYS.items()}
    )
    prices_include_tax: bool = False
    # Early-payment discounts take their tax share off sales tax.
    discount_reduces_tax: bool = False
    precision: int = 2
    tax_rate: Decimal = Decimal(0)
    terms: int = 0
    location: str = "Main"
    methods: dict[str, str] = dataclasses.field(default_factory=dict)
    # The date loyalty points expire up to (None: the day the books are loaded).
    today: datetime.date | None = None
    # ``bean-orders check`` reports gaps and padding clashes in document ids.
    numbering: bool = False

    def account(self, key: str, **fields: str) -> str:
        """The account for ``key``, its placeholders filled in."""
        template = self.accounts[key]
        return template.format(**fields) if "{" in template else template

    @property
    def quantum(self) -> Decimal:
        """The smallest unit of money at the configured precision."""
        return money_quantum(self.precision)


def _check_template(key: str, value: Any) -> str | None:
    """An error message for a bad account template, or None."""
    if not isinstance(value, str):
        return f"'{key}' must be an account name string, got {value!r}"
    allowed = ACCOUNT_KEYS[key][1]
    try:
        names = {
            name for _, name, _, _ in string.Formatter().parse(value) if name is not None
        }
    except ValueError:
        return f"'{key}' is not a valid account template: {value!r}"
    unknown = names - allowed
    if unknown:
        expected = ", ".join("{" + name + "}" for name in sorted(allowed)) or "none"
        return (
            f"'{key}' uses unknown placeholder {{{sorted(unknown)[0]}}}: "
            f"{value!r} (allowed: {expected})"
        )
    sample = value.format(**dict.fromkeys(allowed, "Sample"))
    if not account_lib.is_valid(sample):
        return f"'{key}' is not a valid account name: {value!r}"
    return None


def parse_config(text: str | None) -> tuple[Config, list[str]]:
    """Parse the plugin's configuration string.

    Returns the configuration (defaults where a value was bad) and a list of
    problems, each a message naming the key and what was expected.
    """
    config = Config()
    if text is None or not text.strip():
        return config, []
    try:
        raw = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return config, [
            f"Invalid plugin configuration {text!r}: expected a Python dict literal "
            "such as \"{'prices_include_tax': True}\""
        ]
    if not isinstance(raw, dict):
        return config, [
            f"Invalid plugin configuration {text!r}: expected a dict, "
            f"got {type(raw).__name__}"
        ]
    problems: list[str] = []
    for key, value in raw.items():
        problem = _apply(config, key, value)
        if problem:
            problems.append(f"Invalid plugin configuration: {problem}")
    return config, problems


def _apply(config: Config, key: Any, value: Any) -> str | None:
    """Apply one configuration key; return a problem or None."""
    if key in ACCOUNT_KEYS:
        problem = _check_template(key, value)
        if problem is None:
            config.accounts[key] = value
        return problem
    if key == "prices_include_tax":
        if not isinstance(value, bool):
            return f"'prices_include_tax' must be True or False, got {value!r}"
        config.prices_include_tax = value
        return None
    if key == "discount_reduces_tax":
        if not isinstance(value, bool):
            return f"'discount_reduces_tax' must be True or False, got {value!r}"
        config.discount_reduces_tax = value
        return None
    if key == "numbering":
        if not isinstance(value, bool):
            return f"'numbering' must be True or False, got {value!r}"
        config.numbering = value
        return None
    if key == "precision":
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 8:
            return (
                f"'precision' must be a whole number of decimal places 0-8, got {value!r}"
            )
        config.precision = value
        return None
    if key == "tax_rate":
        try:
            rate = Decimal(str(value))
        except InvalidOperation:
            rate = Decimal(-1)
        if isinstance(value, bool) or not rate.is_finite() or not 0 <= rate < 1:
            return f"'tax_rate' must be a rate from 0 to 1 such as '0.20', got {value!r}"
        config.tax_rate = rate
        return None
    if key == "terms":
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            return f"'terms' must be a whole number of days, got {value!r}"
        config.terms = value
        return None
    if key == "location":
        if not isinstance(value, str) or not value.strip():
            return f"'location' must be a non-empty string, got {value!r}"
        config.location = value
        return None
    if key == "methods":
        if not isinstance(value, dict):
            return f"'methods' must be a dict of method name to account, got {value!r}"
        for method, account in value.items():
            if not isinstance(method, str) or not isinstance(account, str):
                return (
                    f"'methods' must map strings to account names, "
                    f"got {method!r}: {account!r}"
                )
            if not account_lib.is_valid(account):
                return f"'methods' maps {method!r} to an invalid account name {account!r}"
        config.methods = dict(value)
        return None
    if key == "today":
        try:
            config.today = (
                datetime.date.fromisoformat(value) if isinstance(value, str) else None
            )
        except ValueError:
            config.today = None
        if config.today is None:
            return f"'today' must be a date written 'YYYY-MM-DD', got {value!r}"
        return None
    known = sorted(
        [
            *ACCOUNT_KEYS,
            "discount_reduces_tax",
            "location",
            "methods",
            "numbering",
            "precision",
            "prices_include_tax",
            "tax_rate",
            "terms",
            "today",
        ]
    )
    return f"unknown key {key!r} (known keys: {', '.join(known)})"
