"""Bar and line charts drawn on the server as SVG, without JavaScript or network.

The report pages pass categories (bucket labels, months) and named series of
Decimal values; every piece of text is escaped here and the result is
:class:`markupsafe.Markup`, so a template prints it as it is. Coordinates are
floats; the values shown in tooltips and on the axis are the Decimals given.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from decimal import Decimal

from markupsafe import Markup
from markupsafe import escape

WIDTH = 720
HEIGHT = 260
LEFT = 64  # room for the value axis labels
RIGHT = 12
TOP = 30  # room for the legend
BOTTOM = 40  # room for the category labels
MAX_BAR = 48  # a bar's widest: a few categories do not make slabs
COLOURS = ("#3d6faf", "#af3d3d", "#3daf46", "#afa23d", "#8c3daf", "#3dafaa")


@dataclasses.dataclass(frozen=True)
class Series:
    """One named row of values, one value per category."""

    name: str
    values: tuple[Decimal, ...]


def _nice_step(span: float, ticks: int = 4) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) covering ``span``."""
    if span <= 0:
        return 1.0
    raw = span / ticks
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power  # pragma: no cover - the loop always returns


def _axis(series: Sequence[Series]) -> tuple[float, float, float]:
    """The value axis: (low, high, step), always including zero."""
    values = [float(value) for one in series for value in one.values]
    low = min([0.0, *values])
    high = max([0.0, *values])
    if low == high:
        high = 1.0
    step = _nice_step(high - low)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def _number(value: float) -> str:
    """An axis label: whole numbers without decimals, others to two places."""
    if abs(value - round(value)) < 1e-9:
        return f"{round(value):,}"
    return f"{value:,.2f}"


def _frame(title: str, series: Sequence[Series]) -> list[str]:
    parts = [
        f'<svg class="orders-chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" style="max-width:{WIDTH}px" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    x = LEFT
    for index, one in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        parts.append(
            f'<rect x="{x}" y="8" width="12" height="12" fill="{colour}"></rect>'
            f'<text x="{x + 16}" y="18" font-size="12">{escape(one.name)}</text>'
        )
        x += 28 + 7 * len(one.name)
    return parts


def _value_axis(low: float, high: float, step: float) -> tuple[list[str], float, float]:
    """Grid lines and labels; returns them, the zero line's y and pixels per unit."""
    plot_height = HEIGHT - TOP - BOTTOM
    scale = plot_height / (high - low)
    parts = []
    ticks = round((high - low) / step)
    for index in range(ticks + 1):
        value = low + index * step
        y = TOP + (high - value) * scale
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#ccc" stroke-width="{1.5 if abs(value) < 1e-9 else 0.5}"></line>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">'
            f"{escape(_number(value))}</text>"
        )
    return parts, TOP + high * scale, scale


def _category_labels(categories: Sequence[str], width: float) -> list[str]:
    every = max(1, math.ceil(len(categories) * 60 / (WIDTH - LEFT - RIGHT)))
    parts = []
    for index, category in enumerate(categories):
        if index % every:
            continue
        x = LEFT + (index + 0.5) * width
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" font-size="11" '
            f'text-anchor="middle">{escape(category)}</text>'
        )
    return parts


def _empty(title: str) -> Markup:
    return Markup('<p class="orders-chart-empty">{}: nothing to chart.</p>').format(title)


def bar_chart(categories: Sequence[str], series: Sequence[Series], title: str) -> Markup:
    """Grouped bars: one group per category, one bar per series."""
    if not categories or not series:
        return _empty(title)
    low, high, step = _axis(series)
    parts = _frame(title, series)
    grid, zero, scale = _value_axis(low, high, step)
    parts += grid
    group = (WIDTH - LEFT - RIGHT) / len(categories)
    bar = min(group * 0.8 / len(series), MAX_BAR)
    margin = (group - bar * len(series)) / 2  # the bars centred in their group
    for index, category in enumerate(categories):
        for number, one in enumerate(series):
            value = one.values[index]
            top = zero - max(float(value), 0.0) * scale
            height = abs(float(value)) * scale
            x = LEFT + index * group + margin + number * bar
            colour = COLOURS[number % len(COLOURS)]
            parts.append(
                f'<rect x="{x:.1f}" y="{top:.1f}" width="{bar:.1f}" height="{height:.1f}" '
                f'fill="{colour}"><title>{escape(one.name)}, {escape(category)}: '
                f"{escape(value)}</title></rect>"
            )
    parts += _category_labels(categories, group)
    parts.append("</svg>")
    return Markup("".join(parts))  # every text above is escaped


def line_chart(categories: Sequence[str], series: Sequence[Series], title: str) -> Markup:
    """One line per series across the categories (months), with a dot per value.
    A single category has no line to draw: it is drawn as bars instead."""
    if not categories or not series:
        return _empty(title)
    if len(categories) == 1:
        return bar_chart(categories, series, title)
    low, high, step = _axis(series)
    parts = _frame(title, series)
    grid, zero, scale = _value_axis(low, high, step)
    parts += grid
    width = (WIDTH - LEFT - RIGHT) / len(categories)
    for number, one in enumerate(series):
        colour = COLOURS[number % len(COLOURS)]
        points = [
            (LEFT + (index + 0.5) * width, zero - float(value) * scale)
            for index, value in enumerate(one.values)
        ]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" '
            'stroke-width="2"></polyline>'
        )
        for (x, y), category, value in zip(points, categories, one.values, strict=True):
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                f"<title>{escape(one.name)}, {escape(category)}: {escape(value)}</title>"
                "</circle>"
            )
    parts += _category_labels(categories, width)
    parts.append("</svg>")
    return Markup("".join(parts))  # every text above is escaped
