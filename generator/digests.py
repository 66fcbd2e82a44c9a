"""The one digest the build uses for what it compares: BLAKE2b, 16 bytes.

Content hashes of files, digests of a cable's text, page signatures, the
code fingerprint: each says "the same input" across builds, never across
trust boundaries, so 128 bits are plenty, and BLAKE2b is the fastest such
hash in the standard library. Written once here so that every stage
compares the same kind of value.
"""

from __future__ import annotations

import hashlib

SIZE = 16


def hasher(data: bytes = b"") -> hashlib.blake2b:
    """A running digest (for streams, or many parts)."""
    return hashlib.blake2b(data, digest_size=SIZE)


def hex_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=SIZE).hexdigest()


def raw_digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=SIZE).digest()


def text_hex_digest(text: str) -> str:
    """The digest of a text (lone surrogates included, as a custom reader may give them)."""
    return hex_digest(text.encode("utf-8", "surrogatepass"))


def text_raw_digest(text: str) -> bytes:
    return raw_digest(text.encode("utf-8", "surrogatepass"))
