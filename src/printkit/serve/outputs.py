"""A build folder's files as a coordinator reads them: "Booklet to print and fold", not
``family-wellness-booklet.pdf``; and the zip of all of them."""

from __future__ import annotations

import io
import os
import re
import time
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from printkit.preflight.findings import load_findings
from printkit.source.outputs import OutputNames

HIDDEN = ("manifest.json", "preflight.json")   # in the zip, not in the list
CUT_RE = re.compile(r"^cut-sheets/(?P<doc>.+)-(?P<up>\d+)up(?P<press>-press)?\.pdf$")


@dataclass(frozen=True)
class Download:
    group: str      # "Print files", "Handouts", ...
    label: str      # what it is, in plain words
    detail: str     # what to do with it
    name: str       # path inside the build folder
    url: str
    size: int

    @property
    def size_text(self) -> str:
        kib = self.size / 1024
        return f"{kib / 1024:.1f} MB" if kib >= 1000 else f"{max(1, round(kib))} KB"


def _describe(kit_id: str, name: str, titles: Mapping[str, str]) -> tuple[str, str, str]:
    """(group, label, detail) of one output file."""
    n = OutputNames(kit_id)
    stem = Path(name).stem
    fixed = {
        n.reading: ("Read and share", "Reading copy (the whole kit)",
                    "Post it online or email it: it works with screen readers."),
        n.booklet: ("Print", "Booklet to print and fold",
                    "Print double-sided (flip on the short edge), fold and staple."),
        n.cards: ("Print", "Wallet cards, ten to a sheet",
                  "Print double-sided and cut on the marks."),
        n.press: ("For a print shop", "Print-shop file", "Pages with bleed and crop marks."),
        n.booklet_press: ("For a print shop", "Booklet pages for a print shop",
                          "Single pages with bleed, for the shop to impose."),
        n.roster: ("Print", "All packets in one file", "One packet after another, to print."),
        n.roster_booklet: ("Print", "All packets as booklets",
                           "Each person's booklet, to print double-sided and fold."),
        n.preflight_html: ("Checks", "Print check report",
                           "What the print checks measured on every page."),
    }
    if name in fixed:
        return fixed[name]
    if name.startswith("handouts/"):
        return ("Handouts", titles.get(stem, stem), "")
    if name.startswith("roster/"):
        return ("Packets", stem.replace("-", " ").title(), "One person's packet.")
    cut = CUT_RE.match(name)
    if cut:
        title = titles.get(cut["doc"], cut["doc"])
        if cut["press"]:
            return ("For a print shop", f"{title}: pieces for a print shop",
                    "With bleed and crop marks.")
        return ("Print", f"{title}, {cut['up']} to a sheet", "Print, then cut on the marks.")
    return ("Other files", name, "")


def downloads(folder: Path, kit_id: str, titles: Mapping[str, str],
              roster: bool = False) -> list[Download]:
    """The files of a build folder, the reading copy first: a kit build's, or (``roster``)
    a roster build's."""
    base = f"/files/{quote(folder.name)}/"
    items = []
    for name, path in files_of(folder):
        if name in HIDDEN:
            continue
        if is_roster_file(kit_id, name) != roster:
            continue
        group, label, detail = _describe(kit_id, name, titles)
        items.append(Download(group, label, detail, name, base + quote(name),
                              path.stat().st_size))
    order = ["Read and share", "Print", "Handouts", "Packets", "For a print shop", "Checks"]
    docs = list(titles)   # handouts in the kit's order

    def place(d: Download) -> tuple[int, int, str]:
        stem = Path(d.name).stem
        return (order.index(d.group) if d.group in order else len(order),
                docs.index(stem) if d.group == "Handouts" and stem in docs else 0,
                d.label.lower())

    return sorted(items, key=place)


def files_of(folder: Path) -> list[tuple[str, Path]]:
    """The files of a build folder (name inside it, path), in order: no hidden file, and
    nothing reached through a link."""
    out = []
    for top, dirs, files in os.walk(folder):   # does not follow links to folders
        dirs[:] = [d for d in dirs if not d.startswith(".")
                   and not os.path.islink(os.path.join(top, d))]
        for file in files:
            path = Path(top, file)
            if not file.startswith(".") and not path.is_symlink() and path.is_file():
                out.append((path.relative_to(folder).as_posix(), path))
    return sorted(out)


def is_roster_file(kit_id: str, name: str) -> bool:
    """A file a roster build makes (its packets and the class's print files)."""
    n = OutputNames(kit_id)
    return name.startswith("roster/") or name in (n.roster, n.roster_booklet)


def built_at(folder: Path) -> float | None:
    """When the folder's build was written (its manifest, else its newest PDF)."""
    try:
        return (folder / "manifest.json").stat().st_mtime
    except OSError:
        times = [p.stat().st_mtime for p in folder.glob("*.pdf")]
        return max(times) if times else None


def findings_count(folder: Path) -> int | None:
    """How many things the print checks found in the folder's build (None: not checked)."""
    if not (folder / OutputNames("").preflight_json).is_file():
        return None
    return len(load_findings(folder))


def zip_of(folder: Path, part: str = "") -> bytes:
    """Every file of a build folder in one zip (PDFs are compressed already: stored);
    ``part`` "roster": a roster build's files only."""
    out = io.BytesIO()
    stamp = time.localtime()[:6]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for name, path in files_of(folder):
            if part == "roster" and not is_roster_file(folder.name, name):
                continue
            info = zipfile.ZipInfo(f"{folder.name}/{name}", stamp)
            archive.writestr(info, path.read_bytes())
    return out.getvalue()
