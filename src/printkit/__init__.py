"""printkit: compose YAML-defined print kits into print-ready PDFs.

Public API::

    from printkit import load_project, load_kit, build, BuildOptions, PrintkitError
"""

from __future__ import annotations

__version__ = "0.1.0"

from .build import BuildOptions, KitResult, Reporter, build
from .errors import InputError, PrintkitError, Problem
from .kit import Kit, load_kit
from .project import Project, load_project

__all__ = [
    "BuildOptions",
    "InputError",
    "Kit",
    "KitResult",
    "PrintkitError",
    "Problem",
    "Project",
    "Reporter",
    "__version__",
    "build",
    "load_kit",
    "load_project",
]
