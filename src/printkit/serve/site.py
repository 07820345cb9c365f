"""What every page of the server shares: the project, the warm engine, the page store, the
tokens, and the HTML templates (Jinja2, autoescaped)."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
from starlette.requests import Request
from starlette.responses import HTMLResponse

from printkit.errors import InputError, PrintkitError
from printkit.serve.engine import WarmEngine
from printkit.serve.events import Hub
from printkit.serve.outputs import built_at
from printkit.serve.pages import PageStore
from printkit.serve.security import same_secret
from printkit.source.kit import Kit, load_kit
from printkit.source.project import Project, load_project

HERE = Path(__file__).parent


@dataclass
class Site:
    root: Path
    engine: WarmEngine
    hub: Hub
    store: PageStore
    access_token: str | None = None
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    templates: jinja2.Environment = field(default_factory=lambda: jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
        trim_blocks=True, lstrip_blocks=True))

    def project(self) -> Project:
        return load_project(self.root)

    def kit_ids(self) -> list[str]:
        try:
            return self.project().kit_ids()
        except PrintkitError:
            return []

    def kit(self, kit_id: str) -> Kit | None:
        """A kit of the project by its id (never a path: only kits/ is read)."""
        if kit_id not in self.kit_ids():
            return None
        return load_kit(self.project(), kit_id)

    def folders(self) -> set[str]:
        """The build folders whose files are served: each kit's and its event builds'."""
        build = self.root / "build"
        ids = self.kit_ids()
        try:
            names = [p.name for p in build.iterdir() if p.is_dir() and not p.is_symlink()]
        except OSError:
            return set()
        return {n for n in names if any(n == k or n.startswith(k + "-") for k in ids)}

    def csrf_ok(self, form: Any) -> bool:
        value = form.get("csrf")
        return isinstance(value, str) and same_secret(value, self.csrf)

    def agency(self) -> str:
        try:
            return str(self.project().agency.get("name", "")).strip()
        except PrintkitError:
            return ""

    def page(self, request: Request, template: str, status: int = 200,
             **context: Any) -> HTMLResponse:
        body = self.templates.get_template(template).render(
            csrf=self.csrf, agency=self.agency(), path=request.url.path, when=when,
            to_json=script_json, **context)
        return HTMLResponse(body, status_code=status)

    def kit_summary(self, kit_id: str) -> dict[str, Any]:
        """What the front page says of a kit."""
        view = self.engine.views.get(kit_id)
        folder = self.root / "build" / kit_id
        try:
            kit: Kit | None = load_kit(self.project(), kit_id)
        except (InputError, PrintkitError):
            kit = None
        return {"id": kit_id, "kit": kit, "built": built_at(folder),
                "status": view.status if view else "idle",
                "manifest": manifest_of(folder)}


def manifest_of(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def script_json(value: Any) -> markupsafe.Markup:
    """JSON to put inside a <script type="application/json"> element: no text in it
    can end the element."""
    text = json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e")
    return markupsafe.Markup(text.replace("&", "\\u0026"))


def when(stamp: float | None) -> str:
    """A time in words: "today at 10:42", "yesterday at 16:05", "2 March 2026"."""
    if not stamp:
        return ""
    moment = dt.datetime.fromtimestamp(stamp)
    today = dt.date.today()
    clock = moment.strftime("%H:%M")
    if moment.date() == today:
        return f"today at {clock}"
    if moment.date() == today - dt.timedelta(days=1):
        return f"yesterday at {clock}"
    return f"{moment.day} {moment.strftime('%B %Y')} at {clock}"
