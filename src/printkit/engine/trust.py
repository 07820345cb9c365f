"""A per-user secret that seals cache entries.

Kits are shared between agencies, sometimes as a whole folder including build/. A cache
entry someone else made could hold a tampered PDF (a wrong crisis number) or, for compiled
templates, code. Entries are sealed with an HMAC keyed by a secret that never leaves this
user's account, so only entries this user's printkit wrote are ever used.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from functools import cache
from pathlib import Path


def _key_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "printkit" / "cache-key"


@cache
def machine_key() -> bytes:
    """The user's cache key, created on first use. If it cannot be stored, a key for this
    process only: the cache still works within one run and is never trusted across runs."""
    path = _key_file()
    try:
        key = path.read_bytes()
        if len(key) == 32:
            return key
    except OSError:
        pass
    key = secrets.token_bytes(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
    except FileExistsError:
        try:
            existing = path.read_bytes()
            if len(existing) == 32:
                return existing
        except OSError:
            pass
    except OSError:
        pass
    return key


def seal(data: bytes) -> str:
    return hmac.new(machine_key(), data, hashlib.sha256).hexdigest()


def verify(data: bytes, mac: str) -> bool:
    return hmac.compare_digest(seal(data), mac)
