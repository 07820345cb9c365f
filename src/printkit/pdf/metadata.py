"""A document's metadata, and the catalogue entries every printkit PDF carries: the
information dictionary, an XMP packet saying the same (with the PDF/UA-1 and PDF/A-2b
identification when the file claims them), /Lang and DisplayDocTitle."""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from xml.sax.saxutils import escape

import pikepdf
from pypdf import PdfWriter
from pypdf.generic import (
    BooleanObject,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    TextStringObject,
)


@dataclass(frozen=True)
class Metadata:
    title: str
    author: str
    subject: str
    keywords: tuple[str, ...]
    language: str
    creator: str
    archive: bool = False  # PDF/A-2b: output intent, XMP identification, file identifier
    sample: bool = False   # built with a placeholder: pages made at assembly say SAMPLE too

    def info(self) -> dict[str, str]:
        """The document information dictionary (the same words as the XMP packet: PDF/A
        requires them to agree)."""
        return {"/Title": self.title, "/Author": self.author, "/Subject": self.subject,
                "/Keywords": ", ".join(self.keywords), "/Creator": self.creator,
                "/Producer": self.creator}


# PDF/A allows only the XMP schemas it lists, unless a file describes the others: the
# PDF/UA identification is described here, as the ISO 14289-1 example does.
_UA_EXTENSION = """  <rdf:Description rdf:about=""
    xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
    xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
    xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
   <pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
    <pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
    <pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
    <pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
    <pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
     <pdfaProperty:name>part</pdfaProperty:name>
     <pdfaProperty:valueType>Integer</pdfaProperty:valueType>
     <pdfaProperty:category>internal</pdfaProperty:category>
     <pdfaProperty:description>The part of ISO 14289 the file conforms to
     </pdfaProperty:description>
    </rdf:li></rdf:Seq></pdfaSchema:property>
   </rdf:li></rdf:Bag></pdfaExtension:schemas>
  </rdf:Description>
"""


def xmp(meta: Metadata, *, accessible: bool) -> bytes:
    """The XMP packet of a file: Dublin Core title, author, description and language,
    the producer; ``pdfuaid:part 1`` when the file is made to conform to PDF/UA-1
    (``accessible``), and the PDF/A-2b identification when ``meta.archive``."""
    ids = ""
    if meta.archive:
        ids += ('  <rdf:Description rdf:about=""'
                ' xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">\n'
                "   <pdfaid:part>2</pdfaid:part>\n   <pdfaid:conformance>B</pdfaid:conformance>"
                "\n  </rdf:Description>\n")
    if accessible:
        ids += ('  <rdf:Description rdf:about=""'
                ' xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">\n'
                "   <pdfuaid:part>1</pdfuaid:part>\n  </rdf:Description>\n")
        if meta.archive:
            ids += _UA_EXTENSION
    e = {k: escape(v) for k, v in (("title", meta.title), ("author", meta.author),
                                   ("subject", meta.subject), ("language", meta.language),
                                   ("creator", meta.creator),
                                   ("keywords", ", ".join(meta.keywords)))}
    author = (f"   <dc:creator><rdf:Seq><rdf:li>{e['author']}</rdf:li></rdf:Seq></dc:creator>\n"
              if meta.author else "")
    language = (f"   <dc:language><rdf:Bag><rdf:li>{e['language']}</rdf:li></rdf:Bag>"
                "</dc:language>\n" if meta.language else "")
    packet = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        f"{ids}"
        '  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
        "   <dc:format>application/pdf</dc:format>\n"
        f'   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{e["title"]}</rdf:li></rdf:Alt>'
        "</dc:title>\n"
        f"{author}"
        f'   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{e["subject"]}</rdf:li>'
        "</rdf:Alt></dc:description>\n"
        f"{language}"
        "  </rdf:Description>\n"
        '  <rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">\n'
        f"   <pdf:Producer>{e['creator']}</pdf:Producer>\n"
        f"   <pdf:Keywords>{e['keywords']}</pdf:Keywords>\n"
        "  </rdf:Description>\n"
        '  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">\n'
        f"   <xmp:CreatorTool>{e['creator']}</xmp:CreatorTool>\n"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="w"?>')
    return packet.encode("utf-8")


def set_metadata(writer: PdfWriter, meta: Metadata, *, accessible: bool = True) -> None:
    """The information dictionary, XMP packet, /Lang and viewer preferences of a file
    assembled with pypdf (or cloned: a press file, ``accessible=False``)."""
    writer.add_metadata(meta.info())
    root = writer.root_object
    root[NameObject("/Lang")] = TextStringObject(meta.language)
    prefs = DictionaryObject({NameObject("/DisplayDocTitle"): BooleanObject(True)})
    root[NameObject("/ViewerPreferences")] = prefs
    root[NameObject("/PageMode")] = NameObject("/UseOutlines")
    stream = DecodedStreamObject()  # metadata stays uncompressed, as PDF/A asks
    stream.set_data(xmp(meta, accessible=accessible))
    stream[NameObject("/Type")] = NameObject("/Metadata")
    stream[NameObject("/Subtype")] = NameObject("/XML")
    old = root.get("/Metadata")
    if isinstance(old, IndirectObject):  # a cloned file's packet: replaced, not left behind
        writer._replace_object(old, stream)
    else:
        root[NameObject("/Metadata")] = writer._add_object(stream)


def set_print_metadata(pdf: pikepdf.Pdf, meta: Metadata) -> None:
    """The same for a print-only file written with pikepdf (a booklet, cut sheet, card
    sheet or roster file): no tags, so no PDF/UA claim, and no output intent, so no PDF/A
    claim; but a title a viewer shows, a language and an XMP packet."""
    for key, value in meta.info().items():
        if value:
            pdf.docinfo[key] = value
    if meta.language:
        pdf.Root.Lang = pikepdf.String(meta.language)
    pdf.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
    stream = pdf.make_stream(xmp(replace(meta, archive=False), accessible=False))
    stream.Type = pikepdf.Name.Metadata
    stream.Subtype = pikepdf.Name.XML
    pdf.Root.Metadata = stream


def read_metadata(data: bytes, title: str, language: str, creator: str) -> Metadata:
    """The metadata of a PDF made elsewhere, from its information dictionary and /Lang:
    its own title (else ``title``) and language (else ``language``)."""
    pdf = pikepdf.open(io.BytesIO(data))
    info = {key: str(pdf.docinfo.get(key, "")).strip()
            for key in ("/Title", "/Author", "/Subject", "/Keywords")}
    return Metadata(title=info["/Title"] or title, author=info["/Author"],
                    subject=info["/Subject"],
                    keywords=tuple(k.strip() for k in info["/Keywords"].split(",") if k.strip()),
                    language=str(pdf.Root.get("/Lang", "")).strip() or language, creator=creator)
