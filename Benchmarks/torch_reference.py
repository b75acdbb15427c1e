#!/usr/bin/env python3
"""PyTorch reference of a SwiftNAS architecture (no timm, no torchvision).

Builds an nn.Module from SwiftNAS's architecture description, with the semantics of
Docs/ARCHITECTURES.md (which are timm's EfficientNet builder's):

  * input: the JSON object of `nas arch ... --format json`, or the text of an architecture
    file (`nas arch ... --format file`: `key: value` settings, then one stage per line of
    timm or TF block strings), or a path to either, or an already-parsed dict;
  * ir / er / ds / cn blocks; stem 3x3 stride 2 (or the file's stem-stride, 1); make_divisible(., 8) on the stem and every
    block's output; mid = make_divisible(in * e); SE with r = max(1, round(mid * se / e))
    (ds: round(in * se)), 1x1 convs with bias, the block's activation inside, sigmoid gate;
  * every conv bias-free and followed by BatchNorm2d(eps=1e-3, momentum=0.01);
  * symmetric padding k // 2 (PyTorch style; a stride-2 layer maps n to ceil(n / 2));
  * residual when allowed (no `noskip`; `skip` for cn), stride 1 and in == out, with
    per-sample drop-connect at rate drop_connect * i / n (i = 0-based layer index, n = layers);
  * head: 1x1 conv + BN + activation (if head > 0), global average pool, dropout, linear.

Module and parameter names follow timm (conv_stem, bn1, blocks.S.L.conv_pw, ..., conv_head,
bn2, classifier), so a timm state dict of the same arch-def loads with strict=True.

The width/depth multipliers are not applied here: `nas arch --width/--depth` has already
applied them to the strings this module reads.

    import torch_reference as tr
    model = tr.build(open("b0.json").read())      # or tr.build(text_of_an_arch_file)
    params, macs = tr.count(model, resolution=224)

Only the standard library and torch are needed.
"""
from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field, replace
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

BN_EPS = 1e-3
BN_MOMENTUM = 0.01  # PyTorch convention: running = (1 - m) * running + m * batch (TF's 0.99)

ACTIVATIONS = ("swish", "relu", "relu6")
_TIMM_ACT = {"sw": "swish", "re": "relu", "r6": "relu6"}

# Settings that `nas arch --format json` does not carry, for the named models
# (Sources/NASArchitecture/NamedModels.swift and Scaling.swift).
_NAMED_DEFAULTS = {
    "mnasnet-a1": {"activation": "relu", "drop_connect": 0.0},
    "mobilenet-v2": {"activation": "relu6", "drop_connect": 0.0},
}
_EFFICIENTNET_DROPOUT = {"b0": 0.2, "b1": 0.2, "b2": 0.3, "b3": 0.3, "b4": 0.4, "b5": 0.4, "b6": 0.5, "b7": 0.5}


# ----------------------------------------------------------------------------- channels

