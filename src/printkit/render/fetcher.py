"""The only way a render reads anything: file: URLs inside allowed roots and data: URLs.

Every file read is recorded with its hash so the cache key covers it. Anything else
(http, https, ftp, file outside the project, ...) stops the render with a clear error.
"""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

MAX_ASSET_BYTES = 50 * 1024 * 1024


class BlockedURL(Exception):
    """Raised (as WeasyPrint's fatal error) when a render asks for a forbidden URL."""


def make_fetcher(allowed_roots: tuple[Path, ...], deps: dict[str, str],
                 blocked: list[str]) -> Any:
    """Build a WeasyPrint URLFetcher confined to ``allowed_roots``, the first of which
    is the project folder: a path that is in none of them is read from the project folder
    (a URL starting with / is relative to it), and nothing outside it.

    ``deps`` receives {absolute path: sha256} for every file read; ``blocked`` receives
    every URL refused.
    """
    import weasyprint  # lazily: only a render (in a worker) needs it
    from weasyprint.urls import FatalURLFetchingError, URLFetcherResponse

    roots = tuple(r.resolve() for r in allowed_roots)

    class ConfinedFetcher(weasyprint.URLFetcher):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False,
                             fail_on_errors=False, timeout=1)

        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = urlsplit(url).scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme != "file":
                blocked.append(url)
                raise FatalURLFetchingError(f"{url}: only files inside the project can be used")
            written = Path(unquote(urlsplit(url).path))
            path = written.resolve()
            if not any(path.is_relative_to(root) for root in roots):
                # A URL from the project folder (/assets/img/logo.svg): read in the project.
                path = (roots[0] / str(written).lstrip("/")).resolve()
                if not path.is_relative_to(roots[0]):
                    blocked.append(url)
                    raise FatalURLFetchingError(f"{written}: outside the project")
            if not path.is_file():
                raise FileNotFoundError(f"{path} not found")
            if path.stat().st_size > MAX_ASSET_BYTES:
                raise ValueError(f"{path} is larger than {MAX_ASSET_BYTES:,} bytes")
            data = path.read_bytes()
            deps[str(path)] = hashlib.sha256(data).hexdigest()
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(path.as_uri(), body=data,
                                      headers={"Content-Type": mime})

    return ConfinedFetcher()
