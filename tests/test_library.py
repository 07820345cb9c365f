"""The shipped kit library: every kit builds, prints only registry numbers, and is safe to print."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy
import pikepdf
import pymupdf
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from printkit.cli import cli
from printkit.source.kit import load_kit
from printkit.source.project import load_project
from printkit.source.registry import load_registry

from .conftest import REPO, assert_booklet_folds, build_once, pdftotext

pytestmark = pytest.mark.slow

KITS = sorted(p.stem for p in (REPO / "kits").glob("*.yaml"))
REQUIRED_KITS = {"family-wellness", "chief-post-incident", "roll-call-resilience",
                 "vicarious-trauma", "suicide-prevention", "recruit-academy",
                 "command-staff-wellness"}
PHONE_RE = re.compile(r"(?<![\d-])(?:1-)?\d{3}-\d{3}-\d{4}(?![\d-])"
                      r"|(?<![\w-])\(\d{3}\) ?\d{3}-\d{4}")
SHORT_CODE_RE = re.compile(r"\b(?:[Cc]all|[Tt]ext|[Dd]ial)(?: [A-Z]+ to)? (\d{3,6})\b")


# A Python None that reaches the page prints as "None" ("None of 4" where a page number
# should be). The words are meant in exactly one place: a quote on a roll-call handout.
UNFINISHED = ("[VERIFY]", "lorem", "TODO", "TBD", "Undefined", "None of")
MEANT = re.compile(r"“Dispatch blew it\.\s+None\s+of\s+it\s+was\s+on\s+me\.”")


def unfinished(text: str) -> list[str]:
    """The placeholder or leaked-value words in ``text``, each with what surrounds it."""
    text = MEANT.sub("", text)
    found = []
    for bad in UNFINISHED:
        at = text.lower().find(bad.lower())
        if at >= 0:
            found.append(f"{bad!r} in {text[max(0, at - 40): at + 40]!r}")
    return found


def _build_library(root: Path) -> None:
    for name in ("kits", "templates", "assets", "data"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "printkit.yaml", root / "printkit.yaml")
    result = CliRunner().invoke(cli, ["-C", str(root), "build", "--jobs", "2"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="session")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole library, built once for the session (shared by all xdist workers):
    read it only. A test that builds again uses ``library_copy``."""
    return build_once(tmp_path_factory, "library", _build_library)


@pytest.fixture
def library_copy(library: Path, tmp_path: Path) -> Path:
    """A private copy of the built library, render cache included, to build into."""
    return Path(shutil.copytree(library, tmp_path / "proj", symlinks=True))


def test_all_seven_kits_are_shipped() -> None:
    assert set(KITS) >= REQUIRED_KITS


