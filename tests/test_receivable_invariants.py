"""The aged receivables always add up to the receivable accounts.

A seeded generator writes a ledger of many customers, orders, partial
invoices, dispatches, payments (on orders, invoices and customers, some with
an id and a later ``allocate``), credit orders (READY or not, return and credit
lines, some posted on the invoice's date), credit memos, customer credits,
payments from credit and refunds. The generator keeps its own small model of
what is open, so every directive it writes is valid: the ledger must load
with no error at all. Then, for many as-of dates (every month end among
them), the ageing of each customer and currency must equal the balance of
``Assets:Receivable:<Customer>`` summed from the loaded postings up to that
date, and the engine's figures must match the ledger and the model.
"""

from __future__ import annotations

import dataclasses
import datetime
import random
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import pytest

from beancount_orders.reports.ageing import aged_receivables
from tests.helpers import load

ZERO = D(0)
CENT = D("0.01")
ITEMS = ("WIDGET", "GADGET", "GIZMO", "SPROCKET", "FLANGE")
START = datetime.date(2024, 1, 1)
DAYS = 420


def money(number: D) -> D:
    return number.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclasses.dataclass
class Line:
    item: str
    qty: int
    price: D
    tax: D
    invoiced: int = 0
    dispatched: int = 0
    returned: int = 0


@dataclasses.dataclass
class Order:
    id: str
    customer: str
    currency: str
    lines: list[Line]
    invoices: list[str] = dataclasses.field(default_factory=list)
    pending: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class InvoiceLine:
    line: Line
    qty: int
    credited: int = 0


@dataclasses.dataclass
class Invoice:
    id: str
    order: Order
    date: datetime.date
    lines: list[InvoiceLine]
    gross: D
    allocated: D = ZERO

    @property
    def open(self) -> D:
        return self.gross - self.allocated


@dataclasses.dataclass
class Settlement:
    id: str
    customer: str
    currency: str
    amount: D
    order: Order | None
    allocatable: bool  # has a document id an ``allocate`` can name
    allocated: D = ZERO

    @property
    def unallocated(self) -> D:
        return self.amount - self.allocated


def line_money(qty: int, price: D, tax: D) -> D:
    net = money(qty * price)
    return net + money(net * tax)


