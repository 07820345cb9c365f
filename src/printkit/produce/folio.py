"""Page-number stamps added at assembly, so a document's render never depends on
where it sits in a kit. Drawn straight into the page with pypdf in the packaged
font (embedded whole, WinAnsi encoding): no WeasyPrint needed to assemble.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from fontTools.ttLib import TTFont
from pypdf import PageObject, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ContentStream,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
)

from printkit.fonts import regular_font
from printkit.units import is_card

FONT_NAME = "/PKFolio"
FIRST, LAST = 32, 255


@dataclass(frozen=True)
class Metrics:
    widths: tuple[int, ...]  # per code FIRST..LAST, in 1/1000 em
    ascent: int
    descent: int
    cap_height: int
    bbox: tuple[int, int, int, int]
    ps_name: str

    def width(self, text: str, size: float) -> float:
        total = 0
        for ch in encode(text):
            total += self.widths[ch - FIRST] if FIRST <= ch <= LAST else 500
        return total * size / 1000


def encode(text: str) -> bytes:
    return text.encode("cp1252", errors="replace")


@cache
def metrics() -> Metrics:
    font = TTFont(str(regular_font()))
    scale = 1000 / font["head"].unitsPerEm
    cmap = font.getBestCmap()
    hmtx = font["hmtx"]
    widths = []
    for code in range(FIRST, LAST + 1):
        try:
            char = bytes([code]).decode("cp1252")
        except UnicodeDecodeError:
            widths.append(0)
            continue
        glyph = cmap.get(ord(char))
        widths.append(round(hmtx[glyph][0] * scale) if glyph else 0)
    head, os2 = font["head"], font["OS/2"]
    bbox = tuple(round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax))
    name = font["name"].getDebugName(6) or "AtkinsonHyperlegible-Regular"
    return Metrics(tuple(widths), round(os2.sTypoAscender * scale),
                   round(os2.sTypoDescender * scale),
                   round(getattr(os2, "sCapHeight", 700) * scale), bbox,
                   name)


def add_font(writer: PdfWriter) -> IndirectObject:
    """Embed the font once in ``writer``; returns the font dictionary's reference."""
    m = metrics()
    raw = DecodedStreamObject()
    data = regular_font().read_bytes()
    raw.set_data(data)
    raw[NameObject("/Length1")] = NumberObject(len(data))
    program_ref = writer._add_object(raw.flate_encode())
    descriptor = DictionaryObject({
        NameObject("/Type"): NameObject("/FontDescriptor"),
        NameObject("/FontName"): NameObject("/" + m.ps_name),
        NameObject("/Flags"): NumberObject(32),
        NameObject("/FontBBox"): ArrayObject([NumberObject(v) for v in m.bbox]),
        NameObject("/ItalicAngle"): NumberObject(0),
        NameObject("/Ascent"): NumberObject(m.ascent),
        NameObject("/Descent"): NumberObject(m.descent),
        NameObject("/CapHeight"): NumberObject(m.cap_height),
        NameObject("/StemV"): NumberObject(80),
        NameObject("/FontFile2"): program_ref,
    })
    font = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/TrueType"),
        NameObject("/BaseFont"): NameObject("/" + m.ps_name),
        NameObject("/FirstChar"): NumberObject(FIRST),
        NameObject("/LastChar"): NumberObject(LAST),
        NameObject("/Widths"): ArrayObject([NumberObject(w) for w in m.widths]),
        NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
        NameObject("/FontDescriptor"): writer._add_object(descriptor),
    })
    return writer._add_object(font)


def _pdf_string(text: str) -> bytes:
    raw = encode(text)
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def is_small(page: PageObject) -> bool:
    """Cards and labels (under 4 in either way) carry no page number."""
    box = page.mediabox
    return is_card(float(box.width), float(box.height))


def stamp(page: PageObject, font_ref: IndirectObject, text: str, *, align: str,
          margin: float = 54.0, baseline: float = 28.0, size: float = 8.5,
          gray: float = 0.35) -> None:
    """Draw ``text`` at the foot of ``page``: align 'left', 'right' or 'center'."""
    if is_small(page):
        return
    box = page.trimbox
    x0, width = float(box.left), float(box.width)
    x = {"right": x0 + width - margin, "center": x0 + width / 2}.get(align, x0 + margin)
    draw(page, font_ref, text, x, float(box.bottom) + baseline, align=align, size=size,
         gray=gray)


def text(page: PageObject, font_ref: IndirectObject, value: str, x: float, y: float, *,
         align: str = "left", size: float = 9, gray: float = 0.35) -> None:
    """Draw ``value`` anchored at (x, y) by its left, right or centre."""
    draw(page, font_ref, value, x, y, align=align, size=size, gray=gray)


def draw(page: PageObject, font_ref: IndirectObject, value: str, x: float, y: float, *,
         align: str, size: float, gray: float) -> None:
    width = metrics().width(value, size)
    if align == "right":
        x -= width
    elif align == "center":
        x -= width / 2
    ops = (b"Q /Artifact BMC q BT " + FONT_NAME.encode() + b" " + f"{size:g}".encode() +
           b" Tf " + f"{gray:g} g 1 0 0 1 {x:.2f} {y:.2f} Tm ".encode() + _pdf_string(value) +
           b" Tj ET Q EMC")
    if page.get("/Resources") is None:
        page[NameObject("/Resources")] = DictionaryObject()
    resources: Any = page["/Resources"].get_object()
    if resources.get("/Font") is None:
        resources[NameObject("/Font")] = DictionaryObject()
    resources["/Font"].get_object()[NameObject(FONT_NAME)] = font_ref
    contents = page.get_contents()
    data = b"q\n" + (contents.get_data() if contents is not None else b"") + b"\n" + ops + b"\n"
    stream = ContentStream(None, None)
    stream.set_data(data)
    page.replace_contents(stream)