def test_library_checks_clean(library: Path) -> None:
    result = CliRunner().invoke(cli, ["-C", str(library), "check"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("kit", KITS)
def test_kit_builds_valid_pdfs(library: Path, kit: str) -> None:
    folder = library / "build" / kit
    reading = PdfReader(folder / f"{kit}.pdf")
    assert len(reading.pages) >= 4
    for pdf in folder.rglob("*.pdf"):
        check = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
        assert check.returncode == 0, (pdf, check.stdout[-400:])
    fonts = subprocess.run(["pdffonts", str(folder / f"{kit}.pdf")], capture_output=True,
                           text=True, check=True).stdout.splitlines()[2:]
    for line in fonts:
        assert "Atkinson" in line and "printkit" not in line and " yes " in line, line
    top = [o for o in reading.outline if not isinstance(o, list)]
    documents = load_kit(load_project(library), kit).documents
    assert len(list((folder / "handouts").glob("*.pdf"))) == len(documents)
    assert len(top) == sum(d.reading for d in documents) + 1  # + Contents


@pytest.mark.parametrize("kit", KITS)
def test_printed_numbers_come_from_the_registry(library: Path, kit: str) -> None:
    project = load_project(library)
    allowed = load_registry(project.registry_file).phone_numbers()
    allowed |= {re.sub(r"\D", "", str(v))  # the agency's own contacts (printkit.yaml)
                for v in project.config["variables"]["contacts"].values()}
    text = pdftotext(library / "build" / kit / f"{kit}.pdf")
    for match in PHONE_RE.finditer(text):
        assert re.sub(r"\D", "", match.group(0)) in allowed, match.group(0)
    for match in SHORT_CODE_RE.finditer(text):
        assert match.group(1) in allowed, match.group(0)


@pytest.mark.parametrize("kit", KITS)
def test_nothing_unfinished_or_retired_reaches_print(library: Path, kit: str) -> None:
    text = pdftotext(library / "build" / kit / f"{kit}.pdf")
    assert not unfinished(text)
    assert not re.search(r"press\s*3", text, re.I), "the retired 988 option"


def test_unfinished_finds_placeholders_and_leaked_values() -> None:
    assert unfinished("Call 988. TODO: check") and unfinished("Page None of 4")
    assert unfinished("lorem ipsum") and unfinished("none of the above")
    assert not unfinished("“Dispatch blew it. None of it was on me.”  What part did I play?")
    assert unfinished("“Dispatch blew it. None of it was on me.” Page None of 4")


@pytest.mark.parametrize("kit", KITS)
def test_every_handout_says_where_its_facts_come_from(library: Path, kit: str) -> None:
    for handout in sorted((library / "build" / kit / "handouts").glob("*.pdf")):
        text = pdftotext(handout)
        if float(PdfReader(handout).pages[0].mediabox.width) < 300:
            continue  # wallet cards: the registry line is on the crisis-lines handout
        assert re.search(r"Sources?:|resource registry", text), handout.name
        assert re.search(r"(checked|verified)", text, re.I), handout.name


def test_wallet_card_sheet(library: Path) -> None:
    cards = library / "build" / "suicide-prevention" / "suicide-prevention-cards.pdf"
    reader = PdfReader(cards)
    assert len(reader.pages) == 2
    front = pdftotext(cards, 1, 1)
    back = pdftotext(cards, 2, 2)
    assert front.count("988") >= 10 or back.count("988") >= 10


def _build_half_letter(library: Path) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        shutil.copytree(library, root, symlinks=True)
        result = CliRunner().invoke(cli, ["-C", str(root), "--strict", "build", "--paper",
                                          "half-letter", "--name", "half-letter", "--jobs",
                                          "2"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    return make


@pytest.fixture(scope="session")
def half_letter(library: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The library also built with --paper half-letter --strict (shared, read only): no
    document spills a few lines onto a page of its own at that size."""
    return build_once(tmp_path_factory, "library-half-letter", _build_half_letter(library))


@pytest.mark.parametrize("kit", KITS)
def test_booklets_are_laid_out_at_their_finished_size(library: Path, half_letter: Path,
                                                      kit: str) -> None:
    """A library booklet is its documents laid out at half-letter, placed at 100% two to a
    Letter sheet: sheet for sheet the same picture and text as the booklet of the half-letter
    build (whose pages are the reading copy's, tagged), and its sheets fold into that build's
    reading copy, page by page."""
    booklet = library / "build" / kit / f"{kit}-booklet.pdf"
    if not booklet.exists():
        pytest.skip("no booklet for this kit")
    small = half_letter / "build" / f"{kit}-half-letter"
    with pymupdf.open(booklet) as ours, pymupdf.open(small / f"{kit}-booklet.pdf") as theirs:
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs, strict=True):
            assert a.get_text() == b.get_text()
            assert a.get_pixmap(dpi=50).samples == b.get_pixmap(dpi=50).samples
    sheets = PdfReader(booklet)
    assert {(round(float(p.mediabox.width)), round(float(p.mediabox.height)))
            for p in sheets.pages} == {(792, 612)}
    for page in sheets.pages:
        for scale in re.findall(rb"q ([0-9.]+) 0 0 ([0-9.]+) ", page.get_contents().get_data()):
            assert scale == (b"1.000000", b"1.000000"), "pages are placed unscaled"
    assert_booklet_folds(small, kit)


def test_a_list_of_cards_fills_its_page_before_going_on(half_letter: Path) -> None:
    """At half-letter, "Who to call" (the page a recruit keeps) fills its first page with the
    line cards that fit before going on to the next: a one-column grid of cards carried one
    that fitted, and left a third of the page empty."""
    pdf = half_letter / "build/recruit-academy-half-letter/handouts/who-to-call.pdf"
    with pymupdf.open(pdf) as doc:
        foot = doc[0].rect.height - 0.7 * 72   # the small-paper bottom margin
        cards = [sorted((r for r in (d["rect"] for d in page.get_drawings())
                         if r.width > 250 and 40 < r.height < 120), key=lambda r: r.y0)
                 for page in doc[:2]]
        assert cards[0] and cards[1]
        room = foot - cards[0][-1].y1
        # the next card and the 6 pt gap above it (--row-gap in docs/recruit/style.html)
        assert room < cards[1][0].height + 6, f"{room:.0f} pt left empty above the foot"


def test_a_rebuild_with_nothing_changed_is_up_to_date_and_still_shows_the_notes(
        library_copy: Path) -> None:
    """The kits whose pages carry a note for the agency are not built again for it."""
    kits = ["family-wellness", "suicide-prevention"]
    command = ["-C", str(library_copy), "-v", "build", *kits]
    first = CliRunner().invoke(cli, command, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    again = CliRunner().invoke(cli, command, catch_exceptions=False)
    assert again.exit_code == 0, again.output
    for kit in kits:
        assert f"nothing changed since the last build of {kit}: up to date" in again.output
    for note in ("family/hard-shift.html", "suicide/safe-storage.html"):
        assert f"{note}:" in again.output and "note for the agency" in again.output


def test_library_reflows_onto_a5_without_spill_overs(library_copy: Path) -> None:
    """--strict turns a spill-over (a last page under 15% full) into a failure."""
    result = CliRunner().invoke(cli, ["-C", str(library_copy), "--strict", "build", "--paper",
                                      "a5", "--name", "a5", "--jobs", "2"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output


def test_example_roster_builds_a_packet_per_recruit(library_copy: Path) -> None:
    roster = REPO / "rosters/example-class.csv"
    out = library_copy.parent / "out"
    result = CliRunner().invoke(cli, ["-C", str(library_copy), "--strict", "build",
                                      "recruit-academy", "--roster", str(roster),
                                      "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    folder = out / "recruit-academy"
    packets = sorted(p.stem for p in (folder / "roster").glob("*.pdf"))
    assert packets == ["alex-placeholder", "jordan-example", "lukasz-przyklad",
                       "maria-jose-ejemplo", "pat-sample", "sam-demo"]
    text = pdftotext(folder / "roster/lukasz-przyklad.pdf", 1, 3)
    assert "Łukasz Przykład" in text and "Dear Łukasz Przykład," in text
    assert "Class 2026-2" in text
    booklets = PdfReader(folder / "recruit-academy-roster-booklet.pdf")
    packet = PdfReader(folder / "roster/lukasz-przyklad.pdf")
    assert len(booklets.pages) == 6 * 2 * -(-len(packet.pages) // 4)  # sheet sides


IMPOSED = ("*-booklet.pdf", "*-cards.pdf", "cut-sheets/*.pdf")


@pytest.mark.parametrize("kit", KITS)
def test_imposed_files_open_cleanly_in_every_reader(library: Path, kit: str) -> None:
    """Booklets, card sheets and cut sheets: Ghostscript (stopping on any error) and MuPDF
    read them without a word, and each carries a title for the viewer's window and a
    language."""
    files = [f for pattern in IMPOSED for f in sorted((library / "build" / kit).glob(pattern))]
    assert bool(files) == bool(load_kit(load_project(library), kit).outputs)
    for pdf in files:
        gs = subprocess.run(["gs", "-q", "-dPDFSTOPONERROR", "-dNOPAUSE", "-dBATCH",
                             "-sDEVICE=nullpage", str(pdf)], capture_output=True, text=True)
        assert gs.returncode == 0 and not (gs.stdout + gs.stderr).strip(), (pdf, gs.stderr)
        pymupdf.TOOLS.mupdf_warnings()  # clear
        with pymupdf.open(pdf) as doc:
            for page in doc:
                page.get_text()
                page.get_pixmap(dpi=10)
            assert doc.metadata is not None and doc.metadata["title"], pdf
        assert pymupdf.TOOLS.mupdf_warnings() == "", pdf
        with pikepdf.open(pdf) as doc:
            assert doc.Root.ViewerPreferences.DisplayDocTitle, pdf
            assert str(doc.Root.Lang) == "en", pdf


def _printed_sizes(pdf: Path) -> list[float]:
    """Type size as printed (points, after any scaling) of every character, smallest first."""
    sizes: list[float] = []
    with pymupdf.open(pdf) as doc:
        for page in doc:
            for block in page.get_text("dict")["blocks"]:
                for line in block.get("lines", []):
                    for span in line["spans"]:
                        sizes += [span["size"]] * len(span["text"].strip())
    return sorted(sizes)


@pytest.mark.parametrize("kit", KITS)
def test_print_products_set_body_text_at_a_readable_size(library: Path, kit: str) -> None:
    """As printed (PyMuPDF's span sizes on the sheets): booklets and 2-up cut sheets set
    body text at 10 pt or more (the median character), and no more than a tenth of the text
    is under 8.5 pt; 4-up pocket cards have nothing under 8.5 pt."""
    folder = library / "build" / kit
    for pdf in [*folder.glob("*-booklet.pdf"), *folder.glob("cut-sheets/*-2up.pdf")]:
        sizes = _printed_sizes(pdf)
        assert sizes[len(sizes) // 2] >= 10 - 0.05, (pdf.name, sizes[len(sizes) // 2])
        assert sizes[len(sizes) // 10] >= 8.5 - 0.05, (pdf.name, sizes[len(sizes) // 10])
    for pdf in folder.glob("cut-sheets/*-4up.pdf"):
        assert _printed_sizes(pdf)[0] >= 8.5 - 0.05, pdf.name
    for pdf in folder.glob("cut-sheets/*.pdf"):   # laid out at the finished size
        for page in PdfReader(pdf).pages:
            data = page.get_contents().get_data()
            scales = re.findall(rb"([0-9.]+) 0 0 ([0-9.]+) [-0-9.]+ [-0-9.]+ cm /P", data)
            assert scales and set(scales) == {(b"1.000000", b"1.000000")}, pdf.name


def test_pocket_cards_keep_their_colour_off_the_cut(library: Path) -> None:
    """The four pocket cards of a 4-up fill the Letter sheet, so each card's edge is either the
    sheet's edge, which an office printer leaves unprinted (about 0.17 in), or a cut beside
    another card, where a cut a hair off shows a sliver of the wrong colour. Every card side
    (its handout page: the piece the 4-up places at 100%) is white for 0.2 in inside its
    edge, so every card of the sheet prints and cuts alike. (The SAMPLE mark of a build with
    placeholder values is not the card's art.)"""
    cards = sorted((library / "build/roll-call-resilience/handouts").glob("*-card.pdf"))
    assert len(cards) == 8
    dpi, frame = 72, round(0.2 * 72) - 1
    for pdf in cards:
        with pymupdf.open(pdf) as doc:
            for page in doc:
                pix = page.get_pixmap(dpi=dpi, alpha=False)
                ink = numpy.frombuffer(pix.samples, numpy.uint8).reshape(
                    pix.height, pix.width, 3).min(axis=2) < 235
                for box in page.search_for("SAMPLE"):
                    x0, y0 = max(round(box.x0) - 6, 0), max(round(box.y0) - 6, 0)
                    ink[y0:round(box.y1) + 6, x0:round(box.x1) + 6] = False   # 72 dpi: pt
                ink[frame:-frame, frame:-frame] = False      # only the frame is looked at
                assert not ink.any(), (pdf.name, page.number + 1, numpy.argwhere(ink)[:3])


def test_the_whole_library_passes_preflight(library: Path) -> None:
    """Every output of every kit, as built: type size, contrast, safe area, marks, empty
    pages, stranded headings, fonts and images (the half-letter and A5 builds above are
    --strict builds, so they pass it too)."""
    result = CliRunner().invoke(cli, ["-C", str(library), "--strict", "preflight"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "every page passes" in result.output


def test_library_passes_preflight_on_a4_for_black_and_white_copiers(library_copy: Path) -> None:
    """A4 reflows every page and --grayscale turns every colour pair grey: a --strict build
    fails on any preflight finding."""
    result = CliRunner().invoke(cli, ["-C", str(library_copy), "--strict", "build", "--paper",
                                      "a4", "--grayscale", "--name", "a4-grey", "--jobs", "2"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "preflight: every page passes (7 kits)" in result.output


@pytest.mark.parametrize("kit", KITS)
def test_text_is_set_with_typographic_quotes(library: Path, kit: str) -> None:
    """Curly quotes and apostrophes everywhere a reader sees text, kit titles included."""
    text = pdftotext(library / "build" / kit / f"{kit}.pdf")
    straight = [text[max(0, m.start() - 30): m.end() + 30]
                for m in re.finditer(r"['\"]", text)]
    assert not straight, straight[:5]
