"""Multi-scale SSIM (Wang et al. 2003) between pairs of images, as used for GAN diversity.

Five scales with the standard weights (0.0448, 0.2856, 0.3001, 0.2363, 0.1333), an 11x11
Gaussian window with sigma 1.5, valid filtering, 2x2 average-pool downsampling between scales,
K1 = 0.01, K2 = 0.03, data range 255. Per channel: prod_{s<5} relu(cs_s)^w_s * relu(ssim_5)^w_5,
then the mean over channels. This is exactly pytorch_msssim's ``ms_ssim`` when images are at
least 161 pixels on a side.

Smaller images (32x32 GAN benchmarks) cannot hold an 11x11 window at the coarse scales. Like
the TensorFlow MS-SSIM code used by Odena et al. (2017) and Compare GAN, the window then shrinks
to the image at that scale: size min(11, H_s, W_s), sigma 1.5 * size / 11. All five scales and
weights are kept, so the definition is continuous in image size; images need >= 16 pixels.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
WINDOW = 11
SIGMA = 1.5
K1, K2 = 0.01, 0.03


def gaussian_window(size: int, sigma: float, dtype=torch.float64) -> torch.Tensor:
    """Normalised 1-D Gaussian of ``size`` taps centred on the middle."""
    coords = torch.arange(size, dtype=dtype) - (size - 1) / 2
    g = torch.exp(-(coords ** 2) / (2 * sigma ** 2))
    return g / g.sum()


def _filter(x: torch.Tensor, window: torch.Tensor) -> torch.Tensor:
    """Separable valid Gaussian filtering of every channel."""
    c, size = x.shape[1], window.numel()
    x = F.conv2d(x, window.view(1, 1, size, 1).expand(c, 1, size, 1), groups=c)
    return F.conv2d(x, window.view(1, 1, 1, size).expand(c, 1, 1, size), groups=c)


def ssim_components(x: torch.Tensor, y: torch.Tensor, window: torch.Tensor,
                    data_range: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(SSIM, contrast-structure term) per image and channel: [N, C] each."""
    c1, c2 = (K1 * data_range) ** 2, (K2 * data_range) ** 2
    mu_x, mu_y = _filter(x, window), _filter(y, window)
    var_x = _filter(x * x, window) - mu_x ** 2
    var_y = _filter(y * y, window) - mu_y ** 2
    cov = _filter(x * y, window) - mu_x * mu_y
    cs_map = (2 * cov + c2) / (var_x + var_y + c2)
    ssim_map = (2 * mu_x * mu_y + c1) / (mu_x ** 2 + mu_y ** 2 + c1) * cs_map
    return ssim_map.mean(dim=(2, 3)), cs_map.mean(dim=(2, 3))


def ms_ssim(x: torch.Tensor, y: torch.Tensor, data_range: float = 255.0, window: int = WINDOW,
            sigma: float = SIGMA) -> torch.Tensor:
    """MS-SSIM of each pair (x[i], y[i]): [N], computed in float64."""
    if x.shape != y.shape or x.ndim != 4:
        raise ValueError(f"MS-SSIM compares pairs of equal-size images [N, C, H, W]; got "
                         f"{tuple(x.shape)} and {tuple(y.shape)}")
    scales = len(WEIGHTS)
    if min(x.shape[-2:]) < 2 ** (scales - 1):
        raise ValueError(f"MS-SSIM with {scales} scales needs images of at least "
                         f"{2 ** (scales - 1)} pixels per side, got {tuple(x.shape[-2:])}")
    x, y = x.double(), y.double()
    factors = []
    for scale in range(scales):
        size = min(window, *x.shape[-2:])
        taps = gaussian_window(size, sigma * size / window).to(x.device)
        ssim, cs = ssim_components(x, y, taps, data_range)
        if scale < scales - 1:
            factors.append(cs.clamp_min(0))
            padding = [s % 2 for s in x.shape[-2:]]
            x = F.avg_pool2d(x, kernel_size=2, padding=padding)
            y = F.avg_pool2d(y, kernel_size=2, padding=padding)
        else:
            factors.append(ssim.clamp_min(0))
    weights = torch.tensor(WEIGHTS, dtype=torch.float64, device=x.device).view(-1, 1, 1)
    per_channel = (torch.stack(factors) ** weights).prod(dim=0)
    return per_channel.mean(dim=1)
