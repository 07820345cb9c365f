"""Each line of text fitted once per render, however often the layout asks.

WeasyPrint fits text to a width with ``split_first_line`` (Pango shapes the text, finds its
breaks and the first line that fits). The layout asks the same question many times over:
a grid lays every item out once to measure its row and again to place it, a flex box
measures its items' narrowest and widest before laying them out, and an item that crosses
a page is measured again on the next. In the library's renders a third of the calls (a
tenth of a booklet page's layout) repeat one made before with the same text, style, width
and options.

This module puts a memory in front of ``split_first_line`` for the layout (``inline`` and
``preferred``; SVG text keeps the original). The answer depends only on the arguments: the
text, the computed style (WeasyPrint never changes a computed style in place, it copies
it), the width, the justification spacing and the two flags. The memory lives on the
render's layout context, so it goes with the render, and keeps each style it was asked
about (its ``id`` is not reused while it is kept). A repeated call gets its own copy of
the fitted line (a ``Layout`` with its Pango objects released, as the original returns it),
since drawing may change the copy it is given.

Written against WeasyPrint 70 (pinned in pyproject.toml); tests/test_linereuse.py renders
documents with and without it and compares the files byte for byte.
"""

from __future__ import annotations

import copy
from typing import Any

_MEMORY = "_printkit_lines"


def install() -> None:
    """Make the layout fit each line once per render."""
    import weasyprint.layout.inline as inline
    import weasyprint.layout.preferred as preferred
    from weasyprint.text import line_break

    if getattr(inline.split_first_line, "printkit_reuse", False):
        return
    original = line_break.split_first_line

    def split_first_line(text: str, style: Any, context: Any, max_width: float | None,
                         justification_spacing: float, is_line_start: bool = True,
                         minimum: bool = False) -> tuple[Any, ...]:
        memory = getattr(context, _MEMORY, None)
        if memory is None:
            memory = {}
            if context is not None:
                setattr(context, _MEMORY, memory)
        key = (text, id(style), max_width, justification_spacing, is_line_start, minimum)
        kept = memory.get(key)
        if kept is None or kept[0] is not style:
            kept = (style, original(text, style, context, max_width, justification_spacing,
                                    is_line_start, minimum))
            memory[key] = kept
        layout, *rest = kept[1]
        return (copy.copy(layout), *rest)

    split_first_line.printkit_reuse = True  # type: ignore[attr-defined]
    inline.split_first_line = split_first_line
    preferred.split_first_line = split_first_line
