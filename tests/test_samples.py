"""Samples never pass for real: a value written ``!sample`` marks every page of what prints
it SAMPLE, the build says which values are samples, and ``build --final`` refuses them."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pymupdf
import pytest
from click.testing import CliRunner, Result

from printkit.cli import cli
from printkit.errors import PrintkitError
from printkit.source.variables import Layer, resolve
from printkit.source.yamlio import load_yaml

from .test_library import library, library_copy  # noqa: F401  (shared fixtures)


def _tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and ".cache" not in p.parts}


def pages_without(folder: Path, word: str = "SAMPLE") -> list[str]:
    """Every page of every PDF under ``folder`` whose text lacks ``word``."""
    missing = []
    for pdf in outputs(folder):
        with pymupdf.open(pdf) as doc:
            missing += [f"{pdf.name} p.{i + 1}" for i, page in enumerate(doc)
                        if word not in page.get_text()]
    return missing


def test_a_sample_value_reads_as_the_plain_value(tmp_path: Path) -> None:
    file = tmp_path / "v.yaml"
    file.write_text("agency:\n  name: !sample Anytown PD\nwhen: !sample 2026-01-15\n"
                    "phone: !sample \"202-555-0141\"\nreal: Springfield\n")
    loc = load_yaml(file)
    assert loc.data == {"agency": {"name": "Anytown PD"}, "when": dt.date(2026, 1, 15),
                        "phone": "202-555-0141", "real": "Springfield"}
    assert loc.samples == {("agency", "name"), ("when",), ("phone",)}


def test_sample_marks_one_value_not_a_block(tmp_path: Path) -> None:
    file = tmp_path / "v.yaml"
    file.write_text("title: x\ncontacts: !sample\n  eap: 1\n")
    with pytest.raises(PrintkitError) as caught:
        load_yaml(file, "v.yaml")
    assert "v.yaml:2" in str(caught.value.message) and "one value" in caught.value.message


def test_a_value_given_later_replaces_the_sample() -> None:
    base = Layer("printkit.yaml", {"contacts": {"eap": "x", "chaplain": "y"}, "event": "e"},
                 samples={"contacts.eap": ("printkit.yaml", 3),
                          "contacts.chaplain": ("printkit.yaml", 4), "event": ("k.yaml", 9)})
    given = resolve([base, Layer("--set", {"contacts": {"eap": "555"}})])
    assert sorted(given.samples) == ["contacts.chaplain", "event"]
    assert given.samples["event"].line == 9
    emptied = resolve([base, Layer("--vars", {"contacts": "none"})])
    assert sorted(emptied.samples) == ["event"]


def _sample_agency(project: Path) -> None:
    config = project / "printkit.yaml"
    text = config.read_text()
    text = text.replace("  name: Testville Police Department",
                        "  name: !sample Anytown Police Department")
    text = text.replace("    eap: EAP desk", "    eap: !sample \"202-555-0142\"")
    config.write_text(text)


@pytest.mark.slow
def test_sample_build_is_marked_and_final_refuses_it(project: Path,
                                                     run: Callable[..., Result]) -> None:
    """Every page of every output says SAMPLE; the summary and the manifest name the
    values; --final names each one's file and line and writes nothing; given real values,
    --final builds and nothing says SAMPLE."""
    _sample_agency(project)
    kit = project / "kits/mini.yaml"  # duplex: blank pages made at assembly say SAMPLE too
    kit.write_text(kit.read_text().replace("documents:", "duplex: true\ndocuments:", 1))
    result = run("build", "mini")
    assert result.exit_code == 0, result.output
    assert ("SAMPLE on every page: sample values in printkit.yaml: agency.name, contacts.eap"
            in result.output)
    folder = project / "build" / "mini"
    assert not pages_without(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert [(s["key"], s["file"], s["line"]) for s in manifest["samples"]] == [
        ("agency.name", "printkit.yaml", 2), ("contacts.eap", "printkit.yaml", 9)]
    before = _tree(project / "build")

    refused = run("build", "mini", "--final")
    assert refused.exit_code == 1
    assert "printkit.yaml:2: error: 'agency.name' is still the sample value " \
           "'Anytown Police Department'" in refused.output
    assert "printkit.yaml:9: error: 'contacts.eap'" in refused.output
    assert "printkit init" in refused.output and "Traceback" not in refused.output
    assert _tree(project / "build") == before

    # A --set value replaces a placeholder for one build; the agency's name is still one.
    still = run("build", "mini", "--final", "--set", "contacts.eap=555-010-4200")
    assert still.exit_code == 1 and "contacts.eap" not in still.output
    assert "agency.name" in still.output

    config = project / "printkit.yaml"
    config.write_text(config.read_text().replace("!sample ", ""))
    final = run("build", "mini", "--final")
    assert final.exit_code == 0, final.output
    assert "SAMPLE" not in final.output
    assert pages_without(folder) == [f"{p.name} p.{i + 1}" for p in outputs(folder)
                                     for i in range(pymupdf.open(p).page_count)]
    assert json.loads((folder / "manifest.json").read_text())["samples"] == []


# What must never print: the tool's name, an internal note, the old placeholder contacts.
MARK_WORDS = ("SAMPLE", "·", "not", "for", "distribution")
NEVER_PRINTED = ("printkit", "For the agency:", "HR intranet", "ext. 4100",
                 "Peer Support Team coordinator", "verified")


def outputs(folder: Path) -> list[Path]:
    """Every PDF a build wrote under ``folder`` (not the render cache)."""
    return [p for p in sorted(folder.rglob("*.pdf")) if ".cache" not in p.parts]


def _text(pdf: Path) -> str:
    with pymupdf.open(pdf) as doc:
        return "\n".join(page.get_text() for page in doc)


@pytest.mark.slow
def test_no_placeholder_note_or_tool_name_prints(library: Path) -> None:  # noqa: F811
    for pdf in outputs(library / "build"):
        text = " ".join(_text(pdf).split())
        for words in NEVER_PRINTED:
            assert words.lower() not in text.lower(), (pdf.name, words)
    assert not pages_without(library / "build")


@pytest.mark.slow
def test_sample_mark_sits_clear_of_the_text(library: Path) -> None:  # noqa: F811
    """The mark is in the margin band (or a card's free corner), never over other text."""
    for pdf in outputs(library / "build"):
        with pymupdf.open(pdf) as doc:
            for number, page in enumerate(doc, 1):
                words = page.get_text("words")
                tops = {round(w[1]) for w in words if w[4] == "SAMPLE"}
                marks, others = [], []
                for x0, y0, x1, y1, word, *_ in words:
                    box = pymupdf.Rect(x0, y0, x1, y1)
                    (marks if round(y0) in tops and word in MARK_WORDS else others).append(box)
                assert marks, (pdf.name, number)
                for mark in marks:
                    assert not any(mark.intersects(o) for o in others), (pdf.name, number)


@pytest.mark.slow
def test_final_builds_with_the_agencys_own_values(library_copy: Path) -> None:  # noqa: F811
    """After the agency is set up, --final builds the family and suicide-prevention kits
    with its numbers on the crisis page and the card, and nothing says SAMPLE; the chief's
    kit without an event is refused, naming event_name."""
    runner = CliRunner()
    setup = runner.invoke(cli, ["-C", str(library_copy), "init", "--force",
                                "--agency", "Springfield Police Department",
                                "--short-name", "Springfield PD",
                                "--wellness-phone", "217-555-0101", "--eap-phone",
                                "(217) 555-0102", "--peer-support-phone", "2175550103"])
    assert setup.exit_code == 0, setup.output
    result = runner.invoke(cli, ["-C", str(library_copy), "build", "--final", "--jobs", "2",
                                 "family-wellness", "suicide-prevention"])
    assert result.exit_code == 0, result.output
    assert "SAMPLE" not in result.output
    for kit in ("family-wellness", "suicide-prevention"):
        assert pages_without(library_copy / "build" / kit) == [
            f"{p.name} p.{i + 1}" for p in outputs(library_copy / "build" / kit)
            for i in range(pymupdf.open(p).page_count)]
    crisis = _text(library_copy / "build/suicide-prevention/handouts/crisis-lines.pdf")
    card = _text(library_copy / "build/suicide-prevention/handouts/wallet-card.pdf")
    assert "217-555-0103" in crisis and "217-555-0103" in card
    assert "Chaplain" not in crisis   # the agency has none: nothing prints for it
    chief = runner.invoke(cli, ["-C", str(library_copy), "build", "--final",
                                "chief-post-incident"])
    assert chief.exit_code == 1
    assert "kits/chief-post-incident.yaml:12: error: 'event_name' is still the sample" \
        in chief.output
