"""The engine's promises after the restructuring: kits with nothing to build are errors, a
child kit inherits its documents, and the no-change fast path works kit by kit and ignores
options that cannot change an output."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from pypdf import PdfReader

from printkit.source.kit import Booklet, Cards, CutSheets, load_kit
from printkit.source.project import load_project


def test_a_kit_with_no_documents_is_an_error_naming_documents(
        project: Path, run: Callable[..., Result]) -> None:
    (project / "kits/empty.yaml").write_text("title: Empty\ndocuments: []\n")
    result = run("check", "empty")
    assert result.exit_code == 1
    assert "kits/empty.yaml:2: error: the kit has no documents" in result.output
    assert "Traceback" not in result.output
    (project / "kits/empty.yaml").write_text("title: Empty\n")
    result = run("build", "empty")
    assert result.exit_code == 1
    assert "kits/empty.yaml:1: error: the kit has no 'documents:' list" in result.output
    assert not (project / "build/empty").exists()


def test_a_child_kit_need_not_restate_documents(project: Path) -> None:
    (project / "kits/child.yaml").write_text(
        "extends: mini\ntitle: Mini for families\nvariables:\n  event_name: Family day\n")
    kit = load_kit(load_project(project), "child")
    parent = load_kit(load_project(project), "mini")
    assert [d.id for d in kit.documents] == [d.id for d in parent.documents]
    assert kit.title == "Mini for families"
    assert kit.files == ("kits/child.yaml", "kits/mini.yaml")


def test_output_specs_are_typed_and_names_made_in_one_place(project: Path) -> None:
    kit = load_kit(load_project(project), "print")
    assert kit.outputs == (Booklet("double", True, 0.0), CutSheets(4, ("alpha",)),
                           Cards("card"))
    names = kit.output_names()
    assert (names.reading, names.booklet, names.cut_sheet("alpha", 4)) == (
        "print.pdf", "print-booklet.pdf", "cut-sheets/alpha-4up.pdf")


def _weasyprint_imported(project: Path, *args: str) -> tuple[bool, str]:
    code = ("import sys\nfrom click.testing import CliRunner\nfrom printkit.cli import cli\n"
            f"r = CliRunner().invoke(cli, ['-C', {str(project)!r}, '-v', 'build', *{args!r}])\n"
            "assert r.exit_code == 0, r.output\n"
            "print('weasyprint' in sys.modules)\nprint(r.output)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    first, _, rest = out.partition("\n")
    return first == "True", rest


def _two_kits(project: Path) -> None:
    """Two small kits that build without warnings (a build with warnings is never skipped:
    they must be seen)."""
    values = "variables:\n  event_name: Test Event\n  event_date: 2026-03-05\n"
    (project / "kits/one.yaml").write_text(
        f"title: One\n{values}documents:\n  - id: alpha\n    template: docs/mini/alpha.html\n")
    (project / "kits/two.yaml").write_text(
        f"title: Two\n{values}documents:\n  - id: beta\n    template: docs/mini/beta.md\n")


@pytest.mark.slow
def test_jobs_is_not_part_of_the_no_change_check(project: Path,
                                                run: Callable[..., Result]) -> None:
    _two_kits(project)
    first = run("build", "one", "--jobs", "2")
    assert first.exit_code == 0 and "warning" not in first.output, first.output
    imported, output = _weasyprint_imported(project, "one", "--jobs", "1")
    assert not imported
    assert "nothing changed since the last build of one" in output


@pytest.mark.slow
def test_editing_one_kits_document_leaves_the_other_kits_alone(
        project: Path, run: Callable[..., Result]) -> None:
    _two_kits(project)
    first = run("build", "one", "two")
    assert first.exit_code == 0 and "warning" not in first.output, first.output
    beta = project / "templates/docs/mini/beta.md"
    beta.write_text(beta.read_text("utf-8") + "\nOne more line.\n", "utf-8")
    result = run("-v", "build", "one", "two")
    assert result.exit_code == 0, result.output
    assert "nothing changed since the last build of one: up to date" in result.output
    assert "render   templates/docs/mini/beta.md" in result.output
    assert "two: " in result.output and "1 rendered" in result.output


@pytest.mark.parametrize("spec,message", [
    ("{page: half-letter, sheet: tabloid}", "two half-letter pages side by side fit a letter "
                                            "sheet, not sheet: tabloid"),
    ("{page: half-letter, marks: true}", "no room for marks outside its pages"),
    ("{sheet: letter}", "a booklet on letter sheets needs the size of its pages"),
])
def test_a_booklet_that_cannot_print_at_full_size_is_refused(
        project: Path, run: Callable[..., Result], spec: str, message: str) -> None:
    (project / "kits/b.yaml").write_text(
        "extends: mini\ntitle: B\noutputs:\n  - booklet: " + spec + "\n")
    result = run("check", "b")
    assert result.exit_code == 1 and message in result.output, result.output
    assert "kits/b.yaml:3: error:" in result.output  # the outputs list


def test_a_booklet_names_its_finished_page(project: Path) -> None:
    (project / "kits/b.yaml").write_text(
        "extends: mini\ntitle: B\noutputs:\n  - booklet: {page: a5, sheet: a4, creep: 0.2}\n")
    assert load_kit(load_project(project), "b").booklet == Booklet("double", False, 0.2, "a5")


@pytest.mark.slow
def test_a_pdf_made_elsewhere_is_spliced_in_or_refused_clearly(
        project: Path, built: Path, run: Callable[..., Result]) -> None:
    (project / "assets/policy.pdf").write_bytes(
        (built / "build/mini/handouts/alpha.pdf").read_bytes())
    (project / "assets/broken.pdf").write_bytes(b"%PDF-1.7\nnot really a PDF\n")
    kit = project / "kits/splice.yaml"
    kit.write_text("extends: mini\ntitle: Splice\ndocuments:\n  - id: policy\n"
                   "    pdf: assets/policy.pdf\n    title: Agency policy\n")
    assert run("build", "splice").exit_code == 0
    reading = project / "build/splice/splice.pdf"
    assert "Agency policy" in [str(o.title) for o in PdfReader(reading).outline
                               if not isinstance(o, list)]
    before = reading.read_bytes()
    kit.write_text(kit.read_text().replace("policy.pdf", "broken.pdf"))
    result = run("build", "splice")
    assert result.exit_code == 1
    assert result.output.startswith("kits/splice.yaml:5: error: assets/broken.pdf is not a "
                                    "readable PDF"), result.output
    assert "Traceback" not in result.output
    assert reading.read_bytes() == before


def test_a_build_leaves_nothing_in_the_temporary_folder(project: Path,
                                                        tmp_path: Path) -> None:
    """WeasyPrint copies the fonts into a temporary folder per process; a build's worker
    processes remove theirs when they end (they used to leave two in /tmp every build)."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    done = subprocess.run([sys.executable, "-m", "printkit", "-C", str(project), "-q", "build",
                           "--jobs", "2", "mini"], capture_output=True, text=True, env=env,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp.iterdir()) == []


