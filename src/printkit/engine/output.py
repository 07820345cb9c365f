"""The only writer of build outputs. Everything is prepared in memory first; commit()
then writes each file atomically, so a failed build leaves earlier outputs untouched and
an interrupted one leaves each file either old and complete or new and complete."""

from __future__ import annotations

from pathlib import Path

from printkit.engine.atomic import write_bytes
from printkit.errors import OutputError


class Outputs:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.pending: dict[str, bytes] = {}

    def add(self, name: str, data: bytes) -> None:
        if name.startswith("/") or ".." in Path(name).parts:
            raise OutputError(f"refusing to write {name!r} outside {self.folder}")
        self.pending[name] = data

    def commit(self, prune: tuple[str, ...] = ()) -> list[Path]:
        """Write every pending file; remove stale files matching the ``prune`` patterns
        (folder names, or glob patterns such as 'kit-press.pdf') that this build did not make."""
        written: list[Path] = []
        try:
            for name, data in self.pending.items():
                path = self.folder / name
                if path.is_file() and path.read_bytes() == data:
                    written.append(path)  # unchanged: keep its timestamp
                    continue
                write_bytes(path, data)
                written.append(path)
        except OSError as exc:
            raise OutputError(f"cannot write to {self.folder}: {exc.strerror}\n"
                              "    Check that the folder is writable and the disk is not "
                              "full; earlier outputs are unchanged.") from None
        for stale in self.folder.rglob(".*.tmp"):  # left by a build that was killed
            stale.unlink(missing_ok=True)
        keep = {self.folder / n for n in self.pending}
        for pattern in prune:
            target = self.folder / pattern
            olds = target.glob("*.pdf") if target.is_dir() else self.folder.glob(pattern)
            for old in olds:
                if old not in keep:
                    old.unlink(missing_ok=True)
        return written
