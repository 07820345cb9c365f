"""The library as posted online: every reading copy, handout and roster packet passes the
PDF/UA-1 validator, a --pdfa build passes PDF/A-2b as well, and three independent text
extractors read the same text from every page."""

from __future__ import annotations

import collections
import re
import subprocess
from pathlib import Path

import pymupdf
import pypdfium2
import pytest
from click.testing import CliRunner

from printkit.cli import cli
from printkit.preflight.conformance import failures
from tests.test_library import KITS, library, library_copy  # noqa: F401 - fixtures

from .conftest import REPO

pytestmark = pytest.mark.slow

SPACED = re.compile(r"(?<!\S)(?:[A-Za-z] ){3,}[A-Za-z](?!\S)")


def _posted(folder: Path) -> list[Path]:
    """The files a build says to post: the reading copy and the handouts."""
    return [folder / f"{folder.name}.pdf", *sorted((folder / "handouts").glob("*.pdf"))]


def _failures(path: Path, profile: str) -> list[str]:
    """page-validation's failed rules (run in a child process: see ``failures``)."""
    return [rule for rule, _ in failures(path.read_bytes(), profile)]


@pytest.mark.parametrize("kit", KITS)
def test_posted_files_pass_pdf_ua(library: Path, kit: str) -> None:  # noqa: F811
    failed = {p.name: _failures(p, "ua1") for p in _posted(library / "build" / kit)}
    assert not {name: rules for name, rules in failed.items() if rules}


def test_pdfa_build_passes_pdf_a_and_pdf_ua(library_copy: Path) -> None:  # noqa: F811
    """The kit with a wallet-card proof page (crop marks) and the one whose content once
    stored a stream ending in CR: archive and accessibility together."""
    out = library_copy.parent / "pdfa"
    result = CliRunner().invoke(cli, ["-C", str(library_copy), "--strict", "build",
                                      "suicide-prevention", "chief-post-incident", "--pdfa",
                                      "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    for kit in ("suicide-prevention", "chief-post-incident"):
        for path in _posted(out / kit):
            assert _failures(path, "2b") == [], path.name
            assert _failures(path, "ua1") == [], path.name


def test_roster_packets_pass_pdf_ua(library_copy: Path) -> None:  # noqa: F811
    out = library_copy.parent / "roster"
    result = CliRunner().invoke(cli, ["-C", str(library_copy), "build", "recruit-academy",
                                      "--roster", str(REPO / "rosters/example-class.csv"),
                                      "--out", str(out), "--no-preflight"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    packets = sorted((out / "recruit-academy" / "roster").glob("*.pdf"))
    assert len(packets) == 6
    for packet in packets:
        assert _failures(packet, "ua1") == [], packet.name


def _pages(path: Path) -> dict[str, list[str]]:
    with pymupdf.open(path) as doc:
        mupdf = [p.get_text() for p in doc]
    poppler = subprocess.run(["pdftotext", "-q", str(path), "-"], capture_output=True,
                             text=True, check=True).stdout.split("\f")[:len(mupdf)]
    pdf = pypdfium2.PdfDocument(str(path))
    pdfium = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    pdf.close()
    return {"poppler": poppler, "mupdf": mupdf, "pdfium": pdfium}


@pytest.mark.parametrize("kit", KITS)
def test_every_reader_extracts_the_same_text(library: Path, kit: str) -> None:  # noqa: F811
    """pdftotext (poppler), PyMuPDF (MuPDF) and pypdfium2 (PDFium): on every page of the
    reading copy, the same letters and digits (counted: extractors order columns and treat
    a hyphen at a line's end differently); no word read letter by letter; no glyph without
    Unicode; no placeholder link."""
    path = library / "build" / kit / f"{kit}.pdf"
    pages = _pages(path)
    for number in range(len(pages["mupdf"])):
        counts = {name: collections.Counter(c for c in text[number] if c.isalnum())
                  for name, text in pages.items()}
        assert counts["poppler"] == counts["mupdf"] == counts["pdfium"], f"p.{number + 1}"
        for name, text in pages.items():
            flat = " ".join(text[number].split())
            assert not SPACED.findall(flat), (name, number + 1, SPACED.findall(flat))
            assert "\ufffd" not in flat and "printkit.invalid" not in flat, (name, number + 1)
