"""printkit serve in a real browser: headless Chromium (Debian's chromium and
chromium-driver, which `make test` installs) driven by Selenium against `printkit serve`
started as a user starts it. It opens the front page and a kit, edits a template on disk
and waits for the changed page image to arrive (and fails if it does not), builds an
event version from the form and downloads its PDF, and uploads a ragged roster."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import pdftotext

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
# The machine has no network: without these Chromium stalls on its own updates and sync.
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1280,900")
WAIT = 180.0    # a generous limit: the whole suite may be running beside this test
BUILD_WAIT = 300.0  # an event build is a full build, print checks included


@pytest.fixture
def served(built: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`printkit serve mini` on a free port, in a copy of the built sample project."""
    root = tmp_path / "proj"
    shutil.copytree(built, root, symlinks=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "printkit", "-C", str(root), "serve", "mini", "--no-open",
         "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    said: list[str] = []
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert line.startswith("printkit serve: http://127.0.0.1:"), line + server.stdout.read()
        # Keep reading what it says (a full pipe would stop it); shown if the test fails.
        threading.Thread(target=lambda: said.extend(server.stdout or []), daemon=True).start()
        address = line.split()[2].removesuffix("kits/mini")
        yield address, root
    finally:
        if said:
            print("printkit serve said:", "".join(said), sep="\n")
        server.terminate()   # as Ctrl-C would: the workers are stopped too
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)


@pytest.fixture
def browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    if not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)):
        pytest.skip("needs chromium and chromium-driver (make test installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    monkeypatch.setenv("SE_OFFLINE", "true")     # never ask the network for a driver
    monkeypatch.setenv("SE_AVOID_STATS", "true")
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads), "download.prompt_for_download": False,
        "plugins.always_open_pdf_externally": True})
    driver = webdriver.Chrome(options=options, service=Service(DRIVER))
    driver.set_page_load_timeout(BUILD_WAIT)   # a form's page comes when its build is done
    driver.execute_cdp_cmd("Page.setDownloadBehavior",
                           {"behavior": "allow", "downloadPath": str(downloads)})
    driver.downloads = downloads
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver: Any, script: str, *args: Any, timeout: float = WAIT) -> Any:
    """Run ``script`` until it returns something true; return that."""
    deadline = time.monotonic() + timeout
    while True:
        value = driver.execute_script(script, *args)
        if value:
            return value
        if time.monotonic() > deadline:
            shown = driver.execute_script("return document.body ? document.body.innerText : ''")
            raise AssertionError(f"timed out waiting for: {script}\n"
                                 f"{driver.current_url} shows:\n{shown[:3000]}")
        time.sleep(0.1)


LOADED = """
const fig = document.getElementById(arguments[0]);
if (!fig) return null;
const img = fig.querySelector('img');
return img.complete && img.naturalWidth > 0 && img.src.includes(fig.dataset.key)
    ? fig.dataset.key : null;
"""


def test_preview_forms_and_downloads_in_chromium(served: tuple[str, Path], browser: Any
                                                 ) -> None:
    from selenium.webdriver.common.by import By

    address, root = served
    browser.get(address)
    assert browser.find_element(By.TAG_NAME, "h1").text == "Print kits"
    browser.find_element(By.LINK_TEXT, "Mini Kit").click()
    assert browser.find_element(By.TAG_NAME, "h1").text == "Mini Kit"
    browser.execute_script("document.getElementById('page-3').scrollIntoView()")
    old = wait_for(browser, LOADED, "page-3")
    cover = wait_for(browser, LOADED, "page-1")
    scrolled = browser.execute_script("return window.scrollY")
    assert scrolled > 0

    # An edit on disk: the changed page's image arrives, the others stay, no reload.
    browser.execute_script("window.notReloaded = true")
    alpha = root / "templates/docs/mini/alpha.html"
    alpha.write_text(alpha.read_text().replace("Alpha section one", "Alpha section edited"))
    new = wait_for(browser, LOADED.replace("? fig.dataset.key", f"&& fig.dataset.key !== "
                                            f"'{old}' ? fig.dataset.key"), "page-3")
    assert new != old
    assert browser.execute_script("return window.notReloaded") is True
    assert browser.execute_script("return document.getElementById('page-1').dataset.key") \
        == cover
    assert browser.execute_script("return window.scrollY") == scrolled
    wait_for(browser, "return document.getElementById('status').dataset.status === 'idle'",
             timeout=BUILD_WAIT)

    # The event form: a date picker, and a PDF whose text has the event's name.
    browser.find_element(By.LINK_TEXT, "Make an event version").click()
    name = browser.find_element(By.ID, "f-event_name")
    assert browser.find_element(By.CSS_SELECTOR, "label[for='f-event_name']").text \
        == "Event name"
    assert browser.find_element(By.ID, "f-event_date").get_attribute("type") == "date"
    name.clear()
    name.send_keys("Harbor Drill Exercise")
    browser.execute_script("document.getElementById('f-event_date').value = '2026-04-01'")
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait_for(browser, "return document.querySelector('h1') && "
                      "document.querySelector('h1').textContent.includes('Event version built')",
             timeout=BUILD_WAIT)
    browser.find_element(By.LINK_TEXT, "Reading copy (the whole kit)").click()
    pdf = browser.downloads / "mini.pdf"
    deadline = time.monotonic() + 30
    while not pdf.is_file() or list(browser.downloads.glob("*.crdownload")):
        assert time.monotonic() < deadline, list(browser.downloads.iterdir())
        time.sleep(0.1)
    assert "Harbor Drill Exercise" in pdftotext(pdf)
    assert (root / "build/mini-harbor-drill-exercise/mini.pdf").is_file()

    # A ragged roster: the row's error, as `printkit check --roster` says it.
    ragged = root.parent / "ragged.csv"
    ragged.write_text("event_name,event_date\nHarbor Drill,2026-04-01\n"
                      "Pier Fire,2026-04-02,extra\n")
    browser.get(address + "kits/mini/roster")
    browser.find_element(By.ID, "roster").send_keys(str(ragged))
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    problems = wait_for(browser, "const p = document.getElementById('problems');"
                                 "return p && !p.hidden ? p.innerText : null;",
                        timeout=BUILD_WAIT)
    assert "ragged.csv:3" in problems
    assert "row has 3 values but the header has 2 columns" in problems
