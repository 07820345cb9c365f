"""Everything made from a kit's rendered parts: reading copy, handouts, press file,
booklet, cut sheets and card sheets. Pure (bytes in, bytes out), so kits can be
produced in parallel worker processes; only the engine writes files."""

from __future__ import annotations

from dataclasses import dataclass, field

from printkit.pdf.metadata import Metadata
from printkit.produce.impose import make_booklet, make_card_sheet, make_cut_sheet, press_ready
from printkit.produce.reading import Part, assemble_handout, assemble_reading, page_count
from printkit.source.kit import Booklet, Cards, CutSheets, OutputNames, Product


@dataclass(frozen=True)
class ProductTask:
    kit_id: str
    title: str
    duplex: bool
    bleed_mm: float
    outputs: tuple[Product, ...]
    meta: Metadata
    parts: tuple[Part, ...]                   # cover, contents, documents
    press_parts: tuple[Part, ...] | None      # the same, rendered with bleed
    booklet_parts: tuple[Part, ...] | None    # the same, laid out at the booklet's page size
    handouts: tuple[tuple[str, Metadata, bytes | None], ...]  # (id, metadata, cached copy)


@dataclass
class Products:
    files: dict[str, bytes] = field(default_factory=dict)
    new_handouts: dict[str, bytes] = field(default_factory=dict)
    pages: int = 0


def make_products(task: ProductTask) -> Products:
    names = OutputNames(task.kit_id)
    lang = task.meta.language
    out = Products()
    reading = assemble_reading(task.parts, task.meta, task.duplex)
    out.files[names.reading] = reading
    out.pages = page_count(reading)
    if task.press_parts is not None:
        press = assemble_reading(task.press_parts, task.meta, task.duplex)
        out.files[names.press] = press_ready(press, task.bleed_mm)
    documents = {p.id: p for p in task.parts if p.role == "document"}
    handouts: dict[str, bytes] = {}
    for doc_id, meta, cached in task.handouts:
        if cached is None:
            cached = assemble_handout(documents[doc_id], meta)
            out.new_handouts[doc_id] = cached
        handouts[doc_id] = cached
        out.files[names.handout(doc_id)] = cached
    for output in task.outputs:
        if isinstance(output, Booklet):
            pages = reading if task.booklet_parts is None else assemble_reading(
                task.booklet_parts, task.meta, task.duplex)
            out.files[names.booklet] = make_booklet(
                pages, output.sheet, output.marks, output.creep_mm, f"{task.title}, booklet",
                lang)
        elif isinstance(output, CutSheets):
            for doc_id in output.documents or tuple(handouts):
                out.files[names.cut_sheet(doc_id, output.up)] = make_cut_sheet(
                    handouts[doc_id], output.up, True,
                    f"{documents[doc_id].title}, {output.up}-up cut sheet", lang)
        elif isinstance(output, Cards):
            out.files[names.cards] = make_card_sheet(
                handouts[output.document], f"{documents[output.document].title}, card sheet",
                language=lang)
    return out
