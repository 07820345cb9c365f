"""The content side of finishing a tagged PDF (see access.py): marked content no element
owns becomes an artifact, and letter-spaced runs of glyphs carry their words as /ActualText
(text extractors and screen readers otherwise read "S U I C I D E")."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pikepdf
from pikepdf import Dictionary, Name, Operator

# A run of glyphs is letter-spaced when most glyphs are followed by at least this much
# extra space (thousandths of an em): WeasyPrint writes CSS letter-spacing this way.
SPACED = 20
BDC, EMC, TJ, TF = (Operator(o) for o in ("BDC", "EMC", "TJ", "Tf"))


def rewrite(pdf: pikepdf.Pdf, page: Any, owned: set[int], decoration: set[int]) -> None:
    """Marked content no element owns becomes an artifact (layout, or pagination: running
    headers and footers); letter-spaced runs get their words as /ActualText."""
    instructions = pikepdf.parse_content_stream(page)
    fonts = page.obj.get("/Resources", Dictionary()).get("/Font", Dictionary())
    out: list[Any] = []
    font: Any = None
    maps: dict[tuple[int, int], dict[int, str]] = {}   # each font's ToUnicode, read once
    changed = False
    for instruction in instructions:
        operands, operator = instruction.operands, instruction.operator
        if operator == BDC and len(operands) == 2 and isinstance(operands[1], Dictionary):
            mcid = operands[1].get("/MCID")
            if mcid is not None and int(mcid) not in owned:
                kind = Name.Layout if int(mcid) in decoration else Name.Pagination
                out.append(pikepdf.ContentStreamInstruction(
                    [Name.Artifact, Dictionary(Type=kind)], BDC))
                changed = True
                continue
        elif operator == TF:
            font = fonts.get(str(operands[0]))
        elif operator == TJ and font is not None and _spaced(operands[0]):
            key = font.objgen if font.is_indirect else (0, id(font))
            if key not in maps:
                maps[key] = _cmap(font.get("/ToUnicode"))
            text = _text(maps[key], operands[0])
            if text.strip():
                out.append(pikepdf.ContentStreamInstruction(
                    [Name.Span, Dictionary(ActualText=pikepdf.String(text))], BDC))
                out.append(instruction)
                out.append(pikepdf.ContentStreamInstruction([], EMC))
                changed = True
                continue
        out.append(instruction)
    if changed:
        page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(out))


def _spaced(array: Any) -> bool:
    """True if the glyphs of a TJ array are spread apart one by one (letter-spacing)."""
    if len(array) < 5 or sum(not isinstance(x, pikepdf.String) for x in array) * 3 < len(array):
        return False  # letter-spacing puts a number after every glyph: quick to rule out
    gaps: list[float] = []  # the extra space after each glyph, in thousandths of an em
    for item in array:
        if isinstance(item, pikepdf.String):
            gaps.extend([0.0] * (len(bytes(item)) // 2))
        elif gaps and isinstance(item, int | float | Decimal):
            gaps[-1] -= float(item)
    gaps = gaps[:-1]  # what follows the last glyph separates nothing
    return len(gaps) >= 2 and sum(g >= SPACED for g in gaps) >= 0.8 * len(gaps)


def _text(cmap: dict[int, str], array: Any) -> str:
    """The words a TJ array shows, through its font's ToUnicode map (two-byte codes)."""
    out: list[str] = []
    for item in array:
        if isinstance(item, pikepdf.String):
            raw = bytes(item)
            out.extend(cmap.get(int.from_bytes(raw[i:i + 2], "big"), "")
                       for i in range(0, len(raw) - 1, 2))
    return "".join(out)


_BFCHAR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>")
_BFRANGE = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")


def _cmap(stream: Any) -> dict[int, str]:
    """A ToUnicode CMap's code -> text (none without one)."""
    if stream is None:
        return {}
    data = stream.read_bytes()
    out: dict[int, str] = {}
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for lo, hi, dst in _BFRANGE.findall(block):
            start = int.from_bytes(bytes.fromhex(dst.decode()), "big")
            for offset, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                out[code] = chr(start + offset)
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for src, dst in _BFCHAR.findall(block):
            out[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be", "replace")
    return out
