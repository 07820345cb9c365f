"""What keeps the server safe by default: it answers only on the addresses it was started
for (a web page elsewhere cannot reach it through a name it controls), asks for the access
token printed at start-up when it listens beyond this computer, refuses a POST without the
page's token (403) or larger than an upload may be (413), and serves no file but the
project's own outputs."""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import re
from collections.abc import Awaitable, Callable, MutableMapping
from http import cookies
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "printkit_access"
# A page of this server runs only its own script and style, and is framed by nobody.
PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
               "base-uri 'none'")
HEADERS = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
           (b"x-frame-options", b"DENY"))
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}
SAFE_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")   # one part of an output's path


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def same_secret(given: str | None, secret: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), secret.encode())


def _host_name(value: str) -> str:
    """The name in a Host header, without the port ("[::1]:8000" -> "::1")."""
    if value.startswith("["):
        return value[1:].partition("]")[0]
    return value.rpartition(":")[0] if value.count(":") == 1 else value


class Guard:
    """ASGI middleware in front of every request."""

    def __init__(self, app: ASGIApp, access_token: str | None, max_body: int,
                 allowed_hosts: set[str]) -> None:
        self.app = app
        self.access_token = access_token
        self.max_body = max_body
        self.allowed_hosts = allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_headers(send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        if self.access_token is None and _host_name(headers.get("host", "")) \
                not in self.allowed_hosts:
            await _answer(send, 400, "This printkit server answers only at the address it "
                                     "printed when it started.")
            return
        if self.access_token is not None and not await self._admitted(scope, headers, send):
            return
        if scope["method"] == "POST":
            await self._post(scope, headers, receive, send)
            return
        await self.app(scope, receive, send)

    async def _admitted(self, scope: Scope, headers: dict[str, str], send: Send) -> bool:
        """The access token: from the address printed at start-up (?token=...), then from
        the cookie it sets."""
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = query.pop("token", [None])[0]
        assert self.access_token is not None
        if same_secret(given, self.access_token):
            rest = urlencode(query, doseq=True)
            await _answer(send, 303, "", [
                ("location", scope["path"] + (f"?{rest}" if rest else "")),
                ("set-cookie", f"{COOKIE}={self.access_token}; HttpOnly; SameSite=Strict; "
                               "Path=/")])
            return False
        jar = cookies.SimpleCookie()
        with contextlib.suppress(cookies.CookieError):
            jar.load(headers.get("cookie", ""))
        if COOKIE in jar and same_secret(jar[COOKIE].value, self.access_token):
            return True
        await _answer(send, 403, "This printkit server needs its access token: open the "
                                 "address it printed when it started (it ends in ?token=...).")
        return False

    async def _post(self, scope: Scope, headers: dict[str, str], receive: Receive,
                    send: Send) -> None:
        # A page's own form says where it comes from (or "null" in a browser that hides
        # it); another site's form is refused before its token is even looked at.
        origin = headers.get("origin", "null").lower()
        here = f"{scope.get('scheme', 'http')}://{headers.get('host', '')}".lower()
        if origin not in ("null", here):
            await _answer(send, 403, "A form from another site cannot build here.")
            return
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body:
            await _answer(send, 413, _too_large(self.max_body))
            return
        # The body is read first, and no further than the limit (a sender may not say
        # its length); the app then gets it as it came.
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the sender went away
            chunks.append(message.get("body", b""))
            seen += len(chunks[-1])
            if seen > self.max_body:
                await _answer(send, 413, _too_large(self.max_body))
                return
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def _with_headers(send: Send) -> Send:
    """Every answer says: no sniffing, no referrer to other sites, no framing; an HTML
    page runs only this server's own script and style."""
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            names = {bytes(k).lower() for k, _ in headers}
            extra = list(HEADERS)
            kind = next((bytes(v) for k, v in headers if bytes(k).lower() == b"content-type"),
                        b"")
            if kind.startswith(b"text/html"):
                extra.append((b"content-security-policy", PAGE_POLICY.encode()))
            message = {**message, "headers": headers + [(k, v) for k, v in extra
                                                        if k not in names]}
        await send(message)
    return sending


def _too_large(limit: int) -> str:
    return f"That file is too large: the limit is {limit // (1024 * 1024)} MB."


async def _answer(send: Send, status: int, text: str,
                  extra: list[tuple[str, str]] | None = None) -> None:
    body = text.encode()
    head = [(b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
            (b"x-content-type-options", b"nosniff")]
    head += [(k.encode(), v.encode()) for k, v in extra or []]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})


def output_path(build_dir: Path, folder: str, name: str, folders: set[str]) -> Path | None:
    """The file ``name`` of the build folder ``folder`` (one of ``folders``: a kit's
    or an event build's), or None for anything else: a path part that is empty, hidden
    ('.cache') or climbs ('..'), a link, or a file outside the folder."""
    parts = name.split("/")
    if folder not in folders or not all(SAFE_PART.match(p) for p in [folder, *parts]):
        return None
    try:
        base = (build_dir / folder).resolve(strict=True)
        real = base.joinpath(*parts).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if base != build_dir.resolve() / folder or real != base.joinpath(*parts) \
            or not real.is_file():
        return None  # reached through a link (inside build/ or out of it)
    return real
