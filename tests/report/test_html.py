"""The self-contained HTML report: embedded images decode to the expected sizes, tables and
configs are there, and every piece of study text is escaped."""
from __future__ import annotations

import base64
import io
import json
from html.parser import HTMLParser

import pytest
from PIL import Image

from ganbench.report import html as report
from ganbench.results import seed_dir
from report_toys import NUM_CLASSES, grid_px

PREFIX = "data:image/png;base64,"


class Page(HTMLParser):
    """Collects <img> attributes, table count and the text of <pre> and <td> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str]] = []
        self.tables = 0
        self.cells: list[str] = []
        self._in_td = False

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs))
        self.tables += tag == "table"
        self._in_td = self._in_td or tag == "td"     # text in a <b> inside a cell is cell text too

    def handle_endtag(self, tag):
        self._in_td = False if tag == "td" else self._in_td

    def handle_data(self, data):
        if self._in_td:
            self.cells.append(data.strip())


def decode_png(src: str) -> Image.Image:
    assert src.startswith(PREFIX), src[:40]
    data = base64.b64decode(src[len(PREFIX):], validate=True)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.fixture(scope="module")
def written(toy_study, tmp_path_factory):
    import shutil
    study = shutil.copytree(toy_study, tmp_path_factory.mktemp("html") / "report_toy")
    path = report.write_report(study)
    return path, path.read_text(encoding="utf-8")


def test_report_is_one_file_in_the_study_dir(written):
    path, text = written
    assert path.name == "report.html" and path.parent.name == "report_toy"
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert 'src="http' not in text and 'href="http' not in text     # nothing fetched when mailed


def test_every_image_is_an_embedded_png_of_the_expected_size(written):
    page = Page()
    page.feed(written[1])
    sizes = {}
    for img in page.images:
        sizes.setdefault(img["class"], []).append(decode_png(img["src"]).size)
    # sample grids: 8 columns; 10 class rows for the two conditional cells, 8 rows unconditional
    assert sizes["samples"] == [(grid_px(8), grid_px(NUM_CLASSES))] * 2 + [(grid_px(8), grid_px(8))]
    # one study plot (6 x 4 in) and nine curves (10 x 3.6 in: d_loss, g_loss, the five values of
    # the overfitting probe, swd_16, swd_avg), 150 dpi
    assert sorted(sizes["plot"]) == [(900, 600)] + [(1500, 540)] * 9
    # small tiles are shown enlarged: 16 px tiles three times
    assert [int(i["width"]) for i in page.images if i["class"] == "samples"] == [3 * grid_px(8)] * 3


def test_tables_are_present_with_every_variant(written):
    page = Page()
    page.feed(written[1])
    assert page.tables == 2                          # the cells' status and the swd_avg table
    assert "conditional" in page.cells and "single <label> & co" in page.cells   # (unescaped by the parser)
    assert "<h3>swd_avg</h3>" in written[1]
    done = json.loads((written[0].parent / "conditional__g_lr-0.0001" / "seed-0" / "done").read_text())
    swd = done["metrics"]["swd_avg"]
    # Tables keep 3 significant digits; the toy's SWD values (about 200) all print as integers.
    assert swd >= 100 and f"{swd:.0f}" in page.cells


def test_study_text_is_escaped(written):
    text = written[1]
    assert "single &lt;label&gt; &amp; co" in text
    assert "<label>" not in text
    assert "Experiment.precision = &#x27;fp32&#x27;" in text      # the config, escaped
    assert "Experiment.precision = 'fp32'" not in text
    assert "Experiment.g_lr = 0.0001" in text and "Experiment.g_lr = 0.0002" in text
    import torch
    assert f"&quot;torch&quot;: &quot;{torch.__version__}&quot;" in text   # versions.json
    assert "rows, top to bottom: square, rounded_square, circle" in text


def test_unfinished_cells_are_reported_not_fatal(study_copy):
    (seed_dir(study_copy, "conditional__g_lr-0.0002", 0) / "done").unlink()
    (seed_dir(study_copy, "single-label-co", 0) / "checkpoint.pt").write_bytes(b"broken")
    (seed_dir(study_copy, "single-label-co", 0) / "checkpoint-prev.pt").unlink(missing_ok=True)
    text = report.write_report(study_copy).read_text(encoding="utf-8")
    assert "conditional, g_lr=0.0002: no finished seed yet." in text
    assert "single &lt;label&gt; &amp; co: no samples (FileNotFoundError:" in text
    assert text.count('class="samples"') == 1
    assert "0/1" in text                                   # the status table shows the missing seed


def test_a_directory_that_is_not_a_study_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a ganbench study directory"):
        report.write_report(tmp_path)
