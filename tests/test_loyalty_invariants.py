"""Loyalty invariants on generated ledgers.

A seeded generator writes a year of trading for many customers in two loyalty
programs: orders, invoices (some in two parts), redemptions before, between and
after invoices, adjustments both ways, credit orders (partial and full),
payments, a change of rates mid-year and a ``today`` late enough that many
parcels expire. It decides every amount while walking the events in the order
the engine applies them (by date, then by document flow), keeping its own model
of each customer's parcels by the rules of SPEC "Loyalty postings", so that
every redemption and negative adjustment is within the customer's balance.

Then, on the loaded books:
- no errors;
- each program's liability account balance is minus the sum of the customers'
  points (``Book.points``), and the model agrees customer by customer (or,
  where a credit order gives back a redemption that no invoice's basis took,
  which depends on money allocations the model does not follow, holds no more);
- at every month end, the liability postings dated on or before it equal minus
  the sum of the points of the loyalty events dated on or before it, in total
  and customer by customer;
- no customer's balance is ever negative, no parcel holds negative points;
- every generated transaction balances exactly, currency by currency.
"""

from __future__ import annotations

import dataclasses
import datetime
import random
from collections import defaultdict
from decimal import ROUND_FLOOR
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import pytest
from beancount.core import data

from beancount_orders.book.registry import PHASES
from tests.helpers import Loaded
from tests.helpers import load

CENT = D("0.01")
ONE = D(1)
START = datetime.date(2024, 1, 1)
TODAY = datetime.date(2024, 12, 31)
BANK = "Assets:Bank:Current"


def money(number: D) -> D:
    return number.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclasses.dataclass
class Rates:
    earn: D
    value: D
    expiry: int


@dataclasses.dataclass
class Parcel:
    seq: int
    expires: datetime.date
    remaining: D
    points: D = D(0)
    expired: D = D(0)
    clawed: D = D(0)


@dataclasses.dataclass
class Line:
    item: str
    qty: int
    price: D
    rate: D
    invoiced: int = 0


@dataclasses.dataclass
class InvoiceLine:
    item: str
    qty: int
    price: D
    rate: D
    credited: int = 0


@dataclasses.dataclass
class Invoice:
    id: str
    program: str | None
    lines: list[InvoiceLine]
    gross: D
    earned: D = D(0)
    clawed: D = D(0)
    redeemed_points: D = D(0)
    given_back: D = D(0)
    parcel: Parcel | None = None


@dataclasses.dataclass
class Order:
    id: str
    customer: str
    program: str | None
    lines: list[Line]
    unapplied: list[list[D]] = dataclasses.field(default_factory=list)
    invoices: list[str] = dataclasses.field(default_factory=list)


def gross_of(parts: list[tuple[int, D, D]]) -> D:
    """Gross of (qty, price, tax rate) parts, rounded per line as the engine does."""
    total = D(0)
    for qty, price, rate in parts:
        value = money(qty * price)
        total += value + money(value * rate)
    return total


