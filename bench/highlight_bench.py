#!/usr/bin/env python3
"""CPU time per cable of highlighting the raw text: Pygments against the fast path.

    python bench/highlight_bench.py [--n 2000] [--repeat 5]

The texts are what the build highlights (`text.raw_text` of each cable):
the dev corpus (../shared/corpus/dev, four formats) and `--n` synthetic
cables (../shared/bench/make_corpus.py --format cable, cached in a temp
folder). For each, `pygments_cable` (Pygments' highlight() with the
anchored-rule lexer of render/highlight/anchored.py, what the build did before) and
`highlight_cable` (the fast path of render/highlight/fast.py) are timed with
`time.process_time`, the best of `--repeat` runs, and their outputs compared.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))

from generator.parse import read_cables  # noqa: E402
from generator.render.highlight import highlight_cable, pygments_cable  # noqa: E402
from generator.render.text import raw_text  # noqa: E402


def synthetic(n: int) -> Path:
    out = Path(tempfile.gettempdir()) / f"cablesite-bench-cable-{n}"
    if not out.exists():
        maker = SHARED / "bench" / "make_corpus.py"
        command = [sys.executable, str(maker), "--n", str(n), "--out", str(out)]
        subprocess.run([*command, "--format", "cable"], check=True, stdout=subprocess.DEVNULL)
    return out


def texts_of(folder: Path) -> list[str]:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "CATALOG.tsv")
    return [raw_text(c) for f in files for c in read_cables(f, on_problem=lambda _: None)]


def cpu_per_text(highlight: Callable[[str], str], texts: list[str], repeat: int) -> float:
    """The best CPU seconds per text over `repeat` runs."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        for text in texts:
            highlight(text)
        best = min(best, time.process_time() - start)
    return best / len(texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="synthetic cables (default 2000)")
    parser.add_argument("--repeat", type=int, default=5, help="runs, the best counts (default 5)")
    args = parser.parse_args()
    corpora = {
        f"synthetic {args.n:,}": texts_of(synthetic(args.n)),
        "dev corpus": texts_of(SHARED / "corpus" / "dev"),
    }
    print(
        f"{'corpus':<18} {'cables':>7} {'KB/cable':>9} {'Pygments':>10} {'fast':>10} {'speed-up':>9}"
    )
    for name, texts in corpora.items():
        same = sum(highlight_cable(t) == pygments_cable(t) for t in texts)
        before = cpu_per_text(pygments_cable, texts, args.repeat)
        after = cpu_per_text(highlight_cable, texts, args.repeat)
        size = sum(map(len, texts)) / len(texts) / 1000
        print(
            f"{name:<18} {len(texts):>7,} {size:>9.1f} {before * 1e3:>7.3f} ms "
            f"{after * 1e3:>7.3f} ms {before / after:>8.1f}x"
            + ("" if same == len(texts) else f"  ({len(texts) - same} DIFFER)")
        )


if __name__ == "__main__":
    main()
