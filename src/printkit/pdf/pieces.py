"""Where the pieces sit on an imposed sheet or a proof page, recorded in the page's
/PieceInfo (the PDF's place for an application's private data, ISO 32000-1 14.5), so a
preflight can check each piece by its own trim: text inside its safe area, art into its
bleed, a card's type against a card's floor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pikepdf
from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, TextStringObject

Box = tuple[float, float, float, float]   # x0, y0, x1, y1 in PDF coordinates
# A fixed date keeps output byte-identical run to run (the spec asks for one).
STAMP = "D:19800101000000Z"


def _values(trims: Sequence[Box]) -> list[list[float]]:
    return [[round(v, 3) for v in box] for box in trims]


def record(page: Any, trims: Sequence[Box], bleed: float = 0.0) -> None:
    """Record ``trims`` (and how far art runs past them) on a pikepdf page."""
    if not trims:
        return
    private = pikepdf.Dictionary(Trims=pikepdf.Array(_values(trims)), Bleed=round(bleed, 3))
    page.obj.PieceInfo = pikepdf.Dictionary(
        printkit=pikepdf.Dictionary(LastModified=pikepdf.String(STAMP), Private=private))
    page.obj.LastModified = pikepdf.String(STAMP)


def read(page: Any) -> list[Box]:
    """The trims recorded on a pikepdf page (none if it has none)."""
    try:
        trims = page.obj.PieceInfo.printkit.Private.Trims
        return [(float(b[0]), float(b[1]), float(b[2]), float(b[3])) for b in trims]
    except (AttributeError, KeyError, TypeError, IndexError):
        return []


def record_pypdf(page: Any, trims: Sequence[Box], bleed: float = 0.0) -> None:
    """``record`` for a pypdf page."""
    if not trims:
        return
    private = DictionaryObject({
        NameObject("/Trims"): ArrayObject(ArrayObject(FloatObject(v) for v in box)
                                          for box in _values(trims)),
        NameObject("/Bleed"): FloatObject(round(bleed, 3))})
    page[NameObject("/PieceInfo")] = DictionaryObject({NameObject("/printkit"): DictionaryObject({
        NameObject("/LastModified"): TextStringObject(STAMP),
        NameObject("/Private"): private})})
    page[NameObject("/LastModified")] = TextStringObject(STAMP)
