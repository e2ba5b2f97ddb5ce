"""The examples in README.md and docs/*.md are tested, block by block.

The conventions, for fenced blocks whose opening fence starts a line:

``beancount``
    A complete ledger: its first line is ``plugin "beancount_orders.orders"`` (with or
    without a configuration string, which may span lines). It must load with
    zero errors.

``generated`` right after a ``beancount`` block (only blank lines between)
    Exactly the transactions the plugin generates for that ledger, as
    ``bean-orders expand --no-opens`` prints them (``Loaded.expand()`` in
    tests/helpers.py). ``generated opens`` also includes the generated ``open``
    directives.

``beancount-errors``
    A complete ledger that must produce errors. The ``errors`` block right after
    it lists every error exactly, one ``LINE: MESSAGE`` per line, LINE being the
    line in the ledger block.

``console``
    Commands run from the repository root: each line ``$ bean-orders ARGS`` is
    run (through click's CliRunner) and must print exactly the lines that follow
    it, up to the next ``$`` line (stdout and stderr as a terminal shows them).

``pycon``
    An interactive Python session, run as a doctest from the repository root.

Relative links (``[text](accounts.md#the-customer-component)``) must lead to an
existing file and, with ``#``, to one of its headings.

Every block is its own test, with an id like ``directives.md:L123`` (the line of
its opening fence), so that a failure names the block to fix. Ledgers are
written to a temporary file and loaded with ``loader.load_file``, as bean-check
and Fava load them.
"""

from __future__ import annotations

import dataclasses
import doctest
import re
import shlex
from pathlib import Path

import pytest
from beancount import loader
from click.testing import CliRunner

from beancount_orders import cli
from tests.helpers import Loaded

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PLUGIN_LINE = re.compile(r'^plugin "beancount_orders\.orders"(\s|$)')
FENCE = re.compile(r"^```(.*)$")
LEDGER_KINDS = ("beancount", "beancount-errors")
RESULT_KINDS = ("generated", "errors")
KNOWN_KINDS = (*LEDGER_KINDS, *RESULT_KINDS, "console", "pycon")


@dataclasses.dataclass(frozen=True)
class Block:
    """One fenced block of a page."""

    page: str  # the page's path relative to the repository root
    line: int  # the line of the opening fence (1-based)
    info: tuple[str, ...]  # the words of the info string, e.g. ("generated", "opens")
    text: str  # the content, each line ending with a newline
    follows: Block | None  # the block just before it, if only blank lines separate them

    @property
    def kind(self) -> str:
        return self.info[0] if self.info else ""

    @property
    def id(self) -> str:
        return f"{self.page}:L{self.line}"


def read_blocks(path: Path) -> list[Block]:
    """The fenced blocks of a Markdown page, in order."""
    page = path.relative_to(ROOT).as_posix()
    blocks: list[Block] = []
    previous: Block | None = None
    gap_is_blank = False
    lines = path.read_text(encoding="utf-8").splitlines()
    number = 0
    while number < len(lines):
        match = FENCE.match(lines[number])
        if match is None:
            if lines[number].strip():
                gap_is_blank = False
            number += 1
            continue
        start = number
        number += 1
        body: list[str] = []
        while number < len(lines) and lines[number].rstrip() != "```":
            body.append(lines[number] + "\n")
            number += 1
        if number == len(lines):
            raise AssertionError(f"{page}:L{start + 1}: unclosed fenced block")
        block = Block(
            page,
            start + 1,
            tuple(match.group(1).split()),
            "".join(body),
            previous if gap_is_blank else None,
        )
        blocks.append(block)
        previous = block
        gap_is_blank = True
        number += 1
    return blocks


BLOCKS = [block for page in PAGES for block in read_blocks(page)]


def blocks_of(*kinds: str) -> list[Block]:
    return [block for block in BLOCKS if block.kind in kinds]


def following(block: Block) -> Block | None:
    """The block right after ``block`` (only blank lines between), if any."""
    return next((other for other in BLOCKS if other.follows is block), None)


def load_ledger(text: str, tmp_path: Path) -> Loaded:
    path = tmp_path / "ledger.beancount"
    path.write_text(text, encoding="utf-8")
    # The pickle cache does not notice changes to plugin code; never use it.
    loader.initialize(use_cache=False)
    entries, errors, options = loader.load_file(str(path))
    return Loaded(entries, errors, options)


def error_lines(loaded: Loaded) -> str:
    return "".join(f"{line}: {message}\n" for line, message in loaded.messages)


