"""Where each document lands in a reading copy, from page counts alone (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Placement:
    """Where each document lands in the reading copy (pure; from page counts)."""

    starts: tuple[int, ...]           # first page number (label) of each document
    blanks_after: tuple[int, ...]     # blank pages inserted after each document
    front_blanks: tuple[int, ...] = field(default=())  # after cover, after contents


def place(doc_pages: Sequence[int], duplex: bool, cover_pages: int = 0,
          contents_pages: int = 0) -> Placement:
    """Continuous numbering from the first document. In duplex, every document starts
    on a right-hand (odd) page, so a blank is added after an odd-length document;
    the front matter is padded to an even count so page 1 is a right-hand page."""
    starts, blanks = [], []
    number = 1
    for count in doc_pages:
        starts.append(number)
        pad = 1 if duplex and count % 2 else 0
        blanks.append(pad)
        number += count + pad
    front = (
        (cover_pages % 2 if duplex else 0),
        (contents_pages % 2 if duplex else 0),
    )
    if blanks:
        blanks[-1] = 0  # nothing to align after the last document
    return Placement(tuple(starts), tuple(blanks), front)
