"""Robustness: malformed directives never break the books around them.

Hypothesis draws a valid ledger (a random order history, written by the
builder of tests/test_properties.py) and a few malformed directives (wrong
arity, wrong value types, bad document ids, unknown references, dates before
the customer exists, zero or negative quantities and amounts, metadata of the
wrong type, misspelt directive types, broken period locks, duplicate ids, a
bare word that Beancount's parser rejects), and inserts them between the
ledger's entries. Then:

* loading never raises, and no error is an internal one;
* every malformed directive yields at least one error at its own line, saying
  what is wrong;
* the malformed directives change nothing else: the generated entries are
  exactly those of the valid ledger alone, and its errors (the ones the
  history predicts, such as a dispatch of more than is on hand) stay, each at
  its own (moved) line.
"""

from __future__ import annotations

import dataclasses
import datetime
import gc
import os
import random
import re
from collections import Counter
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from beancount_orders.book.render import format_entries
from tests.helpers import Loaded
from tests.helpers import load
from tests.test_properties import START
from tests.test_properties import Builder
from tests.test_properties import actions
from tests.test_properties import random_history

EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "500"))


@dataclasses.dataclass
class Context:
    """What the malformed directives may refer to."""

    orders: list[str]
    invoices: list[str]
    end: datetime.date

    def order(self, pick: int) -> str:
        return self.orders[pick % len(self.orders)] if self.orders else "SO-NONE"

    def invoice(self, pick: int) -> str:
        return self.invoices[pick % len(self.invoices)] if self.invoices else "INV-NONE"

    def existing(self, pick: int, ids: list[str]) -> str:
        """An id in use, or (none in use) one that is no id at all."""
        return ids[pick % len(ids)] if ids else "#none"

    def date(self, pick: int) -> datetime.date:
        """Any day from the day the books start to the day after they end."""
        days = (self.end - START).days + 2
        return START + datetime.timedelta(days=pick % days)


# A malformed directive: (context, serial, pick) -> its lines and a pattern one of
# the errors at its first line must match.
Template = Callable[[Context, int, int], tuple[list[str], str]]


def arity(kind: str, values: str, expected: int, got: int) -> Template:
    def template(ctx: Context, n: int, pick: int) -> tuple[list[str], str]:
        text = values.format(order=ctx.order(pick), invoice=ctx.invoice(pick), n=n)
        return (
            [f'{ctx.date(pick)} custom "{kind}" {text}'.rstrip()],
            rf'^Invalid "{kind}" .*: expected {expected} values?, got {got}$',
        )

    return template


def plain(values: str, pattern: str, *meta: str, date: str | None = None) -> Template:
    """A directive written as ``values`` (after the date), its metadata lines."""

    def template(ctx: Context, n: int, pick: int) -> tuple[list[str], str]:
        fields = {
            "order": ctx.order(pick),
            "invoice": ctx.invoice(pick),
            "used_order": ctx.existing(pick, ctx.orders),
            "used_invoice": ctx.existing(pick, ctx.invoices),
            "n": n,
        }
        day = date or str(ctx.date(pick))
        return (
            [f"{day} {values.format(**fields)}", *(f"  {m}" for m in meta)],
            pattern.format(**{k: re.escape(str(v)) for k, v in fields.items()}),
        )

    return template


AFTER = "{end}"  # dated after the books end: a duplicate must not be the first

