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
HEIGHT = 160
AXIS = 20
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
    x: float
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
    plot = HEIGHT - AXIS
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
        ticks=_ticks(first, last, slot),
        peak=peak,
        summary=f"Cables per month from {first[0]} to {last[0]}; the busiest month has {peak}.",
    )


def _ticks(first: tuple[int, int], last: tuple[int, int], slot: float) -> tuple[Tick, ...]:
    years = last[0] - first[0] + 1
    step = next(s for s in (1, 2, 5, 10, 20, 50) if years / s <= 12)
    ticks = []
    for year in range(first[0], last[0] + 1):
        if year % step == 0 or year == first[0]:
            index = (year - first[0]) * 12 + (1 - first[1])
            ticks.append(Tick(x=round(max(0, index) * slot, 2), label=str(year)))
    # Labels closer than ~40 px overlap; keep the first one.
    kept: list[Tick] = []
    for tick in ticks:
        if not kept or tick.x - kept[-1].x >= 40:
            kept.append(tick)
    return tuple(kept)