class Generator:
    """Writes a valid ledger and keeps the model of what it wrote."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.lines: list[str] = []
        self.customers: dict[str, list[str]] = {}  # id -> currencies
        self.orders: list[Order] = []
        self.invoices: dict[str, Invoice] = {}
        self.settlements: dict[str, Settlement] = {}
        self.credit: dict[tuple[str, str], D] = {}
        self.count = 0

    # -- writing ----------------------------------------------------------

    def write(self, text: str, **meta: object) -> int:
        """Write a directive (and its metadata); return its line number."""
        self.lines.append(text)
        lineno = len(self.lines)
        for key, value in meta.items():
            self.lines.append(f"  {key}: {value}")
        return lineno

    def next_id(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}-{self.count}"

    # -- the model --------------------------------------------------------

    def allocate(self, settlement: Settlement, invoice: Invoice, limit: D | None = None):
        amount = min(settlement.unallocated, invoice.open)
        if limit is not None:
            amount = min(amount, limit)
        if amount > 0:
            settlement.allocated += amount
            invoice.allocated += amount

    def settle(self, settlement: Settlement, invoice: Invoice | None) -> None:
        self.settlements[settlement.id] = settlement
        order = settlement.order
        if invoice is not None:
            self.allocate(settlement, invoice)
        elif order is not None:
            for invoice_id in order.invoices:
                self.allocate(settlement, self.invoices[invoice_id])
            if settlement.unallocated > 0:
                order.pending.append(settlement.id)

    # -- the ledger -------------------------------------------------------

    def generate(self) -> str:
        rng = self.rng
        self.write('plugin "beancount_orders.orders"')
        self.write('option "booking_method" "FIFO"')
        self.write(f"{START} open Assets:Bank:Current")
        names = ["acme", "bob's bikes", "carol & co", "dee", "eve", "fox", "gus", "hal"]
        for index, name in enumerate(names):
            currencies = ["USD"] if index % 4 == 3 else ["GBP"]
            if index == 2:
                currencies = ["GBP", "USD"]
            self.customers[name] = currencies
            self.write(f'{START} custom "customer" "{name}" "{name.title()}"')
        for item in ITEMS:
            for _ in range(2):
                cost = D(rng.randint(100, 900)) / 100
                self.write(
                    f'{START} custom "stock-in" "{self.next_id("PO")}" "{item}" 5000 '
                    f"{cost} GBP",
                    supplier='"Supplies Co"',
                )
        actions = [
            (1, self.new_order, 6),
            (8, self.invoice, 5),
            (9, self.dispatch, 4),
            (10, self.give_credit, 1),
            (10, self.memo, 1),
            (11, self.payment, 6),
            (12, self.refund, 1),
            (14, self.credit_order, 3),
            (16, self.allocate_directive, 2),
        ]
        weights = [weight for _, _, weight in actions]
        for offset in range(1, DAYS):
            day = START + datetime.timedelta(days=offset)
            chosen = rng.choices(actions, weights, k=rng.choice([0, 1, 2, 2, 3, 4]))
            # The engine applies a day's directives by document flow: so does
            # the model. Ties keep the order written.
            for _, action, _ in sorted(chosen, key=lambda a: a[0]):
                action(day)
        return "\n".join(self.lines) + "\n"

    def new_order(self, day: datetime.date) -> None:
        rng = self.rng
        customer = rng.choice(sorted(self.customers))
        currency = rng.choice(self.customers[customer])
        order = Order(self.next_id("SO"), customer, currency, [])
        self.write(
            f'{day} custom "order" "{order.id}" "{customer}"', po=f'"PO{self.count}"'
        )
        for item in rng.sample(ITEMS, rng.randint(1, 3)):
            line = Line(
                item,
                rng.randint(1, 12),
                D(rng.randint(50, 5000)) / 100,
                rng.choice([ZERO, D("0.20"), D("0.05")]),
            )
            order.lines.append(line)
            meta = {"tax": line.tax} if line.tax else {}
            self.write(
                f'{day} custom "line" "{order.id}" "{item}" {line.qty} {line.price} '
                f"{currency}",
                **meta,
            )
        self.orders.append(order)

    def invoice(self, day: datetime.date) -> None:
        rng = self.rng
        open_orders = [o for o in self.orders if any(x.invoiced < x.qty for x in o.lines)]
        if not open_orders:
            return
        order = rng.choice(open_orders)
        invoice_id = self.next_id("INV")
        pairs = []
        lines = []
        partial = rng.random() < 0.5
        for line in order.lines:
            left = line.qty - line.invoiced
            if left <= 0:
                continue
            qty = left
            if partial:
                qty = rng.randint(0, left)
                if qty == 0:
                    continue
                pairs.append(f'"{line.item}" {qty}')
            lines.append(InvoiceLine(line, qty))
        if not lines:
            return
        if (
            partial
            and all(il.qty == il.line.qty - il.line.invoiced for il in lines)
            and len(lines) == sum(1 for x in order.lines if x.invoiced < x.qty)
        ):
            pairs = []  # the same as invoicing everything left
        meta = {}
        if rng.random() < 0.3:
            meta["due"] = day + datetime.timedelta(days=rng.choice([7, 14, 45]))
        text = f'{day} custom "invoice" "{order.id}" "{invoice_id}"'
        self.write(" ".join([text, *pairs]), **meta)
        for il in lines:
            il.line.invoiced += il.qty
        gross = sum((line_money(il.qty, il.line.price, il.line.tax) for il in lines), ZERO)
        invoice = Invoice(invoice_id, order, day, lines, gross)
        self.invoices[invoice_id] = invoice
        order.invoices.append(invoice_id)
        for settlement_id in order.pending:
            self.allocate(self.settlements[settlement_id], invoice)
        order.pending = [s for s in order.pending if self.settlements[s].unallocated > 0]

    def dispatch(self, day: datetime.date) -> None:
        rng = self.rng
        waiting = [o for o in self.orders if any(x.dispatched < x.qty for x in o.lines)]
        if not waiting:
            return
        order = rng.choice(waiting)
        if rng.random() < 0.5:
            for line in order.lines:
                line.dispatched = line.qty
            self.write(f'{day} custom "dispatch" "{order.id}"')
            return
        line = rng.choice([x for x in order.lines if x.dispatched < x.qty])
        qty = rng.randint(1, line.qty - line.dispatched)
        line.dispatched += qty
        self.write(f'{day} custom "dispatch" "{order.id}" "{line.item}" {qty}')

    def give_credit(self, day: datetime.date) -> None:
        rng = self.rng
        customer = rng.choice(sorted(self.customers))
        currency = rng.choice(self.customers[customer])
        amount = D(rng.randint(100, 20000)) / 100
        key = (customer, currency)
        self.credit[key] = self.credit.get(key, ZERO) + amount
        meta = {"reason": '"Goodwill"'} if rng.random() < 0.5 else {}
        credit_id = self.next_id("CR")
        self.write(
            f'{day} custom "credit" "{credit_id}" "{customer}" {amount} {currency}', **meta
        )

    def refund(self, day: datetime.date) -> None:
        rng = self.rng
        owed = [key for key, amount in sorted(self.credit.items()) if amount > 0]
        if not owed:
            return
        customer, currency = rng.choice(owed)
        balance = self.credit[customer, currency]
        amount = balance if rng.random() < 0.5 else max(CENT, money(balance / 3))
        self.credit[customer, currency] -= amount
        self.write(f'{day} custom "refund" "{customer}" {amount} {currency} "bank"')

    def memo(self, day: datetime.date) -> None:
        rng = self.rng
        memo_id = self.next_id("M")
        if self.invoices and rng.random() < 0.6:
            invoice = self.invoices[rng.choice(sorted(self.invoices))]
            order = invoice.order
            amount = max(CENT, money(invoice.gross * D(rng.randint(1, 30)) / 100))
            self.write(
                f'{day} custom "credit-memo" "{memo_id}" "{order.customer}" {amount} '
                f"{order.currency}",
                invoice=f'"{invoice.id}"',
            )
            settlement = Settlement(
                memo_id, order.customer, order.currency, amount, order, True
            )
            self.settle(settlement, invoice)
            return
        customer = rng.choice(sorted(self.customers))
        currency = rng.choice(self.customers[customer])
        amount = D(rng.randint(100, 5000)) / 100
        self.write(
            f'{day} custom "credit-memo" "{memo_id}" "{customer}" {amount} {currency}'
        )
        self.settle(Settlement(memo_id, customer, currency, amount, None, True), None)

    def payment(self, day: datetime.date) -> None:
        rng = self.rng
        kind = rng.choice(["order", "invoice", "invoice", "customer"])
        invoice = order = None
        if kind == "invoice" and self.invoices:
            invoice = self.invoices[rng.choice(sorted(self.invoices))]
            order = invoice.order
            customer, currency, ref = order.customer, order.currency, invoice.id
            base = invoice.open if invoice.open > 0 else invoice.gross
        elif kind == "order" and self.orders:
            order = rng.choice(self.orders)
            customer, currency, ref = order.customer, order.currency, order.id
            base = sum((line_money(x.qty, x.price, x.tax) for x in order.lines), ZERO)
        else:
            customer = rng.choice(sorted(self.customers))
            currency = rng.choice(self.customers[customer])
            ref = customer
            base = D(rng.randint(1000, 50000)) / 100
        roll = rng.random()
        if roll < 0.5:
            amount = base
        elif roll < 0.85:
            amount = max(CENT, money(base * D(rng.randint(5, 95)) / 100))
        else:
            amount = base + D(rng.randint(1, 5000)) / 100
        method = rng.choice(['"bank"', '"card"', "Assets:Bank:Current"])
        available = self.credit.get((customer, currency), ZERO)
        if available > 0 and rng.random() < 0.3:
            method = '"credit"'
            amount = min(amount, available)
            self.credit[customer, currency] -= amount
        meta = {}
        payment_id = None
        if kind == "customer" or rng.random() < 0.4:
            payment_id = self.next_id("PAY")
            meta["id"] = f'"{payment_id}"'
        lineno = self.write(
            f'{day} custom "payment" "{ref}" {amount} {currency} {method}', **meta
        )
        settlement = Settlement(
            payment_id or f"payment:<string>:{lineno}",
            customer,
            currency,
            amount,
            order,
            payment_id is not None,
        )
        self.settle(settlement, invoice)

    def credit_order(self, day: datetime.date) -> None:
        rng = self.rng
        candidates = [
            i for i in self.invoices.values() if any(x.credited < x.qty for x in i.lines)
        ]
        if not candidates:
            return
        invoice = rng.choice(candidates)
        order = invoice.order
        status = rng.choices(["READY", "OPEN", "APPROVED"], [8, 1, 1])[0]
        co_id = self.next_id("CO")
        meta: dict[str, object] = {}
        if status != "READY" or rng.random() < 0.3:
            meta["status"] = f'"{status}"'
        if rng.random() < 0.25:
            meta["credit-date"] = '"invoice"'
        if rng.random() < 0.3:
            meta["reason"] = '"Damaged"'
        requests: list[tuple[InvoiceLine, str, int, D]] = []
        if rng.random() < 0.2:
            meta["full"] = "TRUE"
            left = [
                (il, il.qty - il.credited) for il in invoice.lines if il.credited < il.qty
            ]
            returnable = all(il.line.dispatched - il.line.returned >= n for il, n in left)
            kind = "return" if returnable and rng.random() < 0.5 else "credit"
            if kind == "return":
                meta["type"] = '"return"'
            requests = [(il, kind, n, il.line.price) for il, n in left]
            self.write(f'{day} custom "credit-order" "{co_id}" "{invoice.id}"', **meta)
        else:
            planned: dict[int, int] = {}
            for il in invoice.lines:
                left = il.qty - il.credited
                if left <= 0 or rng.random() < 0.4:
                    continue
                parts = [rng.randint(1, left)]
                if left - parts[0] > 0 and rng.random() < 0.3:
                    parts.append(rng.randint(1, left - parts[0]))
                for qty in parts:
                    back = il.line.dispatched - il.line.returned - planned.get(id(il), 0)
                    kind = "return" if qty <= back and rng.random() < 0.5 else "credit"
                    if kind == "return":
                        planned[id(il)] = planned.get(id(il), 0) + qty
                    price = il.line.price
                    if rng.random() < 0.5:
                        price = max(ZERO, price - D(rng.randint(1, 2000)) / 100)
                    requests.append((il, kind, qty, price))
            if not requests:
                return
            self.write(f'{day} custom "credit-order" "{co_id}" "{invoice.id}"', **meta)
            for il, kind, qty, price in requests:
                self.write(
                    f'{day} custom "credit-line" "{co_id}" "{il.line.item}" "{kind}" '
                    f"{qty} {price} {order.currency}"
                )
        if status != "READY":
            return
        gross = ZERO
        for il, kind, qty, price in requests:
            il.credited += qty
            if kind == "return":
                il.line.returned += qty
            gross += line_money(qty, price, il.line.tax)
        settlement = Settlement(co_id, order.customer, order.currency, gross, order, True)
        self.settle(settlement, invoice)

    def allocate_directive(self, day: datetime.date) -> None:
        rng = self.rng
        sources = [
            s for s in self.settlements.values() if s.allocatable and s.unallocated > 0
        ]
        rng.shuffle(sources)
        for source in sources:
            targets = [
                i
                for i in self.invoices.values()
                if i.order.customer == source.customer
                and i.order.currency == source.currency
                and i.open > 0
            ]
            if not targets:
                continue
            invoice = rng.choice(targets)
            amount = min(source.unallocated, invoice.open)
            if rng.random() < 0.4:
                amount = max(CENT, money(amount * D(rng.randint(10, 90)) / 100))
            self.write(
                f'{day} custom "allocate" "{source.id}" "{invoice.id}" {amount} '
                f"{source.currency}"
            )
            self.allocate(source, invoice, amount)
            return


def month_ends(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    ends = []
    day = first
    while day <= last:
        following = day + datetime.timedelta(days=1)
        if following.month != day.month:
            ends.append(day)
        day = following
    return ends


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_ageing_total_equals_receivables(seed):
    generator = Generator(seed)
    text = generator.generate()
    loaded = load(text)
    assert loaded.messages == []
    book = loaded.book
    kinds = {txn.narration.split()[0] for txn in loaded.transactions}
    # The generator did write every kind of document.
    assert {"Invoice", "Dispatch", "Payment", "Credit", "Refund", "Goods"} <= kinds
    assert any(s.kind == "credit-memo" for s in book.settlements.values())
    assert any(not co.posted for co in book.credit_orders.values())
    assert any(co.post_date != co.date for co in book.credit_orders.values())
    assert any(len(p.allocations) > 1 for p in book.settlements.values())
    assert any(p.method == "credit" for p in book.payments.values())
    assert any(
        line.type == "return" for co in book.credit_orders.values() for line in co.lines
    )
    assert text.count('custom "allocate"') > 20
    assert len(book.invoices) > 100

    customer_of = {f"Assets:Receivable:{c.account}": c.id for c in book.customers.values()}
    postings = sorted(
        (
            entry.date,
            customer_of[posting.account],
            posting.units.currency,
            posting.units.number,
        )
        for entry in loaded.entries
        if hasattr(entry, "postings")
        for posting in entry.postings
        if posting.account.startswith("Assets:Receivable:")
    )
    first, last = postings[0][0], postings[-1][0]
    rng = random.Random(seed)
    dates = set(month_ends(first, last))
    dates |= {first - datetime.timedelta(1), first, last, last + datetime.timedelta(30)}
    dates |= {
        first + datetime.timedelta(rng.randint(0, (last - first).days)) for _ in range(25)
    }

    balance: dict[tuple[str, str], D] = {}
    index = 0
    for as_of in sorted(dates):
        while index < len(postings) and postings[index][0] <= as_of:
            _, customer, currency, number = postings[index]
            balance[customer, currency] = balance.get((customer, currency), ZERO) + number
            index += 1
        expected = {key: value for key, value in balance.items() if value}
        for basis in ("invoice", "due"):
            report = aged_receivables(book, as_of, basis)
            aged = {(r.customer, r.currency): r.total for r in report.rows if r.total}
            assert aged == expected, (as_of, basis)
            by_currency: dict[str, D] = {}
            for (_, currency), value in expected.items():
                by_currency[currency] = by_currency.get(currency, ZERO) + value
            totals = {t.currency: t.total for t in report.totals if t.total}
            assert totals == {c: v for c, v in by_currency.items() if v}, (as_of, basis)
            for row in report.rows:
                assert sum(i.amount for i in row.items) == row.total
                assert all(i.date <= as_of or i.kind == "invoice" for i in row.items)

    # The engine's balances are the ledger's (and the model's, for credit).
    for customer in book.customers.values():
        for currency in ("GBP", "USD"):
            receivable = customer.receivable.get(currency, ZERO)
            assert receivable == balance.get((customer.id, currency), ZERO)
            liability = f"Liabilities:CustomerCredit:{customer.account}"
            owed = loaded_balance(loaded, liability, currency)
            credit = customer.credit.get(currency, ZERO)
            assert owed == -credit, (customer.id, currency)
            assert credit == generator.credit.get((customer.id, currency), ZERO)

    # The engine matched money to invoices as the model did.
    assert {i: book.invoices[i].open_amount for i in generator.invoices} == {
        i: invoice.open for i, invoice in generator.invoices.items()
    }
    assert {s: book.settlements[s].unallocated for s in generator.settlements} == {
        s: settlement.unallocated for s, settlement in generator.settlements.items()
    }
    # Order outstanding: its open invoices less its money not yet matched.
    for order in book.orders.values():
        unmatched = sum(
            (s.unallocated for s in book.settlements.values() if s.order == order.id), ZERO
        )
        open_invoices = sum((book.invoices[i].open_amount for i in order.invoices), ZERO)
        assert order.outstanding == open_invoices - unmatched, order.id


def loaded_balance(loaded, account: str, currency: str) -> D:
    total = ZERO
    for entry in loaded.entries:
        for posting in getattr(entry, "postings", None) or ():
            if posting.account == account and posting.units.currency == currency:
                total += posting.units.number
    return total
