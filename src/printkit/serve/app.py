"""The server's routes: the front page, a page per kit, page images, the project's output
files, and the event stream. The forms are in formviews.py."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    JSONResponse,
    PlainTextResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from printkit.errors import PrintkitError
from printkit.serve import formviews
from printkit.serve.forms import MAX_UPLOAD, event_fields
from printkit.serve.outputs import built_at, downloads, findings_count, zip_of
from printkit.serve.security import LOOPBACK_NAMES, Guard, output_path
from printkit.serve.site import HERE, Site, manifest_of
from printkit.serve.state import KitView
from printkit.source.kit import Kit

# A report from the build folder (preflight.html) is shown as a document, never run.
REPORT_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
TYPES = {".pdf": "application/pdf", ".html": "text/html; charset=utf-8",
         ".json": "application/json"}


def site_of(request: Request) -> Site:
    site: Site = request.app.state.site
    return site


def not_found(request: Request, what: str = "There is no such page.") -> Response:
    return site_of(request).page(request, "missing.html", 404, what=what)


async def front(request: Request) -> Response:
    site = site_of(request)
    kits = await run_in_threadpool(lambda: [site.kit_summary(k) for k in site.kit_ids()])
    return site.page(request, "index.html", kits=kits, findings=lambda k: findings_count(
        site.root / "build" / k))


def _documents(kit: Kit, view: KitView, manifest: dict[str, Any],
               folder: Path) -> list[dict[str, Any]]:
    """The kit's documents beside its pages: title, first page, handout."""
    ids = {str(d.get("title")): str(d.get("id")) for d in manifest.get("documents", [])
           if isinstance(d, dict)}
    out = []
    for title, pages in itertools.groupby(enumerate(view.pages, 1),
                                          key=lambda item: item[1].document):
        first = next(pages)[0]
        if not title:
            title = "Cover"
        doc_id = ids.get(title, "")
        handout = folder / "handouts" / f"{doc_id}.pdf"
        out.append({"title": title, "page": first,
                    "handout": f"/files/{kit.id}/handouts/{doc_id}.pdf"
                    if doc_id and handout.is_file() else ""})
    return out


def panel_context(site: Site, kit: Kit, view: KitView) -> dict[str, Any]:
    folder = site.root / "build" / kit.id
    manifest = manifest_of(folder)
    titles = {str(d.get("id")): str(d.get("title")) for d in manifest.get("documents", [])
              if isinstance(d, dict)}
    files = downloads(folder, kit.id, titles) if folder.is_dir() else []
    groups: dict[str, list[Any]] = {}
    for item in files:
        groups.setdefault(item.group, []).append(item)
    return {"kit": kit, "view": view, "groups": groups, "built": built_at(folder),
            "findings": findings_count(folder), "has_zip": bool(files),
            "documents": _documents(kit, view, manifest, folder),
            "has_fields": bool(event_fields(kit))}


async def kit_page(request: Request) -> Response:
    site = site_of(request)
    kit_id = request.path_params["kit_id"]
    try:
        kit = await run_in_threadpool(site.kit, kit_id)
    except PrintkitError as exc:
        return site.page(request, "broken.html", 200, kit_id=kit_id, error=str(exc))
    if kit is None:
        return not_found(request, f"There is no kit named '{kit_id}'.")
    view = await run_in_threadpool(site.engine.open, kit_id)
    return site.page(request, "kit.html", state=view.as_json(),
                     **panel_context(site, kit, view))


async def kit_panel(request: Request) -> Response:
    """The kit page's side panel (documents and downloads), fetched again after a build."""
    site = site_of(request)
    kit = await run_in_threadpool(site.kit, request.path_params["kit_id"])
    if kit is None:
        return not_found(request)
    view = site.engine.open(kit.id)
    return site.page(request, "panel.html", **panel_context(site, kit, view))


async def kit_state(request: Request) -> Response:
    site = site_of(request)
    kit_id = request.path_params["kit_id"]
    if kit_id not in site.kit_ids():
        return JSONResponse({"error": "no such kit"}, 404)
    return JSONResponse({**site.engine.open(kit_id).as_json(),
                         "ready": site.engine.ready.is_set()})


async def page_image(request: Request) -> Response:
    site = site_of(request)
    png = await run_in_threadpool(site.store.image, request.path_params["key"])
    if png is None:
        return PlainTextResponse("No such page image.", 404)
    # Named by what it shows: the same address always means the same picture.
    return Response(png, media_type="image/png",
                    headers={"cache-control": "private, max-age=31536000, immutable"})


async def output_file(request: Request) -> Response:
    site = site_of(request)
    path = output_path(site.root / "build", request.path_params["folder"],
                       request.path_params["name"], site.folders())
    if path is None:
        return PlainTextResponse("No such file.", 404)
    kind = TYPES.get(path.suffix)
    if kind is None:
        return PlainTextResponse("No such file.", 404)
    if path.suffix == ".html":
        return FileResponse(path, media_type=kind, content_disposition_type="inline",
                            headers={"content-security-policy": REPORT_POLICY})
    return FileResponse(path, media_type=kind, filename=path.name)


async def output_zip(request: Request) -> Response:
    site = site_of(request)
    folder = request.path_params["folder"]
    if folder not in site.folders():
        return PlainTextResponse("No such build.", 404)
    part = request.query_params.get("part", "")
    data = await run_in_threadpool(zip_of, site.root / "build" / folder, part)
    return Response(data, media_type="application/zip", headers={
        "content-disposition": f'attachment; filename="{folder}{"-" + part if part else ""}'
                               '.zip"'})


async def events(request: Request) -> Response:
    return StreamingResponse(site_of(request).hub.stream(), media_type="text/event-stream",
                             headers={"cache-control": "no-cache", "x-accel-buffering": "no"})


def create_app(site: Site, host: str = "127.0.0.1") -> Guard:
    """The ASGI application: routes, behind the guard (security.py)."""
    app = Starlette(routes=[
        Route("/", front),
        Route("/kits/{kit_id}", kit_page),
        Route("/kits/{kit_id}/panel", kit_panel),
        Route("/kits/{kit_id}/state.json", kit_state),
        Route("/kits/{kit_id}/event", formviews.event_form),
        Route("/kits/{kit_id}/build", formviews.event_build, methods=["POST"]),
        Route("/kits/{kit_id}/roster", formviews.roster_form),
        Route("/kits/{kit_id}/roster", formviews.roster_upload, methods=["POST"]),
        Route("/pages/{key}.png", page_image),
        Route("/files/{folder}/{name:path}", output_file),
        Route("/zip/{folder}", output_zip),
        Route("/events", events),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ])
    app.state.site = site
    return Guard(app, site.access_token, MAX_UPLOAD + 64 * 1024, LOOPBACK_NAMES | {host})
