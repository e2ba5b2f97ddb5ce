"""What a change to the books changed in the generated entries: ``bean-orders diff``.

The plugin's transactions are not in the files, so ``git diff`` shows only the
directive that was edited. This module loads the ledger as it was at two git
revisions (or a revision and the working tree) and compares the entries the
plugin generated: a backdated ``stock-in`` shows every dispatch whose cost of
goods it restated, a changed invoice every loyalty posting that followed.

How a revision is loaded: ``git show REV:PATH`` writes the ledger into a
temporary directory at its path in the repository, then every file it
includes, as each file was at that revision (include globs are matched against
the revision's tree, as Beancount's loader matches them on disk), recursively.
The copy is loaded with its plugins and without Beancount's pickle cache. The
working tree is loaded from disk as it is. Absolute include paths and plugin
code are read as they are now, not at the revision.

How entries are compared: each side's generated entries are rendered with
:func:`beancount_orders.book.render.format_entries`'s printer and sorted by a stable key
(date, kind, first line, text), so moving a directive within a file changes
nothing. Whole entries are aligned, and an entry that changed is shown in full
with ``-``/``+`` on the lines that differ, as a unified diff whose line
numbers refer to the sorted entries of each side.

No click here: problems raise :class:`DiffError` with a message for the user.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import fnmatch
import os
import posixpath
import re
import subprocess
import tempfile
from collections.abc import Iterator
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from beancount import loader
from beancount.core import data
from beancount.parser import parser
from beancount.parser import printer

from beancount_orders.book.postings import is_generated
from beancount_orders.loading import PLUGIN_NAME

WORKING_TREE = "working tree"


class DiffError(Exception):
    """A problem with the repository, a revision or the ledger's path."""


@dataclasses.dataclass(frozen=True)
class Repository:
    root: Path  # the top of the work tree
    ledger: str  # the ledger's path in the repository, POSIX style


@dataclasses.dataclass(frozen=True)
class Side:
    """The generated entries of the books at one revision."""

    label: str  # "HEAD~1 (1a2b3c4)" or "working tree"
    entries: tuple[str, ...]  # rendered, in stable order
    order: tuple[tuple[str, int, str, str], ...]  # the sort key of each entry
    keys: tuple[tuple[str, ...], ...]  # the pairing key of each entry
    errors: tuple[str, ...]  # "LABEL:FILE:LINE: message"
    uses_plugin: bool


@dataclasses.dataclass(frozen=True)
class Change:
    """One hunk: an entry changed, added or removed."""

    old: int | None  # index into the old side's entries
    new: int | None
    at: int = 0  # added or removed: the index it would take on the other side

    @property
    def kind(self) -> str:
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        return "changed"


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, check=False
        )
    except FileNotFoundError as error:
        raise DiffError("git is not installed (or not on PATH)") from error


def _message(result: subprocess.CompletedProcess[bytes]) -> str:
    text = result.stderr.decode("utf-8", "replace").strip()
    return text.splitlines()[-1] if text else f"git exited with status {result.returncode}"


def find_repository(ledger: Path) -> Repository:
    """The git repository holding ``ledger`` and the ledger's path in it."""
    absolute = Path(os.path.abspath(ledger))
    directory = absolute.parent
    if not directory.is_dir():
        raise DiffError(f"No such directory: {directory}")
    result = _git(directory, "rev-parse", "--show-toplevel")
    if result.returncode != 0:
        raise DiffError(
            f"{directory} is not in a git repository (bean-orders diff compares "
            "revisions of books kept in git)"
        )
    root = Path(result.stdout.decode("utf-8").strip())
    try:
        relative = absolute.parent.resolve().relative_to(root.resolve()) / absolute.name
    except ValueError as error:  # pragma: no cover - git said it is inside
        raise DiffError(f"{ledger} is not inside the repository {root}") from error
    return Repository(root, relative.as_posix())


