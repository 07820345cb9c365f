"""`printkit init`'s answers together: all checked at once (``settle``), then written as a
commented printkit.yaml (``write``, atomically, the old file kept as printkit.yaml.bak)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from printkit.agency_setup.answers import (
    COLOR_USES,
    DEFAULT_COLORS,
    Invalid,
    colour,
    one_line,
    phone,
    website,
    white_contrast,
)
from printkit.agency_setup.logo import Logo, logo
from printkit.engine.atomic import write_bytes, write_text
from printkit.errors import InputError, OutputError, Problem, ProjectError
from printkit.source.project import CONFIG_NAME, DEFAULT_STYLESHEETS, find_root
from printkit.source.yamlio import load_yaml, parse_yaml
from printkit.units import PAPER_SIZES

BACKUP_NAME = f"{CONFIG_NAME}.bak"
DEFAULT_UNIT = "Officer Wellness Unit"
# The local contacts: key in printkit.yaml, the option that gives it, its name in a summary.
CONTACTS = (("wellness_unit", "--wellness-phone", "wellness unit"),
            ("eap", "--eap-phone", "Employee Assistance Program"),
            ("peer_support", "--peer-support-phone", "peer support"),
            ("chaplain", "--chaplain-phone", "chaplain"))
PLAIN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 .,'&()/-]*")  # YAML text safe to leave unquoted
T = TypeVar("T")


@dataclass(frozen=True)
class Answers:
    """What was given, as typed: on the command line or at the prompts (None: not given)."""

    agency: str | None = None
    short_name: str | None = None
    unit: str | None = None
    wellness_phone: str | None = None
    eap_phone: str | None = None
    peer_support_phone: str | None = None
    chaplain_phone: str | None = None
    website: str | None = None
    logo: str | None = None
    primary: str | None = None
    accent: str | None = None
    warm: str | None = None


@dataclass(frozen=True)
class Kept:
    """What init keeps from the printkit.yaml it replaces, and what it says it did not."""

    paper: str = "letter"
    language: str = "en"
    duplex: bool | None = None
    stylesheets: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Setup:
    """An agency's checked settings, ready to be written."""

    name: str
    short_name: str
    unit: str
    contacts: dict[str, str]
    colors: dict[str, str]
    website: str | None = None
    logo: Logo | None = None
    kept: Kept = field(default_factory=Kept)

    @property
    def left_out(self) -> list[str]:
        """The contacts not given: nothing prints for them."""
        return [label for key, _, label in CONTACTS if key not in self.contacts]

    @property
    def copies(self) -> str | None:
        wellness = self.contacts.get("wellness_unit")
        return f"More copies from the {self.unit}, {wellness}" if wellness else None

    def config(self) -> dict[str, Any]:
        """The values printkit.yaml holds (what reading the written file must give)."""
        agency: dict[str, Any] = {"name": self.name, "short_name": self.short_name,
                                  "unit": self.unit}
        if self.logo:
            agency["logo"] = self.logo.target
        if self.website:
            agency["website"] = self.website
        agency["colors"] = dict(self.colors)
        out: dict[str, Any] = {"agency": agency, "paper": self.kept.paper,
                               "language": self.kept.language}
        if self.kept.duplex is not None:
            out["duplex"] = self.kept.duplex
        out["stylesheets"] = list(self.kept.stylesheets)
        variables: dict[str, Any] = {"contacts": dict(self.contacts)} if self.contacts else {}
        if self.copies:
            variables["copies"] = self.copies
        if variables:
            out["variables"] = variables
        return out


def project_root(start: Path) -> Path:
    """The project as every command finds it; with none yet, ``start`` itself."""
    try:
        return find_root(start)
    except ProjectError:
        return start.resolve()


class _Found(list[Problem]):
    """The problems found so far, each under the option whose value has it."""

    def take(self, option: str, check: Callable[[str], T], text: str | None) -> T | None:
        """``check(text)``, or None for a blank answer or a bad one (recorded)."""
        if text is None or not text.strip():
            return None
        try:
            return check(text)
        except Invalid as exc:
            self.append(Problem(option, None, exc.message, exc.hint))
            return None


def _checker(check: Callable[..., T], *args: Any) -> Callable[[str], T]:
    return lambda text: check(text, *args)


