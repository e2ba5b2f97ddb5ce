"""The ``bean-orders`` command line: the order books from a terminal and CI.

Commands::

    bean-orders check LEDGER      every error as file:line: message; exit 1 on errors
    bean-orders expand LEDGER     the entries the plugin generates, as Beancount text

The commands only load the ledger (with its plugins) and print what the order
book engine (:mod:`plugins.book`) computed; they hold no bookkeeping logic of
their own. Problems with the command line or the ledger file itself (missing,
unreadable, not UTF-8, an unknown ``--order``) are reported as one-line
``Error:`` messages with a non-zero exit status, never as a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click
from beancount import loader
from beancount.core import data
from beancount.utils import encryption

from plugins.book import PLUGIN_NAME
from plugins.book import Book
from plugins.book import book_from_loaded
from plugins.book.postings import is_generated
from plugins.book.render import format_entries

LEDGER = click.argument(
    "ledger",
    type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path),
)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _article(noun: str) -> str:
    return "an" if noun[:1] in ("a", "e", "i", "o", "u") else "a"


def _check_readable(path: Path) -> None:
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
        _check_readable(path)
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
        return any(name == PLUGIN_NAME for name, _ in self.options.get("plugin") or [])

    @property
    def book(self) -> Book:
        """The order book, computed again from the ledger's own entries."""
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
        """The plugin's entries, in the order of the loaded ledger."""
        return [entry for entry in self.entries if is_generated(entry)]

    def warn_without_plugin(self) -> None:
        if not self.uses_plugin:
            click.echo(
                f'Warning: {self.path} does not load the plugin "{PLUGIN_NAME}"; '
                "its order directives are ignored",
                err=True,
            )


def _display_name(filename: str) -> str:
    """A filename relative to the working directory when it lies below it."""
    try:
        relative = os.path.relpath(filename)
    except ValueError:  # another drive on Windows
        return filename
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return filename
    return relative


def _error_location(error: Any) -> tuple[str, int]:
    source = getattr(error, "source", None) or {}
    filename = source.get("filename") or "<unknown>"
    lineno = source.get("lineno") or 0
    if not filename.startswith("<"):
        filename = _display_name(filename)
    return filename, int(lineno)


def format_error(error: Any) -> str:
    """An error as ``file:line: message``, as compilers and editors expect."""
    filename, lineno = _error_location(error)
    message = str(getattr(error, "message", error)).strip()
    return f"{filename}:{lineno}: {message}"


def sorted_errors(errors: Iterable[Any]) -> list[Any]:
    """Errors sorted by file and line; errors on one line keep their order."""
    return sorted(errors, key=_error_location)


def _echo_errors(errors: Iterable[Any], *, err: bool) -> None:
    for error in sorted_errors(errors):
        click.echo(format_error(error), err=err)


@click.group(name="bean-orders", context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="beancount-orders", prog_name="bean-orders")
def main() -> None:
    """Order books for Beancount: check and expand order directives.

    LEDGER is the top-level Beancount file; it should load the plugin with
    plugin "plugins.orders".
    """


@main.command()
@LEDGER
def check(ledger: Path) -> None:
    """Load LEDGER with its plugins and list every error as file:line: message.

    Beancount's own errors and the order plugin's are listed together, sorted
    by file and line, followed by a one-line summary on stderr. Exits with
    status 1 when there are errors, 0 when the books are clean.
    """
    loaded = Loaded(ledger)
    loaded.warn_without_plugin()
    _echo_errors(loaded.errors, err=False)
    summary = f"{ledger}: {_plural(len(loaded.errors), 'error')}"
    if loaded.uses_plugin:
        book = loaded.book
        summary += (
            f" ({_plural(len(book.orders), 'order')}, "
            f"{_plural(len(book.invoices), 'invoice')}, "
            f"{_plural(len(book.payments), 'payment')})"
        )
    click.echo(summary, err=True)
    if loaded.errors:
        raise SystemExit(1)


@main.command()
@LEDGER
@click.option(
    "--order",
    "order_id",
    metavar="ID",
    help="Only the transactions linked to the order ID (and, with --opens, the opens "
    "of the accounts they post to).",
)
@click.option(
    "--opens/--no-opens",
    default=True,
    show_default=True,
    help="Include the open directives the plugin generates for accounts the ledger "
    "does not open.",
)
def expand(ledger: Path, order_id: str | None, opens: bool) -> None:
    """Print the entries the plugin generates for LEDGER as Beancount text.

    The output is deterministic: the same books always print the same bytes,
    so it can be reviewed in a diff. Together with the ledger minus its plugin
    line it gives the same balances as the ledger with the plugin. When the
    ledger has errors, they go to stderr as file:line: message and the exit
    status is 1 (the output may then lack the entries of the failed directives).
    """
    loaded = Loaded(ledger)
    loaded.warn_without_plugin()
    generated = loaded.generated
    if order_id is not None:
        book = loaded.book
        if order_id not in book.orders:
            kind = book.documents.get(order_id)
            hint = f' ("{order_id}" is {_article(kind)} {kind})' if kind else ""
            raise click.ClickException(f'Unknown order "{order_id}"{hint} in {ledger}')
        chosen = [
            entry
            for entry in generated
            if isinstance(entry, data.Transaction) and order_id in entry.links
        ]
        accounts = {posting.account for txn in chosen for posting in txn.postings}
        chosen_ids = {id(entry) for entry in chosen}
        generated = [
            entry
            for entry in generated
            if id(entry) in chosen_ids
            or (opens and isinstance(entry, data.Open) and entry.account in accounts)
        ]
    elif not opens:
        generated = [entry for entry in generated if not isinstance(entry, data.Open)]
    click.echo(format_entries(generated), nl=False)
    if loaded.errors:
        _echo_errors(loaded.errors, err=True)
        click.echo(f"{ledger}: {_plural(len(loaded.errors), 'error')}", err=True)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
