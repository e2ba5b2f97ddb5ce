"""The one period filter of the reports: the days from ``start`` up to ``end``.

A :class:`Period` is half-open, [start, end), as Fava's time filter is: its
``end`` is the first day left out. Either bound may be None (open). The Fava
pages pass Fava's filter as it is; the command line's ``--end`` is the last day
included, so it makes its period with :meth:`Period.through`. Every report that
has a period asks ``date in period`` and nothing else.
"""

from __future__ import annotations

import dataclasses
import datetime

ONE_DAY = datetime.timedelta(days=1)


@dataclasses.dataclass(frozen=True)
class Period:
    """The dates from ``start`` (included) to ``end`` (excluded); None: open."""

    start: datetime.date | None = None
    end: datetime.date | None = None

    @classmethod
    def through(cls, start: datetime.date | None, last: datetime.date | None) -> Period:
        """The period from ``start`` to ``last``, both included."""
        return cls(start, last + ONE_DAY if last is not None else None)

    def __contains__(self, date: datetime.date) -> bool:
        if self.start is not None and date < self.start:
            return False
        return self.end is None or date < self.end

    @property
    def last(self) -> datetime.date | None:
        """The last day included (None when the period has no end)."""
        return self.end - ONE_DAY if self.end is not None else None


ALL = Period()
