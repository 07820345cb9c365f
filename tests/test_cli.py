"""The command line: help, list, check, exit statuses, clear messages."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner, Result

from printkit.cli import cli

from .conftest import assert_print_metadata, pdftotext


def test_help_everywhere() -> None:
    runner = CliRunner()
    for args in ([], ["build"], ["check"], ["list"], ["schema"], ["show"], ["clean"]):
        result = runner.invoke(cli, [*args, "--help"])
        assert result.exit_code == 0, args
        assert "Usage:" in result.output


def test_list_shows_kits(run: Callable[..., Result]) -> None:
    result = run("list")
    assert result.exit_code == 0
    assert "mini  Mini Kit" in result.output
    assert "documents: alpha, beta, gamma" in result.output


def test_check_clean_project(run: Callable[..., Result]) -> None:
    result = run("check")
    assert result.exit_code == 0, result.output
    assert "no errors" in result.output


def test_check_reports_three_mistakes_with_lines(project: Path,
                                                 run: Callable[..., Result]) -> None:
    (project / "kits/bad.yaml").write_text(
        "title: Bad\n"
        "subtitel: typo\n"
        "paper: letter-ish\n"
        "documents:\n"
        "  - id: one\n"
        "    template: docs/mini/nope.html\n"
    )
    result = run("check", "bad")
    assert result.exit_code == 1
    out = result.output
    assert "kits/bad.yaml:2: error: unknown key 'subtitel'" in out
    assert "Did you mean 'subtitle'?" in out
    assert "kits/bad.yaml:3:" in out and "letter-ish" in out
    assert "kits/bad.yaml:6:" in out and "docs/mini/nope.html not found" in out
    assert "3 problems found." in out
    assert "Traceback" not in out


def test_check_flags_unknown_resource_once(project: Path, run: Callable[..., Result]) -> None:
    alpha = project / "templates/docs/mini/alpha.html"
    alpha.write_text(alpha.read_text().replace("resource_card('lifeline-988'",
                                               "resource_card('no-such-line'"))
    result = run("check", "mini")
    assert result.exit_code == 1
    assert ("templates/docs/mini/alpha.html:8: error: resource id 'no-such-line' is not in "
            "data/resources.yaml") in result.output
    assert "1 problem found." in result.output


def test_check_flags_missing_alt_text_and_missing_image(project: Path,
                                                        run: Callable[..., Result]) -> None:
    alpha = project / "templates/docs/mini/alpha.html"
    alpha.write_text(alpha.read_text().replace(' alt="a dot"', "").replace(
        "{% endblock %}\n{% block sources", '<img src="/assets/img/none.png" alt="x">'
        "{% endblock %}\n{% block sources"))
    result = run("check", "mini")
    assert result.exit_code == 1
    assert "templates/docs/mini/alpha.html:11: error: image '/assets/img/dot.svg' has no alt " \
        "text" in result.output
    assert "'/assets/img/none.png' not found (looked for assets/img/none.png)" in result.output


def test_check_flags_a_drawing_without_alternative_text(project: Path,
                                                       run: Callable[..., Result]) -> None:
    """An inline <svg> needs aria-label, a <title>, or aria-hidden="true" (decoration);
    the error names the template and line of the one that has none."""
    alpha = project / "templates/docs/mini/alpha.html"
    alpha.write_text(alpha.read_text().replace(
        '<img src="/assets/img/dot.svg" alt="a dot">',
        '<svg viewBox="0 0 4 4" aria-hidden="true"><rect width="4" height="4"/></svg>\n'
        '<svg viewBox="0 0 5 5"><title>A square</title><rect width="5" height="5"/></svg>\n'
        '<svg viewBox="0 0 6 6" role="img" aria-label="Six"><rect width="6" height="6"/></svg>\n'
        '<svg viewBox="0 0 7 7"><rect width="7" height="7"/></svg>'))
    result = run("check", "mini")
    assert result.exit_code == 1
    assert ("templates/docs/mini/alpha.html:14: error: a drawing (<svg>) has no alternative "
            "text") in result.output
    assert "1 problem found." in result.output


def test_unknown_kit_suggests(run: Callable[..., Result]) -> None:
    result = run("build", "mnii")
    assert result.exit_code == 1
    assert "no kit named 'mnii'" in result.output
    assert "Did you mean 'mini'?" in result.output


def test_usage_errors_exit_2(run: Callable[..., Result]) -> None:
    assert run("build", "--jobs", "-1").exit_code == 2
    assert run("build", "--set", "novalue").exit_code == 2
    assert run("build", "--paper", "postcard").exit_code == 2
    assert run("frobnicate").exit_code == 2


def test_no_project_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "list"])
    assert result.exit_code == 1
    assert "No printkit project found" in result.output


def test_schema_is_json(run: Callable[..., Result]) -> None:
    result = run("schema")
    schema = json.loads(result.output)
    assert "documents" in schema["properties"]


def test_show_lists_variable_sources(run: Callable[..., Result]) -> None:
    result = run("show", "mini", "--set", "event_name=X")
    assert result.exit_code == 0
    assert 'event_name = "X"    <- --set' in result.output
    assert "event_date = 2026-03-05    <- kits/mini.yaml" in result.output
    assert "contacts.eap" in result.output and "<- printkit.yaml" in result.output


def test_check_warns_about_the_sample_agency(project: Path, run: Callable[..., Result]) -> None:
    config = project / "printkit.yaml"
    config.write_text(config.read_text().replace("Testville Police Department",
                                                 "Anytown Police Department"))
    result = run("check")
    assert result.exit_code == 0
    assert "printkit.yaml:2: warning: the agency is still the sample one" in result.output
    assert run("check", "--strict").exit_code == 1


def test_typos_in_templates_get_suggestions(project: Path, run: Callable[..., Result]) -> None:
    alpha = project / "templates/docs/mini/alpha.html"
    alpha.write_text(alpha.read_text().replace("{{ event_name }}", "{{ event_nmae }}"))
    result = run("check", "mini")
    assert "templates/docs/mini/alpha.html:4: error: undefined variable" in result.output
    assert "Did you mean 'event_name'?" in result.output
    alpha.write_text(alpha.read_text().replace("| date('long')", "| dat('long')", 1))
    result = run("check", "mini")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "alpha.html:7: error: template syntax error: No filter named 'dat'." in result.output
    assert "Did you mean 'date'?" in result.output
    assert "1 problem found." in result.output


def test_a_block_macro_used_without_its_block_names_the_line_that_used_it(
        project: Path, run: Callable[..., Result]) -> None:
    """{{ foot() }} where the pocket card's foot() wants {% call foot() %}...{% endcall %}:
    one message at the card's own line, not inside the layout."""
    (project / "templates/docs/mini/pocket.html").write_text(
        '{% extends "layouts/pocket-card.html" %}\n{% block title %}Card{% endblock %}\n'
        "{% block front %}<p>Front</p>\n{{ foot() }}{% endblock %}\n")
    (project / "kits/pocket.yaml").write_text(
        "extends: mini\ntitle: Pocket\ndocuments:\n  - id: pocket\n"
        "    template: docs/mini/pocket.html\n")
    result = run("build", "pocket")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "templates/docs/mini/pocket.html:4: error: a macro that holds a block of your " \
        "markup was used without one" in result.output
    assert "{% call name() %}...{% endcall %}" in result.output
    assert not (project / "build/pocket").exists()