def settle(answers: Answers, root: Path, kept: Kept | None = None,
           require_agency: bool = True) -> Setup | None:
    """Every answer checked; every bad one reported at once, under its option. None when
    the agency's name is not given and not yet required (the flags checked before the
    prompts ask for the rest)."""
    found = _Found()
    name = found.take("--agency", _checker(one_line, "agency's name", 100), answers.agency)
    if name is None and not found and (require_agency or answers.agency is not None):
        found.append(Problem("--agency", None, "the agency's name is "
                             + ("missing" if answers.agency is None else "empty"),
                             'Give it, e.g. --agency "Springfield Police Department".'))
    short = found.take("--short-name", _checker(one_line, "short name", 60), answers.short_name)
    unit = found.take("--unit", _checker(one_line, "unit's name", 80), answers.unit)
    contacts = {key: found.take(option, phone, getattr(answers, option[2:].replace("-", "_")))
                for key, option, _ in CONTACTS}
    site = found.take("--website", website, answers.website)
    colors = {role: found.take(f"--{role}", _checker(colour, role), getattr(answers, role))
              for role in DEFAULT_COLORS}
    image = found.take("--logo", _checker(logo, root), answers.logo)
    if found:
        raise InputError(found)
    if name is None:
        return None
    return Setup(name=name, short_name=short or name, unit=unit or DEFAULT_UNIT,
                 contacts={k: v for k, v in contacts.items() if v},
                 colors={r: v or DEFAULT_COLORS[r] for r, v in colors.items()},
                 website=site, logo=image,
                 kept=kept if kept is not None else kept_settings(root))


def kept_settings(root: Path) -> Kept:
    """paper, language, duplex and stylesheets from the printkit.yaml being replaced (the
    defaults without one), and a note for whatever else it held that the new one won't."""
    default_sheets = tuple(s for s in DEFAULT_STYLESHEETS if (root / s).is_file())
    file = root / CONFIG_NAME
    if not file.is_file():
        return Kept(stylesheets=default_sheets)
    try:
        data = load_yaml(file, CONFIG_NAME, empty_ok=True).data
    except InputError as exc:
        why = exc.problems[0].message if exc.problems else "it could not be read"
        return Kept(stylesheets=default_sheets, notes=(
            f"the old {CONFIG_NAME} could not be read ({why}): paper, language and "
            "stylesheets are the defaults",))
    data = data if isinstance(data, dict) else {}
    notes = []
    paper = str(data.get("paper", "letter")).lower()
    if paper not in PAPER_SIZES:
        notes.append(f"paper '{paper}' from the old file is not a paper size: letter instead")
        paper = "letter"
    language = data.get("language", "en")
    duplex = data.get("duplex")
    sheets = data.get("stylesheets", list(default_sheets))
    sheets = [s for s in sheets if isinstance(s, str)] if isinstance(sheets, list) else []
    found = tuple(s for s in sheets if (root / s).resolve().is_relative_to(root.resolve())
                  and (root / s).is_file())
    if len(found) < len(sheets):
        notes.append("stylesheets not found, so left out: "
                     + ", ".join(s for s in sheets if s not in found))
    variables = data.get("variables")
    extra = sorted(set(variables) - {"contacts", "copies"}) if isinstance(variables, dict) else []
    if extra:
        notes.append(f"variables not carried over (they are in {BACKUP_NAME}): "
                     + ", ".join(extra))
    return Kept(paper=paper, language=language if isinstance(language, str) else "en",
                duplex=duplex if isinstance(duplex, bool) else None, stylesheets=found,
                notes=tuple(notes))


# ---------------------------------------------------------------------------- the file
def _yaml(text: str, quote: bool = False) -> str:
    """Text as a YAML value: plain when YAML reads that back as the same text (not as a
    number, a date, yes/no or a comment), else in double quotes."""
    if not quote and PLAIN_RE.fullmatch(text) and text == text.strip():
        try:
            if yaml.safe_load(f"value: {text}") == {"value": text}:
                return text
        except yaml.YAMLError:
            pass
    return json.dumps(text, ensure_ascii=False)


def yaml_text(setup: Setup) -> str:
    """printkit.yaml for ``setup``, commented like the sample one. No ``!sample`` tags:
    every value in it is the agency's own."""
    lines = ["# Project defaults, written by printkit init. Every kit inherits these; a kit or",
             "# --vars/--set can override them. Edit this file, or run printkit init --force.",
             "agency:",
             f"  name: {_yaml(setup.name)}",
             f"  short_name: {_yaml(setup.short_name)}",
             f"  unit: {_yaml(setup.unit)}"]
    if setup.logo:
        lines.append(f"  logo: {_yaml(setup.logo.target)}")
    if setup.website:
        lines.append(f"  website: {_yaml(setup.website, quote=True)}")
    lines.append("  colors:")
    for role, value in setup.colors.items():
        lines.append(f"    {role + ':':8} \"{value}\"   # {COLOR_USES[role]} "
                     f"({white_contrast(value):.1f}:1 with white)")
    kept = setup.kept
    lines += [f"paper: {_yaml(kept.paper)}   # letter, legal, tabloid, half-letter, a4, a5",
              f"language: {_yaml(kept.language)}"]
    if kept.duplex is not None:
        lines.append(f"duplex: {str(kept.duplex).lower()}")
    if kept.stylesheets:
        lines += ["stylesheets:", *(f"  - {_yaml(s)}" for s in kept.stylesheets)]
    else:
        lines.append(f"stylesheets: []   # none yet: add {DEFAULT_STYLESHEETS[0]} once the "
                     "project has it")
    lines += _variables_text(setup)
    return "\n".join(lines) + "\n"


