"""One error hierarchy. Every problem a user can cause is a PrintkitError.

The CLI prints ``str(error)`` and exits with ``error.exit_code``; nothing else
reaches the user, so each message names the file (and line) and what to do.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import click


def did_you_mean(word: str, choices: Iterable[str], otherwise: str,
                 cutoff: float = 0.6) -> str:
    """A hint naming the closest choice to a misspelt ``word``, or ``otherwise``."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return f"Did you mean '{close[0]}'?" if close else otherwise


@dataclass(frozen=True)
class Problem:
    """One finding about one place in one file."""

    file: str
    line: int | None
    message: str
    hint: str = ""
    severity: str = "error"  # "error", "warning", or "note" (for the agency: never fails)

    def one_line(self) -> str:
        """For a build's warning list: where, what, and the hint in brackets."""
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}" + (f" ({self.hint})" if self.hint else "")

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.severity}: {self.message}"
        if self.hint:
            text += f"\n    {self.hint}"
        return text


class PrintkitError(click.ClickException):
    """Root of every error printkit reports to a user (exit status 1)."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)

    def format_message(self) -> str:
        return self.message

    def show(self, file: object = None) -> None:
        """Print the message as is: no 'Error:' prefix, no traceback."""
        click.echo(self.format_message(), err=True)


class UsageError(PrintkitError):
    """The command line itself is wrong (exit status 2)."""

    exit_code = 2


class ProjectError(PrintkitError):
    """No project, or the project configuration is broken."""


class InputError(PrintkitError):
    """A kit, template, variable, roster, registry or asset has problems.

    Carries every problem found, not only the first.
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(dict.fromkeys(problems))  # once each, in order
        errors = [p for p in self.problems if p.severity == "error"]
        count = len(errors) or len(self.problems)
        noun = "problem" if count == 1 else "problems"
        body = "\n".join(str(p) for p in self.problems)
        super().__init__(f"{body}\n{count} {noun} found.")


class RenderError(PrintkitError):
    """A document could not be rendered to PDF."""


class OutputError(PrintkitError):
    """An output could not be written."""


def problem(file: Path | str, line: int | None, message: str, hint: str = "") -> InputError:
    """Shorthand for an InputError with a single problem."""
    return InputError([Problem(str(file), line, message, hint)])
