"""Documents made elsewhere: URLs resolve as the web resolves them (relative to the file
that holds them; / from the project folder), a whole HTML document keeps its own styles,
fonts and page rules, and nothing outside the project is read."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pymupdf
import pytest
from click.testing import Result

from printkit.template.urls import anchor_urls, anchored_url, project_url

from .conftest import REPO

FLYER = REPO / "templates/docs/example-flyer"


def test_relative_urls_are_anchored_to_the_file_that_holds_them() -> None:
    folder = "templates/docs/ext"
    html = ('<link href="style.css"><img src="img/a b.png?x=1#f"> <a href="#top">'
            '<img src="/assets/logo.svg"><img src="{{ agency.logo }}">'
            '<a href="https://example.org/"><div style="background: url(\'../bg.png\')">')
    assert anchor_urls(html, folder) == (
        '<link href="/templates/docs/ext/style.css">'
        '<img src="/templates/docs/ext/img/a b.png?x=1#f"> <a href="#top">'
        '<img src="/assets/logo.svg"><img src="{{ agency.logo }}">'
        '<a href="https://example.org/"><div style="background: url(\'/templates/docs/bg.png\')">')
    assert anchored_url("../../../../../etc/passwd", folder) == "/etc/passwd"  # stays at /
    assert project_url("assets/img/badge.svg") == "/assets/img/badge.svg"
    assert project_url("/assets/img/badge.svg") == "/assets/img/badge.svg"


def _words(pdf: Path | str) -> list[str]:
    with pymupdf.open(pdf) as doc:
        return [w[4] for page in doc for w in page.get_text("words")]


def _fonts(pdf: Path | str) -> set[str]:
    with pymupdf.open(pdf) as doc:
        return {f[3].split("+", 1)[-1] for page in doc for f in page.get_fonts()}


@pytest.mark.slow
def test_a_document_made_elsewhere_builds_as_weasyprint_makes_it(
        project: Path, run: Callable[..., Result], tmp_path: Path) -> None:
    """Copied unchanged into templates/docs/<name>/ with its style sheet, picture and fonts,
    it builds; its handout has weasyprint's page count, text and fonts."""
    shutil.copytree(FLYER, project / "templates/docs/flyer")
    (project / "kits/flyer.yaml").write_text(
        "title: Flyer\ncover: false\ncontents: false\ndocuments:\n"
        "  - id: flyer\n    template: docs/flyer/flyer.html\n")
    assert run("check", "flyer").exit_code == 0
    built = run("build", "flyer")
    assert built.exit_code == 0, built.output
    handout = project / "build/flyer/handouts/flyer.pdf"
    plain = tmp_path / "plain.pdf"
    subprocess.run([sys.executable, "-c",
                    "import sys, weasyprint; weasyprint.HTML(sys.argv[1]).write_pdf(sys.argv[2])",
                    str(project / "templates/docs/flyer/flyer.html"), str(plain)],
                   check=True, capture_output=True)
    assert pymupdf.open(handout).page_count == pymupdf.open(plain).page_count
    assert _words(handout) == _words(plain)
    assert _fonts(handout) == _fonts(plain) == {"Flyer-Serif", "Flyer-Serif-Bold"}
    inputs = json.loads((project / "build/flyer/manifest.json").read_text())["inputs"]
    assert {"templates/docs/flyer/style.css", "templates/docs/flyer/img/two-people.svg",
            "templates/docs/flyer/fonts/DejaVuSerif.ttf"} <= set(inputs)


@pytest.mark.slow
def test_its_own_page_size_stands_and_the_build_says_so(
        project: Path, run: Callable[..., Result]) -> None:
    shutil.copytree(FLYER, project / "templates/docs/flyer")
    css = project / "templates/docs/flyer/style.css"
    css.write_text(css.read_text().replace("size: letter", "size: A4").replace(
        "margin: 0.75in 0.8in;", "margin: 0.75in 0.8in 0.3in;"))
    (project / "kits/flyer.yaml").write_text(
        "title: Flyer\ncover: false\ncontents: false\ndocuments:\n"
        "  - id: flyer\n    template: docs/flyer/flyer.html\n")
    built = run("build", "flyer")
    assert built.exit_code == 0, built.output
    assert "templates/docs/flyer/flyer.html: its own page size, 8.27 x 11.69 in (210 x 297 " \
           "mm), is not the kit's paper (letter)" in built.output
    assert "flyer.html: the bottom margin of its pages is under 0.45 in, where printkit " \
           "prints page numbers" in built.output
    page = pymupdf.open(project / "build/flyer/handouts/flyer.pdf")[0]
    assert (round(page.rect.width), round(page.rect.height)) == (595, 842)


@pytest.mark.slow
def test_project_links_work_from_a_nested_template_and_nothing_escapes(
        project: Path, run: Callable[..., Result]) -> None:
    """/assets/... works from any folder; ../ past the project and absolute paths are read
    inside the project (where they are not found), never outside it."""
    deep = project / "templates/docs/deep/er/still"
    deep.mkdir(parents=True)
    (deep / "page.html").write_text(
        '{% extends "layouts/handout.html" %}{% block title %}Deep{% endblock %}'
        '{% block content %}<p>Deep page</p><img src="/assets/img/dot.svg" alt="a dot">'
        '{% endblock %}{% block sources %}Sources: our own.{% endblock %}')
    (project / "kits/deep.yaml").write_text(
        "title: Deep\ndocuments:\n  - id: deep\n    template: docs/deep/er/still/page.html\n")
    built = run("build", "deep")
    assert built.exit_code == 0, built.output
    inputs = json.loads((project / "build/deep/manifest.json").read_text())["inputs"]
    assert "assets/img/dot.svg" in inputs
    for url in ("../../../../../../../../etc/hostname", "/etc/hostname"):
        (deep / "page.html").write_text((deep / "page.html").read_text().replace(
            'src="/assets/img/dot.svg"', f'src="{url}"').replace(
            'src="../../../../../../../../etc/hostname"', f'src="{url}"'))
        checked = run("check", "deep")
        assert checked.exit_code == 1
        assert "not found (looked for etc/hostname)" in checked.output
        again = run("build", "deep")
        inputs = json.loads((project / "build/deep/manifest.json").read_text())["inputs"]
        assert not any("hostname" in name or name.startswith("/") for name in inputs), again
