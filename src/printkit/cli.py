"""The command line. Click only: parsing, calling the library, printing. What every command
shares is in cli_base.py (imported here under the names the commands have always used);
`printkit init` is in cli_init.py.

Each command imports what it needs inside its own function, on purpose: `--help`, `list`
and a build with nothing to do must start in a fraction of a second."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import click

from printkit import __version__
from printkit.cli_base import CliReporter as _CliReporter
from printkit.cli_base import Context, pass_ctx
from printkit.cli_base import absolute as _absolute
from printkit.cli_base import build_settings as _settings
from printkit.cli_base import common_options as _common
from printkit.cli_init import init
from printkit.cli_serve import serve
from printkit.errors import InputError, Problem, UsageError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="printkit")
@click.option("-C", "directory", type=click.Path(file_okay=False, path_type=Path),
              help="Run as if started in DIR (the project is found from there).")
@_common
@click.pass_context
def cli(ctx: click.Context, directory: Path | None) -> None:
    """Build print-ready officer-wellness kits from YAML, HTML and Markdown.

    \b
    Quick start:
      printkit list                 the kits in this project
      printkit check                find mistakes without rendering
      printkit build family-wellness
    """
    obj = ctx.ensure_object(Context)
    if directory is not None:
        if not directory.is_dir():
            raise UsageError(f"-C {directory}: no such folder")
        obj.directory = directory


@cli.command()
@click.argument("kits", nargs=-1)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write into DIR instead of build/.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="Set a variable (repeatable). Dates as YYYY-MM-DD.")
@click.option("--vars", "vars_files", multiple=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="A YAML file of variables, e.g. events/main-st.yaml (repeatable).")
@click.option("--name", help="Name of this event build: outputs go to build/KIT-NAME/.")
@click.option("--roster", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV with a header row of variable names: one packet per row.")
@click.option("--paper", type=click.Choice(["letter", "legal", "tabloid", "half-letter", "a4",
                                            "a5"], case_sensitive=False),
              help="Reflow the kit for this paper size.")
@click.option("--grayscale", is_flag=True, help="Produce a version for black-and-white copiers.")
@click.option("--pdfa", is_flag=True,
              help="Make the reading copy and handouts PDF/A-2b, for archiving.")
@click.option("--press", is_flag=True,
              help="Also write KIT-press.pdf for a print shop: bleed, crop marks, trim boxes.")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0,
              help="Render with N processes (default: one per CPU).")
@click.option("--no-cache", is_flag=True, help="Render everything again.")
@click.option("--no-preflight", is_flag=True,
              help="Do not measure the outputs (faster); 'printkit preflight' measures them.")
@click.option("--final", is_flag=True,
              help="Refuse to build with a sample value (one marked !sample); nothing is "
                   "written.")
@_common
@pass_ctx
def build(ctx: Context, kits: tuple[str, ...], out_dir: Path | None, sets: tuple[str, ...],
          vars_files: tuple[Path, ...], name: str | None, roster: Path | None,
          paper: str | None, grayscale: bool, pdfa: bool, press: bool, jobs: int,
          no_cache: bool, no_preflight: bool, final: bool) -> None:
    """Build KITS (ids from 'printkit list', or YAML paths); no KIT builds every kit."""
    from printkit.api import build as run_build
    from printkit.options import BuildOptions

    project = ctx.project()
    settings = _settings(project, sets, vars_files, paper=paper.lower() if paper else None,
                         grayscale=grayscale, pdfa=pdfa)
    options = BuildOptions(settings=settings, out_dir=out_dir, name=_event(name, vars_files),
                           jobs=jobs,
                           use_cache=not no_cache, strict=ctx.strict, press=press,
                           roster=_absolute(roster), preflight=not no_preflight, final=final)
    results = run_build(project, list(kits), options, _CliReporter(ctx))  # type: ignore[arg-type]
    if not ctx.quiet:
        _say_built(project, results, roster is not None, not no_preflight)


def _event(name: str | None, vars_files: tuple[Path, ...] = ()) -> str | None:
    """An event build's folder suffix: --name made safe, else the last --vars file's name."""
    from printkit.source.slug import safe_name

    if name is None:
        return safe_name(vars_files[-1].stem) if vars_files else None
    event = safe_name(name)
    if not event:
        raise UsageError(f"--name {name!r}: use letters or digits")
    return event


def _say_built(project: Any, results: list[Any], roster: bool, preflight: bool) -> None:
    """A line per kit (what was rendered, where the reading copy is), its warnings, the
    time, and preflight's: every page passes, or how many findings and where to see them."""
    from printkit.source.kit import OutputNames

    for r in results:
        names = OutputNames(r.kit_id)
        out = project.rel(r.folder / (names.roster if roster else names.reading))
        size = (f"{r.packets} packet{'s' if r.packets != 1 else ''}, {r.pages} pages"
                if r.packets else f"{r.pages} pages")
        if r.up_to_date:
            click.echo(f"{r.kit_id}: {size}, up to date -> {out}")
        else:
            click.echo(f"{r.kit_id}: {size}, {r.rendered} rendered, "
                       f"{r.cached} reused -> {out}")
        for w in r.warnings:
            click.echo(f"  warning: {w}", err=True)
        if r.samples:
            click.echo(f"  SAMPLE on every page: sample values in {'; '.join(r.samples)}")
    if any(r.samples for r in results):
        click.echo("Sample values are placeholders: set your agency up with 'printkit init' "
                   "and give event values with --set; 'printkit build --final' refuses them.")
    if len(results) > 1 or not results[0].up_to_date:
        seconds = max(r.seconds for r in results)
        click.echo(f"{len(results)} kit{'s' if len(results) != 1 else ''} in {seconds:.1f} s")
    bad = [r for r in results if r.findings]
    total = sum(len(r.findings) for r in bad)
    if roster:
        return
    if not preflight:
        click.echo("preflight: not run (--no-preflight); 'printkit preflight' measures the "
                   "outputs")
    elif not bad:
        click.echo(f"preflight: every page passes ({len(results)} "
                   f"kit{'s' if len(results) != 1 else ''})")
    else:
        where = (project.rel(bad[0].folder / "preflight.html") if len(bad) == 1
                 else "build/KIT/preflight.html")
        click.echo(f"preflight: {total} finding{'s' if total != 1 else ''} in "
                   f"{', '.join(r.kit_id for r in bad)}; see {where}, or run "
                   f"'printkit preflight' to list them", err=True)


