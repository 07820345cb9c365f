"""Everything made from a kit's rendered parts: reading copy, handouts, press file,
booklet, cut sheets and card sheets. Pure (bytes in, bytes out), so kits can be
produced in parallel worker processes; only output.py writes files."""

from __future__ import annotations

from dataclasses import dataclass, field

from printkit.personalise.fields import Spot
from printkit.personalise.vdp import FieldSlot, Line, personalise, prepare
from printkit.produce.reading import (
    Metadata,
    Part,
    assemble_handout,
    assemble_mapped,
    assemble_reading,
    page_count,
)
from printkit.source.kit import Output


@dataclass(frozen=True)
class ProductTask:
    kit_id: str
    title: str
    duplex: bool
    bleed_mm: float
    outputs: tuple[Output, ...]
    meta: Metadata
    parts: tuple[Part, ...]                   # cover, contents, documents
    press_parts: tuple[Part, ...] | None      # the same, rendered with bleed
    handouts: tuple[tuple[str, Metadata, bytes | None], ...]  # (id, metadata, cached copy)


@dataclass
class Products:
    files: dict[str, bytes] = field(default_factory=dict)
    new_handouts: dict[str, bytes] = field(default_factory=dict)
    pages: int = 0


def make_products(task: ProductTask) -> Products:
    from printkit.produce.impose import make_booklet, make_card_sheet, make_cut_sheet, press_ready

    out = Products()
    reading = assemble_reading(task.parts, task.meta, task.duplex)
    out.files[f"{task.kit_id}.pdf"] = reading
    out.pages = page_count(reading)
    if task.press_parts is not None:
        press = assemble_reading(task.press_parts, task.meta, task.duplex)
        out.files[f"{task.kit_id}-press.pdf"] = press_ready(press, task.bleed_mm)
    documents = {p.id: p for p in task.parts if p.role == "document"}
    handouts: dict[str, bytes] = {}
    for doc_id, meta, cached in task.handouts:
        if cached is None:
            cached = assemble_handout(documents[doc_id], meta)
            out.new_handouts[doc_id] = cached
        handouts[doc_id] = cached
        out.files[f"handouts/{doc_id}.pdf"] = cached
    for output in task.outputs:
        opts = output.options
        if output.kind == "booklet":
            out.files[f"{task.kit_id}-booklet.pdf"] = make_booklet(
                reading, str(opts.get("sheet", "double")), bool(opts.get("marks", False)),
                float(opts.get("creep", 0.0)), f"{task.title} (booklet)")
        elif output.kind == "cut-sheets":
            up = int(opts.get("up", 4))
            for doc_id in list(opts.get("documents", [])) or list(handouts):
                out.files[f"cut-sheets/{doc_id}-{up}up.pdf"] = make_cut_sheet(
                    handouts[doc_id], up, True, f"{doc_id} ({up}-up)")
        elif output.kind == "cards" and opts.get("document"):
            out.files[f"{task.kit_id}-cards.pdf"] = make_card_sheet(
                handouts[str(opts["document"])], f"{task.title} (cards)")
    return out


@dataclass(frozen=True)
class PacketTask:
    """A roster packet shared by rows: its parts and the fields' places in each part."""

    parts: tuple[Part, ...]
    meta: Metadata
    duplex: bool
    spots: tuple[tuple[str, tuple[Spot, ...]], ...]  # (part id, its fields in order)


def make_shared_packet(task: PacketTask) -> tuple[bytes, tuple[FieldSlot, ...]]:
    """The packet assembled once and prepared for rows' texts (vdp.py), and its slots in
    the order of the rows' texts."""
    packet, first_pages = assemble_mapped(task.parts, task.meta, task.duplex)
    slots = tuple(FieldSlot(first_pages[part_id] + spot.page, spot)
                  for part_id, spots in task.spots for spot in spots)
    return prepare(packet, slots), slots


def personalise_rows(args: tuple[bytes, tuple[FieldSlot, ...],
                                 tuple[tuple[tuple[Line | None, ...], str], ...]]) -> list[bytes]:
    """Packets for several rows: the shared packet with each row's texts printed in, and
    the row's own title."""
    prepared, slots, rows = args
    return [personalise(prepared, slots, lines, title) for lines, title in rows]
