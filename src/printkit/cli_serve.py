"""`printkit serve`: the live preview in the browser. Click only: printkit.serve runs the
server (imported when the command runs, so `--help` stays fast)."""

from __future__ import annotations

import click

from printkit.cli_base import Context, common_options, pass_ctx


@click.command()
@click.argument("kits", nargs=-1)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but this computer (127.0.0.1) needs "
                   "the access token printed at start-up.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--no-open", is_flag=True, help="Do not open a browser.")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0,
              help="Render with N processes (default: one per CPU, at least 2).")
@common_options
@pass_ctx
def serve(ctx: Context, kits: tuple[str, ...], host: str, port: int, no_open: bool,
          jobs: int) -> None:
    """Preview KITS in the browser as you edit them, and build event versions and class
    packets from a page. Pages update when a kit, template, asset, data file or
    printkit.yaml changes. Ctrl-C stops."""
    from printkit.serve import serve as run

    project = ctx.project()
    run(project.root, list(kits), host=host, port=port, open_browser=not no_open, jobs=jobs,
        say=click.echo, warn=lambda message: click.echo(f"warning: {message}", err=True))
