"""Run mypy (strict, as configured in pyproject.toml) on the installed package's sources.

The package ``beancount_orders`` is assembled from two folders (``plugins/`` and
``importers/``, see ``[tool.setuptools.package-dir]``), which mypy cannot map by
itself. This script lays out a tree of symbolic links with the import names in a
temporary folder, checks it, and prints mypy's report with the repository's own
paths. Usage: ``.venv/bin/python tests/typecheck.py``; exit status as mypy's.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def layout(target: Path) -> Path:
    """Link ``plugins/`` as ``beancount_orders`` and ``importers/`` inside it."""
    package = target / "beancount_orders"
    package.mkdir()
    for child in (ROOT / "plugins").iterdir():
        if child.name != "__pycache__":
            (package / child.name).symlink_to(child)
    (package / "importers").symlink_to(ROOT / "importers")
    return package


def typecheck() -> subprocess.CompletedProcess[str]:
    """mypy's result, with the repository's paths in its messages."""
    with tempfile.TemporaryDirectory() as folder:
        package = layout(Path(folder))
        environment = {**os.environ, "MYPYPATH": folder}
        result = subprocess.run(
            [sys.executable, "-m", "mypy", "-p", "beancount_orders"],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        own = str(package) + "/importers/"
        for text in ("stdout", "stderr"):
            value = getattr(result, text).replace(own, "importers/")
            value = value.replace(str(package) + "/", "plugins/")
            setattr(result, text, value)
        return result


if __name__ == "__main__":
    outcome = typecheck()
    sys.stdout.write(outcome.stdout)
    sys.stderr.write(outcome.stderr)
    sys.exit(outcome.returncode)
