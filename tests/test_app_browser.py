"""The app in a real browser (Debian's Chromium driven by Playwright), one app for the module: settings from a link,
kept across pages; Pause enabled while a run runs; the stage pages after a run (timeline, a clicked cell, clusters,
coupling). Kept few and purposeful: each test is a few seconds on a shared 2-core machine."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from screenshot import CHROMIUM_ARGS, free_port, pick_request_kind, start_app, tick_rows  # noqa: E402

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
SMALL = "sample=run_length&codes=4&tests=4&rounds=1&inputs=4"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(exist_ok=True)
    port = free_port()
    app = start_app(port, {"COSPLAY_RUNS_DIR": str(tmp_path_factory.mktemp("runs")),  # this module's runs only
                           "COSPLAY_CACHE_DIR": str(tmp_path_factory.mktemp("cache"))})
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        app.terminate()
        app.wait(timeout=15)


@pytest.fixture(scope="module")
def page(app_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport={"width": 1400, "height": 1400})
        tab.set_default_timeout(60000)
        yield tab
        browser.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def settled(page) -> None:
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']")
    page.wait_for_function("() => document.querySelectorAll('[data-testid=\"stSkeleton\"]').length === 0")
    page.wait_for_timeout(300)


def visit(page, url: str) -> None:
    page.goto(url)
    settled(page)


def expect(locator):
    """Playwright's polling assertions (a page that is still redrawing gets a few seconds to settle)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def sample_value(page) -> str:
    combobox = page.get_by_role("combobox", name="Sample", exact=True)
    expect(combobox).to_have_value("run_length")
    return combobox.input_value()


def button(page, name: str):
    return page.get_by_role("button", name=name, exact=True)


def test_the_app_listens_on_loopback_only(app_url):
    port = int(app_url.rsplit(":", 1)[1])
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:  # this machine's address on its network
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: nothing is sent
            outside = probe.getsockname()[0]
        except OSError:
            pytest.skip("no network interface besides loopback")
    if outside.startswith("127."):
        pytest.skip("no network interface besides loopback")
    with socket.socket() as client:
        client.settimeout(2)
        assert client.connect_ex((outside, port)) != 0  # refused: the app is bound to 127.0.0.1


def test_settings_come_from_a_link_and_stay_across_pages(page, app_url):
    visit(page, f"{app_url}/howto?{SMALL}&seed=5")  # the server's first page: a link to a page, not to the root
    page.get_by_text("How a CoSPlay run proceeds").wait_for()
    nav = page.locator("[data-testid='stSidebarNav']").inner_text()
    assert "Stage 2 · self-play" in nav and "common" not in nav  # app.py's navigation, not the pages/ folder's
    page.get_by_role("link", name="Run", exact=True).click()
    settled(page)
    assert sample_value(page) == "run_length"  # the sample chosen by the link
    page.get_by_text("Settings", exact=True).click()
    seed = page.get_by_role("spinbutton", name="seed")
    expect(seed).to_have_value("5")
    seed.fill("6")
    seed.press("Enter")
    page.wait_for_function("() => location.search.includes('seed=6')")
    page.get_by_role("link", name="Stage 1 · ideas").click()
    page.get_by_text("No run yet", exact=False).first.wait_for()
    page.wait_for_function("() => location.pathname.endsWith('/ideas') && location.search.includes('seed=6')"
                           " && location.search.includes('sample=run_length')", timeout=10000)  # every page's link
    page.get_by_role("link", name="Run", exact=True).click()
    page.get_by_text("Settings", exact=True).click()
    expect(page.get_by_role("spinbutton", name="seed")).to_have_value("6")
    expect(page.get_by_role("spinbutton", name="codes N_c")).to_have_value("4")
    assert sample_value(page) == "run_length"


def test_pause_is_enabled_while_a_run_runs_then_new_run(page, app_url):
    visit(page, f"{app_url}/?{SMALL}")
    assert button(page, "⏸ Pause").is_disabled()
    button(page, "▶ Run").click()
    button(page, "⏸ Pause").wait_for()
    page.wait_for_function("() => [...document.querySelectorAll('button')].some(b => b.innerText.includes('Pause')"
                           " && !b.disabled)", timeout=10000)
    button(page, "▶ New run").wait_for(timeout=180000)  # the run finished: Step is off, New run is on
    assert button(page, "⏭ Step").is_disabled() and button(page, "⏸ Pause").is_disabled()
    page.get_by_text("finished", exact=False).first.wait_for()
    page.locator("[data-testid='stPlotlyChart']").first.wait_for()
    shot(page, "1-run-finished")


def test_stage2_timeline_cell_click_and_stage3(page):
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
    slider.press("End")
    page.wait_for_function("() => document.querySelector('[data-testid=\"stSliderThumbValue\"]')"
                           ".innerText.includes('select')")
    settled(page)
    from playwright.sync_api import Error as PlaywrightError

    for attempt in range(3):  # the chart may be redrawn under the pointer once: try again on a settled page
        try:
            point = charts.first.locator("g.scatterlayer path.point").first
            point.wait_for(state="visible", timeout=15000)
            point.click(force=True, timeout=15000)
            page.get_by_text("Actual output", exact=True).wait_for(timeout=15000)
            break
        except PlaywrightError:
            if attempt == 2:
                raise
            settled(page)
    shot(page, "2-stage2-cell")
    page.get_by_role("link", name="Stage 3 · clusters").click()
    page.get_by_text("Chosen: code", exact=False).first.wait_for()


