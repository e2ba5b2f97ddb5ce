"""The ``bean-orders`` command line, driven through click's CliRunner.

Every ledger is written to ``tmp_path`` and the tests run from there, so that
the ``file:line:`` prefixes in the output are short relative names.
"""

from __future__ import annotations

import builtins
import importlib.metadata
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from beancount.parser import parser as beancount_parser
from click.testing import CliRunner
from click.testing import Result

from beancount_orders import cli
from beancount_orders import cli_ledger
from tests.helpers import dedent

LEDGER = """\
plugin "beancount_orders.orders"
2024-01-01 open Assets:Bank GBP
2024-01-01 custom "customer" "acme" "Acme Ltd"
2024-01-01 custom "customer" "bob" "Bob Jones"
2024-01-02 custom "order" "SO-1" "acme"
2024-01-02 custom "line" "SO-1" "WIDGET" 3 9.99 GBP
  tax: 0.20
2024-01-05 custom "invoice" "SO-1" "INV-1"
2024-01-06 custom "payment" "INV-1" 35.96 GBP Assets:Bank
2024-01-07 custom "order" "SO-2" "bob"
2024-01-07 custom "line" "SO-2" "GADGET" 1 10.00 GBP
2024-01-07 custom "payment" "SO-2" 10.00 GBP "card"
2024-01-08 custom "invoice" "SO-2" "INV-2"
2024-01-09 custom "order" "SO-3" "bob"
2024-01-09 custom "line" "SO-3" "GADGET" 2 10.00 GBP
2024-01-31 balance Assets:Bank 35.96 GBP
"""

OPENS_1 = """\
2024-01-05 open Assets:Receivable:Acme

2024-01-05 open Income:Sales

2024-01-05 open Liabilities:SalesTax
"""

INVOICE_1 = """\
2024-01-05 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
  order: "SO-1"
  customer: "acme"
  invoice: "INV-1"
  Assets:Receivable:Acme   35.96 GBP
  Income:Sales            -29.97 GBP
    item: "WIDGET"
  Liabilities:SalesTax     -5.99 GBP
    rate: 0.20
"""

PAYMENT_1 = """\
2024-01-06 * "Acme Ltd" "Payment for invoice INV-1 (order SO-1) by Assets:Bank" ^INV-1 ^SO-1
  order: "SO-1"
  customer: "acme"
  invoice: "INV-1"
  Assets:Bank              35.96 GBP
  Assets:Receivable:Acme  -35.96 GBP
"""

OPENS_2 = """\
2024-01-07 open Assets:Clearing:Card

2024-01-07 open Assets:Receivable:Bob
"""

PAYMENT_2 = """\
2024-01-07 * "Bob Jones" "Payment for order SO-2 by card" ^SO-2
  order: "SO-2"
  customer: "bob"
  Assets:Clearing:Card    10.00 GBP
  Assets:Receivable:Bob  -10.00 GBP
"""

INVOICE_2 = """\
2024-01-08 * "Bob Jones" "Invoice INV-2 for order SO-2" ^INV-2 ^SO-2
  order: "SO-2"
  customer: "bob"
  invoice: "INV-2"
  Assets:Receivable:Bob   10.00 GBP
  Income:Sales           -10.00 GBP
    item: "GADGET"
"""


CLEAN_SUMMARY = "ledger.beancount: 0 errors (3 orders, 2 invoices, 2 payments)\n"


def joined(*parts: str) -> str:
    """Entries as ``expand`` prints them: separated by one blank line."""
    return "\n".join(parts)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(directory: Path, text: str, name: str = "ledger.beancount") -> str:
    (directory / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return name


def run(*args: str) -> Result:
    result = CliRunner().invoke(cli.main, list(args))
    # Whatever happened, the user never sees a Python traceback.
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exc_info
    )
    return result


# -- help and version -------------------------------------------------------


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: bean-orders [OPTIONS] COMMAND [ARGS]...\n")
    assert "Order books for Beancount" in result.stdout
    assert run("-h").stdout == result.stdout


def test_no_command_shows_usage() -> None:
    result = run()
    assert result.exit_code == 2
    assert "Usage: bean-orders [OPTIONS] COMMAND [ARGS]..." in result.output


