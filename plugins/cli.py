"""The ``bean-orders`` command line: the order books from a terminal and CI.

Commands::

    bean-orders check LEDGER      every error as file:line: message; exit 1 on errors;
                                  markup in names as file:line: warning: message
    bean-orders expand LEDGER     the entries the plugin generates, as Beancount text
    bean-orders report REPORT LEDGER
                                  orders, ageing, loyalty, margin, stock or credits
                                  as a table, CSV or JSON
    bean-orders print LEDGER DOCUMENT
                                  an invoice or credit note (or --statement CUSTOMER)
                                  as HTML, or PDF with --pdf FILE
    bean-orders demo OUT          write a generated ledger (--orders N --seed S)
    bean-orders diff REV [REV2] --ledger FILE
                                  the generated entries that changed between revisions
    bean-orders serve LEDGER      Fava with the order book pages on 127.0.0.1

The commands only load the ledger (with its plugins) and print what the order
book engine (:mod:`beancount_orders.book`) and the report functions
(:mod:`beancount_orders.reports`,
the same ones the Fava pages call) computed; they hold no bookkeeping logic of
their own. ``check`` is in :mod:`beancount_orders.cli_check` and ``report`` in
:mod:`beancount_orders.cli_report` (the layout of reports in
:mod:`beancount_orders.clitables`); the loading of the ledger and the form of its
errors are in :mod:`beancount_orders.cli_ledger`, the loading of git revisions in
:mod:`beancount_orders.gitdiff`. Problems with the command line or the
ledger file itself (missing, unreadable, not UTF-8, an unknown ``--order``) are
reported as one-line ``Error:`` messages with a non-zero exit status, never as
a traceback.
"""

from __future__ import annotations

import datetime
import os
import sys
from pathlib import Path

import click
from beancount.core import data

from beancount_orders.book import locks
from beancount_orders.book.render import format_entries
from beancount_orders.cli_check import MarkupWarning
from beancount_orders.cli_check import check
from beancount_orders.cli_check import markup_warnings
from beancount_orders.cli_ledger import LEDGER
from beancount_orders.cli_ledger import Loaded
from beancount_orders.cli_ledger import check_readable
from beancount_orders.cli_ledger import echo_errors
from beancount_orders.cli_ledger import format_error
from beancount_orders.cli_ledger import sorted_errors
from beancount_orders.cli_print import print_
from beancount_orders.cli_report import DateType
from beancount_orders.cli_report import report
from beancount_orders.demo import generate
from beancount_orders.gitdiff import DiffError
from beancount_orders.gitdiff import diff as compare
from beancount_orders.words import plural

# Names kept here for whoever imports them from this module.
__all__ = [
    "Loaded",
    "MarkupWarning",
    "format_error",
    "main",
    "markup_warnings",
    "sorted_errors",
]


def _article(noun: str) -> str:
    return "an" if noun[:1] in ("a", "e", "i", "o", "u") else "a"


@click.group(name="bean-orders", context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="beancount-orders", prog_name="bean-orders")
def main() -> None:
    """Order books for Beancount: check, expand, report, print, diff, lock, import,
    demo and serve.

    LEDGER is the top-level Beancount file; it should load the plugin with
    plugin "beancount_orders.orders".
    """


main.add_command(check)
main.add_command(report)
main.add_command(print_)


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
        echo_errors(loaded.errors, err=True)
        click.echo(f"{ledger}: {plural(len(loaded.errors), 'error')}", err=True)
        raise SystemExit(1)


# -- demo ---------------------------------------------------------------------