def test_pages_have_examples() -> None:
    """Every page is found and the reference pages carry tested ledgers."""
    names = {page.name for page in PAGES}
    assert {"README.md", "index.md", "directives.md", "configuration.md"} <= names
    for name in ("README.md", "directives.md", "configuration.md", "accounts.md"):
        assert any(
            block.page.endswith(name) and block.kind == "beancount" for block in BLOCKS
        ), name


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_page_structure(page: Path) -> None:
    """Result blocks follow their ledger; no block kind is mistyped or indented."""
    problems = []
    text = page.read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("```") and line != line.lstrip():
            problems.append(f"L{number}: indented fence (examples must start a line)")
    blocks = read_blocks(page)
    for block in blocks:
        mistyped = block.kind.startswith(("beancount", "generated", "error"))
        if mistyped and block.kind not in KNOWN_KINDS:
            problems.append(f"{block.id}: unknown block kind {block.kind!r}")
        if block.kind == "generated" and (
            block.follows is None or block.follows.kind != "beancount"
        ):
            problems.append(f"{block.id}: a generated block must follow a beancount block")
        if block.kind == "errors" and (
            block.follows is None or block.follows.kind != "beancount-errors"
        ):
            problems.append(f"{block.id}: an errors block must follow a ledger with errors")
        if block.kind == "beancount-errors":
            after = [other for other in blocks if other.follows is block]
            if not after or after[0].kind != "errors":
                problems.append(f"{block.id}: no errors block after this ledger")
        if block.kind in LEDGER_KINDS and not PLUGIN_LINE.match(block.text.split("\n")[0]):
            problems.append(
                f'{block.id}: a ledger must start with plugin "beancount_orders.orders"'
            )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("block", blocks_of("beancount"), ids=lambda block: block.id)
def test_ledger(block: Block, tmp_path: Path) -> None:
    """The ledger loads cleanly and generates exactly the block after it."""
    loaded = load_ledger(block.text, tmp_path)
    assert error_lines(loaded) == "", f"{block.id}: the ledger has errors"
    result = following(block)
    if result is not None and result.kind == "generated":
        opens = "opens" in result.info[1:]
        assert loaded.expand(opens=opens) == result.text, (
            f"{block.id}: the generated transactions differ from {result.id}"
        )


@pytest.mark.parametrize("block", blocks_of("beancount-errors"), ids=lambda block: block.id)
def test_ledger_errors(block: Block, tmp_path: Path) -> None:
    """The ledger produces exactly the errors listed after it."""
    loaded = load_ledger(block.text, tmp_path)
    result = following(block)
    assert result is not None and result.kind == "errors", f"{block.id}: no errors block"
    assert loaded.errors, f"{block.id}: expected errors, the ledger loads cleanly"
    assert error_lines(loaded) == result.text, (
        f"{block.id}: the errors differ from {result.id}"
    )


def console_steps(block: Block) -> list[tuple[str, str]]:
    """The (command, expected output) pairs of a console block."""
    steps: list[tuple[str, list[str]]] = []
    for line in block.text.splitlines(keepends=True):
        if line.startswith("$ "):
            steps.append((line[2:].strip(), []))
        else:
            assert steps, f"{block.id}: output before the first $ command"
            steps[-1][1].append(line)
    return [(command, "".join(output)) for command, output in steps]


@pytest.mark.parametrize("block", blocks_of("console"), ids=lambda block: block.id)
def test_console(block: Block, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each bean-orders command prints exactly what the page shows."""
    monkeypatch.chdir(ROOT)
    steps = console_steps(block)
    assert steps, f"{block.id}: an empty console block"
    for command, expected in steps:
        words = shlex.split(command)
        assert words[0] == "bean-orders", f"{block.id}: only bean-orders commands run"
        result = CliRunner().invoke(cli.main, words[1:], prog_name="bean-orders")
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            f"{block.id}: {command} raised {result.exception!r}"
        )
        assert result.output == expected, f"{block.id}: the output of {command} differs"


@pytest.mark.parametrize("block", blocks_of("pycon"), ids=lambda block: block.id)
def test_pycon(block: Block, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Python session runs as shown."""
    monkeypatch.chdir(ROOT)
    loader.initialize(use_cache=False)
    parser = doctest.DocTestParser()
    test = parser.get_doctest(block.text, {}, block.id, block.page, block.line)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    failures: list[str] = []
    runner.run(test, out=failures.append)
    assert runner.failures == 0, "".join(failures)


LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.M | re.S)
    return {slug(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_links(page: Path) -> None:
    """Every relative link leads to a file, and every #anchor to a heading."""
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.M | re.S)
    broken = []
    for target in LINK.findall(text):
        if re.match(r"^[a-z]+:", target):
            continue  # http:, https:, mailto:
        name, _, anchor = target.partition("#")
        path = (page.parent / name).resolve() if name else page
        if not path.exists():
            broken.append(f"{target}: no such file")
        elif anchor and path.suffix == ".md" and anchor not in anchors(path):
            broken.append(f"{target}: no heading #{anchor}")
    assert not broken, "\n".join(broken)
