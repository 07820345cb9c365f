"""PDF/A-2b for archiving: what an assembled file needs beyond its PDF/A-rendered parts.

Each part is rendered by WeasyPrint as PDF/A-2b (fonts embedded, sRGB output intent). pypdf
assembly keeps the pages but not the catalog, so the assembled file gets back the output
intent, an XMP packet identifying it as PDF/A-2b with the document's title and author, and a
file identifier derived from its content (so builds stay reproducible).
"""

from __future__ import annotations

import hashlib
from typing import Any
from xml.sax.saxutils import escape

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DecodedStreamObject,
    NameObject,
)

from printkit.pdf.metadata import Metadata

XMP = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
   <pdfaid:part>2</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{author}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{subject}</rdf:li></rdf:Alt>
   </dc:description>
   <dc:language><rdf:Bag><rdf:li>{language}</rdf:li></rdf:Bag></dc:language>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <pdf:Producer>{creator}</pdf:Producer>
   <pdf:Keywords>{keywords}</pdf:Keywords>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
   <xmp:CreatorTool>{creator}</xmp:CreatorTool>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""


def make_archival(writer: PdfWriter, meta: Metadata, first: PdfReader) -> None:
    catalog = writer.root_object
    source: Any = first.trailer["/Root"]
    if "/OutputIntents" in source:
        catalog[NameObject("/OutputIntents")] = source["/OutputIntents"].clone(writer)
    packet = XMP.format(title=escape(meta.title), author=escape(meta.author),
                        subject=escape(meta.subject), language=escape(meta.language),
                        creator=escape(meta.creator), keywords=escape(", ".join(meta.keywords)))
    stream = DecodedStreamObject()  # metadata stays uncompressed, as PDF/A asks
    stream.set_data(packet.encode("utf-8"))
    stream[NameObject("/Type")] = NameObject("/Metadata")
    stream[NameObject("/Subtype")] = NameObject("/XML")
    catalog[NameObject("/Metadata")] = writer._add_object(stream)
    digest = hashlib.sha256(packet.encode())
    for page in writer.pages:
        contents = page.get_contents()
        digest.update(contents.get_data() if contents is not None else b"")
    identity = digest.digest()[:16]  # derived from content: reproducible builds
    writer._ID = ArrayObject([ByteStringObject(identity), ByteStringObject(identity)])