def make_divisible(value: float, divisor: int = 8) -> int:
    """timm's / TF's make_divisible: nearest multiple of `divisor`, at least `divisor`,
    never more than 10% below `value`."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


# ----------------------------------------------------------------------------- parsing

@dataclass
class BlockDef:
    """One block definition: `repeats` layers of the same operator (only the first strides)."""
    op: str                      # "ir" | "er" | "ds" | "cn"
    kernel: int
    stride: int
    expansion: float
    out: int                     # output filters as written (make_divisible is applied when building)
    repeats: int
    se: float = 0.0              # SE ratio relative to the block input
    skip: bool = True            # residual allowed (ir/er/ds default True, cn default False)
    activation: Optional[str] = None  # per-block override
    tf_input: Optional[int] = None    # TF strings' declared input filters


@dataclass
class ArchSpec:
    name: str = "model"
    stem: int = 32
    stem_stride: int = 2
    head: int = 1280
    activation: str = "swish"
    resolution: int = 224
    classes: int = 1000
    channels: int = 3
    dropout: float = 0.2
    drop_connect: float = 0.2
    stages: List[List[BlockDef]] = field(default_factory=list)
    params: Optional[int] = None  # from the JSON, when built from it
    macs: Optional[int] = None


def _split_options(tokens: Sequence[str], string: str, flags: Sequence[str], keys: Sequence[str]):
    options: Dict[str, str] = {}
    seen = set()
    for tok in tokens:
        if tok in flags:
            if tok in seen:
                raise ValueError(f"{string}: option {tok!r} given twice")
            seen.add(tok)
            continue
        if len(tok) > 1 and tok[0] == "n" and "n" in keys:
            key, value = "n", tok[1:]
        else:
            m = re.match(r"^([a-z]+)(.*)$", tok)
            if not m or not m.group(2):
                raise ValueError(f"{string}: bad token {tok!r}")
            key, value = m.group(1), m.group(2)
        if key not in keys:
            raise ValueError(f"{string}: unknown option {tok!r} (expected one of {', '.join(keys)})")
        if key in options:
            raise ValueError(f"{string}: option {key!r} given twice")
        options[key] = value
    return options, seen


def parse_timm(string: str) -> BlockDef:
    """timm arch-def string, e.g. ir_r2_k3_s2_e6_c24_se0.25[_noskip|_skip][_nre]."""
    tokens = string.split("_")
    op = tokens[0]
    if op not in ("ir", "er", "ds", "cn"):
        raise ValueError(f"{string}: block type must be ir, er, ds or cn")
    opts, flags = _split_options(tokens[1:], string, ("skip", "noskip"),
                                 ("r", "k", "s", "e", "c", "se", "n"))
    if len(flags) == 2:
        raise ValueError(f"{string}: both skip and noskip")
    if op == "cn" and "noskip" in flags:
        raise ValueError(f"{string}: cn has no residual unless 'skip'")
    if op != "cn" and "skip" in flags:
        raise ValueError(f"{string}: ir/er/ds have a residual by default ('noskip' removes it)")
    for key in ("r", "k", "s", "c"):
        if key not in opts:
            raise ValueError(f"{string}: missing '{key}'")
    if op in ("ir", "er"):
        if "e" not in opts:
            raise ValueError(f"{string}: missing 'e'")
        expansion = float(opts["e"])
    else:
        expansion = float(opts.get("e", "1"))
        if expansion != 1:
            raise ValueError(f"{string}: only e1 on {op} blocks")
    act = None
    if "n" in opts:
        if opts["n"] not in _TIMM_ACT:
            raise ValueError(f"{string}: activation must be nsw, nre or nr6")
        act = _TIMM_ACT[opts["n"]]
    se = float(opts.get("se", "0"))
    if op == "cn" and se > 0:
        raise ValueError(f"{string}: no SE on cn blocks")
    block = BlockDef(op=op, kernel=int(opts["k"]), stride=int(opts["s"]), expansion=expansion,
                     out=int(opts["c"]), repeats=int(opts["r"]), se=se,
                     skip=("skip" in flags) if op == "cn" else ("noskip" not in flags), activation=act)
    _validate_block(block, string)
    return block


def parse_tf(string: str) -> BlockDef:
    """TF EfficientNet string, e.g. r2_k3_s22_e6_i16_o24_se0.25[_c1][_noskip]."""
    tokens = string.split("_")
    opts, flags = _split_options(tokens, string, ("noskip",), ("r", "k", "s", "e", "i", "o", "se", "c"))
    for key in ("r", "k", "s", "e", "i", "o"):
        if key not in opts:
            raise ValueError(f"{string}: missing '{key}'")
    stride = {"1": 1, "11": 1, "2": 2, "22": 2}.get(opts["s"])
    if stride is None:
        raise ValueError(f"{string}: stride must be s11, s22, s1 or s2")
    conv_type = int(opts.get("c", "0"))
    if conv_type not in (0, 1):
        raise ValueError(f"{string}: c0 or c1")
    expansion = float(opts["e"])
    op = {(0, True): "ds", (0, False): "ir", (1, True): "cn", (1, False): "er"}[(conv_type, expansion == 1)]
    se = float(opts.get("se", "0"))
    if op == "cn" and se > 0:
        raise ValueError(f"{string}: no SE on c1 blocks with e1")
    block = BlockDef(op=op, kernel=int(opts["k"]), stride=stride,
                     expansion=expansion if op in ("ir", "er") else 1.0, out=int(opts["o"]),
                     repeats=int(opts["r"]), se=se, skip="noskip" not in flags, tf_input=int(opts["i"]))
    _validate_block(block, string)
    return block


def _validate_block(b: BlockDef, string: str) -> None:
    if b.repeats < 1:
        raise ValueError(f"{string}: repeats must be at least 1")
    if not (1 <= b.kernel <= 11 and b.kernel % 2 == 1):
        raise ValueError(f"{string}: kernel must be odd, 1 to 11")
    if b.stride not in (1, 2):
        raise ValueError(f"{string}: stride must be 1 or 2")
    if not (0 < b.expansion <= 16):
        raise ValueError(f"{string}: expansion must be in (0, 16]")
    if not (0 <= b.se <= 1):
        raise ValueError(f"{string}: SE ratio must be in [0, 1]")
    if b.out < 1:
        raise ValueError(f"{string}: output filters must be at least 1")


def parse_block(string: str) -> BlockDef:
    first = string.split("_", 1)[0]
    if len(first) > 1 and first[0] == "r" and first[1:].isdigit():
        return parse_tf(string)
    if first in ("ir", "er", "ds", "cn"):
        return parse_timm(string)
    raise ValueError(f"{string}: not a timm string (ir_, er_, ds_, cn_) nor a TF string (r1_k3_...)")


_SETTING_KEYS = ("name", "stem", "stem-stride", "head", "activation", "resolution", "classes", "channels", "dropout",
                 "drop-connect")


def parse_arch_file(text: str, default_name: str = "model") -> ArchSpec:
    """The architecture file format of Docs/FORMATS.md."""
    settings: Dict[str, str] = {}
    stages: List[List[BlockDef]] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if ":" in line:
            key, value = (s.strip() for s in line.split(":", 1))
            key = key.lower()
            if key not in _SETTING_KEYS:
                raise ValueError(f"line {number}: unknown setting {key!r}")
            if key in settings:
                raise ValueError(f"line {number}: setting {key!r} given twice")
            settings[key] = value
            continue
        stages.append([parse_block(tok) for tok in line.split()])
    if not stages:
        raise ValueError("no block strings")
    first_tf = stages[0][0].tf_input
    activation = settings.get("activation", "swish")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}")
    spec = ArchSpec(
        name=settings.get("name", default_name),
        stem=int(settings["stem"]) if "stem" in settings else (first_tf if first_tf is not None else 32),
        stem_stride=int(settings.get("stem-stride", 2)),
        head=int(settings.get("head", 1280)),
        activation=activation,
        resolution=int(settings.get("resolution", 224)),
        classes=int(settings.get("classes", 1000)),
        channels=int(settings.get("channels", 3)),
        dropout=float(settings.get("dropout", 0.2)),
        drop_connect=float(settings.get("drop-connect", 0.2)),
        stages=stages)
    # TF strings declare their input filters: they must match what flows in (as written).
    previous = spec.stem
    for stage in stages:
        for b in stage:
            if b.tf_input is not None and b.tf_input != previous:
                raise ValueError(f"TF block declares i{b.tf_input} but {previous} filters flow in")
            previous = b.out
    _validate_network(spec)
    return spec


def spec_from_json(obj: Dict[str, Any], **overrides: Any) -> ArchSpec:
    """The object of `nas arch --format json`. It carries the channels, not the activation,
    dropout and drop-connect: these come from `overrides`, from keys of the same names in
    the object if present, or from the named model's defaults (swish, 0.2, 0.2)."""
    stages_json = obj["stages"]
    stem = int(stages_json[0]["output_channels"])
    last = stages_json[-1]
    head = int(last["output_channels"]) if str(last["operator"]).startswith("Conv1x1") else 0
    name = str(obj.get("name", "model"))
    defaults: Dict[str, Any] = {"activation": "swish", "dropout": 0.2, "drop_connect": 0.2}
    defaults.update(_NAMED_DEFAULTS.get(name, {}))
    m = re.fullmatch(r"efficientnet-(b[0-7])", name)
    if m:
        defaults["dropout"] = _EFFICIENTNET_DROPOUT[m.group(1)]
    for key in ("activation", "dropout"):
        if key in obj:
            defaults[key] = obj[key]
    for key in ("drop_connect", "drop-connect"):
        if key in obj:
            defaults["drop_connect"] = obj[key]
    defaults.update({k: v for k, v in overrides.items() if v is not None})
    spec = ArchSpec(
        name=name, stem=stem, stem_stride=int(stages_json[0].get("stride", 2)), head=head,
        activation=str(defaults["activation"]),
        resolution=int(obj["resolution"]), classes=int(obj["classes"]), channels=int(obj["channels"]),
        dropout=float(defaults["dropout"]), drop_connect=float(defaults["drop_connect"]),
        stages=[[parse_block(s) for s in stage] for stage in obj["timm"]],
        params=obj.get("params"), macs=obj.get("macs"))
    _validate_network(spec)
    return spec


