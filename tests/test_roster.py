"""Roster builds: one personalised packet per row, shared documents rendered once."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pymupdf
import pytest
from click.testing import Result
from pypdf import PdfReader

from printkit.errors import InputError
from printkit.source.roster import read_roster

from .conftest import assert_print_metadata, pdftotext


def write(path: Path, text: str, bom: bool = False) -> Path:
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    return path


@pytest.mark.slow
def test_roster_builds_packets_and_combined_file(project: Path,
                                                 run: Callable[..., Result]) -> None:
    roster = write(project / "class.csv", "event_name,event_date\n"
                   "Jordan Lee,2027-01-10\n\"Smith, Pat\",2027-02-10\nJordan Lee,2027-03-10\n",
                   bom=True)
    result = run("build", "mini", "--roster", str(roster), "-v")
    assert result.exit_code == 0, result.output
    folder = project / "build/mini"
    names = sorted(p.name for p in (folder / "roster").glob("*.pdf"))
    assert names == ["jordan-lee-2.pdf", "jordan-lee.pdf", "smith-pat.pdf"]
    assert "Smith, Pat" in pdftotext(folder / "roster/smith-pat.pdf")
    assert "March 10, 2027" in pdftotext(folder / "roster/jordan-lee-2.pdf")
    single = len(PdfReader(folder / "roster/jordan-lee.pdf").pages)
    assert len(PdfReader(folder / "mini-roster.pdf").pages) == 3 * single
    assert assert_print_metadata(folder / "mini-roster.pdf") == "Mini Kit: roster (3 packets)"
    renders = re.findall(r"^\s+render\s+(\S+)", result.output, re.M)
    assert renders.count("templates/docs/mini/alpha.html") == 3  # uses event_name
    assert renders.count("templates/docs/mini/gamma.html") == 1  # does not


def test_ragged_row_names_its_line(tmp_path: Path) -> None:
    roster = write(tmp_path / "r.csv", "a,b\n1,2\n3\n")
    with pytest.raises(InputError) as err:
        read_roster(roster, "r.csv")
    assert "r.csv:3: error: row has 1 values but the header has 2 columns" in str(err.value)


def test_bad_header_names_column(tmp_path: Path) -> None:
    roster = write(tmp_path / "r.csv", "name,first name,kit\nx,y,z\n")
    with pytest.raises(InputError) as err:
        read_roster(roster, "r.csv")
    text = str(err.value)
    assert "column 2 'first name' is not a valid variable name" in text
    assert "column 'kit' is reserved" in text


def test_names_are_safe_and_unique(tmp_path: Path) -> None:
    roster = write(tmp_path / "r.csv",
                   "recruit_name\n../../etc/passwd\nÉlodie Ñúñez\n\n   \n/\nÉlodie Ñúñez\n")
    rows = read_roster(roster, "r.csv")
    slugs = [r.slug for r in rows]
    assert slugs == ["etc-passwd", "elodie-nunez", "row-3", "elodie-nunez-2"]
    assert all("/" not in s and not s.startswith(".") for s in slugs)


def test_empty_and_header_only(tmp_path: Path) -> None:
    for text in ("", "a,b\n"):
        with pytest.raises(InputError):
            read_roster(write(tmp_path / "r.csv", text), "r.csv")


def test_roster_needs_one_kit(run: Callable[..., Result], project: Path) -> None:
    roster = write(project / "r.csv", "event_name\nx\n")
    result = run("build", "--roster", str(roster))
    assert result.exit_code == 2


def test_check_fills_every_template_with_every_row(project: Path,
                                                    run: Callable[..., Result]) -> None:
    roster = write(project / "r.csv", "event_name,event_date\nA,2027-01-01\nB,next week\n")
    result = run("check", "mini", "--roster", str(roster))
    assert result.exit_code == 1
    assert "r.csv row 3: 'next week' is not a date" in result.output
    assert "row 2" not in result.output


def test_check_warns_of_names_the_font_cannot_print(project: Path,
                                                   run: Callable[..., Result]) -> None:
    roster = write(project / "r.csv", "event_name\nŁukasz Nguyễn\n王小明\n")
    result = run("check", "mini", "--roster", str(roster))
    assert result.exit_code == 0, result.output
    assert "r.csv:3: warning: the packaged font has no 小 明 王" in result.output
    assert "r.csv:2" not in result.output  # accents the font has, composed by the shaper
    assert run("--strict", "check", "mini", "--roster", str(roster)).exit_code == 1


def test_a_roster_whose_columns_no_template_reads_is_refused(project: Path,
                                                            run: Callable[..., Result]) -> None:
    roster = write(project / "r.csv", "name,date\nJordan Lee,2027-01-10\n")
    for command in (("check", "mini"), ("build", "mini")):
        result = run(*command, "--roster", str(roster))
        assert result.exit_code == 1, result.output
        assert ("r.csv:1: error: none of the roster's columns (date, name) is used by kit "
                "'mini'") in result.output
        assert "event_date, event_name" in result.output
    assert not (project / "build/mini/roster").exists()


def test_an_unused_column_is_a_warning_with_a_suggestion(project: Path,
                                                         run: Callable[..., Result]) -> None:
    roster = write(project / "r.csv", "event_name,event_dat\nJordan Lee,2027-01-10\n")
    result = run("check", "mini", "--roster", str(roster))
    assert result.exit_code == 0, result.output
    assert "column 'event_dat' is not used by kit 'mini'" in result.output
    assert "Did you mean 'event_date'?" in result.output
    assert run("--strict", "check", "mini", "--roster", str(roster)).exit_code == 1


GREETING = """{% extends "layouts/handout.html" %}
{% block title %}A letter{% endblock %}
{% block content %}
<p>Before the greeting.</p>
<p>{{ ('Dear ' ~ name ~ ',') | field }}</p>
<p>After the greeting.</p>
{% endblock %}
"""


def _content_order(path: Path) -> list[str]:
    """Each page's words in content order (not sorted by position)."""
    with pymupdf.open(path) as pdf:
        return [" ".join(w[4] for w in page.get_text("words", sort=False)) for page in pdf]


@pytest.mark.slow
def test_a_personalised_name_is_in_content_order(project: Path,
                                                 run: Callable[..., Result]) -> None:
    write(project / "templates/docs/mini/greeting.html", GREETING)
    write(project / "kits/greeting.yaml", "title: Greetings\ncover: false\nvariables:\n"
          "  name: ''\ndocuments:\n  - id: greeting\n    template: docs/mini/greeting.html\n")
    roster = write(project / "class.csv", "name\nJordan Lee\nPat Smith\n")
    result = run("build", "greeting", "--roster", str(roster), "-v")
    assert result.exit_code == 0, result.output
    assert "rendering" not in result.output   # the names were printed into one render
    folder = project / "build/greeting"
    pages = [*_content_order(folder / "roster/jordan-lee.pdf"),
             *_content_order(folder / "roster/pat-smith.pdf"),
             *_content_order(folder / "greeting-roster.pdf")]
    for name in ("Jordan Lee", "Pat Smith"):   # where the field is, not last on the page
        expected = f"Before the greeting. Dear {name}, After the greeting."
        assert sum(expected in page for page in pages) == 2, pages
    # each file embeds only the glyphs it shows (the prepared packet held whole faces)
    for pdf in (folder / "roster/jordan-lee.pdf", folder / "greeting-roster.pdf"):
        with pikepdf.open(pdf) as doc:
            names = {str(f.BaseFont) for page in doc.pages
                     for f in page.obj.Resources.get("/Font", {}).values()}
        assert names and all("+" in n for n in names), (pdf.name, names)
