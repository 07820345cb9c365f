"""`printkit init`: set an agency up by writing a commented printkit.yaml, from options or,
in a terminal, from answers to questions. Click only: printkit.agency_setup checks the
answers and writes the file."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from printkit.cli_base import Context, common_options, pass_ctx
from printkit.errors import UsageError

if TYPE_CHECKING:
    from printkit.agency_setup import Answers

OPTIONS = ("--short-name, --unit, --wellness-phone, --eap-phone, --peer-support-phone, "
           "--chaplain-phone, --website, --logo, --primary, --accent, --warm")


def stdin_is_terminal() -> bool:
    """Can init ask? (Not when its input is a file, a pipe or a script.)"""
    return sys.stdin.isatty()


@click.command()
@click.option("--agency", metavar="NAME",
              help='The agency\'s full name, e.g. "Springfield Police Department".')
@click.option("--short-name", metavar="NAME",
              help='Its short name, e.g. "Springfield PD" (default: the full name).')
@click.option("--unit", metavar="NAME",
              help='The unit that hands the kits out (default: "Officer Wellness Unit").')
@click.option("--wellness-phone", metavar="PHONE",
              help="The wellness unit's number, e.g. 555-010-4100 or 555-010-4100 ext. 12.")
@click.option("--eap-phone", metavar="PHONE",
              help="The Employee Assistance Program's number.")
@click.option("--peer-support-phone", metavar="PHONE", help="The peer support team's number.")
@click.option("--chaplain-phone", metavar="PHONE",
              help="The chaplain's number. A contact not given prints nowhere.")
@click.option("--website", metavar="URL", help="The unit's web page, https://...")
@click.option("--logo", metavar="FILE",
              help="The agency's logo, SVG or PNG under 2 MB (one outside the project is "
                   "copied into assets/img/).")
@click.option("--primary", metavar="#RRGGBB", help="Headings and covers (default #1b2a41).")
@click.option("--accent", metavar="#RRGGBB", help="Callouts and icons (default #2b7466).")
@click.option("--warm", metavar="#RRGGBB",
              help="Warnings and crisis lines (default #b3452e). Each colour needs 4.5:1 "
                   "contrast with white.")
@click.option("--force", is_flag=True,
              help="Replace an existing printkit.yaml (the old one is kept as "
                   "printkit.yaml.bak).")
@common_options
@pass_ctx
def init(ctx: Context, /, force: bool, **given: str | None) -> None:
    """Set your agency up: write printkit.yaml with its name, local contacts, logo and
    colours. In a terminal, asks for whatever the options do not give."""
    from printkit.agency_setup import (
        Answers,
        check_replaceable,
        kept_settings,
        project_root,
        settle,
        summary,
        write,
    )

    answers = Answers(**given)
    if answers.agency is None and not stdin_is_terminal():
        raise UsageError(
            "printkit init cannot ask for the agency's details here (not a terminal): "
            "give them as options, at least --agency \"Your Police Department\"\n"
            f"    and any of {OPTIONS} (see printkit init --help)")
    root = project_root(ctx.directory or Path.cwd())
    check_replaceable(root, force)
    if answers.agency is None:
        settle(answers, root, require_agency=False)  # a bad option is reported before asking
        answers = _ask(answers, root)
    setup = settle(answers, root, kept_settings(root))
    assert setup is not None  # settle requires the agency's name
    written = write(root, setup, force)
    lines = summary(setup, written)
    if ctx.quiet:  # replacing a file is never silent
        lines = lines[1:2] if written.backup is not None else []
    for line in lines:
        click.echo(line.strip() if ctx.quiet else line)


def _ask(answers: Answers, root: Path) -> Answers:
    """Ask, one by one, for each answer an option did not give; a bad one is asked again."""
    from printkit.agency_setup import DEFAULT_COLORS, DEFAULT_UNIT, colour, logo, one_line, phone
    from printkit.agency_setup import website as web_address

    click.echo("Setting up printkit.yaml. Leave an optional answer blank to leave it out.")
    values = dataclasses.asdict(answers)
    questions: list[tuple[str, str, Callable[[str], Any], str | None]] = [
        ("agency", "Agency's full name", lambda t: one_line(t, "agency's name", 100), None),
        ("short_name", "Short name", lambda t: one_line(t, "short name", 60), ""),
        ("unit", "Unit that hands the kits out", lambda t: one_line(t, "unit's name", 80),
         DEFAULT_UNIT),
        ("wellness_phone", "Wellness unit phone (optional)", phone, ""),
        ("eap_phone", "Employee Assistance Program phone (optional)", phone, ""),
        ("peer_support_phone", "Peer support phone (optional)", phone, ""),
        ("chaplain_phone", "Chaplain phone (optional; blank if you have none)", phone, ""),
        ("website", "Web page, https://... (optional)", web_address, ""),
        ("logo", "Logo file, SVG or PNG (optional)", lambda t: logo(t, root), ""),
        *((role, f"{role.capitalize()} colour", lambda t, r=role: colour(t, r),
           default) for role, default in DEFAULT_COLORS.items()),
    ]
    for key, text, check, default in questions:
        if values[key] is not None:
            continue
        if key == "short_name":
            default = values["agency"]
        values[key] = click.prompt(text, default=default, show_default=bool(default),
                                   value_proc=_checked(check))
    return dataclasses.replace(answers, **values)


def _checked(check: Callable[[str], Any]) -> Callable[[str], str]:
    """A prompt's check: the answer as typed if ``check`` takes it (or it is blank)."""
    from printkit.agency_setup import Invalid

    def proc(text: str) -> str:
        if text.strip():
            try:
                check(text)
            except Invalid as exc:
                raise click.BadParameter(str(exc)) from None
        return text

    return proc
