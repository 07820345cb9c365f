"""URLs resolve the way the web resolves them: a relative URL written in a template is
relative to that template's folder, and one starting with ``/`` is relative to the project
folder. A page is put together from several templates (a document, its layout, partials),
so each template's relative URLs are anchored to its own folder as it is loaded: ``img/a.png``
in ``templates/docs/ext/letter.html`` becomes ``/templates/docs/ext/img/a.png``. The render's
fetcher reads a ``/`` URL inside the project, and nowhere else (render/fetcher.py)."""

from __future__ import annotations

import posixpath
import re
from urllib.parse import urlsplit

# src="...", href="...", poster="..." (also xlink:href) and CSS url(...), with a literal value:
# a value built by Jinja ({{ ... }}) is left alone (it is resolved against the document's own
# folder when it renders; use the `asset` filter for a path from the project's settings).
ATTR_RE = re.compile(r"""(\b(?:src|href|poster)\s*=\s*)(["'])([^"'{}<>]*)\2""", re.I)
CSS_URL_RE = re.compile(r"""(\burl\(\s*)(["']?)([^"'(){}<>\s]*)\2(\s*\))""", re.I)


def is_relative(url: str) -> bool:
    """A URL written relative to the file that holds it (no scheme, not /..., not #...)."""
    url = url.strip()
    return bool(url) and not url.startswith(("/", "#", "\\")) and not urlsplit(url).scheme


def anchored_url(url: str, folder: str) -> str:
    """``url`` relative to ``folder`` (a path inside the project, e.g. templates/docs/ext)
    as a URL from the project folder. ``..`` never climbs above the project."""
    parts = urlsplit(url.strip())
    path = posixpath.normpath(posixpath.join("/", folder, parts.path))
    path = "/" + path.lstrip("/")  # normpath keeps a leading // ; .. stops at /
    return path + (f"?{parts.query}" if parts.query else "") + (
        f"#{parts.fragment}" if parts.fragment else "")


def anchor_urls(text: str, folder: str) -> str:
    """``text`` (HTML or CSS) with every literal relative URL anchored to ``folder``."""

    def attr(m: re.Match[str]) -> str:
        if not is_relative(m.group(3)):
            return m.group(0)
        return f"{m.group(1)}{m.group(2)}{anchored_url(m.group(3), folder)}{m.group(2)}"

    def css(m: re.Match[str]) -> str:
        if not is_relative(m.group(3)):
            return m.group(0)
        return f"{m.group(1)}{m.group(2)}{anchored_url(m.group(3), folder)}{m.group(2)}" \
               f"{m.group(4)}"

    return CSS_URL_RE.sub(css, ATTR_RE.sub(attr, text))


def project_url(path: str) -> str:
    """A path from the project's settings (printkit.yaml, a kit: e.g. assets/img/logo.svg)
    as a URL from the project folder, whatever the document's folder."""
    path = str(path).strip()
    if not path or not is_relative(path):
        return path
    return anchored_url(path, "")
