"""printkit serve without a browser: its routes through Starlette's TestClient, its safety
(tokens, paths, upload limits, hosts), the event stream over real HTTP, the forms, and the
warm engine following edits. The browser test is test_serve_browser.py."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import os
import shutil
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx2 as httpx
import pytest
import uvicorn
from starlette.testclient import TestClient

from printkit.engine.lock import build_lock
from printkit.serve import listen
from printkit.serve.app import create_app
from printkit.serve.engine import WarmEngine
from printkit.serve.events import Hub
from printkit.serve.forms import event_fields, label_of, read_event
from printkit.serve.pages import PageStore, changed, read_pages
from printkit.serve.site import Site
from printkit.serve.watch import Watcher
from printkit.source.kit import load_kit
from printkit.source.project import load_project

from .conftest import pdftotext

BASE = "http://127.0.0.1:8000"
EVENT_KIT = """\
extends: mini
title: Mini Event Kit
audience: incident commanders
variables:
  event_name: !sample Sample Event
  event_date: 2026-03-05
  briefing: true
  copies: 40
"""


class Events:
    """Every event the hub publishes, recorded for a test to wait on."""

    def __init__(self, hub: Hub) -> None:
        self.seen: list[tuple[str, dict[str, Any]]] = []
        self.cond = threading.Condition()
        publish = hub.publish

        def record(kind: str, data: dict[str, Any]) -> None:
            with self.cond:
                self.seen.append((kind, data))
                self.cond.notify_all()
            publish(kind, data)

        hub.publish = record  # type: ignore[method-assign]

    def wait(self, kind: str, test: Callable[[dict[str, Any]], bool] = lambda d: True,
             after: int = 0, timeout: float = 240) -> tuple[int, dict[str, Any]]:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for i, (k, data) in enumerate(self.seen[after:], after):
                    if k == kind and test(data):
                        return i + 1, data
                left = deadline - time.monotonic()
                assert left > 0, f"no {kind!r} event; saw {[k for k, _ in self.seen]}"
                self.cond.wait(left)


@pytest.fixture
def root(built: Path, tmp_path: Path) -> Path:
    """A copy of the built sample project (its render cache too) with an event kit."""
    dest = tmp_path / "proj"
    shutil.copytree(built, dest, symlinks=True)
    (dest / "kits" / "mini-event.yaml").write_text(EVENT_KIT, encoding="utf-8")
    return dest


def make_site(root: Path, token: str | None = None) -> Site:
    hub = Hub()
    store = PageStore(root / "build" / ".cache" / "preview")
    return Site(root, WarmEngine(root, hub, store, jobs=2), hub, store, token)


@pytest.fixture
def site(root: Path) -> Iterator[Site]:
    made = make_site(root)
    yield made
    made.engine.close()


@pytest.fixture
def client(site: Site) -> TestClient:
    return TestClient(create_app(site), base_url=BASE)


def form_post(client: TestClient, url: str, data: dict[str, str], **kw: Any) -> httpx.Response:
    return client.post(url, data=data, follow_redirects=False, **kw)


# -- pages ---------------------------------------------------------------------------------

def test_front_page_lists_every_kit_with_its_audience_and_last_build(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    text = page.text
    assert "Mini Kit" in text and "Mini Print Kit" in text and "Mini Event Kit" in text
    assert "For testers" in text and "For incident commanders" in text
    assert "Alpha handout" in text          # the documents, by title once built
    assert "today at" in text and "Not built yet" in text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"


def test_kit_page_shows_every_page_and_downloads_in_plain_words(client: TestClient,
                                                                root: Path) -> None:
    page = client.get("/kits/mini")
    assert page.status_code == 200
    html = page.text
    keys = read_pages((root / "build/mini/mini.pdf").read_bytes())
    for number, p in enumerate(keys, 1):
        assert f'id="page-{number}" data-key="{p.key}"' in html
    assert "Reading copy (the whole kit)" in html and "Download all files (zip)" in html
    assert 'href="/files/mini/handouts/alpha.pdf"' in html and "Alpha handout" in html
    assert "Make an event version" in html and "Packets from a class list" in html
    image = client.get(f"/pages/{keys[2].key}.png")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")
    assert (root / "build/.cache/preview" / f"{keys[2].key}.png").is_file()
    state = client.get("/kits/mini/state.json").json()
    assert [p["key"] for p in state["pages"]] == [p.key for p in keys]
    assert state["pages"][2]["document"] == "Alpha handout"


def test_outputs_download_and_zip(client: TestClient, root: Path) -> None:
    pdf = client.get("/files/mini/mini.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "attachment" in pdf.headers["content-disposition"]
    assert pdf.content == (root / "build/mini/mini.pdf").read_bytes()
    report = client.get("/files/mini/preflight.html")
    assert report.status_code == 200 and "sandbox" in report.headers["content-security-policy"]
    archive = zipfile.ZipFile(io.BytesIO(client.get("/zip/mini").content))
    assert {"mini/mini.pdf", "mini/handouts/alpha.pdf", "mini/manifest.json"} <= set(
        archive.namelist())


def test_unknown_kits_and_images_are_not_found(client: TestClient) -> None:
    assert client.get("/kits/nope").status_code == 404
    assert client.get("/kits/nope/event").status_code == 404
    assert client.get("/pages/" + "0" * 64 + ".png").status_code == 404
    assert client.get("/pages/not-a-key.png").status_code == 404
    assert client.get("/zip/nope").status_code == 404


# -- safety --------------------------------------------------------------------------------

def test_posts_need_the_page_token(client: TestClient, root: Path) -> None:
    data = {"var.event_name": "Harbor Drill"}
    assert form_post(client, "/kits/mini/build", data).status_code == 403
    assert form_post(client, "/kits/mini/build", {**data, "csrf": "guess"}).status_code == 403
    upload = client.post("/kits/mini/roster", files={"roster": ("c.csv", b"a,b\n1,2\n")},
                         data={"csrf": "guess"})
    assert upload.status_code == 403
    assert client.post("/kits/mini/roster", files={"roster": ("c.csv", b"a\n1\n")}
                       ).status_code == 403
    assert not [p for p in (root / "build").iterdir() if p.name.startswith("mini-")]
    assert not (root / "build/.uploads").exists()


def test_a_form_from_another_site_is_refused(client: TestClient, site: Site) -> None:
    for origin in ("http://evil.example", "http://127.0.0.1:9999", "https://127.0.0.1:8000"):
        answer = form_post(client, "/kits/mini/build", {"csrf": site.csrf},
                           headers={"origin": origin})
        assert answer.status_code == 403, origin
        assert "another site" in answer.text


def test_only_the_loopback_names_are_answered(client: TestClient) -> None:
    # A web page elsewhere cannot reach the server through a name it controls.
    assert client.get("/", headers={"host": "evil.example:8000"}).status_code == 400
    assert client.get("/", headers={"host": "localhost:8000"}).status_code == 200
    assert client.get("/", headers={"host": "[::1]:8000"}).status_code == 200


TRAVERSALS = [
    "/files/mini/../../printkit.yaml",
    "/files/mini/%2e%2e/%2e%2e/printkit.yaml",
    "/files/mini/..%2f..%2fprintkit.yaml",
    "/files/mini/%2E%2E%2F%2E%2E%2Fprintkit.yaml",
    "/files/%2e%2e/printkit.yaml",
    "/files/..%2fkits/mini.yaml",
    "/files/mini/.%2e/.%2e/kits/mini.yaml",
    "/files/mini/%2fetc%2fpasswd",
    "/files/mini//etc/passwd",
    "/files/.cache/builds.json",
    "/files/mini/.lock",
    "/files/mini/link-out.pdf",
    "/files/mini/inside/mini.pdf",
    "/files/mini-outside/printkit.yaml",
    "/files/build/mini/mini.pdf",
    "/files/mini/mini.pdf%00.html",
    "/static/../printkit.yaml",
    "/static/%2e%2e/printkit.yaml",
    "/zip/%2e%2e",
    "/zip/mini-outside",
    "/pages/..%2f..%2fprintkit.yaml.png",
]


def test_no_path_reaches_anything_but_the_outputs(client: TestClient, root: Path) -> None:
    build = root / "build"
    os.symlink(root / "printkit.yaml", build / "mini" / "link-out.pdf")
    os.symlink(build / "mini", build / "mini" / "inside")    # a link inside, to outputs
    os.symlink(root, build / "mini-outside")                  # a folder named like a build
    secret = (root / "printkit.yaml").read_bytes()
    for path in TRAVERSALS:
        answer = client.get(path)
        assert answer.status_code in (400, 404), (path, answer.status_code)
        assert secret not in answer.content and b"root:" not in answer.content, path
    app = client.app
    # As a server hands them on: decoded, dot segments kept (a client would remove some).
    for path in [*TRAVERSALS, "/files/mini/../mini.pdf", "/files/mini/./mini.pdf",
                 "/files/mini/handouts/../../../printkit.yaml"]:
        status, body = asyncio.run(raw_get(app, path))
        assert status in (400, 404), (path, status)
        assert secret not in body and b"root:" not in body, path


async def raw_get(app: Any, raw: str) -> tuple[int, bytes]:
    """GET ``raw`` straight through the ASGI app (no client normalises the path)."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "GET", "scheme": "http", "path": unquote(raw.partition("?")[0]),
             "raw_path": raw.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"127.0.0.1:8000")], "server": ("127.0.0.1", 8000),
             "client": ("127.0.0.1", 50000)}
    answer: dict[str, Any] = {"status": 0, "body": b""}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")

    await app(scope, receive, send)
    return answer["status"], answer["body"]


