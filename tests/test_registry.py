"""The directive registry is the one place a directive is defined.

Every directive's record agrees with its argument type and its handler, the
docs' directive table is the registry's, the importers read document positions
from it, and every metadata key a handler reads is declared on a directive of
its family.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

from beancount_orders.book import registry
from beancount_orders.book.handlers import bill_payments
from beancount_orders.book.handlers import bills
from beancount_orders.book.handlers import company
from beancount_orders.book.handlers import credit_orders
from beancount_orders.book.handlers import loyalty
from beancount_orders.book.handlers import orders
from beancount_orders.book.handlers import payments
from beancount_orders.book.handlers import purchasing
from beancount_orders.book.handlers import refunds
from beancount_orders.book.handlers import stock
from beancount_orders.book.handlers import void
from beancount_orders.importers import ledger as importer_ledger

ROOT = Path(__file__).resolve().parent.parent
FAMILIES = {
    "orders": orders,
    "payments": payments,
    "refunds": refunds,
    "credit_orders": credit_orders,
    "stock": stock,
    "loyalty": loyalty,
    "void": void,
    "purchasing": purchasing,
    "bills": bills,
    "bill_payments": bill_payments,
    "company": company,
}


def test_each_record_matches_its_argument_type_and_handler() -> None:
    for spec in registry.SPECS:
        fields = spec.args._fields  # type: ignore[attr-defined]
        assert len(fields) == len(spec.values), spec.name
        if spec.handler is None:
            assert spec.name == "credit-line"
            continue
        assert FAMILIES[spec.family].__name__ == spec.handler.__module__, spec.name
        hints = inspect.get_annotations(spec.handler)
        assert spec.args.__name__ in str(hints["d"]), spec.name
        assert spec.doc and "posts" in (spec.handler.__doc__ or "").lower(), spec.name


def test_names_phases_and_documents() -> None:
    assert [spec.name for spec in registry.SPECS] == sorted(
        (spec.name for spec in registry.SPECS),
        key=lambda name: registry.REGISTRY[name].phase,
    )
    assert frozenset(registry.PHASES) == registry.DIRECTIVE_TYPES
    assert registry.PHASES["customer"] < registry.PHASES["order"] < registry.PHASES["line"]
    assert registry.PHASES["invoice"] < registry.PHASES["payment"]
    assert registry.PHASES["credit-order"] < registry.PHASES["refund"]
    for name, position in registry.DOCUMENT_POSITIONS.items():
        assert registry.REGISTRY[name].values[position][1] == "doc", name
    assert importer_ledger.DOC_POSITIONS is registry.DOCUMENT_POSITIONS


def test_the_docs_table_is_the_registry() -> None:
    text = (ROOT / "docs" / "directives.md").read_text(encoding="utf-8")
    found = re.search(
        r"<!-- directive-table: generated from the registry -->\n(.*?)"
        r"<!-- end of directive-table -->",
        text,
        re.S,
    )
    assert found is not None
    assert found.group(1) == registry.directive_table(), (
        "docs/directives.md is out of date; its table should read:\n"
        + registry.directive_table()
    )


def keys_read(module: object) -> set[str]:
    """The metadata keys a handler module reads by name."""
    tree = ast.parse(inspect.getsource(module))  # type: ignore[arg-type]
    keys = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        name = node.func.attr
        args = node.args
        if name == "get" and "meta" in ast.unparse(node.func.value) and args:
            first = args[0]
        elif name == "meta_string" and len(args) >= 2:
            first = args[1]
        elif name in ("own_id", "document_id") and ast.unparse(node.func.value) == "e":
            # a document's ``id`` metadata, read through the State
            keys.add("id")
            continue
        else:
            continue
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            keys.add(first.value)
    return keys


def test_every_key_a_handler_reads_is_declared() -> None:
    for family, module in FAMILIES.items():
        declared = set().union(
            *(spec.keys for spec in registry.SPECS if spec.family == family)
        )
        read = keys_read(module) - {"filename", "lineno"}
        assert read, family
        assert read <= declared, (family, sorted(read - declared))


def test_the_contributors_table_names_every_directive() -> None:
    text = (ROOT / "docs" / "contributing.md").read_text(encoding="utf-8")
    rows = re.findall(
        r"^\| `([a-z-]+)` \| `plugins/book/handlers/(\w+)\.py` \| (.*?) \| (.*?) \|$",
        text,
        re.M,
    )
    assert [row[0] for row in rows] == [spec.name for spec in registry.SPECS]
    for name, family, handler, tests in rows:
        spec = registry.REGISTRY[name]
        assert family == spec.family, name
        if spec.handler is not None:
            assert handler == f"`{spec.handler.__name__}`", name
        for test in re.findall(r"`(tests/[\w.]+)`", tests):
            assert f'custom "{name}"' in (ROOT / test).read_text(encoding="utf-8"), test
