"""``bean-orders import`` and ``python -m beancount_orders.importers.NAME``:
beangulp's commands, never silent.

beangulp's ``identify``, ``extract`` and ``archive`` print ``* FILE`` and exit
0 for a file that no importer reads. Each command here is beangulp's own,
wrapped (:func:`wrap`): before it runs, every file is asked of every importer
(``decline(filepath) -> str | None``), and the files no importer reads are
reported on standard error, one line each::

    FILE: not imported: REASON
    FILE: not imported: REASON; REASON
    FILE: skipped: not a .csv file

The first form when every importer gives the same reason (the file is empty,
not UTF-8, separated by semicolons), the second when they differ: each
importer's reason in the importers' order, naming the importer (``looks like a
Shopify orders export but lacks the column Total; not a Stripe balance history
export: no columns id, ...``; a reason that does not name its importer is
written after its name, ``Shopify orders export: REASON``). The third is for a
file found in a directory (not named on the command line) whose name does not
end in ``.csv``. A path that does not
exist is ``PATH: not imported: no such file or directory``. beangulp then runs
on the files that are read, with paths as given (not made absolute); the hook
:func:`beancount_orders.importers.report_errors` prints the rows of ``extract``
that were not imported, ``FILE:ROW: message``, and those imported with a
change, ``FILE:ROW: warning: message``.

The exit status is 1 when a file was not read by any importer (skipped files
do not count), when a row was not imported (warnings do not count), or when
beangulp reported an error; the last line on standard error then says so::

    Error: 1 file not read by any importer, 2 rows not imported
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterator
from collections.abc import Sequence
from typing import Any

import beangulp
import beangulp.identify
import beangulp.testing
import click

from beancount_orders.importers import report_errors
from beancount_orders.words import plural

#: The commands of beangulp that are wrapped.
WRAPPED = ("identify", "extract", "archive")

# beangulp skips files over 8 MiB; a real shop's year of orders is more.
beangulp.identify.FILE_TOO_LARGE_THRESHOLD = max(
    beangulp.identify.FILE_TOO_LARGE_THRESHOLD, 1 << 30
)

SOURCES = click.Argument(["src"], nargs=-1, type=click.Path())


def walk(sources: Sequence[str]) -> Iterator[tuple[str, bool, str | None]]:
    """``(path, named, problem)`` for every file of ``sources``, in order.

    ``named``: the path was given itself, not found in a directory. ``problem``:
    why the path cannot be looked at (it does not exist, a directory cannot be
    read), or None. Directories are walked in name order, as beangulp does.
    """
    for source in sources:
        if os.path.isdir(source):
            failures: list[OSError] = []
            for root, dirs, files in os.walk(source, onerror=failures.append):
                dirs.sort()
                for name in sorted(files):
                    yield os.path.join(root, name), False, None
            for failure in failures:
                path = failure.filename or source
                yield path, True, f"cannot read the directory: {failure.strerror}"
        elif os.path.lexists(source):
            yield source, True, None
        else:
            yield source, True, "no such file or directory"


def decline(importer: beangulp.Importer, filepath: str) -> str | None:
    """Why ``importer`` does not read the file, or None when it does.

    An importer without a ``decline`` method says only that it did not
    identify the file. A failure of the importer is a reason, not a traceback.
    """
    try:
        method = getattr(importer, "decline", None)
        if method is not None:
            return method(filepath)  # type: ignore[no-any-return]
        return None if importer.identify(filepath) else "not identified"
    except Exception as exc:  # an importer's bug must not stop the others
        return f"internal error in {importer.name} (please report it): {exc!r}"


def first_reader(
    importers: Sequence[beangulp.Importer], filepath: str
) -> tuple[int, str | None]:
    """The position of the first importer that reads the file, or -1 and why no
    importer reads it (every importer's reason)."""
    if os.path.getsize(filepath) > beangulp.identify.FILE_TOO_LARGE_THRESHOLD:
        size = beangulp.identify.FILE_TOO_LARGE_THRESHOLD >> 20
        return -1, f"the file is larger than {size} MiB, which beangulp does not read"
    reasons: list[tuple[str, str]] = []
    for position, importer in enumerate(importers):
        reason = decline(importer, filepath)
        if reason is None:
            return position, None
        reasons.append((str(getattr(importer, "what", importer.name)), reason))
    if len({reason for _, reason in reasons}) == 1:
        return -1, reasons[0][1]
    return -1, "; ".join(
        reason if what in reason else f"{what}: {reason}" for what, reason in reasons
    )


def sort_files(
    importers: Sequence[beangulp.Importer], sources: Sequence[str], quiet: int
) -> tuple[list[str], int]:
    """The files some importer reads, and the number of files none reads.

    Prints a line for each file not read (and, unless ``quiet``, for each
    file skipped) on standard error.
    """
    read: list[tuple[int, str]] = []  # (the position of the importer, the file)
    unread = 0
    for path, named, problem in walk(sources):
        if problem is None and not named and not path.lower().endswith(".csv"):
            if not quiet:
                click.echo(f"{path}: skipped: not a .csv file", err=True)
            continue
        position, reason = -1, problem
        if problem is None:
            try:
                position, reason = first_reader(importers, path)
            except OSError as exc:
                reason = f"cannot read the file: {exc.strerror}"
        if reason is None:
            read.append((position, path))
        else:
            unread += 1
            click.echo(f"{path}: not imported: {reason}", err=True)
    # The files of the first importer first (Shopify's orders before the Stripe
    # balance history that pays them), each importer's in the order given.
    read.sort(key=lambda found: found[0])
    return [path for _, path in read], unread


def row_errors(importers: Sequence[beangulp.Importer], files: Sequence[str]) -> int:
    """The number of rows of ``files`` that were not imported."""
    names = set(files)
    return sum(
        1
        for importer in importers
        for error in getattr(importer, "errors", ())
        if getattr(error, "filename", None) in names
    )


def wrap(command: click.Command) -> click.Command:
    """beangulp's ``command``, with the files no importer reads reported first and
    an exit status of 1 when anything was not imported (see the module)."""

    @click.pass_context
    def run(ctx: click.Context, /, src: tuple[str, ...], **options: Any) -> None:
        ingest: beangulp.Ingest = ctx.obj
        importers = ingest.importers
        files, unread = sort_files(importers, src, options.get("quiet") or 0)
        if command.name == "archive" and options.get("destination") is None:
            # beangulp's default is the directory of the running script, which
            # for bean-orders is inside its virtual environment.
            options["destination"] = os.getcwd()
        status: Any = 0
        try:
            ctx.invoke(command, src=tuple(files), **options)
        except SystemExit as exc:
            status = exc.code
        rows = row_errors(importers, files) if command.name == "extract" else 0
        problems = [
            *([f"{plural(unread, 'file')} not read by any importer"] if unread else []),
            *([f"{plural(rows, 'row')} not imported"] if rows else []),
        ]
        if problems:
            click.echo("Error: " + ", ".join(problems), err=True)
        if problems or status:
            ctx.exit(1)

    params = [SOURCES if param.name == "src" else param for param in command.params]
    return click.Command(
        command.name,
        params=params,
        callback=run,
        help=command.help,
        short_help=command.short_help,
    )


def commands() -> list[click.Command]:
    """beangulp's ``identify``, ``extract`` and ``archive``, wrapped."""
    cli = beangulp.Ingest([]).cli
    return [wrap(cli.commands[name]) for name in WRAPPED]


def importer_main(importer: beangulp.Importer) -> None:
    """``beangulp.testing.main(importer)`` with the hook :func:`report_errors`
    and the wrapped commands: the ``python -m`` entry of one importer."""
    if not sys.warnoptions:
        warnings.simplefilter("default")  # as beangulp.testing.main
    cli = beangulp.Ingest([importer], hooks=[report_errors]).cli
    cli.help = importer.__doc__
    for command in commands():
        cli.add_command(command)
    testing = beangulp.testing.wrap(importer)
    for name in ("test", "generate"):
        cli.add_command(testing.commands[name])
    cli()