def _variables_text(setup: Setup) -> list[str]:
    about = ["  # Local contacts, printed on back covers and contact pages."]
    if setup.left_out:
        about.append("  # Left out, so nothing prints for them: "
                     + ", ".join(key for key, _, _ in CONTACTS if key not in setup.contacts))
    if not setup.contacts:
        return ["# Local contacts (none given yet): a phone number each, printed on back",
                "# covers and contact pages; keys wellness_unit, eap, peer_support, chaplain.",
                "# variables:", "#   contacts:", '#     wellness_unit: "555-010-4100"']
    lines = ["variables:", *about, "  contacts:"]
    lines += [f"    {key}: {_yaml(value, quote=True)}" for key, value in setup.contacts.items()]
    if setup.copies:
        lines += ["  # Where a reader gets more copies (printed on the back cover of every "
                  "booklet).", f"  copies: {_yaml(setup.copies, quote=True)}"]
    return lines


@dataclass(frozen=True)
class Written:
    """What ``write`` did, for the summary."""

    config: Path
    backup: Path | None
    logo_copied: bool


def check_replaceable(root: Path, force: bool) -> None:
    """An existing printkit.yaml is replaced only with --force (before anything is asked)."""
    file = root / CONFIG_NAME
    if not file.exists() and not file.is_symlink():
        return
    if not file.is_file():
        raise ProjectError(f"{CONFIG_NAME} in {root} is not a file; move it away, then "
                           "run printkit init again")
    if not force:
        raise ProjectError(f"{CONFIG_NAME} already exists; run printkit init --force to "
                           f"replace it (the current file is kept as {BACKUP_NAME})")


def write(root: Path, setup: Setup, force: bool) -> Written:
    """The logo copied in (if it was outside the project), the old printkit.yaml kept as
    printkit.yaml.bak, the new one written: each file atomically (temp file + rename)."""
    check_replaceable(root, force)
    file = root / CONFIG_NAME
    text = yaml_text(setup)
    if parse_yaml(text, file, CONFIG_NAME).data != setup.config():
        raise AssertionError(f"printkit init wrote a {CONFIG_NAME} that reads back wrong")
    backup = root / BACKUP_NAME if file.exists() else None
    copied = setup.logo is not None and setup.logo.copy
    target = file
    try:
        if setup.logo is not None and setup.logo.copy:
            target = root / setup.logo.target
            write_bytes(target, setup.logo.data)
        if backup is not None:
            target = backup
            write_bytes(backup, file.read_bytes())
        target = file
        write_text(file, text)
    except OSError as exc:
        raise OutputError(f"{target.relative_to(root)}: cannot write it "
                          f"({exc.strerror or exc})") from None
    return Written(file, backup, copied)


def summary(setup: Setup, written: Written) -> list[str]:
    """What was written, what was left out (it will not print), and the next step."""
    short = f" ({setup.short_name})" if setup.short_name != setup.name else ""
    lines = [f"wrote {CONFIG_NAME} for {setup.name}{short}, {setup.unit}"]
    if written.backup is not None:
        lines.append(f"  kept the old file as {BACKUP_NAME}")
    if setup.logo is not None:
        how = (f"copied from {setup.logo.source}" if written.logo_copied
               else "already in the project")
        taken = f"; {setup.logo.taken} is a different file" if setup.logo.taken else ""
        lines.append(f"  logo: {setup.logo.target} ({how}{taken})")
    else:
        lines.append("  logo: none (printkit init --force --logo FILE adds one)")
    if setup.website:
        lines.append(f"  website: {setup.website}")
    names = dict((key, label) for key, _, label in CONTACTS)
    if setup.contacts:
        lines.append("  contacts: " + "; ".join(f"{names[k]} {v}"
                                                for k, v in setup.contacts.items()))
    if setup.left_out:
        lines.append(f"  left out, so nothing prints for them: {', '.join(setup.left_out)}")
    lines.append("  colours: " + ", ".join(f"{r} {v}" for r, v in setup.colors.items()))
    lines += [f"  note: {note}" for note in setup.kept.notes]
    lines.append("next step: printkit build --final")
    return lines
