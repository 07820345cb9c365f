"""Builds that change things: determinism, caching, failures leave outputs untouched."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from .conftest import pdftotext

pytestmark = pytest.mark.slow


def hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and ".cache" not in p.parts}


def test_two_clean_builds_are_byte_identical(project: Path,
                                             run: Callable[..., Result]) -> None:
    a, b = project / "out-a", project / "out-b"
    assert run("build", "--no-cache", "--out", str(a)).exit_code == 0
    assert run("build", "--no-cache", "--jobs", "1", "--out", str(b)).exit_code == 0
    assert hashes(a) == hashes(b)


def test_cached_build_equals_uncached(project: Path, run: Callable[..., Result]) -> None:
    assert run("build", "--out", str(project / "warm")).exit_code == 0
    second = run("build", "--out", str(project / "cached"))
    assert "0 rendered" in second.output
    assert run("build", "--no-cache", "--out", str(project / "cold")).exit_code == 0
    assert hashes(project / "cached") == hashes(project / "cold")


def test_failed_build_leaves_earlier_outputs_untouched(project: Path,
                                                       run: Callable[..., Result]) -> None:
    assert run("build").exit_code == 0
    before = hashes(project / "build" / "mini")
    mtimes = {p: p.stat().st_mtime_ns for p in (project / "build" / "mini").rglob("*")}
    template = project / "templates/docs/mini/gamma.html"
    template.write_text(template.read_text().replace("{% endblock %}",
                                                     "{{ no_such_value }}{% endblock %}", 1))
    result = run("build")
    assert result.exit_code == 1
    assert "templates/docs/mini/gamma.html:" in result.output
    assert "no_such_value" in result.output
    assert "Traceback" not in result.output
    assert hashes(project / "build" / "mini") == before
    assert {p: p.stat().st_mtime_ns for p in mtimes} == mtimes


def test_set_overrides_kit_variable(project: Path, run: Callable[..., Result]) -> None:
    result = run("build", "--set", "event_date=2027-01-31", "--set", "event_name=Harbor Fire")
    assert result.exit_code == 0, result.output
    text = pdftotext(project / "build/mini/handouts/alpha.pdf")
    assert "January 31, 2027" in text and "February 7, 2027" in text
    assert "Harbor Fire" in text


def test_vars_file_builds_into_its_own_folder(project: Path, run: Callable[..., Result]) -> None:
    events = project / "events"
    events.mkdir()
    (events / "harbor-fire.yaml").write_text("event_name: Harbor Fire\nevent_date: 2027-02-01\n")
    result = run("build", "mini", "--vars", str(events / "harbor-fire.yaml"))
    assert result.exit_code == 0, result.output
    assert (project / "build/mini-harbor-fire/mini.pdf").is_file()
    assert not (project / "build/mini/mini.pdf").exists()


def test_cached_build_never_imports_weasyprint(project: Path,
                                               run: Callable[..., Result]) -> None:
    assert run("build").exit_code == 0
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from printkit.cli import cli\n"
        f"r = CliRunner().invoke(cli, ['-C', {str(project)!r}, 'build'])\n"
        "assert r.exit_code == 0, r.output\n"
        "print('weasyprint' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_remote_url_is_refused_not_fetched(project: Path, run: Callable[..., Result]) -> None:
    template = project / "templates/docs/mini/alpha.html"
    template.write_text(template.read_text().replace(
        'src="/assets/img/dot.svg"', 'src="http://127.0.0.1:9/pixel.png"'))
    result = run("build", "--no-cache")
    assert result.exit_code == 1
    assert "http://127.0.0.1:9/pixel.png" in result.output
    assert "network" in result.output


def test_file_outside_project_is_refused(project: Path, run: Callable[..., Result]) -> None:
    template = project / "templates/docs/mini/alpha.html"
    template.write_text(template.read_text().replace(
        'src="/assets/img/dot.svg"', 'src="file:///etc/hostname"'))
    result = run("build", "--no-cache")
    assert result.exit_code == 1
    assert "/etc/hostname" in result.output


def test_press_ready_boxes_and_bleed(project: Path, run: Callable[..., Result]) -> None:
    result = run("build", "mini", "--press")
    assert result.exit_code == 0, result.output
    from pypdf import PdfReader

    press = PdfReader(project / "build/mini/mini-press.pdf")
    reading = PdfReader(project / "build/mini/mini.pdf")
    assert len(press.pages) == len(reading.pages)
    bleed = 3 * 72 / 25.4
    for page in press.pages:
        trim = [float(v) for v in page.trimbox]
        assert trim[2] - trim[0] == pytest.approx(612) and trim[3] - trim[1] == pytest.approx(792)
        box = [float(v) for v in page.bleedbox]
        assert box == pytest.approx([trim[0] - bleed, trim[1] - bleed, trim[2] + bleed,
                                     trim[3] + bleed])
        media = [float(v) for v in page.mediabox]
        assert media[0] < box[0] and media[3] > box[3], "room for crop marks"
    check = subprocess.run(["qpdf", "--check", str(project / "build/mini/mini-press.pdf")],
                           capture_output=True, text=True)
    assert check.returncode == 0


def _max_saturation(png: Path) -> int:
    from PIL import Image

    image = Image.open(png).convert("RGB")
    pixels = image.get_flattened_data() if hasattr(image, "get_flattened_data") else image.getdata()
    return max(max(px) - min(px) for px in pixels)


def test_grayscale_build_has_no_colour(project: Path, run: Callable[..., Result]) -> None:
    assert run("build", "mini", "--grayscale", "--out", str(project / "gray")).exit_code == 0
    assert run("build", "mini", "--out", str(project / "colour")).exit_code == 0
    saturation = {}
    for name in ("gray", "colour"):  # every page: cover art, logo, callouts, tables
        subprocess.run(["pdftoppm", "-png", "-r", "30", str(project / name / "mini/mini.pdf"),
                        str(project / name / "page")], check=True)
        saturation[name] = max(_max_saturation(png)
                               for png in (project / name).glob("page*.png"))
    assert saturation["colour"] > 60
    assert saturation["gray"] < 12


def test_no_change_rebuild_is_up_to_date_and_repairs_tampered_outputs(
        project: Path, run: Callable[..., Result]) -> None:
    assert run("build", "mini").exit_code == 0
    again = run("build", "mini")
    assert "up to date" in again.output
    reading = project / "build/mini/mini.pdf"
    good = reading.read_bytes()
    reading.write_bytes(good.replace(b"Mini Kit", b"Mini Kat"))  # someone edited the output
    repaired = run("build", "mini")
    assert "up to date" not in repaired.output
    assert reading.read_bytes() == good


def test_pdfa_archive_build(project: Path, run: Callable[..., Result]) -> None:
    result = run("build", "mini", "--pdfa", "--out", str(project / "archive"))
    assert result.exit_code == 0, result.output
    from pypdf import PdfReader

    for pdf in (project / "archive/mini/mini.pdf", project / "archive/mini/handouts/beta.pdf"):
        reader = PdfReader(pdf)
        root = reader.trailer["/Root"]
        xmp = root["/Metadata"].get_object().get_data().decode()
        assert "<pdfaid:part>2</pdfaid:part>" in xmp and "<pdfaid:conformance>B" in xmp
        assert "/OutputIntents" in root and reader.trailer["/ID"]
        assert reader.pdf_header == "%PDF-1.7"
        check = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
        assert check.returncode == 0


def test_accidental_spill_onto_a_new_page_is_a_warning(project: Path,
                                                       run: Callable[..., Result]) -> None:
    (project / "templates/docs/mini/spill.html").write_text(
        '{% extends "layouts/handout.html" %}{% block title %}Spill{% endblock %}'
        '{% block content %}<div style="height: 8.4in"></div><p>Last lines.</p>{% endblock %}'
        "{% block sources %}Sources: a test. Facts checked November 2026.{% endblock %}")
    (project / "kits/spill.yaml").write_text(
        "title: Spill\ndocuments:\n  - id: spill\n    template: docs/mini/spill.html\n")
    result = run("build", "spill", "--jobs", "1")
    assert result.exit_code == 0
    assert "templates/docs/mini/spill.html: its last page (page 2) is only" in result.output
    assert run("build", "spill", "--strict", "--no-cache").exit_code == 1


def test_press_files_for_every_print_product(project: Path, run: Callable[..., Result]) -> None:
    """With --press, a booklet's pages and a 2-up cut sheet's pieces also come as single
    pages at their finished size (half-letter) with bleed and trim boxes, for a print shop
    to impose; the booklet's press file has the booklet's page count."""
    (project / "kits/shop.yaml").write_text(
        "extends: mini\ntitle: Shop\noutputs:\n"
        "  - booklet: {page: half-letter, sheet: letter}\n"
        "  - cut-sheets: {up: 2, documents: [alpha]}\n")
    result = run("build", "shop", "--press")
    assert result.exit_code == 0, result.output
    from pypdf import PdfReader

    folder = project / "build/shop"
    booklet = PdfReader(folder / "shop-booklet.pdf")
    for name, pages in (("shop-booklet-press.pdf", 2 * len(booklet.pages)),
                        ("cut-sheets/alpha-2up-press.pdf", None)):
        press = PdfReader(folder / name)
        assert pages is None or len(press.pages) == pages
        for page in press.pages:
            trim = [float(v) for v in page.trimbox]
            assert (trim[2] - trim[0], trim[3] - trim[1]) == (pytest.approx(396),
                                                              pytest.approx(612))
            bleed = [float(v) for v in page.bleedbox]
            assert bleed[0] < trim[0] and bleed[3] > trim[3]
