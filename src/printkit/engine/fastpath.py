"""The no-change fast path, kit by kit: a kit whose recorded build used the same options,
whose input files are all unchanged and whose outputs are still exactly what that build
wrote needs nothing done. Decided by hashing the files the kit was made from, without
importing the engine (Jinja2, pypdf, WeasyPrint); editing one kit's document leaves the
other kits untouched."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from printkit.engine.atomic import write_text
from printkit.engine.trust import seal, verify
from printkit.options import BuildOptions, KitResult, is_note
from printkit.plan.keys import kit_build_key
from printkit.preflight.findings import load_findings
from printkit.source.project import Project

KEEP = 64  # recorded kit builds (several option sets for each kit)


def _state_file(project: Project) -> Path:
    return project.build_dir / ".cache" / "builds.json"


def _sha(path: Path) -> str:
    """A file's sha256, or "" when it does not exist."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return ""


def _key(project: Project, name: str, options: BuildOptions) -> str:
    """The project (a copy is another project), the kit, and only the options that can
    change its outputs: not --jobs, --strict or --no-cache."""
    described = {"project": str(project.root), "settings": dataclasses.asdict(options.settings),
                 "out_dir": options.out_dir, "name": options.name, "press": options.press,
                 "roster": options.roster, "preflight": options.preflight,
                 "final": options.final}
    return kit_build_key(name, described)


def _load(project: Project) -> dict[str, Any]:
    try:
        state = json.loads(_state_file(project).read_text("utf-8"))
        return state if isinstance(state, dict) else {}
    except (OSError, ValueError):
        return {}


def _folder_hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): _sha(p) for p in sorted(folder.rglob("*"))
            if p.is_file()}


def lookup(project: Project, names: Sequence[str],
           options: BuildOptions) -> dict[str, KitResult]:
    """The recorded result of each named kit whose inputs and outputs are all unchanged."""
    if not options.use_cache:
        return {}
    state = _load(project)
    found = {}
    for name in names:
        result = _fresh(project, state.get(_key(project, name, options)))
        if result is not None:
            found[name] = result
    return found


def _fresh(project: Project, record: Any) -> KitResult | None:
    if not isinstance(record, dict):
        return None
    body = json.dumps(record.get("kit"), sort_keys=True).encode()
    if not verify(body, str(record.get("seal", ""))):
        return None
    try:
        kit = record["kit"]
        for name, digest in kit["inputs"].items():
            if _sha(project.root / name) != digest:
                return None
        folder = Path(kit["folder"])
        for name, digest in kit["files"].items():
            if _sha(folder / name) != digest or not digest:
                return None
        return KitResult(kit["id"], folder, int(kit["pages"]), 0, int(kit["renders"]), 0.0,
                         [], [str(n) for n in kit.get("notes", [])], True,
                         int(kit.get("packets", 0)), dict(kit["inputs"]),
                         frozenset(kit["reads"]),
                         findings=[f.line(project.rel(folder)) for f in load_findings(folder)],
                         samples=[str(s) for s in kit.get("samples", [])])
    except (OSError, KeyError, TypeError, ValueError):
        return None


def record(project: Project, names: Sequence[str], options: BuildOptions,
           results: Sequence[KitResult]) -> None:
    """Remember each kit built without warnings (those must be seen every time, so such a
    kit is built again); its notes for the agency are kept and shown again."""
    if not options.use_cache:
        return
    state = _load(project)
    try:
        for name, r in zip(names, results, strict=True):
            if not r.inputs or not all(is_note(w) for w in r.warnings):
                continue
            kit = {"id": r.kit_id, "folder": str(r.folder), "pages": r.pages,
                   "renders": r.rendered + r.cached, "packets": r.packets,
                   "inputs": r.inputs, "reads": sorted(r.reads), "samples": r.samples,
                   "notes": r.warnings,
                   "files": _folder_hashes(r.folder)}
            key = _key(project, name, options)
            state.pop(key, None)
            state[key] = {"kit": kit, "seal": seal(json.dumps(kit, sort_keys=True).encode())}
        while len(state) > KEEP:
            state.pop(next(iter(state)))
        write_text(_state_file(project), json.dumps(state))
    except OSError:
        pass