@main.command()
@click.argument("out", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.option(
    "--orders",
    "count",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    metavar="N",
    help="How many orders to generate.",
)
@click.option(
    "--seed",
    type=int,
    default=1,
    show_default=True,
    metavar="S",
    help="The random seed: the same seed and N always give the same bytes.",
)
@click.option("--force", is_flag=True, help="Overwrite OUT if it exists.")
def demo(out: Path, count: int, seed: int, force: bool) -> None:
    """Write a generated ledger of a small wholesaler to OUT (- for stdout).

    Customers, items and stock received in batches at changing costs; orders
    in every state (open, committed, part invoiced and dispatched, paid,
    overpaid, cancelled); payments by several methods; returns, credit orders,
    memos, customer credits and loyalty points. The books load with zero
    errors; a progress bar goes to stderr. Use it to try Fava and the reports
    or to benchmark.
    """

    to_stdout = str(out) == "-"
    if not to_stdout:
        if out.exists() and not force:
            raise click.ClickException(f"{out} exists; use --force to overwrite it")
        if not out.parent.is_dir():
            raise click.ClickException(f"No such directory: {out.parent}")
    chunks: list[str] = []
    made = 0

    with click.progressbar(
        length=count, label="Generating orders", file=sys.stderr, show_pos=True
    ) as bar:

        def progress(done: int) -> None:
            nonlocal made
            if done > made:
                bar.update(done - made)
                made = done

        chunks = [line + "\n" for line in generate(count, seed, progress)]
    text = "".join(chunks)
    if to_stdout:
        sys.stdout.write(text)
        return
    temporary = out.with_name(f".{out.name}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, out)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise click.ClickException(f"Cannot write {out}: {exc.strerror or exc}") from exc
    click.echo(
        f"Wrote {out}: {plural(count, 'order')} in {plural(len(chunks), 'line')} "
        f"(seed {seed}); check it with: bean-orders check {out}",
        err=True,
    )


# -- diff ---------------------------------------------------------------------


@main.command()
@click.argument("revision", metavar="REV")
@click.argument("revision2", metavar="[REV2]", required=False)
@click.option(
    "--ledger",
    "-l",
    required=True,
    envvar="BEANCOUNT_FILE",
    show_envvar=True,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="The top-level ledger, in a git repository (the file with the plugin line).",
)
@click.option(
    "--opens/--no-opens",
    default=True,
    show_default=True,
    help="Include the open directives the plugin generates.",
)
@click.option(
    "--exit-code",
    is_flag=True,
    help="Exit with status 1 when the generated entries differ, 0 when not "
    "(as git diff --exit-code).",
)
def diff(
    revision: str, revision2: str | None, ledger: Path, opens: bool, exit_code: bool
) -> None:
    """Show how the generated entries changed between two revisions of the books.

    Loads the ledger (and every file it includes) as it was at git revision
    REV and at REV2, by default the working tree, and prints the entries the
    plugin generated that differ, as a unified diff: each changed entry in
    full, with - and + on the lines that changed. A backdated stock-in shows
    every dispatch whose cost of goods it restated. Entries are compared in a
    stable order, so moving a directive changes nothing. A summary goes to
    stderr.
    """

    try:
        result = compare(ledger, revision, revision2, opens=opens)
    except DiffError as error:
        raise click.ClickException(str(error)) from error
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    for line in result.lines():
        if line.startswith(("---", "+++")):
            click.echo(click.style(line, bold=True))
        elif line.startswith("@@"):
            click.echo(click.style(line, fg="cyan"))
        elif line.startswith("-"):
            click.echo(click.style(line, fg="red"))
        elif line.startswith("+"):
            click.echo(click.style(line, fg="green"))
        else:
            click.echo(line)
    click.echo(result.summary(), err=True)
    if exit_code and result.changes:
        raise SystemExit(1)


# -- serve --------------------------------------------------------------------


@main.command()
@LEDGER
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="The address to listen on. The default serves this computer only; "
    "0.0.0.0 serves the network (Fava has no login).",
)
@click.option(
    "-p",
    "--port",
    type=click.IntRange(1, 65535),
    default=5000,
    show_default=True,
    help="The port to listen on.",
)
def serve(ledger: Path, host: str, port: int) -> None:
    """Start Fava on LEDGER with the order book pages, until interrupted.

    The pages (orders, receivables, loyalty, margin, stock, credits) are
    there even when the ledger does not declare the extension.
    """
    from beancount_orders.fava_ext.serve import serve as run

    check_readable(ledger)
    run(ledger, host, port)


# -- lock -------------------------------------------------------------------


@main.command()
@LEDGER
@click.argument("through", type=DateType())
def lock(ledger: Path, through: datetime.date) -> None:
    """Lock every month of LEDGER up to THROUGH (a date, YYYY-MM-DD).

    Appends to LEDGER a `custom "period-lock"` directive with a digest of the
    content of each month's entries, written or generated, dated on or before
    THROUGH. From then on, changing anything in a locked month is an error that
    names the month. Books with errors are not locked.
    """
    loaded = Loaded(ledger)
    if loaded.errors:
        echo_errors(loaded.errors, err=True)
        raise click.ClickException(
            f"{ledger} has {plural(len(loaded.errors), 'error')}: fix them before locking"
        )
    if through > datetime.date.today():
        raise click.ClickException(
            f"{through} is in the future: only the past can be locked"
        )
    month_digests = locks.digests(loaded.entries, through)
    if not month_digests:
        raise click.ClickException(f"{ledger} has no entries dated on or before {through}")
    text = locks.lock_text(through, month_digests)
    current = ledger.read_bytes()
    separator = (
        "" if current.endswith(b"\n\n") else ("\n" if current.endswith(b"\n") else "\n\n")
    )
    with ledger.open("a", encoding="utf-8") as out:
        out.write(separator + text)
    first, last = min(month_digests), max(month_digests)
    click.echo(
        f"{ledger}: locked {plural(len(month_digests), 'month')} ({first} to {last}) "
        f"through {through}"
    )


# -- import -------------------------------------------------------------------


@main.group("import")
@click.option(
    "--config",
    "config_text",
    metavar="DICT",
    help="Importer options as a Python dict literal, e.g. "
    "\"{'order_prefix': 'SHOP-', 'stripe': {'account': 'Assets:Stripe'}}\" "
    "(see docs/importers.md).",
)
@click.pass_context
def import_(ctx: click.Context, config_text: str | None) -> None:
    """Import Shopify and Stripe exports as order directives (beangulp).

    The subcommands are beangulp's: `identify` names the importer of each
    downloaded file, `extract` writes the directives (use -e LEDGER so that
    nothing already in the books is imported twice), `archive` files the
    documents away (see `bean-orders import COMMAND --help`).

    On standard error: each file no importer reads, as `FILE: not imported:
    REASON` (every importer's reason); each row not imported, as `FILE:ROW:
    message`, and each row imported with a change, as `FILE:ROW: warning:
    message`. The exit status is 1 when a file or a row was not imported.
    """
    import ast

    import beangulp

    from beancount_orders.importers import default_importers
    from beancount_orders.importers import report_errors

    config = None
    if config_text:
        try:
            config = ast.literal_eval(config_text)
        except (ValueError, SyntaxError) as exc:
            raise click.BadParameter(
                f"{config_text!r} is not a Python dict literal", param_hint="--config"
            ) from exc
        if not isinstance(config, dict):
            raise click.BadParameter("expected a dict", param_hint="--config")
    try:
        importers = default_importers(config)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--config") from exc
    ctx.obj = beangulp.Ingest(importers, hooks=[report_errors])


def _add_beangulp_commands() -> None:
    from beancount_orders.cli_import import commands

    for command in commands():
        import_.add_command(command)


_add_beangulp_commands()


if __name__ == "__main__":
    main()