TEMPLATES: dict[str, Template] = {
    # wrong arity
    "invoice without its id": arity("invoice", '"{order}"', 2, 1),
    "payment with a value too many": arity(
        "payment", '"{order}" 10.00 GBP "card" "extra"', 3, 4
    ),
    "customer without a name": arity("customer", '"zz{n}"', 2, 1),
    "line without its price": arity("line", '"{order}" "WIDGET" 2', 4, 3),
    "stock-in with one value": arity("stock-in", '"XPO-{n}"', 4, 1),
    "dispatch with half a pair": plain(
        'custom "dispatch" "{order}" "WIDGET"',
        r"^Invalid \"dispatch\" .*must come in pairs",
    ),
    # wrong types
    "number as an item": plain(
        'custom "line" "{order}" 5 2 10.00 GBP',
        r'^Invalid "line" .*ITEM must be a commodity',
    ),
    "string as an amount": plain(
        'custom "payment" "{order}" "ten" "card"', r'^Invalid "payment" .*AMOUNT must be an'
    ),
    "number as an order id": plain(
        'custom "order" 123 "c1"', r'^Invalid "order" .*ORDER must be a string'
    ),
    "boolean as an order id": plain(
        'custom "order" TRUE "c1"', r'^Invalid "order" .*got a boolean TRUE'
    ),
    "account as a customer id": plain(
        'custom "customer" Assets:Bank:Current "x"', r'^Invalid "customer" .*got an account'
    ),
    "date as a quantity": plain(
        'custom "line" "{order}" "WIDGET" 2024-01-01 1.00 GBP',
        r'^Invalid "line" .*QTY must be a number, got a date',
    ),
    "string as a cost": plain(
        'custom "stock-in" "XPO-{n}" "WIDGET" 2 "cheap"',
        r'^Invalid "stock-in" .*COST must be',
    ),
    "number as points": plain(
        'custom "redeem" "{order}" 10', r'^Invalid "redeem" .*POINTS must be an amount'
    ),
    "lower-case item": plain(
        'custom "dispatch" "{order}" "widget" 1',
        r'^Invalid "dispatch" .*not a valid commodity',
    ),
    "bare word (a parser error)": plain(
        'custom "line" "{order}" WIDGET 2 10.00 GBP', r"^syntax error"
    ),
    # bad ids
    "order id with a space": plain(
        'custom "order" "#1 x{n}" "c1"', r'^Invalid "order" .*cannot be a Beancount link'
    ),
    "invoice id with a space": plain(
        'custom "invoice" "{order}" "INV {n}"',
        r'^Invalid "invoice" .*cannot be a Beancount',
    ),
    "empty customer id": plain(
        'custom "credit" "XCR-{n}" " " 5.00 GBP', r'^Invalid "credit" .*must not be empty'
    ),
    "payment id of the wrong kind": plain(
        'custom "payment" "{order}" 1.00 GBP "card"',
        r"^Payment on (.*: id must be a document id|unknown"
        r"|.* is written on .*, after this payment)",
        'id: "#{n} x"',
    ),
    "duplicate order id": plain(
        'custom "order" "{used_order}" "c2"',
        r"^(Duplicate document id|Invalid)",
        date=AFTER,
    ),
    "credit reusing an invoice id": plain(
        'custom "credit" "{used_invoice}" "c1" 1.00 GBP',
        r"^(Duplicate document id|Invalid)",
        date=AFTER,
    ),
    # unknown references
    "invoice of an unknown order": plain(
        'custom "invoice" "NOPE-{n}" "XINV-{n}"', r'^Unknown order "NOPE-{n}"'
    ),
    "payment on an unknown reference": plain(
        'custom "payment" "NOPE-{n}" 1.00 GBP "card"', r"^Payment on unknown order, invoice"
    ),
    "credit order of an unknown invoice": plain(
        'custom "credit-order" "XCO-{n}" "NOPE-{n}"', r"^Credit order .*unknown invoice"
    ),
    "credit line of an unknown credit order": plain(
        'custom "credit-line" "NOPE-{n}" "WIDGET" "credit" 1 1.00 GBP',
        r'^Credit line for unknown credit order "NOPE-{n}"',
    ),
    "allocation of an unknown payment": plain(
        'custom "allocate" "NOPE-{n}" "{invoice}" 1.00 GBP', r"^Allocation of .*unknown"
    ),
    "credit to an unknown customer": plain(
        'custom "credit" "XCR-{n}" "nobody" 5.00 GBP', r'^Unknown customer "nobody"'
    ),
    "adjustment in an unknown program": plain(
        'custom "loyalty-adjust" "c1" 5 NOPE',
        r"^Loyalty adjustment .*not a loyalty program",
    ),
    "transfer between one location": plain(
        'custom "transfer" "WIDGET" 1 "Main" "Main"', r"^Transfer .*: both locations are"
    ),
    # dates before the customer (or the order) exists
    "order before its customer": plain(
        'custom "order" "XSO-{n}" "c1"', r'^Unknown customer "c1"', date="2023-12-31"
    ),
    "payment before its customer": plain(
        'custom "payment" "c2" 5.00 GBP "card"',
        r'^Payment on "c2": customer "c2" is written on',
        date="2023-12-31",
    ),
    "invoice before its order": plain(
        'custom "invoice" "{order}" "XINV-{n}"', r"^Unknown order", date="2023-12-30"
    ),
    # zero and negative quantities and amounts
    "zero quantity": plain(
        'custom "line" "{order}" "WIDGET" 0 1.00 GBP',
        r"^Invalid .*must be greater than zero",
    ),
    "negative stock-in": plain(
        'custom "stock-in" "XPO-{n}" "WIDGET" -3 1.00 GBP', r"^Invalid .*greater than zero"
    ),
    "negative payment": plain(
        'custom "payment" "{order}" -5.00 GBP "card"', r"^Payment on .*greater than zero"
    ),
    "zero points": plain(
        'custom "loyalty-adjust" "c1" 0 PKLP', r"^Loyalty adjustment .*must not be zero"
    ),
    "zero dispatch pair": plain(
        'custom "dispatch" "{order}" "WIDGET" 0', r"^Invalid .*must be greater than zero"
    ),
    "huge transfer": plain(
        'custom "transfer" "GIZMO" 100000 "Shop" "Main"', r"^Transfer .*not enough GIZMO"
    ),
    "huge refund": plain(
        'custom "refund" "c3" 100000.00 GBP "card"', r"^Refund .*exceeds the credit balance"
    ),
    "huge invoice": plain(
        'custom "invoice" "{order}" "XINV-{n}" "WIDGET" 1000',
        r"^(Cannot invoice 1000 WIDGET|Item WIDGET is not on|Unknown order)",
    ),
    "huge return": plain(
        'custom "return" "XR-{n}" "{order}" "GIZMO" 100000',
        r"^(Return .*(cannot come back|no GIZMO was dispatched)|Unknown order)",
    ),
    # metadata of the wrong type
    "terms as a string": plain(
        'custom "order" "XSO-{n}" "c1"',
        r"^(Order .*terms must be a whole|Unknown customer)",
        'terms: "thirty"',
    ),
    "due as a string": plain(
        'custom "invoice" "{order}" "XINV-{n}"',
        r"^(Invoice .*due must be a date|Nothing left to invoice|Unknown order)",
        'due: "tomorrow"',
    ),
    "supplier as a number": plain(
        'custom "stock-in" "XPO-{n}" "WIDGET" 2 1.00 GBP',
        r"^Stock-in .*supplier must be",
        "supplier: 5",
    ),
    "tax as a string": plain(
        'custom "line" "{order}" "GADGET" 1 1.00 GBP',
        r"^(Order .*tax must be|Unknown order)",
        'tax: "high"',
    ),
    "credit limit as a number": plain(
        'custom "customer" "zz{n}" "Zed"',
        r"^Customer .*credit-limit must be an amount",
        "credit-limit: 5",
    ),
    "credit order status unknown": plain(
        'custom "credit-order" "XCO-{n}" "{invoice}"',
        r"^Credit order .*(status must be|unknown invoice)",
        'status: "MAYBE"',
    ),
    "program value as a string": plain(
        'custom "loyalty-program" "XPTS"',
        r"^Loyalty program XPTS: value must be an amount",
        'value: "lots"',
    ),
    "batch as a number": plain(
        'custom "dispatch" "{order}"',
        r"^(Dispatch .*batch must be|Unknown order)",
        "batch: 5",
    ),
    # misspelt types and broken locks
    "misspelt directive": plain(
        'custom "invoise" "{order}" "XINV-{n}"',
        r'^Unknown directive "invoise": did you mean',
    ),
    "period lock without a date": plain(
        'custom "period-lock" "yesterday"', r'^Invalid "period-lock"'
    ),
    "period lock without digests": plain(
        'custom "period-lock" 2024-01-31', r'^Invalid "period-lock"'
    ),
}
NAMES = sorted(TEMPLATES)