def test_check_help() -> None:
    result = run("check", "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: bean-orders check [OPTIONS] LEDGER\n")
    text = " ".join(result.stdout.split())
    assert "list every error as file:line: message" in text
    assert "Exits with status 1 when there are errors, 0 when the books are clean" in text


def test_expand_help_documents_every_option() -> None:
    result = run("expand", "-h")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: bean-orders expand [OPTIONS] LEDGER\n")
    options = " ".join(result.stdout.split("Options:", 1)[1].split())
    assert "--order ID Only the transactions linked to the order ID" in options
    assert "--opens / --no-opens Include the open directives the plugin" in options
    assert "[default: opens]" in options


def test_every_option_has_help() -> None:
    for command in cli.main.commands.values():
        assert command.help, command.name
        for param in command.params:
            if param.param_type_name == "option":
                assert getattr(param, "help", None), (command.name, param.name)


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    version = importlib.metadata.version("beancount-orders")
    assert result.stdout == f"bean-orders, version {version}\n"


# -- bad arguments ----------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["frobnicate"], "No such command 'frobnicate'"),
        (["check"], "Missing argument 'LEDGER'"),
        (["expand"], "Missing argument 'LEDGER'"),
        (["check", "--bogus", "ledger.beancount"], "No such option '--bogus'"),
        (["expand", "ledger.beancount", "--order"], "'--order' requires an argument"),
        (["check", "ledger.beancount", "extra"], "Got unexpected extra argument (extra)"),
    ],
)
def test_bad_arguments(workdir: Path, args: list[str], message: str) -> None:
    write(workdir, LEDGER)
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("command", ["check", "expand"])
def test_missing_file(workdir: Path, command: str) -> None:
    result = run(command, "nope.beancount")
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "Error: Invalid value for 'LEDGER': File 'nope.beancount' does not exist.\n"
    )
    assert result.stdout == ""


@pytest.mark.parametrize("command", ["check", "expand"])
def test_directory(workdir: Path, command: str) -> None:
    (workdir / "books").mkdir()
    result = run(command, "books")
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "Error: Invalid value for 'LEDGER': File 'books' is a directory.\n"
    )


@pytest.mark.parametrize("command", ["check", "expand"])
def test_non_utf8_file(workdir: Path, command: str) -> None:
    (workdir / "latin1.beancount").write_bytes(
        'plugin "beancount_orders.orders"\n; caf\xe9\n'.encode("latin-1")
    )
    result = run(command, "latin1.beancount")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "Error: latin1.beancount is not UTF-8 text (byte 0xe9 at line 2, column 6); "
        "Beancount reads UTF-8 only: convert the file, e.g. iconv -f latin1 -t utf-8\n"
    )


@pytest.mark.parametrize("command", ["check", "expand"])
def test_unreadable_file(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    # Tests may run as root, where chmod 000 does not stop reading: fail the read.
    name = write(workdir, LEDGER)

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)
    result = run(command, name)
    assert result.exit_code == 1
    assert result.stderr == "Error: Cannot read ledger.beancount: Permission denied\n"


def test_unreadable_include(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(workdir, "2024-01-01 open Assets:Cash\n", "extra.beancount")
    name = write(workdir, 'plugin "beancount_orders.orders"\ninclude "extra.beancount"\n')
    real_open = builtins.open

    def guarded_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file).endswith("extra.beancount"):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(beancount_parser, "open", guarded_open, raising=False)
    result = run("check", name)
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: Cannot read ledger.beancount or a file it includes: [Errno 13] "
        "Permission denied: "
    )
    assert result.stderr.rstrip().endswith("extra.beancount'")


# -- check --------------------------------------------------------------------


def test_check_clean_ledger(workdir: Path) -> None:
    name = write(workdir, LEDGER)
    result = run("check", name)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == CLEAN_SUMMARY


