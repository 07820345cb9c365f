"""Assemble rendered parts into the reading copy and the stand-alone handouts.

Adds what depends on a document's place in the kit: continuous page numbers,
page labels, bookmarks (document + its headings), links from the contents page,
duplex blanks, and the document metadata.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.constants import PageLabelStyle
from pypdf.generic import ArrayObject, NameObject, NullObject, TextStringObject

from printkit.pdf.metadata import Metadata, set_metadata
from printkit.pdf.pdfa import make_archival, settle
from printkit.pdf.structure import StructureMerger, merger
from printkit.produce import folio
from printkit.produce.placement import place
from printkit.produce.proof import card_proof

LINK_PREFIX = "https://printkit.invalid/doc/"


@dataclass(frozen=True)
class Part:
    id: str
    title: str
    pdf: bytes
    role: str  # "cover", "contents" or "document"


_READERS: dict[bytes, PdfReader] = {}


def _reader(data: bytes) -> PdfReader:
    """Parsed parts are kept for the life of the process: a roster assembles the same
    shared documents into every packet, and pypdf parses each part only once."""
    key = hashlib.sha256(data).digest()
    reader = _READERS.get(key)
    if reader is None:
        if len(_READERS) > 256:
            _READERS.clear()
        reader = _READERS[key] = PdfReader(io.BytesIO(data))
    return reader


def _outline_items(reader: PdfReader, items: Any, offset: int,
                   out: list[tuple[int, str, int]], level: int) -> None:
    """Flatten a reader's outline to (level, title, page index + offset)."""
    for item in items:
        if isinstance(item, list):
            _outline_items(reader, item, offset, out, level + 1)
            continue
        page = reader.get_destination_page_number(item)
        if page is not None and page >= 0:
            out.append((level, str(item.title), page + offset))


def _doc_outline(reader: PdfReader, title: str, start: int) -> list[tuple[int, str, int]]:
    """One bookmark for the document at page ``start``, its headings nested below. A
    document whose only top heading repeats its title gets its sub-headings nested instead."""
    children: list[tuple[int, str, int]] = []
    _outline_items(reader, reader.outline, start, children, 1)
    tops = [c for c in children if c[0] == 1]
    if len(tops) == 1 and tops[0][1].strip().lower() == title.strip().lower():
        children = [(lvl - 1, t, p) for lvl, t, p in children if (lvl, t, p) != tops[0]]
    return [(0, title, start), *(c for c in children if c[0] >= 1)]


def _blank(writer: PdfWriter, width: float, height: float,
           tags: StructureMerger | None = None) -> None:
    writer.add_blank_page(width, height)
    if tags is not None:
        tags.add_blank(len(writer.pages) - 1)


def _finish(writer: PdfWriter, meta: Metadata, first: PdfReader) -> bytes:
    writer.pdf_header = b"%PDF-1.7"
    if meta.archive:
        make_archival(writer, meta, first)
    for page in writer.pages:  # merging leaves a page's content decoded
        page.compress_content_streams()
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _retarget_links(writer: PdfWriter, page_index: int,
                    targets: dict[str, tuple[int, str]]) -> None:
    """Turn the contents page's printkit links into jumps to the documents' first pages,
    each described by where it goes ("Warning signs, page 3") and opening at the page
    without changing the reader's zoom."""
    page = writer.pages[page_index]
    annots = page.get("/Annots")
    if annots is None:
        return
    keep = ArrayObject()
    for ref in annots.get_object():
        annot = ref.get_object()
        action = annot.get("/A")
        uri = action.get_object().get("/URI") if action is not None else None
        if isinstance(uri, str) and uri.startswith(LINK_PREFIX):
            target = targets.get(uri[len(LINK_PREFIX):])
            if target is None:
                continue
            index, description = target
            del annot["/A"]
            annot[NameObject("/Dest")] = ArrayObject([
                writer.pages[index].indirect_reference, NameObject("/XYZ"), NullObject(),
                NullObject(), NullObject()])
            annot[NameObject("/Contents")] = TextStringObject(description)
        keep.append(ref)
    page[NameObject("/Annots")] = keep


def assemble_reading(parts: Sequence[Part], meta: Metadata, duplex: bool) -> bytes:
    """Cover, contents, documents -> one PDF with numbers, labels, bookmarks, links."""
    return assemble_mapped(parts, meta, duplex)[0]


