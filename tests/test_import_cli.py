"""``bean-orders import`` and ``python -m beancount_orders.importers.NAME`` are never
silent: every file no importer reads is named with every importer's reason, every row
not imported as FILE:ROW, and the exit status is 1 when anything was not imported.

The files are in tests/data/import_cli/ (made-up people, the column layouts of
the real exports); the commands run from the repository root with relative paths,
so that the messages are exactly what a user sees.
"""

from __future__ import annotations

import builtins
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from click.testing import Result

from beancount_orders.cli import main

ROOT = Path(__file__).resolve().parent.parent
DIR = "tests/data/import_cli"

SEMICOLONS = (
    "the columns are separated by semicolons, not commas: export the file again "
    "with commas (or set your spreadsheet's list separator to ,)"
)
LATIN1 = (
    "the file is not UTF-8 text (byte 0xe8 at line 3): export it again as UTF-8, "
    "or convert it, e.g. iconv -f latin1 -t utf-8 orders_latin1.csv > "
    "utf8-orders_latin1.csv"
)
NOT_STRIPE = (
    "not a Stripe balance history export: no columns Type (or reporting_category), "
    "Amount (or gross), Net (or Fee), Created (UTC) (or created_utc)"
)
NO_TOTAL = f"looks like a Shopify orders export but lacks the column Total; {NOT_STRIPE}"
NOT_SHOPIFY = (
    "not a Shopify orders export: no columns Name, Financial Status, Subtotal, "
    "Shipping, Taxes, Total, Created at, Lineitem quantity and 2 more"
)
TRUNCATED = (
    f"{DIR}/orders_truncated.csv:3: order #2002: this row has 17 fields, the header "
    "79: it is cut short after Lineitem quantity (a damaged or edited file?); the row "
    "is not imported, nor any row of the order"
)


@pytest.fixture(autouse=True)
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def run(*args: str) -> Result:
    result = CliRunner().invoke(main, ["import", *args], prog_name="bean-orders")
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception
    )
    assert "Traceback" not in result.output
    return result


def lines(*texts: str) -> str:
    return "".join(text + "\n" for text in texts)


@pytest.mark.parametrize("command", ["identify", "extract"])
@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("orders_latin1.csv", LATIN1),
        ("orders_semicolon.csv", SEMICOLONS),
        ("orders_no_total.csv", NO_TOTAL),
        ("empty.csv", "the file is empty"),
    ],
)
def test_a_file_no_importer_reads(command: str, name: str, reason: str) -> None:
    result = run(command, f"{DIR}/{name}")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == lines(
        f"{DIR}/{name}: not imported: {reason}",
        "Error: 1 file not read by any importer",
    )


def test_a_truncated_row_is_an_error_by_file_and_row() -> None:
    result = run("extract", f"{DIR}/orders_truncated.csv")
    assert result.exit_code == 1
    assert result.stderr == lines(
        f"* {DIR}/orders_truncated.csv ... OK",
        TRUNCATED,
        "Error: 1 row not imported",
    )
    assert 'custom "order" "SHOP-2001" "wren.alder@example.com"' in result.stdout
    assert "SHOP-2002" not in result.stdout
    # identify reads no rows: the file is the Shopify importer's.
    result = run("identify", f"{DIR}/orders_truncated.csv")
    assert result.exit_code == 0
    assert result.stderr == ""


def test_good_files() -> None:
    result = run("extract", f"{DIR}/orders_export.csv", f"{DIR}/balance_history.csv")
    assert result.exit_code == 0, result.output
    assert result.stderr == lines(
        f"* {DIR}/orders_export.csv ... OK", f"* {DIR}/balance_history.csv ... OK"
    )
    assert f"**** {DIR}/orders_export.csv" in result.stdout
    assert 'custom "order" "SHOP-2002" "ines.rook@example.org"' in result.stdout
    assert 'custom "payment" "SHOP-2001" 30.92 USD Assets:Stripe' in result.stdout
    result = run("identify", f"{DIR}/orders_export.csv", f"{DIR}/balance_history.csv")
    assert result.exit_code == 0
    assert result.stdout == lines(
        f"* {DIR}/orders_export.csv ... OK",
        "  beancount_orders.importers.shopify.Importer",
        f"* {DIR}/balance_history.csv ... OK",
        "  beancount_orders.importers.stripe.Importer",
    )
    assert result.stderr == ""


DECLINED = (
    f"{DIR}/empty.csv: not imported: the file is empty",
    f"{DIR}/notes.txt: skipped: not a .csv file",
    f"{DIR}/orders_latin1.csv: not imported: {LATIN1}",
    f"{DIR}/orders_no_total.csv: not imported: {NO_TOTAL}",
    f"{DIR}/orders_semicolon.csv: not imported: {SEMICOLONS}",
)