@cli.command()
@click.argument("kits", nargs=-1)
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Check with this value.")
@click.option("--vars", "vars_files", multiple=True,
              type=click.Path(dir_okay=False, path_type=Path), help="Check with these variables.")
@click.option("--roster", type=click.Path(dir_okay=False, path_type=Path),
              help="Also check a roster CSV: every row through every template.")
@_common
@pass_ctx
def check(ctx: Context, kits: tuple[str, ...], sets: tuple[str, ...],
          vars_files: tuple[Path, ...], roster: Path | None) -> None:
    """Find every mistake in KITS (or all kits) without rendering: kit keys, templates,
    variables, assets, alt text and the resource registry."""
    from printkit.check import check as run_check

    project = ctx.project()
    problems = run_check(project, list(kits), _settings(project, sets, vars_files),
                         roster=_absolute(roster))
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    if errors or (ctx.strict and warnings):
        raise InputError(problems)
    for p in problems:  # warnings, and notes for the agency (which --strict lets pass)
        click.echo(str(p), err=True)
    if not ctx.quiet:
        n = len(list(kits) or project.kit_ids())
        click.echo(f"{n} kit{'s' if n != 1 else ''} checked: no errors"
                   + (f", {len(warnings)} warning{'s' if len(warnings) != 1 else ''}"
                      if warnings else "") + ".")


@cli.command()
@click.argument("kits", nargs=-1)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="The kits were built into DIR instead of build/.")
@click.option("--name", help="Check the event build of this name (build/KIT-NAME/).")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0,
              help="Measure with N processes (default: one per CPU).")
@_common
@pass_ctx
def preflight(ctx: Context, kits: tuple[str, ...], out_dir: Path | None, name: str | None,
              jobs: int) -> None:
    """Measure the built PDFs of KITS (or all kits) as a print shop's preflight would:
    type size, contrast, safe area, bleed, marks, empty pages, stranded headings, fonts
    and images. Writes build/KIT/preflight.json and preflight.html; --strict fails on any
    finding."""
    from printkit.api import preflight as run_preflight
    from printkit.options import BuildOptions

    project = ctx.project()
    options = BuildOptions(out_dir=out_dir, name=_event(name), jobs=jobs)
    results = run_preflight(project, list(kits), options,
                            _CliReporter(ctx))  # type: ignore[arg-type]
    findings = [line for r in results for line in r.findings]
    click.echo("\n".join(findings), nl=bool(findings))
    checked = f"{sum(r.pages for r in results)} pages of {sum(r.files for r in results)} files"
    if findings:
        message = (f"{len(findings)} finding{'s' if len(findings) != 1 else ''} in {checked}; "
                   "each report: build/KIT/preflight.html")
        if ctx.strict:
            raise InputError([Problem("preflight", None, message,
                                      "Fix what each line names, rebuild, and check again.")])
        click.echo(message, err=True)
    elif not ctx.quiet:
        click.echo(f"preflight: every page passes ({checked})")


