"""Start Fava on a ledger with the order book pages: ``bean-orders serve LEDGER``.

:func:`serve` runs Fava's own application and server (cheroot, as ``fava``
does) on ``host``/``port``, by default on the loopback address only. The
report pages are there even when the ledger does not declare
``custom "fava-extension" "beancount_orders.fava_ext"``: :func:`create_app` adds them to
each ledger Fava loaded, the way Fava itself adds a declared extension.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

import click

from beancount_orders import fava_ext

if TYPE_CHECKING:  # pragma: no cover
    from flask import Flask

EXTENSION = "beancount_orders.fava_ext"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000


def page_classes() -> list[type[Any]]:
    """The page classes, found as Fava finds extensions in a module."""
    from fava.ext import find_extensions

    classes, errors = find_extensions(Path(fava_ext.__file__).parent, EXTENSION)
    if errors:  # pragma: no cover - the package always has its pages
        raise click.ClickException(str(errors[0].message))
    return classes


def add_pages(ledger: Any) -> None:
    """Give a loaded Fava ledger the report pages if it does not declare them.

    Fava keeps the extension instances of a ledger across reloads, so this is
    done once, right after the first load.
    """
    module = ledger.extensions
    try:
        instances = module._instances  # Fava 1.30: private, see ExtensionModule
        loaded = module._loaded_extensions
    except AttributeError as error:  # pragma: no cover - another Fava
        raise click.ClickException(
            "This Fava version cannot take the order book pages without the ledger "
            f'declaring them: add  custom "fava-extension" "{EXTENSION}"  to the ledger'
        ) from error
    for cls in page_classes():
        if cls in loaded or cls.__qualname__ in instances:
            continue
        loaded.add(cls)
        page = cls(ledger)
        instances[page.name] = page
        page.after_load_file()


def create_app(ledger_path: str | os.PathLike[str]) -> Flask:
    """Fava's Flask application for the ledger, loaded, with the report pages."""
    from fava.application import create_app as fava_app

    path = Path(ledger_path).resolve()
    if not path.is_file():
        raise click.ClickException(f"No such ledger file: {ledger_path}")
    app = fava_app([str(path)], load=True)
    for ledger in app.config["LEDGERS"].ledgers:
        add_pages(ledger)
    return app


def serve(
    ledger_path: str | os.PathLike[str],
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
) -> None:
    """Load the ledger and serve Fava with the report pages until interrupted.

    Raises :class:`click.ClickException` for a missing ledger or a port that
    is in use, with a message for the user.
    """
    from cheroot.wsgi import Server

    app = create_app(ledger_path)
    slug = next(iter(app.config["LEDGERS"].ledgers_by_slug))
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"Starting Fava on http://{shown}:{port}/{slug}/extension/Orders/")
    server = Server((host, port), app)
    try:
        server.start()
    except KeyboardInterrupt:
        click.echo("Stopping Fava", err=True)
        server.stop()
    except OSError as error:
        server.stop()
        if error.errno == errno.EADDRINUSE or "in use" in str(error):
            reason = "the port is in use; choose another with --port"
        else:
            reason = str(error)
        raise click.ClickException(
            f"Cannot start Fava on {shown}:{port}: {reason}"
        ) from error
