"""``bean-orders demo``: a generated ledger that loads with zero errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from click.testing import Result

from beancount_orders import cli


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> Result:
    result = CliRunner().invoke(cli.main, list(args), prog_name="bean-orders")
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exc_info
    )
    return result


def test_demo_of_1000_orders_loads_with_zero_errors(workdir: Path) -> None:
    result = run("demo", "books.beancount", "--orders", "1000", "--seed", "7")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    lines = (workdir / "books.beancount").read_text(encoding="utf-8").count("\n")
    # The progress bar (on stderr, which is no terminal here: its label only)
    # and the summary.
    assert result.stderr.startswith("Generating orders")
    assert result.stderr.endswith(
        f"Wrote books.beancount: 1000 orders in {lines} lines (seed 7); "
        "check it with: bean-orders check books.beancount\n"
    )
    checked = run("check", "books.beancount")
    assert checked.stdout == ""
    assert checked.stderr.startswith("books.beancount: 0 errors (1000 orders, ")
    assert checked.exit_code == 0


def test_demo_has_every_kind_of_directive(workdir: Path) -> None:
    assert run("demo", "books.beancount", "--orders", "1000").exit_code == 0
    text = (workdir / "books.beancount").read_text(encoding="utf-8")
    for kind in (
        "customer",
        "loyalty-program",
        "stock-in",
        "order",
        "line",
        "commit",
        "cancel",
        "invoice",
        "dispatch",
        "payment",
        "transfer",
        "return",
        "credit",
        "credit-order",
        "credit-line",
        "credit-memo",
        "refund",
        "redeem",
        "supplier",
        "purchase-order",
        "po-line",
        "receipt",
        "bill",
        "landed-cost",
        "bill-payment",
        "allocate",
    ):
        assert f' custom "{kind}" ' in text, kind


def test_demo_reports_run_on_it(workdir: Path) -> None:
    assert run("demo", "books.beancount", "--orders", "200").exit_code == 0
    for name in ("orders", "loyalty", "margin", "stock", "credits"):
        result = run("report", name, "--format", "json", "books.beancount")
        assert (result.exit_code, result.stderr) == (0, ""), name
    ageing = run("report", "ageing", "--as-of", "2023-06-30", "books.beancount")
    assert ageing.exit_code == 0


def test_same_seed_same_bytes_other_seed_other_bytes(workdir: Path) -> None:
    assert run("demo", "a.beancount", "--orders", "150", "--seed", "3").exit_code == 0
    assert run("demo", "b.beancount", "--orders", "150", "--seed", "3").exit_code == 0
    assert run("demo", "c.beancount", "--orders", "150", "--seed", "4").exit_code == 0
    a, b, c = ((workdir / f"{name}.beancount").read_bytes() for name in "abc")
    assert a == b
    assert a != c


def test_demo_to_stdout(workdir: Path) -> None:
    result = run("demo", "-", "--orders", "20", "--seed", "3")
    assert result.exit_code == 0
    run("demo", "file.beancount", "--orders", "20", "--seed", "3")
    assert result.stdout == (workdir / "file.beancount").read_text(encoding="utf-8")
    assert result.stderr == "Generating orders\n"


def test_demo_defaults(workdir: Path) -> None:
    result = run("demo", "books.beancount")
    assert result.exit_code == 0
    assert "1000 orders" in result.stderr
    assert "(seed 1)" in result.stderr


def test_demo_refuses_to_overwrite(workdir: Path) -> None:
    target = workdir / "books.beancount"
    target.write_text("; my books\n", encoding="utf-8")
    result = run("demo", "books.beancount", "--orders", "5")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "Error: books.beancount exists; use --force to overwrite it\n"
    assert target.read_text(encoding="utf-8") == "; my books\n"
    forced = run("demo", "books.beancount", "--orders", "5", "--force")
    assert forced.exit_code == 0
    assert target.read_text(encoding="utf-8").startswith('option "title" "Demo')
    assert [path.name for path in workdir.iterdir()] == ["books.beancount"]


def test_demo_help() -> None:
    result = run("demo", "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: bean-orders demo [OPTIONS] OUT\n")
    text = " ".join(result.stdout.split())
    assert "--orders N How many orders to generate. [default: 1000; x>=1]" in text
    assert "--seed S The random seed" in text
    assert "--force Overwrite OUT if it exists." in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "Missing argument 'OUT'."),
        (
            ["x.beancount", "--orders", "0"],
            "Invalid value for '--orders': 0 is not in the range x>=1.",
        ),
        (["x.beancount", "--orders", "many"], "'many' is not a valid integer range."),
        (
            ["x.beancount", "--seed", "1.5"],
            "Invalid value for '--seed': '1.5' is not a valid integer.",
        ),
        (["x.beancount", "--orders"], "Option '--orders' requires an argument."),
        (["x.beancount", "--bogus"], "No such option '--bogus'"),
    ],
)
def test_bad_arguments(workdir: Path, args: list[str], message: str) -> None:
    result = run("demo", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in " ".join(result.stderr.split())
    assert not (workdir / "x.beancount").exists()


def test_missing_directory(workdir: Path) -> None:
    result = run("demo", "nowhere/books.beancount", "--orders", "5")
    assert result.exit_code == 1
    assert result.stderr == "Error: No such directory: nowhere\n"


def test_out_is_a_directory(workdir: Path) -> None:
    (workdir / "books").mkdir()
    result = run("demo", "books", "--orders", "5")
    assert result.exit_code == 2
    assert "Invalid value for 'OUT': File 'books' is a directory." in result.stderr


def test_unwritable_target(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: Path, *args: object, **kwargs: object) -> int:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "write_text", refuse)
    result = run("demo", "books.beancount", "--orders", "5")
    assert result.exit_code == 1
    assert result.stderr.endswith(
        "Error: Cannot write books.beancount: Permission denied\n"
    )
    assert list(workdir.iterdir()) == []