@cli.command(name="list")
@_common
@pass_ctx
def list_kits(ctx: Context) -> None:
    """List the kits: id, title, audience and documents."""
    from printkit.source.kit import load_kit

    project = ctx.project()
    for kit_id in project.kit_ids():
        try:
            kit = load_kit(project, kit_id)
        except InputError:
            click.echo(f"{kit_id}  (has errors: run 'printkit check {kit_id}')")
            continue
        click.echo(f"{kit.id}  {kit.title}")
        if kit.audience:
            click.echo(f"    for: {kit.audience}")
        click.echo(f"    documents: {', '.join(d.id for d in kit.documents)}")
    if not project.kit_ids():
        click.echo("No kits yet: add a YAML file to kits/.")


@cli.command()
@_common
def schema() -> None:
    """Print the kit JSON Schema (for editor autocompletion)."""
    from printkit.source.schema import kit_schema

    click.echo(json.dumps(kit_schema(), indent=2))


@cli.command()
@click.argument("kit")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE")
@click.option("--vars", "vars_files", multiple=True,
              type=click.Path(dir_okay=False, path_type=Path))
@_common
@pass_ctx
def show(ctx: Context, kit: str, sets: tuple[str, ...], vars_files: tuple[Path, ...]) -> None:
    """Show KIT as resolved: settings, documents, and every variable with its source."""
    from printkit.plan.planner import layers_for
    from printkit.source.kit import load_kit
    from printkit.source.variables import resolve

    project = ctx.project()
    k = load_kit(project, kit)
    resolved = resolve(layers_for(project, k, _settings(project, sets, vars_files)))
    click.echo(f"kit: {k.id}  ({k.display})")
    click.echo(f"title: {k.title}")
    for label, value in (("subtitle", k.subtitle), ("audience", k.audience),
                         ("language", k.language), ("paper", k.paper),
                         ("duplex", str(k.duplex).lower())):
        if value:
            click.echo(f"{label}: {value}")
    click.echo("documents:")
    for d in k.documents:
        click.echo(f"  - {d.id}: {d.source}" + (f"  ({d.title})" if d.title else ""))
    click.echo("outputs: " + ", ".join(["reading", "handouts", *(o.kind for o in k.outputs)]))
    click.echo("variables:")
    for key in sorted(resolved.sources):
        found: Any = resolved.values
        for part in key.split("."):
            found = found[part]
        shown = found.isoformat() if hasattr(found, "isoformat") else json.dumps(found)
        click.echo(f"  {key} = {shown}    <- {resolved.sources[key]}")


@cli.command()
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--layout", type=click.Choice(["saddle", "2up", "4up", "cards"]), required=True,
              help="saddle: booklet spreads; 2up/4up: pages on a sheet; cards: 10-up cards.")
@click.option("--sheet", type=click.Choice(["double", "same"]), default="double",
              help="saddle: sheet twice the page size, or the same size (pages scaled).")
@click.option("--marks/--no-marks", default=False, help="saddle: fold and crop marks.")
@click.option("--creep", type=click.FloatRange(0, 5), default=0.0, help="saddle: creep in mm.")
@click.option("--repeat", is_flag=True, help="2up/4up: repeat each page to fill the sheet.")
@_common
@pass_ctx
def impose(ctx: Context, source: Path, target: Path, layout: str, sheet: str, marks: bool,
           creep: float, repeat: bool) -> None:
    """Impose any PDF: SOURCE -> TARGET as a booklet, 2-up, 4-up or card sheet."""
    from printkit.api import impose as run_impose

    scale = run_impose(source, target, layout, sheet, marks, creep, repeat, ctx.directory)
    click.echo(f"{target}: {layout}, " + (
        f"pages shrunk to {scale:.0%} to fit the sheet (type prints smaller than designed; "
        "lay the document out at the finished size to print it at 100%)"
        if scale < 0.999 else "pages at 100%"))


@cli.command()
@click.option("--cache-only", is_flag=True, help="Remove only the render cache.")
@_common
@pass_ctx
def clean(ctx: Context, cache_only: bool) -> None:
    """Remove build outputs (build/) or, with --cache-only, the render cache."""
    project = ctx.project()
    target = project.build_dir / ".cache" if cache_only else project.build_dir
    if target.exists():
        shutil.rmtree(target)
    if not ctx.quiet:
        click.echo(f"removed {project.rel(target)}")


cli.add_command(init)
cli.add_command(serve)


def main() -> None:
    cli(prog_name="printkit")
