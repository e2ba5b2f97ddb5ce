"""The ledger of a ``bean-orders`` command: its argument, its loading, its errors.

Every command that reads a ledger takes it as the :data:`LEDGER` argument and
loads it as a :class:`Loaded` (the entries, Beancount's and the plugin's errors,
and the order book). A file that cannot be read, or is not UTF-8, is a one-line
``Error:`` (a :class:`click.ClickException`), never a traceback. The ledger's own
errors print as ``file:line: message`` (:func:`format_error`), sorted by file and
line (:func:`sorted_errors`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click
from beancount import loader
from beancount.core import data
from beancount.utils import encryption

from beancount_orders.book import Book
from beancount_orders.cliformat import display_name
from beancount_orders.loading import PLUGIN_NAME
from beancount_orders.loading import book_from_loaded
from beancount_orders.loading import uses_plugin

LEDGER = click.argument(
    "ledger",
    type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path),
)


def check_readable(path: Path) -> None:
    """Fail with a clear message when LEDGER cannot be read as UTF-8 text.

    Beancount opens the file itself; an unreadable file would reach the user as
    a traceback and a non-UTF-8 one as a confusing token error, so both are
    caught here first.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise click.ClickException(f"Cannot read {path}: {reason}") from exc
    if encryption.is_encrypted_file(str(path)):
        return  # Beancount decrypts it with gpg.
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise click.ClickException(
            f"{path} is not UTF-8 text (byte 0x{raw[exc.start]:02x} at line {line}, "
            f"column {column}); Beancount reads UTF-8 only: convert the file, "
            f"e.g. iconv -f latin1 -t utf-8"
        ) from exc


class Loaded:
    """A ledger loaded with its plugins, and its order book."""

    def __init__(self, path: Path) -> None:
        check_readable(path)
        # The pickle cache ignores changes to plugin code: always load afresh.
        loader.initialize(use_cache=False)
        try:
            self.entries, self.errors, self.options = loader.load_file(str(path))
        except (OSError, UnicodeDecodeError) as exc:  # e.g. an unreadable include
            raise click.ClickException(
                f"Cannot read {path} or a file it includes: {exc}"
            ) from exc
        self.path = path
        self._book: Book | None = None

    @property
    def uses_plugin(self) -> bool:
        """Whether the ledger loads the orders plugin at all."""
        return uses_plugin(self.options)

    @property
    def book(self) -> Book:
        """The order book: the one the plugin built while loading (handed over in
        the options map), else built from the ledger's own entries."""
        if self._book is None:
            try:
                self._book = book_from_loaded(self.entries, self.options)
            except Exception as exc:  # an engine bug: say so, no traceback
                raise click.ClickException(
                    f"Internal error in beancount-orders (please report it): "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
        return self._book

    @property
    def generated(self) -> list[data.Directive]:
        """The plugin's entries, in the order it made them within each day (the
        order in which the expanded text books as the plugin did)."""
        return self.book.expanded()

    def warn_without_plugin(self) -> None:
        if not self.uses_plugin:
            click.echo(
                f'Warning: {self.path} does not load the plugin "{PLUGIN_NAME}"; '
                "its order directives are ignored",
                err=True,
            )


def _error_location(error: Any) -> tuple[str, int]:
    source = getattr(error, "source", None) or {}
    filename = source.get("filename") or "<unknown>"
    lineno = source.get("lineno") or 0
    if not filename.startswith("<"):
        filename = display_name(filename)
    return filename, int(lineno)


def format_error(error: Any) -> str:
    """An error as ``file:line: message``, as compilers and editors expect."""
    filename, lineno = _error_location(error)
    message = str(getattr(error, "message", error)).strip()
    return f"{filename}:{lineno}: {message}"


def sorted_errors(errors: Iterable[Any]) -> list[Any]:
    """Errors sorted by file and line; errors on one line keep their order."""
    return sorted(errors, key=_error_location)


def echo_errors(errors: Iterable[Any], *, err: bool) -> None:
    for error in sorted_errors(errors):
        click.echo(format_error(error), err=err)
