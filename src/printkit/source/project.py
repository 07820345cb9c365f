"""Find the project root and read its defaults (``printkit.yaml``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from printkit.errors import ProjectError, problem
from printkit.source.yamlio import Located, as_mapping, load_yaml
from printkit.units import PAPER_SIZES

CONFIG_NAME = "printkit.yaml"
PROJECT_KEYS = {"agency", "paper", "variables", "language", "duplex", "stylesheets"}
DEFAULT_STYLESHEETS = ("assets/css/print.css",)


@dataclass(frozen=True)
class Project:
    root: Path
    config: Mapping[str, Any] = field(default_factory=dict)
    config_loc: Located | None = None

    @property
    def kits_dir(self) -> Path:
        return self.root / "kits"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def build_dir(self) -> Path:
        return self.root / "build"

    @property
    def registry_file(self) -> Path:
        return self.root / "data" / "resources.yaml"

    @property
    def agency(self) -> Mapping[str, Any]:
        value = self.config.get("agency", {})
        return value if isinstance(value, dict) else {}

    @property
    def paper(self) -> str:
        return str(self.config.get("paper", "letter")).lower()

    @property
    def stylesheets(self) -> tuple[Path, ...]:
        if "stylesheets" in self.config:
            return tuple(self.root / n for n in self.config["stylesheets"])
        return tuple(p for p in (self.root / n for n in DEFAULT_STYLESHEETS) if p.is_file())

    def rel(self, path: Path) -> str:
        """A path as the user should see it: relative to the project root when inside it."""
        try:
            return str(path.resolve().relative_to(self.root))
        except ValueError:
            return str(path)

    def kit_ids(self) -> list[str]:
        if not self.kits_dir.is_dir():
            return []
        return sorted(p.stem for p in self.kits_dir.glob("*.yaml"))


def find_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` holding printkit.yaml or a kits/ folder."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file() or (folder / "kits").is_dir():
            return folder
    raise ProjectError(
        f"No printkit project found in {start} or any folder above it.\n"
        f"    A project has a {CONFIG_NAME} file or a kits/ folder. "
        "Run printkit inside one, or pass -C DIR."
    )


def load_project(start: Path) -> Project:
    root = find_root(start)
    file = root / CONFIG_NAME
    if not file.exists():
        return Project(root)
    loc = load_yaml(file, CONFIG_NAME, empty_ok=True)
    config = as_mapping(loc, CONFIG_NAME)
    for key in config:
        if key not in PROJECT_KEYS:
            raise problem(CONFIG_NAME, loc.key_line((key,)), f"unknown setting '{key}'",
                          f"Known settings: {', '.join(sorted(PROJECT_KEYS))}.")
    paper = str(config.get("paper", "letter")).lower()
    if paper not in PAPER_SIZES:
        raise problem(CONFIG_NAME, loc.line(("paper",)), f"unknown paper size '{paper}'",
                      f"Use one of: {', '.join(PAPER_SIZES)}.")
    sheets = config.get("stylesheets", DEFAULT_STYLESHEETS)
    if not isinstance(sheets, list | tuple) or not all(isinstance(x, str) for x in sheets):
        raise problem(CONFIG_NAME, loc.line(("stylesheets",)),
                      "'stylesheets' must be a list of CSS files, e.g. [assets/css/print.css]")
    for i, name in enumerate(sheets):
        target = (root / name).resolve()
        if not target.is_relative_to(root.resolve()) or not target.is_file():
            raise problem(CONFIG_NAME, loc.line(("stylesheets", i)),
                          f"stylesheet '{name}' not found inside the project")
    for key in ("agency", "variables"):
        if key in config and not isinstance(config[key], dict):
            raise problem(CONFIG_NAME, loc.line((key,)), f"'{key}' must be a block of settings")
    return Project(root, config, loc)