def test_a_back_cover_that_overflows_its_page_is_reported(project: Path,
                                                          run: Callable[..., Result]) -> None:
    """The booklet's back cover holds the agency's contacts: too long a value pushes part of
    it onto a second page, and the build says so, naming the template and what to shorten."""
    config = project / "printkit.yaml"
    config.write_text(config.read_text() + "  copies: \"" + "More copies here. " * 400 + "\"\n")
    result = run("build", "print")
    assert result.exit_code == 0, result.output
    assert "templates/layouts/back-cover.html: the back cover runs to" in result.output
    assert "'copies' in printkit.yaml" in result.output


def test_a_document_can_be_left_out_of_the_reading_copy(
        project: Path, run: Callable[..., Result]) -> None:
    """'reading: false' (pocket cards, say): the document gets its handout and its cut
    sheet, and is not in the reading copy, its contents page or its cover."""
    (project / "kits/cards.yaml").write_text(
        "extends: mini\ntitle: Cards\ndocuments:\n  - id: gamma\n"
        "    template: docs/mini/gamma.html\n    reading: false\n"
        "outputs:\n  - cut-sheets: {up: 2, documents: [gamma]}\n")
    assert run("build", "cards").exit_code == 0
    folder = project / "build/cards"
    reading = PdfReader(folder / "cards.pdf")
    titles = [str(o.title) for o in reading.outline if not isinstance(o, list)]
    assert "Gamma long guide" not in titles and "Alpha handout" in titles
    text = "".join(page.extract_text() for page in reading.pages)
    assert "Gamma" not in text
    assert (folder / "handouts/gamma.pdf").exists()
    assert (folder / "cut-sheets/gamma-2up.pdf").exists()
