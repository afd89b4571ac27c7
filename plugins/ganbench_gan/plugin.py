"""Entry point of the built-in plugin ganbench_gan: registers its components by import string,
so loading this module imports no torch. Each table maps name -> (module:attribute, summary)."""
from ganbench.hookspecs import hookimpl

_PKG = "ganbench_gan"

NORMALIZERS = {
    "spectral_norm": ("normalizers:SpectralNorm", "spectral norm of conv/linear weights (power iteration)"),
    "weight_norm": ("normalizers:WeightNorm", "weight norm: g * W / ||W|| per output feature"),
    "batch_norm": ("normalizers:BatchNorm", "batch norm of activations"),
    "conditional_batch_norm": ("normalizers:ConditionalBatchNorm",
                               "class-conditional BN: gain 1 + gamma(y), bias beta(y)"),
    "layer_norm": ("normalizers:LayerNorm", "layer norm of activations over (C, H, W)"),
    "none": ("normalizers:NoNormalization", "no normalization"),
}
LOSSES = {
    "hinge": ("losses:Hinge", "hinge loss (D and G sides)"),
    "non_saturating": ("losses:NonSaturating", "non-saturating (vanilla) sigmoid cross-entropy loss"),
    "wasserstein": ("losses:Wasserstein", "Wasserstein loss (pair with wgan_gp)"),
    "least_squares": ("losses:LeastSquares", "least-squares GAN loss"),
}
REGULARIZERS = {
    "wgan_gp": ("regularizers:WGANGradientPenalty", "WGAN-GP: (||grad D|| - 1)^2 on real-fake interpolates"),
    "dragan": ("regularizers:DRAGANPenalty", "DRAGAN: (||grad D|| - 1)^2 on perturbed reals"),
    "r1": ("regularizers:R1Penalty", "R1: weight/2 * E||grad D(real)||^2"),
    "l2": ("regularizers:L2WeightPenalty", "L2 penalty on D's and/or G's weights"),
    "acgan": ("regularizers:ACGANClassifier", "AC-GAN auxiliary classifier head on D's trunk"),
    "tac": ("conditional_losses:TwinAuxiliaryClassifier",
            "TAC-GAN: AC classifier + twin classifier on fakes that G plays against"),
    "contragan_2c": ("conditional_losses:ContraGAN2C",
                     "ContraGAN: conditional contrastive (2C) loss on D's trunk embeddings"),
    "d2d_ce": ("conditional_losses:DataToDataCrossEntropy",
               "ReACGAN: data-to-data cross-entropy (D2D-CE) with margins on D's trunk embeddings"),
}
ARCHITECTURES = {
    "dcgan": ("architectures.dcgan:dcgan", "DCGAN: transposed-conv G, strided-conv projection D"),
    "sndcgan": ("architectures.dcgan:sndcgan", "SNDCGAN: DCGAN G, spectrally normalized conv D"),
    "resnet_cifar": ("architectures.resnet:resnet_cifar", "SNGAN ResNet: residual G/D, projection D"),
    "sagan": ("architectures.resnet:sagan", "SAGAN: residual G/D with self-attention"),
    "biggan": ("architectures.biggan:biggan", "BigGAN: shared embedding, hierarchical z, projection D"),
    "biggan_deep": ("architectures.biggan_deep:biggan_deep",
                    "BigGAN-deep: bottleneck blocks, 2 per resolution"),
}


def _register_all(register, table):
    for name, (target, summary) in table.items():
        register(name, f"{_PKG}.{target}", summary=summary)


@hookimpl
def register_normalizers(register):
    _register_all(register, NORMALIZERS)


@hookimpl
def register_losses(register):
    _register_all(register, LOSSES)


@hookimpl
def register_regularizers(register):
    _register_all(register, REGULARIZERS)


@hookimpl
def register_architectures(register):
    _register_all(register, ARCHITECTURES)