def assemble_booklet(parts: Sequence[Part], meta: Metadata, tagged: bool = True) -> bytes:
    """The pages of a saddle-stitched booklet in reading order, a multiple of four: the
    cover, the contents, the documents one after another (no blank pages between them),
    then the notes page and the back cover (roles "notes" and "back"). What it takes to
    reach a multiple of four goes where readers expect it: one notes page; two: a blank
    inside front cover and a notes page; three: a blank inside front cover and two notes
    pages. The back cover has no page number. ``tagged=False``: pages only on their way to
    imposition (which keeps no tags), so their tags are not merged."""
    return assemble_mapped(parts, meta, True, booklet=True, tagged=tagged)[0]


def _booklet_padding(pages: int, back: int, has_cover: bool) -> tuple[int, int]:
    """(blank pages inside the front cover, notes pages before the back cover) that bring
    a booklet of ``pages`` pages plus ``back`` back-cover pages to a multiple of four."""
    pad = -(pages + back) % 4
    inside_front = 1 if pad >= 2 and has_cover else 0
    return inside_front, pad - inside_front


def assemble_mapped(parts: Sequence[Part], meta: Metadata, duplex: bool,
                    booklet: bool = False,
                    tagged: bool = True) -> tuple[bytes, dict[str, int]]:
    """``assemble_reading`` (or ``assemble_booklet``), and the index of each part's first
    page in it."""
    readers = [(_reader(p.pdf), p) for p in parts]

    def role(name: str) -> list[tuple[PdfReader, Part]]:
        return [(r, p) for r, p in readers if p.role == name]

    docs, cover, contents = role("document"), role("cover"), role("contents")
    counts = [_reading_pages(r) for r, _ in docs]
    cover_pages = sum(len(r.pages) for r, _ in cover)
    contents_pages = sum(len(r.pages) for r, _ in contents)
    placement = place(counts, duplex and not booklet, cover_pages, contents_pages)
    front_blanks, notes_pages = placement.front_blanks, 0
    if booklet:
        inside_front, notes_pages = _booklet_padding(
            cover_pages + contents_pages + sum(counts),
            sum(len(r.pages) for r, _ in role("back")), bool(cover))
        front_blanks = (inside_front, 0)
    full_size = [r for r, _ in docs if not folio.is_small(r.pages[0])] or [r for r, _ in readers]
    first = full_size[0].pages[0].trimbox
    book = _Book(float(first.width), float(first.height), duplex, meta.sample, tagged)
    if cover:
        book.add_cover(*cover[0], front_blanks[0])
    contents_range = range(0)
    if contents:
        contents_range = book.add_contents(*contents[0], front_blanks[1])
    body_start = len(book.writer.pages)
    targets: dict[str, tuple[int, str]] = {}
    for (reader, part), start, pad in zip(docs, placement.starts, placement.blanks_after,
                                          strict=True):
        targets[part.id] = (len(book.writer.pages), f"{part.title}, page {start}")
        book.add_document(reader, part, start, pad)
    if booklet:  # notes pages are numbered on from the last document's last page
        notes = role("notes")
        after = placement.starts[-1] + counts[-1] if docs else 1
        book.add_notes(notes[0] if notes else None, notes_pages, after)
    writer = book.writer
    if len(writer.pages) > body_start:
        writer.set_page_label(body_start, len(writer.pages) - 1,
                              style=PageLabelStyle.DECIMAL, start=1)
    for reader, part in role("back") if booklet else []:
        book.add_back(reader, part)
    for i in contents_range:
        _retarget_links(writer, i, targets)
    _add_outline(writer, book.outline)
    set_metadata(writer, meta)
    book.tags.finish(meta.language, meta.title)
    pdf = folio.draw(_finish(writer, meta, readers[0][0]), book.stamps)
    return (settle(pdf) if meta.archive else pdf), book.first_pages