def test_check_lists_every_error_sorted_by_file_and_line(workdir: Path) -> None:
    write(
        workdir,
        'bad line\n2024-01-02 custom "invoice" "SO-1" "INV-1" "GADGET" 1\n',
        "extra.beancount",
    )
    name = write(
        workdir,
        """\
        plugin "beancount_orders.orders" "{'precision': 'x'}"
        include "extra.beancount"
        include "missing.beancount"
        2024-01-01 open Assets:Bank GBP
        2024-01-01 balance Assets:Bank 5.00 GBP
        2024-01-01 custom "customer" "acme" "Acme Ltd"
        2024-01-02 custom "order" "SO-1" "acme"
        2024-01-02 custom "line" "SO-1" "WIDGET" 3 9.99 GBP
        2024-01-03 custom "payment" "SO-9" 1.00 GBP "card"
        2024-01-04 custom "order" "SO-1" "acme"
        2024-01-04 txn "oops
        """,
        "main.beancount",
    )
    result = run("check", name)
    assert result.exit_code == 1
    # Beancount's parse, load and validation errors and the plugin's errors,
    # in one list by file and line (Beancount reports them in another order).
    assert result.stdout == dedent("""
        <load>:0: File glob "missing.beancount" does not match any files
        extra.beancount:1: Invalid token: 'bad'
        extra.beancount:1: Invalid token: 'line'
        extra.beancount:2: Item GADGET is not on order "SO-1"
        main.beancount:1: Invalid plugin configuration: 'precision' must be a whole number of decimal places 0-8, got 'x'
        main.beancount:5: Balance failed for 'Assets:Bank': expected 5.00 GBP != accumulated 0 GBP (5.00 too little)
        main.beancount:9: Payment on unknown order, invoice or customer "SO-9"
        main.beancount:10: Duplicate document id "SO-1": already used by order "SO-1" (ids are unique across orders, invoices, credits and other documents)
        main.beancount:11: Invalid token: '"oops'
    """)  # noqa: E501
    assert result.stderr == "main.beancount: 9 errors (1 order, 0 invoices, 0 payments)\n"


def test_check_syntax_error(workdir: Path) -> None:
    name = write(
        workdir,
        """\
        plugin "beancount_orders.orders"
        2024-01-01 open Assets:Bank GBP
        2024-13-01 open Assets:Cash GBP
        2024-01-02 * "Coffee"
          Assets:Bank  -3.00 GBP
          Assets:Cash
        """,
    )
    result = run("check", name)
    assert result.exit_code == 1
    assert result.stdout.startswith("ledger.beancount:3: ")
    assert all(line.startswith("ledger.beancount:") for line in result.stdout.splitlines())
    assert result.stderr.startswith("ledger.beancount: ")
    assert result.stderr.endswith(" (0 orders, 0 invoices, 0 payments)\n")


def test_check_absolute_path_outside_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    books = tmp_path / "books"
    books.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    path = books / "ledger.beancount"
    path.write_text(
        'plugin "beancount_orders.orders"\n2024-01-03 custom "order" "SO-1" "nobody"\n'
    )
    result = run("check", str(path))
    assert result.exit_code == 1
    assert result.stdout == (
        f'{path}:2: Unknown customer "nobody": declare it first with '
        'custom "customer" "nobody" "NAME"\n'
    )
    assert result.stderr == f"{path}: 1 error (0 orders, 0 invoices, 0 payments)\n"


def test_check_without_the_plugin_warns(workdir: Path) -> None:
    name = write(workdir, LEDGER.replace('plugin "beancount_orders.orders"\n', ""))
    result = run("check", name)
    # Without the plugin nothing pays into Assets:Bank: the balance fails.
    assert result.exit_code == 1
    assert result.stdout == (
        "ledger.beancount:15: Balance failed for 'Assets:Bank': "
        "expected 35.96 GBP != accumulated 0 GBP (35.96 too little)\n"
    )
    assert result.stderr == (
        'Warning: ledger.beancount does not load the plugin "beancount_orders.orders"; '
        "its order directives are ignored\n"
        "ledger.beancount: 1 error\n"
    )


def test_check_reports_an_engine_crash_without_traceback(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*args: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli_ledger, "book_from_loaded", crash)
    result = run("check", write(workdir, LEDGER))
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: Internal error in beancount-orders (please report it): RuntimeError: boom\n"
    )


# -- expand -------------------------------------------------------------------


def test_expand_prints_every_generated_entry(workdir: Path) -> None:
    result = run("expand", write(workdir, LEDGER))
    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout == joined(
        OPENS_1, INVOICE_1, PAYMENT_1, OPENS_2, PAYMENT_2, INVOICE_2
    )
    assert run("expand", "--opens", "ledger.beancount").stdout == result.stdout


