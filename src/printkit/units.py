"""Sizes: points (1/72 in) everywhere, the paper sizes printkit knows, and what counts as a
card-sized page."""

from __future__ import annotations

from collections.abc import Mapping

INCH = 72.0          # points in an inch
CSS_PX = 0.75        # points in a CSS pixel (96 a inch)

PAPER_SIZES: Mapping[str, tuple[float, float]] = {
    # name: (width, height) in points
    "letter": (612.0, 792.0),
    "legal": (612.0, 1008.0),
    "tabloid": (792.0, 1224.0),
    "half-letter": (396.0, 612.0),
    "a4": (595.28, 841.89),
    "a5": (419.53, 595.28),
}

# Pages smaller than this either way (4.5 in) are cards: wallet cards (3.5 x 2 in), pocket
# cards (4.25 x 5.5 in, four to a Letter sheet), labels. No page numbers; shown on one
# proof page in a reading copy.
CARD_LIMIT = 4.5 * INCH


def mm(value: float) -> float:
    """Millimetres in points."""
    return value * INCH / 25.4


def is_card(width: float, height: float) -> bool:
    """Is a page of this size (in points) card-sized?"""
    return min(width, height) < CARD_LIMIT