def _validate_network(spec: ArchSpec) -> None:
    if spec.activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}")
    if not (0 <= spec.dropout < 1 and 0 <= spec.drop_connect < 1):
        raise ValueError("dropout and drop-connect must be in [0, 1)")
    if spec.stem_stride not in (1, 2):
        raise ValueError(f"stem-stride must be 1 or 2, got {spec.stem_stride}")
    total_stride = spec.stem_stride
    for stage in spec.stages:
        for b in stage:
            total_stride *= b.stride
    if total_stride > 32:
        raise ValueError(f"total stride {total_stride} > 32 (timm would dilate; SwiftNAS does not)")


ArchSource = Union[str, os.PathLike, Dict[str, Any], ArchSpec]


def load_spec(source: ArchSource, **overrides: Any) -> ArchSpec:
    """JSON text / dict, architecture-file text, a path to either, or an ArchSpec.
    `overrides` (activation, dropout, drop_connect, resolution, classes, channels, ...)
    replace the corresponding settings."""
    if isinstance(source, ArchSpec):
        spec = source
    elif isinstance(source, dict):
        spec = spec_from_json(source)
    else:
        text = str(source)
        name = "model"
        if isinstance(source, os.PathLike) or ("\n" not in text and os.path.exists(text)):
            name = os.path.splitext(os.path.basename(str(source)))[0]
            with open(source) as f:
                text = f.read()
        stripped = text.lstrip()
        spec = spec_from_json(json.loads(stripped)) if stripped.startswith("{") else parse_arch_file(text, name)
    if overrides:
        spec = replace(spec, **{k: v for k, v in overrides.items() if v is not None})
        _validate_network(spec)
    return spec


