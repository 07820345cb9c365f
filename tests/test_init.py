"""printkit init: an agency's printkit.yaml from options or answers, every bad value named
under its option, nothing written unless everything is right. Nothing is rendered here."""

from __future__ import annotations

import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from printkit import cli_init
from printkit.agency_setup import Invalid, colour, phone
from printkit.cli import cli
from printkit.source.project import load_project

SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
       b'<circle cx="5" cy="5" r="4" fill="#123"/></svg>')
AGENCY = ("--agency", "Springfield Police Department")
ALL_CONTACTS = ("--wellness-phone", "555-010-4100", "--eap-phone", "555-010-4200",
                "--peer-support-phone", "555-010-4300", "--chaplain-phone", "555-010-4400")


def init(where: Path, *args: str, given: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["-C", str(where), "init", *args], input=given,
                              catch_exceptions=False)


def png(width: int, height: int) -> bytes:
    """A real PNG image, white, of this size."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    rows = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    """A folder with no project in it yet."""
    folder = tmp_path / "agency"
    folder.mkdir()
    return folder


def test_flags_write_a_printkit_yaml_the_project_reads(fresh: Path, tmp_path: Path) -> None:
    badge = tmp_path / "Springfield Badge.svg"
    badge.write_bytes(SVG)
    result = init(fresh, *AGENCY, "--short-name", "Springfield PD", "--unit", "Wellness Team",
                  "--wellness-phone", "(555) 010-4100 x12", "--eap-phone", "1-555-010-4200",
                  "--peer-support-phone", "555.010.4300", "--chaplain-phone", "5550104400",
                  "--website", "https://www.springfield.gov/wellness", "--logo", str(badge),
                  "--primary", "#203050", "--accent", "#2B7466")
    assert result.exit_code == 0, result.output
    text = (fresh / "printkit.yaml").read_text(encoding="utf-8")
    assert text.startswith("# ") and "!sample" not in text
    config = load_project(fresh).config
    assert config["agency"] == {
        "name": "Springfield Police Department", "short_name": "Springfield PD",
        "unit": "Wellness Team", "logo": "assets/img/springfield-badge.svg",
        "website": "https://www.springfield.gov/wellness",
        "colors": {"primary": "#203050", "accent": "#2b7466", "warm": "#b3452e"}}
    assert config["variables"] == {
        "contacts": {"wellness_unit": "555-010-4100 ext. 12", "eap": "555-010-4200",
                     "peer_support": "555-010-4300", "chaplain": "555-010-4400"},
        "copies": "More copies from the Wellness Team, 555-010-4100 ext. 12"}
    assert (config["paper"], config["language"]) == ("letter", "en")
    assert (fresh / "assets/img/springfield-badge.svg").read_bytes() == SVG
    assert "wrote printkit.yaml for Springfield Police Department" in result.output
    assert "left out" not in result.output
    assert result.output.rstrip().endswith("next step: printkit build --final")


def test_defaults_and_a_contact_left_out(fresh: Path) -> None:
    """No chaplain: no chaplain key at all (nothing prints for one), and the summary says so;
    no wellness phone: no copies line either."""
    result = init(fresh, *AGENCY, "--eap-phone", "555-010-4200")
    assert result.exit_code == 0, result.output
    config = load_project(fresh).config
    assert config["agency"]["short_name"] == "Springfield Police Department"
    assert config["agency"]["unit"] == "Officer Wellness Unit"
    assert "logo" not in config["agency"] and "website" not in config["agency"]
    assert config["agency"]["colors"] == {"primary": "#1b2a41", "accent": "#2b7466",
                                          "warm": "#b3452e"}
    assert config["variables"] == {"contacts": {"eap": "555-010-4200"}}
    assert ("left out, so nothing prints for them: wellness unit, peer support, chaplain"
            in result.output)


@pytest.mark.parametrize(("typed", "house_style"), [
    ("555-010-4100", "555-010-4100"),
    ("(555) 010-4100", "555-010-4100"),
    ("+1 555 010 4100", "555-010-4100"),
    ("1-555-010-4100", "555-010-4100"),
    ("555.010.4100 x123", "555-010-4100 ext. 123"),
    ("555-010-4100 ext. 12", "555-010-4100 ext. 12"),
    ("5550104100 Ext 7", "555-010-4100 ext. 7"),
])
def test_phones_in_the_house_style(typed: str, house_style: str) -> None:
    assert phone(typed) == house_style


@pytest.mark.parametrize("typed", ["555-0100", "555-010-41000", "2-555-010-4100",
                                   "555-CALL-NOW", "ext. 12", "555-010-4100 ext. abc"])
def test_not_phones(typed: str) -> None:
    with pytest.raises(Invalid, match="is not a US phone number"):
        phone(typed)


def test_contrast_floor_is_preflights() -> None:
    """#767676 is the lightest grey with 4.5:1 on white (4.54:1); #777777 has 4.48:1."""
    assert colour("#767676", "accent") == "#767676"
    with pytest.raises(Invalid, match=r"4\.47:1 contrast with white.*at least 4\.5:1"):
        colour("#777777", "accent")


