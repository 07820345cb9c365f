"""What a build is asked to do, and what it reports. Light: no engine imports here."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from printkit.source.variables import Layer


@dataclass(frozen=True)
class Settings:
    """Everything from the command line that changes what is rendered."""

    vars_layers: tuple[Layer, ...] = ()
    set_layer: Layer | None = None
    paper: str | None = None
    grayscale: bool = False
    tagged: bool = True
    press: bool = False       # render with bleed for a press-ready file
    pdfa: bool = False        # PDF/A-2b for archiving
    row: Layer | None = None  # a roster row


@dataclass(frozen=True)
class BuildOptions:
    settings: Settings = field(default_factory=Settings)
    out_dir: Path | None = None
    name: str | None = None          # event build name (folder suffix)
    jobs: int = 0                    # 0 = number of CPUs
    use_cache: bool = True
    strict: bool = False
    press: bool = False              # also write K-press.pdf (bleed, crop marks, boxes)
    roster: Path | None = None       # one packet per row of this CSV
    preflight: bool = True           # measure the outputs (preflight.json, preflight.html)
    final: bool = False              # refuse to build with a placeholder (!sample) value


NOTE = "note for the agency: "  # reported with the warnings; --strict lets it pass


def is_note(warning: str) -> bool:
    """A template's note for the agency: the same on every build of the same inputs."""
    return NOTE in warning


@dataclass
class KitResult:
    kit_id: str
    folder: Path
    pages: int
    rendered: int
    cached: int
    seconds: float
    outputs: list[Path]
    warnings: list[str]
    up_to_date: bool = False
    packets: int = 0      # roster builds: one per row
    # The files inside the project the outputs were made from (path -> sha256, "" for
    # one looked for and absent) and the variables the kit's templates read: what the
    # no-change fast path compares next time.
    inputs: dict[str, str] = field(default_factory=dict, repr=False)
    reads: frozenset[str] = field(default_factory=frozenset, repr=False)
    # What preflight found in the outputs: "build/K/file.pdf p.N: what to change".
    findings: list[str] = field(default_factory=list)
    # The placeholder values (!sample) it was built with: "key (file:line)". Every page of
    # its outputs is marked SAMPLE.
    samples: list[str] = field(default_factory=list)


@dataclass
class PreflightResult:
    kit_id: str
    folder: Path
    pages: int
    files: int
    findings: list[str]   # "build/K/file.pdf p.N: what to change"


class Reporter:
    """What a build tells its user. The CLI subclasses this; the library default is silent."""

    def progress(self, done: int, total: int, label: str) -> None:
        pass

    def detail(self, message: str) -> None:
        pass

    def warning(self, message: str) -> None:
        pass


