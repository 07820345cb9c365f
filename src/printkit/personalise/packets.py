"""Roster packets in worker processes: a packet shared by rows assembled once and made
ready for their texts, then each row's packet with its texts printed in. Pure (bytes in,
bytes out)."""

from __future__ import annotations

from dataclasses import dataclass

from printkit.pdf.metadata import Metadata
from printkit.pdf.text import Line
from printkit.personalise.fields import Spot
from printkit.personalise.vdp import FieldSlot, personalise, prepare
from printkit.produce.reading import Part, assemble_mapped


@dataclass(frozen=True)
class PacketTask:
    """A roster packet shared by rows: its parts and the fields' places in each part."""

    parts: tuple[Part, ...]
    meta: Metadata
    duplex: bool
    spots: tuple[tuple[str, tuple[Spot, ...]], ...]  # (part id, its fields in order)


def make_shared_packet(task: PacketTask) -> tuple[bytes, tuple[FieldSlot, ...]]:
    """The packet assembled once and prepared for rows' texts (vdp.py), and its slots
    (where each field's text goes) in the order of the rows' texts."""
    packet, first_pages = assemble_mapped(task.parts, task.meta, task.duplex)
    slots = tuple(FieldSlot(first_pages[part_id] + spot.page, spot)
                  for part_id, spots in task.spots for spot in spots)
    return prepare(packet, slots)


def personalise_rows(args: tuple[bytes, tuple[FieldSlot, ...],
                                 tuple[tuple[tuple[Line | None, ...], str], ...]]) -> list[bytes]:
    """Packets for several rows: the shared packet with each row's texts printed in, and
    the row's own title."""
    prepared, slots, rows = args
    return [personalise(prepared, slots, lines, title) for lines, title in rows]