def insert(
    text: str, ctx: Context, chosen: list[tuple[int, int, int]]
) -> tuple[str, list[tuple[int, str, str]], dict[int, int]]:
    """Insert malformed directives before entries of ``text`` (never inside one).

    Returns the new text; (line, pattern, name) of each malformed directive; and
    where each old line went.
    """
    old = text.splitlines()
    starts = [i for i, line in enumerate(old) if i >= 2 and line[:1].isdigit()]
    starts.append(len(old))
    before: dict[int, list[tuple[list[str], str, str]]] = {}
    for serial, (which, position, pick) in enumerate(chosen):
        name = NAMES[which % len(NAMES)]
        lines, pattern = TEMPLATES[name](ctx, serial, pick)
        lines[0] = lines[0].replace(AFTER, str(ctx.end + datetime.timedelta(days=1)))
        before.setdefault(starts[position % len(starts)], []).append((lines, pattern, name))
    new: list[str] = []
    moved: dict[int, int] = {}
    malformed: list[tuple[int, str, str]] = []
    for index in range(len(old) + 1):
        for lines, pattern, name in before.get(index, []):
            malformed.append((len(new) + 1, pattern, name))
            new.extend(lines)
        if index < len(old):
            moved[index + 1] = len(new) + 1
            new.append(old[index])
    return "\n".join(new) + "\n", malformed, moved


