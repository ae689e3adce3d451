"""Regenerates the README's screenshot: starts the app headless, runs the default sample problem with sim in Debian's
Chromium, and saves the stage 2 page (ground truth marked) as a PNG.

    python scripts/screenshot.py [--out docs/screenshot.png]
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
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
    """Starts `streamlit run app.py` on `port` (on 127.0.0.1, with `env` added to the environment) and waits until
    it answers its health check."""
    import os

    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
                             "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"],
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshot.png"))
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    port = free_port()
    app = start_app(port)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1600})
            page.set_default_timeout(120000)
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']")
            page.wait_for_timeout(1500)
            page.get_by_role("button", name="▶ Run").click()
            page.get_by_text("Selected code", exact=False).first.wait_for(timeout=300000)
            page.get_by_role("link", name="Stage 2 · self-play").click()
            page.get_by_text("Timeline").wait_for()
            page.locator("[data-testid='stCheckbox'] label").first.click()  # mark ground truth
            page.wait_for_timeout(2500)
            page.screenshot(path=args.out, full_page=False)
            browser.close()
    finally:
        app.terminate()
        app.wait(timeout=10)
    print(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
