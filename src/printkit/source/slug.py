"""Safe, unique file names from anything a user types (event names, roster names)."""

from __future__ import annotations

import re
import unicodedata

MAX_LEN = 60
# Latin letters that Unicode does not decompose into an ASCII letter and a mark.
LETTERS = str.maketrans({"Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "Đ": "D", "đ": "d",
                         "Ð": "D", "ð": "d", "Þ": "Th", "þ": "th", "ß": "ss", "Æ": "AE",
                         "æ": "ae", "Œ": "OE", "œ": "oe", "ı": "i", "Ħ": "H", "ħ": "h"})


def safe_name(text: str) -> str:
    """Lowercase ASCII letters, digits and hyphens; never empty-dots or path parts."""
    normal = unicodedata.normalize("NFKD", text.translate(LETTERS)).encode(
        "ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", normal.lower()).strip("-")
    return slug[:MAX_LEN].strip("-")


def unique_names(texts: list[str], fallback: str = "item") -> list[str]:
    """safe_name for each text, made unique with -2, -3, ... in order."""
    used: set[str] = set()
    out = []
    for i, text in enumerate(texts, 1):
        base = safe_name(text) or f"{fallback}-{i}"
        name, k = base, 2
        while name in used:
            name, k = f"{base}-{k}", k + 1
        used.add(name)
        out.append(name)
    return out
