"""Setting an agency up (`printkit init`): its answers checked (names, phone numbers, the
website, the logo, the colours) and written as a commented printkit.yaml.

No Click here: cli_init.py asks and prints; this package checks, formats and writes.
answers.py checks one answer at a time, logo.py the logo file, settings.py all of them
together (every bad answer reported at once, under its option) and the file."""

from __future__ import annotations

from printkit.agency_setup.answers import DEFAULT_COLORS, Invalid, colour, one_line, phone, website
from printkit.agency_setup.logo import Logo, logo
from printkit.agency_setup.settings import (
    BACKUP_NAME,
    CONTACTS,
    DEFAULT_UNIT,
    Answers,
    Kept,
    Setup,
    Written,
    check_replaceable,
    kept_settings,
    project_root,
    settle,
    summary,
    write,
    yaml_text,
)

__all__ = [
    "BACKUP_NAME",
    "CONTACTS",
    "DEFAULT_COLORS",
    "DEFAULT_UNIT",
    "Answers",
    "Invalid",
    "Kept",
    "Logo",
    "Setup",
    "Written",
    "check_replaceable",
    "colour",
    "kept_settings",
    "logo",
    "one_line",
    "phone",
    "project_root",
    "settle",
    "summary",
    "website",
    "write",
    "yaml_text",
]
