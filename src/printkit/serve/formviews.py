"""The forms' pages: an event build (POST /kits/<id>/build) and a roster upload (POST
/kits/<id>/roster). Each POST carries the page's token (403 without it); a build takes
the engine's turn and the build lock like any other, and writes under build/ as the
command line does."""

from __future__ import annotations

import shutil
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from printkit.errors import PrintkitError
from printkit.options import KitResult
from printkit.serve.forms import (
    MAX_UPLOAD,
    build_name,
    event_fields,
    event_layer,
    read_event,
    roster_problems,
    save_upload,
    shown_value,
)
from printkit.serve.outputs import Download, downloads
from printkit.serve.site import Site, manifest_of
from printkit.serve.state import problems_of
from printkit.source.kit import Kit

FORBIDDEN = ("This form has expired or did not come from this printkit page. Go back, "
             "reload the page and try again.")


class _InMemory(MultiPartParser):
    """An upload kept in memory (it is never larger than MAX_UPLOAD): nothing is written
    outside build/, not even a temporary file."""

    spool_max_size = MAX_UPLOAD + 1


def _site(request: Request) -> Site:
    site: Site = request.app.state.site
    return site


async def _kit(request: Request) -> tuple[Site, Kit | None]:
    site = _site(request)
    try:
        kit = await run_in_threadpool(site.kit, request.path_params["kit_id"])
    except PrintkitError:
        kit = None
    return site, kit


def _missing(site: Site, request: Request) -> Response:
    return site.page(request, "missing.html", 404,
                     what=f"There is no kit named '{request.path_params['kit_id']}'.")


async def event_form(request: Request) -> Response:
    site, kit = await _kit(request)
    if kit is None:
        return _missing(site, request)
    return site.page(request, "event.html", kit=kit, fields=event_fields(kit), values={},
                     problems=[], build_name="")


async def event_build(request: Request) -> Response:
    site = _site(request)
    form = await request.form(max_files=0, max_fields=500)
    if not site.csrf_ok(form):
        return PlainTextResponse(FORBIDDEN, 403)
    site, kit = await _kit(request)
    if kit is None:
        return _missing(site, request)
    fields = event_fields(kit)
    values, wrong = read_event(fields, form)
    typed = str(form.get("build_name", "")).strip()
    shown = {f.name: str(form.get(f.name, "")) for f in fields}

    def again(problems: list[dict[str, Any]]) -> Response:
        return site.page(request, "event.html", 400, kit=kit, fields=fields, values=shown,
                         problems=problems, build_name=typed)

    if wrong:
        return again([{"text": w, "message": w, "file": "", "line": None, "hint": "",
                       "severity": "error"} for w in wrong])
    current = {f.key: f.value for f in fields if f.value}
    name = build_name(typed, {**current, **values})
    try:
        result = await run_in_threadpool(site.engine.event_build, kit.id,
                                         event_layer(values), name)
    except PrintkitError as exc:
        return again(problems_of(exc))
    return await _result(site, request, kit, result, "event", name=name, values={
        f.label: shown_value(values[f.key]) if f.key in values
        else f.value or f"{f.example} (sample)" for f in fields})


async def _result(site: Site, request: Request, kit: Kit, result: KitResult, kind: str,
                  **context: Any) -> Response:
    folder = result.folder
    manifest = manifest_of(folder)
    titles = {str(d.get("id")): str(d.get("title")) for d in manifest.get("documents", [])
              if isinstance(d, dict)}
    roster = kind == "roster"
    groups: dict[str, list[Download]] = {}
    for item in downloads(folder, kit.id, titles, roster=roster):
        groups.setdefault(item.group, []).append(item)
    reading = folder / (kit.output_names().roster if roster else kit.output_names().reading)
    pages = await run_in_threadpool(site.store.add, folder.name + (":roster" if roster
                                                                   else ""),
                                    reading.read_bytes()) if reading.is_file() else []
    return site.page(request, "result.html", kit=kit, result=result, kind=kind,
                     groups=groups, folder=folder.name, pages=pages[:12],
                     more=max(0, len(pages) - 12), **context)


async def roster_form(request: Request) -> Response:
    site, kit = await _kit(request)
    if kit is None:
        return _missing(site, request)
    return site.page(request, "roster.html", kit=kit, problems=[], filename="")


async def _upload(request: Request) -> FormData | None:
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return None
    try:
        return await _InMemory(request.headers, request.stream(), max_files=1,
                               max_fields=10).parse()
    except MultiPartException:
        return None


async def roster_upload(request: Request) -> Response:
    site = _site(request)
    form = await _upload(request)
    if form is None or not site.csrf_ok(form):
        return PlainTextResponse(FORBIDDEN, 403)
    site, kit = await _kit(request)
    if kit is None:
        return _missing(site, request)
    upload = form.get("roster")
    data = await upload.read() if isinstance(upload, UploadFile) else b""
    shown = (upload.filename if isinstance(upload, UploadFile) else "") or "roster.csv"

    def again(status: int, problems: list[dict[str, Any]]) -> Response:
        return site.page(request, "roster.html", status, kit=kit, problems=problems,
                         filename=shown)

    if not data:
        return again(400, [{"text": "Choose a CSV file with one row per person.",
                            "message": "Choose a CSV file with one row per person.",
                            "file": "", "line": None, "hint": "", "severity": "error"}])
    project = site.project()
    path = save_upload(project.build_dir, shown, data)
    try:
        found = await run_in_threadpool(roster_problems, project, kit.id, path, shown)
        if any(p.severity == "error" for p in found):
            return again(400, [_problem(p) for p in found])
        result = await run_in_threadpool(site.engine.roster_build, kit.id, path)
    except PrintkitError as exc:
        saved = project.rel(path)
        return again(400, [{k: v.replace(saved, shown) if isinstance(v, str) else v
                            for k, v in p.items()} for p in problems_of(exc)])
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)
        await form.close()
    return await _result(site, request, kit, result, "roster", filename=shown,
                         warnings=[str(p) for p in found])


def _problem(p: Any) -> dict[str, Any]:
    return {"file": p.file, "line": p.line, "severity": p.severity, "message": p.message,
            "hint": p.hint, "text": str(p)}