def test_uploads_are_limited_in_size(client: TestClient, site: Site, root: Path) -> None:
    big = b"event_name\n" + b"x" * (6 * 1024 * 1024)
    answer = client.post("/kits/mini/roster", files={"roster": ("big.csv", big)},
                         data={"csrf": site.csrf})
    assert answer.status_code == 413 and "too large" in answer.text

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b"--x\r\nContent-Disposition: form-data; name=\"roster\"; filename=\"a.csv\"\r\n\r\n"
        for _ in range(7):
            yield b"y" * (1024 * 1024)
    streamed = client.post("/kits/mini/roster", content=chunks(),
                           headers={"content-type": "multipart/form-data; boundary=x"})
    assert streamed.status_code == 413
    assert not (root / "build/.uploads").exists() or not any((root / "build/.uploads").iterdir())


def test_beyond_loopback_the_access_token_is_required(root: Path) -> None:
    guarded = make_site(root, token="s3cret-token")
    try:
        client = TestClient(create_app(guarded, "0.0.0.0"), base_url="http://192.0.2.10:8000")
        assert client.get("/").status_code == 403
        assert client.get("/kits/mini").status_code == 403
        assert client.get("/files/mini/mini.pdf").status_code == 403
        assert client.get("/?token=wrong").status_code == 403
        enter = client.get("/kits/mini?token=s3cret-token", follow_redirects=False)
        assert enter.status_code == 303 and enter.headers["location"] == "/kits/mini"
        assert "HttpOnly" in enter.headers["set-cookie"]
        assert client.get("/kits/mini").status_code == 200   # the cookie is kept
        assert form_post(client, "/kits/mini/build", {"var.event_name": "X"}).status_code == 403
    finally:
        guarded.engine.close()


