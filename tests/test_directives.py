"""Reading directives: the fast paths agree with the general check.

``beancount_orders.book.directives.parse`` reads the common directives (order, line,
invoice, dispatch, payment) through inline fast paths and everything else, and
anything a fast path does not accept, through the general check that words the
problem. Hypothesis draws values of every kind in every position and holds the
two to the same answer.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from beancount.core import account as account_lib
from beancount.core import data
from beancount.core.amount import Amount
from beancount.parser import grammar
from beancount.parser import parser
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from beancount_orders.book import directives

FAST_TYPES = ("order", "line", "invoice", "dispatch", "payment")


def parse_one(text: str) -> data.Custom:
    entries, errors, _ = parser.parse_string(text)
    assert not errors, errors
    (entry,) = entries
    assert isinstance(entry, data.Custom)
    return entry


def test_fast_line_reads_every_value() -> None:
    entry = parse_one('2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP\n')
    directive, problem = directives.parse(entry)
    assert problem is None and directive is not None
    assert directive.args == {
        "ORDER": "SO-1",
        "ITEM": "WIDGET",
        "QTY": Decimal("2"),
        "PRICE": Amount(Decimal("25.00"), "GBP"),
    }
    assert directive.pairs == ()
    assert directive.date == datetime.date(2024, 1, 2)
    assert directive.meta is entry.meta


def test_fast_invoice_reads_pairs() -> None:
    entry = parse_one('2024-01-02 custom "invoice" "SO-1" "INV-1" "WIDGET" 2 "GADGET" 1\n')
    directive, problem = directives.parse(entry)
    assert problem is None and directive is not None
    assert directive.args == {"ORDER": "SO-1", "INVOICE": "INV-1"}
    assert directive.pairs == (("WIDGET", Decimal("2")), ("GADGET", Decimal("1")))


def test_fast_payment_reads_an_account_method() -> None:
    entry = parse_one('2024-01-02 custom "payment" "SO-1" 10.00 GBP Assets:Bank\n')
    directive, problem = directives.parse(entry)
    assert problem is None and directive is not None
    assert directive.args["METHOD"] == ("account", "Assets:Bank")


def test_a_rejected_fast_path_words_the_problem() -> None:
    entry = parse_one('2024-01-02 custom "line" "SO-1" "widget" 2 25.00 GBP\n')
    assert directives.parse(entry) == (
        None,
        'Invalid "line" ORDER ITEM QTY PRICE: ITEM "widget" is not a valid commodity '
        "name (capital letters, digits and ' . _ -, starting with a letter)",
    )
    entry = parse_one('2024-01-02 custom "dispatch" "SO-1" "WIDGET"\n')
    assert directives.parse(entry) == (
        None,
        'Invalid "dispatch" ORDER (ITEM QTY)...: (ITEM QTY) values must come in pairs, '
        "got 1",
    )


# Values of every kind a directive can hold, valid and not.
VALUES = st.one_of(
    st.sampled_from(["SO-1", "INV/2", "WIDGET", "X"]),
    st.builds(str, st.text(max_size=6)),
    st.decimals(min_value=-5, max_value=5, places=2).map(lambda n: (n, Decimal)),
    st.sampled_from([True, False]).map(lambda b: (b, bool)),
    st.builds(Amount, st.decimals(min_value=-5, max_value=5, places=2), st.just("GBP")),
    st.just(("Assets:Bank", account_lib.TYPE)),
    st.just((datetime.date(2024, 1, 1), datetime.date)),
)


def value_type(value: Any) -> grammar.ValueType:
    if isinstance(value, tuple) and not isinstance(value, Amount):
        return grammar.ValueType(*value)
    return grammar.ValueType(value, type(value))


# Values that are nearly right: blank or badly formed strings, quantities that
# are not positive, an amount without its number.
NEAR_MISS_VALUES: list[Any] = [
    "",
    "  ",
    "a b",
    "SO 1",
    "lower",
    "A" * 30,
    "WIDGET-",
    (Decimal(0), Decimal),
    (Decimal(-1), Decimal),
    Amount(None, "GBP"),  # type: ignore[arg-type]
]
NEAR_MISSES = st.sampled_from(NEAR_MISS_VALUES)

# One valid directive of each fast type.
EXAMPLES: dict[str, list[Any]] = {
    "order": ["SO-1", "acme"],
    "line": ["SO-1", "WIDGET", (Decimal(2), Decimal), Amount(Decimal("25.00"), "GBP")],
    "invoice": ["SO-1", "INV-1", "WIDGET", (Decimal(1), Decimal)],
    "dispatch": ["SO-1", "GADGET", (Decimal("0.5"), Decimal)],
    "payment": ["INV-1", Amount(Decimal("10.00"), "GBP"), "card"],
}
OTHER_VALUES = [
    *NEAR_MISS_VALUES,
    "INV-1",
    (Decimal(3), Decimal),
    (True, bool),
    Amount(Decimal(-1), "GBP"),
    ("Assets:Bank", account_lib.TYPE),
    (datetime.date(2024, 1, 1), datetime.date),
]


def custom(dtype: str, values: list[Any]) -> data.Custom:
    return data.Custom(
        data.new_metadata("books.beancount", 7),
        datetime.date(2024, 1, 2),
        dtype,
        [value_type(value) for value in values],
    )


def test_every_value_in_every_position_agrees() -> None:
    """Each position of each fast type's example, replaced by every other value."""
    cases = 0
    for dtype, example in EXAMPLES.items():
        assert directives.parse(custom(dtype, example))[0] is not None
        for position in range(len(example) + 1):
            for value in OTHER_VALUES:
                replaced = [*example[:position], value, *example[position + 1 :]]
                inserted = [*example[:position], value, *example[position:]]
                dropped = example[:position] + example[position + 1 :]
                for values in (replaced, inserted, dropped):
                    entry = custom(dtype, values)
                    assert directives.parse(entry) == directives._parse(entry), values
                    cases += 1
    assert cases == 1008


