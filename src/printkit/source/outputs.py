"""What a kit makes besides its reading copy and handouts (typed print products), and the
name of every output file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from printkit.errors import Problem
from printkit.units import PAPER_SIZES


@dataclass(frozen=True)
class Booklet:
    """A saddle-stitched booklet. ``page``: its finished page size (a paper name); the
    kit's documents are laid out again at that size and placed unscaled, two to a sheet
    twice as large. Without it, the reading copy's pages are used: ``sheet`` 'double' (two
    to a sheet twice their size) or 'same' (scaled onto a sheet of their own size)."""

    sheet: str = "double"
    marks: bool = False
    creep_mm: float = 0.0
    page: str | None = None
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
    def booklet_press(self) -> str:
        return f"{self.kit_id}-booklet-press.pdf"

    @property
    def cards(self) -> str:
        return f"{self.kit_id}-cards.pdf"

    @property
    def roster(self) -> str:
        return f"{self.kit_id}-roster.pdf"

    @property
    def roster_booklet(self) -> str:
        return f"{self.kit_id}-roster-booklet.pdf"

    @property
    def preflight_json(self) -> str:
        return "preflight.json"

    @property
    def preflight_html(self) -> str:
        return "preflight.html"

    def handout(self, doc_id: str) -> str:
        return f"handouts/{doc_id}.pdf"

    def cut_sheet(self, doc_id: str, up: int) -> str:
        return f"cut-sheets/{doc_id}-{up}up.pdf"

    def cut_sheet_press(self, doc_id: str, up: int) -> str:
        return f"cut-sheets/{doc_id}-{up}up-press.pdf"

    def packet(self, slug: str) -> str:
        return f"roster/{slug}.pdf"

    def kit_build(self) -> tuple[str, ...]:
        """What a kit build owns: removed when the build no longer makes them."""
        return ("handouts", "cut-sheets", self.booklet, self.booklet_press, self.cards,
                self.press, self.preflight_json, self.preflight_html)

    def roster_build(self) -> tuple[str, ...]:
        """What a roster build owns."""
        return ("roster", self.roster_booklet)


def parse_outputs(items: list[Any], ids: set[str], display: str, line: int | None,
                  problems: list[Problem]) -> tuple[Product, ...]:
    """The schema-checked ``outputs:`` list as typed products (the reading copy and the
    handouts are always made; listing them is optional)."""
    outs: list[Product] = []
    for item in items:
        kind, options = (item, {}) if isinstance(item, str) else next(iter(item.items()))
        if kind == "booklet":
            booklet = _booklet(options, display, line, problems)
            if booklet is not None:
                outs.append(booklet)
        elif kind == "cut-sheets":
            outs.append(CutSheets(int(options.get("up", 4)),
                                  tuple(str(d) for d in options.get("documents", []))))
        elif kind == "cards":
            if not options.get("document"):
                problems.append(Problem(display, line, "the cards output needs a document",
                                        "Write it as: - cards: {document: wallet-card}"))
                continue
            outs.append(Cards(str(options["document"])))
        named = list(options.get("documents", [])) + (
            [options["document"]] if "document" in options else [])
        for doc_id in named:
            if doc_id not in ids:
                problems.append(Problem(display, line, f"{kind} output names document "
                                        f"'{doc_id}', which the kit does not have"))
    return tuple(outs)


def _booklet(options: Mapping[str, Any], display: str, line: int | None,
             problems: list[Problem]) -> Booklet | None:
    """A booklet output. With ``page`` its pages are placed at 100%, so the sheet must hold
    two of them side by side, and there is no room for marks outside them."""
    page = options.get("page")
    sheet = str(options.get("sheet", "double"))
    marks = bool(options.get("marks", False))
    example = "Write it as: - booklet: {page: half-letter, sheet: letter}"
    if page is None:
        if sheet in PAPER_SIZES:
            problems.append(Problem(display, line, f"a booklet on {sheet} sheets needs the "
                                    "size of its pages ('page:')", example))
            return None
        return Booklet(sheet, marks, float(options.get("creep", 0.0)))
    fits = double_sheet(str(page))
    if sheet == "same" or (sheet in PAPER_SIZES and sheet != fits):
        where = f"a {fits} sheet" if fits else "no paper printkit knows"
        problems.append(Problem(display, line, f"two {page} pages side by side fit {where}, "
                                f"not sheet: {sheet}", example))
        return None
    if marks:
        problems.append(Problem(display, line, f"a {page} booklet on {fits} sheets has no room "
                                "for marks outside its pages",
                                "Leave out 'marks: true' (fold and trim are the sheet's "
                                "edges), or leave out 'page:' to shrink the pages."))
        return None
    return Booklet("double", False, float(options.get("creep", 0.0)), str(page))


def double_sheet(page: str) -> str | None:
    """The paper that holds two ``page`` pages side by side, unscaled (within 1 mm)."""
    width, height = PAPER_SIZES[page]
    for name, (w, h) in PAPER_SIZES.items():
        if abs(max(w, h) - 2 * width) < 3 and abs(min(w, h) - height) < 3:
            return name
    return None


def half_paper(paper: str) -> str | None:
    """The paper two of which, side by side, make ``paper`` (half-letter for letter)."""
    for name in PAPER_SIZES:
        if double_sheet(name) == paper:
            return name
    return None
