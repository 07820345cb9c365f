"""PDF/A-2b for archiving: what an assembled file needs beyond its PDF/A-rendered parts.

Each part is rendered by WeasyPrint as PDF/A-2b (fonts embedded, sRGB output intent). pypdf
assembly keeps the pages but not the catalog, so the assembled file gets back the output
intent (the XMP packet identifying it as PDF/A-2b is written with the rest of the metadata),
and a file identifier derived from its content (so builds stay reproducible).
"""

from __future__ import annotations

import hashlib
from typing import Any

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
