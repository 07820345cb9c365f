"""Shared fixtures: a small sample project built from the real layouts and registry."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
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


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample project, built once for the read-only end-to-end checks."""
    root = make_project(tmp_path_factory.mktemp("built") / "proj")
    result = CliRunner().invoke(cli, ["-C", str(root), "build", "--jobs", "2"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return root


def pdftotext(path: Path, first: int | None = None, last: int | None = None) -> str:
    args = ["pdftotext", "-layout"]
    if first:
        args += ["-f", str(first)]
    if last:
        args += ["-l", str(last)]
    return subprocess.run([*args, str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
