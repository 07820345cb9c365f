"""Content-addressed render cache in build/.cache/.

An entry is stored under its key: the hash of the rendered HTML, the stylesheets,
render options and engine versions. Each entry also lists the files the render read
(images, fonts, imported CSS) with their hashes; an entry whose files changed, whose
PDF does not match its recorded hash, or that cannot be read is a miss. Only
successful renders are stored. Nothing is ever invalidated in place.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from printkit.engine.atomic import write_bytes, write_text
from printkit.engine.trust import seal, verify
from printkit.plan.keys import FileHasher

DEFAULT_MAX_BYTES = 512 * 1024 * 1024


@dataclass
class Entry:
    pdf: bytes
    pages: int
    deps: dict[str, str]
    warnings: list[str]
    small: bool = False  # card-sized pages (shown as one proof page in a reading copy)
    probed: Any = None   # what the render job's probe found (JSON)


class Cache:
    """Render cache entries in ``folder``. The files an entry depends on are recorded
    relative to the project ``root`` when inside it, so a project copied or moved elsewhere
    keeps its cache, and checks the copy's own files, not the original's."""

    def __init__(self, folder: Path, root: Path, enabled: bool = True,
                 max_bytes: int = DEFAULT_MAX_BYTES, hasher: FileHasher | None = None) -> None:
        self.folder = folder
        self.root = root.resolve()
        self.enabled = enabled
        self.max_bytes = max_bytes
        self.hasher = hasher or FileHasher()

    def _stored(self, deps: dict[str, str]) -> dict[str, str]:
        out = {}
        for path, digest in deps.items():
            inside = Path(path).is_relative_to(self.root)
            out[str(Path(path).relative_to(self.root)) if inside else path] = digest
        return out

    def _restored(self, deps: dict[str, str]) -> dict[str, str]:
        return {path if Path(path).is_absolute() else str(self.root / path): digest
                for path, digest in deps.items()}

    def _paths(self, key: str) -> tuple[Path, Path]:
        base = self.folder / key[:2] / key
        return base.with_suffix(".pdf"), base.with_suffix(".json")

    def get(self, key: str) -> tuple[Entry | None, str]:
        """(entry, reason). The reason explains a miss, for ``-v``."""
        if not self.enabled:
            return None, "cache disabled"
        pdf_path, meta_path = self._paths(key)
        try:
            meta: dict[str, Any] = json.loads(meta_path.read_text("utf-8"))
            pdf = pdf_path.read_bytes()
        except FileNotFoundError:
            return None, "not rendered before with these inputs"
        except (OSError, ValueError):
            return None, "cache entry unreadable"
        if hashlib.sha256(pdf).hexdigest() != meta.get("sha256"):
            return None, "cache entry damaged"
        if not verify(_sealed_fields(key, meta), str(meta.get("mac", ""))):
            return None, "cache entry not made by this user's printkit"
        deps = self._restored(dict(meta.get("deps", {})))
        for dep, digest in deps.items():
            if self.hasher(dep) != digest:
                return None, f"{dep} changed"
        with contextlib.suppress(OSError):
            os.utime(meta_path)  # recency for the size bound
        entry = Entry(pdf, int(meta["pages"]), deps, list(meta.get("warnings", [])),
                      bool(meta.get("small", False)), meta.get("probed"))
        return entry, ""

    def put(self, key: str, entry: Entry) -> None:
        if not self.enabled:
            return
        pdf_path, meta_path = self._paths(key)
        meta: dict[str, Any] = {"sha256": hashlib.sha256(entry.pdf).hexdigest(),
                                "pages": entry.pages, "deps": self._stored(entry.deps),
                                "warnings": entry.warnings, "small": entry.small,
                                "probed": entry.probed}
        meta["mac"] = seal(_sealed_fields(key, meta))
        try:
            write_bytes(pdf_path, entry.pdf)
            write_text(meta_path, json.dumps(meta, sort_keys=True))  # written last: the commit
        except OSError:
            pass  # a cache that cannot be written only makes the next build slower

    def prune(self) -> int:
        """Drop least recently used entries until the cache fits its bound. Returns bytes freed."""
        if not self.folder.is_dir():
            return 0
        entries = []
        total = 0
        for meta in self.folder.glob("*/*.json"):
            pdf = meta.with_suffix(".pdf")
            try:
                size = meta.stat().st_size + (pdf.stat().st_size if pdf.exists() else 0)
                entries.append((meta.stat().st_mtime, size, meta, pdf))
            except OSError:
                continue
            total += size
        freed = 0
        for _, size, meta, pdf in sorted(entries):
            if total - freed <= self.max_bytes:
                break
            meta.unlink(missing_ok=True)
            pdf.unlink(missing_ok=True)
            freed += size
        return freed


def _sealed_fields(key: str, meta: dict[str, Any]) -> bytes:
    fields = {k: meta.get(k) for k in ("sha256", "pages", "deps", "warnings", "small", "probed")}
    return json.dumps([key, fields], sort_keys=True).encode()


class SealedBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates on disk, used only when sealed by this user's printkit
    (compiled code from anyone else is never loaded)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        with contextlib.suppress(OSError):
            folder.mkdir(parents=True, exist_ok=True)

    def _path(self, bucket: jinja2.bccache.Bucket) -> Path:
        return self.folder / f"{bucket.key}.jbc"

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            raw = self._path(bucket).read_bytes()
        except OSError:
            return
        mac, _, data = raw.partition(b"\n")
        if verify(data, mac.decode("ascii", "replace")):
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = bucket.bytecode_to_string()
        with contextlib.suppress(OSError):
            write_bytes(self._path(bucket), seal(data).encode() + b"\n" + data)
