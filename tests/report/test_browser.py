"""The report as a browser shows it: headless Chromium loads the file, every embedded image
decodes (naturalWidth > 0, at the PNG's size) and the tables are laid out."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ganbench.report import html as report

CHROMIUM = Path("/usr/bin/chromium")
# After the page has loaded, write what the browser made of it into the DOM that --dump-dom prints.
PROBE = """<script>window.addEventListener("load", () => {
  for (const img of document.images) img.setAttribute("data-natural", img.naturalWidth + "x" + img.naturalHeight);
  document.body.setAttribute("data-tables", document.querySelectorAll("table tr").length);
});</script>"""

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(),
                                 reason="headless Chromium is not installed at /usr/bin/chromium "
                                        "(apt-get install -y chromium)")]


def chromium(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
                           "--hide-scrollbars", *args], capture_output=True, text=True, timeout=120)


def test_chromium_loads_every_image_and_table(toy_study, tmp_path):
    study = shutil.copytree(toy_study, tmp_path / "report_toy")
    page = report.write_report(study)
    probed = tmp_path / "probed.html"
    probed.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"))
    result = chromium("--virtual-time-budget=5000", "--dump-dom", probed.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    sizes = re.findall(r'data-natural="(\d+)x(\d+)"', dom)
    assert len(sizes) == dom.count("<img ") == 13   # 3 sample grids, 1 plot, 9 curves (4 + the probe's 5)
    assert all(int(w) > 0 and int(h) > 0 for w, h in sizes)   # 0x0 = the browser could not decode it
    assert ("900", "600") in sizes and ("1500", "540") in sizes
    rows = int(re.search(r'data-tables="(\d+)"', dom).group(1))
    assert rows == (1 + 3) + (1 + 2)                     # status: header + 3 cells; swd_avg: header + 2 rows


def test_screenshot_is_not_blank(toy_study, tmp_path):
    from PIL import Image
    study = shutil.copytree(toy_study, tmp_path / "report_toy")
    page = report.write_report(study)
    shot = tmp_path / "shot.png"
    result = chromium("--window-size=1000,1400", f"--screenshot={shot}", page.as_uri())
    assert result.returncode == 0 and shot.exists(), result.stderr[-2000:]
    image = Image.open(shot).convert("L")
    assert image.size == (1000, 1400)
    low, high = image.getextrema()
    assert high - low > 100                               # text and pictures, not an empty page
