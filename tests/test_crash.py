"""Crash safety: a build killed at any moment leaves every output either the old complete
file or a new complete file; the next build succeeds and matches a clean build; two builds
at once both finish with valid outputs."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from .conftest import make_project

pytestmark = pytest.mark.slow


def start(project: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "printkit", "-C", str(project), "-q",
                             "build", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)


def all_pdfs_complete(folder: Path) -> None:
    for pdf in folder.rglob("*.pdf"):
        check = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
        assert check.returncode == 0, (pdf, check.stdout[-300:])
        assert len(PdfReader(pdf).pages) > 0


def digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith(".")}


def test_kill_minus_nine_at_any_moment(tmp_path: Path) -> None:
    clean = make_project(tmp_path / "clean")
    assert subprocess.run([sys.executable, "-m", "printkit", "-C", str(clean), "-q", "build",
                           "--no-cache"], capture_output=True).returncode == 0
    expected = digests(clean / "build" / "mini")

    project = make_project(tmp_path / "killed")
    # the first build is killed mid-way; later ones run over a half-built tree and a cache
    # that may hold half-written entries
    for delay in (0.4, 0.9, 1.5, 2.2, 3.0, 4.0):
        proc = start(project, "--no-cache" if delay < 1 else "--jobs=2")
        time.sleep(delay)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        if (project / "build" / "mini").exists():
            all_pdfs_complete(project / "build" / "mini")
    final = start(project)
    _out, err = final.communicate(timeout=300)
    assert final.returncode == 0, err.decode()
    assert digests(project / "build" / "mini") == expected


def test_two_builds_at_once(tmp_path: Path) -> None:
    project = make_project(tmp_path / "proj")
    first, second = start(project, "--no-cache"), start(project, "--no-cache")
    for proc in (first, second):
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
    all_pdfs_complete(project / "build" / "mini")
