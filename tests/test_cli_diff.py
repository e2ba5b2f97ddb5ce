"""``bean-orders diff`` in a real temporary git repository, and the pre-commit hook.

The books: two stock receipts (PO-1: 10 WIDGET at 4.00, PO-2: 5 at 5.00, in an
included file) and two FIFO dispatches, SO-1 (4 from PO-1: 16.00) and SO-2 (6
from PO-1 and 2 from PO-2: 34.00). Restating PO-1's cost to 4.50 restates both
dispatches' cost of goods: 18.00 and 37.00.

The generated text also holds the PTS price entry of 2024-01-01 (SPEC Revision 2), one
line and a blank after PO-1's receipt, so later hunks start two lines further down.
"""

from __future__ import annotations

import glob
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from click.testing import Result

from beancount_orders import cli
from beancount_orders import gitdiff
from tests.helpers import dedent

ROOT = Path(__file__).resolve().parent.parent

MAIN = """\
plugin "beancount_orders.orders" "{'today': '2024-06-30'}"
option "booking_method" "FIFO"
include "stock/*.beancount"
2024-01-01 custom "loyalty-program" "PTS"
  earn: 1
  value: 0.01 GBP
2024-01-01 custom "customer" "acme" "Acme Ltd"
  program: "PTS"
2024-01-04 custom "order" "SO-1" "acme"
2024-01-04 custom "line" "SO-1" "WIDGET" 4 10.00 GBP
2024-01-06 custom "dispatch" "SO-1"
2024-02-04 custom "order" "SO-2" "acme"
2024-02-04 custom "line" "SO-2" "WIDGET" 8 10.00 GBP
2024-02-05 custom "invoice" "SO-2" "INV-2"
2024-02-06 custom "dispatch" "SO-2"
"""

STOCK = """\
2024-01-01 custom "stock-in" "PO-1" "WIDGET" 10 4.00 GBP
  supplier: "Supplies Co"
2024-01-03 custom "stock-in" "PO-2" "WIDGET" 5 5.00 GBP
  supplier: "Supplies Co"
"""


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    result = subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True, env=env
    )
    return result.stdout.strip()


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "--short", "HEAD")


def write(repo: Path, name: str, text: str) -> None:
    path = repo / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A books repository with one commit, as the working directory."""
    books = tmp_path / "books"
    books.mkdir()
    git(books, "init", "-q")
    git(books, "config", "user.name", "Book Keeper")
    git(books, "config", "user.email", "books@example.com")
    git(books, "config", "commit.gpgsign", "false")
    write(books, "main.beancount", MAIN)
    write(books, "stock/receipts.beancount", STOCK)
    commit(books, "The books")
    monkeypatch.chdir(books)
    monkeypatch.delenv("BEANCOUNT_FILE", raising=False)
    return books


def run(*args: str, env: dict[str, str | None] | None = None) -> Result:
    result = CliRunner().invoke(cli.main, list(args), prog_name="bean-orders", env=env)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exc_info
    )
    return result


def restate_po1(repo: Path, cost: str = "4.50") -> None:
    text = STOCK.replace('"PO-1" "WIDGET" 10 4.00 GBP', f'"PO-1" "WIDGET" 10 {cost} GBP')
    write(repo, "stock/receipts.beancount", text)


RESTATED = """\
@@ -5,6 +5,6 @@
 2024-01-01 * "Supplies Co" "Receipt PO-1: 10 WIDGET into Main" ^PO-1
   po: "PO-1"
   supplier: "Supplies Co"
   item: "WIDGET"
-  Assets:Inventory:Main                10 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
-  Liabilities:Payable:Supplies-Co  -40.00 GBP
+  Assets:Inventory:Main                10 WIDGET {4.50 GBP, 2024-01-01, "PO-1"}
+  Liabilities:Payable:Supplies-Co  -45.00 GBP
@@ -23,6 +23,6 @@
 2024-01-06 * "Acme Ltd" "Dispatch for order SO-1" ^SO-1
   order: "SO-1"
   customer: "acme"
