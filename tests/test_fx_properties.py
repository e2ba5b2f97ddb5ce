"""Property: random histories of foreign orders keep the books whole.

Each history: orders in EUR on a USD ledger, invoiced in one or two parts at
the day's price, paid in random pieces at random rates (some before the
invoice, some with ``rate:``), sometimes a credit order first; some invoices
voided and invoiced again, some money paid ahead voided after its invoice took
it, some payments bounced (voided the day they were made), some loyalty points
redeemed before the invoice or after it. Whatever
happens: no error, every transaction balances (Beancount checks it), the
customers owe what the engine says, and once every invoice of an order is paid
the receivable holds no lot of it and Income:FX holds whole cents.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP
from decimal import Decimal as D

from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from beancount_orders.book.rules import round_money
from tests.helpers import load

RATES = st.integers(min_value=9000, max_value=13000).map(lambda n: D(n).scaleb(-4))


def gross_of(net: D) -> D:
    """Net plus 19 % tax rounded half-up, as an invoice line is."""
    return net + (net * D("0.19")).quantize(D("0.01"), ROUND_HALF_UP)


@st.composite
def histories(draw: st.DrawFn) -> str:
    early = draw(RATES)  # the one price of the day points are redeemed ahead
    lines = [
        'option "operating_currency" "USD"',
        'plugin "beancount_orders.orders"',
        '2024-01-01 custom "loyalty-program" "PTS"',
        "  value: 0.10 USD",
        '2024-01-01 custom "customer" "acme" "Acme GmbH"',
        '  program: "PTS"',
        '2024-01-01 custom "loyalty-adjust" "acme" 10000000 PTS',
        f"2024-01-04 price EUR {early} USD",
    ]
    for number in range(draw(st.integers(1, 3))):
        order = f"SO-{number}"
        qty = draw(st.integers(1, 5))
        price = D(draw(st.integers(1, 99999))).scaleb(-2)
        gross = gross_of(qty * price)
        ahead = draw(st.sampled_from([D(0), (gross / 3).quantize(D("0.01"))]))
        redeem = draw(st.sampled_from(["none", "before", "after"]))
        rate = draw(RATES)  # of the invoices of an order redeemed on after them
        lines += [
            f'2024-01-02 custom "order" "{order}" "acme"',
            f'2024-01-02 custom "line" "{order}" "W" {qty} {price} EUR',
            "  tax: 0.19",
        ]
        redeemed = D(0)
        most = int((gross - ahead) * D("0.9") * 10 / 2)  # points worth half or less
        if redeem == "before" and most >= 1:
            points = draw(st.integers(1, most))
            redeemed = round_money(points * D("0.10") / early, D("0.01"))
            lines += [f'2024-01-04 custom "redeem" "{order}" {points} PTS']
        fixed = [f"  rate: {rate}"] if redeem == "after" else []
        if ahead:
            lines += [
                f'2024-01-03 custom "payment" "{order}" {ahead} EUR "card"',
                f'  id: "PAY-{number}-A"',
                f"  rate: {draw(RATES)}",
            ]
        invoice = f"INV-{number}"
        lines += [
            f"2024-01-05 price EUR {draw(RATES)} USD",
            f'2024-01-05 custom "invoice" "{order}" "{invoice}"',
            *fixed,
        ]
        if draw(st.booleans()):  # voided and invoiced again
            lines += [
                f'2024-01-06 custom "void" "{invoice}"',
                f"2024-01-07 price EUR {draw(RATES)} USD",
                f'2024-01-07 custom "invoice" "{order}" "{invoice}-2"',
                *fixed,
            ]
            invoice += "-2"
        if ahead and draw(st.booleans()):  # the money paid ahead bounced
            lines += [f'2024-01-08 custom "void" "PAY-{number}-A"']
            ahead = D(0)
        left = gross - ahead - redeemed
        if draw(st.booleans()) and qty > 1 and not redeemed:  # (no points given back)
            lines += [
                f'2024-01-09 custom "credit-order" "CO-{number}" "{invoice}"',
                f'2024-01-09 custom "credit-line" "CO-{number}" "W" "credit" 1 {price} EUR',
            ]
            left -= gross_of(price)
        most = int(left * D("0.9") * 10 / 2)
        if redeem == "after" and most >= 1:
            points = draw(st.integers(1, most))
            left -= round_money(points * D("0.10") / rate, D("0.01"))
            lines += [f'2024-01-10 custom "redeem" "{order}" {points} PTS']
        day = 10
        while left > 0:
            piece = min(left, D(draw(st.integers(1, 100000))).scaleb(-2))
            if draw(st.booleans()):
                piece = left
            if draw(st.booleans()) and day < 27:  # a payment that bounced, voided
                bounced = min(left, D(draw(st.integers(1, 100000))).scaleb(-2))
                lines += [
                    f"2024-02-{day:02d} price EUR {draw(RATES)} USD",
                    f'2024-02-{day:02d} custom "payment" "{order}" {bounced} EUR "card"',
                    f'  id: "PAY-{number}-{day}"',
                    f'2024-02-{day:02d} custom "void" "PAY-{number}-{day}"',
                ]
                day += 1
            lines += [f"2024-02-{day:02d} price EUR {draw(RATES)} USD"]
            lines += [
                f'2024-02-{day:02d} custom "payment" "{order}" {piece} EUR "card"',
            ]
            left -= piece
            day += 1
            if day > 28:
                lines += [f'2024-02-28 custom "payment" "{order}" {left} EUR "card"']
                break
    return "\n".join(lines) + "\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_foreign_histories_close_every_lot(text: str) -> None:
    loaded = load(text)
    assert loaded.errors == [], text
    book = loaded.book
    for order in book.orders.values():
        assert order.outstanding <= 0, text
    assert all(lot.units == 0 for lot in book.fx.lots.values()), text
    assert not [inv for inv in book.invoices.values() if inv.open_amount], text
    balances = loaded.balances()
    assert "Assets:Receivable:Acme" not in balances, text
    fx = sum(
        (
            posting.units.number
            for txn in loaded.transactions
            for posting in txn.postings
            if posting.account == "Income:FX"
        ),
        D(0),
    )
    assert fx == fx.quantize(D("0.01")), text
