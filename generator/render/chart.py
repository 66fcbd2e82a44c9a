"""The home page's timeline: cables per month as an inline SVG bar chart.

Geometry is computed here; the template only draws it. The chart is plain
SVG (no script), each bar links to its month and carries a ``<title>`` with
the exact count, and the same figures are on the ``date/`` page as a table.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.archive import Archive
from generator.urls import Urls

WIDTH = 960
HEIGHT = 140
# A month with a single cable must still show among months with thousands.
MIN_BAR = 2.0


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    count: int
    href: str


@dataclass(frozen=True, slots=True)
class Tick:
    """A year label, placed in HTML under the chart so it stays legible at any width."""

    percent: float
    label: str


@dataclass(frozen=True, slots=True)
class Timeline:
    width: int
    height: int
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    peak: int
    summary: str


def timeline(archive: Archive, urls: Urls) -> Timeline | None:
    """None for an archive without dated cables: there is nothing to draw."""
    if not archive.months:
        return None
    months = sorted(archive.months)
    first, last = months[0], months[-1]
    span = (last[0] - first[0]) * 12 + (last[1] - first[1]) + 1
    slot = WIDTH / span
    plot = HEIGHT
    peak = max(len(f.keys) for f in archive.months.values())
    bars = []
    for (year, month), facet in sorted(archive.months.items()):
        index = (year - first[0]) * 12 + (month - first[1])
        count = len(facet.keys)
        height = max(MIN_BAR, plot * count / peak)
        bars.append(
            Bar(
                x=round(index * slot, 2),
                y=round(plot - height, 2),
                width=round(max(slot * 0.8, 1.0), 2),
                height=round(height, 2),
                label=facet.name,
                count=count,
                href=urls.href(Urls.month(year, month)),
            )
        )
    return Timeline(
        width=WIDTH,
        height=HEIGHT,
        bars=tuple(bars),
        ticks=_ticks(first, last, span),
        peak=peak,
        summary=f"Cables per month from {first[0]} to {last[0]}; the busiest month has {peak}.",
    )


def _ticks(first: tuple[int, int], last: tuple[int, int], span: int) -> tuple[Tick, ...]:
    """Round years (every 1, 2, 5, 10… so at most ~8 labels), at each January."""
    years = last[0] - first[0] + 1
    step = _tick_step(years)
    ticks = []
    for year in range(first[0] + (-first[0]) % step, last[0] + 1, step):
        index = (year - first[0]) * 12 + (1 - first[1])
        # A label needs room on both sides: skip those hugging the chart's edges.
        if 0.04 <= index / span <= 0.96:
            ticks.append(Tick(percent=round(100 * index / span, 2), label=str(year)))
    return tuple(ticks)


def _tick_step(years: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, 100… years that leaves at most 8 labels.

    Unbounded: one cable dated 1600 among cables of the 2000s is a span of
    four centuries, and must still draw.
    """
    scale = 1
    while True:
        for factor in (1, 2, 5):
            if years / (factor * scale) <= 8:
                return factor * scale
        scale *= 10