# ----------------------------------------------------------------------------- modules

def make_activation(name: str) -> nn.Module:
    if name == "swish":
        return nn.SiLU(inplace=True)
    if name == "relu":
        return nn.ReLU(inplace=True)
    if name == "relu6":
        return nn.ReLU6(inplace=True)
    raise ValueError(f"unknown activation {name!r}")


def conv2d(cin: int, cout: int, kernel: int, stride: int = 1, groups: int = 1, bias: bool = False) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, kernel, stride=stride, padding=kernel // 2, groups=groups, bias=bias)


def batch_norm(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=BN_EPS, momentum=BN_MOMENTUM)


class DropPath(nn.Module):
    """Per-sample drop-connect (stochastic depth) on the residual branch, scaled by 1/keep."""

    def __init__(self, rate: float):
        super().__init__()
        self.rate = rate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.rate == 0.0 or not self.training:
            return x
        keep = 1.0 - self.rate
        mask = x.new_empty((x.shape[0],) + (1,) * (x.ndim - 1)).bernoulli_(keep)
        return x * mask.div_(keep)

    def extra_repr(self) -> str:
        return f"rate={self.rate:.4g}"


class SqueezeExcite(nn.Module):
    def __init__(self, channels: int, reduced: int, activation: str):
        super().__init__()
        self.conv_reduce = nn.Conv2d(channels, reduced, 1, bias=True)
        self.act1 = make_activation(activation)
        self.conv_expand = nn.Conv2d(reduced, channels, 1, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = x.mean((2, 3), keepdim=True)
        s = self.conv_expand(self.act1(self.conv_reduce(s)))
        return x * torch.sigmoid(s)


@dataclass
class LayerSpec:
    """One concrete layer (a block definition's repeat) with channels resolved."""
    index: int
    stage: int
    op: str
    kernel: int
    stride: int
    activation: str
    cin: int
    mid: int
    se: int
    cout: int
    has_skip: bool
    drop_connect: float


class Block(nn.Module):
    """ir / er / ds / cn layer; submodule names follow timm's blocks."""

    def __init__(self, L: LayerSpec):
        super().__init__()
        self.spec = L
        act = L.activation
        if L.op == "ir":
            self.conv_pw = conv2d(L.cin, L.mid, 1)
            self.bn1 = batch_norm(L.mid)
            self.act1 = make_activation(act)
            self.conv_dw = conv2d(L.mid, L.mid, L.kernel, L.stride, groups=L.mid)
            self.bn2 = batch_norm(L.mid)
            self.act2 = make_activation(act)
            self.se = SqueezeExcite(L.mid, L.se, act) if L.se > 0 else nn.Identity()
            self.conv_pwl = conv2d(L.mid, L.cout, 1)
            self.bn3 = batch_norm(L.cout)
        elif L.op == "er":
            self.conv_exp = conv2d(L.cin, L.mid, L.kernel, L.stride)
            self.bn1 = batch_norm(L.mid)
            self.act1 = make_activation(act)
            self.se = SqueezeExcite(L.mid, L.se, act) if L.se > 0 else nn.Identity()
            self.conv_pwl = conv2d(L.mid, L.cout, 1)
            self.bn2 = batch_norm(L.cout)
        elif L.op == "ds":
            self.conv_dw = conv2d(L.cin, L.cin, L.kernel, L.stride, groups=L.cin)
            self.bn1 = batch_norm(L.cin)
            self.act1 = make_activation(act)
            self.se = SqueezeExcite(L.cin, L.se, act) if L.se > 0 else nn.Identity()
            self.conv_pw = conv2d(L.cin, L.cout, 1)
            self.bn2 = batch_norm(L.cout)
        elif L.op == "cn":
            self.conv = conv2d(L.cin, L.cout, L.kernel, L.stride)
            self.bn1 = batch_norm(L.cout)
            self.act1 = make_activation(act)
        else:
            raise ValueError(L.op)
        self.has_skip = L.has_skip
        self.drop_path = DropPath(L.drop_connect) if L.has_skip and L.drop_connect > 0 else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        op = self.spec.op
        shortcut = x
        if op == "ir":
            x = self.act1(self.bn1(self.conv_pw(x)))
            x = self.act2(self.bn2(self.conv_dw(x)))
            x = self.se(x)
            x = self.bn3(self.conv_pwl(x))
        elif op == "er":
            x = self.act1(self.bn1(self.conv_exp(x)))
            x = self.se(x)
            x = self.bn2(self.conv_pwl(x))
        elif op == "ds":
            x = self.act1(self.bn1(self.conv_dw(x)))
            x = self.se(x)
            x = self.bn2(self.conv_pw(x))
        else:
            x = self.act1(self.bn1(self.conv(x)))
        if self.has_skip:
            x = self.drop_path(x) + shortcut
        return x


def resolve_layers(spec: ArchSpec) -> Tuple[int, List[List[LayerSpec]]]:
    """Stem channels and every layer's channels (Network.resolved in SwiftNAS)."""
    stem = make_divisible(spec.stem)
    total = sum(b.repeats for stage in spec.stages for b in stage)
    channels = stem
    index = 0
    stages: List[List[LayerSpec]] = []
    for s, stage in enumerate(spec.stages):
        layers: List[LayerSpec] = []
        for b in stage:
            out = make_divisible(b.out)
            for r in range(b.repeats):
                stride = b.stride if r == 0 else 1
                if b.op in ("ir", "er"):
                    mid = make_divisible(channels * b.expansion)
                    se_base = b.se / b.expansion
                elif b.op == "ds":
                    mid, se_base = channels, b.se
                else:
                    mid, se_base = out, 0.0
                se = max(1, round(mid * se_base)) if se_base > 0 else 0  # Python round: half to even
                layers.append(LayerSpec(
                    index=index, stage=s, op=b.op, kernel=b.kernel, stride=stride,
                    activation=b.activation or spec.activation, cin=channels, mid=mid, se=se, cout=out,
                    has_skip=b.skip and stride == 1 and channels == out,
                    drop_connect=spec.drop_connect * index / total if total else 0.0))
                channels = out
                index += 1
        stages.append(layers)
    return stem, stages


class EfficientNetLike(nn.Module):
    def __init__(self, spec: ArchSpec):
        super().__init__()
        self.arch = spec
        stem, stages = resolve_layers(spec)
        self.conv_stem = conv2d(spec.channels, stem, 3, spec.stem_stride)
        self.bn1 = batch_norm(stem)
        self.act1 = make_activation(spec.activation)
        self.blocks = nn.Sequential(*[nn.Sequential(*[Block(L) for L in layers]) for layers in stages])
        last = stages[-1][-1].cout if stages and stages[-1] else stem
        if spec.head > 0:
            self.conv_head = conv2d(last, spec.head, 1)
            self.bn2 = batch_norm(spec.head)
            self.act2 = make_activation(spec.activation)
            self.num_features = spec.head
        else:
            self.conv_head = self.bn2 = self.act2 = nn.Identity()
            self.num_features = last
        self.dropout = nn.Dropout(spec.dropout) if spec.dropout > 0 else nn.Identity()
        self.classifier = nn.Linear(self.num_features, spec.classes)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        x = self.act1(self.bn1(self.conv_stem(x)))
        x = self.blocks(x)
        return self.act2(self.bn2(self.conv_head(x)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.forward_features(x).mean((2, 3))
        return self.classifier(self.dropout(x))


def build(source: ArchSource, **overrides: Any) -> EfficientNetLike:
    """nn.Module for a SwiftNAS architecture: JSON of `nas arch --format json` (text or
    dict), the text of an architecture file (`--format file`), or a path to either."""
    return EfficientNetLike(load_spec(source, **overrides))


# ----------------------------------------------------------------------------- counting

def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def count_macs(model: nn.Module, resolution: int, channels: Optional[int] = None) -> int:
    """Conv and linear multiply-adds of one forward pass of one image, from the shapes the
    modules see (BN, activations, pooling, the SE gate and residual adds not counted)."""
    if channels is None:
        channels = model.conv_stem.in_channels  # type: ignore[attr-defined]
    total = [0]

    def hook(module: nn.Module, inputs: Any, output: torch.Tensor) -> None:
        if isinstance(module, nn.Conv2d):
            k = module.kernel_size[0] * module.kernel_size[1]
            total[0] += output[0].numel() * k * (module.in_channels // module.groups)
        elif isinstance(module, nn.Linear):
            total[0] += module.in_features * module.out_features

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(torch.zeros(1, channels, resolution, resolution))
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return total[0]


def count(model: nn.Module, resolution: int) -> Tuple[int, int]:
    return count_params(model), count_macs(model, resolution)


if __name__ == "__main__":
    import argparse
    import sys

    ap = argparse.ArgumentParser(description="Build the PyTorch reference of a SwiftNAS architecture "
                                             "and print its parameter and MAC counts.")
    ap.add_argument("source", help="JSON or architecture file ('-' reads stdin)")
    ap.add_argument("--resolution", type=int, help="default: the description's")
    ap.add_argument("--print-model", action="store_true")
    a = ap.parse_args()
    text = sys.stdin.read() if a.source == "-" else a.source
    m = build(text)
    res = a.resolution or m.arch.resolution
    p, macs = count(m, res)
    if a.print_model:
        print(m)
    print(json.dumps({"name": m.arch.name, "resolution": res, "params": p, "macs": macs}))