def entry_texts(loaded: Loaded) -> list[str]:
    return sorted(format_entries([entry]) for entry in loaded.generated)


def check(history, chosen) -> Counter[str]:
    builder = Builder(False, None, False)
    built = builder.build(history)
    ctx = Context(
        [order.id for order in builder.orders],
        [invoice.id for invoice in builder.invoices],
        built.end,
    )
    valid = load(built.text)
    text, malformed, moved = insert(built.text, ctx, chosen)
    mixed = load(text)  # never raises
    assert not [m for _, m in mixed.messages if "Internal error" in m], mixed.messages
    errors: dict[int, list[str]] = {}
    for line, message in mixed.messages:
        errors.setdefault(line, []).append(message)
    for line, pattern, name in malformed:
        found = errors.pop(line, [])
        assert any(re.search(pattern, message) for message in found), (
            f"{name} at line {line}: expected an error matching {pattern!r}, got {found}"
            f"\n{text.splitlines()[line - 1]}"
        )
    # The valid ledger's own errors stay, each at its moved line; nothing else.
    expected = sorted((moved[line], message) for line, message in valid.messages)
    left = sorted((line, m) for line, messages in errors.items() for m in messages)
    assert left == expected, "the malformed directives changed the other errors"
    assert entry_texts(mixed) == entry_texts(valid), (
        "the malformed directives changed the generated entries"
    )
    return Counter(name for _, _, name in malformed)


malformed_directives = st.lists(
    st.tuples(st.integers(0, len(NAMES) - 1), st.integers(0, 10**6), st.integers(0, 10**6)),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(history=st.lists(actions, min_size=5, max_size=25), chosen=malformed_directives)
def test_malformed_directives_are_reported_and_change_nothing_else(history, chosen):
    check(history, chosen)


@pytest.mark.parametrize("name", NAMES)
def test_each_malformed_directive(name):
    """Each kind of malformed directive, a few times, in one rich ledger."""
    rng = random.Random(name)
    which = NAMES.index(name)
    chosen = [(which, rng.randint(0, 10**6), rng.randint(0, 10**6)) for _ in range(3)]
    assert check(random_history(random.Random(5), 40), chosen)[name] == 3


@pytest.mark.xfail(
    reason="LIMITATION of Beancount 3.2.3's parser, not of the plugin: an impossible "
    "date (2024-02-30) is reported, but the directive written just before it is "
    "dropped without any error",
    strict=True,
)
def test_an_impossible_date_loses_nothing_else():
    loaded = load(
        """
        plugin "beancount_orders.orders"
        2024-01-01 custom "customer" "c1" "C1"
        2024-01-02 custom "order" "SO-1" "c1"
        2024-01-02 custom "line" "SO-1" "WIDGET" 2 10.00 GBP
        2024-01-04 custom "invoice" "SO-1" "INV-1"
        2024-02-30 custom "payment" "SO-1" 1.00 GBP "card"
        """
    )
    assert [line for line, _ in loaded.messages] == [7]
    assert "INV-1" in loaded.book.invoices


def test_a_directive_without_values_gives_one_error_at_its_line():
    loaded = load(
        """
        plugin "beancount_orders.orders"
        2024-01-01 custom "stock-in"
        """
    )
    assert loaded.messages == [
        (3, 'Invalid "stock-in" PO ITEM QTY COST: expected 4 values, got 0')
    ]


def test_loading_again_and_again_leaks_nothing():
    text = Builder(False, None, False).build(random_history(random.Random(16), 40)).text
    load(text)
    frozen_once = gc.get_freeze_count()
    gc.unfreeze()
    gc.collect()
    before = len(gc.get_objects())
    for _ in range(10):
        load(text)
    # A load leaves what it made frozen (out of the collections Beancount's
    # later steps trigger) and the next load thaws it: however many loads, no
    # more than one load's objects are ever frozen.
    assert 0 < gc.get_freeze_count() <= frozen_once + 1000
    # Thawed, what the loads left behind is collected (the last book is kept
    # for the CLI and Fava).
    gc.unfreeze()
    gc.collect()
    assert len(gc.get_objects()) - before < 1000