class Generator:
    """Writes a ledger while modelling each customer's points."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.rates = {
            "PKLP": Rates(D(1), D("0.10"), 90),
            "CLUB": Rates(D("0.5"), D("0.02"), 60),
        }
        self.customers: dict[str, str | None] = {}
        self.parcels: dict[tuple[str, str], list[Parcel]] = defaultdict(list)
        self.orders: dict[str, Order] = {}
        self.invoices: dict[str, Invoice] = {}
        self.seq = 0
        self.slots: list[tuple[datetime.date, int, int, object]] = []
        self.blocks: dict[tuple[datetime.date, int, int], list[str]] = {}
        self.counts: dict[str, int] = defaultdict(int)
        # Wallets where the model may hold fewer points than the engine: a credit
        # order met a redemption that no invoice's basis took, which the engine
        # gives back on the invoices it settled (the model does not follow the
        # money allocations that decide how much).
        self.at_least: set[tuple[str, str]] = set()

    # -- the model ----------------------------------------------------------

    def balance(self, customer: str, program: str) -> D:
        return sum((p.remaining for p in self.parcels[(customer, program)]), D(0))

    def add(self, customer: str, program: str, date: datetime.date, points: D) -> Parcel:
        self.seq += 1
        expires = date + datetime.timedelta(days=self.rates[program].expiry)
        parcel = Parcel(self.seq, expires, points, points)
        self.parcels[(customer, program)].append(parcel)
        return parcel

    def take(self, customer: str, program: str, points: D) -> None:
        for parcel in sorted(
            self.parcels[(customer, program)], key=lambda p: (p.expires, p.seq)
        ):
            used = min(points, parcel.remaining)
            parcel.remaining -= used
            points -= used
        assert points == 0, "the generator took more points than the model holds"

    def expire(self, date: datetime.date) -> None:
        for parcels in self.parcels.values():
            for parcel in parcels:
                if parcel.expires <= date and parcel.remaining > 0:
                    parcel.expired = parcel.remaining
                    parcel.remaining = D(0)
                    self.counts["expired"] += 1

    # -- scheduling ---------------------------------------------------------

    def at(self, date: datetime.date, kind: str, action: object) -> None:
        self.seq += 1
        self.slots.append((date, PHASES[kind], self.seq, action))

    def emit(self, key: tuple[datetime.date, int, int], text: str) -> None:
        self.blocks.setdefault(key, []).append(text)

    def day(self, low: int, high: int) -> datetime.date:
        return START + datetime.timedelta(days=self.rng.randint(low, high))

    def plan(self, customers: int, orders: int) -> None:
        rng = self.rng
        for number in range(customers):
            customer = f"c{number:03d}"
            self.customers[customer] = rng.choice(["PKLP", "PKLP", "CLUB", None])
        # The rates change from July 1 (earn 2, value 0.05 GBP, expiry 120 days).
        self.at(datetime.date(2024, 7, 1), "loyalty-program", self.rate_change)
        for number in range(orders):
            self.plan_order(f"SO-{number:04d}")
        for customer in self.customers:
            for _ in range(rng.randint(0, 3)):
                self.at(
                    self.day(10, 330),
                    "loyalty-adjust",
                    lambda key, c=customer: self.adjust(key, c),
                )

    def plan_order(self, order_id: str) -> None:
        rng = self.rng
        customer = rng.choice(list(self.customers))
        program = self.customers[customer]
        meta = ""
        if rng.random() < 0.15:
            program = rng.choice(["PKLP", "CLUB"])
            meta = f'\n  program: "{program}"'
        lines = [
            Line(
                f"ITEM-{'ABC'[index]}",
                rng.randint(1, 4),
                # Multiples of 0.50 GBP, so that with 20% tax every gross is a
                # multiple of 0.10 GBP and a redemption split over two invoices
                # splits into whole points (see test_loyalty.py on fractions).
                D(rng.randint(2, 180)) / 2,
                rng.choice([D(0), D("0.20")]),
            )
            for index in range(rng.randint(1, 3))
        ]
        order = Order(order_id, customer, program, lines)
        self.orders[order_id] = order
        date = self.day(5, 320)
        self.at(date, "order", lambda key: self.place(key, order, meta))
        first = date + datetime.timedelta(days=rng.randint(1, 10))
        last = first
        if len(lines) > 1 and rng.random() < 0.4:
            last = first + datetime.timedelta(days=rng.randint(0, 10))
            self.at(
                first,
                "invoice",
                lambda key: self.invoice(key, order, f"{order_id}-I1", lines[:1]),
            )
            if rng.random() < 0.5:  # between the invoices: lowers the second's basis
                self.redeem_on(order, first, last)
        if rng.random() < 0.5:  # before invoicing (or on the day, before the invoice)
            self.redeem_on(order, date, first)
        self.at(
            last,
            "invoice",
            lambda key: self.invoice(key, order, f"{order_id}-I2", None),
        )
        if rng.random() < 0.06:  # after the last invoice: no basis takes it
            self.redeem_on(
                order,
                last + datetime.timedelta(days=1),
                last + datetime.timedelta(days=5),
                within_order=False,
            )
        if rng.random() < 0.7:
            self.at(
                last + datetime.timedelta(days=rng.randint(0, 20)),
                "payment",
                lambda key: self.pay(key, order),
            )
        credit_date = last
        for number in range(rng.choice([0, 0, 1, 1, 2])):
            credit_date += datetime.timedelta(days=rng.randint(1, 60))
            self.at(
                credit_date,
                "credit-order",
                lambda key, n=number: self.credit(key, order, f"{order_id}-C{n}"),
            )

    def redeem_on(
        self,
        order: Order,
        low: datetime.date,
        high: datetime.date,
        within_order: bool = True,
    ) -> None:
        """A redemption on the order, on a day from ``low`` to ``high``; one
        ``within_order`` is worth no more than what is left to invoice."""
        days = self.rng.randint(0, (high - low).days)
        self.at(
            low + datetime.timedelta(days=days),
            "redeem",
            lambda key: self.redeem(key, order, within_order),
        )

    # -- the actions, applied in the engine's order ---------------------------

    def rate_change(self, key: tuple[datetime.date, int, int]) -> None:
        self.rates["PKLP"] = Rates(D(2), D("0.05"), 120)
        self.emit(
            key,
            f'{key[0]} custom "loyalty-program" "PKLP"\n'
            "  earn: 2\n  value: 0.05 GBP\n  expiry: 120",
        )

    def place(self, key: tuple[datetime.date, int, int], order: Order, meta: str) -> None:
        date = key[0]
        text = [f'{date} custom "order" "{order.id}" "{order.customer}"{meta}']
        for line in order.lines:
            tax = f"\n  tax: {line.rate}" if line.rate else ""
            text.append(
                f'{date} custom "line" "{order.id}" "{line.item}" {line.qty} '
                f"{line.price} GBP{tax}"
            )
        self.emit(key, "\n".join(text))

    def redeem(
        self, key: tuple[datetime.date, int, int], order: Order, within_order: bool
    ) -> None:
        if order.program is None:
            return
        held = self.balance(order.customer, order.program)
        if within_order:
            left = gross_of([(line.qty, line.price, line.rate) for line in order.lines])
            left -= sum((self.invoices[i].gross for i in order.invoices), D(0))
            left -= sum((value for _, value in order.unapplied), D(0))
            per_point = self.rates[order.program].value
            held = min(held, (left / per_point).to_integral_value(rounding=ROUND_FLOOR))
        if held < 1:
            return
        points = D(self.rng.choice([int(held), self.rng.randint(1, int(held))]))
        self.take(order.customer, order.program, points)
        value = money(points * self.rates[order.program].value)
        order.unapplied.append([points, value])
        self.counts["redeemed"] += 1
        self.emit(key, f'{key[0]} custom "redeem" "{order.id}" {points} {order.program}')

    def invoice(
        self,
        key: tuple[datetime.date, int, int],
        order: Order,
        invoice_id: str,
        only: list[Line] | None,
    ) -> None:
        chosen = [line for line in (only or order.lines) if line.qty > line.invoiced]
        pairs = "".join(f' "{line.item}" {line.qty - line.invoiced}' for line in only or [])
        lines = [
            InvoiceLine(line.item, line.qty - line.invoiced, line.price, line.rate)
            for line in chosen
        ]
        for line in chosen:
            line.invoiced = line.qty
        gross = gross_of([(line.qty, line.price, line.rate) for line in lines])
        invoice = Invoice(invoice_id, order.program, lines, gross)
        self.invoices[invoice_id] = invoice
        order.invoices.append(invoice_id)
        self.emit(key, f'{key[0]} custom "invoice" "{order.id}" "{invoice_id}"{pairs}')
        if order.program is None:
            return
        basis = gross
        for redemption in order.unapplied:
            points, value = redemption
            if value <= 0 or basis <= 0:
                continue
            used = min(value, basis)
            used_points = (
                points
                if used == value
                else min(points, (points * used / value).quantize(ONE, ROUND_HALF_UP))
            )
            invoice.redeemed_points += used_points
            redemption[0] -= used_points
            redemption[1] -= used
            basis -= used
        order.unapplied = [r for r in order.unapplied if r[1] > 0]
        earned = (basis * self.rates[order.program].earn).to_integral_value(
            rounding=ROUND_FLOOR
        )
        if earned > 0:
            invoice.earned = earned
            invoice.parcel = self.add(order.customer, order.program, key[0], earned)

    def pay(self, key: tuple[datetime.date, int, int], order: Order) -> None:
        gross = sum((self.invoices[i].gross for i in order.invoices), D(0))
        amount = money(gross * D(self.rng.randint(20, 100)) / 100)
        if amount > 0:
            self.emit(key, f'{key[0]} custom "payment" "{order.id}" {amount} GBP {BANK}')

    def credit(self, key: tuple[datetime.date, int, int], order: Order, co: str) -> None:
        rng = self.rng
        invoice = self.invoices[rng.choice(order.invoices)]
        open_lines = [line for line in invoice.lines if line.qty > line.credited]
        if not open_lines:
            return
        date = key[0]
        if rng.random() < 0.5:
            parts = [
                (line.qty - line.credited, line.price, line.rate) for line in open_lines
            ]
            for line in open_lines:
                line.credited = line.qty
            text = f'{date} custom "credit-order" "{co}" "{invoice.id}"\n  full: TRUE'
            self.counts["full credit"] += 1
        else:
            line = rng.choice(open_lines)
            qty = rng.randint(1, line.qty - line.credited)
            price = money(line.price * D(rng.choice([100, 100, 50, 10])) / 100)
            line.credited += qty
            parts = [(qty, price, line.rate)]
            text = (
                f'{date} custom "credit-order" "{co}" "{invoice.id}"\n'
                f'{date} custom "credit-line" "{co}" "{line.item}" "credit" {qty} '
                f"{price} GBP"
            )
            self.counts["partial credit"] += 1
        self.emit(key, text)
        if invoice.program is None or invoice.gross <= 0:
            return
        program = invoice.program
        if any(value > 0 for _, value in order.unapplied):
            self.at_least.add((order.customer, program))
            self.counts["unapplied at credit"] += 1
        ratio = gross_of(parts) / invoice.gross
        claw = min(
            (invoice.earned * ratio).quantize(ONE, rounding=ROUND_HALF_UP),
            invoice.earned - invoice.clawed,
        )
        back = D(0)
        if invoice.redeemed_points > 0:
            back = min(
                (invoice.redeemed_points * ratio).quantize(ONE, rounding=ROUND_HALF_UP),
                invoice.redeemed_points - invoice.given_back,
            )
        if claw > 0:
            # The invoice's own parcel first; then, for the part of it that was
            # redeemed (not expired), the customer's other points.
            parcel = invoice.parcel
            own = min(claw, parcel.remaining) if parcel else D(0)
            if own:
                parcel.remaining -= own
                parcel.clawed += own
            redeemed = (
                parcel.points - parcel.remaining - parcel.expired - parcel.clawed
                if parcel
                else D(0)
            )
            other = min(claw - own, redeemed, self.balance(order.customer, program))
            if other > 0:
                self.take(order.customer, program, other)
                parcel.clawed += other
            short = claw - own - other
            invoice.clawed += claw
            self.counts["clawed back"] += 1
            if short:
                self.counts["already used"] += 1
        if back > 0:
            invoice.given_back += back
            self.add(order.customer, program, date, back)
            self.counts["given back"] += 1

    def adjust(self, key: tuple[datetime.date, int, int], customer: str) -> None:
        program = self.customers[customer] or "PKLP"
        held = self.balance(customer, program)
        if held >= 1 and self.rng.random() < 0.4:
            points = -D(self.rng.randint(1, int(held)))
            self.take(customer, program, -points)
            self.counts["adjusted down"] += 1
        else:
            points = D(self.rng.randint(1, 300))
            self.add(customer, program, key[0], points)
        self.emit(
            key,
            f'{key[0]} custom "loyalty-adjust" "{customer}" {points} {program}\n'
            '  reason: "generated"',
        )

    # -- the ledger ---------------------------------------------------------

    def ledger(self, customers: int, orders: int) -> str:
        self.plan(customers, orders)
        self.slots.sort(key=lambda slot: slot[:3])
        for date, phase, seq, action in self.slots:
            self.expire(min(date, TODAY))
            action((date, phase, seq))  # type: ignore[operator]
        self.expire(TODAY)
        head = [
            f"plugin \"beancount_orders.orders\" \"{{'today': '{TODAY}'}}\"",
            f"{START} open {BANK}",
            f'{START} custom "loyalty-program" "PKLP"\n'
            '  name: "Points"\n  value: 0.10 GBP\n  expiry: 90',
            f'{START} custom "loyalty-program" "CLUB"\n'
            '  name: "Club"\n  earn: 0.5\n  value: 0.02 GBP\n  expiry: 60\n'
            '  liability: "Liabilities:Club:Points"\n'
            '  expense: "Expenses:Club:Points"\n'
            '  discount: "Expenses:Club:Discounts"',
        ]
        for customer, program in self.customers.items():
            meta = f'\n  program: "{program}"' if program else ""
            head.append(
                f'{START} custom "customer" "{customer}" "Customer {customer}"{meta}'
            )
        # Latest day first, so that the file is not in date order; within a day
        # the engine's own order (phase, then the order written) is kept.
        keys = sorted(self.blocks, key=lambda key: (-key[0].toordinal(), key[1], key[2]))
        body = ["\n".join(self.blocks[key]) for key in keys]
        return "\n".join(head + body) + "\n"


# -- the checks ------------------------------------------------------------


def liability_postings(
    loaded: Loaded, account: str, symbol: str
) -> list[tuple[datetime.date, str, D]]:
    """(date, customer, points) of every posting to a program's liability."""
    rows = []
    for entry in loaded.entries:
        if isinstance(entry, data.Transaction):
            for posting in entry.postings:
                if posting.account == account and posting.units.currency == symbol:
                    rows.append((entry.date, entry.meta["customer"], posting.units.number))
    return rows


