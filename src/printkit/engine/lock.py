"""One build at a time per project: a second build waits for the first, then runs."""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from printkit.errors import PrintkitError

WAIT_SECONDS = 600


@contextlib.contextmanager
def build_lock(build_dir: Path, say: Callable[[str], None],
               wait: float = WAIT_SECONDS) -> Iterator[None]:
    try:
        build_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(build_dir / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise PrintkitError(f"cannot write to {build_dir}: {exc.strerror}\n    Check that the "
                            "project folder is writable (or use --out DIR).") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say("another printkit build is running in this project; waiting for it to finish")
            deadline = time.monotonic() + wait
            while True:
                time.sleep(0.2)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise PrintkitError(
                            f"another printkit build has been running for over {int(wait)} s "
                            f"in {build_dir.parent}.\n    Wait for it to finish or stop it, then "
                            "build again; your outputs are unchanged.") from None
        yield
    finally:
        os.close(fd)  # closing releases the lock, also if this process is killed