def test_the_coupling_preset_shows_a_coupling_then_two_runs_compared_and_one_opened(page, app_url):
    visit(page, f"{app_url}/")
    button(page, "Spurious coupling appears and breaks").click()
    page.wait_for_function("() => location.search.includes('skill_test=0.3')")
    button(page, "▶ Run").click()
    button(page, "▶ New run").wait_for(timeout=180000)
    page.get_by_role("link", name="Ground truth & coupling").click()
    page.get_by_text("⟷", exact=False).first.wait_for()
    page.get_by_text("Ground-truth answer", exact=False).first.wait_for()
    settled(page)
    shot(page, "7-coupling-debugger")
    page.get_by_role("button", name="See step", exact=False).first.click()
    page.get_by_text("Timeline").wait_for()
    assert "coupling" not in page.locator("[data-testid='stSidebarNav'] [aria-current='page']").inner_text().lower()
    page.get_by_role("link", name="Runs").click()
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.wait_for()
    settled(page)
    tick_rows(page, grid, [0, 1])
    page.get_by_text("Comparing 2 runs").wait_for(timeout=20000)
    page.get_by_text("Settings that differ").wait_for()
    page.locator("[data-testid='stPlotlyChart']").nth(1).wait_for()
    settled(page)
    shot(page, "5-compare")
    body = page.locator("[data-testid='stMain']").inner_text()
    assert "None: the runs share" not in body  # two problems, two sets of settings: a diff is shown
    assert "DeltaGenerator" not in body
    tick_rows(page, grid, [1])  # one run left ticked: open it
    page.get_by_role("button", name="Open app-", exact=False).click()
    page.get_by_text("saved run, finished", exact=False).first.wait_for()
    for link in ("Stage 2 · self-play", "Stage 3 · clusters", "Stage 1 · ideas"):
        page.get_by_role("link", name=link).click()
        page.get_by_text("saved run, finished", exact=False).first.wait_for()
        settled(page)
        text = page.locator("[data-testid='stMain']").inner_text()
        assert "DeltaGenerator" not in text and "Traceback" not in text and "cosplay_core." not in text
    page.wait_for_function("() => location.search.includes('run=app-')", timeout=10000)  # the link shows it


def test_the_model_call_viewer(page, app_url):
    """A run by the LM player against a scripted OpenAI-compatible server (started here), then its calls."""
    from fake_llm_server import FakeLLMServer
    from test_app_calls import scripted_model

    with FakeLLMServer(scripted_model) as server:
        visit(page, f"{app_url}/?sample=max_subarray&backbone_kind=compatible&model_compatible=scripted"
                    f"&base_url={server.openai_base_url}&codes=3&tests=3&rounds=1&inputs=4&votes=2&concurrency=1")
        button(page, "▶ Run").click()
        button(page, "▶ New run").wait_for(timeout=180000)
    page.get_by_role("link", name="Model calls").click()
    page.get_by_text("calls shown").wait_for()
    settled(page)
    pick_request_kind(page, "a vote: a UT's expected output")
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=\"stMetricValue\"]')]"
                           ".some(m => /^\\d+ of \\d+$/.test(m.innerText) && !m.innerText.startsWith(m.innerText"
                           ".split(' of ')[1] + ' '))", timeout=20000)  # fewer calls shown than recorded
    settled(page)
    tick_rows(page, page.locator("[data-testid='stDataFrame']").first, [0])
    page.get_by_text("Raw response").wait_for(timeout=20000)
    page.get_by_text("Asked for: a vote: a UT's expected output", exact=False).first.wait_for()
    body = page.locator("[data-testid='stMain']").inner_text()
    assert "### Request: predict_output" in body and "Working it out." in body
    shot(page, "6-model-calls")


def test_a_pasted_problem_runs_offline_with_its_own_candidates(page, app_url):
    from urllib.parse import urlencode

    from test_app_candidates import CANDIDATES, EXAMPLES, STATEMENT, UTS

    query = urlencode({"problem_source": "Paste a statement", "statement": STATEMENT, "paste_examples": EXAMPLES,
                       "backbone_kind": "candidates", "cand_codes": CANDIDATES, "cand_tests": UTS, "codes": 4,
                       "tests": 3, "rounds": 1, "inputs": 4})
    visit(page, f"{app_url}/?{query}")
    page.get_by_text("4 candidates, 2 unit tests parsed.").wait_for()
    page.get_by_text("2 examples parsed", exact=False).wait_for()
    button(page, "▶ Run").click()
    button(page, "▶ New run").wait_for(timeout=120000)
    page.get_by_text("your own candidates, replayed", exact=False).first.wait_for()
    page.get_by_role("link", name="Stage 3 · clusters").click()
    page.get_by_text("Chosen: code", exact=False).first.wait_for()
    page.get_by_text("Whether the chosen code is correct is ground truth, hidden now", exact=False).first.wait_for()
    page.get_by_text("Show ground truth", exact=False).click()  # the header's toggle: the verdict appears
    page.get_by_text("is GT-correct", exact=False).first.wait_for()  # the chosen candidate passes the examples
    shot(page, "8-own-candidates")
