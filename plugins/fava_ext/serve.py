"""Start Fava on a ledger with the order book pages: ``bean-orders serve LEDGER``.

:func:`serve` runs Fava's own application and server (cheroot, as ``fava``
does) on ``host``/``port``, by default on the loopback address only. The
report pages are there even when the ledger does not declare
``custom "fava-extension" "beancount_orders.fava_ext"``: :func:`create_app` adds them to
each ledger Fava loaded, the way Fava itself adds a declared extension.

Every response carries :data:`CONTENT_SECURITY_POLICY`: Fava 1.30 renders a
payee or a metadata value as HTML in its journal, so a customer named
``Evil <img src=x onerror=alert(2)>`` would run script there. The policy lets the
browser run only the scripts Fava serves from its own origin: no inline script,
no event handler attribute, no ``eval`` (see docs/fava.md for each allowance).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from collections.abc import Iterable
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

#: The Content-Security-Policy of every response of ``bean-orders serve``. What in
#: Fava 1.30.16 needs each allowance beyond ``'self'``:
#:
#: - ``script-src 'wasm-unsafe-eval'``: the editor's syntax tree (web-tree-sitter)
#:   compiles WebAssembly; it allows no JavaScript ``eval``. ``'report-sample'``
#:   only makes a blocked handler's first characters show in the report.
#: - ``style-src 'unsafe-inline'``: CodeMirror (style-mod) writes its theme into
#:   ``<style>`` elements, Fava's Svelte components carry ``style=`` attributes,
#:   and so do the pages' own ``<style>`` block and SVG charts.
#: - ``img-src data:``: CodeMirror's lint underlines and tab markers are
#:   ``data:image/svg+xml`` backgrounds.
#: - ``object-src``/``frame-src 'self'``: the documents page shows a PDF in an
#:   ``<object>`` and an HTML document in a sandboxed ``<iframe>``, both from
#:   Fava's ``document/`` URL.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval' 'report-sample'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'self'",
        "frame-src 'self'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    )
)

#: A WSGI application: environ and start_response in, the body out.
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def with_security_policy(wsgi_app: WSGIApp) -> WSGIApp:
    """``wsgi_app`` with :data:`CONTENT_SECURITY_POLICY` on every response.

    Any Content-Security-Policy header the application set is replaced, so that
    Fava's pages, its static files, extension pages and error pages all get it.
    """

    def application(
        environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            kept = [
                (name, value)
                for name, value in headers
                if name.lower() != "content-security-policy"
            ]
            kept.append(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
            return start_response(status, kept, *rest)

        return wsgi_app(environ, start)

    return application


def page_classes() -> list[type[Any]]:
    """The page classes, found as Fava finds extensions in a module, in the order of
    Fava's sidebar (Orders, which the module names twice, first and once)."""
    from fava.ext import find_extensions

    classes, errors = find_extensions(Path(fava_ext.__file__).parent, EXTENSION)
    if errors:  # pragma: no cover - the package always has its pages
        raise click.ClickException(str(errors[0].message))
    return list(dict.fromkeys(classes))


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
    """Fava's Flask application for the ledger, loaded, with the report pages and
    the Content-Security-Policy on every response."""
    from fava.application import create_app as fava_app

    path = Path(ledger_path).resolve()
    if not path.is_file():
        raise click.ClickException(f"No such ledger file: {ledger_path}")
    app = fava_app([str(path)], load=True)
    for ledger in app.config["LEDGERS"].ledgers:
        add_pages(ledger)
    app.wsgi_app = with_security_policy(app.wsgi_app)  # type: ignore[method-assign,assignment]
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
