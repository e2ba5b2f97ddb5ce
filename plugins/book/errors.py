"""The error type the engine reports, in the shape Beancount's own plugins use."""

from __future__ import annotations

from typing import Any
from typing import NamedTuple

from beancount.core import data


class OrdersError(NamedTuple):
    """A problem with an order directive or the plugin configuration.

    ``source`` is the directive's metadata (``filename``/``lineno``), so that
    bean-check and Fava point at the offending line.
    """

    source: data.Meta
    message: str
    entry: Any


def source_of(entry: Any) -> data.Meta:
    """The ``filename``/``lineno`` metadata of an entry, never None."""
    meta = getattr(entry, "meta", None) or {}
    return data.new_metadata(meta.get("filename", "<orders>"), meta.get("lineno", 0))
