"""Generates torch_reference.json: a small network's logits, loss and gradients in PyTorch
(Benchmarks/torch_reference.py, the same building rules as SwiftNAS) on fixed inputs, with
the weights, inputs and results converted to SwiftNAS's NHWC layouts and names, so
NASModelTests can compare without Python.

    python3 Tests/NASModelTests/Fixtures/make_torch_reference.py   # writes torch_reference.json beside it
"""
import json, os, sys
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "Benchmarks"))
import torch_reference as tr  # noqa: E402

ARCH = """name: fixture
stem: 8
head: 24
activation: swish
resolution: 8
classes: 5
channels: 2
dropout: 0
drop-connect: 0
ds_r1_k3_s1_e1_c8_se0.25
ir_r2_k3_s2_e3_c16_se0.25
er_r1_k3_s1_e2_c16
cn_r1_k3_s2_c24_skip ir_r1_k3_s1_e2_c24
ir_r1_k5_s1_e2_c24_nre
"""
BATCH, RES, CHANNELS = 4, 8, 2


def export(model):
    """(name, torch tensor, kind) in SwiftNAS order and naming."""
    out = []

    def convbn(prefix, conv, bn, depthwise=False):
        w = conv.weight
        out.append((f"{prefix}.conv.weight", w, "dw" if depthwise else "conv"))
        out.append((f"{prefix}.bn.weight", bn.weight, "vec"))
        out.append((f"{prefix}.bn.bias", bn.bias, "vec"))

    def se(prefix, module):
        if isinstance(module, tr.SqueezeExcite):
            out.append((f"{prefix}.se.conv_reduce.weight", module.conv_reduce.weight, "se"))
            out.append((f"{prefix}.se.conv_reduce.bias", module.conv_reduce.bias, "vec"))
            out.append((f"{prefix}.se.conv_expand.weight", module.conv_expand.weight, "se"))
            out.append((f"{prefix}.se.conv_expand.bias", module.conv_expand.bias, "vec"))

    convbn("stem", model.conv_stem, model.bn1)
    index = 0
    for stage in model.blocks:
        for b in stage:
            p = f"blocks.{index}"
            if hasattr(b, "conv_dw") and hasattr(b, "conv_pwl"):  # MBConv
                convbn(f"{p}.conv_pw", b.conv_pw, b.bn1)
                convbn(f"{p}.conv_dw", b.conv_dw, b.bn2, depthwise=True)
                se(p, b.se)
                convbn(f"{p}.conv_pwl", b.conv_pwl, b.bn3)
            elif hasattr(b, "conv_exp"):  # Fused-MBConv
                convbn(f"{p}.conv_exp", b.conv_exp, b.bn1)
                se(p, b.se)
                convbn(f"{p}.conv_pwl", b.conv_pwl, b.bn2)
            elif hasattr(b, "conv_dw"):  # depthwise-separable
                convbn(f"{p}.conv_dw", b.conv_dw, b.bn1, depthwise=True)
                se(p, b.se)
                convbn(f"{p}.conv_pw", b.conv_pw, b.bn2)
            else:
                convbn(f"{p}.conv", b.conv, b.bn1)
            index += 1
    if isinstance(model.conv_head, torch.nn.Conv2d):
        convbn("head", model.conv_head, model.bn2)
    out.append(("classifier.weight", model.classifier.weight, "linear"))
    out.append(("classifier.bias", model.classifier.bias, "vec"))
    return out


def swift_layout(t, kind):
    t = t.detach()
    if kind == "conv":
        t = t.permute(2, 3, 1, 0)
    elif kind == "dw":
        t = t[:, 0].permute(1, 2, 0)
    elif kind == "se":
        t = t[:, :, 0, 0].t()
    elif kind == "linear":
        t = t.t()
    return [round(float(v), 8) for v in t.contiguous().reshape(-1)]


def main():
    torch.manual_seed(0)
    model = tr.build(ARCH)
    model.train()
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():  # non-trivial BN affine parameters and biases
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.copy_(1 + 0.2 * torch.randn(m.weight.shape, generator=g))
                m.bias.copy_(0.2 * torch.randn(m.bias.shape, generator=g))
    images = torch.randn(BATCH, CHANNELS, RES, RES, generator=g)
    labels = torch.tensor([0, 3, 4, 1])
    logits = model(images)
    loss = F.cross_entropy(logits, labels, label_smoothing=0.1)
    loss.backward()
    tensors = export(model)
    fixture = {
        "torch": torch.__version__,
        "arch": ARCH,
        "batch": BATCH,
        "images_nhwc": [round(float(v), 8) for v in images.permute(0, 2, 3, 1).reshape(-1)],
        "labels": labels.tolist(),
        "label_smoothing": 0.1,
        "logits": [round(float(v), 8) for v in logits.detach().reshape(-1)],
        "loss": float(loss.detach()),
        "params": {n: swift_layout(t, k) for n, t, k in tensors},
        "grads": {n: swift_layout(t.grad, k) for n, t, k in tensors},
        "running_mean_stem": [round(float(v), 8) for v in model.bn1.running_mean],
        "running_var_stem": [round(float(v), 8) for v in model.bn1.running_var],
    }
    with open(os.path.join(HERE, "torch_reference.json"), "w") as f:
        json.dump(fixture, f)
        f.write("\n")
    print(len(tensors), "tensors, loss", float(loss))


if __name__ == "__main__":
    main()
