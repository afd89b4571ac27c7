"""Entry point of the built-in plugin ganbench_label_efficiency: registers its components by import string,
so loading this module imports no torch.

The labelers are the rows of "High-Fidelity Image Generation With Fewer Labels" (METHODS.md
section 2); ``rotation_ss`` is the self-supervision that turns a method into its "+SS" variant.
"""
from ganbench.hookspecs import hookimpl

_PACKAGE = "ganbench_label_efficiency"


@hookimpl
def register_labelers(register):
    register("full", f"{_PACKAGE}.simple:FullLabels",
             summary="BigGAN (100%): ground-truth labels for every real image")
    register("subset", f"{_PACKAGE}.simple:LabelledSubsetOnly",
             summary="BigGAN-k%: train only on the labelled k% of the images")
    register("single", f"{_PACKAGE}.simple:SingleLabel",
             summary="single label: unconditional G and D")
    register("random", f"{_PACKAGE}.simple:RandomLabels",
             summary="random label, fixed per image, for every unlabelled real")
    register("clustering", f"{_PACKAGE}.pretrained:ClusteringLabels",
             summary="k-means cluster ids of rotation-pre-trained features as labels")
    register("s2gan", f"{_PACKAGE}.pretrained:S2GANLabels",
             summary="S2GAN: labels from a classifier pre-trained with rotation + k% labels")
    register("s2gan_co", f"{_PACKAGE}.cotraining:CoTrainingLabels",
             summary="S2GAN-CO: a classifier on D's trunk labels unlabelled reals during training")


@hookimpl
def register_regularizers(register):
    register("rotation_ss", f"{_PACKAGE}.rotation:RotationSelfSupervision",
             summary="rotation self-supervision: 4-way rotation head on D~ (D and G terms)")
