"""Preflight: the checks a print shop's preflight (Acrobat, PitStop) runs, measured on the
finished PDF with an independent reader (PyMuPDF), never on the CSS that made it.

A page is checked region by region. A region is what gets cut out and read: the page's trim,
or, on a sheet that carries several pieces (a booklet spread, a cut sheet, the card proof),
each piece's trim, which the imposer records in the page's /PieceInfo."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy
import pymupdf

from printkit.preflight.conformance import conformance_findings, spaced_findings
from printkit.preflight.findings import Box, Checked, Finding, Rules, contrast
from printkit.preflight.fonts import font_findings
from printkit.units import INCH, is_card


@dataclass
class Region:
    box: Box
    card: bool
    bleed: float = 0.0   # how far art may run past the trim (pt); 0: not a press file
    label: str = ""      # which piece of the sheet, in findings
    spans: list[dict[str, Any]] = field(default_factory=list)


# ---------------------------------------------------------------------------- the file
THUMBNAIL_DPI = 40
TEXT_FLAGS = pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_MEDIABOX_CLIP


def preflight(data: bytes, name: str, rules: Rules, thumbnails: str = "all") -> Checked:
    """Every finding in the PDF ``data`` (called ``name`` in messages). ``thumbnails``:
    'all' pages, the pages with 'findings', or 'none'."""
    findings: list[Finding] = []
    with pymupdf.open(stream=data, filetype="pdf") as doc:
        findings += conformance_findings(data, name, doc.get_xml_metadata() or "")
        findings += font_findings(doc, name)
        bare = pymupdf.open()       # the same pages with their text removed: what is under it
        bare.insert_pdf(doc)
        sizes: list[tuple[float, float]] = []
        pictures: list[bytes | None] = []
        for number, page in enumerate(doc):
            words = page.get_textpage(flags=TEXT_FLAGS)   # read once, for both checks
            found = _page(page, words, bare[number], name, rules)
            found += spaced_findings(page.get_text("text", textpage=words), name, number + 1)
            findings += found
            sizes.append((page.rect.width, page.rect.height))
            wanted = thumbnails == "all" or (thumbnails == "findings" and found)
            pictures.append(page.get_pixmap(dpi=THUMBNAIL_DPI).tobytes("png")
                            if wanted else None)
        bare.close()
    return Checked(name, findings, sizes, pictures)


def _regions(page: Any) -> tuple[list[Region], Region]:
    """The trims on this page (the pieces the imposer recorded, else the page's trim box),
    and the page itself, home of text outside every piece (a proof page's caption)."""
    m = page.mediabox                      # PDF coordinates, as in the file
    raw = _box(page, "TrimBox") or _box(page, "CropBox") or (m.x0, m.y0, m.x1, m.y1)
    t = _on_page(page, raw)
    bled = _box(page, "BleedBox") or (m.x0, m.y0, m.x1, m.y1)
    whole = Region(t, is_card(t[2] - t[0], t[3] - t[1]), max(0.0, raw[0] - bled[0]))
    trims, bleed = _pieces(page)
    if not trims:
        return [whole], Region(whole.box, False, whole.bleed)
    boxes = [_on_page(page, box) for box in trims]
    regions = [Region(b, is_card(b[2] - b[0], b[3] - b[1]), bleed) for b in boxes]
    pages = [r for r in regions if not r.card]
    cards = [r for r in regions if r.card]
    for kind, group in (("page", pages), ("card", cards)):
        if len(group) == 2 and abs(group[0].box[1] - group[1].box[1]) < 1:
            left, right = sorted(group, key=lambda r: r.box[0])
            left.label, right.label = f"left {kind}", f"right {kind}"
        elif len(group) > 1 or len(regions) > 1:
            for i, r in enumerate(sorted(group, key=lambda r: (r.box[1], r.box[0])), 1):
                r.label = f"{kind} {i}"
    return regions, Region(whole.box, False, whole.bleed)


def _box(page: Any, key: str) -> Box | None:
    """A page box as written in the file (PDF coordinates), if the page has it."""
    kind, value = page.parent.xref_get_key(page.xref, key)
    if kind != "array":
        return None
    v = [float(n) for n in value.strip("[]").split()]
    return (min(v[0], v[2]), min(v[1], v[3]), max(v[0], v[2]), max(v[1], v[3]))


def _on_page(page: Any, box: Box) -> Box:
    """A box in PDF coordinates in the page's own (what text and pixels are measured in:
    from the top left of what is shown, y down)."""
    r = pymupdf.Rect(box) * page.transformation_matrix
    return (r.x0, r.y0, r.x1, r.y1)


def _pieces(page: Any) -> tuple[list[Box], float]:
    """The trims (PDF coordinates) and bleed the imposer wrote into /PieceInfo."""
    doc = page.parent
    kind, value = doc.xref_get_key(page.xref, "PieceInfo/printkit/Private/Trims")
    if kind != "array":
        return [], 0.0
    numbers = [float(v) for v in value.replace("[", " ").replace("]", " ").split()]
    bleed = doc.xref_get_key(page.xref, "PieceInfo/printkit/Private/Bleed")
    return [(numbers[i], numbers[i + 1], numbers[i + 2], numbers[i + 3])
            for i in range(0, len(numbers) - 3, 4)], \
        float(bleed[1]) if bleed[0] in ("int", "real") else 0.0


def _page(page: Any, words: Any, bare: Any, name: str, rules: Rules) -> list[Finding]:
    """The page's findings; ``words``: its text as MuPDF reads it (a TextPage)."""
    number = page.number + 1
    regions, whole = _regions(page)
    text = page.get_text("dict", textpage=words)
    for block in text["blocks"]:
        for line in block.get("lines", ()):
            for span in line["spans"]:
                if span["text"].strip() and span["alpha"]:
                    span["bold"] = bool(span["flags"] & 16) or "Bold" in span["font"]
                    _home(span, regions, whole).spans.append(span)
    findings: list[Finding] = []
    bare.add_redact_annot(bare.rect)
    bare.apply_redactions(images=pymupdf.PDF_REDACT_IMAGE_NONE,
                          graphics=pymupdf.PDF_REDACT_LINE_ART_NONE,
                          text=pymupdf.PDF_REDACT_TEXT_REMOVE)
    under = _packed(bare.get_pixmap(dpi=72, alpha=False))
    drawings = page.get_cdrawings()
    pressed = any(r.bleed for r in [*regions, whole])   # a press file: its marks are meant
    for region in [*regions, whole]:
        if not region.spans and region is whole:
            continue
        found = [*_sizes(region, name, number, rules),
                 *_contrast(region, under, name, number, rules),
                 *_safe(region, name, number, rules)]
        if region is not whole:
            found += _layout(region, drawings, name, number, rules)
            if pressed:
                found += _bleed(region, drawings, name, number)
        findings += [replace(f, piece=region.label) for f in found]
    if not pressed and not (len(regions) == 1 and regions[0].card):
        findings += _edge_marks(page, drawings, name, number, rules)
    findings += _images(page, name, number, rules)
    return findings


def _home(span: dict[str, Any], regions: Sequence[Region], whole: Region) -> Region:
    x0, y0, x1, y1 = span["bbox"]
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    for region in regions:
        rx0, ry0, rx1, ry1 = region.box
        if rx0 <= cx <= rx1 and ry0 <= cy <= ry1:
            return region
    return whole


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return f"'{text[:40]}…'" if len(text) > 40 else f"'{text}'"


# ---------------------------------------------------------------------------- type size
def _sizes(region: Region, name: str, number: int, rules: Rules) -> list[Finding]:
    findings = []
    floor = rules.card_smallest if region.card else rules.smallest
    small = [s for s in region.spans if s["size"] < floor - 0.05]
    if small:
        worst = min(small, key=lambda s: s["size"])
        more = f" ({len(small) - 1} more runs under it)" if len(small) > 1 else ""
        findings.append(Finding(
            name, number, "type-size",
            f"text {_snippet(worst['text'])} is {worst['size']:.1f} pt{more}; nothing on "
            f"{'a card' if region.card else 'a page'} may be under {floor:g} pt",
            tuple(worst["bbox"])))
    chars = _chars_by_size(region.spans)
    if not region.card and sum(chars.values()) >= 600:
        body = max(chars, key=lambda size: chars[size])
        if body < rules.body - 0.05:
            findings.append(Finding(
                name, number, "body-size",
                f"body text is {body:.1f} pt; this kit's body text is at least "
                f"{rules.body:g} pt (body_size in the kit)", region.box))
    return findings


def _chars_by_size(spans: Sequence[dict[str, Any]]) -> Counter[float]:
    """How many characters are set at each size (to 0.1 pt): the most common is the body."""
    chars: Counter[float] = Counter()
    for s in spans:
        chars[round(s["size"], 1)] += len(s["text"].strip())
    return chars


# ---------------------------------------------------------------------------- contrast
def _rgb(value: int) -> tuple[int, int, int]:
    return (value >> 16) & 255, (value >> 8) & 255, value & 255


def _contrast(region: Region, under: Any, name: str, number: int,
              rules: Rules) -> list[Finding]:
    findings = []
    height, width = under.shape[:2]
    for span in region.spans:
        size, (x0, _, x1, _) = span["size"], span["bbox"]
        # The band of the line the letters stand in (x-height to baseline): what a reader
        # sees around the strokes. Its most common colour is what the text is read against.
        base = span["origin"][1]
        band = under[max(int(base - 0.5 * size), 0):min(int(base + 0.999), height),
                     max(int(x0), 0):min(int(x1 + 0.999), width)]
        if not band.size:
            continue
        colours, counts = numpy.unique(band, return_counts=True)
        ground = _unpack(int(colours[counts.argmax()]))
        ratio = contrast(_rgb(span["color"]), ground)
        large = size >= 18 or (span["bold"] and size >= 14)
        need = rules.large_contrast if large else rules.contrast
        if ratio < need - 0.005:
            findings.append(Finding(
                name, number, "contrast",
                f"text {_snippet(span['text'])} is {ratio:.2f}:1 on "
                f"#{ground[0]:02X}{ground[1]:02X}{ground[2]:02X} "
                f"(#{span['color']:06X} text); needs {need:g}:1", tuple(span["bbox"])))
    return findings


def _packed(pixmap: Any) -> Any:
    """The pixmap's pixels as one number each (rows x columns): its RGBA bytes read as one
    little-endian 32-bit number, 0xAABBGGRR (see _unpack)."""
    rgba = pymupdf.Pixmap(pixmap, 1)   # an opaque alpha channel: four bytes a pixel
    # A copy of the pixels (.samples): a view of the pixmap's memory would outlive it.
    return numpy.frombuffer(rgba.samples, dtype="<u4").reshape(rgba.height, rgba.width)


def _unpack(value: int) -> tuple[int, int, int]:
    return value & 255, (value >> 8) & 255, (value >> 16) & 255


# ---------------------------------------------------------------------------- safe area
def _safe(region: Region, name: str, number: int, rules: Rules) -> list[Finding]:
    inset = rules.card_safe if region.card else rules.safe
    rx0, ry0, rx1, ry1 = region.box
    for span in region.spans:
        x0, _y0, x1, _y1 = span["bbox"]
        base, size = span["origin"][1], span["size"]
        top, bottom = base - 0.72 * size, base + 0.2 * size   # cap height to descender
        if x0 < rx0 + inset - 0.5 or x1 > rx1 - inset + 0.5 or top < ry0 + inset - 0.5 \
                or bottom > ry1 - inset + 0.5:
            return [Finding(
                name, number, "safe-area",
                f"text {_snippet(span['text'])} is within {inset / INCH:g} in of the trim, "
                "where a cut can take it off; move it inward", (x0, top, x1, bottom))]
    return []


# ---------------------------------------------------------------------------- layout
FOOTER_ZONE = 0.6 * INCH   # running footers and page numbers live here
# The SAMPLE mark of a build with placeholder values (plan/planner.py): not the page's content.
SAMPLE_MARK = {"SAMPLE", "· not for distribution", "SAMPLE · not for distribution"}


def _layout(region: Region, drawings: Sequence[dict[str, Any]], name: str, number: int,
            rules: Rules) -> list[Finding]:
    rx0, ry0, rx1, ry1 = region.box
    height = ry1 - ry0
    body = [s for s in region.spans if s["bbox"][3] < ry1 - FOOTER_ZONE
            and " ".join(s["text"].split()) not in SAMPLE_MARK]
    if not body:
        return []   # a deliberately blank page, or one with only a page number or SAMPLE
    area = (rx1 - rx0) * height
    bottoms = [s["bbox"][3] for s in body]
    for d in drawings:
        x0, y0, x1, y1 = d["rect"]
        if y1 < ry1 - FOOTER_ZONE and x0 >= rx0 - 1 and x1 <= rx1 + 1 and \
                (x1 - x0) * (y1 - y0) < 0.8 * area:
            bottoms.append(y1)
    findings = []
    reach = (max(bottoms) - ry0) / height
    if reach < rules.empty:
        findings.append(Finding(
            name, number, "near-empty",
            f"the page is only {reach:.0%} full; join it to the page before or fill it",
            region.box))
    last = max(body, key=lambda s: (s["bbox"][3], s["bbox"][0]))
    line = [s for s in body if abs(s["origin"][1] - last["origin"][1]) < 1]
    chars = _chars_by_size(body)
    common = max(chars, key=lambda size: chars[size])
    heading = all(s["bold"] for s in line) and min(s["size"] for s in line) >= common + 1
    if heading and last["bbox"][3] > ry0 + 0.75 * height and len(body) > 4:
        text = " ".join(s["text"].strip() for s in line)
        findings.append(Finding(
            name, number, "stranded-heading",
            f"heading {_snippet(text)} is the last line on the page; keep it with what "
            "follows (break-after: avoid)", tuple(last["bbox"])))
    return findings


def _bleed(region: Region, drawings: Sequence[dict[str, Any]], name: str,
           number: int) -> list[Finding]:
    """Art that touches the trim must run on into the bleed, or a cut a hair outside the
    trim leaves a white sliver."""
    rx0, ry0, rx1, ry1 = region.box
    for d in drawings:
        if d.get("fill") is None:
            continue
        x0, y0, x1, y1 = d["rect"]
        if x1 < rx0 or x0 > rx1 or y1 < ry0 or y0 > ry1:
            continue
        for edge, trim in ((x0, rx0), (-x1, -rx1), (y0, ry0), (-y1, -ry1)):
            if abs(edge - trim) < 0.75:
                return [Finding(name, number, "bleed",
                                "art stops at the trim instead of running into the bleed; "
                                "extend the background past the page edge",
                                (x0, y0, x1, y1))]
    return []


def _edge_marks(page: Any, drawings: Sequence[dict[str, Any]], name: str, number: int,
                rules: Rules) -> list[Finding]:
    m = page.mediabox
    edge = rules.office_edge
    for d in drawings:
        x0, y0, x1, y1 = d["rect"]
        if d.get("fill") is not None or (d.get("width") or 0) > 1.5 or \
                max(x1 - x0, y1 - y0) > 40:
            continue  # not a mark: art, which the printer's margin simply leaves white
        if x0 < m.x0 + edge or y0 < m.y0 + edge or x1 > m.x1 - edge or y1 > m.y1 - edge:
            return [Finding(name, number, "marks",
                            f"a mark sits within {edge / INCH:g} in of the sheet's edge, where "
                            "an office printer cannot print", (x0, y0, x1, y1))]
    return []


def _images(page: Any, name: str, number: int, rules: Rules) -> list[Finding]:
    findings = []
    for xref, _, width, height, *_ in page.get_images(full=True):
        for box in page.get_image_rects(xref):
            if box.width < 1 or box.height < 1:
                continue
            ppi = min(width / (box.width / INCH), height / (box.height / INCH))
            if ppi < rules.ppi - 0.5:
                findings.append(Finding(
                    name, number, "image",
                    f"an image prints at {ppi:.0f} ppi; a print shop needs {rules.ppi:g} "
                    "(use a larger image or an SVG)", tuple(box)))
    return findings
