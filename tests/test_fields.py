"""Personalised fields in roster builds: rendered once, each row's text printed in place,
and the same result as rendering every row in full."""

from __future__ import annotations

import io
import re
import subprocess
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pikepdf
import pytest
from click.testing import Result
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops
from pypdf import PdfReader

from printkit.pdf.text import face
from printkit.personalise.cuts import IDENTITY, find_cuts, inverse, multiply
from printkit.personalise.fields import PLACEHOLDER, Spot, page_contents, split
from printkit.personalise.vdp import MIN_SHRINK, FieldSlot, layout, personalise, prepare
from printkit.template.filters import field

from .conftest import assert_folds, pdftotext

LETTER = """{% extends "layouts/handout.html" %}
{% block title %}A letter{% endblock %}
{% block lede %}The same lede for everyone.{% endblock %}
{% block content %}
<p class="to">{{ ('Dear ' ~ name ~ ',') | field }}</p>
<p>Body text that is the same for every reader of this letter.</p>
<p style="text-align: center; font-weight: bold; font-size: 16pt">{{ unit | field }}</p>
{% endblock %}
{% block sources %}Sources: none.{% endblock %}
"""

HEADING = """{% extends "layouts/handout.html" %}
{% block title %}Hello{% endblock %}
{% block content %}<h2>Hello {{ name | field }}</h2><p>Body.</p>{% endblock %}
"""

TITLE = """{% extends "layouts/handout.html" %}
{% block title %}Hello {{ name | field }}{% endblock %}
{% block content %}<p>Body.</p>{% endblock %}
"""

LONG = ("Maximilian Alexander Featherstonehaugh-Worthington-Smythe the Third of Upper Wallop "
        "and Lower Wallop, Hampshire, Known to Friends as Max")


def _kit(project: Path, template: str) -> None:
    (project / "templates/docs/mini/letter.html").write_text(template)
    (project / "kits/letter.yaml").write_text(
        "title: Letters\ncover: false\nvariables:\n  name: ''\n  unit: ''\n"
        "documents:\n  - id: letter\n    template: docs/mini/letter.html\n"
        "  - id: gamma\n    template: docs/mini/gamma.html\n"
        "outputs:\n  - booklet: {sheet: same}\n")


def _roster(project: Path, rows: list[tuple[str, str]]) -> Path:
    path = project / "class.csv"
    lines = ["name,unit"] + ['"{}","{}"'.format(*row) for row in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def _renders(output: str, template: str) -> int:
    return len(re.findall(rf"^\s+render\s+templates/{template}\b", output, re.M))


def test_field_filter_escapes_and_split_recovers_the_text() -> None:
    html = f"<p>{field('Smith & <Jones>')}</p><p>{field('Lee')}</p>"
    assert '<span class="pk-field">Smith &amp; &lt;Jones&gt;</span>' in html
    skeleton, texts = split(html)
    assert texts == ("Smith & <Jones>", "Lee")
    assert skeleton == f"<p>{PLACEHOLDER}</p><p>{PLACEHOLDER}</p>"


def _spot(align: str = "left", right: float = 300.0) -> Spot:
    return Spot(0, 100.0, right, 200.0, 12.0, False, False, (0, 0, 0), align, "none")


def test_layout_places_shrinks_or_refuses() -> None:
    short = layout(_spot(), "Jordan Lee")
    assert short is not None and short.size == 12.0 and short.x == 100.0
    centred = layout(_spot("center"), "Jordan Lee")
    right = layout(_spot("right"), "Jordan Lee")
    assert centred is not None and right is not None
    width = 2 * (centred.x - 100.0)
    assert 100.0 < centred.x < right.x and abs(right.x + (200.0 - width) - 300.0) < 0.01
    room = (300.0 - right.x) * 0.9  # 10% too long: set a little smaller, in the same room
    squeezed = layout(_spot(right=100.0 + room), "Jordan Lee")
    assert squeezed is not None and 12.0 * MIN_SHRINK <= squeezed.size < 12.0
    assert layout(_spot(), LONG) is None                # far too long: rendered in full
    assert layout(_spot(), "王小明") is None               # not in the packaged font
    upper = layout(Spot(0, 0, 400, 10, 12, True, False, (0, 0, 0), "left", "uppercase"),
                   "Lee")
    assert upper is not None and upper.text == "LEE"


def _pixels_differing(a: bytes, b: bytes) -> float:
    diff = ImageChops.difference(Image.open(io.BytesIO(a)).convert("L"),
                                 Image.open(io.BytesIO(b)).convert("L"))
    hist = diff.histogram()
    return sum(hist[48:]) / (diff.size[0] * diff.size[1])


def _page_png(pdf: Path, page: int) -> bytes:
    out = pdf.with_name(f"{pdf.stem}-page{page}")
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", str(page), "-l", str(page),
                    "-singlefile", str(pdf), str(out)], capture_output=True, check=True)
    data = out.with_suffix(".png").read_bytes()
    out.with_suffix(".png").unlink()
    return data


