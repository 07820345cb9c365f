"""What a screen-reader user gets from a reading copy or handout: a structure tree that owns
every word on the page once, in order, with decoration and running footers left out as
artifacts; headings that never skip a level; lists, tables and figures a reader can name; and
text every extractor reads as words. Checked on the finished PDF with pikepdf (tests/tagtree.py,
independent of printkit's own code) and the PyPI validator page-validation."""

from __future__ import annotations

import multiprocessing
import subprocess
from pathlib import Path

import pikepdf
import pymupdf
import pypdfium2
import pytest
from click.testing import CliRunner

from printkit.cli import cli
from printkit.preflight.conformance import failures
from tests.conftest import build_once, make_project
from tests.tagtree import Node, owned, read_page, walk

DOC = """{% extends "layouts/handout.html" %}
{% from "partials/icons.html" import icon with context %}
{% block title %}Reading order{% endblock %}
{% block lede %}A page a screen reader can follow.{% endblock %}
{% block content %}
<div><h3 style="display: flex; gap: 4pt">{{ icon('leaf') }} First card</h3><p>Card one.</p></div>
<div><h3>Second card</h3><p>Card two.</p></div>
<h2>Section</h2>
<p class="label" style="letter-spacing: 0.12em; text-transform: uppercase">Peer support unit</p>
<ul style="display: grid; grid-template-columns: 1fr 1fr">
<li>First item</li><li>Second item</li></ul>
<ol><li>Step one</li><li>Step two</li></ol>
<table><tr><th>Line</th><th>Number</th></tr><tr><th scope="row">Crisis</th><td>988</td></tr>
<tr><td></td><td></td></tr><tr><td></td><td></td></tr></table>
<svg viewBox="0 0 10 10" width="30" height="30" role="img" aria-label="A green square">
<rect width="10" height="10" fill="green"/></svg>
<img src="/assets/img/dot.svg" alt="">
<p aria-hidden="true">Decoration a reader skips</p>
<p>Last words.</p>
{% endblock %}
"""

KIT = """title: Access Kit
audience: testers
documents:
  - id: order
    template: docs/mini/order.html
"""