-  Assets:Inventory:Main     -4 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
-  Expenses:COGS          16.00 GBP
+  Assets:Inventory:Main     -4 WIDGET {4.50 GBP, 2024-01-01, "PO-1"}
+  Expenses:COGS          18.00 GBP
     item: "WIDGET"
@@ -54,7 +54,7 @@
 2024-02-06 * "Acme Ltd" "Dispatch for order SO-2" ^SO-2
   order: "SO-2"
   customer: "acme"
-  Assets:Inventory:Main     -6 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
+  Assets:Inventory:Main     -6 WIDGET {4.50 GBP, 2024-01-01, "PO-1"}
   Assets:Inventory:Main     -2 WIDGET {5.00 GBP, 2024-01-03, "PO-2"}
-  Expenses:COGS          34.00 GBP
+  Expenses:COGS          37.00 GBP
     item: "WIDGET"
"""


def test_restated_stock_in_cost_shows_every_restated_cogs_line(repo: Path) -> None:
    first = git(repo, "rev-parse", "--short", "HEAD")
    restate_po1(repo)
    second = commit(repo, "PO-1 cost 4.50, not 4.00")
    result = run("diff", "HEAD~1", "HEAD", "--ledger", "main.beancount")
    assert result.exit_code == 0
    assert result.stdout == (
        f"--- HEAD~1 ({first}):main.beancount (generated)\n"
        f"+++ HEAD ({second}):main.beancount (generated)\n" + RESTATED
    )
    assert result.stderr == (
        f"3 generated entries differ between HEAD~1 ({first}) and HEAD ({second}): "
        "3 changed\n"
    )


def test_the_working_tree_by_default(repo: Path) -> None:
    head = git(repo, "rev-parse", "--short", "HEAD")
    restate_po1(repo)  # not committed
    result = run("diff", "HEAD", "--ledger", "main.beancount")
    assert result.exit_code == 0
    assert result.stdout == (
        f"--- HEAD ({head}):main.beancount (generated)\n"
        "+++ working tree:main.beancount (generated)\n" + RESTATED
    )
    # Full commit ids and the ledger from the environment, as Fava takes it.
    full = git(repo, "rev-parse", "HEAD")
    again = run("diff", full, env={"BEANCOUNT_FILE": "main.beancount"})
    assert again.exit_code == 0
    assert again.stdout.splitlines()[2:] == RESTATED.splitlines()


def test_a_backdated_stock_in_restates_the_later_dispatch(repo: Path) -> None:
    # PO-2 arrived on 2024-01-02 at 6.00, not on 2024-01-03 at 5.00.
    write(
        repo,
        "stock/receipts.beancount",
        STOCK.replace(
            '2024-01-03 custom "stock-in" "PO-2" "WIDGET" 5 5.00 GBP',
            '2024-01-02 custom "stock-in" "PO-2" "WIDGET" 5 6.00 GBP',
        ),
    )
    result = run("diff", "HEAD", "-l", "main.beancount", "--no-opens")
    assert result.exit_code == 0
    assert result.stdout.split("\n", 2)[2] == dedent("""
        @@ -9,0 +10,6 @@
        +2024-01-02 * "Supplies Co" "Receipt PO-2: 5 WIDGET into Main" ^PO-2
        +  po: "PO-2"
        +  supplier: "Supplies Co"
        +  item: "WIDGET"
        +  Assets:Inventory:Main                 5 WIDGET {6.00 GBP, 2024-01-02, "PO-2"}
        +  Liabilities:Payable:Supplies-Co  -30.00 GBP
        @@ -10,6 +16,0 @@
        -2024-01-03 * "Supplies Co" "Receipt PO-2: 5 WIDGET into Main" ^PO-2
        -  po: "PO-2"
        -  supplier: "Supplies Co"
        -  item: "WIDGET"
        -  Assets:Inventory:Main                 5 WIDGET {5.00 GBP, 2024-01-03, "PO-2"}
        -  Liabilities:Payable:Supplies-Co  -25.00 GBP
        @@ -40,7 +40,7 @@
         2024-02-06 * "Acme Ltd" "Dispatch for order SO-2" ^SO-2
           order: "SO-2"
           customer: "acme"
           Assets:Inventory:Main     -6 WIDGET {4.00 GBP, 2024-01-01, "PO-1"}
        -  Assets:Inventory:Main     -2 WIDGET {5.00 GBP, 2024-01-03, "PO-2"}
        -  Expenses:COGS          34.00 GBP
        +  Assets:Inventory:Main     -2 WIDGET {6.00 GBP, 2024-01-02, "PO-2"}
        +  Expenses:COGS          36.00 GBP
             item: "WIDGET"
    """)
    assert result.stderr.endswith(": 1 changed, 1 added, 1 removed\n")


def test_a_price_change_restates_the_loyalty_points(repo: Path) -> None:
    write(repo, "main.beancount", MAIN.replace("8 10.00 GBP", "8 12.00 GBP"))
    result = run("diff", "HEAD", "--ledger", "main.beancount")
    assert result.exit_code == 0
    assert result.stdout.split("\n", 2)[2] == dedent("""
        @@ -38,7 +38,7 @@
         2024-02-05 * "Acme Ltd" "Invoice INV-2 for order SO-2" ^INV-2 ^SO-2
           order: "SO-2"
           customer: "acme"
           invoice: "INV-2"
        -  Assets:Receivable:Acme   80.00 GBP
        -  Income:Sales            -80.00 GBP
        +  Assets:Receivable:Acme   96.00 GBP
        +  Income:Sales            -96.00 GBP
             item: "WIDGET"
        @@ -46,7 +46,7 @@
         2024-02-05 * "Acme Ltd" "PTS points earned on invoice INV-2" ^INV-2 ^SO-2
           order: "SO-2"
           customer: "acme"
           invoice: "INV-2"
           program: "PTS"
        -  Liabilities:Loyalty:PTS             -80 PTS
        -  Expenses:Loyalty:PointsDistributed   80 PTS
        +  Liabilities:Loyalty:PTS             -96 PTS
        +  Expenses:Loyalty:PointsDistributed   96 PTS
    """)


def test_includes_are_read_at_each_revision(repo: Path) -> None:
    # A new included file in the second revision, matched by the glob there.
    write(
        repo,
        "stock/more.beancount",
        '2024-01-02 custom "stock-in" "PO-3" "GADGET" 1 9.00 GBP\n'
        '  supplier: "Supplies Co"\n',
    )
    commit(repo, "PO-3")
    # And a working tree change that is not the revision's.
    restate_po1(repo, "9.99")
    result = run("diff", "HEAD~1", "HEAD", "--ledger", "main.beancount", "--no-opens")
    assert result.exit_code == 0
    assert result.stdout.split("\n", 2)[2] == dedent("""
        @@ -9,0 +10,6 @@
        +2024-01-02 * "Supplies Co" "Receipt PO-3: 1 GADGET into Main" ^PO-3
        +  po: "PO-3"
        +  supplier: "Supplies Co"
        +  item: "GADGET"
        +  Assets:Inventory:Main                1 GADGET {9.00 GBP, 2024-01-02, "PO-3"}
        +  Liabilities:Payable:Supplies-Co  -9.00 GBP
    """)
    assert "9.99" not in result.stdout
    assert result.stderr.endswith(": 1 added\n")


def test_moving_a_directive_changes_nothing(repo: Path) -> None:
    lines = STOCK.splitlines(keepends=True)
    write(repo, "stock/receipts.beancount", "".join(lines[2:] + lines[:2]))
    result = run("diff", "HEAD", "--ledger", "main.beancount", "--exit-code")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr.startswith("No changes in the generated entries between HEAD (")


def test_identical_revisions_say_no_changes(repo: Path) -> None:
    head = git(repo, "rev-parse", "--short", "HEAD")
    result = run("diff", "HEAD", "HEAD", "--ledger", "main.beancount")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == (
        f"No changes in the generated entries between HEAD ({head}) and HEAD ({head})\n"
    )


def test_exit_code_option(repo: Path) -> None:
    restate_po1(repo)
    result = run("diff", "HEAD", "--ledger", "main.beancount", "--exit-code")
    assert result.exit_code == 1
    assert "Expenses:COGS          18.00 GBP" in result.stdout


def test_opens_are_compared_too(repo: Path) -> None:
    # Dispatching SO-1 later moves the first use, and so the open, of COGS.
    write(
        repo,
        "main.beancount",
        MAIN.replace(
            '2024-01-06 custom "dispatch" "SO-1"', '2024-01-07 custom "dispatch" "SO-1"'
        ),
    )
    opens = run("diff", "HEAD", "--ledger", "main.beancount").stdout
    assert "-2024-01-06 open Expenses:COGS\n" in opens
    assert "+2024-01-07 open Expenses:COGS\n" in opens
    plain = run("diff", "HEAD", "--ledger", "main.beancount", "--no-opens").stdout
    assert " open " not in plain
    assert '+2024-01-07 * "Acme Ltd" "Dispatch for order SO-1" ^SO-1\n' in plain


def test_errors_in_a_revision_are_warnings(repo: Path) -> None:
    write(repo, "main.beancount", MAIN + '2024-03-01 custom "dispatch" "SO-9"\n')
    commit(repo, "A dispatch of an unknown order")
    result = run("diff", "HEAD~1", "HEAD", "--ledger", "main.beancount")
    assert result.exit_code == 0
    assert result.stdout == ""
    head = git(repo, "rev-parse", "--short", "HEAD")
    warning, error, summary = result.stderr.splitlines()
    assert warning == (
        f"Warning: HEAD ({head}): the books have 1 error; what they stop is missing "
        "from its side of the diff"
    )
    assert error.startswith(f"Warning: HEAD ({head}):main.beancount:16: ")
    assert summary.startswith("No changes")


# -- problems -----------------------------------------------------------------


def test_unknown_revision(repo: Path) -> None:
    result = run("diff", "v9.9", "--ledger", "main.beancount")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"Error: Unknown revision 'v9.9' in {repo}\n"
    second = run("diff", "HEAD", "nope", "--ledger", "main.beancount")
    assert second.stderr == f"Error: Unknown revision 'nope' in {repo}\n"
    assert run("diff", "HEAD~5", "--ledger", "main.beancount").exit_code == 1


def test_option_like_revision(repo: Path) -> None:
    result = run("diff", "--ledger", "main.beancount", "--", "--output=x")
    assert result.exit_code == 1
    assert result.stderr == "Error: Invalid revision '--output=x'\n"
    assert not (repo / "x").exists()


def test_not_a_git_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "main.beancount", MAIN)
    result = run("diff", "HEAD", "--ledger", "main.beancount")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: {tmp_path} is not in a git repository (bean-orders diff compares "
        "revisions of books kept in git)\n"
    )


def test_ledger_missing_from_a_revision(repo: Path) -> None:
    write(repo, "new.beancount", MAIN)
    result = run("diff", "HEAD", "--ledger", "new.beancount")
    assert result.exit_code == 1
    head = git(repo, "rev-parse", "--short", "HEAD")
    assert result.stderr == (
        f"Error: new.beancount does not exist in revision HEAD ({head})\n"
    )


def test_ledger_missing_from_the_working_tree(repo: Path) -> None:
    (repo / "main.beancount").unlink()
    result = run("diff", "HEAD", "--ledger", "main.beancount")
    assert result.exit_code == 1
    assert result.stderr == "Error: main.beancount does not exist in the working tree\n"
    # Between two revisions the working tree does not matter.
    both = run("diff", "HEAD", "HEAD", "--ledger", "main.beancount")
    assert both.exit_code == 0


def test_ledger_in_a_missing_directory(repo: Path) -> None:
    result = run("diff", "HEAD", "--ledger", "nowhere/main.beancount")
    assert result.exit_code == 1
    assert result.stderr == f"Error: No such directory: {repo / 'nowhere'}\n"


def test_git_not_installed(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(repo / "no-bin"))
    result = run("diff", "HEAD", "--ledger", "main.beancount")
    assert result.exit_code == 1
    assert result.stderr == "Error: git is not installed (or not on PATH)\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "Missing argument 'REV'."),
        (["HEAD"], "Missing option '--ledger' / '-l' (env var: 'BEANCOUNT_FILE')."),
        (["HEAD", "HEAD", "HEAD", "-l", "main.beancount"], "Got unexpected extra argument"),
        (["HEAD", "--ledger"], "Option '--ledger' requires an argument."),
        (["HEAD", "-l", "."], "File '.' is a directory."),
        (["HEAD", "-l", "main.beancount", "--context", "3"], "No such option '--context'"),
    ],
)
def test_bad_arguments(repo: Path, args: list[str], message: str) -> None:
    result = run("diff", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in " ".join(result.stderr.split())


def test_diff_help() -> None:
    result = run("diff", "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: bean-orders diff [OPTIONS] REV [REV2]\n")
    text = " ".join(result.stdout.split())
    assert "-l, --ledger FILE The top-level ledger" in text
    assert "[env var: BEANCOUNT_FILE; required]" in text


# -- the module on its own ------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        "stock/*.beancount",
        "stock/a.beancount",
        "stock/missing.beancount",
        "**/*.beancount",
        "stock/**/*.beancount",
        "stock/[ab].beancount",
        "*",
        "*/*",
        ".hidden/*",
        ".*/*.beancount",
        "stock/.*",
        "**",
        "stock/**",
    ],
)
def test_include_globs_match_as_glob_does_on_disk(tmp_path: Path, pattern: str) -> None:
    tree = {
        "main.beancount",
        "stock/a.beancount",
        "stock/b.beancount",
        "stock/deep/c.beancount",
        "stock/.c.beancount",
        ".hidden/x.beancount",
    }
    for name in tree:
        write(tmp_path, name, "")
    on_disk = sorted(
        name
        for name in glob.glob(pattern, root_dir=tmp_path, recursive=True)
        if (tmp_path / name).is_file()
    )
    assert gitdiff.matching(pattern, tree) == on_disk


# -- the pre-commit hook ---------------------------------------------------------


def hook() -> dict[str, str]:
    """The one hook of .pre-commit-hooks.yaml (a flat YAML list of one mapping)."""
    text = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    items = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert items[0].startswith("- id: ")
    fields = {}
    for line in items:
        key, _, value = line.removeprefix("- ").strip().partition(": ")
        fields[key] = value
    return fields


def test_pre_commit_hook_definition() -> None:
    fields = hook()
    assert fields["id"] == "bean-orders-check"
    assert fields["entry"] == "bean-orders check"
    assert fields["language"] == "python"
    assert fields["files"] == r"\.beancount$"
    # Only the top-level ledger (given in args) can be checked: an included
    # file does not load on its own.
    assert fields["pass_filenames"] == "false"


def test_pre_commit_hook_runs_check_on_the_main_ledger(repo: Path) -> None:
    """pre-commit runs ENTRY ARGS: here with args: [main.beancount]."""
    script = Path(sys.executable).parent / shlex.split(hook()["entry"])[0]
    words = [str(script), *shlex.split(hook()["entry"])[1:]]
    clean = subprocess.run(
        [*words, "main.beancount"], cwd=repo, capture_output=True, text=True, check=False
    )
    assert clean.returncode == 0, clean.stdout + clean.stderr
    write(repo, "stock/receipts.beancount", STOCK + '2024-01-05 custom "stock-in" "PO-1"\n')
    broken = subprocess.run(
        [*words, "main.beancount"], cwd=repo, capture_output=True, text=True, check=False
    )
    assert broken.returncode == 1
    assert broken.stdout.startswith("stock/receipts.beancount:5: ")
    assert "Traceback" not in broken.stderr
