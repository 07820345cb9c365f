"""``printkit preflight``: measure the outputs a kit's last build wrote, again, and rewrite
its reports (preflight.json, preflight.html)."""

from __future__ import annotations

from collections.abc import Sequence

from printkit.engine.output import Outputs
from printkit.engine.session import Session
from printkit.errors import InputError, Problem
from printkit.options import PreflightResult
from printkit.preflight.findings import KitCheck, Rules
from printkit.preflight.kit import check_kit


def preflight_kits(session: Session, names: Sequence[str]) -> list[PreflightResult]:
    kits = session.load_kits(names)
    problems: list[Problem] = []
    tasks = []
    for kit in kits:
        folder = session.folder_for(kit)
        reading = kit.output_names().reading
        if not (folder / reading).is_file():
            problems.append(Problem(
                session.project.rel(folder), None, "nothing to check: the kit is not built",
                f"Build it first: printkit build {kit.id}"))
            continue
        files = {str(p.relative_to(folder)): p.read_bytes()
                 for p in sorted(folder.rglob("*.pdf"))}
        tasks.append(KitCheck(kit.id, kit.title, Rules(body=kit.body_size), files, reading))
    if problems:
        raise InputError(problems)
    checked = session.map(check_kit, tasks, [f"checking {t.kit_id}" for t in tasks],
                          weight=lambda t: sum(len(d) for d in t.files.values()))
    results = []
    for kit, c in zip(kits, checked, strict=True):
        folder = session.folder_for(kit)
        outputs = Outputs(folder)
        for name, data in c.files.items():
            outputs.add(name, data)
        outputs.commit()
        rel = session.project.rel(folder)
        results.append(PreflightResult(kit.id, folder, c.pages, c.checked,
                                       [f"{rel}/{f.line()}" for f in c.findings]))
    return results
