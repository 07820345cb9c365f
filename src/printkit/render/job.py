"""What a render is asked to do and what it gives back. Light: no WeasyPrint here, so the
planner can make jobs without importing the renderer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RenderJob:
    key: str
    label: str                      # e.g. "templates/docs/x.html", for messages
    html: str
    base_url: str                   # file URL of the document's folder (trailing slash)
    stylesheets: tuple[str, ...]    # absolute paths of project stylesheets
    paper: str
    allowed_roots: tuple[str, ...]
    tagged: bool = True
    grayscale: bool = False
    bleed_mm: float = 0.0
    variant: str = ""               # e.g. "pdf/a-2b"
    # Called after layout with (WeasyPrint document, PDF bytes, grayscale): what it returns
    # (JSON-able) is kept with the render, e.g. where a roster's fields are. A module-level
    # function, so the job can be sent to a worker process.
    probe: Callable[[Any, bytes, bool], Any] | None = None
    whole: bool = False             # a whole document of its own: its own styles and page


@dataclass
class RenderResult:
    key: str
    pdf: bytes
    pages: int
    deps: dict[str, str] = field(default_factory=dict)
    small: bool = False
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    probed: Any = None              # what the job's probe returned
