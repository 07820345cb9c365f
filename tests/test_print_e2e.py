"""Print production from a real build: booklet folding, card sheets, duplex, inheritance."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pymupdf
import pytest
from click.testing import Result
from pypdf import PdfReader

from .conftest import assert_booklet_folds, assert_print_metadata, pdftotext

pytestmark = pytest.mark.slow


def region_text(pdf: Path, page: int, x: float, w: float, h: float) -> str:
    out = subprocess.run(["pdftotext", "-r", "72", "-f", str(page), "-l", str(page),
                          "-x", str(int(x)), "-y", "0", "-W", str(int(w)), "-H", str(int(h)),
                          str(pdf), "-"], capture_output=True, text=True, check=True)
    return out.stdout


def test_booklet_folds_into_reading_order(built: Path) -> None:
    assert_booklet_folds(built / "build" / "print", "print")


def test_card_sheet_ten_fronts_then_ten_backs(built: Path) -> None:
    sheet = built / "build" / "print" / "print-cards.pdf"
    reader = PdfReader(sheet)
    assert len(reader.pages) == 2
    assert pdftotext(sheet, 1, 1).count("FRONT TEXT") == 10
    assert pdftotext(sheet, 2, 2).count("BACK TEXT") == 10
    # each card position on the front has a back at the mirrored position (long-edge flip)
    width = float(reader.pages[0].mediabox.width)
    for r in range(5):
        top = 36 + r * 144
        for c in range(2):
            x = 45 + c * (252 + 18)   # two columns 0.25 in apart, centred
            mirror_x = width - x - 252
            front = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-x", str(x), "-y",
                                    str(top), "-W", "252", "-H", "144", str(sheet), "-"],
                                   capture_output=True, text=True, check=True).stdout
            back = subprocess.run(["pdftotext", "-f", "2", "-l", "2", "-x", str(int(mirror_x)),
                                   "-y", str(top), "-W", "252", "-H", "144", str(sheet), "-"],
                                  capture_output=True, text=True, check=True).stdout
            assert "FRONT TEXT" in front and "BACK TEXT" in back


def test_duplex_documents_start_on_odd_pages(built: Path) -> None:
    reader = PdfReader(built / "build" / "print" / "print.pdf")
    labels = reader.page_labels
    starts = [reader.get_destination_page_number(o) for o in reader.outline
              if not isinstance(o, list) and o.title != "Contents"]
    for index in starts:
        assert int(labels[index]) % 2 == 1
        assert index % 2 == 0, "a right-hand page in the physical file (cover is page 1)"


def test_extends_removes_replaces_and_adds(built: Path) -> None:
    reader = PdfReader(built / "build" / "print" / "print.pdf")
    top = [str(o.title) for o in reader.outline if not isinstance(o, list)]
    assert top == ["Contents", "Alpha handout", "Gamma, retitled", "Mini card"]


def test_cut_sheet_four_up(built: Path) -> None:
    sheet = built / "build" / "print" / "cut-sheets" / "alpha-4up.pdf"
    assert pdftotext(sheet).count("Alpha section one") == 4


def test_print_outputs_pass_qpdf(built: Path) -> None:
    for pdf in (built / "build" / "print").rglob("*.pdf"):
        result = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
        assert result.returncode == 0, (pdf, result.stdout)


def test_print_outputs_have_metadata_but_claim_no_pdf_ua(built: Path) -> None:
    """Every print-only file (no tags: not for posting) has a title naming its product, the
    kit's author and language, and an XMP packet saying the same without a PDF/UA claim."""
    folder = built / "build" / "print"
    made = {str(p.relative_to(folder)) for p in folder.rglob("*.pdf")
            if p.parent.name != "handouts" and p.name != "print.pdf"}
    titles = {"print-booklet.pdf": "Mini Print Kit, booklet",
              "cut-sheets/alpha-4up.pdf": "Alpha handout, 4-up cut sheet",
              "print-cards.pdf": "Mini card, card sheet"}
    assert made == set(titles)
    for name, title in titles.items():
        assert assert_print_metadata(folder / name) == title
        with pikepdf.open(folder / name) as pdf:
            assert pdf.docinfo["/Author"] == "Testville Police Department"
            assert pdf.Root.Lang == "en" and "/StructTreeRoot" not in pdf.Root


POCKET = """{% extends "layouts/pocket-card.html" %}
{% set card_no = 1 %}{% set card_count = 2 %}{% set card_unit = 'Skill' %}
{% block title %}Steady pocket card{% endblock %}
{% block kicker %}Test kit{% endblock %}
{% block purpose %}For a test.{% endblock %}
{% block steps %}<ol class="steps">STEPS</ol>{% endblock %}
{% block question %}<p class="q">What is the question?</p>{% endblock %}
{% block try %}<p>Try it once.</p>{% endblock %}
{% block card_footer %}<strong>Footline</strong>{% endblock %}
"""


@pytest.mark.parametrize("steps", [4, 30])
def test_a_pocket_card_side_keeps_its_foot_clear_of_its_text(
        project: Path, run: Callable[..., Result], steps: int) -> None:
    """A pocket card's foot (the set strip on the front, the footer on the back) sits at the
    bottom of the card below every line of text; a side that runs long goes on over another
    page, never under its foot, and the foot ends its last page."""
    step = "<li><strong>Do the step.</strong> A line of words about doing it well.</li>"
    card = project / "templates/docs/mini/pocket.html"
    card.write_text(POCKET.replace("STEPS", step * steps), "utf-8")
    (project / "kits/pocket.yaml").write_text(
        "extends: mini\ntitle: Pocket\ndocuments:\n  - id: pocket\n"
        "    template: docs/mini/pocket.html\n    reading: false\n")
    result = run("build", "pocket")
    assert result.exit_code == 0, result.output
    with pymupdf.open(project / "build/pocket/handouts/pocket.pdf") as pdf:
        assert (len(pdf) == 2) == (steps == 4)
        foot_pages = []
        for page in pdf:
            blocks = [(b[1], b[3], b[4]) for b in page.get_text("blocks")]
            starts = [t for t, _, text in blocks if "Skill 1 of 2" in text
                      or text.startswith("TRY IT THIS SHIFT")]   # the front's, the back's
            if not starts:
                continue
            foot_pages.append(page.number)
            top = min(starts)
            assert max(b for t, b, _ in blocks if t >= top) > page.rect.height - 0.75 * 72, \
                "the foot sits at the card's bottom"
            above = [b for t, b, _ in blocks if t < top]
            assert max(above, default=0) <= top, "no text runs under the foot"
        assert len(foot_pages) == 2 and foot_pages[-1] == len(pdf) - 1
