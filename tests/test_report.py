"""The report opens in a real headless browser (Debian's chromium): every section is
rendered, every image is inline, and no request leaves the file (chromium's own network
log says which requests the page made)."""

import json
import os
import re
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

from softmax_gui import cli, report
from softmax_gui.sweep import grid, train_sweep

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
QUIET = ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--hide-scrollbars")


@pytest.fixture
def browser():
    if CHROMIUM is None:
        message = "chromium is not installed (apt-get install chromium)"
        if os.environ.get("SOFTMAX_GUI_REQUIRE_FULL_DATA") == "1":
            pytest.fail(message)  # CI installs it
        pytest.skip(message)
    return CHROMIUM


def open_in_browser(browser, page, tmp_path):
    """The DOM chromium rendered, a screenshot of it, and the URLs the page requested."""
    log = tmp_path / "net.json"
    dom = subprocess.run([browser, *QUIET, f"--log-net-log={log}", "--dump-dom",
                          page.as_uri()], capture_output=True, text=True, timeout=120,
                         cwd=tmp_path).stdout
    shot = tmp_path / "page.png"
    subprocess.run([browser, *QUIET, "--window-size=1100,3000", f"--screenshot={shot}",
                    page.as_uri()], capture_output=True, timeout=120, cwd=tmp_path)
    events = json.loads(log.read_text())["events"]
    # The page's own requests carry the file's isolation key; chromium's background
    # ones (its updater, its clock) do not.
    requested = {e["params"]["url"] for e in events
                 if "file://" in str(e.get("params", {}).get("network_isolation_key", ""))
                 and "url" in e.get("params", {})}
    return dom, np.asarray(Image.open(shot).convert("L"), float), requested


def test_a_run_s_report_renders_whole_offline(browser, fashion, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    page = tmp_path / "report.html"
    assert cli.main(["train", "--epochs", "2", "--report", str(page), "--export-script",
                     str(tmp_path / "run.py")]) == 0
    dom, shot, requested = open_in_browser(browser, page, tmp_path)
    for key in report.SECTIONS:
        section = re.search(rf'<section id="{key}">(.*?)</section>', dom, re.S)
        assert section and len(section.group(1)) > 100, key
    images = re.findall(r'<img [^>]*src="([^"]*)"', dom)
    assert len(images) == 10 + 20 and all(src.startswith("data:image/png") for src in images)
    assert dom.count("<svg") == 3  # loss, calibration, accuracy
    assert (tmp_path / "run.py").read_text() in _unescaped(dom)
    assert not [url for url in requested if not url.startswith(("file:", "data:"))]
    assert (shot < 200).mean() > 0.003  # drawn: text, tables and charts, not a blank page


def test_a_sweep_s_report_compares_its_runs(browser, fashion, tmp_path):
    from softmax_gui.config import TrainConfig

    configs = grid(TrainConfig(epochs=1), lr=[0.01, 0.1, 1.0])
    results = train_sweep(configs, fashion)
    rows = [{"lr": r.config.lr, "test_acc": r.final_test_acc, "train_loss": r.train_loss[-1]}
            for r in results]
    curves = [(f"lr={r.config.lr}", [1], r.test_acc) for r in results]
    page = tmp_path / "sweep.html"
    page.write_text(report.sweep_report("a sweep", rows, ["lr"], curves, 1.0))
    dom, shot, requested = open_in_browser(browser, page, tmp_path)
    for key in ("environment", "runs", "against", "curves"):
        assert f'<section id="{key}">' in dom
    best = max(rows, key=lambda r: r["test_acc"])
    assert re.search(rf"<tr><td>1</td><td>{best['lr']}</td>", dom)
    assert all(url.startswith(("file:", "data:")) for url in requested)
    assert (shot < 200).mean() > 0.003  # drawn: text, tables and charts, not a blank page


def _unescaped(text: str) -> str:
    import html

    return html.unescape(text)
