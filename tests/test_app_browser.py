"""The app in a real browser (Debian's Chromium driven by Playwright): run the default sample problem to the end
with sim, step back on the timeline, click a matrix cell, and see the heatmap, histograms, clusters and details."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from screenshot import CHROMIUM_ARGS, free_port, start_app  # noqa: E402

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    playwright = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(exist_ok=True)
    port = free_port()
    app = start_app(port)
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            tab = browser.new_page(viewport={"width": 1400, "height": 1400})
            tab.set_default_timeout(60000)
            tab.goto(f"http://127.0.0.1:{port}/")
            tab.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']")
            yield tab
            browser.close()
    finally:
        app.terminate()
        app.wait(timeout=15)


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def settled(page) -> None:
    page.wait_for_function("() => document.querySelectorAll('[data-testid=\"stSkeleton\"]').length === 0")
    page.wait_for_timeout(300)


def test_run_the_default_problem_to_the_end(page):
    settled(page)
    page.get_by_role("button", name="▶ Run").click()
    page.get_by_text("Selected code", exact=False).first.wait_for(timeout=180000)
    page.locator("[data-testid='stPlotlyChart']").first.wait_for()
    shot(page, "1-run-finished")


def test_stage2_timeline_cell_click_and_histograms(page):
    page.get_by_role("link", name="Stage 2 · self-play").click()
    page.get_by_text("Timeline").wait_for()
    settled(page)
    charts = page.locator("[data-testid='stPlotlyChart']")
    charts.nth(1).wait_for()  # the matrix and the histograms
    slider = page.locator("[data-testid='stSlider'] input[type='range']").first
    thumb = page.locator("[data-testid='stSliderThumbValue']").first
    assert "select" in thumb.inner_text()
    slider.focus()
    slider.press("Home")  # back to the first matrix: the end of stage 1
    page.wait_for_function("() => document.querySelector('[data-testid=\"stSliderThumbValue\"]')"
                           ".innerText.includes('tests')")
    settled(page)
    shot(page, "2-stage2-first-matrix")
    slider.press("End")
    page.wait_for_function("() => document.querySelector('[data-testid=\"stSliderThumbValue\"]')"
                           ".innerText.includes('select')")
    settled(page)
    point = charts.first.locator("g.scatterlayer path.point").first
    point.click(force=True)
    page.get_by_text("Actual output").wait_for(timeout=30000)
    page.get_by_text("Expected output (agreed by the votes)").wait_for(timeout=30000)
    shot(page, "2-stage2-cell")


def test_clusters_page(page):
    page.get_by_role("link", name="Stage 3 · clusters").click()
    page.get_by_text("Chosen: code", exact=False).wait_for()
    settled(page)
    shot(page, "3-clusters")


def test_coupling_page(page):
    page.get_by_role("link", name="Ground truth & coupling").click()
    page.get_by_text("GT-correct codes").wait_for()
    settled(page)
    try:
        page.locator("[data-testid='stPlotlyChart']").first.wait_for()
    finally:
        shot(page, "4-coupling")
    assert page.locator("[data-testid='stException']").count() == 0
