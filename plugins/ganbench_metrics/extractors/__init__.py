"""Feature extractors for the metrics: Inception-v3 (FID/KID/IS) and a per-dataset domain classifier."""
