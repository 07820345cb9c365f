"""Everything made from a kit's rendered parts: reading copy, handouts, press file,
booklet, cut sheets and card sheets. Pure (bytes in, bytes out), so kits can be
produced in parallel worker processes; only the engine writes files."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from printkit.pdf.metadata import Metadata
from printkit.produce.impose import make_booklet, make_card_sheet, make_cut_sheet, press_ready
from printkit.produce.reading import (
    Part,
    assemble_booklet,
    assemble_handout,
    assemble_reading,
    page_count,
)
from printkit.source.kit import Booklet, Cards, CutSheets, OutputNames, Product


@dataclass(frozen=True)
class ProductTask:
    kit_id: str
    title: str
    duplex: bool
    bleed_mm: float
    paper: tuple[float, float]                # the kit's paper: the sheet for cut sheets
    outputs: tuple[Product, ...]
    meta: Metadata
    parts: tuple[Part, ...]                   # cover, contents, documents
    handouts: tuple[tuple[str, Metadata, bytes | None], ...]  # (id, metadata, cached copy)
    # The kit laid out again for a product: "press" (with bleed), "booklet" (at the
    # booklet's page size, with its back cover; "booklet-press" with bleed), "cut" (the
    # 2-up documents at half the paper; "cut-press" with bleed), "cards" (card documents
    # with bleed).
    variants: Mapping[str, tuple[Part, ...]] = field(default_factory=dict)


@dataclass
class Products:
    files: dict[str, bytes] = field(default_factory=dict)
    new_handouts: dict[str, bytes] = field(default_factory=dict)
    pages: int = 0


def make_products(task: ProductTask) -> Products:
    names = OutputNames(task.kit_id)
    out = Products()
    reading = assemble_reading(task.parts, task.meta, task.duplex)
    out.files[names.reading] = reading
    out.pages = page_count(reading)
    if "press" in task.variants:
        press = assemble_reading(task.variants["press"], task.meta, task.duplex)
        out.files[names.press] = press_ready(press, task.bleed_mm,
                                             _titled(task.meta, task.title, "press file"))
    documents = _documents(task.parts)
    handouts: dict[str, bytes] = {}
    metas = {doc_id: meta for doc_id, meta, _ in task.handouts}
    for doc_id, meta, cached in task.handouts:
        if cached is None:
            cached = assemble_handout(documents[doc_id], meta)
            out.new_handouts[doc_id] = cached
        handouts[doc_id] = cached
        out.files[names.handout(doc_id)] = cached
    for output in task.outputs:
        if isinstance(output, Booklet):
            pages = assemble_booklet(task.variants.get("booklet", task.parts), task.meta,
                                     tagged=False)
            out.files[names.booklet] = make_booklet(
                pages, output.sheet, output.marks, output.creep_mm,
                _titled(task.meta, task.title, "booklet"))
            if "booklet-press" in task.variants:  # single pages with bleed, to impose
                out.files[names.booklet_press] = press_ready(
                    assemble_booklet(task.variants["booklet-press"], task.meta), task.bleed_mm,
                    _titled(task.meta, task.title, "booklet press file"))
        elif isinstance(output, CutSheets):
            _cut_sheets(task, output, documents, handouts, metas, out)
        elif isinstance(output, Cards):
            bled = {p.id: p.pdf for p in task.variants.get("cards", ())}
            out.files[names.cards] = make_card_sheet(
                bled.get(output.document, handouts[output.document]),
                _titled(metas[output.document], documents[output.document].title,
                        "card sheet"))
    return out


def _cut_sheets(task: ProductTask, output: CutSheets, documents: Mapping[str, Part],
                handouts: Mapping[str, bytes], metas: Mapping[str, Metadata],
                out: Products) -> None:
    """Each document's cut sheet: 2-up pieces laid out at half the paper (the "cut"
    variant), 4-up pieces as designed; with --press, the pieces alone with bleed and crop
    marks too, for a print shop to impose ("cut-press" or "press" variant)."""
    names = OutputNames(task.kit_id)
    half = _documents(task.variants.get("cut", ()))
    pressed = _documents(task.variants.get(
        "cut-press" if output.up == 2 and "cut-press" in task.variants else "press", ()))
    for doc_id in output.documents or tuple(handouts):
        piece = handouts[doc_id]
        if output.up == 2 and doc_id in half:
            piece = assemble_handout(half[doc_id], metas[doc_id], tagged=False)
        title = documents[doc_id].title
        out.files[names.cut_sheet(doc_id, output.up)] = make_cut_sheet(
            piece, output.up, True, _titled(metas[doc_id], title, f"{output.up}-up cut sheet"),
            task.paper)
        if doc_id in pressed:
            out.files[names.cut_sheet_press(doc_id, output.up)] = press_ready(
                assemble_handout(pressed[doc_id], metas[doc_id]), task.bleed_mm,
                _titled(metas[doc_id], title, f"{output.up}-up press file"))


def _titled(meta: Metadata, title: str, product: str) -> Metadata:
    """The metadata of a print file: the kit's or the document's, titled with the product it
    is, e.g. "Suicide Prevention, booklet"."""
    return replace(meta, title=f"{title}, {product}")


def _documents(parts: tuple[Part, ...]) -> dict[str, Part]:
    """The documents among ``parts`` by id, those left out of the reading copy included."""
    return {p.id: p for p in parts if p.role in ("document", "extra")}
