"""Rewrite the expected outputs of the docs' examples after a deliberate change.

Each ``generated`` block (the postings a ledger block generates), each
``errors`` block (the errors of a ``beancount-errors`` block) and the output of
each command of a ``console`` block, of every page that ``tests/test_docs.py``
checks, is replaced by what the plugin and ``bean-orders`` produce now. Review
the diff (``git diff docs/``) before committing it.
Usage: ``.venv/bin/python -m tests.regenerate_docs``.
"""

from __future__ import annotations

import os
import shlex
import tempfile
from pathlib import Path

from click.testing import CliRunner

from beancount_orders import cli
from tests.test_docs import PAGES
from tests.test_docs import ROOT
from tests.test_docs import Block
from tests.test_docs import console_steps
from tests.test_docs import error_lines
from tests.test_docs import load_ledger
from tests.test_docs import read_blocks


def expected(block: Block, result: Block, folder: Path) -> str | None:
    """What ``result`` should read, for the ledger ``block`` before it."""
    loaded = load_ledger(block.text, folder)
    if block.kind == "beancount" and result.kind == "generated":
        return loaded.expand(opens="opens" in result.info[1:])
    if block.kind == "beancount-errors" and result.kind == "errors":
        return error_lines(loaded)
    return None


def console_text(block: Block) -> str:
    """A console block with each command's output as ``bean-orders`` prints it now
    (run from the repository root)."""
    here = os.getcwd()
    os.chdir(ROOT)
    try:
        parts = []
        for command, _ in console_steps(block):
            words = shlex.split(command)
            result = CliRunner().invoke(cli.main, words[1:], prog_name="bean-orders")
            parts.append(f"$ {command}\n{result.output}")
        return "".join(parts)
    finally:
        os.chdir(here)


def regenerate(page: Path, folder: Path) -> bool:
    """Rewrite one page; whether anything changed."""
    blocks = read_blocks(page)
    lines = page.read_text(encoding="utf-8").splitlines(keepends=True)
    changed = False
    for result in reversed(blocks):  # from the end, so line numbers stay valid
        if result.kind == "console":
            text: str | None = console_text(result)
        elif result.follows is None:
            continue
        else:
            text = expected(result.follows, result, folder)
        if text is None or text == result.text:
            continue
        start = result.line  # the line after the opening fence (0-based)
        end = start + len(result.text.splitlines())
        lines[start:end] = text.splitlines(keepends=True)
        changed = True
    if changed:
        page.write_text("".join(lines), encoding="utf-8")
    return changed


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        for page in PAGES:
            if regenerate(page, Path(folder)):
                print(f"rewrote {page.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
