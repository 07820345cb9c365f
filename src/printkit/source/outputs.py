"""What a kit makes besides its reading copy and handouts (typed print products), and the
name of every output file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class Booklet:
    """A saddle-stitched booklet: ``sheet`` 'double' (pages two-up on a sheet twice their
    size) or 'same' (pages scaled onto a sheet of their own size)."""

    sheet: str = "double"
    marks: bool = False
    creep_mm: float = 0.0
    kind: ClassVar[str] = "booklet"


@dataclass(frozen=True)
class CutSheets:
    """Documents laid 2-up or 4-up on a sheet with cut marks (every handout, or these)."""

    up: int = 4
    documents: tuple[str, ...] = ()
    kind: ClassVar[str] = "cut-sheets"


@dataclass(frozen=True)
class Cards:
    """A front/back card document ten to a sheet."""

    document: str
    kind: ClassVar[str] = "cards"


Product = Booklet | CutSheets | Cards


@dataclass(frozen=True)
class OutputNames:
    """Where each output of a kit goes, relative to its build folder: the one place file
    names are made."""

    kit_id: str

    @property
    def reading(self) -> str:
        return f"{self.kit_id}.pdf"

    @property
    def press(self) -> str:
        return f"{self.kit_id}-press.pdf"

    @property
    def booklet(self) -> str:
        return f"{self.kit_id}-booklet.pdf"

    @property
    def cards(self) -> str:
        return f"{self.kit_id}-cards.pdf"

    @property
    def roster(self) -> str:
        return f"{self.kit_id}-roster.pdf"

    @property
    def roster_booklet(self) -> str:
        return f"{self.kit_id}-roster-booklet.pdf"

    def handout(self, doc_id: str) -> str:
        return f"handouts/{doc_id}.pdf"

    def cut_sheet(self, doc_id: str, up: int) -> str:
        return f"cut-sheets/{doc_id}-{up}up.pdf"

    def packet(self, slug: str) -> str:
        return f"roster/{slug}.pdf"

    def kit_build(self) -> tuple[str, ...]:
        """What a kit build owns: removed when the build no longer makes them."""
        return ("handouts", "cut-sheets", self.booklet, self.cards, self.press)

    def roster_build(self) -> tuple[str, ...]:
        """What a roster build owns."""
        return ("roster", self.roster_booklet)