def test_expand_is_deterministic(workdir: Path) -> None:
    name = write(workdir, LEDGER)
    outputs = {run("expand", name).stdout for _ in range(3)}
    assert len(outputs) == 1


def test_expand_no_opens(workdir: Path) -> None:
    result = run("expand", "--no-opens", write(workdir, LEDGER))
    assert result.exit_code == 0
    assert result.stdout == joined(INVOICE_1, PAYMENT_1, PAYMENT_2, INVOICE_2)


def test_expand_one_order_with_the_opens_it_needs(workdir: Path) -> None:
    result = run("expand", "--order", "SO-2", write(workdir, LEDGER))
    assert result.exit_code == 0
    # Income:Sales was first used by SO-1, so its open comes on that date.
    income_open = "2024-01-05 open Income:Sales\n"
    assert result.stdout == joined(income_open, OPENS_2, PAYMENT_2, INVOICE_2)


def test_expand_one_order_no_opens(workdir: Path) -> None:
    result = run("expand", "--no-opens", "--order", "SO-1", write(workdir, LEDGER))
    assert result.exit_code == 0
    assert result.stdout == joined(INVOICE_1, PAYMENT_1)


def test_expand_order_without_postings_prints_nothing(workdir: Path) -> None:
    result = run("expand", "--order", "SO-3", write(workdir, LEDGER))
    assert result.exit_code == 0
    assert result.output == ""


@pytest.mark.parametrize(
    ("order", "message"),
    [
        ("SO-9", 'Error: Unknown order "SO-9" in ledger.beancount\n'),
        (
            "INV-1",
            'Error: Unknown order "INV-1" ("INV-1" is an invoice) in ledger.beancount\n',
        ),
        ("so-1", 'Error: Unknown order "so-1" in ledger.beancount\n'),
    ],
)
def test_expand_unknown_order(workdir: Path, order: str, message: str) -> None:
    result = run("expand", "--order", order, write(workdir, LEDGER))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == message


def test_expand_with_errors_prints_them_and_fails(workdir: Path) -> None:
    text = LEDGER.replace("35.96 GBP Assets:Bank", "35.96 GBP 12")
    result = run("expand", write(workdir, text))
    assert result.exit_code == 1
    # The payment could not apply; everything else is still printed.
    assert result.stdout == joined(OPENS_1, INVOICE_1, OPENS_2, PAYMENT_2, INVOICE_2)
    assert result.stderr == dedent("""
        ledger.beancount:9: Invalid "payment" REF AMOUNT METHOD: METHOD must be a method name string or an account, got a number 12
        ledger.beancount:16: Balance failed for 'Assets:Bank': expected 35.96 GBP != accumulated 0 GBP (35.96 too little)
        ledger.beancount: 2 errors
    """)  # noqa: E501


def test_expand_without_the_plugin_prints_nothing_and_warns(workdir: Path) -> None:
    text = 'option "title" "No orders"\n2024-01-01 open Assets:Bank GBP\n'
    result = run("expand", write(workdir, text))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == (
        'Warning: ledger.beancount does not load the plugin "beancount_orders.orders"; '
        "its order directives are ignored\n"
    )


# -- the installed console script --------------------------------------------


def shell(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, cwd=cwd, check=False)


def test_console_script(workdir: Path) -> None:
    script = str(Path(sys.executable).parent / "bean-orders")
    name = write(workdir, LEDGER)
    version = shell(script, "--version", cwd=workdir)
    assert version.returncode == 0
    expected = importlib.metadata.version("beancount-orders")
    assert version.stdout == f"bean-orders, version {expected}\n"
    checked = shell(script, "check", name, cwd=workdir)
    assert (checked.returncode, checked.stdout, checked.stderr) == (0, "", CLEAN_SUMMARY)
    missing = shell(script, "expand", "nope", cwd=workdir)
    assert missing.returncode == 2
    assert "Invalid value for 'LEDGER': File 'nope' does not exist." in missing.stderr
    assert "Traceback" not in missing.stderr


def test_python_m_runs_the_cli(workdir: Path) -> None:
    name = write(workdir, LEDGER)
    result = shell(
        *(sys.executable, "-m", "beancount_orders.cli"),
        *("expand", "--no-opens", "--order", "SO-1", name),
        cwd=workdir,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == joined(INVOICE_1, PAYMENT_1)
