"""Personalised fields: variable-data printing for roster packets.

A template marks a personalised value with the ``field`` filter; it must sit at the end of a
line of its own (``<p>{{ ('Dear ' ~ name ~ ',') | field }}</p>``). In a roster build every
row's HTML is split into a skeleton (each field's text replaced by a hidden placeholder) and
the fields' texts. Rows with the same skeleton share one render of it; WeasyPrint's layout
tells where each field's line is (``measure``), and vdp.py prints each row's text there.
Anything this cannot place exactly (a field inside a heading, text after it on its line,
letter-spacing, a card-sized page) is reported, and those rows are rendered in full instead.

No WeasyPrint import here: ``measure`` walks the layout it is given.
"""

from __future__ import annotations

import html as html_lib
import io
import re
from dataclasses import asdict, dataclass, replace
from typing import Any

import pikepdf

from printkit.fonts import FAMILY
from printkit.render.grey import luma
from printkit.units import CSS_PX, is_card

FIELD_RE = re.compile(r'<span class="pk-field">([^<]*)</span>')
# Hidden, but laid out like text: the line keeps the height and baseline it has with a name.
PLACEHOLDER = '<span class="pk-field" style="visibility: hidden">X</span>'
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
EMPTY_MARK_RE = re.compile(rb"<<\s*/MCID\s+(\d+)\s*>>\s*BDC\s+EMC")


def split(html: str) -> tuple[str, tuple[str, ...]]:
    """(the HTML with each field's text replaced by the placeholder, the fields' texts)."""
    texts = tuple(html_lib.unescape(m) for m in FIELD_RE.findall(html))
    return FIELD_RE.sub(PLACEHOLDER, html), texts


@dataclass(frozen=True)
class Spot:
    """Where one field's text is printed, in pt from the page's top-left corner."""

    page: int                          # page index within the document
    left: float
    right: float                       # the text must end before this
    baseline: float
    size: float                        # font size in pt
    bold: bool
    italic: bool
    color: tuple[float, float, float]  # sRGB, 0-1
    align: str                         # left, center or right
    transform: str                     # CSS text-transform: none, uppercase, ...
    mcid: int | None = None            # the placeholder's marked content (tagged PDFs)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Spot:
        values = dict(data)
        values["color"] = tuple(values["color"])
        return cls(**values)


def probe(document: Any, pdf: bytes, grey: bool) -> dict[str, Any]:
    """The render probe for a skeleton: where its fields are, as ``{"spots": [...]}``, or
    why they cannot be printed into, as ``{"problem": "..."}``."""
    try:
        spots = measure(document)
        if grey:  # the text printed in later must be as grey as the page
            spots = [replace(s, color=(luma(*s.color),) * 3) for s in spots]
        return {"spots": [s.to_json() for s in link_marks(pdf, spots)]}
    except NotPlaceable as exc:
        return {"problem": str(exc)}


class NotPlaceable(Exception):
    """A field the layout cannot print into; the message says why (for -v)."""


def measure(document: Any) -> list[Spot]:
    """Every field's spot, in document order, from a WeasyPrint Document."""
    spots: list[Spot] = []
    for index, page in enumerate(document.pages):
        if is_card(page.width * CSS_PX, page.height * CSS_PX):
            raise NotPlaceable("a field on a card-sized page")
        _collect(page._page_box, (), index, spots)
    return spots


def _collect(box: Any, ancestors: tuple[Any, ...], page: int, spots: list[Spot]) -> None:
    if _is_field(box):
        spots.append(_spot(box, ancestors, page))
        return
    for child in getattr(box, "children", ()):
        _collect(child, (*ancestors, box), page, spots)


def _is_field(box: Any) -> bool:
    return (type(box).__name__ == "InlineBox" and box.element is not None
            and box.element_tag == "span" and box.element.get("class") == "pk-field")