# -- the event stream ----------------------------------------------------------------------

def test_events_arrive_over_http_as_server_sent_events(site: Site) -> None:
    sock = listen("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(site), log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        with httpx.stream("GET", f"http://127.0.0.1:{port}/events", timeout=10) as answer:
            assert answer.headers["content-type"].startswith("text/event-stream")
            lines = answer.iter_lines()
            assert ": connected" in [next(lines), next(lines)]
            site.hub.publish("pages", {"kit": "mini", "changed": [3], "pages": []})
            got = []
            for line in lines:
                got.append(line)
                if line.startswith("data:"):
                    break
            assert "event: pages" in got
            assert json.loads(got[-1].removeprefix("data: "))["changed"] == [3]
    finally:
        site.hub.close()
        server.should_exit = True
        thread.join(10)
        sock.close()
    assert not thread.is_alive()


def test_changed_pages_are_named_by_number() -> None:
    from printkit.serve.pages import Page

    def pages(*keys: str) -> list[Page]:
        return [Page(k * 64, 612, 792, "") for k in keys]

    assert changed(pages("a", "b", "c"), pages("a", "x", "c")) == [2]
    assert changed(pages("a", "b"), pages("a", "b", "c")) == [3]
    assert changed(pages("a", "b", "c"), pages("a")) == [2, 3]
    assert changed(pages("a"), pages("a")) == []


def test_the_watcher_names_changed_sources(tmp_path: Path) -> None:
    root = tmp_path / "p"
    (root / "templates").mkdir(parents=True)
    (root / "kits").mkdir()
    (root / "printkit.yaml").write_text("paper: letter\n")
    heard: list[set[str]] = []
    event = threading.Event()

    def on_change(paths: set[str]) -> None:
        heard.append(paths)
        event.set()

    watcher = Watcher(root, on_change)
    watcher.start()
    try:
        time.sleep(0.3)
        (root / "templates" / "a.html").write_text("hello")
        assert event.wait(10)
        assert any("templates/a.html" in paths for paths in heard)
        event.clear()
        replaced = root / "printkit.yaml.new"
        replaced.write_text("paper: a4\n")
        replaced.replace(root / "printkit.yaml")   # as an editor saves it
        deadline = time.monotonic() + 10
        while not any("printkit.yaml" in paths for paths in heard):
            assert time.monotonic() < deadline, heard
            event.wait(0.5)
    finally:
        watcher.stop()


# -- the forms -----------------------------------------------------------------------------

def test_event_fields_are_typed_and_placeholders_are_examples(root: Path) -> None:
    kit = load_kit(load_project(root), "mini-event")
    fields = {f.key: f for f in event_fields(kit)}
    assert fields["event_date"].kind == "date" and fields["event_date"].value == "2026-03-05"
    assert fields["event_name"].example == "Sample Event" and fields["event_name"].value == ""
    assert fields["briefing"].kind == "yesno" and fields["copies"].kind == "number"
    assert label_of("mh_commander") == "MH commander"
    assert label_of("contacts.eap") == "Contacts: EAP"
    values, wrong = read_event(list(fields.values()), {
        "var.event_name": "", "var.event_date": "2026-04-01", "var.briefing": "yes",
        "var.copies": "40"})
    assert values == {"event_date": dt.date(2026, 4, 1)} and not wrong  # the rest as is
    values, wrong = read_event(list(fields.values()), {
        "var.event_name": "Harbor Drill", "var.event_date": "01/04/2026",
        "var.copies": "many", "var.briefing": "no"})
    assert values == {"event_name": "Harbor Drill", "briefing": False}
    assert wrong == ["Event date: pick a date (or type it as YYYY-MM-DD)",
                     "Copies: type a number"]


def test_event_form_page(client: TestClient, site: Site) -> None:
    html = client.get("/kits/mini-event/event").text
    assert '<input type="date" id="f-event_date" name="var.event_date" value="2026-03-05"' in html
    assert 'placeholder="Sample Event"' in html and 'class="tag">sample</span>' in html
    assert '<label for="f-event_name">' in html and 'name="csrf"' in html
    bad = form_post(client, "/kits/mini-event/build",
                    {"csrf": site.csrf, "var.event_date": "tomorrow"})
    assert bad.status_code == 400 and "Event date: pick a date" in bad.text
    assert 'value="tomorrow"' in bad.text   # what was typed is kept


def test_a_ragged_roster_row_is_reported_like_check_does(client: TestClient, site: Site,
                                                         root: Path) -> None:
    csv = b"event_name,event_date\nHarbor Drill,2026-04-01\nPier Fire,2026-04-02,extra\n"
    answer = client.post("/kits/mini/roster", files={"roster": ("class-list.csv", csv)},
                         data={"csrf": site.csrf})
    assert answer.status_code == 400
    assert "class-list.csv:3" in answer.text
    assert "row has 3 values but the header has 2 columns" in answer.text
    assert "Check for a missing or extra comma" in answer.text
    assert ".uploads" not in answer.text
    assert not any((root / "build/.uploads").iterdir())


# -- builds (they render) ------------------------------------------------------------------

@pytest.mark.slow
def test_event_build_from_the_form(client: TestClient, site: Site, root: Path) -> None:
    answer = form_post(client, "/kits/mini-event/build", {
        "csrf": site.csrf, "var.event_name": "Harbor Drill", "var.event_date": "2026-04-01",
        "var.briefing": "yes", "var.copies": "40", "build_name": ""})
    assert answer.status_code == 200, answer.text
    folder = root / "build" / "mini-event-harbor-drill"
    assert "Ready to print" in answer.text and "build/mini-event-harbor-drill" in answer.text
    assert 'href="/files/mini-event-harbor-drill/mini-event.pdf"' in answer.text
    text = pdftotext(folder / "mini-event.pdf")
    assert "Harbor Drill" in text and "April 1, 2026" in text and "SAMPLE" not in text
    assert client.get("/files/mini-event-harbor-drill/mini-event.pdf").status_code == 200
    # Left empty, the placeholder prints and every page says so.
    sample = form_post(client, "/kits/mini-event/build", {
        "csrf": site.csrf, "var.event_name": "", "var.event_date": "2026-04-01",
        "build_name": "drill two"})
    assert sample.status_code == 200
    assert "Every page is marked SAMPLE" in sample.text and "event_name" in sample.text
    assert "SAMPLE" in pdftotext(root / "build/mini-event-drill-two/mini-event.pdf", 1, 1)


@pytest.mark.slow
def test_roster_upload_builds_the_packets(client: TestClient, site: Site, root: Path) -> None:
    csv = b"event_name,event_date\nHarbor Drill,2026-04-01\nPier Fire,2026-04-02\n"
    answer = client.post("/kits/mini/roster", files={"roster": ("events.csv", csv)},
                         data={"csrf": site.csrf})
    assert answer.status_code == 200, answer.text
    assert "2 packets built" in answer.text and "All packets in one file" in answer.text
    assert (root / "build/mini/mini-roster.pdf").is_file()
    assert "Pier Fire" in pdftotext(root / "build/mini/roster/pier-fire.pdf")
    assert not any((root / "build/.uploads").iterdir())   # the upload is not kept


@pytest.mark.slow
def test_edits_update_only_their_pages_and_a_mistake_keeps_the_last_good_ones(
        client: TestClient, site: Site, root: Path) -> None:
    events = Events(site.hub)
    engine = site.engine
    engine.start()
    engine.open("mini")
    mark, _ = events.wait("built", lambda d: d["kit"] == "mini")
    before = [p.key for p in engine.views["mini"].pages]
    alpha = root / "templates/docs/mini/alpha.html"
    original = alpha.read_text()
    alpha.write_text(original.replace("Alpha section one", "Alpha section uno"))
    engine.changed({"templates/docs/mini/alpha.html"})
    mark, pages = events.wait("pages", lambda d: d["kit"] == "mini", mark)
    assert pages["changed"] == [3]            # the alpha handout's page only
    good = [p["key"] for p in pages["pages"]]
    assert good[:2] == before[:2] and good[3:] == before[3:]
    # A mistake: the page says where and what, and keeps the last good pages.
    alpha.write_text(original.replace("{% block content %}", "{% block content %}{{ oops( }}"))
    engine.changed({"templates/docs/mini/alpha.html"})
    mark, problem = events.wait("problem", lambda d: d["kit"] == "mini", mark)
    first = problem["problems"][0]
    assert first["file"] == "templates/docs/mini/alpha.html" and first["line"] == 5
    assert [p.key for p in engine.views["mini"].pages] == good
    html = client.get("/kits/mini").text
    assert "The last change could not be built" in html and "alpha.html:5" in html
    assert f'data-key="{good[2]}"' in html
    alpha.write_text(original)
    engine.changed({"templates/docs/mini/alpha.html"})
    mark, fixed = events.wait("pages", lambda d: d["kit"] == "mini", mark)
    assert fixed["problems"] == [] and [p["key"] for p in fixed["pages"]] == before


@pytest.mark.slow
def test_builds_from_the_page_take_the_build_lock(site: Site, root: Path) -> None:
    events = Events(site.hub)
    done = threading.Event()

    def build() -> None:
        site.engine.event_build("mini", None, "locked")
        done.set()

    with build_lock(root / "build", lambda message: None):   # another build is running
        worker = threading.Thread(target=build, daemon=True)
        worker.start()
        events.wait("notice", lambda d: "another printkit build" in d["message"], timeout=60)
        assert not done.wait(1.0)
    assert done.wait(240)
    assert (root / "build/mini-locked/mini.pdf").is_file()


def test_serve_names_a_kit_it_does_not_have_and_a_port_in_use(project: Path) -> None:
    from click.testing import CliRunner

    from printkit.cli import cli
    from printkit.errors import PrintkitError

    result = CliRunner().invoke(cli, ["-C", str(project), "serve", "mini-kit", "--no-open"])
    assert result.exit_code == 1 and "no kit named 'mini-kit'" in result.output
    assert "Did you mean 'mini'?" in result.output
    taken = listen("127.0.0.1", 0)
    try:
        with pytest.raises(PrintkitError, match="try --port"):
            listen("127.0.0.1", taken.getsockname()[1])
    finally:
        taken.close()
