"""The ``bean-orders`` command line: the order books from a terminal and CI."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click
from beancount import loader
from beancount.core import data

from plugins.book import Book
from plugins.book import book_from_loaded
from plugins.book.postings import is_generated
from plugins.book.render import format_entries

LEDGER = click.argument(
    "ledger", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)


class Loaded:
    """A ledger loaded with its plugins, and its order book."""

    def __init__(self, path: Path) -> None:
        # The pickle cache ignores changes to plugin code: always load afresh.
        loader.initialize(use_cache=False)
        try:
            self.entries, self.errors, self.options = loader.load_file(str(path))
        except (OSError, UnicodeDecodeError) as exc:
            raise click.ClickException(f"Cannot read {path}: {exc}") from exc
        self.path = path
        self._book: Book | None = None

    @property
    def book(self) -> Book:
        if self._book is None:
            self._book = book_from_loaded(self.entries, self.options)
        return self._book

    @property
    def generated(self) -> list[data.Directive]:
        return [entry for entry in self.entries if is_generated(entry)]


def format_error(error: Any) -> str:
    """An error as ``file:line: message``, as compilers and editors expect."""
    source = error.source or {}
    filename = source.get("filename", "<unknown>")
    lineno = source.get("lineno", 0)
    try:
        relative = os.path.relpath(filename)
    except ValueError:
        relative = filename
    if not relative.startswith(".."):
        filename = relative
    return f"{filename}:{lineno}: {error.message}"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="beancount-orders")
def main() -> None:
    """Order books for Beancount: check, expand and report on order directives."""


@main.command()
@LEDGER
def check(ledger: Path) -> None:
    """Load LEDGER with its plugins and list every error as file:line: message.

    Exits with status 1 when there are errors, 0 when the books are clean.
    """
    loaded = Loaded(ledger)
    for error in loaded.errors:
        click.echo(format_error(error))
    book = loaded.book
    summary = (
        f"{len(book.orders)} orders, {len(book.invoices)} invoices, "
        f"{len(book.payments)} payments, {len(loaded.errors)} errors"
    )
    click.echo(summary, err=True)
    if loaded.errors:
        raise SystemExit(1)


@main.command()
@LEDGER
@click.option("--order", "order_id", metavar="ID", help="Only the entries linked to this order.")
@click.option(
    "--opens/--no-opens", default=True, show_default=True,
    help="Include the open directives the plugin generates.",
)
def expand(ledger: Path, order_id: str | None, opens: bool) -> None:
    """Print the entries the plugin generates for LEDGER as Beancount text.

    The output is deterministic: the same books always print the same bytes,
    so it can be reviewed in a diff.
    """
    loaded = Loaded(ledger)
    generated = loaded.generated
    if order_id is not None:
        if order_id not in loaded.book.orders:
            raise click.ClickException(f'Unknown order "{order_id}" in {ledger}')
        generated = [
            entry for entry in generated
            if isinstance(entry, data.Transaction) and order_id in entry.links
        ]
    elif not opens:
        generated = [entry for entry in generated if not isinstance(entry, data.Open)]
    click.echo(format_entries(generated), nl=False)
