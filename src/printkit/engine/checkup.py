"""``printkit preflight``: measure the outputs a kit's last build wrote, again, and rewrite
its reports (preflight.json, preflight.html)."""

from __future__ import annotations

from collections.abc import Sequence

from printkit.engine.output import Outputs
from printkit.engine.session import Session
from printkit.errors import InputError, Problem
from printkit.options import PreflightResult
from printkit.preflight.findings import KitCheck, KitPreflight, Rules
from printkit.preflight.kit import check_file, file_checks, kit_report


def preflight_kits(session: Session, names: Sequence[str]) -> list[PreflightResult]:
    kits = session.load_kits(names)
    problems: list[Problem] = []
    tasks = []
    for kit in kits:
        folder = session.folder_for(kit)
        out = kit.output_names()   # a kit build's reading copy, or a roster build's file
        reading = next((n for n in (out.reading, out.roster) if (folder / n).is_file()), "")
        if not reading:
            problems.append(Problem(
                session.project.rel(folder), None, "nothing to check: the kit is not built",
                f"Build it first: printkit build {kit.id}"))
            continue
        files = {str(p.relative_to(folder)): p.read_bytes()
                 for p in sorted(folder.rglob("*.pdf"))}
        tasks.append(KitCheck(kit.id, kit.title, Rules(body=kit.body_size), files, reading))
    if problems:
        raise InputError(problems)
    checked = measure_kits(session, tasks)
    results = []
    for kit, c in zip(kits, checked, strict=True):
        folder = session.folder_for(kit)
        outputs = Outputs(folder)
        for name, data in c.files.items():
            outputs.add(name, data)
        outputs.commit()
        results.append(PreflightResult(kit.id, folder, c.pages, c.checked,
                                       [f.line(session.project.rel(folder))
                                        for f in c.findings]))
    return results


def measure_kits(session: Session, tasks: Sequence[KitCheck]) -> list[KitPreflight]:
    """Every file of every kit measured in the pool, largest first (so both CPUs stay busy
    to the end), then each kit's report."""
    files = [file_checks(t) for t in tasks]
    flat = [f for group in files for f in group]
    done = iter(session.map(check_file, flat, [f"checking {f.name}" for f in flat],
                            weight=lambda f: len(f.data)))
    return [kit_report(t, [next(done) for _ in group])
            for t, group in zip(tasks, files, strict=True)]
