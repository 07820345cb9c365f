"""--grayscale's last step: whatever colour is left in a PDF becomes grey of equal lightness."""

from __future__ import annotations

import io
import zlib
from decimal import Decimal

import pikepdf
from pikepdf import Array, Dictionary, Name

from printkit.render.grey import luma, to_grey


def _pdf() -> bytes:
    pdf = pikepdf.Pdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    page = pdf.pages[0]
    shading = pdf.make_indirect(Dictionary(
        ShadingType=2, ColorSpace=Name.DeviceRGB, Coords=Array([0, 0, 200, 0]),
        Function=Dictionary(FunctionType=2, Domain=Array([0, 1]), N=1,
                            C0=Array([1, 0, 0]), C1=Array([0, 0, 1]))))
    image = pikepdf.Stream(pdf, zlib.compress(bytes([255, 0, 0] * 4)))
    image.Type, image.Subtype = Name.XObject, Name.Image
    image.Width, image.Height, image.BitsPerComponent = 2, 2, 8
    image.ColorSpace, image.Filter = Name.DeviceRGB, Name.FlateDecode
    form = pikepdf.Stream(pdf, b"0 1 0 rg 0 0 10 10 re f")
    form.Type, form.Subtype, form.BBox = Name.XObject, Name.Form, Array([0, 0, 10, 10])
    page.obj.Resources = Dictionary(Shading=Dictionary(Sh=shading),
                                    XObject=Dictionary(Im=image, Fm=form))
    page.obj.Contents = pikepdf.Stream(pdf, (
        b"q 1 0 0 rg 0 0 50 50 re f 0 0 1 RG 0 0 m 9 9 l S "
        b"/DeviceRGB cs 0.2 0.4 0.6 scn 5 5 5 5 re f Q "
        b"q /Sh sh Q q 20 0 0 20 0 0 cm /Im Do Q /Fm Do"))
    buf = io.BytesIO()
    pdf.save(buf)
    return buf.getvalue()


def test_colour_operators_images_shadings_and_forms_become_grey() -> None:
    with pikepdf.open(io.BytesIO(to_grey(_pdf()))) as pdf:
        page = pdf.pages[0]
        ops = [(str(i.operator), [float(o) if isinstance(o, int | float | Decimal) else str(o)
                                  for o in i.operands])
               for i in pikepdf.parse_content_stream(page)]
        assert ("g", [luma(1, 0, 0)]) in ops and ("G", [luma(0, 0, 1)]) in ops
        assert ("cs", ["/DeviceGray"]) in ops and ("scn", [luma(0.2, 0.4, 0.6)]) in ops
        assert not any(op in ("rg", "RG") for op, _ in ops)
        resources = page.obj.Resources
        shading = resources.Shading.Sh
        assert shading.ColorSpace == Name.DeviceGray
        assert [float(v) for v in shading.Function.C0] == [luma(1, 0, 0)]
        image = resources.XObject.Im
        assert image.ColorSpace == Name.DeviceGray
        assert image.read_bytes() == bytes([round(luma(1, 0, 0) * 255)] * 4)
        assert b"rg" not in resources.XObject.Fm.read_bytes()
