"""The agency's logo for `printkit init`: really an SVG or PNG image, under 2 MB, holding
everything it shows (no scripts, nothing fetched from another file); one outside the project
is copied into assets/img/, never over a different file."""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from printkit.agency_setup.answers import Invalid
from printkit.source.slug import safe_name

LOGO_FOLDER = "assets/img"
LOGO_LIMIT = 2 * 1024 * 1024       # bytes
LOGO_PIXELS = (64, 10_000)         # a PNG logo's sides, in pixels
LOGO_HINT = "Export the logo from your design program as SVG (best) or PNG."
SVG_NS = "{http://www.w3.org/2000/svg}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CSS_URL_RE = re.compile(r"url\(\s*['\"]?\s*([^'\")\s]*)", re.I)


@dataclass(frozen=True)
class Logo:
    """A checked logo file, and where printkit.yaml names it (relative to the project)."""

    source: Path                       # the file given, symlinks resolved
    target: str                        # e.g. assets/img/badge.svg
    copy: bool                         # outside the project: copied to ``target``
    data: bytes = field(repr=False)    # what was checked is what is copied
    taken: str = ""                    # a different file already had the name it wanted


def logo(text: str, root: Path) -> Logo:
    """An SVG or PNG file under 2 MB; one outside the project is to be copied into it."""
    shown = text.strip()
    path = Path(shown).expanduser().resolve()
    if not path.exists():
        raise Invalid(f"{shown} not found", "Give the path to the logo file.")
    if not path.is_file():
        raise Invalid(f"{shown} is not a file", "Give the path to the logo file.")
    suffix = path.suffix.lower()
    if suffix not in (".svg", ".png"):
        raise Invalid(f"{shown} is not an SVG or PNG file (its name ends in "
                      f"'{path.suffix}')" if path.suffix else
                      f"{shown} is not an SVG or PNG file (its name has no extension)",
                      LOGO_HINT)
    try:
        size = path.stat().st_size
        if size >= LOGO_LIMIT:
            raise Invalid(f"{shown} is {size / 1024 / 1024:.1f} MB; a logo must be under 2 MB",
                          "Export it smaller: an SVG, or a PNG 600 pixels wide, is plenty.")
        data = path.read_bytes()
    except OSError as exc:
        raise Invalid(f"{shown} cannot be read ({exc.strerror or exc})") from None
    (_check_svg if suffix == ".svg" else _check_png)(data, shown)
    project = root.resolve()
    if path.is_relative_to(project):
        return Logo(path, path.relative_to(project).as_posix(), False, data)
    return _copy_target(project, path, data)


def _copy_target(root: Path, path: Path, data: bytes) -> Logo:
    """assets/img/<name>: the same file there already is used; a different one is never
    replaced (the copy takes the next free name, and the summary says so)."""
    stem, suffix = safe_name(path.stem) or "logo", path.suffix.lower()
    wanted = f"{LOGO_FOLDER}/{stem}{suffix}"
    for n in range(1, 1000):
        target = f"{LOGO_FOLDER}/{stem}{suffix}" if n == 1 else f"{LOGO_FOLDER}/{stem}-{n}{suffix}"
        there = root / target
        if not there.exists():
            return Logo(path, target, True, data, "" if n == 1 else wanted)
        if there.is_file() and there.read_bytes() == data:
            return Logo(path, target, False, data, "" if n == 1 else wanted)
    raise Invalid(f"{LOGO_FOLDER}/ has too many files named like {stem}{suffix}",
                  "Put the logo inside the project and give that path.")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _check_svg(data: bytes, shown: str) -> None:
    """Really SVG: XML with an <svg> root, no scripts and nothing fetched from elsewhere."""
    if b"<!ENTITY" in data:
        raise Invalid(f"{shown} declares XML entities; printkit reads plain SVG only", LOGO_HINT)
    if b"<?xml-stylesheet" in data:
        raise Invalid(f"{shown} links a style sheet from another file", LOGO_HINT)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise Invalid(f"{shown} is not an SVG image: it is not XML ({exc})", LOGO_HINT) from None
    if root.tag not in (f"{SVG_NS}svg", "svg"):
        raise Invalid(f"{shown} is not an SVG image: its root element is "
                      f"<{_local(root.tag)}>, not <svg>", LOGO_HINT)
    for element in root.iter():
        name = _local(element.tag)
        if name in ("script", "foreignObject"):
            raise Invalid(f"{shown} holds a <{name}>; a logo must be a plain drawing", LOGO_HINT)
        texts = [element.text or ""] if name == "style" else []
        for attribute, value in element.attrib.items():
            key = _local(attribute)
            if key.lower().startswith("on"):
                raise Invalid(f"{shown} holds a script ({key}=...); a logo must be a plain "
                              "drawing", LOGO_HINT)
            if key == "href" and not value.strip().startswith(("#", "data:")):
                raise Invalid(f"{shown} refers to another file ({value.strip()!r}); a logo "
                              "must hold everything it shows", LOGO_HINT)
            texts.append(value)
        for text in texts:
            outside = [u for u in CSS_URL_RE.findall(text) if not u.startswith(("#", "data:"))]
            if outside or "@import" in text:
                raise Invalid(f"{shown} refers to another file "
                              f"({outside[0] if outside else '@import'!r}); a logo must "
                              "hold everything it shows", LOGO_HINT)


def _check_png(data: bytes, shown: str) -> None:
    """Really PNG: the signature, a readable IHDR header, a sensible size in pixels."""
    if not data.startswith(PNG_SIGNATURE):
        raise Invalid(f"{shown} is not a PNG image (it does not start as one)", LOGO_HINT)
    if len(data) < 33 or data[8:16] != b"\x00\x00\x00\x0dIHDR" or \
            zlib.crc32(data[12:29]) != struct.unpack(">I", data[29:33])[0]:
        raise Invalid(f"{shown} is a damaged PNG image (its header cannot be read)", LOGO_HINT)
    width, height, depth, kind = struct.unpack(">IIBB", data[16:26])
    if kind not in (0, 2, 3, 4, 6) or depth not in (1, 2, 4, 8, 16):
        raise Invalid(f"{shown} is a damaged PNG image (its header cannot be read)", LOGO_HINT)
    low, high = LOGO_PIXELS
    if not (low <= width <= high and low <= height <= high):
        raise Invalid(f"{shown} is {width} x {height} pixels; a logo needs {low:,} to "
                      f"{high:,} pixels each way",
                      "A logo printed an inch wide needs about 300 pixels; an SVG is best.")


