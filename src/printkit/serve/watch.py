"""Watch the project's sources (kits/, templates/, assets/, data/ and printkit.yaml) and
say which files changed, as paths relative to the project (``templates/docs/x.html``)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import watchfiles

from printkit.source.project import CONFIG_NAME

FOLDERS = ("kits", "templates", "assets", "data")
STEP_MS = 30          # a burst of writes (an editor saving) is one change after this quiet
CONFIG_POLL_MS = 250  # printkit.yaml is checked this often (editors replace it, not write it)


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino


class Watcher:
    """A thread that calls ``on_change(paths)`` after each burst of changes."""

    def __init__(self, root: Path, on_change: Callable[[set[str]], None]) -> None:
        self.root = root
        self.on_change = on_change
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="printkit-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _relative(self, paths: set[str]) -> set[str]:
        out = set()
        root = self.root.resolve()
        for raw in paths:
            try:
                out.add(Path(raw).resolve().relative_to(root).as_posix())
            except ValueError:
                continue
        return out

    def _run(self) -> None:
        config = self.root / CONFIG_NAME
        last = _stamp(config)
        folders = [self.root / f for f in FOLDERS if (self.root / f).is_dir()]
        if not folders:  # nothing to watch but printkit.yaml
            while not self._stop.wait(CONFIG_POLL_MS / 1000):
                last = self._config_changed(config, last, set())
            return
        for changes in watchfiles.watch(*folders, step=STEP_MS, rust_timeout=CONFIG_POLL_MS,
                                        yield_on_timeout=True, stop_event=self._stop,
                                        raise_interrupt=False):
            paths = self._relative({path for _, path in changes})
            last = self._config_changed(config, last, paths)

    def _config_changed(self, config: Path, last: tuple[int, int, int] | None,
                        paths: set[str]) -> tuple[int, int, int] | None:
        now = _stamp(config)
        if now != last:
            paths.add(CONFIG_NAME)
        if paths:
            self.on_change(paths)
        return now
