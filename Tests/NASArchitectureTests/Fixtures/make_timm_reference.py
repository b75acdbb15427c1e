"""Generates timm_reference.json: parameter and multiply-add counts from timm for the
named models and for random arch-def strings, so the Swift tests compare against timm
without needing Python.

    pip install "torch==2.13.0+cpu" timm --no-deps   (plus filelock typing-extensions
    sympy networkx jinja2 fsspec numpy pyyaml huggingface_hub safetensors)
    python3 Tests/NASArchitectureTests/Fixtures/make_timm_reference.py   # writes timm_reference.json beside it

MACs are counted with torch.utils.flop_counter (conv and matmul FLOPs / 2): the same
definition SwiftNAS uses (conv and dense multiply-adds; BN, activations, pooling and
the SE gating multiply not counted).
"""
import json
import random
import sys

import torch
import torch.nn as nn
from torch.utils.flop_counter import FlopCounterMode

import timm
from timm.models.efficientnet import EfficientNet
from timm.models._efficientnet_builder import decode_arch_def


def count(model, resolution, channels=3):
    model.eval()
    params = sum(p.numel() for p in model.parameters())
    x = torch.zeros(1, channels, resolution, resolution)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(x)
    return params, counter.get_total_flops() // 2


def named():
    rows = []
    for name, timm_name, res in [
        ("efficientnet-b0", "efficientnet_b0", 224), ("efficientnet-b1", "efficientnet_b1", 240),
        ("efficientnet-b2", "efficientnet_b2", 260), ("efficientnet-b3", "efficientnet_b3", 300),
        ("efficientnet-b4", "efficientnet_b4", 380), ("efficientnet-b5", "efficientnet_b5", 456),
        ("efficientnet-b6", "efficientnet_b6", 528), ("efficientnet-b7", "efficientnet_b7", 600),
        ("mnasnet-a1", "semnasnet_100", 224), ("mobilenet-v2", "mobilenetv2_100", 224),
        ("efficientnetv2-s", "tf_efficientnetv2_s", 384),
    ]:
        model = timm.create_model(timm_name)
        p, m = count(model, res)
        _, m32 = count(model, 32)
        rows.append({"name": name, "timm": timm_name, "resolution": res, "params": p, "macs": m, "macs32": m32})
        print(name, p, m, file=sys.stderr)
    return rows


def random_arch(rng):
    stages = []
    n_stages = rng.randint(3, 7)
    strides_left = 4  # stem 2 x 2^4 = 32: timm dilates past an output stride of 32, SwiftNAS refuses
    for s in range(n_stages):
        blocks = []
        for _ in range(rng.choice([1, 1, 1, 2])):
            op = rng.choice(["ir", "ir", "ds", "er", "cn"])
            k = rng.choice([3, 5, 7])
            stride = rng.choice([1, 2]) if not blocks and strides_left > 0 else 1
            strides_left -= stride - 1
            c = rng.choice([8, 12, 16, 20, 24, 32, 40, 48, 64, 80, 96, 112])
            r = rng.randint(1, 3)
            parts = [op, f"r{r}", f"k{k}", f"s{stride}"]
            if op in ("ir", "er"):
                parts.append("e%g" % rng.choice([1, 2, 3, 4, 6]))
            parts.append(f"c{c}")
            if op != "cn" and rng.random() < 0.5:
                parts.append("se%g" % rng.choice([0.25, 0.5]))
            if op == "cn" and rng.random() < 0.5:
                parts.append("skip")
            if op != "cn" and rng.random() < 0.2:
                parts.append("noskip")
            if rng.random() < 0.2:
                parts.append(rng.choice(["nre", "nsw"]))
            blocks.append("_".join(parts))
        stages.append(blocks)
    return stages


def randoms(count_models=24):
    rng = random.Random(20261125)
    rows = []
    for i in range(count_models):
        arch = random_arch(rng)
        stem = rng.choice([16, 24, 32])
        head = rng.choice([0, 640, 1280])
        model = EfficientNet(block_args=decode_arch_def(arch), stem_size=stem, num_features=head or None,
                             act_layer=nn.SiLU, num_classes=1000) if head else \
            EfficientNet(block_args=decode_arch_def(arch), stem_size=stem, act_layer=nn.SiLU, num_classes=1000)
        p224, m224 = count(model, 224)
        _, m32 = count(model, 32)
        rows.append({"arch": arch, "stem": stem, "head": head or 1280, "params": p224, "macs224": m224, "macs32": m32})
    return rows


if __name__ == "__main__":
    import os
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "timm_reference.json")
    with open(out, "w") as f:
        json.dump({"timm": timm.__version__, "torch": torch.__version__, "named": named(), "random": randoms()}, f, indent=1)
        f.write("\n")
