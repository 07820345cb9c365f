"""Preview images of a PDF's pages. Each page is known by a fingerprint of what it draws
(its content and every resource it uses, not the pages it links to), so an edit that
changes two pages changes two fingerprints and the browser fetches two images. Images are
rendered with PDFium (pypdfium2) on first request and cached by fingerprint in
build/.cache/preview/."""

from __future__ import annotations

import hashlib
import io
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
import pypdfium2

from printkit.engine.atomic import write_bytes

SCALE = 2.0          # 72 dpi -> 144 dpi: a Letter page is 1224 px wide (sharp on HiDPI)
KEEP_IMAGES = 1000   # cached images kept on disk (the oldest go first)
KEEP_PDFS = 64       # PDFs whose pages can be shown (kits and event builds)
KEY_RE = re.compile(r"^[0-9a-f]{64}$")
# Links between pages: a page is not changed because a page it links to is.
SKIPPED = frozenset({"/Parent", "/P", "/StructParent", "/StructParents"})


@dataclass(frozen=True)
class Page:
    key: str          # fingerprint: sha256 (hex) of what the page draws
    width: float      # pt
    height: float
    document: str     # title of the document it belongs to ("" for the cover)

    def as_json(self, number: int) -> dict[str, Any]:
        return {"n": number, "key": self.key, "width": round(self.width, 1),
                "height": round(self.height, 1), "document": self.document}


class _Fingerprints:
    """Hashes of PDF objects, each indirect object once; a page object met inside
    another page's resources (a link's destination) counts as its number only."""

    def __init__(self, pages: list[pikepdf.Page]) -> None:
        self.memo: dict[tuple[int, int], bytes] = {
            p.obj.objgen: b"page%d" % i for i, p in enumerate(pages)}

    def page(self, page: pikepdf.Page) -> str:
        return hashlib.sha256(self._direct(page.obj)).hexdigest()

    def _of(self, obj: Any) -> bytes:
        if isinstance(obj, pikepdf.Object) and obj.is_indirect:
            key = obj.objgen
            if key not in self.memo:
                self.memo[key] = b"cycle"
                self.memo[key] = hashlib.sha256(self._direct(obj)).digest()
            return self.memo[key]
        return self._direct(obj)

    def _direct(self, obj: Any) -> bytes:
        if isinstance(obj, pikepdf.Stream):
            return (b"S" + self._of(obj.stream_dict)
                    + hashlib.sha256(obj.read_raw_bytes()).digest())
        if isinstance(obj, pikepdf.Dictionary):
            return b"D" + b"".join(k.encode() + self._of(obj[k]) for k in sorted(obj.keys())
                                   if k not in SKIPPED)
        if isinstance(obj, pikepdf.Array):
            return b"A" + b"".join(self._of(item) for item in obj)
        return repr(obj).encode()


def _documents(pdf: Any, count: int) -> list[str]:
    """The document each page belongs to: the reading copy's top-level bookmarks."""
    titles = [""] * count
    starts = []
    for item in pdf.get_toc():
        dest = item.get_dest()
        if item.level == 0 and dest is not None and 0 <= dest.get_index() < count:
            starts.append((dest.get_index(), item.get_title()))
    for (start, title), (end, _) in zip(starts, [*starts[1:], (count, "")], strict=True):
        for i in range(start, max(start, end)):
            titles[i] = title
    return titles


def read_pages(data: bytes) -> list[Page]:
    """Every page's fingerprint, size and document."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pages = list(pdf.pages)
        hasher = _Fingerprints(pages)
        keys = [hasher.page(p) for p in pages]
        sizes = [(float(p.mediabox[2]) - float(p.mediabox[0]),
                  float(p.mediabox[3]) - float(p.mediabox[1])) for p in pages]
    with _PDFIUM:
        doc = pypdfium2.PdfDocument(data)
        try:
            titles = _documents(doc, len(keys))
        finally:
            doc.close()
    return [Page(k, w, h, t) for k, (w, h), t in zip(keys, sizes, titles, strict=True)]


_PDFIUM = threading.Lock()  # PDFium is not thread-safe


class PageStore:
    """The pages the server shows, by fingerprint, and their images. Only a page of a PDF
    added here has an image: nothing else can be asked for."""

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir
        self._lock = threading.Lock()
        self._owners: dict[str, tuple[bytes, dict[str, int]]] = {}

    def add(self, owner: str, data: bytes) -> list[Page]:
        """Show ``data`` for ``owner`` (a kit, or an event build) in place of its last
        PDF; returns its pages."""
        pages = read_pages(data)
        with self._lock:
            self._owners.pop(owner, None)
            self._owners[owner] = (data, {p.key: i for i, p in enumerate(pages)})
            while len(self._owners) > KEEP_PDFS:  # the longest unchanged goes first
                self._owners.pop(next(iter(self._owners)))
        return pages

    def _source(self, key: str) -> tuple[bytes, int] | None:
        with self._lock:
            for data, index in self._owners.values():
                if key in index:
                    return data, index[key]
        return None

    def knows(self, key: str) -> bool:
        return bool(KEY_RE.match(key)) and self._source(key) is not None

    def image(self, key: str) -> bytes | None:
        """The page's PNG, or None for a fingerprint no shown PDF has."""
        if not KEY_RE.match(key):
            return None
        source = self._source(key)
        if source is None:
            return None
        path = self.cache_dir / f"{key}.png"
        try:
            return path.read_bytes()
        except OSError:
            pass
        png = render_png(*source)
        try:
            write_bytes(path, png)
            self._prune()
        except OSError:
            pass  # a cache we cannot write is only slower
        return png

    def _prune(self) -> None:
        files = list(self.cache_dir.glob("*.png"))
        if len(files) > KEEP_IMAGES:
            for old in sorted(files, key=_mtime)[:len(files) - KEEP_IMAGES]:
                old.unlink(missing_ok=True)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def render_png(data: bytes, index: int, scale: float = SCALE) -> bytes:
    with _PDFIUM:
        doc = pypdfium2.PdfDocument(data)
        try:
            image = doc[index].render(scale=scale).to_pil()
        finally:
            doc.close()
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=3)
    return out.getvalue()


def changed(before: Iterable[Page], after: Iterable[Page]) -> list[int]:
    """Page numbers (1-based) whose image differs, pages added or removed included."""
    old, new = list(before), list(after)
    return [i + 1 for i in range(max(len(old), len(new)))
            if i >= len(old) or i >= len(new) or old[i].key != new[i].key]
