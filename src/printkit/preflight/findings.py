"""What preflight measures against and what it finds (light: no PDF reader here, so the
build's parent process can hold them without importing PyMuPDF)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from printkit.source.outputs import OutputNames
from printkit.units import INCH

Box = tuple[float, float, float, float]   # x0, y0, x1, y1 in pt, from the page's top left


@dataclass(frozen=True)
class Rules:
    """The floors. Sizes in pt as printed; contrast as WCAG 2.1 ratios."""

    body: float = 10.0          # the body text of a text page (its most common size)
    smallest: float = 8.0       # nothing on a page smaller than this
    card_smallest: float = 6.5  # ... or on a card
    contrast: float = 4.5       # text
    large_contrast: float = 3.0  # large text: 18 pt, or 14 pt bold
    safe: float = 0.25 * INCH   # text this far inside the trim
    card_safe: float = 0.125 * INCH
    office_edge: float = 0.25 * INCH  # an office printer cannot print this near the edge
    ppi: float = 300.0
    empty: float = 1 / 3        # a page whose content ends above this much of it is near-empty


def luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG 2.1 relative luminance of an sRGB colour (0-255 channels)."""
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """The WCAG 2.1 contrast ratio of two colours (1 to 21), the one formula printkit uses:
    preflight on every text run of a finished PDF, and `printkit init` on an agency's
    colours before they are written."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@dataclass(frozen=True)
class Finding:
    """One thing to change, on one page of one file."""

    file: str
    page: int          # 1-based; 0: the file as a whole
    rule: str
    message: str
    box: Box | None = None
    piece: str = ""    # on a sheet of several pieces: which ("left page", "card 3")

    @property
    def where(self) -> str:
        """The page, and the piece on it if the sheet has several: "p.2 (left page)"."""
        if self.page == 0:
            return "(the whole file)"
        return f"p.{self.page} ({self.piece})" if self.piece else f"p.{self.page}"

    def line(self, folder: str = "") -> str:
        """"family-wellness.pdf p.6: ...", with ``folder`` ("build/K") in front if given."""
        file = f"{folder}/{self.file}" if folder else self.file
        return f"{file} {self.where}: {self.message}"

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file, "page": self.page, "piece": self.piece, "rule": self.rule,
                "message": self.message,
                "box": [round(v, 1) for v in self.box] if self.box else None}


@dataclass
class Checked:
    """One file's findings, its pages' sizes, and a small picture of each page (PNG; None
    where none was asked for)."""

    name: str
    findings: list[Finding]
    sizes: list[tuple[float, float]]
    thumbnails: list[bytes | None]


@dataclass(frozen=True)
class FileCheck:
    """One PDF to measure, in a worker."""

    name: str            # in the kit's folder
    data: bytes
    rules: Rules
    thumbnails: str      # pictures of "all" pages, the pages with "findings", or "none"


@dataclass(frozen=True)
class KitCheck:
    kit_id: str
    title: str
    rules: Rules
    files: Mapping[str, bytes]   # name in the kit's folder -> PDF (other files are skipped)
    reading: str = ""            # the reading copy: listed first


@dataclass
class KitPreflight:
    kit_id: str
    findings: list[Finding] = field(default_factory=list)
    pages: int = 0
    checked: int = 0             # files measured
    files: dict[str, bytes] = field(default_factory=dict)   # the reports, by name


def load_findings(folder: Path) -> list[Finding]:
    """The findings of the last preflight of a kit's folder (preflight.json); none if it
    has no report, or one that cannot be read."""
    try:
        data = json.loads((folder / OutputNames("").preflight_json).read_text("utf-8"))
        return [Finding(f["file"], int(f["page"]), f["rule"], f["message"],
                        piece=f.get("piece", ""))
                for entry in data["files"] for f in entry["findings"]]
    except (OSError, ValueError, KeyError, TypeError):
        return []
