"""Entry point of the built-in plugin ganbench_augment: augmentations of what D sees and the
regularizers made for limited data. Registered by import string, so loading this module imports
no torch. Each table maps name -> (module:attribute, summary)."""
from ganbench.hookspecs import hookimpl

_PKG = "ganbench_augment"

AUGMENTATIONS = {
    "diffaugment": ("diffaugment:DiffAugment",
                    "DiffAugment: colour, translation, cutout on every image D sees (Zhao et al. 2020)"),
    "ada": ("ada:ADA", "ADA: blit/geometric/colour pipeline with adaptive probability p (Karras et al. 2020)"),
    "apa": ("ada:APA", "APA: reals replaced by fakes with adaptive probability p (Jiang et al. 2021)"),
}
REGULARIZERS = {
    "lecam": ("regularizers:LeCam", "LeCam: D's outputs pulled towards EMA anchors (Tseng et al. 2021)"),
    "cr": ("regularizers:ConsistencyRegularization",
           "CR: weight * E(D(x) - D(T(x)))^2 on reals, T = flip + shift (Zhang et al. 2020)"),
    "bcr": ("regularizers:BalancedConsistencyRegularization",
            "bCR: consistency on reals and fakes (Zhao et al. 2021)"),
    "zcr": ("regularizers:LatentConsistencyRegularization",
            "zCR: D consistent and G diverse under latent noise (Zhao et al. 2021)"),
}


def _register_all(register, table):
    for name, (target, summary) in table.items():
        register(name, f"{_PKG}.{target}", summary=summary)


@hookimpl
def register_augmentations(register):
    _register_all(register, AUGMENTATIONS)


@hookimpl
def register_regularizers(register):
    _register_all(register, REGULARIZERS)
