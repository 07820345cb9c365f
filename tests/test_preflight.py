"""Preflight: every build measures its finished PDFs, and names what to change."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pymupdf
import pytest
from click.testing import Result

from printkit.preflight.findings import Rules
from printkit.preflight.measure import contrast, preflight

pytestmark = pytest.mark.slow

SCRATCH = """{% extends "layouts/handout.html" %}
{% block title %}Scratch page{% endblock %}
{% block content %}
<p>Ordinary body text, long enough to be the most common size on the page. """ + \
    "It says nothing much, as a test page should. " * 30 + """</p>
<p style="font-size: 5pt">Five point small print.</p>
<p style="color: #c8c8c8">Pale grey words nobody can read.</p>
{% endblock %}
"""


def _scratch_kit(project: Path) -> None:
    (project / "templates/docs/scratch").mkdir(parents=True)
    (project / "templates/docs/scratch/page.html").write_text(SCRATCH, encoding="utf-8")
    (project / "kits/scratch.yaml").write_text(
        "title: Scratch\ncover: false\ncontents: false\n"
        "documents:\n  - id: page\n    template: docs/scratch/page.html\n", encoding="utf-8")


def test_a_build_reports_small_and_pale_text_with_its_page(
        project: Path, run: Callable[..., Result]) -> None:
    _scratch_kit(project)
    built = run("build", "scratch")
    assert built.exit_code == 0, built.output
    assert "preflight: " in built.output and "build/scratch/preflight.html" in built.output
    listed = run("preflight", "scratch")
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    small = [s for s in lines if "'Five point small print.' is 5.0 pt" in s]
    pale = [s for s in lines if "'Pale grey words nobody can read.' is 1.67:1" in s]
    assert small and pale, listed.output
    # named by file and page, for the reading copy and the handout alike
    assert small[0].startswith("build/scratch/scratch.pdf p.1: ")
    assert any(s.startswith("build/scratch/handouts/page.pdf p.1: ") for s in small)
    assert "on #FFFFFF" in pale[0] and "needs 4.5:1" in pale[0]
    report = json.loads((project / "build/scratch/preflight.json").read_text())
    rules = {f["rule"] for entry in report["files"] for f in entry["findings"]}
    assert {"type-size", "contrast"} <= rules
    html = (project / "build/scratch/preflight.html").read_text()
    assert "Five point small print." in html and "data:image/png;base64," in html
    # nothing changed: the build is up to date and still says what its last preflight found
    again = run("build", "scratch")
    assert "up to date" in again.output and "preflight: 4 findings in scratch" in again.output


def test_strict_fails_on_a_finding_and_keeps_earlier_outputs(
        project: Path, run: Callable[..., Result]) -> None:
    _scratch_kit(project)
    assert run("build", "scratch").exit_code == 0
    reading = project / "build/scratch/scratch.pdf"
    before = reading.read_bytes()
    checked = run("--strict", "preflight", "scratch")
    assert checked.exit_code == 1 and "Traceback" not in checked.output
    page = project / "templates/docs/scratch/page.html"
    page.write_text(page.read_text().replace("Pale grey", "Pale grey, edited,"))
    strict = run("--strict", "build", "scratch")
    assert strict.exit_code == 1, strict.output
    assert "preflight: p.1: text 'Five point small print.' is 5.0 pt" in strict.output
    assert reading.read_bytes() == before


def test_a_clean_kit_passes(project: Path, run: Callable[..., Result]) -> None:
    _scratch_kit(project)
    page = project / "templates/docs/scratch/page.html"
    page.write_text(page.read_text().replace('style="font-size: 5pt"', "")
                    .replace('style="color: #c8c8c8"', ""))
    assert run("build", "scratch").exit_code == 0
    checked = run("--strict", "preflight", "scratch")
    assert checked.exit_code == 0, checked.output
    assert "every page passes" in checked.output
    # a press file's page starts left of and below the origin (bleed and marks around the
    # trim): its trim and safe area are measured where the page is, not where it starts
    pressed = run("--strict", "build", "scratch", "--press", "--paper", "half-letter",
                  "--name", "press")
    assert pressed.exit_code == 0, pressed.output


def test_preflight_of_a_kit_not_built_says_build_it_first(run: Callable[..., Result]) -> None:
    result = run("preflight", "mini")
    assert result.exit_code == 1
    assert "printkit build mini" in result.output and "Traceback" not in result.output
    assert run("preflight", "mini", "--name", "!!").exit_code == 2


def test_contrast_is_the_wcag_ratio() -> None:
    assert contrast((255, 255, 255), (0, 0, 0)) == pytest.approx(21.0)
    assert contrast((0x77, 0x77, 0x77), (255, 255, 255)) == pytest.approx(4.48, abs=0.01)
    assert contrast((0xB3, 0x45, 0x2E), (255, 255, 255)) >= 4.5   # the house --warm


def _page(html: str, size: str = "5.5in 8.5in", bleed: str = "0") -> bytes:
    import weasyprint

    css = f"@page {{ size: {size}; margin: 0.5in; bleed: {bleed}; }}"
    return bytes(weasyprint.HTML(string=f"<style>{css}</style>{html}").write_pdf())


def test_text_near_the_trim_and_art_without_bleed_are_found() -> None:
    near = _page('<p style="position: absolute; bottom: -0.45in; left: 0; margin: 0">'
                 "at the very foot</p>")
    found = preflight(near, "near.pdf", Rules(), "none").findings
    assert [f.rule for f in found] == ["safe-area"]
    assert "within 0.25 in of the trim" in found[0].message
    # a press page (3 mm bleed) whose band stops at the trim instead of running past it
    band = ('<div style="position: absolute; top: -0.5in; left: -0.5in; right: -0.5in; '
            'height: 1in; background: #1b2a41"></div><p>Body</p>')
    pressed = _page(band, bleed="3mm")
    assert "bleed" in {f.rule for f in preflight(pressed, "p.pdf", Rules(), "none").findings}
    bled = band.replace("top: -0.5in; left: -0.5in; right: -0.5in",
                        "top: -0.7in; left: -0.7in; right: -0.7in")
    assert "bleed" not in {f.rule for f in preflight(_page(bled, bleed="3mm"), "p.pdf",
                                                    Rules(), "none").findings}


def test_page_numbers_sit_on_the_footer_baseline_in_a_subset_font(built: Path) -> None:
    """The numbers drawn at assembly share the running footer's baseline and size, align
    to the content's edge (0.75 in on Letter), and come in a subset of the body face with
    a ToUnicode map, like every other font."""
    with pymupdf.open(built / "build/mini/mini.pdf") as doc:
        page = doc[3]
        spans = [s for b in page.get_text("dict")["blocks"] for line in b.get("lines", ())
                 for s in line["spans"] if s["origin"][1] > page.rect.height - 40]
        footer = next(s for s in spans if "Testville PD" in s["text"])
        number = next(s for s in spans if s["text"].strip().isdigit())
        assert number["origin"][1] == pytest.approx(footer["origin"][1], abs=0.05)
        assert number["size"] == pytest.approx(footer["size"], abs=0.05)
        assert number["bbox"][2] == pytest.approx(page.rect.width - 54, abs=0.5)
        assert "Atkinson" in number["font"]
        for xref, _, _, base, *_ in doc.get_page_fonts(3, full=True):
            assert base[6] == "+", f"{base} is not subset"
            assert doc.xref_get_key(xref, "ToUnicode")[0] == "xref"


def test_a_heading_left_at_the_foot_of_a_page_and_a_near_empty_page_are_found() -> None:
    lines = "".join(f"<p>Line {i} of ordinary text.</p>" for i in range(6))
    html = (f"{lines}<div style='height: 4.4in'></div>"
            "<h2 style='break-after: auto; margin: 0'>Stranded heading</h2>"
            "<p style='break-before: page'>What the heading was about.</p>")
    found = preflight(_page(html), "h.pdf", Rules(), "none").findings
    stranded = [f for f in found if f.rule == "stranded-heading"]
    assert [(f.page, "'Stranded heading'" in f.message) for f in stranded] == [(1, True)]
    assert [f.page for f in found if f.rule == "near-empty"] == [2]


def test_no_preflight_skips_the_reports_and_a_later_build_makes_them(
        project: Path, run: Callable[..., Result]) -> None:
    _scratch_kit(project)
    assert run("build", "scratch").exit_code == 0
    skipped = run("build", "scratch", "--no-preflight")
    assert skipped.exit_code == 0, skipped.output
    assert "preflight: not run (--no-preflight)" in skipped.output
    assert not (project / "build/scratch/preflight.json").exists()   # no stale report left
    again = run("build", "scratch")
    assert "finding" in again.output and (project / "build/scratch/preflight.json").exists()


def test_an_image_without_alt_text_fails_the_validator_with_what_to_change(
        project: Path, run: Callable[..., Result]) -> None:
    """The reading copy and handout claim PDF/UA-1; an image left without alt text breaks
    the claim, and preflight says so for each file, naming the rule and the fix."""
    _scratch_kit(project)
    page = project / "templates/docs/scratch/page.html"
    page.write_text(page.read_text().replace('style="font-size: 5pt"', "")
                    .replace('style="color: #c8c8c8"', "")
                    .replace("</p>", '</p><img src="/assets/img/dot.svg" style="width: 1in">', 1))
    assert run("build", "scratch").exit_code == 0
    checked = run("--strict", "preflight", "scratch")
    assert checked.exit_code == 1
    for name in ("scratch.pdf", "handouts/page.pdf"):
        assert (f"build/scratch/{name} (the whole file): not PDF/UA-1 "
                "(PDFUA1-FIGURE-ALTERNATIVE-TEXT-001") in checked.output, checked.output
    assert "give the image alt text in its template" in checked.output


def test_a_letter_spaced_word_is_found_as_a_reader_reads_it_back() -> None:
    """Letters a text extractor reads apart (S U I C I D E) are a finding on their page; the
    same word set normally is not."""
    doc = pymupdf.open()
    for words in ("Call the SUICIDE and crisis line", "Call the S U I C I D E and crisis line"):
        doc.new_page(width=612, height=792).insert_text((72, 100), words, fontsize=12)
    checked = preflight(doc.tobytes(), "spaced.pdf", Rules(), "none")
    apart = [f for f in checked.findings if f.rule == "reads-apart"]
    assert [f.page for f in apart] == [2]
    assert "'S U I C I D E' reads back as separate letters" in apart[0].message
