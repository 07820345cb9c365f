"""The last preflight of a kit's folder, read back (light: for up-to-date builds)."""

from __future__ import annotations

import json
from pathlib import Path

from printkit.source.outputs import OutputNames


def load_findings(folder: Path) -> list[str]:
    """The findings of the last preflight of a kit's folder, as lines ("file p.N: ...");
    none if it has no report (or one that cannot be read)."""
    try:
        data = json.loads((folder / OutputNames("").preflight_json).read_text("utf-8"))
        return [f"{f['file']} p.{f['page']}: {f['message']}"
                for entry in data["files"] for f in entry["findings"]]
    except (OSError, ValueError, KeyError, TypeError):
        return []