def _spot(box: Any, ancestors: tuple[Any, ...], page: int) -> Spot:
    if len(ancestors) < 2 or type(ancestors[-1]).__name__ != "LineBox":
        raise NotPlaceable("a field inside other inline text (put it straight in its block)")
    line, block = ancestors[-1], ancestors[-2]
    for a in ancestors:
        if a.element is not None and (a.element_tag in HEADINGS
                                      or a.style["bookmark_level"] != "none"):
            raise NotPlaceable("a field inside a heading (headings become bookmarks)")
    texts = [c for c in box.children if type(c).__name__ == "TextBox"]
    if len(texts) != 1 or len(box.children) != 1:
        raise NotPlaceable("a field with markup inside it")
    style = texts[0].style
    if style["letter_spacing"] != "normal" or style["word_spacing"] not in (0, "normal"):
        raise NotPlaceable("a field with letter- or word-spacing")
    if style["font_family"][0] != FAMILY or style["font_variant_caps"] != "normal":
        raise NotPlaceable("a field in a font other than the packaged one")
    after = [c for c in line.children if c is not box and c.position_x > box.position_x
             and (type(c).__name__ != "TextBox" or c.text.strip())]
    if after:
        raise NotPlaceable("text after a field on its line (a field must end its line)")
    before = [c for c in line.children if c is not box and c not in after
              and (type(c).__name__ != "TextBox" or c.text.strip())]
    align = str(block.style["text_align_all"])
    align = {"start": "left", "end": "right", "justify": "left"}.get(align, align)
    left = block.content_box_x()
    if before:
        if align != "left":
            raise NotPlaceable("a field after other text on a centred or right-aligned line")
        left = box.content_box_x()
    elif block.style["text_indent"].value:
        raise NotPlaceable("a field on an indented line")
    right = block.content_box_x() + block.width
    color = style["color"]
    rgb = tuple(float(v) for v in getattr(color, "coordinates", (0.0, 0.0, 0.0))[:3])
    if getattr(color, "space", "srgb") != "srgb":
        raise NotPlaceable("a field in a colour that is not sRGB")
    return Spot(page, left * CSS_PX, right * CSS_PX, (line.position_y + line.baseline) * CSS_PX,
                float(style["font_size"]) * CSS_PX, int(style["font_weight"]) >= 600,
                style["font_style"] != "normal", (rgb[0], rgb[1], rgb[2]), align,
                str(style["text_transform"]))


def link_marks(pdf: bytes, spots: list[Spot]) -> list[Spot]:
    """Give each spot the marked-content id of its hidden placeholder, so the printed text
    joins the structure tree where the field is. The placeholders are the empty marked
    contents of a page; the structure tree lists them in document order, like ``spots``."""
    out: list[Spot] = []
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        root = doc.Root.get("/StructTreeRoot")
        if root is None:
            return spots
        order = _marks_in_tree_order(root)
        for index in sorted({s.page for s in spots}):
            page = doc.pages[index]
            empty = {int(m) for m in EMPTY_MARK_RE.findall(page_contents(page))}
            marks = [mcid for pg, mcid in order if pg == page.obj.objgen and mcid in empty]
            on_page = [s for s in spots if s.page == index]
            if len(marks) != len(on_page):
                raise NotPlaceable("hidden text beside a field on its page")
            out.extend(replace(s, mcid=m) for s, m in zip(on_page, marks, strict=True))
    return _in_order(spots, out)


def _in_order(spots: list[Spot], linked: list[Spot]) -> list[Spot]:
    by_page: dict[int, list[Spot]] = {}
    for s in linked:
        by_page.setdefault(s.page, []).append(s)
    return [by_page[s.page].pop(0) for s in spots]


def page_contents(page: Any) -> bytes:
    """A page's content streams, decoded and joined."""
    contents = page.obj.get("/Contents")
    if isinstance(contents, pikepdf.Array):
        return b"\n".join(bytes(s.read_bytes()) for s in contents)
    return bytes(contents.read_bytes()) if contents is not None else b""


def _marks_in_tree_order(root: Any) -> list[tuple[tuple[int, int], int]]:
    """(page, mcid) of every marked-content reference, depth first."""
    found: list[tuple[tuple[int, int], int]] = []
    stack: list[tuple[Any, Any]] = [(root, None)]
    seen: set[tuple[int, int]] = set()
    while stack:
        node, page = stack.pop()
        if isinstance(node, int):
            if page is not None:
                found.append((page.objgen, node))
            continue
        if not isinstance(node, pikepdf.Dictionary):
            continue
        if node.is_indirect:
            if node.objgen in seen:
                continue
            seen.add(node.objgen)
        page = node.get("/Pg", page)
        if node.get("/Type") == "/MCR":
            if "/MCID" in node:
                found.append((node.get("/Pg", page).objgen, int(node.MCID)))
            continue
        kids = node.get("/K")
        if isinstance(kids, pikepdf.Array):
            stack.extend((k, page) for k in reversed(list(kids)))
        elif kids is not None:
            stack.append((kids, page))
    return found
