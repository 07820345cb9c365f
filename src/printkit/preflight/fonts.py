"""Fonts as a print shop's preflight checks them: embedded, truly subset, and with a
ToUnicode map (so the text can be searched and read aloud)."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from typing import Any

from fontTools.ttLib import TTFont

from printkit.preflight.findings import Finding


def font_findings(doc: Any, name: str) -> Iterator[Finding]:
    seen: set[int] = set()
    for number in range(doc.page_count):
        for xref, ext, kind, base, *_ in doc.get_page_fonts(number, full=True):
            if xref in seen or kind == "Type3":
                continue
            seen.add(xref)
            problems = []
            if ext == "n/a":
                problems.append("is not embedded (the printer will substitute another)")
            elif _whole(doc, xref, ext):
                problems.append("is embedded whole, not subset (its name may say otherwise)")
            if doc.xref_get_key(xref, "ToUnicode")[0] == "null":
                problems.append("has no ToUnicode map (its text cannot be searched or read "
                                "aloud)")
            for problem in problems:
                yield Finding(name, number + 1, "font", f"font {base} {problem}")


# A subset of a text face for Latin text keeps well under this many glyphs with outlines.
WHOLE_FONT_GLYPHS = 150


def _whole(doc: Any, xref: int, ext: str) -> bool:
    """Is the embedded font program the whole face? Judged by what it holds, not by its
    name (a six-letter tag is only a claim): more than WHOLE_FONT_GLYPHS glyphs with
    outlines, and nearly all of its glyphs (a subset that keeps glyph ids has many empty
    slots; one renumbered is small)."""
    if ext not in ("ttf", "otf", "cff"):
        return False
    try:
        font = TTFont(io.BytesIO(doc.extract_font(xref)[3]), lazy=True)
        if "loca" in font:
            loca = font["loca"].locations
            drawn = sum(1 for a, b in itertools.pairwise(loca) if b > a)
        else:
            drawn = len(font["CFF "].cff[0].CharStrings)
        total = int(font["maxp"].numGlyphs)
    except Exception:   # a font fontTools cannot read is not ours to judge
        return False
    return drawn > WHOLE_FONT_GLYPHS and drawn > 0.8 * total
