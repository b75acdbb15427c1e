#!/usr/bin/env python3
"""Checks an ONNX file written by `nas export DIR --format onnx` against SwiftNAS itself.

Runs the model in onnxruntime on Fashion-MNIST's test set (the t10k files, in file order,
28x28 pixels scaled to [0, 1]: the exported graph pads and normalizes as training did), or on
any split of any dataset with --images (from `nas eval DIR --inputs FILE.npy`: the images as
the model takes them), after onnx's checker. With --logits (from `nas eval DIR --split test
--logits FILE.npy`, the same split) it compares onnxruntime's logits with SwiftNAS's:
|ort - swiftnas| <= tolerance * max(|swiftnas|, 1) element by element, and the predicted
classes. Prints one JSON object; exits 1 on a mismatch.

    python3 Benchmarks/onnx/check.py model.onnx --logits logits.npy [--accuracy 0.8812]
    python3 Benchmarks/onnx/check.py model.onnx --images inputs.npy --logits logits.npy
"""
import argparse
import gzip
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort


def load_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def find(directory, stem):
    for name in (stem + ".gz", stem):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            return path
    sys.exit(f"check.py: no {stem}(.gz) in {directory}; install Debian's dataset-fashion-mnist")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model")
    parser.add_argument("--logits", help="SwiftNAS's logits on the test split (.npy, [images, classes])")
    parser.add_argument("--accuracy", type=float, help="SwiftNAS's test accuracy, to compare with onnxruntime's")
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--images", help="the images instead of Fashion-MNIST's test set (.npy, float32 [N, C, H, W] in [0, 1]; no labels)")
    parser.add_argument("--limit", type=int, help="only the first N test images")
    parser.add_argument("--tolerance", type=float, default=1e-4)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    model = onnx.load(args.model)
    onnx.checker.check_model(model, full_check=True)
    if args.images:
        if args.accuracy is not None:
            sys.exit("check.py: --images has no labels; compare the logits (--logits) instead of --accuracy")
        x = np.load(args.images).astype(np.float32)[: args.limit]
        labels = None
    else:
        images = load_idx(find(args.data, "t10k-images-idx3-ubyte"))
        labels = load_idx(find(args.data, "t10k-labels-idx1-ubyte")).astype(np.int64)
        if args.limit:
            images, labels = images[: args.limit], labels[: args.limit]
        x = (images.astype(np.float32) / 255.0)[:, None, :, :]

    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    session = ort.InferenceSession(args.model, options, providers=["CPUExecutionProvider"])
    logits = np.concatenate([session.run(["logits"], {"image": x[i: i + args.batch]})[0] for i in range(0, len(x), args.batch)])
    predicted = logits.argmax(axis=1)
    result = {
        "images": int(len(x)),
        "opset": [int(o.version) for o in model.opset_import if o.domain in ("", "ai.onnx")][0],
        "nodes": len(model.graph.node),
        "ops": sorted({n.op_type for n in model.graph.node}),
        "onnxruntime": ort.__version__,
    }
    if labels is not None:
        result["onnxruntime_accuracy"] = float((predicted == labels).mean())
    ok = True
    if args.logits:
        reference = np.load(args.logits)[: len(x)]
        if reference.shape != logits.shape:
            sys.exit(f"check.py: SwiftNAS logits {reference.shape}, onnxruntime {logits.shape}")
        relative = np.abs(logits - reference) / np.maximum(np.abs(reference), 1.0)
        agreement = float((predicted == reference.argmax(axis=1)).mean())
        result.update(max_relative_difference=float(relative.max()), class_agreement=agreement)
        if labels is not None:
            result["swiftnas_accuracy"] = float((reference.argmax(axis=1) == labels).mean())
        ok = bool(relative.max() <= args.tolerance) and agreement == 1.0
    if args.accuracy is not None:
        result["accuracy_difference_points"] = round(100 * abs(result["onnxruntime_accuracy"] - args.accuracy), 4)
        ok = ok and result["accuracy_difference_points"] <= 0.2
    result["ok"] = ok
    print(json.dumps(result))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