@pytest.mark.parametrize(("option", "value", "says"), [
    ("--wellness-phone", "555-12", "'555-12' is not a US phone number: it has 5 digits"),
    ("--website", "http://www.springfield.gov", "starts with http://"),
    ("--website", "www.springfield.gov", "does not start with https://"),
    ("--website", "https://localhost/wellness", "no host name with a dot"),
    ("--website", "https://www.spring field.gov", "has spaces in it"),
    ("--primary", "#7fb8a4", "#7fb8a4 has 2.25:1 contrast with white"),
    ("--warm", "#e07a5f", "#e07a5f has 2.95:1 contrast with white"),
    ("--accent", "teal", "'teal' is not a colour written #rrggbb"),
    ("--short-name", "   ", None),   # blank: the default, not an error
])
def test_a_bad_value_is_named_with_its_option(fresh: Path, option: str, value: str,
                                              says: str | None) -> None:
    result = init(fresh, *AGENCY, option, value)
    if says is None:
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 1
    assert f"{option}: error: " in result.output and says in result.output
    assert "1 problem found." in result.output
    assert "Traceback" not in result.output
    assert not (fresh / "printkit.yaml").exists()


@pytest.mark.parametrize(("name", "content", "says"), [
    ("logo.svg", b"Our logo goes here\n", "is not an SVG image: it is not XML"),
    ("logo.svg", b"<html><body>logo</body></html>", "its root element is <html>, not <svg>"),
    ("logo.svg", SVG.replace(b"<circle", b'<script>alert(1)</script><circle'),
     "holds a <script>"),
    ("logo.svg", SVG.replace(b"<circle", b'<image href="file:///etc/passwd"/><circle'),
     "refers to another file ('file:///etc/passwd')"),
    ("logo.svg", SVG.replace(b'fill="#123"', b'style="fill:url(https://x.org/a.svg#g)"'),
     "refers to another file ('https://x.org/a.svg#g')"),
    ("logo.svg", SVG.replace(b"<circle", b'<circle onclick="go()"'), "holds a script"),
    ("logo.png", b"not a png at all", "is not a PNG image"),
    ("logo.png", png(100, 100)[:20], "is a damaged PNG image"),
    ("logo.png", png(10, 10), "is 10 x 10 pixels"),
    ("logo.gif", b"GIF89a", "is not an SVG or PNG file"),
    ("logo.svg", None, "logo.svg not found"),
])
def test_a_bad_logo_is_refused(fresh: Path, tmp_path: Path, name: str,
                               content: bytes | None, says: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = init(fresh, *AGENCY, "--logo", str(path))
    assert result.exit_code == 1, result.output
    assert f"--logo: error: {path}" in result.output and says in result.output
    assert "1 problem found." in result.output
    assert not (fresh / "printkit.yaml").exists() and not (fresh / "assets").exists()


def test_a_logo_too_big_is_refused(fresh: Path, tmp_path: Path) -> None:
    big = tmp_path / "big.svg"
    big.write_bytes(SVG.replace(b"</svg>", b"<!--" + b"x" * (2 * 1024 * 1024) + b"--></svg>"))
    result = init(fresh, *AGENCY, "--logo", str(big))
    assert result.exit_code == 1
    assert "a logo must be under 2 MB" in result.output


def test_a_png_logo_inside_the_project_is_named_not_copied(fresh: Path) -> None:
    (fresh / "art").mkdir()
    (fresh / "art/seal.png").write_bytes(png(300, 300))
    result = init(fresh, *AGENCY, "--logo", str(fresh / "art/seal.png"))
    assert result.exit_code == 0, result.output
    assert load_project(fresh).config["agency"]["logo"] == "art/seal.png"
    assert not (fresh / "assets").exists()


def test_a_logo_copy_never_replaces_a_different_file(fresh: Path, tmp_path: Path) -> None:
    (fresh / "assets/img").mkdir(parents=True)
    (fresh / "assets/img/badge.svg").write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    (tmp_path / "badge.svg").write_bytes(SVG)
    result = init(fresh, *AGENCY, "--logo", str(tmp_path / "badge.svg"))
    assert result.exit_code == 0, result.output
    assert (fresh / "assets/img/badge.svg").read_bytes() != SVG       # untouched
    assert (fresh / "assets/img/badge-2.svg").read_bytes() == SVG
    assert load_project(fresh).config["agency"]["logo"] == "assets/img/badge-2.svg"
    assert "assets/img/badge.svg is a different file" in result.output


def test_every_bad_value_is_reported_at_once(fresh: Path) -> None:
    result = init(fresh, *AGENCY, "--eap-phone", "555-12", "--chaplain-phone", "call me",
                  "--website", "http://x.gov", "--accent", "#aaaaaa",
                  "--logo", str(fresh / "none.svg"))
    assert result.exit_code == 1
    for option in ("--eap-phone", "--chaplain-phone", "--website", "--accent", "--logo"):
        assert f"{option}: error:" in result.output
    assert "5 problems found." in result.output
    assert not (fresh / "printkit.yaml").exists()


@pytest.mark.parametrize("name", ["Yes", 'The "Blue" Line PD', "Dept: East # 2", "#1 Police",
                                  "Police Département de Lévis", "St. John's Sheriff's Office",
                                  "2024", "null", "1.5e3", "2026-03-02"])
def test_any_name_reads_back_as_typed(fresh: Path, name: str) -> None:
    result = init(fresh, "--agency", name, "--unit", name)
    assert result.exit_code == 0, result.output
    agency = load_project(fresh).config["agency"]
    assert agency["name"] == agency["unit"] == name


def test_an_existing_file_is_kept_without_force(project: Path) -> None:
    before = (project / "printkit.yaml").read_bytes()
    result = init(project, *AGENCY)
    assert result.exit_code == 1
    assert ("printkit.yaml already exists; run printkit init --force to replace it (the "
            "current file is kept as printkit.yaml.bak)") in result.output
    assert (project / "printkit.yaml").read_bytes() == before
    assert not (project / "printkit.yaml.bak").exists()


def test_force_keeps_the_old_file_and_its_paper(project: Path) -> None:
    """--force says it keeps a .bak; paper, duplex and stylesheets carry over; what else the
    old file held is named; check passes with the new file."""
    config = project / "printkit.yaml"
    config.write_text(config.read_text().replace("paper: letter", "paper: a4\nduplex: true")
                      + "  motto: Stay safe\n", encoding="utf-8")
    before = config.read_bytes()
    result = init(project, "--force", *AGENCY, *ALL_CONTACTS)
    assert result.exit_code == 0, result.output
    assert (project / "printkit.yaml.bak").read_bytes() == before
    assert "kept the old file as printkit.yaml.bak" in result.output
    assert "variables not carried over (they are in printkit.yaml.bak): motto" in result.output
    new = load_project(project).config
    assert (new["paper"], new["duplex"]) == ("a4", True)
    assert new["stylesheets"] == ["assets/css/print.css"]
    assert new["agency"]["name"] == "Springfield Police Department"
    check = CliRunner().invoke(cli, ["-C", str(project), "check"], catch_exceptions=False)
    assert check.exit_code == 0, check.output


def test_quiet_still_says_the_old_file_was_kept(project: Path) -> None:
    result = init(project, "-q", "--force", *AGENCY)
    assert result.exit_code == 0, result.output
    assert result.output == "kept the old file as printkit.yaml.bak\n"


def test_prompts_in_a_terminal(fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each answer an option did not give is asked for; a bad one is asked again; blank
    optional ones are left out; blank defaults are taken."""
    monkeypatch.setattr(cli_init, "stdin_is_terminal", lambda: True)
    answers = ["Shelbyville Police Department", "", "",   # name; short name, unit: defaults
               "555-12", "555-010-4100",                   # wellness: asked again
               "", "", "",                                  # peer support, chaplain, website
               "", "", "#777777", "#2b7466", ""]           # logo; primary; accent twice; warm
    result = init(fresh, "--eap-phone", "555-010-4200", given="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    assert "Employee Assistance Program phone" not in result.output   # given as an option
    assert "Error: '555-12' is not a US phone number" in result.output
    assert "Error: #777777 has 4.47:1 contrast with white" in result.output
    config = load_project(fresh).config
    assert config["agency"]["short_name"] == "Shelbyville Police Department"
    assert config["agency"]["unit"] == "Officer Wellness Unit"
    assert config["variables"]["contacts"] == {"wellness_unit": "555-010-4100",
                                               "eap": "555-010-4200"}


def test_a_bad_option_is_reported_before_any_question(fresh: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_init, "stdin_is_terminal", lambda: True)
    result = init(fresh, "--eap-phone", "12", given="")
    assert result.exit_code == 1
    assert "--eap-phone: error: '12' is not a US phone number" in result.output
    assert "Agency's full name" not in result.output


def test_not_a_terminal_and_no_agency_is_a_usage_error(fresh: Path) -> None:
    result = init(fresh, "--eap-phone", "555-010-4200")
    assert result.exit_code == 2
    assert '--agency "Your Police Department"' in result.output
    assert not (fresh / "printkit.yaml").exists()
    # the same from a real process whose input is not a terminal
    done = subprocess.run([sys.executable, "-m", "printkit", "-C", str(fresh), "init"],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert "--agency" in done.stderr and "Traceback" not in done.stderr


def test_help() -> None:
    result = CliRunner().invoke(cli, ["init", "--help"])
    assert result.exit_code == 0
    for option in ("--agency", "--chaplain-phone", "--logo", "--primary", "--force"):
        assert option in result.output
    assert "init" in CliRunner().invoke(cli, ["--help"]).output
