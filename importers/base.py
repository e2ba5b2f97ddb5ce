"""The importers' shared base (:class:`OrdersImporter`): errors and warnings
by file, why a file is declined, deduplication by document id, and the
beangulp methods both importers share; and the beangulp hook
:func:`report_errors`."""

from __future__ import annotations

import sys
from collections.abc import Iterable

import beangulp
from beancount.core import data
from beancount.parser import printer

from beancount_orders.importers.common import DUPLICATE
from beancount_orders.importers.common import WARNING
from beancount_orders.importers.common import Problem
from beancount_orders.importers.common import RowError
from beancount_orders.importers.common import value
from beancount_orders.importers.ledger import DOC_POSITIONS
from beancount_orders.importers.ledger import Ledger
from beancount_orders.importers.reading import decline_reason


def identities(entry: data.Directive) -> list[str]:
    """The document ids an extracted entry stands for, for deduplication.

    A line stands for its order (lines are only ever emitted with a new order);
    Stripe entries stand for their balance transaction.
    """
    keys: list[str] = []
    meta = entry.meta or {}
    stripe_id = meta.get("stripe-id")
    if isinstance(stripe_id, str):
        keys.append("stripe:" + stripe_id)
    if isinstance(entry, data.Commodity):
        keys.append("commodity:" + entry.currency)
    if isinstance(entry, data.Custom):
        position = DOC_POSITIONS.get(entry.type)
        if position is not None:
            doc = value(entry, position)
            if isinstance(doc, str):
                keys.append("doc:" + doc)
        elif entry.type == "customer":
            keys.append(f"customer:{value(entry, 0)}")
        elif entry.type == "line":
            keys.append(f"doc:{value(entry, 0)}")
        elif entry.type == "payment" and isinstance(meta.get("id"), str):
            keys.append("doc:" + meta["id"])
    return keys


def existing_identities(entries: Iterable[data.Directive]) -> set[str]:
    keys: set[str] = set()
    for entry in entries:
        if isinstance(entry, data.Custom) and entry.type == "line":
            continue  # a line does not make its order known
        keys.update(identities(entry))
        if isinstance(entry, data.Custom) and entry.type == "payment":
            doc = (entry.meta or {}).get("id")
            if isinstance(doc, str):
                keys.add("stripe:" + doc)
        if isinstance(entry, data.Custom) and entry.type == "credit":
            doc = value(entry, 0)
            if isinstance(doc, str):
                keys.add("stripe:" + doc)
    return keys


def entry_text(entry: data.Directive) -> str:
    meta = {k: v for k, v in (entry.meta or {}).items() if k != DUPLICATE}
    return printer.format_entry(entry._replace(meta=meta))


class OrdersImporter(beangulp.Importer):  # type: ignore[misc]  # beangulp is untyped
    """Errors, deduplication and filing shared by the Shopify and Stripe importers.

    ``errors`` lists every row of the documents extracted so far that was not
    imported, as :class:`RowError` ``(filename, row, message)``; ``warnings``
    every row imported with a change (HTML tags removed from a name), as
    :class:`RowError` of kind :data:`WARNING`. Extracting a file again replaces
    that file's errors and warnings.
    """

    #: The columns without which a file is not this importer's.
    required: tuple[str, ...] = ()
    #: The archival file name.
    document_name = "export.csv"

    def __init__(self) -> None:
        self.errors: list[RowError] = []
        self.warnings: list[RowError] = []
        self.filing_account = "Assets:Receivable"
        # What this importer extracted in this run, and the importers whose
        # extractions this one reads as if they were in the books already (the
        # Stripe importer reads the Shopify one's: the orders its charges pay).
        self.extracted: list[data.Directive] = []
        self.partners: list[OrdersImporter] = []

    #: What the file is called in messages ("Shopify orders export").
    what = "export"
    #: Columns that mark a file as this importer's even when others are missing.
    signature: tuple[str, ...] = ()

    def identify(self, filepath: str) -> bool:
        return self.decline(filepath) is None

    def decline(self, filepath: str) -> str | None:
        """Why this importer does not read the file, or None when it does."""
        return decline_reason(filepath, self.required, self.what, self.signature)

    def account(self, filepath: str) -> data.Account:
        return self.filing_account

    def filename(self, filepath: str) -> str | None:
        return self.document_name

    def extract(self, filepath: str, existing: data.Entries) -> data.Entries:
        """The new directives of the export; its bad rows go to :attr:`errors`,
        the rows imported with a change to :attr:`warnings`.

        Never raises: a row that cannot be imported is reported and left out,
        the others are imported. :meth:`read` puts errors and warnings in one
        list, told apart by their ``kind``.
        """
        errors: list[RowError] = []
        known = list(existing)
        for partner in self.partners:
            known.extend(partner.extracted)
        try:
            entries = self.read(filepath, Ledger(known), errors)
        except Problem as problem:
            errors.append(RowError(filepath, problem.row, problem.message))
            entries = []
        except Exception as exc:  # a bug must not lose the other rows' errors
            errors.append(
                RowError(
                    filepath,
                    1,
                    f"internal error in {self.name} (please report it): "
                    f"{type(exc).__name__}: {exc}",
                )
            )
            entries = []
        errors.sort(key=lambda error: error.row)
        self.errors = [error for error in self.errors if error.filename != filepath]
        self.errors.extend(error for error in errors if error.kind != WARNING)
        self.warnings = [found for found in self.warnings if found.filename != filepath]
        self.warnings.extend(found for found in errors if found.kind == WARNING)
        self.extracted.extend(entries)
        return entries

    def read(
        self, filepath: str, ledger: Ledger, errors: list[RowError]
    ) -> list[data.Directive]:
        raise NotImplementedError

    def errors_for(self, filepath: str) -> list[RowError]:
        return [error for error in self.errors if error.filename == filepath]

    def warnings_for(self, filepath: str) -> list[RowError]:
        return [found for found in self.warnings if found.filename == filepath]

    def deduplicate(self, entries: data.Entries, existing: data.Entries) -> None:
        """Mark entries whose document is already known, or that are already there.

        ``existing`` is the ledger plus what was extracted before in the same
        run. An entry is a duplicate when a document id it stands for (order,
        invoice, credit, payment id, Stripe transaction) is in ``existing``,
        or when ``existing`` has the very same directive.
        """
        known = existing_identities(existing)
        texts = {
            entry_text(entry)
            for entry in existing
            if isinstance(entry, (data.Custom, data.Transaction, data.Commodity))
        }
        for entry in entries:
            if any(key in known for key in identities(entry)) or entry_text(entry) in texts:
                entry.meta[DUPLICATE] = True


def report_errors(
    extracted: list[tuple[str, data.Entries, str, beangulp.Importer]],
    existing: data.Entries,
) -> list[tuple[str, data.Entries, str, beangulp.Importer]]:
    """A beangulp hook: print the rows that were not imported, ``FILE:ROW: message``,
    and the rows imported with a change, ``FILE:ROW: warning: message``.

    ``beangulp.Ingest(default_importers(), hooks=[report_errors])`` makes a
    beangulp import script show them on standard error, by row.
    """
    for filepath, _, _, importer in extracted:
        found = [*getattr(importer, "errors", ()), *getattr(importer, "warnings", ())]
        for error in sorted(found, key=lambda error: error.row):
            if error.filename == filepath:
                print(error, file=sys.stderr)
    return extracted
