"""Shared fixtures: a small sample project built from the real layouts and registry."""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# Each pytest worker imports WeasyPrint once. The builds the tests run in-process start their
# worker pools by forking this process, so those workers find it imported instead of paying
# about a second each to import it for every build.
import weasyprint  # noqa: F401
from click.testing import CliRunner, Result

from printkit.cli import cli

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def make_project(dest: Path, fixture: str = "mini") -> Path:
    shutil.copytree(FIXTURES / fixture, dest)
    for sub in ("templates/layouts", "templates/partials", "data"):
        shutil.copytree(REPO / sub, dest / sub)
    (dest / "assets" / "css").mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "assets/css/print.css", dest / "assets/css/print.css")
    (dest / "assets" / "img").mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "assets/img/cover-mark.svg", dest / "assets/img/cover-mark.svg")
    return dest


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "proj")


@pytest.fixture
def run(project: Path) -> Callable[..., Result]:
    """Run the CLI in the sample project: run('build', 'mini')."""

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, ["-C", str(project), *args], catch_exceptions=False)

    return invoke


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` (created if missing), held for the ``with`` block. The
    kernel releases it if the holder dies, so a crashed worker never blocks the others."""
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_once(tmp_path_factory: pytest.TempPathFactory, name: str,
               make: Callable[[Path], None]) -> Path:
    """``make(root)`` once per test session, shared by every xdist worker; returns ``root``.

    The pytest-xdist pattern: the workers' temporary folders share a parent for this session;
    the first worker to take the lock there builds, the others wait for it and reuse the
    result (or report its failure without building again). Without xdist it is an ordinary
    per-session folder. The tree is shared: tests must only read it (copy it to change it).
    """
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        root = tmp_path_factory.mktemp(name) / "proj"
        make(root)
        return root
    shared = tmp_path_factory.getbasetemp().parent / f"shared-{name}"
    shared.mkdir(exist_ok=True)
    root, done, failed = shared / "proj", shared / "done", shared / "failed"
    with _locked(shared / "lock"):
        if failed.exists():
            pytest.fail(f"building the shared {name!r} tree failed in another worker:\n"
                        f"{failed.read_text(encoding='utf-8')}", pytrace=False)
        if not done.exists():
            shutil.rmtree(root, ignore_errors=True)  # left half-built by a worker that died
            try:
                make(root)
            except BaseException:
                failed.write_text(traceback.format_exc(), encoding="utf-8")
                raise
            done.touch()
    return root


def _build_sample(root: Path) -> None:
    make_project(root)
    result = CliRunner().invoke(cli, ["-C", str(root), "build", "--jobs", "2"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample project, built once (for all xdist workers) for read-only end-to-end
    checks. Don't write into it: a test that builds again needs its own ``project``."""
    return build_once(tmp_path_factory, "built", _build_sample)


def pdftotext(path: Path, first: int | None = None, last: int | None = None) -> str:
    args = ["pdftotext", "-layout"]
    if first:
        args += ["-f", str(first)]
    if last:
        args += ["-l", str(last)]
    return subprocess.run([*args, str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def _words(text: str) -> Counter[str]:
    """The page's letters and digits as a multiset: independent of the reading order and
    line-end hyphenation pdftotext chooses for a full page or a cropped half sheet."""
    return Counter(re.sub(r"[\s\-\u00ad]", "", text))


def _half(pdf: Path, page: int, x: float, w: float, h: float) -> str:
    return subprocess.run(["pdftotext", "-r", "72", "-f", str(page), "-l", str(page),
                           "-x", str(int(x)), "-y", "0", "-W", str(int(w)), "-H", str(int(h)),
                           str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def assert_booklet_folds(folder: Path, kit: str) -> None:
    """Fold the printed sheets of a kit's booklet and read them in order: the cover; the
    contents; every page of the reading copy's documents in order (its blank pages aside);
    notes pages; the back cover last, with no page number. Page numbers run 1, 2, 3...
    with no gap, and no two facing pages are both blank."""
    from pypdf import PdfReader

    booklet, reading = folder / f"{kit}-booklet.pdf", folder / f"{kit}.pdf"
    folded = folded_pages(booklet)
    assert len(folded) % 4 == 0
    for left in range(1, len(folded) - 1, 2):   # spreads: pages 2-3, 4-5, ...
        assert folded[left].words or folded[left + 1].words, \
            f"blank spread at pages {left + 1}-{left + 2}"
    labels = list(PdfReader(reading).page_labels)
    pages = read_pages(reading)
    docs = [p.body for p, label in zip(pages, labels, strict=True) if label.isdigit() and p.words]
    front = 1 + sum(1 for p, label in zip(pages, labels, strict=True)
                    if label and label[0] in "ivxlc" and p.words)   # cover, contents
    printed = [p for p in folded if p.words]
    assert printed[0].body == pages[0].body, "the cover first"
    assert [p.body for p in printed[front:front + len(docs)]] == docs, \
        "documents in reading order"
    rest = printed[front + len(docs):]
    assert rest, "a back cover"
    assert all("Notes" in p.text for p in rest[:-1]), "only notes pages between"
    numbers = [p.folio for p in folded if p.folio is not None]
    assert numbers == list(range(1, len(numbers) + 1)), numbers
    assert folded[-1].folio is None, "no page number on the back cover"


@dataclass
class PageText:
    """The words on a page (or half a sheet): its page number is a number alone at an
    outside corner of the lowest line; the body is everything else."""

    words: list[tuple[float, float, float, float, str]]
    box: tuple[float, float, float, float]

    @property
    def text(self) -> str:
        return " ".join(w[4] for w in self.words)

    def _foot(self) -> list[tuple[float, float, float, float, str]]:
        if not self.words:
            return []
        bottom = max(w[3] for w in self.words)
        return [w for w in self.words if w[3] > bottom - 14]

    @property
    def folio(self) -> int | None:
        x0, _, x1, _ = self.box
        for w in self._foot():
            outside = min(w[0] - x0, x1 - w[2]) < 0.22 * (x1 - x0)
            if w[4].isdigit() and outside:
                return int(w[4])
        return None

    @property
    def body(self) -> Counter[str]:
        folio = self.folio
        foot = self._foot() if folio is not None else []
        return Counter("".join(w[4] for w in self.words if w not in foot))


def _blank_if_marked(words: list[Any]) -> list[Any]:
    """A blank page of a SAMPLE build carries only the mark: it is still a blank page."""
    return [] if [w[4] for w in words] == ["SAMPLE"] else words


def read_pages(pdf: Path) -> list[PageText]:
    import pymupdf

    with pymupdf.open(pdf) as doc:
        return [PageText(_blank_if_marked([tuple(w[:5]) for w in page.get_text("words")]),
                         tuple(page.rect))
                for page in doc]


def folded_pages(booklet: Path) -> list[PageText]:
    """The pages of a booklet's sheets (front, back, ...; two pages a side), folded into
    reading order."""
    import pymupdf

    halves = []
    with pymupdf.open(booklet) as doc:
        for page in doc:
            width, height = page.rect.width, page.rect.height
            for x in (0.0, width / 2):
                clip = pymupdf.Rect(x, 0, x + width / 2, height)
                words = [tuple(w[:5]) for w in page.get_text("words", clip=clip)]
                inked = [w for w in words if w[0] >= x - 1 and w[2] <= x + width / 2 + 1]
                halves.append(PageText(_blank_if_marked(inked), (x, 0, x + width / 2, height)))
    total = len(halves)
    folded: list[PageText] = list(halves)
    for s in range(total // 4):
        fl, fr, bl, br = halves[4 * s: 4 * s + 4]
        folded[2 * s], folded[2 * s + 1] = fr, bl
        folded[total - 2 - 2 * s], folded[total - 1 - 2 * s] = br, fl
    return folded


def assert_folds(booklet: Path, reading: Path, first: int = 0, count: int | None = None) -> None:
    """The booklet's sheet sides first .. first+count-1 fold into ``reading``."""
    from pypdf import PdfReader

    sheets = PdfReader(booklet)
    width = float(sheets.pages[0].mediabox.width)
    height = float(sheets.pages[0].mediabox.height)
    halves: list[str] = []
    for i in range(first, first + (count or len(sheets.pages))):
        halves.append(_half(booklet, i + 1, 0, width / 2, height))
        halves.append(_half(booklet, i + 1, width / 2, width / 2, height))
    # sheet s: front = (T-1-2s, 2s), back = (2s+1, T-2-2s)
    total = len(halves)
    folded = [""] * total
    for s in range(total // 4):
        fl, fr, bl, br = halves[4 * s: 4 * s + 4]
        folded[2 * s], folded[2 * s + 1] = fr, bl
        folded[total - 2 - 2 * s], folded[total - 1 - 2 * s] = br, fl
    pages = [pdftotext(reading, i + 1, i + 1) for i in range(len(PdfReader(reading).pages))]
    printed = [f for f in folded if f.strip()]
    assert len(printed) == len([p for p in pages if p.strip()])
    for page_text, half_text in zip([p for p in pages if p.strip()], printed, strict=True):
        assert _words(page_text) == _words(half_text)
    assert _words(folded[-1]) == _words(pages[-1]), "back cover last"


def assert_print_metadata(pdf: Path | bytes) -> str:
    """A print-only file (booklet, cut sheet, card sheet, press or roster file) has a title
    a viewer shows, the same in its XMP packet, a language, and a packet that does not
    claim PDF/UA (or PDF/A) anywhere in the file. Returns the title."""
    import io

    import pikepdf

    data = pdf if isinstance(pdf, bytes) else pdf.read_bytes()
    assert b"pdfuaid" not in data and b"pdfaid" not in data
    with pikepdf.open(io.BytesIO(data)) as doc:
        title = str(doc.docinfo["/Title"])
        assert title and str(doc.Root.Lang)
        assert bool(doc.Root.ViewerPreferences.DisplayDocTitle)
        stream = doc.Root.Metadata
        assert stream.Type == pikepdf.Name.Metadata and stream.Subtype == pikepdf.Name.XML
        packet = stream.read_bytes().decode()
        assert "<dc:title>" in packet and "<dc:language>" in packet
        xmp = doc.open_metadata()
        assert xmp["dc:title"] == title
        assert str(doc.Root.Lang) in xmp["dc:language"]
    return title
