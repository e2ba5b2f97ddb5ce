"""Payment METHOD names (SPEC, Revision 2, "Methods"): shared by customer
payments and refunds (:mod:`~beancount_orders.book.handlers.payments`) and bill
payments (:mod:`~beancount_orders.book.handlers.purchasing`)."""

from __future__ import annotations

import difflib

from beancount.core import account as account_lib

from beancount_orders.book.state import Invalid
from beancount_orders.book.state import State


def check_method_name(e: State, value: str, what: str) -> None:
    """SPEC, Methods: a METHOD name is ``"credit"``, a name of the config's
    ``methods`` map (exactly) or, without a map, any other name; never an
    account written in quotes."""
    if ":" in value and account_lib.is_valid(value):
        raise Invalid(
            f'{what}: METHOD "{value}" is an account name in quotes: write the '
            f"account without quotes ({value}) to pay into it"
        )
    if value.lower() == "credit":
        raise Invalid(
            f'{what}: METHOD "{value}": write "credit" (lower case) to draw on the '
            "customer's credit balance"
        )
    methods = e.config.methods
    if not methods or value in methods:
        return
    folded = {name.lower(): name for name in methods}
    close = folded.get(value.lower())
    if close is None:
        matches = difflib.get_close_matches(value, sorted(methods), n=1, cutoff=0.6)
        close = matches[0] if matches else None
    names = ", ".join(f'"{name}"' for name in sorted(methods))
    hint = f': did you mean "{close}"?' if close else ""
    raise Invalid(
        f'{what}: METHOD "{value}" is none of the config\'s methods ({names}) '
        f'nor "credit"{hint}'
    )
