"""Untrusted input: every hostile kit, template, roster or variables file ends in one clear
message (file, line where it has one), exit status 1, promptly, with nothing written."""

from __future__ import annotations

import _thread
import shutil
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from printkit.cli import cli

HOSTILE = Path(__file__).resolve().parent / "hostile"


@pytest.fixture
def hostile(project: Path) -> Path:
    for kit in (HOSTILE / "kits").iterdir():
        shutil.copy(kit, project / "kits" / kit.name)
    shutil.copytree(HOSTILE / "templates", project / "templates" / "hostile")
    return project


def printkit(project: Path, args: Sequence[str], seconds: float) -> tuple[int, str]:
    """Run the command line (in this process, as the other CLI tests do): its exit status
    and everything it printed. Fails the test if it is still running after ``seconds``: a
    watchdog thread interrupts it."""
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        _thread.interrupt_main()

    watchdog = threading.Timer(seconds, expire)
    watchdog.start()
    try:
        result = CliRunner().invoke(cli, ["-C", str(project), *args], catch_exceptions=False)
    except KeyboardInterrupt:
        expired.set()
    finally:
        watchdog.cancel()
    if expired.is_set():
        pytest.fail(f"printkit {' '.join(args)} still running after {seconds} s")
    return result.exit_code, result.output


def fails_clearly(project: Path, args: Sequence[str], *expected: str,
                  seconds: float = 20) -> None:
    """``printkit args`` ends within ``seconds`` with exit status 1 and a message (no
    traceback) that says each of ``expected``."""
    status, output = printkit(project, args, seconds)
    assert status == 1, output
    assert "Traceback" not in output
    for text in expected:
        assert text in output, (text, output)


KIT_CASES = [
    ("python-tag", ["kits/python-tag.yaml:1:", "unsupported YAML tag"]),
    ("alias-bomb", ["kits/alias-bomb.yaml", "alias bomb"]),
    ("binary", ["kits/binary.yaml", "binary file"]),
    ("empty", ["kits/empty.yaml", "the file is empty"]),
    ("malformed", ["kits/malformed.yaml:4:", "YAML syntax error"]),
    ("latin1", ["kits/latin1.yaml:1:", "not UTF-8"]),
    ("wrong-types", ["kits/wrong-types.yaml:1:", "title should be text",
                     "kits/wrong-types.yaml:2:", "kits/wrong-types.yaml:3:"]),
    ("extends-traversal", ["kits/extends-traversal.yaml:2:", "extends"]),
    ("doc-traversal", ["kits/doc-traversal.yaml:4:", "is outside templates/",
                       "kits/doc-traversal.yaml:6:", "kits/doc-traversal.yaml:8:",
                       "is outside the project"]),
    ("extends-cycle", ["extend each other in a circle"]),
    ("duplicate-ids", ["document id 'alpha' is used twice"]),
    ("sandbox", ["templates/hostile/sandbox-escape.html:4:", "not allowed in a template"]),
    ("syntax", ["templates/hostile/syntax-error.html:6:", "template syntax error"]),
    ("include-outside", ["templates/hostile/include-outside.html", "not found"]),
    ("remote-css", ["https://127.0.0.1:9/evil.css", "network"]),
    ("memory-bomb", ["templates/hostile/memory-bomb.html:3:", "not allowed in a template"]),
    ("recursion", ["templates/hostile/recursion.html", "calls itself without end"]),
]


@pytest.mark.slow
@pytest.mark.parametrize("kit,expected", KIT_CASES, ids=[c[0] for c in KIT_CASES])
def test_hostile_kit_fails_clearly_and_writes_nothing(hostile: Path, kit: str,
                                                      expected: list[str]) -> None:
    fails_clearly(hostile, ["build", kit, "--jobs", "1"], *expected)
    assert not (hostile / "build" / kit).exists()
    assert not Path("/tmp/printkit-pwned").exists()


@pytest.mark.parametrize("kit,expected", KIT_CASES, ids=[c[0] for c in KIT_CASES])
def test_check_reports_the_same(hostile: Path, kit: str, expected: list[str]) -> None:
    fails_clearly(hostile, ["check", kit], *expected)


def test_huge_and_deep_files(hostile: Path) -> None:
    (hostile / "kits/huge.yaml").write_text("title: x\n# " + "x" * (3 * 1024 * 1024) + "\n")
    fails_clearly(hostile, ["check", "huge"], "kits/huge.yaml", "the limit is")
    deep = "title: deep\nnest: " + "[" * 5000 + "]" * 5000 + "\ndocuments: []\n"
    (hostile / "kits/deep.yaml").write_text(deep)
    fails_clearly(hostile, ["check", "deep"], "kits/deep.yaml", "nested")


def test_symlink_out_of_templates_is_refused(hostile: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.html"
    outside.write_text("{% extends 'layouts/handout.html' %}{% block title %}s{% endblock %}")
    (hostile / "templates/docs/mini/link.html").symlink_to(outside)
    (hostile / "kits/link.yaml").write_text(
        "title: Link\ndocuments:\n  - id: link\n    template: docs/mini/link.html\n")
    fails_clearly(hostile, ["build", "link"], "kits/link.yaml:4:", "outside templates/")


@pytest.mark.slow
def test_html_in_values_prints_as_text(hostile: Path, run: Callable[..., Result]) -> None:
    from .conftest import pdftotext

    result = run("build", "html-value", "--jobs", "1")
    assert result.exit_code == 0, result.output
    text = pdftotext(hostile / "build/html-value/handouts/value.pdf")
    assert "<script>alert(1)</script><b>Bold?</b>" in text


@pytest.mark.parametrize("name,expected", [
    ("ragged.csv", ["ragged.csv:3:", "ragged.csv:4:", "header has 2 columns"]),
    ("bad-header.csv", ["bad-header.csv:1:", "'recruit name' is not a valid variable name",
                        "'kit' is reserved", "column 3 has no name"]),
    ("binary.csv", ["binary.csv", "binary file"]),
])
def test_hostile_rosters(hostile: Path, name: str, expected: list[str]) -> None:
    fails_clearly(hostile, ["build", "mini", "--roster", str(HOSTILE / "rosters" / name)],
                  *expected)
    assert not (hostile / "build" / "mini").exists()


@pytest.mark.parametrize("name,expected", [
    ("python-tag.yaml", ["python-tag.yaml:1:", "unsupported YAML tag"]),
    ("list.yaml", ["list.yaml", "a variables file must be 'name: value' lines"]),
])
def test_hostile_vars_files(project: Path, name: str, expected: list[str]) -> None:
    fails_clearly(project, ["build", "mini", "--vars", str(HOSTILE / "vars" / name)], *expected)


def test_name_and_roster_values_cannot_leave_build(hostile: Path,
                                                   run: Callable[..., Result]) -> None:
    result = run("build", "mini", "--name", "../../etc", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert (hostile / "build" / "mini-etc" / "mini.pdf").is_file()
    assert not (hostile.parent / "etc").exists()


def test_unwritable_build_folder_is_a_clear_error(project: Path) -> None:
    (project / "build").write_text("not a folder")
    fails_clearly(project, ["build", "mini"], "cannot write to", "writable")


@pytest.mark.slow
def test_a_command_that_runs_too_long_fails_the_test(project: Path) -> None:
    """The time limit in fails_clearly is real: a render over the limit is stopped."""
    with pytest.raises(pytest.fail.Exception, match="still running after"):
        printkit(project, ["build", "mini", "--jobs", "1", "--no-cache"], 0.5)
