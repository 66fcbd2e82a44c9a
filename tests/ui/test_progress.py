"""generator.ui.progress: a bar with count, rate and ETA on a terminal, plain lines elsewhere."""

from __future__ import annotations

import io

from generator.ui.progress import Progress, format_bytes, format_duration


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_on_a_terminal_it_redraws_in_place_at_most_ten_times_a_second() -> None:
    stream, clock = io.StringIO(), FakeClock()
    with Progress(10_000, "building", stream=stream, tty=True, clock=clock) as progress:
        for _ in range(10_000):  # 10 s of fake time
            clock.now += 0.001
            progress.advance()

    output = stream.getvalue()
    redraws = output.count("\r")
    assert 95 <= redraws <= 102
    assert "\n" not in output[:-1] and output.endswith("\n")
    last = output.rsplit("\r", 1)[1]
    assert last.startswith("building: ████████████████████████ 100% 10,000/10,000")


def test_the_bar_shows_count_rate_and_eta() -> None:
    clock = FakeClock()
    progress = Progress(1000, "importing", stream=io.StringIO(), tty=True, clock=clock)
    clock.now += 5
    progress.advance(250)

    assert progress.eta() == 15
    assert progress.line() == "importing: 25% 250/1,000 50/s ETA 0:15"
    progress.set_status("250 cables")
    assert progress.line().endswith("ETA 0:15 - 250 cables")


def test_byte_totals_are_shown_as_sizes() -> None:
    clock = FakeClock()
    progress = Progress(1_700_000_000, "importing", unit="bytes", stream=io.StringIO(), clock=clock)
    clock.now += 10
    progress.advance(170_000_000)

    assert progress.line() == "importing: 10% 170.0 MB/1.70 GB 17.0 MB/s ETA 1:30"


def test_without_a_total_there_is_no_percentage_or_eta() -> None:
    clock = FakeClock()
    progress = Progress(None, "reading", stream=io.StringIO(), clock=clock)
    clock.now += 2
    progress.advance(40)

    assert progress.eta() is None
    assert progress.line() == "reading: 40 20/s"


def test_off_a_terminal_it_prints_plain_lines_now_and_then() -> None:
    stream, clock = io.StringIO(), FakeClock()
    with Progress(5000, "importing", stream=stream, tty=False, clock=clock) as progress:
        for _ in range(5000):  # 50 s of fake time
            clock.now += 0.01
            progress.advance()

    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue()
    assert len(lines) == 5  # at 10, 20, 30 and 40 s, and the final state
    assert all(line.startswith("importing: ") for line in lines)
    assert lines[-1].startswith("importing: 100% 5,000/5,000")


def test_disabled_progress_writes_nothing() -> None:
    stream = io.StringIO()
    with Progress(10, "quiet", stream=stream, tty=True, enabled=False) as progress:
        progress.advance(10)
    assert stream.getvalue() == ""


def test_formats() -> None:
    assert format_duration(42) == "0:42"
    assert format_duration(725) == "12:05"
    assert format_duration(3723) == "1:02:03"
    assert format_bytes(999) == "999 B"
    assert format_bytes(23_700_000) == "23.7 MB"
    assert format_bytes(1_700_000_000) == "1.70 GB"
