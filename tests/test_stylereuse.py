"""A document's own <style> sheets are parsed once per worker and reused, changing nothing:
the same document renders to the same bytes whatever was rendered before it, and a sheet
WeasyPrint warns about is reported every time."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest

from printkit.render.job import RenderJob
from printkit.render.renderer import Renderer

KIT_STYLE = """<style>
@page card { size: 4.25in 5.5in; margin: 0.3in; background: #1b2a41; }
html body .band { page: card; color: #fff; font-size: 14pt; }
html body h1 { color: #2b7466; }
</style>"""


def _doc(title: str, body: str, style: str = KIT_STYLE) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f'<style>@page {{ @bottom-center {{ content: "{title}"; }} }}</style>{style}'
            f"</head><body>{body}</body></html>")


def _job(tmp_path: Path, key: str, html: str) -> RenderJob:
    return RenderJob(key, f"templates/{key}.html", html, tmp_path.as_uri() + "/", (),
                     "letter", (str(tmp_path),))


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The text of every stylesheet WeasyPrint parses from a string."""
    import weasyprint

    seen: list[str] = []
    original = weasyprint.CSS.__init__

    def counting(self: object, *args: object, **kwargs: object) -> None:
        if isinstance(kwargs.get("string"), str):
            seen.append(str(kwargs["string"]))
        original(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.CSS, "__init__", counting)
    yield seen


def test_a_document_renders_the_same_whatever_came_before(tmp_path: Path,
                                                         parses: list[str]) -> None:
    renderer = Renderer()
    first = _job(tmp_path, "first", _doc("First", '<h1>One</h1><div class="band">Band</div>'))
    other = _job(tmp_path, "other", _doc(
        "Other", "<h1>Two</h1>",
        KIT_STYLE.replace("#1b2a41", "#a3001b") + "<style>@page { margin: 1in; }</style>"))
    alone = renderer.render(first)
    assert not alone.errors and alone.pages == 2
    parses.clear()
    renderer.render(other)
    again = renderer.render(first)
    assert again.pdf == alone.pdf       # byte for byte: no @page rule or colour leaked over
    sizes = [tuple(round(float(v)) for v in page.mediabox[2:])
             for page in pikepdf.open(io.BytesIO(again.pdf)).pages]
    assert sizes == [(612, 792), (306, 396)]   # the reused sheet's @page rule still applies
    kit_sheets = [s for s in parses if "html body .band" in s]
    assert len(kit_sheets) == 1, kit_sheets   # "other"'s variant; "first"'s was reused


def test_a_sheet_weasyprint_warns_about_is_reported_every_time(tmp_path: Path) -> None:
    renderer = Renderer()
    job = _job(tmp_path, "odd", _doc("Odd", "<p>Text</p>",
                                     "<style>p { colour: red; font-size: 12pt; }</style>"))
    for _ in range(2):
        result = renderer.render(job)
        assert any("colour" in w for w in result.warnings), result.warnings