def test_a_misspelt_event_value_is_caught(project: Path, run: Callable[..., Result]) -> None:
    """--set/--vars values no template reads would leave the kit's default in print."""
    event = project / "events.yaml"
    event.write_text("event_nmae: Main Street\nevent_date: 2027-01-10\n")
    built = run("build", "mini", "--vars", str(event))
    assert built.exit_code == 0
    assert "events.yaml:1: 'event_nmae' is not used by mini (Did you mean 'event_name'?)" \
        in built.output
    checked = run("check", "mini", "--set", "event_nmae=Main Street")
    assert "--set: warning: 'event_nmae' is not used by mini" in checked.output
    strict = run("--strict", "build", "mini", "--set", "event_nmae=X", "--name", "strict")
    assert strict.exit_code == 1 and "Did you mean 'event_name'?" in strict.output
    assert not (project / "build/mini-strict").exists()
    assert "not used" not in run("build", "mini", "--set", "event_name=X").output


def test_check_warns_of_a_kit_variable_no_template_reads(project: Path,
                                                         run: Callable[..., Result]) -> None:
    text = (project / "kits/mini.yaml").read_text()
    (project / "kits/mini.yaml").write_text(text.replace("  event_name:", "  event_nmae:"))
    result = run("check", "mini")
    assert ("kits/mini.yaml:7: warning: variable 'event_nmae' is not used by any of the "
            "kit's templates") in result.output
    assert "Did you mean 'event_name'?" in result.output
    (project / "kits/child.yaml").write_text("extends: mini\ntitle: Child kit\ndocuments: []\n")
    child = run("check", "child")  # inherited: reported where it is set
    assert ("kits/mini.yaml:7: warning: variable 'event_nmae' is not used by any of the "
            "kit's templates") in child.output


