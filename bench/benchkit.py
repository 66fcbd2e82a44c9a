"""What several benches share: synthetic corpora, site folders over them, `cablesite serve`,
a build without the archive database.

Benches import it as a sibling module (they run as scripts from bench/, so
this folder is on ``sys.path``).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MAKE_CORPUS = REPO.parent / "shared" / "bench" / "make_corpus.py"


def make_corpus(count: int, out: Path) -> Path:
    """`count` synthetic cables (make_corpus.py, the telegram form, routing header) in `out`."""
    command = [sys.executable, str(MAKE_CORPUS), "--n", str(count), "--out", str(out)]
    subprocess.run([*command, "--format", "cable"], check=True, stdout=subprocess.DEVNULL)
    return out


def cached_corpus(count: int) -> Path:
    """The shared corpus of `count` cables in the temp folder, made once (read-only: link
    or copy it, never edit it in place)."""
    folder = Path(tempfile.gettempdir()) / f"cablesite-bench-cable-{count}"
    return folder if folder.is_dir() else make_corpus(count, folder)


def corpus_site(root: Path, count: int, title: str) -> Path:
    """A site folder whose content/cables holds `count` synthetic cables (made once)."""
    cables = root / "content" / "cables"
    if not cables.is_dir():
        make_corpus(count, cables)
    (root / "site.toml").write_text(f'title = "{title}, {count:,} cables"\n', encoding="utf-8")
    return root


class ServeProcess:
    """`cablesite serve --port 0` on `site` in a child process: its port, its CPU time,
    and its stderr, kept to count tracebacks. Stopped with SIGINT, as Ctrl-C."""

    def __init__(self, site: Path, timeout: float = 600) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "generator", "serve", "--port", "0", "-C", str(site)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.errors: list[str] = []
        threading.Thread(target=self._drain, args=(self.process.stderr, self.errors)).start()
        self.port = self._wait_for_port(timeout)
        self.url = f"http://127.0.0.1:{self.port}/"
        # Keep draining stdout so the server never blocks on a full pipe.
        threading.Thread(target=self._drain, args=(self.process.stdout, []), daemon=True).start()

    def _wait_for_port(self, timeout: float) -> int:
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            found = re.match(r"serving http://127\.0\.0\.1:(\d+)/", line)
            if found:
                return int(found.group(1))
        self.stop()
        raise SystemExit("cablesite serve did not start:\n" + "".join(self.errors[-20:]))

    @staticmethod
    def _drain(stream: object, into: list[str]) -> None:
        for line in stream:  # type: ignore[attr-defined]
            into.append(line)

    def cpu_seconds(self) -> float:
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return float("nan")

    def stop(self) -> int:
        """Stop it; the number of traceback lines it printed."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        time.sleep(0.2)  # (the stderr thread reads the last lines)
        return sum("Traceback" in line for line in self.errors)


class NoDatabase:
    """The full pass's database process (``DatabaseProcess``) replaced by one that does
    nothing: a build without the archive database, to compare a build with it against."""

    render_niceness = 0

    def __init__(self, *args: object) -> None:
        pass

    def start(self, *args: object) -> None:
        pass

    def copies(self) -> dict:
        return {}

    def close(self) -> None:
        pass

    def __enter__(self) -> NoDatabase:
        return self

    def __exit__(self, *_: object) -> None:
        pass
