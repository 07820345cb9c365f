"""Greyscale PDFs for black-and-white copiers (``--grayscale``).

The stylesheet already swaps the palette for designed greys; this converts whatever colour
is left (illustrations, logos, photos) to its grey of equal lightness, so a copier prints
the tones the page was checked in, and the file holds no colour at all.
"""

from __future__ import annotations

import io
import zlib
from typing import Any

import pikepdf
from pikepdf import PdfImage

RGB_OPS = {"rg": "g", "RG": "G"}


def luma(r: float, g: float, b: float) -> float:
    """Grey of the same lightness (Rec. 601 weights, as copiers and most viewers use)."""
    return round(0.299 * r + 0.587 * g + 0.114 * b, 4)


def to_grey(pdf: bytes) -> bytes:
    doc = pikepdf.open(io.BytesIO(pdf))
    for obj in doc.objects:
        if isinstance(obj, pikepdf.Stream):
            kind = obj.get("/Subtype")
            if kind == "/Image":
                _image(doc, obj)
            elif kind == "/Form" or obj.get("/PatternType") == 1:
                _content(obj)
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream) and "/ShadingType" in obj:
            _shading(obj)
    for page in doc.pages:
        page.contents_coalesce()
        _content(page.obj.Contents)
    buf = io.BytesIO()
    doc.save(buf, deterministic_id=True)
    return buf.getvalue()


def _content(stream: Any) -> None:
    """Rewrite RGB colour operators in one content stream as grey ones."""
    out: list[Any] = []
    changed = False
    rgb = [False, False]   # is the current fill / stroke colour space DeviceRGB?
    saved: list[list[bool]] = []
    for instruction in pikepdf.parse_content_stream(stream):
        operands, op = instruction.operands, instruction.operator
        name = str(op)
        if name in RGB_OPS and len(operands) == 3:
            out.append(([luma(*map(float, operands))], pikepdf.Operator(RGB_OPS[name])))
            changed = True
            continue
        if name in ("cs", "CS") and operands and str(operands[0]) == "/DeviceRGB":
            rgb[name == "CS"] = True
            out.append(([pikepdf.Name.DeviceGray], op))
            changed = True
            continue
        if name in ("cs", "CS"):
            rgb[name == "CS"] = False
        elif name in ("sc", "scn", "SC", "SCN") and rgb[name.isupper()] and len(operands) == 3:
            out.append(([luma(*map(float, operands))], op))
            changed = True
            continue
        elif name == "q":
            saved.append(list(rgb))
        elif name == "Q" and saved:
            rgb = saved.pop()
        out.append(instruction)
    if changed:
        stream.write(pikepdf.unparse_content_stream(out))


def _shading(shading: Any) -> None:
    if shading.get("/ColorSpace") != "/DeviceRGB":
        return
    functions = shading.get("/Function")
    if functions is None or not _grey_function(functions):
        return
    shading.ColorSpace = pikepdf.Name.DeviceGray
    background = shading.get("/Background")
    if background is not None and len(background) == 3:
        shading.Background = pikepdf.Array([luma(*map(float, background))])


def _grey_function(function: Any) -> bool:
    """Make an exponential or stitching function give grey; False if it cannot."""
    if isinstance(function, pikepdf.Array):
        return False  # one function per colour component: leave it in colour
    kind = int(function.get("/FunctionType", -1))
    if kind == 2:
        for key in ("/C0", "/C1"):
            values = function.get(key)
            if values is not None and len(values) == 3:
                function[key] = pikepdf.Array([luma(*map(float, values))])
        return True
    if kind == 3:
        parts = list(function.get("/Functions", []))
        return all(_grey_function(f) for f in parts)
    return False


def _image(doc: Any, image: Any) -> None:
    if image.get("/ColorSpace") != "/DeviceRGB" or image.get("/ImageMask"):
        return
    try:
        pil = PdfImage(image).as_pil_image().convert("L")
    except (pikepdf.PdfError, NotImplementedError, ValueError, OSError):
        return  # an encoding we cannot decode: leave it

    image.write(zlib.compress(pil.tobytes(), 6), filter=pikepdf.Name.FlateDecode)
    image.ColorSpace = pikepdf.Name.DeviceGray
    image.BitsPerComponent = 8
    for key in ("/DecodeParms", "/Decode"):
        if key in image:
            del image[key]