def test_impose_says_whether_it_shrank_the_pages(tmp_path: Path) -> None:
    """A PDF made elsewhere: half-letter pages go two to a Letter sheet at 100%; Letter
    pages are shrunk to fit, and the command says so."""
    from pypdf import PdfWriter

    for name, size in (("half", (396, 612)), ("letter", (612, 792))):
        writer = PdfWriter()
        for _ in range(2):
            writer.add_blank_page(*size)
        with open(tmp_path / f"{name}.pdf", "wb") as out:
            writer.write(out)
    runner = CliRunner()
    half = runner.invoke(cli, ["impose", str(tmp_path / "half.pdf"), str(tmp_path / "h2.pdf"),
                               "--layout", "2up"])
    assert half.exit_code == 0 and "pages at 100%" in half.output, half.output
    letter = runner.invoke(cli, ["impose", str(tmp_path / "letter.pdf"),
                                 str(tmp_path / "l2.pdf"), "--layout", "2up"])
    assert letter.exit_code == 0 and "shrunk to 59%" in letter.output, letter.output
    # a print file titled from the PDF's file name (it has no title of its own)
    assert assert_print_metadata(tmp_path / "h2.pdf") == "half, 2-up cut sheet"


def test_a_note_for_the_agency_is_reported_and_never_printed(
        project: Path, run: Callable[..., Result]) -> None:
    alpha = project / "templates/docs/mini/alpha.html"
    alpha.write_text(alpha.read_text().replace(
        "<h2>Alpha section two</h2>",
        "{% note %}Have counsel\n  review this page.{% endnote %}\n<h2>Alpha section two</h2>"))
    checked = run("check", "mini")
    assert checked.exit_code == 0, checked.output
    assert ("templates/docs/mini/alpha.html:9: note: for the agency: Have counsel "
            "review this page.") in checked.output
    registry = project / "data/resources.yaml"  # its warnings about sources fail --strict
    registry.write_text(registry.read_text().replace("against: secondary", "against: primary"))
    strict = run("--strict", "check", "mini")
    assert strict.exit_code == 0, strict.output   # a note is not a problem
    built = run("build", "mini")
    assert built.exit_code == 0, built.output
    assert "alpha.html:9: note for the agency: Have counsel review this page." in built.output
    assert "counsel" not in pdftotext(project / "build/mini/handouts/alpha.pdf")
    again = run("build", "mini")
    assert "alpha.html:9: note for the agency: Have counsel review this page." in again.output
    alpha.write_text(alpha.read_text().replace("Have counsel", "Have {{ agency.name }}"))
    broken = run("check", "mini")
    assert broken.exit_code == 1 and "plain words only" in broken.output


def test_a_number_typed_into_a_template_is_a_warning_naming_the_line(
        project: Path, run: Callable[..., Result]) -> None:
    """Every number printed comes from the registry (with its source and check date)."""
    alpha = project / "templates/docs/mini/alpha.html"
    alpha.write_text(alpha.read_text().replace(
        "<h2>Alpha section two</h2>",
        "<p>Call 555-123-4567, or text 741741.</p>\n<h2>Alpha section two</h2>\n"
        "<style>.x-911 { color: red; }</style>{# call 911 #}"))
    result = run("check", "mini")
    assert result.exit_code == 0, result.output
    for typed in ("'555-123-4567'", "'text 741741'"):
        assert (f"templates/docs/mini/alpha.html:9: warning: {typed} is typed into the "
                "template") in result.output, result.output
    assert "911" not in result.output   # style sheets and comments are not prose
