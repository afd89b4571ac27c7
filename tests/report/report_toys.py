"""Facts about the toy study in report_study.gin that the report tests compute sizes from."""
RESOLUTION = 16          # datasets.shapes.resolution
NUM_CLASSES = 10         # the shapes dataset's classes (the conditional row uses them all)
COND_RUN = "conditional__g_lr-0.0001/seed-0"
UNCOND_RUN = "single-label-co/seed-0"
PAD = 2                  # samples.PADDING: pixels between and around tiles


def grid_px(count: int, size: int = RESOLUTION) -> int:
    """Pixels spanned by ``count`` tiles along one side of a grid."""
    return count * (size + PAD) + PAD
