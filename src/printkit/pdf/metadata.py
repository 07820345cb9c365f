"""A document's metadata, and the catalogue entries every printkit PDF carries."""

from __future__ import annotations

from dataclasses import dataclass

from pypdf import PdfWriter
from pypdf.generic import BooleanObject, DictionaryObject, NameObject, TextStringObject


@dataclass(frozen=True)
class Metadata:
    title: str
    author: str
    subject: str
    keywords: tuple[str, ...]
    language: str
    creator: str
    archive: bool = False  # PDF/A-2b: output intent, XMP identification, file identifier


def set_metadata(writer: PdfWriter, meta: Metadata) -> None:
    writer.add_metadata({
        "/Title": meta.title,
        "/Author": meta.author,
        "/Subject": meta.subject,
        "/Keywords": ", ".join(meta.keywords),
        "/Creator": meta.creator,
        "/Producer": meta.creator,
    })
    root = writer.root_object
    root[NameObject("/Lang")] = TextStringObject(meta.language)
    prefs = DictionaryObject({NameObject("/DisplayDocTitle"): BooleanObject(True)})
    root[NameObject("/ViewerPreferences")] = prefs
    root[NameObject("/PageMode")] = NameObject("/UseOutlines")
