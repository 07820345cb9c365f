"""`printkit serve`: a live preview and a coordinator's page in the browser.

One warm engine (engine.py) keeps its workers between builds; a watcher (watch.py) makes
the kits that a change touches again; open pages hear of it over Server-Sent Events
(events.py) and swap only the page images that changed (pages.py). Starlette routes
(app.py, formviews.py) behind a guard (security.py), served by uvicorn."""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
import webbrowser
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType

import uvicorn

from printkit.errors import PrintkitError, UsageError
from printkit.serve.app import create_app
from printkit.serve.engine import WarmEngine
from printkit.serve.events import Hub
from printkit.serve.pages import PageStore
from printkit.serve.security import is_loopback
from printkit.serve.site import Site
from printkit.serve.watch import Watcher
from printkit.source.kit import load_kit
from printkit.source.project import load_project


def listen(host: str, port: int) -> socket.socket:
    """The server's socket (port 0: any free port)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise UsageError(f"--host {host}: no such address on this computer") from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        hint = (f"Another program uses port {port}: try --port {port + 1} (or --port 0 for "
                "any free port)." if port else "")
        raise PrintkitError(f"cannot listen on {host}:{port}: {exc.strerror}\n    {hint}") \
            from None
    sock.listen(128)  # a browser may connect now: it waits until the server answers
    sock.set_inheritable(True)
    return sock


class _Server(uvicorn.Server):
    """uvicorn, ending the open event streams first when asked to stop (Ctrl-C)."""

    def __init__(self, config: uvicorn.Config, on_exit: Callable[[], None]) -> None:
        super().__init__(config)
        self.on_exit = on_exit

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.on_exit()
        super().handle_exit(sig, frame)
        # uvicorn raises a signal it caught again once it has stopped: SIGTERM would then
        # end the process before its workers are stopped. serve() stops them and returns.
        captured = getattr(self, "_captured_signals", None)
        if sig == signal.SIGTERM and isinstance(captured, list) and sig in captured:
            captured.remove(sig)


def address(host: str, port: int, token: str | None, path: str = "") -> str:
    """The address to open (with the access token, when there is one)."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/{path}" + (f"?token={token}" if token else "")


def serve(root: Path, kits: Sequence[str], host: str = "127.0.0.1", port: int = 8000,
          open_browser: bool = True, jobs: int = 0,
          say: Callable[[str], None] = print, warn: Callable[[str], None] = print) -> None:
    """Serve the project at ``root`` until interrupted; show ``kits`` first."""
    import secrets

    project = load_project(root)
    for kit_id in kits:
        if kit_id not in project.kit_ids():
            load_kit(project, kit_id)  # says what is wrong: no such kit, did you mean...
            raise UsageError(f"{kit_id}: give a kit id from 'printkit list'")
    token = None
    if not is_loopback(host):
        token = secrets.token_urlsafe(24)
        warn(f"--host {host}: other computers on the network can reach this server. It "
             "asks for the access token in the address below; share it only with people "
             "who may build these kits.")
    sock = listen(host, port)
    port = sock.getsockname()[1]
    hub = Hub()
    engine = WarmEngine(project.root, hub, PageStore(project.build_dir / ".cache" / "preview"),
                        jobs)
    site = Site(project.root, engine, hub, engine.store, token)
    watcher = Watcher(project.root, engine.changed)
    for kit_id in kits:
        engine.open(kit_id)
    engine.start()
    watcher.start()
    first = address(host, port, token, f"kits/{kits[0]}" if len(kits) == 1 else "")
    say(f"printkit serve: {first}\n  (watching kits/, templates/, assets/, data/ and "
        "printkit.yaml; Ctrl-C stops)")
    if open_browser:
        threading.Timer(0.5, webbrowser.open, [first]).start()
    config = uvicorn.Config(create_app(site, host), log_level="warning", lifespan="off",
                            timeout_graceful_shutdown=3)
    try:
        _Server(config, hub.close).run(sockets=[sock])
    finally:
        hub.close()
        watcher.stop()
        engine.close()
        with contextlib.suppress(OSError):
            sock.close()
