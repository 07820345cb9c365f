"""The one recipe for every key: what changes an output is named here and nowhere else.

A render key covers everything a document's PDF is made from; a handout key, a render key
and the handout's metadata; an outputs key, everything a kit's output files are made from;
a kit's fast-path key, the options that can change its outputs. A changed input makes a new
key; nothing is ever invalidated. Light on purpose: the no-change fast path imports this
without Jinja2, pypdf or WeasyPrint.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from printkit import __version__

# Libraries whose version can change an output.
ENGINES = ("weasyprint", "pypdf", "pikepdf", "jinja2", "fontpkg-atkinson-hyperlegible",
           "pyyaml", "uharfbuzz")


def digest(*parts: Any) -> str:
    """sha256 of ``parts`` as canonical JSON."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


class FileHasher:
    """sha256 of files, memoised by (path, mtime, size) for one build."""

    def __init__(self) -> None:
        self._memo: dict[tuple[str, int, int], str] = {}

    def __call__(self, path: str | Path) -> str | None:
        try:
            st = os.stat(path)
        except OSError:
            return None
        key = (str(path), st.st_mtime_ns, st.st_size)
        if key not in self._memo:
            try:
                self._memo[key] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
            except OSError:
                return None
        return self._memo[key]


@cache
def code_digest() -> str:
    """Hash of printkit's own code and data files: a changed printkit never reuses a
    cached render or a recorded build (the version number alone can stay the same)."""
    package = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".json"):
            h.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


@cache
def versions() -> dict[str, str]:
    """printkit's version and code, and the version of every library that makes output."""
    found = {"printkit": __version__, "code": code_digest()}
    for name in ENGINES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = ""
    return found


def render_key(html: str, stylesheets: list[tuple[str, str | None]], paper: str,
               grayscale: bool, tagged: bool, bleed_mm: float, variant: str,
               probe: str, folder: str = "") -> str:
    """A document's render: its HTML (so the template, its partials and the variables it
    uses), the folder its URLs are relative to, the stylesheets' contents, the render
    options and the engines."""
    return digest(html, stylesheets, paper, grayscale, tagged, bleed_mm, variant, versions(),
                  *([probe] if probe else []), *([folder] if folder else []))


def handout_key(part_key: str, metadata: Any) -> str:
    """A stand-alone handout: its document's render and its metadata."""
    return digest("handout", part_key, metadata, versions())


def outputs_key(settings: Any, parts: Any, press_parts: Any, agency: Any,
                metadata: Any, preflight: bool = True) -> str:
    """Everything a kit's output files are made from (unchanged: nothing to assemble), and
    whether they are measured (the reports are outputs too)."""
    return digest("outputs", settings, parts, press_parts, agency, metadata, versions(),
                  preflight)


def packet_group_key(parts: Any) -> str:
    """Roster rows whose packets are made from the same parts."""
    return digest("packet", parts)


def kit_build_key(name: str, options: Any) -> str:
    """A kit's recorded build, for the no-change fast path: the kit as named, the options
    that can change its outputs (not --jobs, not --strict) and the engines."""
    return digest("kit-build", name, options, versions())
