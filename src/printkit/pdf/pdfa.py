"""PDF/A-2b for archiving: what an assembled file needs beyond its PDF/A-rendered parts.

Each part is rendered by WeasyPrint as PDF/A-2b (fonts embedded, sRGB output intent). pypdf
assembly keeps the pages but not the catalog, so the assembled file gets back the output
intent (the XMP packet identifying it as PDF/A-2b is written with the rest of the metadata),
and a file identifier derived from its content (so builds stay reproducible).
"""

from __future__ import annotations

import hashlib
import io
import zlib
from typing import Any

import pikepdf
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    NameObject,
)

from printkit.pdf.metadata import Metadata, xmp


def make_archival(writer: PdfWriter, meta: Metadata, first: PdfReader) -> None:
    catalog = writer.root_object
    source: Any = first.trailer["/Root"]
    if "/OutputIntents" in source:
        catalog[NameObject("/OutputIntents")] = source["/OutputIntents"].clone(writer)
    digest = hashlib.sha256(xmp(meta, accessible=True))
    for page in writer.pages:
        contents = page.get_contents()
        digest.update(contents.get_data() if contents is not None else b"")
    identity = digest.digest()[:16]  # derived from content: reproducible builds
    writer._ID = ArrayObject([ByteStringObject(identity), ByteStringObject(identity)])


def settle(data: bytes) -> bytes:
    """``data`` with no stream whose stored bytes end in a carriage return. The writers end
    a stream with a line feed before ``endstream``; stored bytes that happen to end in CR
    then read as a CR-LF end of line, and a PDF/A validator counts one byte fewer than
    /Length says. A compressed stream ends in its content's checksum, so the content
    changes instead: a page's content gets a trailing newline (which draws nothing), any
    other stream is stored uncompressed."""
    pdf = pikepdf.open(io.BytesIO(data))
    contents = {c.objgen for page in pdf.pages for c in _contents(page.obj)}
    changed = False
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Stream) or not obj.read_raw_bytes().endswith(b"\r"):
            continue
        plain = obj.read_bytes()
        if obj.objgen in contents:
            obj.write(zlib.compress(plain + b"\n"), filter=pikepdf.Name.FlateDecode)
        elif not plain.endswith(b"\r"):
            obj.write(plain)
        changed = True
    if not changed:
        return data
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True, compress_streams=False)
    return out.getvalue()


def _contents(page: Any) -> list[Any]:
    contents = page.get("/Contents")
    if contents is None:
        return []
    return list(contents) if isinstance(contents, pikepdf.Array) else [contents]
