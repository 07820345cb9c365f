"""The render cache: exactly the documents that depend on a changed input are rendered again,
and a damaged entry is never served."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

pytestmark = pytest.mark.slow


def rendered(result: Result) -> set[str]:
    assert result.exit_code == 0, result.output
    return {m.group(1).split("/")[-1] for m in
            re.finditer(r"^\s+render\s+(\S+)", result.output, re.M)}


@pytest.fixture
def warm(project: Path, built: Path, run: Callable[..., Result]) -> Path:
    """The sample project with the build folder (render cache included) of another copy of
    it, built earlier: the cache serves the copy (its entries name files relative to the
    project), and every edit below is to the copy's own files."""
    shutil.copytree(built / "build", project / "build")
    assert rendered(run("build", "mini", "-v")) == set()
    return project


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_template_edit_renders_only_that_document(warm: Path, run: Callable[..., Result]) -> None:
    edit(warm / "templates/docs/mini/beta.md", "Some *Markdown* text", "Some *changed* text")
    assert rendered(run("build", "mini", "-v")) == {"beta.md"}


def test_included_partial_renders_documents_that_include_it(
        warm: Path, run: Callable[..., Result]) -> None:
    edit(warm / "templates/partials/resources.html", '<div class="name">',
         '<div class="name" data-x="1">')
    assert rendered(run("build", "mini", "-v")) == {"alpha.html"}


def test_stylesheet_edit_renders_everything(warm: Path, run: Callable[..., Result]) -> None:
    edit(warm / "assets/css/print.css", "--type-h3: 11.5pt;", "--type-h3: 11.6pt;")
    assert rendered(run("build", "mini", "-v")) == {
        "alpha.html", "beta.md", "gamma.html", "cover.html", "contents.html"}


def test_image_edit_renders_only_documents_that_show_it(
        warm: Path, run: Callable[..., Result]) -> None:
    """...and the outputs made from them are made again: the render key is the document's
    HTML, but what it drew depends on the image too."""
    outputs = [warm / "build/mini/handouts/alpha.pdf", warm / "build/mini/mini.pdf"]
    before = [p.read_bytes() for p in outputs]
    edit(warm / "assets/img/dot.svg", 'fill="#2f7d6d"', 'fill="#c8553d"')
    assert rendered(run("build", "mini", "-v")) == {"alpha.html"}
    assert all(p.read_bytes() != b for p, b in zip(outputs, before, strict=True))


def test_used_variable_renders_its_documents_only(warm: Path,
                                                  run: Callable[..., Result]) -> None:
    assert rendered(run("build", "mini", "-v", "--set", "event_date=2027-01-01")) == {"alpha.html"}
    # alpha's lede (shown on the contents page) uses event_name: both depend on it
    assert rendered(run("build", "mini", "-v", "--set", "event_name=Other")) == {
        "alpha.html", "contents.html"}
    assert rendered(run("build", "mini", "-v", "--set", "unused_value=1")) == set()


def test_damaged_cache_entry_is_a_miss(warm: Path, run: Callable[..., Result]) -> None:
    before = (warm / "build/mini/mini.pdf").read_bytes()
    for pdf in (warm / "build/.cache").glob("*/*.pdf"):
        pdf.write_bytes(pdf.read_bytes()[:100])  # truncated, as after a crash
    kit = warm / "kits/mini.yaml"
    kit.write_text(kit.read_text() + "# a comment: the build runs, the HTML is the same\n")
    assert len(rendered(run("build", "mini", "-v"))) == 5
    assert (warm / "build/mini/mini.pdf").read_bytes() == before


def test_clean_removes_cache_and_outputs(warm: Path, run: Callable[..., Result]) -> None:
    assert run("clean", "--cache-only").exit_code == 0
    assert not (warm / "build/.cache").exists() and (warm / "build/mini/mini.pdf").exists()
    assert run("clean").exit_code == 0
    assert not (warm / "build").exists()


def test_entries_from_another_user_are_never_used(warm: Path, run: Callable[..., Result],
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    """A shared project folder may carry someone else's build/.cache: a planted PDF (or
    compiled template) must not be trusted, however well its hashes match."""
    from printkit.engine.trust import machine_key

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "other-user"))
    machine_key.cache_clear()
    try:
        assert len(rendered(run("build", "mini", "-v"))) == 5
    finally:
        machine_key.cache_clear()