@pytest.mark.slow
def test_fields_are_rendered_once_and_print_each_row(project: Path,
                                                      run: Callable[..., Result]) -> None:
    _kit(project, LETTER)
    rows = [("Jordan Lee", "Class 2026-2"), ("Smith, Pat & <Co>", "Class 2026-2"),
            ("Łukasz Wójcik", "Night shift"), (LONG, "Class 2026-2"), ("王小明", "Class 2026-2")]
    result = run("build", "letter", "--roster", str(_roster(project, rows)), "-v")
    assert result.exit_code == 0, result.output
    # One render of the skeleton for the three rows that fit, one each for the two that
    # do not (too long; a character the packaged font lacks), each explained.
    assert _renders(result.output, "docs/mini/letter.html") == 3
    assert result.output.count("rendering that packet in full") == 2
    assert _renders(result.output, "docs/mini/gamma.html") == 1
    assert "letter: 5 packets, " in result.output
    # The font has no Chinese characters: the warning names the row and the characters.
    assert ("class.csv row 6: templates/docs/mini/letter.html: the fonts have no 小 明 王"
            in result.output)
    folder = project / "build/letter"
    packets = {p.stem: p for p in (folder / "roster").glob("*.pdf")}
    assert len(packets) == 5
    texts = {name: pdftotext(path) for name, path in packets.items()}
    assert "Dear Jordan Lee," in texts["jordan-lee"]
    assert "Dear Smith, Pat & <Co>," in texts["smith-pat-co"]
    assert "Dear Łukasz Wójcik," in texts["lukasz-wojcik"] and "Night shift" in \
        texts["lukasz-wojcik"]
    assert "Jordan" not in texts["smith-pat-co"] and "Pat" not in texts["jordan-lee"]
    assert PdfReader(packets["smith-pat-co"]).metadata.title == "Letters: Smith, Pat & <Co>"
    assert PdfReader(packets["row-5"]).metadata.title == "Letters: 王小明"  # rendered in full
    pages = len(PdfReader(packets["jordan-lee"]).pages)
    combined = folder / "letter-roster.pdf"
    assert len(PdfReader(combined).pages) == 5 * pages
    assert len(re.findall(r"\bDear\b", pdftotext(combined))) == 5
    bookmarks = PdfReader(combined).outline
    assert [b.title for b in bookmarks] == [name for name, _ in rows]  # one per packet
    assert PdfReader(combined).get_destination_page_number(bookmarks[2]) == 2 * pages
    booklets = folder / "letter-roster-booklet.pdf"
    for path in [combined, booklets, *packets.values()]:
        subprocess.run(["qpdf", "--check", str(path)], check=True, capture_output=True)
    # The class's booklets: each packet's sheets, in roster order, fold into that packet.
    sides = 2 * -(-pages // 4)
    assert len(PdfReader(booklets).pages) == 5 * sides
    for i, slug in enumerate(["jordan-lee", "smith-pat-co", "lukasz-wojcik"]):
        assert_folds(booklets, packets[slug], i * sides, sides)

    # The printed name belongs to the structure tree, where the field is.
    with pikepdf.open(packets["jordan-lee"]) as pdf:
        printed = [[int(m) for m in re.findall(rb"/MCID (\d+)>> BDC BT /PKText",
                                               page_contents(p))] for p in pdf.pages]
        page, mcids = next((p, m) for p, m in zip(pdf.pages, printed, strict=True) if m)
        assert len(mcids) == 2
        nums = pdf.Root.StructTreeRoot.ParentTree.Nums
        marks = dict(zip(list(nums)[::2], list(nums)[1::2], strict=True))[
            int(page.obj.StructParents)]
        for mcid in mcids:
            assert marks[mcid].Type == "/StructElem"

    # The same as rendering that row in full (rasterised pages, nearly every pixel equal).
    assert run("build", "letter", "--set", "name=Jordan Lee", "--set", "unit=Class 2026-2",
               "--name", "jordan").exit_code == 0
    full = project / "build/letter-jordan/letter.pdf"
    assert len(PdfReader(full).pages) == pages
    for number in range(1, pages + 1):
        assert _pixels_differing(_page_png(full, number),
                                 _page_png(packets["jordan-lee"], number)) < 0.0005

    # Rebuilt from the cache (outputs deleted): every render reused, the same bytes.
    before = {p: p.read_bytes() for p in [combined, booklets, *packets.values()]}
    for p in before:
        p.unlink()
    again = run("build", "letter", "--roster", str(project / "class.csv"), "-v")
    assert again.exit_code == 0 and " 0 rendered" in again.output
    assert all(p.read_bytes() == data for p, data in before.items())
    # ... and the same bytes as a build that uses no cache at all.
    fresh = project / "fresh"
    assert run("build", "letter", "--roster", str(project / "class.csv"), "--no-cache",
               "--out", str(fresh)).exit_code == 0
    for p, data in before.items():
        assert (fresh / p.relative_to(project / "build")).read_bytes() == data, p.name


@pytest.mark.slow
@pytest.mark.parametrize(("template", "why", "renders"), [
    (HEADING, "a field inside a heading", 3),  # the skeleton, then each row
    (TITLE, "a field in the title or the lede", 2),  # known before rendering: each row
])
def test_a_field_that_cannot_be_placed_renders_each_row(
        project: Path, run: Callable[..., Result], template: str, why: str,
        renders: int) -> None:
    _kit(project, template)
    result = run("build", "letter", "--roster",
                 str(_roster(project, [("Jordan Lee", ""), ("Pat Smith", "")])), "-v")
    assert result.exit_code == 0, result.output
    assert why in result.output and "rendering each row in full" in result.output
    assert _renders(result.output, "docs/mini/letter.html") == renders
    text = pdftotext(project / "build/letter/roster/pat-smith.pdf")
    assert "Hello Pat Smith" in text


def _blank_packet() -> bytes:
    out = pikepdf.Pdf.new()
    out.add_blank_page(page_size=(612, 792))
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


_PREPARED: dict[str, tuple[bytes, tuple[FieldSlot, ...]]] = {}
FONT_LETTERS = st.characters(codec="latin-1", categories=["Lu", "Ll", "Nd", "Zs", "Pd", "Po"])


@settings(max_examples=60, deadline=None)
@given(text=st.text(alphabet=FONT_LETTERS, max_size=60), bold=st.booleans(),
       align=st.sampled_from(["left", "center", "right"]))
def test_any_name_is_printed_within_its_line_and_reads_back(text: str, bold: bool,
                                                            align: str) -> None:
    spot = Spot(0, 72.0, 400.0, 300.0, 14.0, bold, False, (0.1, 0.2, 0.3), align, "none")
    line = layout(spot, text)
    expected = " ".join(text.split())
    if line is None:  # only a text far too long for the line is refused
        assert layout(replace(spot, right=100000.0), text) is not None
        return
    key = f"{bold}"
    if key not in _PREPARED:
        _PREPARED[key] = prepare(_blank_packet(), (FieldSlot(0, spot),))
    prepared, slots = _PREPARED[key]
    packet = personalise(prepared, (replace(slots[0], spot=spot),), (line,))
    page = PdfReader(io.BytesIO(packet)).pages[0]
    assert " ".join(page.extract_text().split()) == expected
    f = face(line.face)
    width = sum(f.advances[g] for g, _ in line.glyphs) * line.size / f.upem
    if line.glyphs:  # TJ-set text: its width (with kerning) fits the line
        kerned = width - sum(adj for _, adj in line.glyphs) * line.size / 1000
        assert spot.left - 0.01 <= line.x and line.x + kerned <= spot.right + 0.01


def test_a_cut_knows_its_ctm_and_is_never_in_a_text_object() -> None:
    data = (b"q\n1 0 0 -1 0 792 cm\nq 0.75 0 0 0.75 10 0 cm\n/Span <</MCID 0>> BDC EMC\nQ\n"
            b"BT /F1 9 Tf /Span <</MCID 1>> BDC EMC ET\nQ\n")
    cuts = find_cuts(data, [1, 0, 2])  # in content order; 2 is not there
    assert [(c.mcid, c.ctm) for c in cuts] == [(0, (0.75, 0, 0, -0.75, 10, 792)), (1, None)]
    assert data[cuts[0].start:cuts[0].end] == b"/Span <</MCID 0>> BDC EMC"
    assert multiply(inverse((0.75, 0, 0, -0.75, 10, 792)), (0.75, 0, 0, -0.75, 10, 792)) \
        == pytest.approx(IDENTITY)
    # A mark's bytes inside a string are not a mark: no cut, the text drawn last.
    quoted = b"q /Span <</ActualText ( /Span <</MCID 0>> BDC EMC )>> BDC EMC Q\n"
    assert [c.ctm for c in find_cuts(quoted, [0])] == [None]


PAGE_TWO = """{% extends "layouts/handout.html" %}
{% block title %}A letter{% endblock %}
{% block content %}
<div style="height: 8in; border: 1pt solid #ccc">Filler that pushes the greeting over.</div>
<table><tr><td>Name</td><td style="text-align: right">{{ name | field }}</td></tr></table>
{% endblock %}
"""


@pytest.mark.slow
def test_a_field_on_a_later_page_in_a_table_cell(project: Path,
                                                 run: Callable[..., Result]) -> None:
    _kit(project, PAGE_TWO)
    roster = _roster(project, [("Jordan Lee", ""), ("Pat Smith", "")])
    result = run("build", "letter", "--roster", str(roster), "-v")
    assert result.exit_code == 0, result.output
    assert _renders(result.output, "docs/mini/letter.html") == 1
    packet = project / "build/letter/roster/pat-smith.pdf"
    assert run("build", "letter", "--set", "name=Pat Smith", "--name", "pat").exit_code == 0
    full = project / "build/letter-pat/letter.pdf"
    pages = len(PdfReader(full).pages)
    assert len(PdfReader(packet).pages) == pages
    letter_pages = [n for n in range(1, pages + 1) if "Pat Smith" in pdftotext(full, n, n)]
    assert letter_pages and all("Pat Smith" in pdftotext(packet, n, n) for n in letter_pages)
    for number in range(1, pages + 1):
        assert _pixels_differing(_page_png(full, number), _page_png(packet, number)) < 0.0005
