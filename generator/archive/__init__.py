"""The archive stage: every cable as an :class:`Entry`, and the corpus they make.

``entry`` decides what one cable is in the archive (title, slugs, digests)
and how it is kept between builds; ``assemble`` makes the archive of all of
them: duplicates and variants, references both ways, facets, neighbours.
Nothing here reads a file or renders a page.
"""

from generator.archive.assemble import (
    Archive,
    ArchiveBuilder,
    Copy,
    Facet,
    Variants,
    assemble,
    variant_problems,
)
from generator.archive.entry import Entry, entry_of

__all__ = [
    "Archive",
    "ArchiveBuilder",
    "Copy",
    "Entry",
    "Facet",
    "Variants",
    "assemble",
    "entry_of",
    "variant_problems",
]
