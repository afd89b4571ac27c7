"""The adaptive probability shared by ADA and APA (Karras et al., 2020, section 3).

D's outputs on the reals it trains on tell how much it overfits: r_t = E[sign(D(real))] is ~0
when it cannot tell reals from fakes and -> 1 when it has memorised the reals. Every
``interval`` D steps the probability p moves by sign(r_t - target) * (images in those steps) /
speed_images, clipped to [0, 1], so p can cross [0, 1] in ``speed_images`` images.

Everything stays on the device: ``observe`` only does tensor arithmetic (no .item(), no host
sync); values reach the host only in ``log_values`` (log intervals) and when checkpointing.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from .ops import check_bool, check_positive, check_positive_int, check_probability


class AdaptiveProbability(nn.Module):
    """p as a 0-dim buffer, plus the running sums of one interval. ``binding`` (e.g.
    "augmentations.ada") names the component in error messages."""

    def __init__(self, binding: str, p: float, adaptive: bool, target: float, interval: int,
                 speed_images: float) -> None:
        super().__init__()
        p = check_probability(f"{binding}.p", p)
        self.adaptive = check_bool(f"{binding}.adaptive", adaptive)
        self.target = check_probability(f"{binding}.target", target)
        self.interval = check_positive_int(f"{binding}.interval", interval)
        self.speed_images = check_positive(f"{binding}.speed_images", speed_images)
        self.register_buffer("p", torch.tensor(p))
        self.register_buffer("sign_sum", torch.zeros(()))
        self.register_buffer("count", torch.zeros(()))
        self.register_buffer("last_rt", torch.tensor(float("nan")))
        self.calls = 0
        # Host-side knowledge that p is exactly 0 (true until the first adjustment when p starts
        # at 0): lets the augmentation skip its work without reading p from the device.
        self.known_zero = p == 0.0

    def observe(self, sign_sum: Tensor, count: Tensor) -> None:
        """Accumulate one D step's sum of sign(D(real)) and its count; adapt every interval."""
        if self.p.device != sign_sum.device:
            self.to(sign_sum.device)
        self.sign_sum.add_(sign_sum.detach().to(self.sign_sum.dtype))
        self.count.add_(count.detach().to(self.count.dtype))
        self.calls += 1
        if self.calls % self.interval:
            return
        rt = self.sign_sum / self.count
        self.last_rt.copy_(rt)
        if self.adaptive:
            step = torch.sign(rt - self.target) * self.count / self.speed_images
            self.p.copy_((self.p + step).clamp(0.0, 1.0))
            self.known_zero = False
        self.sign_sum.zero_()
        self.count.zero_()

    def log_values(self, prefix: str) -> dict[str, float]:
        """``{prefix}_p`` always; ``{prefix}_rt`` once a first interval has completed."""
        values = {f"{prefix}_p": float(self.p)}
        rt = float(self.last_rt)
        if rt == rt:     # not NaN: no interval has completed yet
            values[f"{prefix}_rt"] = rt
        return values

    def get_extra_state(self) -> dict:
        return {"calls": self.calls, "known_zero": self.known_zero}

    def set_extra_state(self, state: dict) -> None:
        self.calls = int(state["calls"])
        self.known_zero = bool(state["known_zero"])

    def extra_repr(self) -> str:
        return (f"adaptive={self.adaptive}, target={self.target}, interval={self.interval}, "
                f"speed_images={self.speed_images:g}")
