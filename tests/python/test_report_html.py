"""The HTML report in headless Chromium (Debian's chromium, installed by
scripts/setup.sh): the page `crvm demo` writes loads with no console error and
no network request, every chart is in the DOM with both axes labelled, and
the run leaves a screenshot at build/report-screenshot.png (1366 px wide, the
whole page), build/report-screenshot-1920.png and the A4 print
build/report-print.pdf for a person to look at."""

import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import REPO_ROOT

CHARTS = {"chart-retention", "chart-value-at-risk", "chart-pnl", "chart-contact-impact", "chart-knowledge-roi"}
OUT = REPO_ROOT / "build"


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed (scripts/setup.sh installs Debian's chromium)")
    pytest.skip("chromium is not installed")


def crvm_command():
    """The crvm that pip installed beside this Python, else the meson build's."""
    for path in (Path(sys.executable).parent / "crvm", REPO_ROOT / "build" / "cli" / "crvm"):
        if path.exists():
            return str(path)
    pytest.fail("no crvm command: pip install . or build/cli/crvm")


def run_chromium(*args):
    # No network at all: every host resolves to nothing, so a fetch would fail loudly.
    cmd = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           "--no-first-run", "--enable-logging=stderr", "--v=0",
           "--host-resolver-rules=MAP * ~NOTFOUND", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    path = tmp_path_factory.mktemp("html") / "demo.html"
    done = subprocess.run([crvm_command(), "demo", "--customers", "1500", "--out", str(path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().splitlines()[-1] == f"HTML report: {path}"
    return path


class Charts(HTMLParser):
    """Each <figure class="chart">: its id, whether it holds an <svg>, and the
    text of its x and y axis labels."""

    def __init__(self):
        super().__init__()
        self.charts, self.current, self.label = {}, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "figure" and "chart" in (a.get("class") or "").split():
            self.current = a.get("id")
            self.charts[self.current] = {"svg": False, "x": "", "y": ""}
        elif self.current and tag == "svg":
            self.charts[self.current]["svg"] = True
        elif self.current and tag == "text" and (a.get("class") or "").startswith("axis-label"):
            self.label = a["class"].split()[-1]

    def handle_data(self, data):
        if self.current and self.label:
            self.charts[self.current][self.label] += data

    def handle_endtag(self, tag):
        if tag == "text":
            self.label = None
        elif tag == "figure":
            self.current = None


def test_loads_without_errors_and_every_chart_has_labelled_axes(page):
    done = run_chromium("--dump-dom", page.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    problems = [l for l in done.stderr.splitlines() if re.search(r"CONSOLE|Uncaught|net::ERR_", l)]
    assert problems == []
    parser = Charts()
    parser.feed(done.stdout)
    assert set(parser.charts) == CHARTS
    for name, chart in parser.charts.items():
        assert chart["svg"], name
        assert chart["x"].strip() and chart["y"].strip(), f"{name}: axes {chart}"


def test_screenshots_and_the_a4_print(page):
    OUT.mkdir(exist_ok=True)
    for width, height, name in ((1366, 3400, "report-screenshot.png"), (1920, 2600, "report-screenshot-1920.png")):
        shot = OUT / name
        shot.unlink(missing_ok=True)
        done = run_chromium(f"--window-size={width},{height}", f"--screenshot={shot}", page.as_uri())
        assert done.returncode == 0, done.stderr[-2000:]
        head = shot.read_bytes()[:24]
        assert head[:8] == b"\x89PNG\r\n\x1a\n"
        assert int.from_bytes(head[16:20], "big") == width
    pdf = OUT / "report-print.pdf"
    pdf.unlink(missing_ok=True)
    done = run_chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    # A4 pages, 595.3 x 841.9 points, from the page's @page rule (Chromium
    # rounds to its own units: within 2 points).
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert boxes
    for w, h in boxes:
        assert abs(float(w) - 595.3) < 2 and abs(float(h) - 841.9) < 2
