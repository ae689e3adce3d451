"""Regenerates the README's screenshots: starts the app headless (runs and response cache in a temporary folder),
drives it in Debian's Chromium and saves PNGs in docs/:

- screenshot.png: Stage 2 with ground truth shown, after the "Spurious coupling appears and breaks" preset (sim);
- coupling.png: the coupling debugger on that run;
- compare.png: that run and a small run_length run compared on the Runs page;
- calls.png: the model-call viewer, on a run by the LM player against a scripted OpenAI-compatible server (the test
  suite's fake server, on 127.0.0.1: no real model is called).

    python scripts/screenshot.py [--out DIR]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(port: int, env: dict | None = None) -> subprocess.Popen:
    """Starts the app as `make run` does (`streamlit run app.py` inside `cosplay_core.app_launcher`) on `port`, on
    127.0.0.1, with `env` added to the environment, and waits until it answers its health check."""
    proc = subprocess.Popen([sys.executable, "-m", "cosplay_core.app_launcher", "streamlit", "run", str(ROOT / "app.py"),
                             "--server.headless", "true",
                             "--server.address", "127.0.0.1", "--server.port", str(port),
                             "--browser.gatherUsageStats", "false"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, **(env or {})})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read() == b"ok":
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("the app did not become healthy within 60 s")


def settled(page) -> None:
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']")
    page.wait_for_function("() => document.querySelectorAll('[data-testid=\"stSkeleton\"]').length === 0")
    page.wait_for_timeout(1500)


def button(page, name: str):
    return page.get_by_role("button", name=name, exact=True)


def run_to_end(page) -> None:
    button(page, "▶ Run").click()
    button(page, "▶ New run").wait_for(timeout=600000)


def tick_rows(page, grid, rows: list[int]) -> None:
    """Ticks rows of an st.dataframe (a canvas): a click in the row-marker column of each row."""
    box = grid.bounding_box()
    for row in rows:
        page.mouse.click(box["x"] + 18, box["y"] + 35 * (row + 1) + 17)
        page.wait_for_timeout(600)


def pick_request_kind(page, kind: str) -> None:
    """On the Model calls page, shows only the calls of one kind of request (`kind` as `call_log.REQUESTS` says it
    in words, e.g. "a vote: a UT's expected output")."""
    page.get_by_role("combobox", name="What the player asked for").click()
    page.get_by_role("option", name=kind, exact=True).click()
    page.keyboard.press("Escape")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs"))
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT / "tests"))
    from fake_llm_server import FakeLLMServer
    from test_app_calls import scripted_model

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="screenshots-"))
    port = free_port()
    app = start_app(port, {"COSPLAY_RUNS_DIR": str(work / "runs"), "COSPLAY_CACHE_DIR": str(work / "cache")})
    url = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as p, FakeLLMServer(scripted_model) as server:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1500})
            page.set_default_timeout(120000)
            page.goto(f"{url}/?sample=run_length&codes=6&tests=6&rounds=2&inputs=6")
            settled(page)
            run_to_end(page)
            page.goto(f"{url}/")
            settled(page)
            button(page, "Spurious coupling appears and breaks").click()
            settled(page)
            run_to_end(page)
            page.get_by_role("link", name="Stage 2 · self-play").click()
            page.get_by_text("Timeline").wait_for()
            page.get_by_text("Show ground truth", exact=False).click()
            settled(page)
            page.screenshot(path=str(out / "screenshot.png"))
            page.get_by_role("link", name="Ground truth & coupling").click()
            page.get_by_text("Ground-truth answer", exact=False).first.wait_for()
            settled(page)
            page.set_viewport_size({"width": 1400, "height": 2100})
            page.get_by_role("heading", name="Ground truth and spurious coupling").scroll_into_view_if_needed()
            page.screenshot(path=str(out / "coupling.png"))
            page.get_by_role("link", name="Runs").click()
            grid = page.locator("[data-testid='stDataFrame']").first
            grid.wait_for()
            settled(page)
            tick_rows(page, grid, [0, 1])
            page.get_by_text("Comparing 2 runs").wait_for()
            settled(page)
            page.get_by_text("Comparing 2 runs").scroll_into_view_if_needed()
            page.mouse.wheel(0, 700)  # past the metrics: the settings diff and the curves overlaid
            page.wait_for_timeout(800)
            page.screenshot(path=str(out / "compare.png"))
            page.set_viewport_size({"width": 1400, "height": 1500})
            page.goto(f"{url}/?sample=max_subarray&backbone_kind=compatible&model_compatible=scripted"
                      f"&base_url={server.openai_base_url}&codes=3&tests=3&rounds=1&inputs=4&votes=2&concurrency=1")
            settled(page)
            run_to_end(page)
            page.get_by_role("link", name="Model calls").click()
            page.get_by_text("calls shown").wait_for()
            settled(page)
            pick_request_kind(page, "a vote: a UT's expected output")
            settled(page)
            tick_rows(page, page.locator("[data-testid='stDataFrame']").first, [0])
            page.get_by_text("Raw response").wait_for()
            settled(page)
            page.screenshot(path=str(out / "calls.png"))
            browser.close()
    finally:
        app.terminate()
        app.wait(timeout=10)
    for name in ("screenshot", "coupling", "compare", "calls"):
        print(out / f"{name}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
