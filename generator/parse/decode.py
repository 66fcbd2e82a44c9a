"""Bytes to text: UTF-8 when it is, else cp1252 (latin-1 for its gaps).

Real telegrams carry latin-1 bytes such as the 0xB6 pilcrow before
paragraph numbers; decoding them as UTF-8 would fail or garble them.
"""

from __future__ import annotations

import codecs

_BINARY_SAMPLE = 8192
# Every byte but the control characters a text file does not contain.
_NOT_CONTROL = bytes(b for b in range(256) if b >= 32 or b in (9, 10, 12, 13))


def looks_binary(data: bytes) -> bool:
    """NUL bytes or mostly control characters: an image, an archive, not a cable."""
    sample = data[:_BINARY_SAMPLE]
    if b"\x00" in sample:
        return True
    controls = len(sample.translate(None, _NOT_CONTROL))
    return bool(sample) and controls / len(sample) > 0.05


def decode_bytes(data: bytes) -> tuple[str, str | None]:
    """(text, warning or None) for a file's bytes."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as err:
        where = err.start
    text = data.decode("cp1252", errors="cablesite-latin1")
    line = data.count(b"\n", 0, where) + 1
    return text, f"line {line}: not UTF-8; read as Windows-1252/Latin-1"


def _latin1_for_gaps(err: UnicodeDecodeError) -> tuple[str, int]:
    # cp1252 leaves five bytes undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D); latin-1 maps them.
    bad = err.object[err.start : err.end]
    return bad.decode("latin-1"), err.end


codecs.register_error("cablesite-latin1", _latin1_for_gaps)
