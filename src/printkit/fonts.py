"""The packaged typeface: Atkinson Hyperlegible, shipped as a Python package.

Rendering never depends on the fonts a machine happens to have.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

FAMILY = "Atkinson Hyperlegible"
FACES = (  # (file, weight, style)
    ("AtkinsonHyperlegible-Regular.ttf", 400, "normal"),
    ("AtkinsonHyperlegible-Bold.ttf", 700, "normal"),
    ("AtkinsonHyperlegible-Italic.ttf", 400, "italic"),
    ("AtkinsonHyperlegible-BoldItalic.ttf", 700, "italic"),
)


@cache
def font_dir() -> Path:
    import fontpkg_atkinson_hyperlegible as pkg

    return Path(pkg.__file__).resolve().parent / "files"


def font_face_css() -> str:
    """@font-face rules for the packaged family, under the name 'printkit'."""
    rules = []
    for file, weight, style in FACES:
        url = (font_dir() / file).as_uri()
        rules.append(
            "@font-face { font-family: 'printkit'; "
            f"src: url('{url}'); font-weight: {weight}; font-style: {style}; }}"
        )
    return "\n".join(rules)


def regular_font() -> Path:
    return font_dir() / FACES[0][0]



@cache
def _characters() -> frozenset[int]:
    """Code points every packaged face can draw."""
    from fontTools.ttLib import TTFont

    faces = [set(TTFont(str(font_dir() / file)).getBestCmap()) for file, _, _ in FACES]
    return frozenset(set.intersection(*faces))


def missing_characters(text: str) -> list[str]:
    """The characters of ``text`` the packaged font cannot draw (a letter whose accents the
    font has separately counts as drawable: the shaper composes it)."""
    have = _characters()
    return sorted({ch for ch in text if not ch.isspace() and unicodedata.category(ch)[0] != "C"
                   and ord(ch) not in have
                   and not all(ord(c) in have for c in unicodedata.normalize("NFD", ch))})
