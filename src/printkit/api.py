"""Build kits: the library's entry point. Light to import: the engine (builder.py) is
loaded only when there is something to do."""

from __future__ import annotations

from collections.abc import Sequence

from printkit.errors import InputError, Problem, UsageError
from printkit.options import BuildOptions, KitResult, Reporter
from printkit.source.project import Project


def build(project: Project, names: Sequence[str], options: BuildOptions | None = None,
          reporter: Reporter | None = None) -> list[KitResult]:
    """Build the named kits (every kit when ``names`` is empty)."""
    from printkit.engine import fastpath

    options = options or BuildOptions()
    names = list(names) or project.kit_ids()
    if not names:
        raise InputError([Problem("kits/", None, "there are no kits to build",
                                  "Add a kit YAML file to kits/.")])
    if options.roster is not None and len(names) != 1:
        raise UsageError("--roster builds one kit: name it, e.g. "
                         "printkit build recruit-academy --roster class.csv")
    previous = fastpath.lookup(project, names, options)
    if previous is not None:
        if reporter is not None:
            reporter.detail("nothing changed since the last build: outputs are up to date")
        return previous
    from printkit.engine.kitbuild import Builder
    from printkit.engine.lock import build_lock

    say = reporter.warning if reporter is not None else (lambda message: None)
    with build_lock(project.build_dir, say), Builder(project, options, reporter) as builder:
        if options.roster is not None:
            results = [builder.build_roster(names[0], options.roster)]
        else:
            results = builder.build(names)
        fastpath.record(project, names, options, results)
    return results


__all__ = ["BuildOptions", "KitResult", "Reporter", "build"]
