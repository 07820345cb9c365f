"""Fontconfig confined to the packaged typeface: no machine font ever ends up in a PDF.

CI installs fonts-droid-fallback (Makefile TEST_PKGS), a system font that draws Chinese: an
unconfined render of the text below would embed it (and DejaVu for the generic families).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
from fontTools.ttLib import TTFont

from printkit.fonts import (
    FACES,
    FAMILY,
    GENERIC_FAMILIES,
    confine_fontconfig,
    font_dir,
    fontconfig_conf,
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """confine_fontconfig sets variables in os.environ: undone after the test."""
    monkeypatch.delenv("FONTCONFIG_FILE", raising=False)
    monkeypatch.delenv("FONTCONFIG_SYSROOT", raising=False)


def test_family_is_the_name_inside_the_font_files() -> None:
    for file, _, _ in FACES:
        names = TTFont(str(font_dir() / file))["name"]
        assert (names.getDebugName(16) or names.getDebugName(1)) == FAMILY, file


def test_conf_lists_only_the_packaged_fonts(tmp_path: Path) -> None:
    text = fontconfig_conf(tmp_path / "cache")
    assert text == fontconfig_conf(tmp_path / "cache")  # deterministic
    assert text.count("<dir>") == 1
    assert f"<dir>{font_dir()}</dir>" in text
    assert f"<cachedir>{tmp_path / 'cache'}</cachedir>" in text
    assert "<include" not in text  # neither the system's nor the user's configuration
    for generic in GENERIC_FAMILIES:
        assert (f"<family>{generic}</family>\n    <prefer><family>{FAMILY}</family></prefer>"
                in text)


@pytest.mark.usefixtures("clean_env")
def test_confine_writes_once_and_sets_the_environment(tmp_path: Path) -> None:
    conf = confine_fontconfig(tmp_path)
    assert conf.parent == tmp_path.resolve()
    assert os.environ["FONTCONFIG_FILE"] == str(conf)
    assert conf.read_text(encoding="utf-8") == fontconfig_conf(tmp_path.resolve() / "cache")
    written = conf.stat()

    assert confine_fontconfig(tmp_path) == conf  # idempotent: the same file, not rewritten
    again = conf.stat()
    assert (again.st_ino, again.st_mtime_ns) == (written.st_ino, written.st_mtime_ns)
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == [conf.name]  # no temp left

    conf.write_text("<fontconfig><dir>/usr/share/fonts</dir></fontconfig>", encoding="utf-8")
    assert confine_fontconfig(tmp_path) == conf  # a changed file is put back
    assert conf.read_text(encoding="utf-8") == fontconfig_conf(tmp_path.resolve() / "cache")


# Runs in a fresh interpreter: fontconfig reads its configuration when WeasyPrint is imported
# and for each FontConfiguration, so the test process's own state must not count.
# argv: cache folder, output PDF, "early" (confine, then import WeasyPrint) or "late"
# (WeasyPrint imported first: a later FontConfiguration is still confined).
CHILD = """
import sys
from pathlib import Path
cache, out, when = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
from printkit.fonts import confine_fontconfig, font_face_css
if when == "early":
    confine_fontconfig(cache)
import weasyprint
from weasyprint.text.fonts import FontConfiguration
if when == "late":
    confine_fontconfig(cache)
config = FontConfiguration()
html = '''<html><body>
<p>Plain Latin, then a name in Chinese: 小明王.</p>
<p style="font-family: serif">Serif text, 小明王</p>
<p style="font-family: sans-serif; font-weight: bold">Sans-serif bold text</p>
<p style="font-family: monospace">Monospace text</p>
<p style="font-family: cursive; font-style: italic">Cursive italic text</p>
<p style="font-family: 'Atkinson Hyperlegible'">The packaged face by @font-face, 小明王</p>
</body></html>'''
css = weasyprint.CSS(string=font_face_css(), font_config=config)
pdf = weasyprint.HTML(string=html).write_pdf(stylesheets=[css], font_config=config)
out.write_bytes(pdf)
"""


def render(cache: Path, out: Path, when: str) -> bytes:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "315532800"}
    env.pop("FONTCONFIG_FILE", None)
    subprocess.run([sys.executable, "-c", CHILD, str(cache), str(out), when], env=env,
                   check=True, capture_output=True, text=True, timeout=120)
    return out.read_bytes()


def embedded_fonts(pdf: bytes) -> list[tuple[str, str]]:
    """(BaseFont, family named inside the embedded font program) for every font."""
    fonts = []
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for obj in doc.objects:
            if not (isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor"):
                continue
            program = next((obj[k] for k in ("/FontFile2", "/FontFile3", "/FontFile")
                            if k in obj), None)
            assert program is not None, f"{obj.get('/FontName')} is not embedded"
            names = TTFont(io.BytesIO(program.read_bytes()))["name"]
            fonts.append((str(obj.FontName), names.getDebugName(16) or names.getDebugName(1)))
    return fonts


@pytest.mark.slow
def test_render_embeds_only_the_packaged_faces(tmp_path: Path) -> None:
    first = render(tmp_path / "cache", tmp_path / "first.pdf", "early")
    second = render(tmp_path / "cache", tmp_path / "second.pdf", "early")
    late = render(tmp_path / "cache", tmp_path / "late.pdf", "late")

    fonts = embedded_fonts(first)
    assert fonts
    for base_font, family in fonts:
        assert family == FAMILY, (base_font, family)
        assert not any(other in base_font for other in ("Droid", "DejaVu", "Noto")), base_font
    assert first == second  # nothing from the machine or the moment
    assert late == first  # confining after WeasyPrint's import is as good
