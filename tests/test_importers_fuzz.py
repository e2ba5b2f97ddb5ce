"""The importers on damaged exports: every regression file with a few fields
changed at random (blanks, zeros, negative and over-precise amounts, other
statuses, impossible dates, other gateways and flags).

Whatever the changes, an import never fails inside (no "internal error"), and
what it writes loads through the plugin with zero errors, once the stock its
dispatches need is there (a changed SKU names an item nobody received: those
"not enough" errors are the books' business, not the importer's).
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pytest
from beancount import loader
from beancount.parser import printer

from beancount_orders.importers.base import OrdersImporter
from tests.test_importers import CASES
from tests.test_importers import Case
from tests.test_stripe_real import REAL

VALUES = (
    "",
    "0",
    "0.00",
    "1.00",
    "-1.00",
    "12.345",
    "99999.99",
    "abc",
    "paid",
    "refunded",
    "partially_refunded",
    "pending",
    "fulfilled",
    "true",
    "false",
    "3",
    "2025-02-31 10:00:00 -0800",
    "2019-01-10 10:00:00 -0800",
    "Gift Card + Shopify Payments",
    "gift_card",
    "Stripe",
    "adjustment",
    "charge",
    "refund",
    "Order #5005",
)
ROUNDS = 60  # per regression file


def mutated(case: Case, rng: random.Random, path: Path) -> None:
    rows = list(csv.reader(io.StringIO(case.path.read_text(encoding="utf-8-sig"))))
    width = len(rows[0])
    for _ in range(rng.randint(1, 4)):
        row = rng.randrange(1, len(rows))
        column = rng.randrange(width)
        if column < len(rows[row]):
            rows[row][column] = rng.choice(VALUES)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


@pytest.mark.parametrize("case", [*CASES, *REAL], ids=lambda case: case.document)
def test_damaged_exports_import_to_books_that_load(case: Case, tmp_path: Path) -> None:
    rng = random.Random(case.document)
    base = case.ledger_text()
    existing, errors, _ = loader.load_string(base)
    assert not errors
    path = tmp_path / case.document
    for round_ in range(ROUNDS):
        mutated(case, rng, path)
        importer: OrdersImporter = case.make()
        entries = importer.extract(str(path), existing)
        internal = [e for e in importer.errors if "internal error" in e.message]
        assert not internal, (round_, internal)
        text = base + "\n" + "\n".join(printer.format_entry(entry) for entry in entries)
        _, errors, _ = loader.load_string(text)
        problems = [
            (error.source.get("lineno"), error.message)
            for error in errors
            if "not enough" not in error.message
        ]
        assert not problems, (round_, path.read_text(encoding="utf-8"), problems)
