"""The wave-two metrics inside a real (tiny) study: every metric gives its results in the run's
done file, the PRD curve is recomputed from the run directory, and the HTML report shows the
memorization gallery."""
from __future__ import annotations

import base64
import io
import json

import pytest
from PIL import Image

pytestmark = pytest.mark.slow     # trains a tiny study: about 30 s on 2 CPU cores

STUDY = """
Experiment.dataset = @datasets.shapes
datasets.shapes.resolution = 16
datasets.shapes.num_train = 256
datasets.shapes.num_test = 120
Experiment.architecture = @architectures.dcgan
architectures.dcgan.base_width = 8
architectures.dcgan.z_dim = 8
Experiment.loss = @losses.hinge
Experiment.labeler = @labelers.full
Experiment.steps = 4
Experiment.batch_size = 8
Experiment.checkpoint_every = 4
Experiment.eval_samples = 100
feature_extractors.domain_classifier.epochs = 2
metrics.classification_accuracy_score.epochs = 2
Experiment.metrics = [@metrics.density_coverage_domain, @metrics.prd_domain, @metrics.memorization,
                      @metrics.intra_fid_domain, @metrics.classification_accuracy_score]
Benchmark.name = 'wave2_toy'
Benchmark.variants = {'conditional': []}
Benchmark.seeds = 1
Benchmark.table_metrics = ['coverage_domain']
"""


@pytest.fixture(scope="module")
def study_dir(tmp_path_factory):
    from ganbench import study
    folder = tmp_path_factory.mktemp("wave2")
    (folder / "wave2.gin").write_text(STUDY)
    status = study.run_study(folder / "wave2.gin", out=folder / "runs")
    assert sorted(status.values()) == ["done"], status
    return folder / "runs" / "wave2_toy"


def run_dir(study_dir):
    (done,) = study_dir.rglob("done")
    return done.parent


def test_every_new_metric_reports_in_a_study(study_dir):
    done = json.loads((run_dir(study_dir) / "done").read_text())
    assert not done.get("metric_errors"), done.get("metric_errors")
    metrics = done["metrics"]
    expected = {"density_domain", "coverage_domain", "prd_f8_domain", "prd_f1_8_domain",
                "memorization_ratio", "novel_fraction", "fid_intra_domain", "cas", "cas_real"}
    assert expected <= set(metrics)
    assert {f"fid_intra_c{c}_domain" for c in range(10)} <= set(metrics)


def test_prd_curve_is_recomputed_from_the_run_directory(study_dir):
    from ganbench_metrics.run_tools import PRD_CURVE_FILE, prd_curve_for_run
    run = run_dir(study_dir)
    precision, recall, summary = prd_curve_for_run(run)
    assert len(precision) == len(recall) == 1001 and set(summary) == {"prd_f8", "prd_f1_8"}
    saved = json.loads((run / PRD_CURVE_FILE).read_text())
    assert saved["precision"] == pytest.approx(list(precision))


def test_report_shows_the_memorization_gallery(study_dir):
    from ganbench.report import html as report
    text = report.render_report(study_dir)
    section = text[text.index('<section id="memorization">'):]
    section = section[:section.index("</section>")]
    assert "memorization_ratio" in section and "<figure>" in section
    src = section[section.index("data:image/png;base64,") + 22:]
    image = Image.open(io.BytesIO(base64.b64decode(src[:src.index('"')])))
    assert image.size[1] < image.size[0] / 3      # two rows (generated, training) of 8 tiles
    more = text[text.index('<section id="more">'):]
    more = more[:more.index("</section>")]
    assert "density_domain" in more and "memorization_ratio" in more    # results no table declares
    assert "coverage_domain |" not in more                              # a declared table shows it
