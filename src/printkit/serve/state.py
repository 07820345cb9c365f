"""What the server knows of each kit it shows: the pages of its last good reading copy, the
problem that stopped the last change (if any), its last build, and what it is doing now."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from printkit.errors import InputError, PrintkitError
from printkit.options import KitResult
from printkit.serve.pages import Page


@dataclass
class KitView:
    kit_id: str
    pages: list[Page] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)  # the last change's
    warnings: list[str] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)
    inputs: dict[str, str] = field(default_factory=dict)   # what its pages were made from
    status: str = "idle"      # "idle", "queued", "preview" or "building"
    updated: float = 0.0      # when its pages last changed (time.time())
    built: KitResult | None = None

    def affected_by(self, root: Path, paths: set[str]) -> bool:
        """Does any of ``paths`` change what this kit is made from? (Every change does
        while it has a problem or was never made: the fix may be anywhere.)"""
        if self.problems or not self.inputs:
            return True
        for path in paths & set(self.inputs):
            try:
                now = hashlib.sha256((root / path).read_bytes()).hexdigest()
            except OSError:
                now = ""
            if now != self.inputs[path]:
                return True
        return False

    def as_json(self) -> dict[str, Any]:
        return {"kit": self.kit_id, "status": self.status, "updated": self.updated,
                "pages": [p.as_json(i + 1) for i, p in enumerate(self.pages)],
                "problems": self.problems, "warnings": self.warnings,
                "samples": self.samples,
                "built": self.built.folder.stat().st_mtime if self.built and
                self.built.folder.is_dir() else None}

    def show(self, pages: list[Page]) -> None:
        self.pages = pages
        self.problems = []
        self.updated = time.time()


def problems_of(error: PrintkitError) -> list[dict[str, Any]]:
    """An error as the terminal shows it, one entry per problem: where (file and line),
    what, and what to do."""
    if isinstance(error, InputError):
        return [{"file": p.file, "line": p.line, "severity": p.severity,
                 "message": p.message, "hint": p.hint, "text": str(p)}
                for p in error.problems]
    first, _, rest = error.format_message().partition("\n")
    return [{"file": "", "line": None, "severity": "error", "message": first,
             "hint": rest.strip(), "text": error.format_message()}]
