"""A progress reporter for long runs (import, build): count, rate and ETA.

On a terminal it redraws one line in place (carriage return, to stderr) at
most ~10 times a second, so a loop of a million tiny steps costs a clock
read per step, not a million writes.  When stderr is not a terminal (CI
logs, a pipe, a file) a redrawn line would be a mess of `\\r`s, so it
prints a plain line now and then instead.

    with Progress(total_bytes, "importing", unit="bytes") as progress:
        for chunk in work:
            ...
            progress.advance(len(chunk))
            progress.set_status(f"{cables:,} cables")
"""

from __future__ import annotations

import io
import os
import sys
import time
from types import TracebackType
from typing import TextIO

_REDRAW_EVERY = 0.1  # seconds: ~10 redraws/s is smooth to the eye and cheap
_LOG_EVERY = 10.0  # seconds between plain lines when not on a terminal
_BAR_WIDTH = 24


class Progress:
    """Context manager reporting progress towards `total` units (None: unknown total)."""

    def __init__(
        self,
        total: int | None,
        label: str,
        *,
        unit: str = "",
        stream: TextIO | None = None,
        tty: bool | None = None,
        enabled: bool = True,
        clock=time.monotonic,
    ) -> None:
        self.total = total if total and total > 0 else None
        self.label = label
        self.unit = unit
        self.done = 0
        self.status = ""
        self._stream = stream if stream is not None else sys.stderr
        self._tty = _is_tty(self._stream) if tty is None else tty
        self._enabled = enabled
        self._clock = clock
        self._start = clock()
        self._last_draw = float("-inf")
        self._last_log = self._start
        self._drawn_width = 0

    def __enter__(self) -> Progress:
        self._start = self._clock()
        self._last_log = self._start
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def advance(self, n: int = 1) -> None:
        self.done += n
        self._maybe_draw()

    def set_status(self, status: str) -> None:
        """Extra words shown after the figures ("12,000 cables")."""
        self.status = status

    def close(self) -> None:
        """Draw the final state once and leave the terminal on a fresh line."""
        if not self._enabled:
            return
        if self._tty:
            self._draw_tty()
            self._stream.write("\n")
        else:
            self._stream.write(self.line() + "\n")
        self._stream.flush()
        self._enabled = False

    # --- what is shown -----------------------------------------------------------

    def line(self) -> str:
        """The current state as one line of text (without the bar)."""
        parts = [f"{self.label}:"]
        if self.total:
            parts.append(f"{self.fraction():.0%}")
            parts.append(f"{self._amount(self.done)}/{self._amount(self.total)}")
        else:
            parts.append(self._amount(self.done))
        parts.append(f"{self._amount(int(self.rate()))}/s")
        eta = self.eta()
        if eta is not None:
            parts.append(f"ETA {format_duration(eta)}")
        if self.status:
            parts.append(f"- {self.status}")
        return " ".join(parts)

    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 0.0

    def elapsed(self) -> float:
        return self._clock() - self._start

    def rate(self) -> float:
        elapsed = self.elapsed()
        return self.done / elapsed if elapsed > 0 else 0.0

    def eta(self) -> float | None:
        """Seconds left at the average rate so far, or None when it cannot be told."""
        rate = self.rate()
        if not self.total or rate <= 0:
            return None
        return max(0.0, (self.total - self.done) / rate)

    def _amount(self, n: int) -> str:
        return format_bytes(n) if self.unit == "bytes" else f"{n:,}{self.unit and ' ' + self.unit}"

    # --- drawing -----------------------------------------------------------------

    def _maybe_draw(self) -> None:
        if not self._enabled:
            return
        now = self._clock()
        if self._tty:
            if now - self._last_draw >= _REDRAW_EVERY:
                self._last_draw = now
                self._draw_tty()
        elif now - self._last_log >= _LOG_EVERY:
            self._last_log = now
            self._stream.write(self.line() + "\n")
            self._stream.flush()

    def _draw_tty(self) -> None:
        text = self.line()
        if self.total:
            filled = round(self.fraction() * _BAR_WIDTH)
            bar = "█" * filled + "░" * (_BAR_WIDTH - filled)
            label, _, rest = text.partition(" ")
            text = f"{label} {bar} {rest}"
        text = text[: max(20, _terminal_width(self._stream) - 1)]
        # Pad over what the previous, possibly longer, line left on screen.
        pad = " " * max(0, self._drawn_width - len(text))
        self._drawn_width = len(text)
        self._stream.write("\r" + text + pad)
        self._stream.flush()


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _terminal_width(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return 100


def format_duration(seconds: float) -> str:
    """`0:42`, `12:05`, `1:02:03`."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_bytes(n: float) -> str:
    for unit in ("B", "kB", "MB"):
        if abs(n) < 1000:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.2f} GB"
