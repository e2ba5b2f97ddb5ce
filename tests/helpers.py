"""Test helpers: ledgers in docstrings, in the style of Beancount's ``load_doc``."""

from __future__ import annotations

import dataclasses
import functools
import io
import textwrap
from collections.abc import Callable
from typing import Any

from beancount import loader
from beancount.core import data
from beancount.parser import printer

from beancount_orders.book import Book
from beancount_orders.book.postings import is_generated
from beancount_orders.book.render import format_entries
from beancount_orders.loading import book_from_loaded


@dataclasses.dataclass
class Loaded:
    """A ledger loaded with the plugin, and what the tests look at."""

    entries: list[data.Directive]
    errors: list[Any]
    options: dict[str, Any]

    @functools.cached_property
    def book(self) -> Book:
        return book_from_loaded(self.entries, self.options)

    @property
    def generated(self) -> list[data.Directive]:
        return [entry for entry in self.entries if is_generated(entry)]

    @property
    def transactions(self) -> list[data.Transaction]:
        return [e for e in self.generated if isinstance(e, data.Transaction)]

    def expand(self, *, opens: bool = False) -> str:
        """The generated transactions (and opens if asked) as text."""
        chosen = self.book.expanded()
        if not opens:
            chosen = [entry for entry in chosen if isinstance(entry, data.Transaction)]
        return format_entries(chosen)

    @property
    def messages(self) -> list[tuple[int, str]]:
        """(line, message) of every error, in order."""
        return [(error.source["lineno"], error.message) for error in self.errors]

    def balances(self) -> dict[str, str]:
        """Every account's final balance as text, e.g. {"Income:Sales": "-50.00 GBP"}."""
        from beancount.core import realization

        root = realization.realize(self.entries)
        result = {}
        for real_account in realization.iter_children(root):
            if real_account.balance.is_empty():
                continue
            result[real_account.account] = real_account.balance.to_string()[1:-1]
        return result


def load(text: str) -> Loaded:
    """Load a ledger given as (indented) text."""
    entries, errors, options = loader.load_string(textwrap.dedent(text))
    return Loaded(entries, errors, options)


def ledger(expect_errors: bool | None = False) -> Callable[..., Any]:
    """Decorator: load the test's docstring and pass it as ``ledger``.

    ``expect_errors=False`` fails on any error; True fails when there is none;
    None checks nothing.
    """

    def decorator(function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            loaded = load(function.__doc__ or "")
            if expect_errors is False and loaded.errors:
                buffer = io.StringIO()
                printer.print_errors(loaded.errors, file=buffer)
                text = buffer.getvalue()
                raise AssertionError(f"Unexpected errors:\n{text}")
            if expect_errors is True and not loaded.errors:
                raise AssertionError("Expected errors, found none")
            return function(*args, loaded=loaded, **kwargs)

        # pytest must not see the wrapper's **kwargs as fixtures.
        wrapper.__signature__ = _without_loaded(function)  # type: ignore[attr-defined]
        return wrapper

    return decorator


def _without_loaded(function: Callable[..., Any]) -> Any:
    import inspect

    signature = inspect.signature(function)
    return signature.replace(
        parameters=[p for p in signature.parameters.values() if p.name != "loaded"]
    )


def dedent(text: str) -> str:
    """Expected text as written in a test, without the common indentation."""
    return textwrap.dedent(text).strip("\n") + "\n"
