"""The no-change fast path: when nothing a build reads has changed since the last
successful build with the same options, and every output is still exactly what that build
wrote, there is nothing to do. Decided by hashing the project's input files, without
importing the engine (Jinja2, pypdf, WeasyPrint)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from printkit import __version__
from printkit.engine.atomic import write_text
from printkit.engine.trust import code_digest, seal, verify
from printkit.options import BuildOptions, KitResult
from printkit.source.project import CONFIG_NAME, Project

INPUT_DIRS = ("kits", "templates", "assets", "data")
ENGINES = ("weasyprint", "pypdf", "jinja2", "fontpkg-atkinson-hyperlegible", "pyyaml")
KEEP = 16


def _state_file(project: Project) -> Path:
    return project.build_dir / ".cache" / "builds.json"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def inputs_key(project: Project, names: Sequence[str], options: BuildOptions) -> str:
    """Hash of every file a build can read, the options and the engine versions."""
    h = hashlib.sha256()
    files: list[Path] = []
    for folder in INPUT_DIRS:
        base = project.root / folder
        if base.is_dir():
            files.extend(p for p in base.rglob("*") if p.is_file())
    config = project.root / CONFIG_NAME
    if config.is_file():
        files.append(config)
    if options.roster is not None:
        files.append(options.roster)
    for path in sorted(files):
        h.update(f"{path}\0{_sha(path)}\n".encode())
    versions = []
    for name in ENGINES:
        try:
            versions.append(version(name))
        except PackageNotFoundError:
            versions.append("")
    described = json.dumps([list(names), dataclasses.asdict(options), __version__,
                            code_digest(), versions],
                           sort_keys=True, default=str)
    h.update(described.encode())
    return h.hexdigest()


def _load(project: Project) -> dict[str, Any]:
    try:
        state = json.loads(_state_file(project).read_text("utf-8"))
        return state if isinstance(state, dict) else {}
    except (OSError, ValueError):
        return {}


def _folder_hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): _sha(p) for p in sorted(folder.rglob("*"))
            if p.is_file()}


def lookup(project: Project, names: Sequence[str], options: BuildOptions) -> list[KitResult] | None:
    """The previous results, if that build's inputs and outputs are all unchanged."""
    if not options.use_cache:
        return None
    try:
        key = inputs_key(project, names, options)
    except OSError:
        return None
    record = _load(project).get(key)
    if not isinstance(record, dict):
        return None
    body = json.dumps(record.get("kits"), sort_keys=True).encode()
    if not verify(key.encode() + body, str(record.get("seal", ""))):
        return None
    results = []
    try:
        for kit in record["kits"]:
            folder = Path(kit["folder"])
            for name, digest in kit["files"].items():
                if _sha(folder / name) != digest:
                    return None
            results.append(KitResult(kit["id"], folder, int(kit["pages"]), 0,
                                     int(kit["renders"]), 0.0, [], [], True,
                                     int(kit.get("packets", 0))))
    except (OSError, KeyError, TypeError, ValueError):
        return None
    return results


def record(project: Project, names: Sequence[str], options: BuildOptions,
           results: Sequence[KitResult]) -> None:
    """Remember a successful build (only one without warnings: those must be seen)."""
    if not options.use_cache or any(r.warnings for r in results):
        return
    try:
        key = inputs_key(project, names, options)
        kits = [{"id": r.kit_id, "folder": str(r.folder), "pages": r.pages,
                 "renders": r.rendered + r.cached, "packets": r.packets,
                 "files": _folder_hashes(r.folder)}
                for r in results]
        body = json.dumps(kits, sort_keys=True).encode()
        state = _load(project)
        state.pop(key, None)
        state[key] = {"kits": kits, "seal": seal(key.encode() + body)}
        while len(state) > KEEP:
            state.pop(next(iter(state)))
        write_text(_state_file(project), json.dumps(state))
    except OSError:
        pass
