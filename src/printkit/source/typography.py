"""Typewriter quotes made typographic: what a kit's YAML says prints with curly quotes and
apostrophes, as the templates' own text does."""

from __future__ import annotations

import re

# An opening quote: at the start, or after a space, an opening bracket or a dash.
_OPENS = r"(^|(?<=[\s(\[{—–-]))"


def curly(text: str) -> str:
    """'Officers' families' -> ‘Officers’ families’; "Call" -> “Call”."""
    text = re.sub(_OPENS + '"', "\u201c", text)
    text = text.replace('"', "\u201d")
    text = re.sub(_OPENS + "'(?=\\w)", "\u2018", text)
    return text.replace("'", "\u2019")