def test_a_mix_in_a_directory() -> None:
    """A directory: the Shopify exports first, then the Stripe ones, each in name
    order (the Stripe import reads the orders the Shopify one wrote in the same
    run); a file that is not a .csv is only skipped (it does not make the exit
    status 1), the others are not imported."""
    result = run("extract", DIR)
    assert result.exit_code == 1
    assert result.stderr == lines(
        *DECLINED,
        f"* {DIR}/orders_export.csv ... OK",
        f"* {DIR}/orders_truncated.csv ... OK",
        f"* {DIR}/balance_history.csv ... OK",
        TRUNCATED,
        "Error: 4 files not read by any importer, 1 row not imported",
    )
    # The charge names an order of this run's Shopify export: a payment on it.
    assert '2024-04-02 custom "payment" "SHOP-2001" 30.92 USD Assets:Stripe' in (
        result.stdout
    )
    result = run("identify", DIR)
    assert result.exit_code == 1
    assert result.stderr == lines(*DECLINED, "Error: 4 files not read by any importer")
    assert result.stdout.count(" ... OK\n") == 3


def test_a_directory_of_only_skipped_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello\n", encoding="utf-8")
    result = run("extract", str(tmp_path))
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == lines(f"{tmp_path}/notes.txt: skipped: not a .csv file")
    result = run("extract", "-q", str(tmp_path))
    assert (result.exit_code, result.output) == (0, "")


def test_a_file_named_is_never_only_skipped() -> None:
    result = run("identify", f"{DIR}/notes.txt")
    assert result.exit_code == 1
    assert result.stderr == lines(
        f"{DIR}/notes.txt: not imported: not a .csv file",
        "Error: 1 file not read by any importer",
    )


def test_quiet_still_says_why() -> None:
    result = run("extract", "-q", f"{DIR}/orders_semicolon.csv")
    assert result.exit_code == 1
    assert result.stderr == lines(
        f"{DIR}/orders_semicolon.csv: not imported: {SEMICOLONS}",
        "Error: 1 file not read by any importer",
    )


def test_a_path_that_does_not_exist() -> None:
    result = run("extract", "no/such/folder", f"{DIR}/orders_export.csv")
    assert result.exit_code == 1
    assert result.stderr == lines(
        "no/such/folder: not imported: no such file or directory",
        f"* {DIR}/orders_export.csv ... OK",
        "Error: 1 file not read by any importer",
    )
    assert "SHOP-2001" in result.stdout


