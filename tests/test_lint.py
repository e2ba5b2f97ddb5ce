"""The code stays clean: ruff (lint and format) and mypy, as in Fava's setup."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.typecheck import typecheck

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def test_ruff_check() -> None:
    result = run(str(BIN / "ruff"), "check", "--quiet", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy() -> None:
    result = typecheck()
    assert result.returncode == 0, result.stdout + result.stderr
