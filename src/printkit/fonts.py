"""The packaged typeface: Atkinson Hyperlegible, shipped as a Python package.

Rendering never depends on the fonts a machine happens to have.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import unicodedata
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

import fontpkg_atkinson_hyperlegible as pkg

FAMILY = "Atkinson Hyperlegible"
FACES = (  # (file, weight, style)
    ("AtkinsonHyperlegible-Regular.ttf", 400, "normal"),
    ("AtkinsonHyperlegible-Bold.ttf", 700, "normal"),
    ("AtkinsonHyperlegible-Italic.ttf", 400, "italic"),
    ("AtkinsonHyperlegible-BoldItalic.ttf", 700, "italic"),
)


@cache
def font_dir() -> Path:
    return Path(pkg.__file__).resolve().parent / "files"


def font_face_css() -> str:
    """@font-face rules for the packaged family, under its own name (the name a print
    shop's preflight shows for the embedded fonts)."""
    rules = []
    for file, weight, style in FACES:
        url = (font_dir() / file).as_uri()
        rules.append(
            f"@font-face {{ font-family: '{FAMILY}'; "
            f"src: url('{url}'); font-weight: {weight}; font-style: {style}; }}"
        )
    return "\n".join(rules)


def regular_font() -> Path:
    return font_dir() / FACES[0][0]


# The CSS generic families; each one is mapped to the packaged family.
GENERIC_FAMILIES = ("serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui")


def fontconfig_conf(fontconfig_cache: Path) -> str:
    """A fonts.conf that knows only the packaged fonts: no system or user fonts, no system
    configuration; every generic family is the packaged one. Same input, same text."""
    lines = [
        '<?xml version="1.0"?>',
        '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">',
        "<!-- Written by printkit.fonts.confine_fontconfig, which puts it back if changed.",
        "     Only the packaged fonts: output never depends on the machine's. -->",
        "<fontconfig>",
        f"  <dir>{escape(str(font_dir()))}</dir>",
        f"  <cachedir>{escape(str(fontconfig_cache))}</cachedir>",
    ]
    for generic in GENERIC_FAMILIES:
        lines += [
            '  <alias binding="same">',
            f"    <family>{generic}</family>",
            f"    <prefer><family>{escape(FAMILY)}</family></prefer>",
            "  </alias>",
        ]
    lines += ["</fontconfig>", ""]
    return "\n".join(lines)


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no HOME and no passwd entry
            base = ""
    if not base:
        base = os.path.join(tempfile.gettempdir(), f"printkit-{os.getuid()}")
    return Path(base) / "printkit" / "fontconfig"


def _write_if_changed(path: Path, text: str) -> None:
    """Write atomically (a temporary file renamed over it), and only if it differs."""
    with contextlib.suppress(OSError):
        if path.read_text(encoding="utf-8") == text:
            return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".fonts-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes it 0600
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def confine_fontconfig(cache_dir: Path | None = None) -> Path:
    """Make fontconfig, in this process and the ones it forks or starts, see only the
    packaged fonts: writes a private fonts.conf (see fontconfig_conf) under ``cache_dir``
    (default ``$XDG_CACHE_HOME/printkit/fontconfig``) and points FONTCONFIG_FILE at it.

    Call it before WeasyPrint is imported: WeasyPrint loads the configuration when it is
    imported and for each FontConfiguration. @font-face fonts still work (WeasyPrint adds
    them to its configuration as application fonts). Idempotent and cheap: after the first
    call it only compares a small file. Returns the path of the fonts.conf."""
    folder = (cache_dir or _default_cache_dir()).resolve()
    try:
        conf = _confine_in(folder)
    except OSError:
        if cache_dir is not None:
            raise
        # An unwritable cache (read-only home): a private folder in the temporary one.
        conf = _confine_in(Path(tempfile.gettempdir()) / f"printkit-{os.getuid()}-fontconfig")
    os.environ["FONTCONFIG_FILE"] = str(conf)
    # A sysroot would be put in front of the absolute paths above, and the file not found.
    os.environ.pop("FONTCONFIG_SYSROOT", None)
    return conf


def _confine_in(folder: Path) -> Path:
    text = fontconfig_conf(folder / "cache")
    # Named by its content: installs with different font folders sharing one cache never
    # overwrite each other's file while the other is reading it.
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    conf = folder / f"fonts-{digest}.conf"
    _write_if_changed(conf, text)
    return conf


@cache
def _characters() -> frozenset[int]:
    """Code points every packaged face can draw."""
    from fontTools.ttLib import TTFont  # lazily: only roster checks need it

    faces = [set(TTFont(str(font_dir() / file)).getBestCmap()) for file, _, _ in FACES]
    return frozenset(set.intersection(*faces))


def missing_characters(text: str) -> list[str]:
    """The characters of ``text`` the packaged font cannot draw (a letter whose accents the
    font has separately counts as drawable: the shaper composes it)."""
    have = _characters()
    return sorted({ch for ch in text if not ch.isspace() and unicodedata.category(ch)[0] != "C"
                   and ord(ch) not in have
                   and not all(ord(c) in have for c in unicodedata.normalize("NFD", ch))})
