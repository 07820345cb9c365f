"""Each line of text is fitted once per render (render/linereuse.py), changing nothing: a
document the layout measures over and over (grid items measured and then placed, flex
items, a grid that crosses a page) renders to the same bytes as without the memory, with
far fewer calls to Pango."""

from __future__ import annotations

from pathlib import Path

import pytest

from printkit.render.job import RenderJob
from printkit.render.renderer import Renderer

ITEM = ("<div><h3>Check in <em>early</em></h3><p>Ask how the shift went, and listen to the "
        "answer before you offer advice. Most people need {n} minutes, not a fix.</p></div>")

DOCUMENT = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Grid</title>
<style>
@page {{ size: 5.5in 8.5in; margin: 0.5in; }}
.grid {{ display: grid; grid-template-columns: 1fr 1fr; gap: 8pt 12pt; }}
.row {{ display: flex; gap: 6pt; align-items: baseline; }}
.row > b {{ flex: none; }}
p {{ text-align: justify; }}
</style></head><body>
<div class="row"><b>988</b><span>Call or text, any hour, from anywhere in the country.</span></div>
<div class="grid">{"".join(ITEM.format(n=n) for n in range(24))}</div>
</body></html>"""


def test_the_memory_changes_no_byte_and_saves_most_fitting(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import weasyprint.layout.inline as inline
    import weasyprint.layout.preferred as preferred
    from weasyprint.text import line_break

    job = RenderJob("grid", "templates/grid.html", DOCUMENT, tmp_path.as_uri() + "/", (),
                    "half-letter", (str(tmp_path),))
    renderer = Renderer()
    memoised_split = inline.split_first_line
    assert getattr(memoised_split, "printkit_reuse", False)
    shaped: list[str] = []   # every text Pango is given to fit
    create_layout = line_break.create_layout

    def counted(text: str, *args: object) -> object:
        shaped.append(text)
        return create_layout(text, *args)

    monkeypatch.setattr(line_break, "create_layout", counted)
    memoised = renderer.render(job)
    with_memory = len(shaped)

    shaped.clear()
    with monkeypatch.context() as plain:
        plain.setattr(inline, "split_first_line", line_break.split_first_line)
        plain.setattr(preferred, "split_first_line", line_break.split_first_line)
        unaided = renderer.render(job)
    assert not memoised.errors and memoised.pages >= 2   # the grid crosses a page
    assert memoised.pdf == unaided.pdf
    assert with_memory < 0.8 * len(shaped), (with_memory, len(shaped))