def resolve_revision(repo: Repository, revision: str) -> str:
    """The commit id of ``revision``."""
    if revision.startswith("-"):
        raise DiffError(f"Invalid revision {revision!r}")
    result = _git(repo.root, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    if result.returncode != 0:
        raise DiffError(f"Unknown revision {revision!r} in {repo.root}")
    return result.stdout.decode("ascii").strip()


def _tree(repo: Repository, commit: str) -> set[str]:
    result = _git(repo.root, "ls-tree", "-r", "-z", "--name-only", commit)
    if result.returncode != 0:  # pragma: no cover - the commit was resolved
        raise DiffError(_message(result))
    return {name for name in result.stdout.decode("utf-8").split("\0") if name}


def _glob_match(pattern: Sequence[str], path: Sequence[str]) -> bool:
    """Whether path components match glob components (``**``: any depth)."""
    if not pattern:
        return not path
    head = pattern[0]
    if head == "**":  # any number of directories, but no hidden ones
        for skip in range(len(path) + 1):
            if _glob_match(pattern[1:], path[skip:]):
                return True
            if skip < len(path) and path[skip].startswith("."):
                return False
        return False
    if not path:
        return False
    name = path[0]
    if name.startswith(".") and not head.startswith("."):
        return False  # glob's rule: wildcards do not match hidden names
    return fnmatch.fnmatchcase(name, head) and _glob_match(pattern[1:], path[1:])


def matching(pattern: str, tree: set[str]) -> list[str]:
    """The paths of ``tree`` an include pattern (repository-relative) matches."""
    if not any(char in pattern for char in "*?["):
        return [pattern] if pattern in tree else []
    parts = pattern.split("/")
    return sorted(path for path in tree if _glob_match(parts, path.split("/")))


_INCLUDE_LINE = re.compile(rb"^include[ \t].*$", re.MULTILINE)


def _includes(text: bytes, name: str) -> list[str]:
    """The include patterns of a file, read by Beancount's own parser.

    Only the ``include`` lines are parsed (an include starts a line), so a big
    ledger is not parsed twice.
    """
    lines = b"\n".join(_INCLUDE_LINE.findall(text))
    if not lines:
        return []
    try:
        decoded = lines.decode("utf-8")
    except UnicodeDecodeError:
        return []  # the loader reports the file; there is nothing to follow
    _, _, options = parser.parse_string(decoded + "\n", name)
    return list(options.get("include") or [])


def materialize(
    repo: Repository, commit: str, label: str, directory: Path
) -> tuple[Path, list[str]]:
    """Write the ledger and what it includes at ``commit`` below ``directory``.

    Returns the copy of the ledger, and warnings (includes read from disk).
    """
    tree = _tree(repo, commit)
    if repo.ledger not in tree:
        raise DiffError(f"{repo.ledger} does not exist in revision {label}")
    warnings: list[str] = []
    seen: set[str] = set()
    todo = [repo.ledger]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        result = _git(repo.root, "show", f"{commit}:{path}")
        if result.returncode != 0:  # pragma: no cover - it is in the tree
            raise DiffError(_message(result))
        target = directory.joinpath(*path.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(result.stdout)
        for include in _includes(result.stdout, path):
            if os.path.isabs(include):
                warnings.append(
                    f"{label}:{path}: the absolute include {include!r} is read as it is "
                    "on disk now"
                )
                continue
            joined = posixpath.normpath(posixpath.join(posixpath.dirname(path), include))
            if joined == ".." or joined.startswith("../"):
                continue  # outside the repository: the loader reports it missing
            todo += [name for name in matching(joined, tree) if name not in seen]
    return directory.joinpath(*repo.ledger.split("/")), warnings


def _kind_rank(entry: data.Directive) -> int:
    return 0 if isinstance(entry, data.Open) else 1


def _key(entry: data.Directive, first_line: str) -> tuple[str, ...]:
    """What pairs an entry with its other version: date and kind, then links."""
    if isinstance(entry, data.Transaction):
        return (
            str(entry.date),
            "txn",
            " ".join(sorted(entry.links)),
            entry.narration or "",
        )
    return (str(entry.date), type(entry).__name__, first_line)


def load_side(
    path: Path, label: str, *, opens: bool, shown_root: Path | None = None
) -> Side:
    """Load the ledger at ``path`` and keep its generated entries, rendered."""
    loader.initialize(use_cache=False)
    try:
        entries, errors, options = loader.load_file(str(path))
    except (OSError, UnicodeDecodeError) as error:
        raise DiffError(f"Cannot read the books of {label}: {error}") from error
    rendered: list[tuple[tuple[str, int, str, str], tuple[str, ...], str]] = []
    for entry in entries:
        if not is_generated(entry):
            continue
        if not opens and isinstance(entry, data.Open):
            continue
        text = printer.format_entry(entry)
        first = text.split("\n", 1)[0]
        rendered.append(
            ((str(entry.date), _kind_rank(entry), first, text), _key(entry, first), text)
        )
    rendered.sort(key=lambda item: item[0])
    uses_plugin = any(name == PLUGIN_NAME for name, _ in options.get("plugin") or [])
    return Side(
        label,
        tuple(text for _, _, text in rendered),
        tuple(order for order, _, _ in rendered),
        tuple(key for _, key, _ in rendered),
        tuple(_error_text(error, label, shown_root) for error in errors),
        uses_plugin,
    )


def _error_text(error: Any, label: str, root: Path | None) -> str:
    source = getattr(error, "source", None) or {}
    filename = str(source.get("filename") or "<unknown>")
    if not filename.startswith("<"):
        if root is not None:
            with contextlib.suppress(ValueError):
                filename = f"{label}:{Path(filename).relative_to(root).as_posix()}"
        else:
            relative = os.path.relpath(filename)
            if not relative.startswith(os.pardir):
                filename = relative
    message = str(getattr(error, "message", error)).strip()
    return f"{filename}:{source.get('lineno') or 0}: {message}"


def changes(old: Side, new: Side) -> list[Change]:
    """The entries that differ, in stable order; changed entries paired by key."""
    matcher = difflib.SequenceMatcher(None, old.entries, new.entries, autojunk=False)
    result: list[Change] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        unpaired_new = list(range(j1, j2))
        block: list[tuple[tuple[str, int, str, str], int, int | None, int | None]] = []
        for i in range(i1, i2):
            partner = next((j for j in unpaired_new if new.keys[j] == old.keys[i]), None)
            if partner is None:
                block.append((old.order[i], 0, i, None))
            else:
                unpaired_new.remove(partner)
                block.append((new.order[partner], 1, i, partner))
        block += [(new.order[j], 2, None, j) for j in unpaired_new]
        block.sort(key=lambda item: (item[0], item[1]))
        at_old, at_new = i1, j1
        for _, _, old_index, new_index in block:
            result.append(
                Change(old_index, new_index, at_new if new_index is None else at_old)
            )
            at_old += old_index is not None
            at_new += new_index is not None
    return result


def _starts(entries: Sequence[str]) -> list[int]:
    """The 1-based first line of each entry in the side's text (blank-separated)."""
    starts = []
    line = 1
    for text in entries:
        starts.append(line)
        line += text.count("\n") + 1
    return starts


def _entry_lines(text: str) -> list[str]:
    return text.rstrip("\n").split("\n")


def _anchor(starts: list[int], entries: Sequence[str], index: int) -> int:
    """The line after which an entry at ``index`` would be inserted."""
    if index < len(starts):
        return starts[index] - 1
    return sum(text.count("\n") + 1 for text in entries) - 1 if entries else 0


def unified(old: Side, new: Side, found: Sequence[Change], path: str) -> Iterator[str]:
    """The changes as a unified diff, each hunk one whole entry."""
    if not found:
        return
    old_starts = _starts(old.entries)
    new_starts = _starts(new.entries)
    yield f"--- {old.label}:{path} (generated)"
    yield f"+++ {new.label}:{path} (generated)"
    for change in found:
        if change.old is not None and change.new is not None:
            before = _entry_lines(old.entries[change.old])
            after = _entry_lines(new.entries[change.new])
            yield (
                f"@@ -{old_starts[change.old]},{len(before)} "
                f"+{new_starts[change.new]},{len(after)} @@"
            )
            matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
            for tag, i1, i2, j1, j2 in matcher.get_opcodes():
                if tag == "equal":
                    yield from (" " + line for line in before[i1:i2])
                    continue
                yield from ("-" + line for line in before[i1:i2])
                yield from ("+" + line for line in after[j1:j2])
        elif change.old is not None:
            before = _entry_lines(old.entries[change.old])
            anchor = _anchor(new_starts, new.entries, change.at)
            yield f"@@ -{old_starts[change.old]},{len(before)} +{anchor},0 @@"
            yield from ("-" + line for line in before)
        else:
            assert change.new is not None
            after = _entry_lines(new.entries[change.new])
            anchor = _anchor(old_starts, old.entries, change.at)
            yield f"@@ -{anchor},0 +{new_starts[change.new]},{len(after)} @@"
            yield from ("+" + line for line in after)


@dataclasses.dataclass(frozen=True)
class DiffResult:
    old: Side
    new: Side
    path: str  # the ledger's path in the repository
    changes: tuple[Change, ...]
    warnings: tuple[str, ...]

    def lines(self) -> Iterator[str]:
        return unified(self.old, self.new, self.changes, self.path)

    def summary(self) -> str:
        if not self.changes:
            return (
                f"No changes in the generated entries between {self.old.label} and "
                f"{self.new.label}"
            )
        counts = dict.fromkeys(("changed", "added", "removed"), 0)
        for change in self.changes:
            counts[change.kind] += 1
        parts = ", ".join(f"{count} {kind}" for kind, count in counts.items() if count)
        total = len(self.changes)
        verb = "entry differs" if total == 1 else "entries differ"
        return (
            f"{total} generated {verb} between {self.old.label} and "
            f"{self.new.label}: {parts}"
        )


def _label(repo: Repository, revision: str, commit: str) -> str:
    result = _git(repo.root, "rev-parse", "--short", commit)
    short = result.stdout.decode("ascii").strip() or commit[:7]
    return revision if revision == short else f"{revision} ({short})"


def diff(
    ledger: Path, revision: str, revision2: str | None = None, *, opens: bool = True
) -> DiffResult:
    """Compare the generated entries of ``ledger`` at ``revision`` and ``revision2``
    (by default the working tree)."""
    repo = find_repository(ledger)
    commits = [resolve_revision(repo, revision)]
    if revision2 is not None:
        commits.append(resolve_revision(repo, revision2))
    elif not Path(ledger).is_file():
        raise DiffError(f"{ledger} does not exist in the working tree")
    sides: list[Side] = []
    warnings: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bean-orders-diff-") as temp:
        for number, (name, commit) in enumerate(
            zip((revision, revision2), commits, strict=False)
        ):
            assert name is not None
            label = _label(repo, name, commit)
            directory = Path(temp) / str(number)
            copy, notes = materialize(repo, commit, label, directory)
            warnings += notes
            sides.append(load_side(copy, label, opens=opens, shown_root=directory))
    if revision2 is None:
        sides.append(load_side(Path(ledger), WORKING_TREE, opens=opens, shown_root=None))
    old, new = sides
    for side in sides:
        if side.errors:
            warnings.append(
                f"{side.label}: the books have {len(side.errors)} "
                f"error{'' if len(side.errors) == 1 else 's'}; what they stop is "
                "missing from its side of the diff"
            )
            warnings += list(side.errors[:20])
            if len(side.errors) > 20:
                warnings.append(f"... and {len(side.errors) - 20} more")
    if not (old.uses_plugin or new.uses_plugin):
        warnings.append(f'{repo.ledger} does not load the plugin "{PLUGIN_NAME}"')
    return DiffResult(old, new, repo.ledger, tuple(changes(old, new)), tuple(warnings))
