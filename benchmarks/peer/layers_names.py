#!/usr/bin/env python3
"""The CIFAR ResNet of depth 6n+2 in Descent's --layers spelling, and its tensors' names against torchvision's.

usage: layers_names.py layers DEPTH CxHxW CLASSES         prints the --layers text
       layers_names.py names DEPTH                        prints {descent name: torchvision name} as JSON
       layers_names.py rename DEPTH IN OUT                rewrites a safetensors file of torchvision's names in Descent's

The --layers spelling names a layer by its position in the stack (0.weight, 3.body.1.running_mean,
5.shortcut.0.weight); torchvision's ResNet by its module tree (conv1.weight, layer1.0.bn1.running_mean,
layer2.0.downsample.0.weight).
"""
import json
import struct
import sys

BODY = {"0": "conv1", "1": "bn1", "3": "conv2", "4": "bn2"}
TENSORS = {"conv": ["weight"], "bn": ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]}


def blocks(depth):
    if depth < 8 or (depth - 2) % 6:
        sys.exit(f"layers_names.py: a CIFAR ResNet's depth is 6n+2, got {depth}")
    per_stage = (depth - 2) // 6
    for stage, channels in enumerate((16, 32, 64), start=1):
        for block in range(per_stage):
            yield stage, block, channels, stage > 1 and block == 0


def layers(depth, shape, classes):
    text = f"{shape}-conv16k3p1nb-bn-relu"
    for _, _, channels, projects in blocks(depth):
        stride = "s2" if projects else ""
        shortcut = f"+conv{channels}k1s2nb-bn" if projects else ""
        text += f"-res(conv{channels}k3{stride}p1nb-bn-relu-conv{channels}k3p1nb-bn{shortcut})-relu"
    return text + f"-gap-{classes}"


def names(depth):
    mapping = {f"0.{t}": f"conv1.{t}" for t in TENSORS["conv"]}
    mapping.update({f"1.{t}": f"bn1.{t}" for t in TENSORS["bn"]})
    index = 3
    for stage, block, _, projects in blocks(depth):
        parts = dict(("body." + k, v) for k, v in BODY.items())
        if projects:
            parts.update({"shortcut.0": "downsample.0", "shortcut.1": "downsample.1"})
        for ours, theirs in parts.items():
            kind = "bn" if theirs in ("bn1", "bn2", "downsample.1") else "conv"
            for tensor in TENSORS[kind]:
                mapping[f"{index}.{ours}.{tensor}"] = f"layer{stage}.{block}.{theirs}.{tensor}"
        index += 2
    # After the last block's relu: gap, then the linear layer.
    mapping.update({f"{index + 1}.{t}": f"fc.{t}" for t in ("weight", "bias")})
    return mapping


def rename(depth, source, target):
    data = open(source, "rb").read()
    (length,) = struct.unpack_from("<Q", data, 0)
    header = json.loads(data[8:8 + length])
    back = {theirs: ours for ours, theirs in names(depth).items()}
    renamed = {back.get(name, name) if name != "__metadata__" else name: entry for name, entry in header.items()}
    text = json.dumps(renamed, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    open(target, "wb").write(struct.pack("<Q", len(text)) + text + data[8 + length:])


if __name__ == "__main__":
    command, depth = sys.argv[1], int(sys.argv[2])
    if command == "layers":
        print(layers(depth, sys.argv[3], sys.argv[4]))
    elif command == "names":
        print(json.dumps(names(depth)))
    else:
        rename(depth, sys.argv[3], sys.argv[4])