def test_an_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As a file without read permission (the tests may run as root, who reads all)."""
    path = tmp_path / "orders_export.csv"
    shutil.copy(f"{DIR}/orders_export.csv", path)
    real_open = builtins.open

    def refusing_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", refusing_open)
    result = run("extract", str(path))
    assert result.exit_code == 1
    assert result.stderr == lines(
        f"{path}: not imported: cannot read the file: Permission denied",
        "Error: 1 file not read by any importer",
    )


def test_an_unreadable_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As a folder without read permission: named, never a traceback."""
    locked = tmp_path / "locked"
    locked.mkdir()
    shutil.copy(f"{DIR}/orders_export.csv", locked / "orders_export.csv")
    real_scandir = os.scandir

    def refusing_scandir(path: Any = ".") -> Any:
        if str(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", refusing_scandir)
    result = run("identify", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr == lines(
        f"{locked}: not imported: cannot read the directory: Permission denied",
        "Error: 1 file not read by any importer",
    )


def test_binary_files(tmp_path: Path) -> None:
    noise = tmp_path / "noise.csv"
    noise.write_bytes(bytes(range(256)) * 8)
    zeros = tmp_path / "zeros.csv"
    zeros.write_bytes(b"\x00" * 1000)
    result = run("extract", str(noise), str(zeros))
    assert result.exit_code == 1
    assert result.stdout == ""
    messages = result.stderr.splitlines()
    assert messages[0].startswith(
        f"{noise}: not imported: the file is not UTF-8 text (byte 0x80 at line 2)"
    )
    assert messages[1].startswith(f"{zeros}: not imported: ")
    assert messages[2:] == ["Error: 2 files not read by any importer"]


def far_latin1(tmp_path: Path) -> Path:
    """A good export with a latin-1 é after its first 64 KiB, on line 4."""
    text = (ROOT / DIR / "orders_export.csv").read_bytes()
    last = text.rstrip(b"\n").split(b"\n")[-1]
    note = b'"' + b"x" * 70_000 + "é".encode("latin-1") + b'"'
    row = last.replace(b"#2002", b"#2003").replace(b",,,", b"," + note + b",,", 1)
    path = tmp_path / "orders_export.csv"
    path.write_bytes(text + row + b"\n")
    return path


def test_not_utf8_after_the_first_64_kib(tmp_path: Path) -> None:
    """identify reads the head of a file; extract reports the rest as FILE:1."""
    path = far_latin1(tmp_path)
    result = run("identify", str(path))
    assert result.exit_code == 0
    result = run("extract", str(path))
    assert result.exit_code == 1
    assert "custom" not in result.stdout
    messages = result.stderr.splitlines()
    assert messages[0] == f"* {path} ... OK"
    assert messages[1].startswith(f"{path}:1: the file is not UTF-8 text (byte 0x")
    assert messages[1].endswith(
        "): export it again as UTF-8, or convert it, e.g. iconv -f latin1 -t utf-8 "
        "orders_export.csv > utf8-orders_export.csv"
    )
    assert messages[2:] == ["Error: 1 row not imported"]


def test_not_utf8_names_the_byte_after_the_first_chunk(tmp_path: Path) -> None:
    path = far_latin1(tmp_path)
    result = run("extract", str(path))
    assert result.stderr.splitlines()[1].startswith(
        f"{path}:1: the file is not UTF-8 text (byte 0xe9 at line 4): "
    )


def test_a_file_too_large_for_beangulp(tmp_path: Path) -> None:
    """Real shops' exports pass beangulp's 8 MiB limit: ours is 1 GiB."""
    import beangulp.identify

    assert beangulp.identify.FILE_TOO_LARGE_THRESHOLD == 1 << 30
    path = tmp_path / "orders_export.csv"
    shutil.copy(f"{DIR}/orders_export.csv", path)
    os.truncate(path, (1 << 30) + 1)  # sparse: takes no room
    result = run("identify", str(path))
    assert result.exit_code == 1
    assert result.stderr == lines(
        f"{path}: not imported: the file is larger than 1024 MiB, which beangulp does "
        "not read",
        "Error: 1 file not read by any importer",
    )


def test_archive_says_why_too(tmp_path: Path) -> None:
    result = run(
        "archive", "-n", "-o", str(tmp_path), f"{DIR}/empty.csv", f"{DIR}/orders_export.csv"
    )
    assert result.exit_code == 1
    assert result.stderr == lines(
        f"{DIR}/empty.csv: not imported: the file is empty",
        f"* {DIR}/orders_export.csv ... OK",
        f"  {tmp_path}/Assets/Receivable/2024-04-03.shopify-orders.csv",
        "Error: 1 file not read by any importer",
    )
    assert result.stdout == ""
    assert (ROOT / DIR / "orders_export.csv").exists()  # -n: nothing moved


# -- python -m beancount_orders.importers.NAME ---------------------------------------


def module(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", f"beancount_orders.importers.{name}", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_module_extract_prints_row_errors() -> None:
    result = module("shopify", "extract", f"{DIR}/orders_truncated.csv")
    assert result.returncode == 1
    assert result.stderr == lines(
        f"* {DIR}/orders_truncated.csv ... OK", TRUNCATED, "Error: 1 row not imported"
    )
    assert 'custom "order" "SHOP-2001"' in result.stdout


def test_module_says_why_a_file_is_declined() -> None:
    result = module("stripe", "extract", f"{DIR}/orders_export.csv")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == lines(
        f"{DIR}/orders_export.csv: not imported: {NOT_STRIPE}",
        "Error: 1 file not read by any importer",
    )
    result = module("shopify", "identify", f"{DIR}/balance_history.csv")
    assert result.returncode == 1
    assert result.stderr == lines(
        f"{DIR}/balance_history.csv: not imported: {NOT_SHOPIFY}",
        "Error: 1 file not read by any importer",
    )
    result = module("shopify", "identify", f"{DIR}/orders_latin1.csv")
    assert result.returncode == 1
    assert f"{DIR}/orders_latin1.csv: not imported: {LATIN1}\n" in result.stderr


def test_module_good_file() -> None:
    result = module("shopify", "extract", f"{DIR}/orders_export.csv")
    assert result.returncode == 0, result.stderr
    assert result.stderr == lines(f"* {DIR}/orders_export.csv ... OK")
    assert 'custom "order" "SHOP-2001"' in result.stdout


def test_module_warnings_do_not_fail(tmp_path: Path) -> None:
    """Alone, without the orders in the books, the Stripe charge is booked without
    its order: warnings, exit status 0."""
    result = module("stripe", "extract", f"{DIR}/balance_history.csv")
    assert result.returncode == 0, result.stderr
    assert (
        f"{DIR}/balance_history.csv:2: warning: txn_3PwrenChargeExample2001 (charge): "
        'the Description "Order #2001" names order SHOP-2001, which the books do not '
        "have: booked as a charge without an order"
    ) in result.stderr


def test_archive_files_under_the_current_directory_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """beangulp's default is the running script's directory (inside the venv)."""
    monkeypatch.chdir(tmp_path)
    source = tmp_path / "orders_export.csv"
    shutil.copy(ROOT / DIR / "orders_export.csv", source)
    result = run("archive", "-n", str(source))
    assert result.exit_code == 0, result.stderr
    assert f"  {tmp_path}/Assets/Receivable/2024-04-03.shopify-orders.csv" in result.stderr
