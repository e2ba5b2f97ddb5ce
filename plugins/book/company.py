"""The seller: the ``company`` directive's master data, printed on every document."""

from __future__ import annotations

import dataclasses
import datetime

from beancount.core import data


@dataclasses.dataclass(slots=True)
class Company:
    """The business that keeps the books (``custom "company" NAME``).

    Each field is the value of the metadata key of its name (``tax-id`` is
    ``tax_id``); a later ``company`` directive replaces the name and every key it
    writes, keeping the others.
    """

    name: str
    date: datetime.date  # the date of the directive that set it last
    meta: data.Meta
    address: str | None = None
    tax_id: str | None = None
    email: str | None = None
    bank: str | None = None

    @property
    def address_lines(self) -> tuple[str, ...]:
        """The address as lines: written with newlines, or with ``;`` between lines."""
        if not self.address:
            return ()
        parts = self.address.replace(";", "\n").splitlines()
        return tuple(part.strip() for part in parts if part.strip())
