"""Screenshots of the README's MLflow UI walkthrough, taken from a real `fazhi ui` in headless Chromium.

Trains two models on the bundled corpus into a fresh store in a temporary directory
(the default, and words + chars with ridge C=1 as `ridge-both`), starts `fazhi ui` on
it, and clicks through as a user would with Playwright: the address `fazhi ui` prints
(docs/ui-runs.png), tick both runs and press Compare, "Show diff only"
(docs/ui-compare-params.png, docs/ui-compare-metrics.png), and open confusion_matrix.png
under Artifacts (docs/ui-compare-artifacts.png). Not run by CI (~3 minutes).

Playwright drives the system's Chromium; it never downloads a browser:

    apt-get install -y chromium fonts-noto-cjk      # CJK text in the browser needs the font
    python3.11 -m venv /tmp/pw && /tmp/pw/bin/pip install playwright
    /tmp/pw/bin/python scripts/ui_screenshots.py    # uses .venv/bin/fazhi
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import tempfile
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"]


def fazhi(exe: Path, *args: str, env: dict[str, str]) -> str:
    done = subprocess.run([str(exe), *args], capture_output=True, text=True, env=env, check=True)
    return done.stdout


def close_assistant(page: Page) -> None:
    """MLflow 3.17 opens its Assistant panel on a first visit; close it for room."""
    close = page.locator('[data-component-id="mlflow.assistant.chat_panel.close"]')
    if close.count():
        close.first.click()
        page.wait_for_timeout(500)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fazhi", type=Path, default=ROOT / ".venv" / "bin" / "fazhi", help="the fazhi command to run")
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="where the PNGs go")
    parser.add_argument("--port", type=int, default=5123)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fazhi-ui-"))
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{work / 'mlflow.db'}"}
    models = str(work / "models")
    fazhi(args.fazhi, "train", "--output-dir", models, env=env)
    fazhi(args.fazhi, "train", "--output-dir", models, "--features", "both", "--classifier", "ridge", "--C", "1",
          "--run-name", "ridge-both", env=env)
    server = subprocess.Popen([str(args.fazhi), "ui", "--port", str(args.port)], stdout=subprocess.PIPE, text=True,
                              env=env, start_new_session=True)
    try:
        line = server.stdout.readline()  # the one line, once the UI answers
        print(line.rstrip())
        address = line.split("MLflow UI on ", 1)[1].split()[0]
        shoot(address, args.out, args.chromium, work)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)


def shoot(address: str, out: Path, chromium: str, work: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(
            str(work / "chromium-profile"), executable_path=chromium, headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1800, "height": 760},
        )
        page = browser.new_page()
        # 1. The address fazhi ui prints: the Training runs table on the saved view.
        page.goto(address)
        page.wait_for_selector(".ag-row", timeout=120_000)
        page.wait_for_timeout(1500)
        close_assistant(page)
        page.screenshot(path=str(out / "ui-runs.png"))
        # 2. Tick both runs, press Compare; "Show diff only" in Parameters and Metrics.
        boxes = page.locator(".ag-selection-checkbox input")
        boxes.nth(0).click()
        boxes.nth(1).click()
        page.get_by_role("button", name="Compare", exact=True).click()
        page.wait_for_selector("text=Parameters", timeout=60_000)
        page.wait_for_timeout(2000)
        close_assistant(page)
        switches = page.get_by_role("switch")
        for k in range(switches.count()):
            switches.nth(k).click()
        page.wait_for_timeout(1000)
        for section, height, name in (("Run details", 1000, "ui-compare-params.png"), ("Metrics", 560, "ui-compare-metrics.png")):
            page.set_viewport_size({"width": 1800, "height": height})
            page.get_by_text(section, exact=True).first.evaluate("e => e.scrollIntoView({block: 'start'})")
            page.wait_for_timeout(800)
            page.screenshot(path=str(out / name))
        # 3. Below, Artifacts: both runs' confusion matrices side by side.
        page.set_viewport_size({"width": 1800, "height": 640})
        page.get_by_text("confusion_matrix.png", exact=True).first.click()
        page.wait_for_timeout(3000)
        page.get_by_text("Artifacts", exact=True).first.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(1000)
        page.screenshot(path=str(out / "ui-compare-artifacts.png"))
        browser.close()
    for name in ("ui-runs.png", "ui-compare-params.png", "ui-compare-metrics.png", "ui-compare-artifacts.png"):
        print(out / name)


if __name__ == "__main__":
    main()
