"""How fast the app feels, measured in Debian's Chromium through Playwright: first paint after start, page switches,
a step's redraw on Stage 2 for a 16 x 16 and a 64 x 64 matrix, and the Problems page.

    python benchmarks/app_speed.py [--repeat N] [--runs DIR] [--json]

It starts the app as `make run` does (127.0.0.1, headless), with its runs folder set to DIR (default: a temporary
folder), where it first records two sim runs with `cosplay run` (16 x 16 and 64 x 64 on run_length, one round)
unless DIR already holds them. Timings are medians over `--repeat` tries (default 5):

- first paint: from starting the server process to the header drawn in a fresh tab (the first page of a session);
- page switch: a click in the sidebar to the new page's title and header drawn, every skeleton gone;
- redraw: on Stage 2, a move of the timeline to the other end, to the matrix of that step drawn (the run is a saved
  one, so that only drawing is timed, not the engine);
- Problems page: a click to its title and the pool table (or its button) drawn.
Targets (issue 13): first paint under 3 s, switches under 1 s, redraws under 1 s (16 x 16) and 3 s (64 x 64),
Problems page under 2 s. The machine's load at the time is printed with the figures: they depend on it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from screenshot import CHROMIUM_ARGS, free_port  # noqa: E402

RUNS = {"run16": 16, "run64": 64}
TARGETS = {"first_paint_s": 3.0, "page_switch_s": 1.0, "redraw_16_s": 1.0, "redraw_64_s": 3.0, "problems_s": 2.0}


def record_runs(folder: Path) -> None:
    """The saved runs the redraw timings open (made once per folder, with the sim backbone)."""
    for name, size in RUNS.items():
        if (folder / name / "summary.json").exists():
            continue
        subprocess.run([sys.executable, "-m", "cosplay_core", "run", str(ROOT / "sample_problems" / "run_length"),
                        "--model", "sim", "--codes", str(size), "--tests", str(size), "--rounds", "1", "--inputs",
                        "8", "--out", str(folder / name), "--json"], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def start(port: int, runs: Path) -> tuple[subprocess.Popen, float]:
    """The app as `make run` starts it; returns the process and when it was started (perf_counter)."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "cosplay_core.app_launcher", "streamlit", "run",
                             str(ROOT / "app.py"), "--server.address", "127.0.0.1", "--server.port", str(port),
                             "--server.headless", "true", "--browser.gatherUsageStats", "false"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "COSPLAY_RUNS_DIR": str(runs)})
    return proc, started


def settled(page) -> None:
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']")
    page.wait_for_function("() => document.querySelectorAll('[data-testid=\"stSkeleton\"]').length === 0 && "
                           "!document.querySelector('[data-testid=\"stStatusWidget\"]')")


def goto_when_up(page, url: str) -> None:
    """Opens `url`, trying again while the server is not listening yet (as a person reloading would)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            page.goto(url, timeout=5000)
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def first_paint(browser, port: int, runs: Path) -> float:
    proc, started = start(port, runs)
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        goto_when_up(page, f"http://127.0.0.1:{port}/")
        page.get_by_text("No run yet", exact=False).first.wait_for(timeout=60000)
        elapsed = time.perf_counter() - started
        page.close()
        return elapsed
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def timed(action, wait) -> float:
    started = time.perf_counter()
    action()
    wait()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--runs", help="runs folder (kept; default: a temporary folder)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.repeat < 1:
        print("app_speed: --repeat must be at least 1", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    runs = Path(args.runs) if args.runs else Path(tempfile.mkdtemp(prefix="app-speed-"))
    runs.mkdir(parents=True, exist_ok=True)
    record_runs(runs)
    results: dict[str, list[float]] = {key: [] for key in TARGETS}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for _ in range(args.repeat):
            results["first_paint_s"].append(first_paint(browser, free_port(), runs))
        port = free_port()
        proc, _ = start(port, runs)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(120000)
            goto_when_up(page, f"http://127.0.0.1:{port}/")
            page.get_by_text("No run yet", exact=False).first.wait_for(timeout=60000)
            settled(page)
            pages = [("Stage 1 · ideas", "Stage 1 · ideas, codes and unit tests"), ("Runs", "Runs"),
                     ("How CoSPlay works", "How CoSPlay works"), ("Run", "CoSPlay Studio")]
            for _ in range(args.repeat):
                for link, title in pages:
                    results["page_switch_s"].append(timed(
                        lambda: page.get_by_role("link", name=link, exact=True).click(),
                        lambda: (page.get_by_role("heading", name=title).first.wait_for(), settled(page))))
            for name, key in (("run16", "redraw_16_s"), ("run64", "redraw_64_s")):
                page.goto(f"http://127.0.0.1:{port}/selfplay?run={name}")
                page.get_by_text("Timeline").wait_for()
                settled(page)
                slider = page.locator("[data-testid='stSlider'] input[type='range']").first
                for attempt in range(args.repeat):
                    end = "Home" if attempt % 2 == 0 else "End"
                    title = "UT pool" if end == "Home" else "Output-consensus"  # the matrix's title at that step
                    results[key].append(timed(
                        lambda: (slider.focus(), slider.press(end)),
                        lambda: (page.wait_for_function(
                            "(title) => [...document.querySelectorAll('[data-testid=\"stPlotlyChart\"] .gtitle')]"
                            ".some(t => t.textContent.includes(title))", arg=title), settled(page))))
            for _ in range(args.repeat):
                page.get_by_role("link", name="Run", exact=True).click()
                page.get_by_role("heading", name="CoSPlay Studio").first.wait_for()
                settled(page)
                results["problems_s"].append(timed(
                    lambda: page.get_by_role("link", name="Problems").click(),
                    lambda: (page.get_by_role("heading", name="Problems").first.wait_for(),
                             page.get_by_text("Known pool on the ground-truth tests").wait_for(), settled(page))))
            browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=15)
    medians = {key: round(statistics.median(values), 2) for key, values in results.items()}
    load = os.getloadavg()[0]
    if args.json:
        print(json.dumps({"medians_s": medians, "targets_s": TARGETS, "load_1min": round(load, 2),
                          "repeat": args.repeat}))
    else:
        print(f"load average (1 min) {load:.1f} on {os.cpu_count()} cores; medians of {args.repeat}")
        for key, value in medians.items():
            verdict = "ok" if value <= TARGETS[key] else "over"
            print(f"{key:<16} {value:>6.2f} s   target {TARGETS[key]:.0f} s   {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
