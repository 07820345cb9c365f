"""Where a field's text goes in its page's content: at the field's empty marked content.

WeasyPrint writes a hidden placeholder as empty marked content (``/Span <</MCID n>> BDC
EMC``), at the point where it would have drawn the text. Cutting the page's content there
and drawing the field's text in between keeps content order the same as reading order
(text extractors, reflow and some assistive technology follow content order). The text is
set in default user space, so each cut knows the CTM in force at it.

Such a point is never inside a text object: WeasyPrint opens the marked content around
``draw_text``, which begins and ends its own text object, and draws nothing for hidden
text. A mark found inside one anyway gets no cut: its text is drawn last, as is the text
of a field whose mark is not found.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pikepdf

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
EMPTY_MARK = rb"(?<!\S)/[A-Za-z]+\s*<<\s*/MCID\s+%d\s*>>\s*BDC\s+EMC(?!\S)"


@dataclass(frozen=True)
class Cut:
    """One field's empty marked content in a page's content: bytes start:end, and the
    CTM in force there (None: the mark is removed, but the text is drawn last)."""

    mcid: int
    start: int
    end: int
    ctm: Matrix | None


def multiply(m: Matrix, n: Matrix) -> Matrix:
    """m then n (``m cm`` applied in a space whose CTM is n)."""
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s,
            e * p + f * r + t, e * q + f * s + u)


def inverse(m: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    det = a * d - b * c
    return (d / det, -b / det, -c / det, a / det, (c * f - d * e) / det,
            (b * e - a * f) / det)


def cm(m: Matrix) -> bytes:
    """``m`` as a ``cm`` operator: fixed-point (PDF has no exponents), every digit a double
    has (so that ``cm(inverse(m))`` then ``m`` is the identity, even to Poppler's pixels)."""
    numbers = (f"{v:.16f}".rstrip("0").rstrip(".") for v in m)
    return (" ".join("0" if n == "-0" else n for n in numbers) + " cm").encode("ascii")


def find_cuts(data: bytes, mcids: Sequence[int]) -> list[Cut]:
    """The empty marked contents of ``mcids`` in ``data`` (a page's whole content), in
    content order, each with the CTM in force where it is."""
    marks = sorted((m.start(), m.end(), mcid) for mcid in mcids
                   if (m := re.search(EMPTY_MARK % mcid, data)) is not None)
    pdf, ctm, text, at, count = pikepdf.new(), [IDENTITY], False, 0, 0
    cuts: list[Cut] = []
    try:
        for start, end, mcid in marks:
            for operands, op in _parse(pdf, data[at:start]):
                text = _step(ctm, text, str(op), operands)
                count += 1
            cuts.append(Cut(mcid, start, end, None if text else ctm[-1]))
            at, count = end, count + 2   # the marked content's BDC and EMC
        # A mark in a string (never in WeasyPrint's content) would change the tokens.
        if count + len(_parse(pdf, data[at:])) == len(_parse(pdf, data)):
            return cuts
    except pikepdf.PdfError:
        pass
    return [Cut(mcid, start, end, None) for start, end, mcid in marks]


def _parse(pdf: Any, data: bytes) -> list[Any]:
    with warnings.catch_warnings():   # a cut in a string: "Unexpected end of stream"
        warnings.simplefilter("ignore")
        return list(pikepdf.parse_content_stream(pikepdf.Stream(pdf, data)))


def _step(ctm: list[Matrix], text: bool, op: str, operands: Sequence[Any]) -> bool:
    """Follow one operator (the CTM stack and whether in a text object); in a text
    object after it?"""
    if op == "q":
        ctm.append(ctm[-1])
    elif op == "Q" and len(ctm) > 1:
        ctm.pop()
    elif op == "cm" and len(operands) == 6:
        m = tuple(float(v) for v in operands)
        ctm[-1] = multiply((m[0], m[1], m[2], m[3], m[4], m[5]), ctm[-1])
    return op == "BT" or (text and op != "ET")
