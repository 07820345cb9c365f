"""Server-Sent Events: what the server tells every open page (``GET /events``). The build
thread publishes; each connected page has a queue on the server's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import AsyncIterator
from typing import Any

KEEP_ALIVE = 15.0   # seconds between comments that keep an idle connection open


class Hub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[str | None]]] = set()
        self._closed = False
        self._sequence = 0

    def publish(self, kind: str, data: dict[str, Any]) -> None:
        """Send an event to every open page (from any thread)."""
        with self._lock:
            self._sequence += 1
            text = (f"id: {self._sequence}\nevent: {kind}\n"
                    f"data: {json.dumps(data, separators=(',', ':'))}\n\n")
            clients = list(self._clients)
        for loop, queue in clients:
            self._send(loop, queue, text)

    def _send(self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None],
              item: str | None) -> None:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, item)
        except RuntimeError:  # that page's loop is gone
            with self._lock:
                self._clients.discard((loop, queue))

    def close(self) -> None:
        """End every stream (the server is stopping)."""
        with self._lock:
            self._closed = True
            clients = list(self._clients)
        for loop, queue in clients:
            self._send(loop, queue, None)

    @property
    def listeners(self) -> int:
        with self._lock:
            return len(self._clients)

    async def stream(self) -> AsyncIterator[str]:
        """One page's events, until it goes away or the server stops."""
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        client = (asyncio.get_running_loop(), queue)
        with self._lock:
            if self._closed:
                return
            self._clients.add(client)
        try:
            yield "retry: 1000\n: connected\n\n"
            while True:
                try:
                    item = await asyncio.wait_for(queue.get(), KEEP_ALIVE)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                if item is None:
                    return
                yield item
        finally:
            with self._lock, contextlib.suppress(KeyError):
                self._clients.remove(client)
