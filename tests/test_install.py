"""A regular (not editable) install, used from a ledger repository with its own
``plugins`` and ``importers`` packages.

The project is installed with pip into a fresh virtualenv, from a copy of the
repository (the build writes into its source tree). The new virtualenv reuses
the packages of the one running the tests (a ``.pth`` line, as
``--system-site-packages`` would), and pip runs offline: no index, no build
isolation, no dependencies (``setuptools`` and ``wheel`` come with the
project's ``test`` extra).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted(path.name for path in (ROOT / "plugins/fava_ext/templates").iterdir())

LEDGER = """\
option "title" "Their books"
option "insert_pythonpath" "TRUE"
plugin "beancount_orders.orders"
plugin "plugins.mine"

2024-01-01 custom "fava-extension" "beancount_orders.fava_ext"
2024-01-01 open Assets:Bank GBP
2024-01-01 custom "customer" "acme" "Acme Ltd"
2024-01-02 custom "order" "SO-1" "acme"
2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP
  tax: 0.20
2024-01-05 custom "invoice" "SO-1" "INV-1"
2024-01-06 custom "payment" "INV-1" 60.00 GBP Assets:Bank
"""

# Their own plugin: marks every transaction it sees (it runs after ours).
MINE = '''\
"""A ledger repository's own plugin."""

from beancount.core import data

__plugins__ = ("mine",)


def mine(entries, options_map):
    return [
        entry._replace(meta={**entry.meta, "mine": "seen"})
        if isinstance(entry, data.Transaction)
        else entry
        for entry in entries
    ], []
'''

# Run by the new virtualenv's Python from the ledger's folder.
PROBE = """\
import importlib.metadata
import json
from pathlib import Path

import beancount_orders
import beancount_orders.importers
import importers.theirs
from beancount import loader
from beancount.core import data
from fava.application import create_app

from beancount_orders.book.postings import is_generated

entries, errors, options = loader.load_file("books.beancount")
generated = [e for e in entries if is_generated(e) and isinstance(e, data.Transaction)]
client = create_app([str(Path("books.beancount").resolve())], load=True).test_client()
pages = {
    page: client.get(f"/their-books/extension/{page}/").status_code
    for page in ("Orders", "Stock")
}
files = [str(path) for path in importlib.metadata.distribution("beancount-orders").files]
print(json.dumps({
    "package": beancount_orders.__file__,
    "importers": beancount_orders.importers.__file__,
    "theirs": importers.theirs.__file__,
    "their_name": importers.theirs.NAME,
    "errors": [str(error.message) for error in errors],
    "generated": [(e.narration, e.meta.get("mine")) for e in generated],
    "pages": pages,
    "files": files,
}))
"""


def copy_repository(target: Path) -> Path:
    """What ``pip install /path/to/repo`` builds from, without caches or venvs."""
    ignore = shutil.ignore_patterns(
        ".git",
        ".venv",
        "venv",
        "build",
        "dist",
        "*.egg-info",
        "__pycache__",
        ".*_cache",
        ".hypothesis",
        "test-artifacts",
        "bench-*",
        "tests",
    )
    shutil.copytree(ROOT, target, ignore=ignore)
    return target


def make_venv(folder: Path) -> Path:
    """A fresh virtualenv that sees this one's packages after its own."""
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(folder)],
        check=True,
        capture_output=True,
    )
    python = folder / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # A path line (not an import line): this one's editable-install hook stays off.
    Path(purelib, "reuse.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def ledger_repository(folder: Path) -> Path:
    """A ledger folder with its own ``plugins`` and ``importers`` packages."""
    folder.mkdir()
    (folder / "books.beancount").write_text(LEDGER, encoding="utf-8")
    for package in ("plugins", "importers"):
        (folder / package).mkdir()
        (folder / package / "__init__.py").write_text("")
    (folder / "plugins" / "mine.py").write_text(MINE)
    (folder / "importers" / "theirs.py").write_text('NAME = "theirs"\n')
    return folder


def test_a_regular_install_beside_a_ledgers_own_plugins_and_importers(
    tmp_path: Path,
) -> None:
    source = copy_repository(tmp_path / "source")
    python = make_venv(tmp_path / "venv")
    install = subprocess.run(
        [
            str(python),
            *("-m", "pip", "install", "--quiet", "--no-deps", "--no-index"),
            *("--no-build-isolation", "--ignore-installed", str(source)),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    books = ledger_repository(tmp_path / "books")

    check = subprocess.run(
        [str(tmp_path / "venv" / "bin" / "bean-orders"), "check", "books.beancount"],
        cwd=books,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout == ""
    assert check.stderr == "books.beancount: 0 errors (1 order, 1 invoice, 1 payment)\n"

    probe = subprocess.run(
        [str(python), "-c", PROBE], cwd=books, capture_output=True, text=True, check=False
    )
    assert probe.returncode == 0, probe.stdout + probe.stderr
    found = json.loads(probe.stdout)
    site = str(tmp_path / "venv" / "lib")
    assert found["package"].startswith(site), found["package"]  # not this work tree
    assert found["importers"].startswith(site), found["importers"]
    assert found["theirs"] == str(books / "importers" / "theirs.py")
    assert found["their_name"] == "theirs"
    assert found["errors"] == []
    # Our postings, each seen by their plugin.
    assert found["generated"] == [
        ["Invoice INV-1 for order SO-1", "seen"],
        ["Payment for invoice INV-1 (order SO-1) by Assets:Bank", "seen"],
    ]
    assert found["pages"] == {"Orders": 200, "Stock": 200}

    files = found["files"]
    tops = {name.split("/")[0] for name in files if not name.startswith("..")}
    assert tops == {"beancount_orders", "beancount_orders-0.1.0.dist-info"}
    assert not any(name.startswith(("plugins/", "importers/")) for name in files)
    for template in TEMPLATES:
        assert f"beancount_orders/fava_ext/templates/{template}" in files, template
    assert "beancount_orders/importers/shopify.py" in files
    assert "beancount_orders/loading.py" in files
