"""printkit: compose YAML-defined print kits into print-ready PDFs.

Public API (imported on first use, so the command line starts fast)::

    from printkit import load_project, load_kit, build, BuildOptions, PrintkitError
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "BuildOptions": "options",
    "KitResult": "options",
    "Reporter": "options",
    "Settings": "options",
    "build": "api",
    "InputError": "errors",
    "PrintkitError": "errors",
    "Problem": "errors",
    "Kit": "source.kit",
    "load_kit": "source.kit",
    "Project": "source.project",
    "load_project": "source.project",
}

if TYPE_CHECKING:
    from printkit.api import build
    from printkit.errors import InputError, PrintkitError, Problem
    from printkit.options import BuildOptions, KitResult, Reporter, Settings
    from printkit.source.kit import Kit, load_kit
    from printkit.source.project import Project, load_project


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        from importlib import import_module

        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'printkit' has no attribute {name!r}")


__all__ = [
    "BuildOptions",
    "InputError",
    "Kit",
    "KitResult",
    "PrintkitError",
    "Problem",
    "Project",
    "Reporter",
    "Settings",
    "__version__",
    "build",
    "load_kit",
    "load_project",
]
