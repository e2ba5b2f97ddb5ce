"""The ``company`` directive: the seller named on every printed document."""

from __future__ import annotations

from typing import Any

from beancount_orders.book import directives
from beancount_orders.book.company import Company
from beancount_orders.book.directives import CompanyArgs
from beancount_orders.book.directives import Directive
from beancount_orders.book.state import Invalid
from beancount_orders.book.state import State


def on_company(e: State, d: Directive[CompanyArgs]) -> None:
    """Declares the company that keeps the books: the seller on every invoice,
    credit note and statement that ``bean-orders print`` writes. Posts nothing.

    A later ``company`` directive changes the name and the keys it writes (the
    others stay as they were). Each key must be a string.
    """
    name = d.args.name.strip()
    if not name:
        raise Invalid("Company: NAME must not be empty")
    written = {
        "address": d.meta.get("address"),
        "tax_id": d.meta.get("tax-id"),
        "email": d.meta.get("email"),
        "bank": d.meta.get("bank"),
    }
    values: dict[str, str] = {}
    for field, value in written.items():
        if value is not None:
            values[field] = _string(name, field, value)
    company = e.book.company
    if company is None:
        e.book.company = Company(name, d.date, d.meta, **values)
        return
    company.name, company.date, company.meta = name, d.date, d.meta
    for field, text in values.items():
        setattr(company, field, text)


def _string(name: str, field: str, value: Any) -> str:
    """A key's value, which must be a string."""
    if not isinstance(value, str):
        key = field.replace("_", "-")
        raise Invalid(
            f'Company "{name}": {key} must be a string, got {directives.show(value)}'
        )
    return value
