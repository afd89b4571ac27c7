"""Entry point of the built-in plugin ganbench_metrics: registers its components by import string,
so loading this module imports no torch."""
from ganbench.hookspecs import hookimpl

_PKG = "ganbench_metrics"

METRICS = {
    "fid": ("feature_metrics:fid", "Frechet Inception Distance to the reference set"),
    "kid": ("feature_metrics:kid", "Kernel Inception Distance (unbiased MMD^2, cubic kernel; mean and std)"),
    "inception_score": ("feature_metrics:inception_score", "Inception Score over splits (needs Inception logits)"),
    "precision_recall": ("feature_metrics:precision_recall", "improved precision and recall (k-NN radii, k=3)"),
    "fid_domain": ("feature_metrics:fid_domain", "FID on domain-classifier features"),
    "kid_domain": ("feature_metrics:kid_domain", "KID on domain-classifier features"),
    "is_domain": ("feature_metrics:is_domain", "Inception Score with the domain classifier's logits"),
    "precision_recall_domain": ("feature_metrics:precision_recall_domain",
                                "improved precision/recall on domain-classifier features"),
    "swd": ("image_metrics:swd", "sliced Wasserstein distance per Laplacian level (PGGAN), x1e3"),
    "ms_ssim": ("image_metrics:ms_ssim", "mean MS-SSIM over pairs of generated images (diversity)"),
    "label_accuracy": ("label_metrics:label_accuracy", "top-1/top-5 accuracy of the labeler on the reference set"),
    "class_consistency": ("label_metrics:class_consistency",
                          "domain-classifier accuracy on class-conditional samples"),
    "density_coverage": ("feature_metrics:density_coverage", "density and coverage (Naeem et al. 2020, k-NN, k=5)"),
    "density_coverage_domain": ("feature_metrics:density_coverage_domain",
                                "density and coverage on domain-classifier features"),
    "prd": ("feature_metrics:prd", "PRD curve (Sajjadi et al. 2018) summarised by max F_8 and F_1/8"),
    "prd_domain": ("feature_metrics:prd_domain", "PRD on domain-classifier features"),
    "intra_fid": ("class_metrics:intra_fid", "FID per class and its mean (conditional generators)"),
    "intra_fid_domain": ("class_metrics:intra_fid_domain", "intra-class FID on domain-classifier features"),
    "classification_accuracy_score": ("class_metrics:classification_accuracy_score",
                                      "CAS: real-test accuracy of a classifier trained on generated images"),
    "memorization": ("memorization:memorization",
                     "nearest-training-image distance of samples relative to held-out real images"),
}

FEATURE_EXTRACTORS = {
    "inception_v3": ("extractors.inception:inception_v3", "TF 2015-12-05 Inception-v3 pool3 features"),
    "inception_v3_clean": ("extractors.inception:inception_v3_clean",
                           "the same Inception-v3 with clean-fid's PIL bicubic resize"),
    "domain_classifier": ("extractors.domain_classifier:domain_classifier",
                          "small CNN trained and cached on the dataset's train split"),
}


@hookimpl
def register_metrics(register):
    for name, (target, summary) in METRICS.items():
        register(name, f"{_PKG}.{target}", summary=summary)


@hookimpl
def register_feature_extractors(register):
    for name, (target, summary) in FEATURE_EXTRACTORS.items():
        register(name, f"{_PKG}.{target}", summary=summary)
