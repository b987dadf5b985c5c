"""End to end in headless Debian Chromium: the demo served by uvicorn, used as a person would."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn

from commonground.catalog import add_initiatives
from commonground.settings import Settings
from commonground.store import Store
from commonground.web.app import create_app
from web.web_catalog import AHMEDABAD_TITLE, catalog_records

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]

pytestmark = pytest.mark.browser

Need = Callable[[bool, str], None]


def load_catalog(store: Store, settings: Settings) -> None:
    """The demo data when the catalog ships it, else the same key facts built in code."""
    try:
        from commonground.catalog.demo import load_demo
    except ImportError:
        add_initiatives(store, catalog_records())
    else:
        load_demo(store, settings)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def base_url(settings: Settings, store: Store) -> Iterator[str]:
    load_catalog(store, settings)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, store=store), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start within 20 s"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_filter_by_sdg_13_and_open_ahmedabad(need: Need, base_url: str, tmp_path: Path) -> None:
    need(CHROMIUM.exists(), f"Debian chromium not found at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    shots = Path(os.environ.get("COMMONGROUND_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(15_000)
            page.goto(base_url + "/")
            assert page.locator("h1").inner_text() == "Cities learning from cities"
            assert page.locator("a.goal-tile").count() == 17
            page.screenshot(path=str(shots / "home.png"), full_page=True)
            # the first Tab reaches the skip link, which then shows
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.className") == "skip-link"
            assert page.locator(".skip-link").bounding_box()["y"] >= 0  # type: ignore[index]

            page.get_by_role("navigation", name="Main").get_by_role(
                "link", name="Initiatives").click()
            page.wait_for_url("**/initiatives")
            page.get_by_label("Sustainable Development Goal").select_option("13")
            page.get_by_role("button", name="Apply filters").click()
            page.wait_for_url("**/initiatives?*sdg=13*")
            results = page.locator("section.results")
            assert AHMEDABAD_TITLE in results.inner_text()
            titles = results.locator("article h3").all_inner_texts()
            assert AHMEDABAD_TITLE in titles
            assert all("Vegetable garden" not in t for t in titles)
            page.screenshot(path=str(shots / "list-sdg13.png"), full_page=True)

            results.get_by_role("link", name=AHMEDABAD_TITLE).click()
            page.wait_for_url("**/initiatives/ahmedabad*")
            assert page.locator("h1").inner_text() == AHMEDABAD_TITLE
            partners = page.locator("section", has=page.locator("#partners-heading"))
            text = partners.inner_text()
            assert "Mahila Housing Trust" in text
            assert "Ahmedabad Municipal Corporation" in text
            outcomes = page.locator("table.outcomes").inner_text()
            assert "125,000" in outcomes and "people" in outcomes
            assert "107" in outcomes and "slums" in outcomes
            stated = page.locator(".sdg-stated .sdg-badge").all_inner_texts()
            assert any(t.startswith("13") for t in stated)
            page.screenshot(path=str(shots / "ahmedabad.png"), full_page=True)

            page.locator(".sdg-stated a.sdg-badge", has_text="Climate action").click()
            page.wait_for_url("**/sdgs/13")
            assert "Climate action" in page.locator("h1").inner_text()
            mapped = page.locator("section", has=page.locator("#mapped-heading")).inner_text()
            assert AHMEDABAD_TITLE in mapped
            page.screenshot(path=str(shots / "sdg13.png"), full_page=False)
        finally:
            browser.close()