def _make(root: Path) -> None:
    make_project(root)
    (root / "templates/docs/mini/order.html").write_text(DOC)
    (root / "kits/access.yaml").write_text(KIT)
    result = CliRunner().invoke(cli, ["-C", str(root), "build", "access", "--jobs", "1"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="session")
def access(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_once(tmp_path_factory, "access", _make) / "build/access"


_OPEN: dict[Path, pikepdf.Pdf] = {}


def _tree(path: Path) -> list[Node]:
    """The walk of ``path`` (the file stays open: the nodes point into it)."""
    if path not in _OPEN:
        _OPEN[path] = pikepdf.open(path)
    return walk(_OPEN[path])


def _kid_roles(element: pikepdf.Object) -> list[str]:
    k = element.get("/K")
    kids = list(k) if isinstance(k, pikepdf.Array) else [] if k is None else [k]
    return [str(kid.S)[1:] for kid in kids if isinstance(kid, pikepdf.Dictionary) and "/S" in kid]


def _words(nodes: list[Node]) -> str:
    return " ".join(" ".join(n.text for n in nodes).split())


@pytest.mark.parametrize("name", ["access.pdf", "handouts/order.pdf"])
def test_reading_copy_and_handout_pass_pdf_ua(access: Path, name: str) -> None:
    assert failures((access / name).read_bytes(), "ua1") == []


def test_every_word_is_owned_once_and_footers_are_artifacts(access: Path) -> None:
    """Each marked-content id on a page is owned by exactly one element; nothing is drawn
    outside both the tree and the artifacts; the running footer and page numbers are
    artifacts."""
    with pikepdf.open(access / "access.pdf") as pdf:
        mine = owned(pdf)
        for index, page in enumerate(pdf.pages):
            read = read_page(page)
            assert sorted(mine.get(index, [])) == sorted(set(read.mcids)), f"page {index + 1}"
            assert not "".join(read.unmarked).strip(), f"page {index + 1}"
        last = read_page(pdf.pages[-1])
        assert "Testville PD" in "".join(last.pagination)   # the running footer
        assert last.pagination[-1].strip().isdigit()       # the page number, drawn last
        assert "Decoration a reader skips" in last.artifacts
        assert "Decoration a reader skips" not in "".join(last.pagination)


def test_decoration_is_left_out_and_figures_are_named(access: Path) -> None:
    nodes = _tree(access / "handouts/order.pdf")
    figures = [n for n in nodes if n.role == "Figure"]
    assert [str(f.element.get("/Alt")) for f in figures] == ["A green square"]
    assert "Decoration a reader skips" not in _words(nodes)
    assert "Last words." in _words(nodes)


def test_headings_keep_the_outline_without_skipping(access: Path) -> None:
    nodes = _tree(access / "handouts/order.pdf")
    headings = [(n.role, _words([m for m in nodes[nodes.index(n):] if m.depth > n.depth][:2]))
                for n in nodes if n.role.startswith("H")]
    roles = [role for role, _ in headings]
    assert roles == ["H1", "H2", "H2", "H2"], headings   # the two <h3> cards are siblings
    for n in nodes:   # never a heading inside a heading
        if n.role.startswith("H"):
            inner = nodes[nodes.index(n) + 1:]
            for m in inner:
                if m.depth <= n.depth:
                    break
                assert not m.role.startswith("H")


def test_lists_and_tables_are_structured(access: Path) -> None:
    nodes = _tree(access / "handouts/order.pdf")
    for n in nodes:
        kids = _kid_roles(n.element)
        if n.role == "L":
            assert set(kids) <= {"LI", "L", "Caption"}, kids
        if n.role == "LI":
            assert set(kids) <= {"Lbl", "LBody"} and "LBody" in kids, kids
            assert str(n.element.P.S) == "/L"
    scopes = {_words([m for m in nodes[nodes.index(n) + 1:nodes.index(n) + 2]]):
              str(n.element.A.Scope) for n in nodes if n.role == "TH"}
    assert scopes == {"Line": "/Column", "Number": "/Column", "Crisis": "/Row"}
    ids = [bytes(n.element.ID) for n in nodes if "/ID" in n.element]
    assert len(ids) == len(set(ids))   # empty cells stay distinct elements
    listed = [n.element.objgen for n in nodes]
    assert len(listed) == len(set(listed))


def test_letter_spaced_text_reads_as_words_in_every_extractor(access: Path) -> None:
    path = str(access / "handouts/order.pdf")
    poppler = subprocess.run(["pdftotext", "-q", path, "-"], capture_output=True,
                             text=True, check=True).stdout
    with pymupdf.open(path) as doc:
        mupdf = "".join(p.get_text() for p in doc)
    pdf = pypdfium2.PdfDocument(path)
    pdfium = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    pdf.close()
    for name, text in (("poppler", poppler), ("mupdf", mupdf), ("pdfium", pdfium)):
        assert "PEER SUPPORT UNIT" in " ".join(text.split()), name


def test_contents_links_say_where_they_go(access: Path) -> None:
    with pikepdf.open(access / "access.pdf") as pdf:
        links = [a for page in pdf.pages for a in page.obj.get("/Annots", [])
                 if a.get("/Subtype") == "/Link"]
        contents = [a for a in links if "/Dest" in a]
        assert contents and all(str(a.Contents).startswith("Reading order, page ")
                                for a in contents)
        assert all(str(a.Dest[1]) == "/XYZ" for a in contents)
    assert b"printkit.invalid" not in (access / "access.pdf").read_bytes()


def _fails_in_a_worker(data: bytes) -> list[tuple[str, str]]:
    return failures(data, "ua1")


def test_validating_leaves_the_process_free_to_fork_workers(access: Path) -> None:
    """The validator runs a thread pool that a forked child would inherit broken (a build's
    workers then wait forever): after validating here, a forked worker still can."""
    data = (access / "handouts/order.pdf").read_bytes()
    assert failures(data, "ua1") == []
    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.apply_async(_fails_in_a_worker, (data,)).get(timeout=60) == []