class _Book:
    """A reading copy being put together: its pages, tags, bookmarks and page numbers."""

    def __init__(self, width: float, height: float, duplex: bool,
                 sample: bool = False, tagged: bool = True) -> None:
        self.writer = PdfWriter()
        self.tags = merger(self.writer, tagged)
        self.width, self.height, self.duplex, self.sample = width, height, duplex, sample
        self.stamps: list[folio.Stamp] = []
        self.outline: list[tuple[int, str, int]] = []
        self.first_pages: dict[str, int] = {}

    def _blanks(self, count: int) -> None:
        """Blank pages (a SAMPLE build's say SAMPLE, like every other page)."""
        for _ in range(count):
            _blank(self.writer, self.width, self.height, self.tags)
            if self.sample:
                self.stamps.append(folio.sample_stamp(len(self.writer.pages) - 1,
                                                      self.width, self.height))

    def _number(self, index: int, label: str) -> None:
        """A page number at the outside edge: right on a right-hand page (the cover and
        every other page after it), left on a left-hand page, in duplex."""
        left = self.duplex and index % 2 == 1
        self.stamps += folio.footer(self.writer.pages[index], index, label,
                                    align="left" if left else "right")

    def add_cover(self, reader: PdfReader, part: Part, blanks: int) -> None:
        self.first_pages[part.id] = 0
        self.writer.append(reader, import_outline=False)
        self.tags.add(reader, 0, part.title)
        self._blanks(blanks)
        self.writer.set_page_label(0, len(self.writer.pages) - 1, prefix="Cover")

    def add_contents(self, reader: PdfReader, part: Part, blanks: int) -> range:
        start = len(self.writer.pages)
        self.first_pages[part.id] = start
        self.writer.append(reader, import_outline=False)
        self.tags.add(reader, start, part.title)
        pages = range(start, start + len(reader.pages))
        for i in pages:
            self._number(i, _roman(i - start + 1))
        self._blanks(blanks)
        self.writer.set_page_label(start, len(self.writer.pages) - 1,
                                   style=PageLabelStyle.LOWERCASE_ROMAN, start=1)
        self.outline.append((0, part.title, start))
        return pages

    def add_document(self, reader: PdfReader, part: Part, number: int, pad: int) -> None:
        start = len(self.writer.pages)
        self.first_pages[part.id] = start
        if folio.is_small(reader.pages[0]):
            self.stamps += card_proof(self.writer, reader, self.width, self.height,
                                       part.title)
            self.tags.add_blank(start)
            count = 1
            self.outline.append((0, part.title, start))
        else:
            self.writer.append(reader, import_outline=False)
            self.tags.add(reader, start, part.title)
            count = len(reader.pages)
            self.outline.extend(_doc_outline(reader, part.title, start))
        for i in range(count):
            self._number(start + i, str(number + i))
        self._blanks(pad)

    def add_notes(self, notes: tuple[PdfReader, Part] | None, count: int,
                  number: int) -> None:
        """``count`` notes pages numbered on from ``number`` (blank pages without a notes
        page design)."""
        if notes is None:
            self._blanks(count)
            return
        reader, part = notes
        for i in range(count):
            index = len(self.writer.pages)
            self.writer.append(reader, import_outline=False)
            self.tags.add(reader, index, part.title)
            self._number(index, str(number + i))
            if i == 0:
                self.first_pages[part.id] = index
                self.outline.append((0, part.title, index))

    def add_back(self, reader: PdfReader, part: Part) -> None:
        """The outside back cover: last, with no page number."""
        index = len(self.writer.pages)
        self.first_pages[part.id] = index
        self.writer.append(reader, import_outline=False)
        self.tags.add(reader, index, part.title)
        self.outline.append((0, part.title, index))
        self.writer.set_page_label(index, len(self.writer.pages) - 1, prefix=part.title)


def _reading_pages(reader: PdfReader) -> int:
    """Pages a document takes in the reading copy: cards share one proof page."""
    return 1 if folio.is_small(reader.pages[0]) else len(reader.pages)


def reading_page_count(data: bytes) -> int:
    return _reading_pages(_reader(data))


def _add_outline(writer: PdfWriter, items: list[tuple[int, str, int]]) -> None:
    parents: list[Any] = []
    for level, title, page in items:
        parents = parents[:level]
        parent = parents[-1] if parents else None
        ref = writer.add_outline_item(title=title, page_number=page, parent=parent)
        parents.append(ref)


def _roman(n: int) -> str:
    out = ""
    for value, numeral in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"),
                           (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"),
                           (4, "iv"), (1, "i")):
        while n >= value:
            out += numeral
            n -= value
    return out


def assemble_handout(part: Part, meta: Metadata, tagged: bool = True) -> bytes:
    """One document alone: its own bookmarks, 'n of N' numbers when longer than a page.
    ``tagged=False``: a piece on its way to a cut sheet (imposition keeps no tags)."""
    writer = PdfWriter()
    reader = _reader(part.pdf)
    writer.append(reader, import_outline=False)
    tags = merger(writer, tagged)
    tags.add(reader, 0, part.title)
    count = len(reader.pages)
    outline = _doc_outline(reader, part.title, 0)
    stamps = []
    if count > 1:
        for i in range(count):
            stamps += folio.footer(writer.pages[i], i, f"{i + 1} of {count}", align="right")
    _add_outline(writer, outline)
    set_metadata(writer, meta)
    tags.finish(meta.language, meta.title)
    pdf = folio.draw(_finish(writer, meta, reader), stamps)
    return settle(pdf) if meta.archive else pdf


def page_count(data: bytes) -> int:
    return len(_reader(data).pages)


__all__ = ["Part", "assemble_booklet", "assemble_handout", "assemble_reading", "page_count",
           "reading_page_count"]