# Valid values of each fast type's positions.
DOC = st.sampled_from(["SO-1", "INV/2", "a.b_c-9", "X"])
TEXT = st.sampled_from(["acme", "Acme Ltd", " x ", "SO-1"])
ITEM = st.sampled_from(["WIDGET", "X", "GADGET-2", "A'B", "Z" * 24])
QTY = st.decimals(min_value=Decimal("0.01"), max_value=99, places=2).map(
    lambda n: (n, Decimal)
)
MONEY = st.builds(Amount, st.decimals(min_value=-5, max_value=99, places=2), st.just("GBP"))
METHOD = st.one_of(TEXT, st.just(("Assets:Bank", account_lib.TYPE)))
PAIRS = st.lists(st.tuples(ITEM, QTY), max_size=3).map(
    lambda pairs: [value for pair in pairs for value in pair]
)
TEMPLATES: dict[str, st.SearchStrategy[list[Any]]] = {
    "order": st.tuples(DOC, TEXT).map(list),
    "line": st.tuples(TEXT, ITEM, QTY, MONEY).map(list),
    "invoice": st.tuples(TEXT, DOC, PAIRS).map(lambda t: [t[0], t[1], *t[2]]),
    "dispatch": st.tuples(TEXT, PAIRS).map(lambda t: [t[0], *t[1]]),
    "payment": st.tuples(TEXT, MONEY, METHOD).map(list),
}


@st.composite
def custom_values(draw: st.DrawFn, dtype: str) -> list[Any]:
    """Valid values of the type, with up to three of them replaced, dropped or added."""
    values = draw(TEMPLATES[dtype])
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 2, 3]))):
        action = draw(st.sampled_from(["replace", "drop", "add"]))
        if action == "add" or not values:
            values.insert(draw(st.integers(0, len(values))), draw(VALUES | NEAR_MISSES))
        elif action == "drop":
            del values[draw(st.integers(0, len(values) - 1))]
        else:
            values[draw(st.integers(0, len(values) - 1))] = draw(VALUES | NEAR_MISSES)
    return values


@settings(max_examples=1000, derandomize=True, deadline=None)
@given(data_=st.data(), dtype=st.sampled_from(FAST_TYPES))
def test_fast_paths_agree_with_the_general_check(data_: st.DataObject, dtype: str) -> None:
    entry = custom(dtype, data_.draw(custom_values(dtype)))
    assert directives.parse(entry) == directives._parse(entry)
