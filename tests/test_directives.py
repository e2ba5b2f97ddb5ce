"""Reading directives into their typed argument records, from the registry.

``beancount_orders.book.directives.parse`` reads a ``custom`` entry against its
registry record (:mod:`beancount_orders.book.registry`): the values in their
positions become the directive's argument record (``LineArgs(order, item, qty,
price)`` ...), or the problem is worded with the directive's usage. Hypothesis
draws values of every kind in every position of every directive.
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
from beancount_orders.book.directives import InvoiceArgs
from beancount_orders.book.directives import LineArgs
from beancount_orders.book.directives import Method
from beancount_orders.book.directives import Money
from beancount_orders.book.registry import REGISTRY


def parse_one(text: str) -> data.Custom:
    entries, errors, _ = parser.parse_string(text)
    assert not errors, errors
    (entry,) = entries
    assert isinstance(entry, data.Custom)
    return entry


def parse(entry: data.Custom) -> tuple[directives.Directive[Any] | None, str | None]:
    return directives.parse(entry, REGISTRY[entry.type])


def test_a_line_reads_into_its_record() -> None:
    entry = parse_one('2024-01-02 custom "line" "SO-1" "WIDGET" 2 25.00 GBP\n')
    directive, problem = parse(entry)
    assert problem is None and directive is not None
    assert directive.args == LineArgs(
        "SO-1", "WIDGET", Decimal("2"), Money(Decimal("25.00"), "GBP")
    )
    assert directive.args.price.number == Decimal("25.00")
    assert str(directive.args.price) == "25.00 GBP"
    assert directive.date == datetime.date(2024, 1, 2)
    assert directive.meta is entry.meta


def test_an_invoice_reads_its_pairs() -> None:
    entry = parse_one('2024-01-02 custom "invoice" "SO-1" "INV-1" "WIDGET" 2 "GADGET" 1\n')
    directive, problem = parse(entry)
    assert problem is None and directive is not None
    assert directive.args == InvoiceArgs(
        "SO-1", "INV-1", (("WIDGET", Decimal("2")), ("GADGET", Decimal("1")))
    )


def test_a_payment_reads_an_account_method() -> None:
    entry = parse_one('2024-01-02 custom "payment" "SO-1" 10.00 GBP Assets:Bank\n')
    directive, problem = parse(entry)
    assert problem is None and directive is not None
    assert directive.args.method == Method("account", "Assets:Bank")
    entry = parse_one('2024-01-02 custom "payment" "SO-1" 10.00 GBP "card"\n')
    directive, _ = parse(entry)
    assert directive is not None and directive.args.method == Method("method", "card")


def test_a_bad_value_is_worded_with_the_usage() -> None:
    entry = parse_one('2024-01-02 custom "line" "SO-1" "widget" 2 25.00 GBP\n')
    assert parse(entry) == (
        None,
        'Invalid "line" ORDER ITEM QTY PRICE: ITEM "widget" is not a valid commodity '
        "name (capital letters, digits and ' . _ -, starting with a letter)",
    )
    entry = parse_one('2024-01-02 custom "dispatch" "SO-1" "WIDGET"\n')
    assert parse(entry) == (
        None,
        'Invalid "dispatch" ORDER (ITEM QTY)...: (ITEM QTY) values must come in pairs, '
        "got 1",
    )
    entry = parse_one('2024-01-02 custom "credit-order" "CO-1"\n')
    assert parse(entry) == (
        None,
        'Invalid "credit-order" CO INVOICE: expected 2 values, got 1',
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

# One valid directive of each type, in the order of its values.
EXAMPLES: dict[str, list[Any]] = {
    "company": ["Kiln & Co"],
    "customer": ["acme", "Acme Ltd"],
    "order": ["SO-1", "acme"],
    "line": ["SO-1", "WIDGET", (Decimal(2), Decimal), Amount(Decimal("25.00"), "GBP")],
    "commit": ["SO-1"],
    "cancel": ["SO-1", "WIDGET", (Decimal(1), Decimal)],
    "invoice": ["SO-1", "INV-1", "WIDGET", (Decimal(1), Decimal)],
    "dispatch": ["SO-1", "GADGET", (Decimal("0.5"), Decimal)],
    "payment": ["INV-1", Amount(Decimal("10.00"), "GBP"), "card"],
    "redeem": ["SO-1", Amount(Decimal(100), "PKLP")],
    "credit": ["CR-1", "acme", Amount(Decimal("5.00"), "GBP")],
    "refund": ["acme", Amount(Decimal("5.00"), "GBP"), ("Assets:Bank", account_lib.TYPE)],
    "return": ["RET-1", "SO-1", "WIDGET", (Decimal(1), Decimal)],
    "credit-order": ["CO-1", "INV-1"],
    "credit-line": [
        "CO-1",
        "WIDGET",
        "return",
        (Decimal(1), Decimal),
        Amount(Decimal(5), "GBP"),
    ],
    "credit-memo": ["CM-1", "acme", Amount(Decimal("5.00"), "GBP")],
    "allocate": ["PAY-1", "INV-1", Amount(Decimal("5.00"), "GBP")],
    "void": ["INV-1"],
    "loyalty-program": ["PKLP"],
    "loyalty-adjust": ["acme", Amount(Decimal(10), "PKLP")],
    "stock-in": ["PO-1", "WIDGET", (Decimal(10), Decimal), Amount(Decimal("4.00"), "GBP")],
    "transfer": ["WIDGET", (Decimal(2), Decimal), "Main", "Shop"],
    "supplier": ["kiln", "Kiln & Co"],
    "purchase-order": ["PO-7", "kiln"],
    "po-line": ["PO-7", "WIDGET", (Decimal(10), Decimal), Amount(Decimal("4.00"), "GBP")],
    "receipt": ["PO-7", "GRN-1", "WIDGET", (Decimal(4), Decimal)],
    "bill": [
        "PO-7",
        "BILL-1",
        "WIDGET",
        (Decimal(4), Decimal),
        Amount(Decimal("4.25"), "GBP"),
    ],
    "landed-cost": ["PO-7", "LC-1", Amount(Decimal("12.00"), "GBP")],
    "bill-payment": [
        "BILL-1",
        Amount(Decimal("20.40"), "GBP"),
        ("Assets:Bank", account_lib.TYPE),
    ],
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


def well_typed(spec_name: str, args: tuple[Any, ...]) -> bool:
    """Whether every field of a record holds what its kind promises."""
    spec = REGISTRY[spec_name]
    kinds = [kind for _, kind in spec.values]
    for kind, value in zip(kinds, args, strict=True):
        if kind in ("doc", "ref", "text", "item"):
            ok = isinstance(value, str) and bool(value.strip())
            if kind == "doc":
                ok = ok and bool(directives.ID_RE.match(value))
            if kind == "item":
                ok = ok and bool(directives.ITEM_RE.match(value))
        elif kind == "qty":
            ok = isinstance(value, Decimal) and value > 0
        elif kind == "amount":
            ok = isinstance(value, Money) and isinstance(value.number, Decimal)
        elif kind == "method":
            ok = isinstance(value, Method)
        elif kind == "triples":
            ok = all(
                isinstance(each.qty, Decimal)
                and each.qty > 0
                and directives.ITEM_RE.match(each.item)
                and isinstance(each.price, Money)
                for each in value
            )
        else:  # pairs
            ok = all(
                isinstance(qty, Decimal) and qty > 0 and directives.ITEM_RE.match(item)
                for item, qty in value
            )
        if not ok:
            return False
    return True


def check(dtype: str, values: list[Any]) -> None:
    """A record whose fields hold what their kinds promise, or a worded problem."""
    spec = REGISTRY[dtype]
    directive, problem = parse(custom(dtype, values))
    if directive is None:
        assert problem is not None
        assert problem.startswith(f"Invalid {spec.usage}: "), problem
    else:
        assert problem is None
        assert isinstance(directive.args, spec.args)  # type: ignore[arg-type]
        assert well_typed(dtype, directive.args), (values, directive.args)


def test_every_value_in_every_position() -> None:
    """Each position of each directive's example, replaced by every other value."""
    assert set(EXAMPLES) == set(REGISTRY)
    cases = 0
    for dtype, example in EXAMPLES.items():
        directive, problem = parse(custom(dtype, example))
        assert problem is None and directive is not None, (dtype, problem)
        for position in range(len(example) + 1):
            for value in OTHER_VALUES:
                replaced = [*example[:position], value, *example[position + 1 :]]
                inserted = [*example[:position], value, *example[position:]]
                dropped = example[:position] + example[position + 1 :]
                for values in (replaced, inserted, dropped):
                    check(dtype, values)
                    cases += 1
    assert cases == 3 * len(OTHER_VALUES) * sum(len(v) + 1 for v in EXAMPLES.values())


# Valid values of the positions of the common directives.
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
@given(data_=st.data(), dtype=st.sampled_from(sorted(TEMPLATES)))
def test_drawn_values_give_a_record_or_a_worded_problem(
    data_: st.DataObject, dtype: str
) -> None:
    check(dtype, data_.draw(custom_values(dtype)))