def month_ends(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    ends = []
    year, month = first.year, first.month
    while True:
        following = datetime.date(year + month // 12, month % 12 + 1, 1)
        end = following - datetime.timedelta(days=1)
        ends.append(end)
        if end >= last:
            return ends
        year, month = following.year, following.month


SEEDS = [7, 2024, 31337]


@pytest.fixture(scope="module", params=SEEDS)
def generated(request: pytest.FixtureRequest) -> tuple[Generator, Loaded]:
    generator = Generator(request.param)
    text = generator.ledger(customers=60, orders=400)
    return generator, load(text)


def test_generated_ledger_loads_without_errors(generated):
    generator, loaded = generated
    assert [(e.source["lineno"], e.message) for e in loaded.errors] == []
    # The generator exercised what the invariants are about.
    counts = generator.counts
    for kind in (
        "redeemed",
        "expired",
        "adjusted down",
        "full credit",
        "partial credit",
        "clawed back",
        "given back",
        "already used",
        "unapplied at credit",
    ):
        assert counts[kind] >= 3, (kind, dict(counts))
    events = {event.kind for event in loaded.book.loyalty_events}
    assert events == {
        "earned",
        "redeemed",
        "expired",
        "adjusted",
        "clawed-back",
        "given-back",
    }


def test_liability_equals_customers_points(generated):
    generator, loaded = generated
    book = loaded.book
    assert set(book.programs) == {"PKLP", "CLUB"}
    for symbol, program in book.programs.items():
        postings = liability_postings(loaded, program.liability, symbol)
        points = sum((book.points(c, symbol) for c in book.customers), D(0))
        assert sum((units for _, _, units in postings), D(0)) == -points
        assert book.program_outstanding(symbol)[0] == points
        # The model of the generator agrees customer by customer (where it cannot
        # know the give-back of a redemption no basis took, it holds no more).
        for customer in book.customers:
            engine = book.points(customer, symbol)
            model = generator.balance(customer, symbol)
            if (customer, symbol) in generator.at_least:
                assert engine >= model, (customer, symbol)
            else:
                assert engine == model, (customer, symbol)
    # Not everything has expired by today.
    assert sum((wallet.balance for wallet in book.wallets.values()), D(0)) > 0


def test_liability_at_every_month_end(generated):
    _, loaded = generated
    book = loaded.book
    events = book.loyalty_events
    last = max(event.date for event in events)
    for symbol, program in book.programs.items():
        postings = liability_postings(loaded, program.liability, symbol)
        assert postings
        for end in month_ends(START, last):
            ledger_by_customer: dict[str, D] = defaultdict(D)
            for date, customer, units in postings:
                if date <= end:
                    ledger_by_customer[customer] += units
            points_by_customer: dict[str, D] = defaultdict(D)
            for event in events:
                if event.program == symbol and event.date <= end:
                    points_by_customer[event.customer] += event.points
            total = sum(ledger_by_customer.values(), D(0))
            assert total == -sum(points_by_customer.values(), D(0)), (symbol, end)
            for customer in set(ledger_by_customer) | set(points_by_customer):
                assert ledger_by_customer[customer] == -points_by_customer[customer], (
                    symbol,
                    end,
                    customer,
                )


def test_no_balance_is_ever_negative(generated):
    _, loaded = generated
    book = loaded.book
    running: dict[tuple[str, str], D] = defaultdict(D)
    # The events in date order; within a day, in the order the engine applied them.
    for event in sorted(book.loyalty_events, key=lambda event: event.date):
        key = (event.customer, event.program)
        running[key] += event.points
        assert running[key] >= 0, (event, running[key])
    for key, wallet in book.wallets.items():
        assert wallet.balance == running[key] >= 0
        assert wallet.balance == sum((p.remaining for p in wallet.parcels), D(0))
        for parcel in wallet.parcels:
            assert parcel.remaining >= 0
            assert parcel.expired >= 0
            assert parcel.remaining + parcel.expired <= parcel.points
            if parcel.expires is not None and parcel.expires <= TODAY:
                assert parcel.remaining == 0


def test_every_generated_transaction_balances(generated):
    _, loaded = generated
    transactions = loaded.transactions
    assert len(transactions) > 500
    for txn in transactions:
        sums: dict[str, D] = defaultdict(D)
        for posting in txn.postings:
            assert posting.cost is None
            units = posting.units
            sums[units.currency] += units.number
            if units.currency in ("PKLP", "CLUB"):
                assert units.number == units.number.to_integral_value(), txn
            else:
                assert units.number == units.number.quantize(CENT), txn
        assert all(value == 0 for value in sums.values()), (txn.date, txn.narration, sums)
