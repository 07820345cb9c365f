"""What every command shares: the context (-C, -v, -q, --strict), the common options, the
settings from --vars and --set, and the progress reporter. Click only, like cli.py."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click


class Context:
    """What the group's options set for every command: -C DIR, -v, -q, --strict."""

    def __init__(self) -> None:
        self.directory: Path | None = None
        self.verbose = 0
        self.quiet = False
        self.strict = False

    def project(self) -> Any:
        from printkit.source.project import load_project

        return load_project(self.directory or Path.cwd())


pass_ctx = click.make_pass_decorator(Context, ensure=True)


def absolute(path: Path | None) -> Path | None:
    """A path the user typed, made absolute against the folder printkit was started in."""
    return path if path is None or path.is_absolute() else Path.cwd() / path


def build_settings(project: Any, sets: tuple[str, ...], vars_files: tuple[Path, ...],
                   **extra: Any) -> Any:
    """Settings from --vars files (in order) and --set values, plus any build options."""
    from printkit.options import Settings
    from printkit.source.variables import load_vars_file, parse_set_options

    layers = []
    for file in vars_files:
        path = absolute(file)
        assert path is not None
        layers.append(load_vars_file(path, project.rel(path)))
    return Settings(vars_layers=tuple(layers),
                    set_layer=parse_set_options(sets) if sets else None, **extra)


def common_options(f: Any) -> Any:
    """-v / -q / --strict are accepted before or after the command name."""

    def set_verbose(ctx: click.Context, _: Any, value: int) -> None:
        if value:
            ctx.ensure_object(Context).verbose += value

    def set_quiet(ctx: click.Context, _: Any, value: bool) -> None:
        if value:
            ctx.ensure_object(Context).quiet = True

    def set_strict(ctx: click.Context, _: Any, value: bool) -> None:
        if value:
            ctx.ensure_object(Context).strict = True

    f = click.option("-v", "--verbose", count=True, expose_value=False, callback=set_verbose,
                     help="Say more (repeat for even more).")(f)
    f = click.option("-q", "--quiet", is_flag=True, expose_value=False, callback=set_quiet,
                     help="Print errors only.")(f)
    f = click.option("--strict", is_flag=True, expose_value=False, callback=set_strict,
                     help="Treat warnings as errors.")(f)
    return f


class CliReporter:
    """A build's progress bar (in a terminal), details (-v) and warnings, on stderr."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.tty = sys.stderr.isatty() and not ctx.quiet
        self.shown = False

    def progress(self, done: int, total: int, label: str) -> None:
        if self.tty:
            width = 24
            filled = int(width * done / max(total, 1))
            bar = "#" * filled + "-" * (width - filled)
            name = label[-40:]
            click.echo(f"\r  rendering [{bar}] {done}/{total} {name:<40}", nl=False, err=True)
            self.shown = True
            if done == total:
                click.echo("\r" + " " * 100 + "\r", nl=False, err=True)

    def detail(self, message: str) -> None:
        if self.ctx.verbose:
            click.echo(f"  {message}", err=True)

    def warning(self, message: str) -> None:
        if not self.ctx.quiet:
            click.echo(f"warning: {message}", err=True)
