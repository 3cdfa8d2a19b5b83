#!/usr/bin/env python3
"""Compares a Descent run with libtorch's on the same net, weights and images (standard library only).

usage: compare.py DESCENT_METRICS DESCENT_STATE PEER_LOG PEER_STATE PEER64_LOG PEER64_STATE [--tolerance 1e-5]

DESCENT_METRICS is Descent's --metrics-out JSON (one full-batch step per epoch, so epoch K's train_loss and
test_loss are step K's); the PEER logs hold the peer's "step K train_loss L eval_loss E" lines, PEER from a
float32 run, PEER64 from a float64 run of the same problem (the peer's --precision f64: the same float32
weights and inputs, then double arithmetic), which stands for the exact result; the states are safetensors
files, under the same (torchvision's) names.
A loss deviates by |a - b| / |b|; a tensor by max |a - b| / max |b| over its elements (relative to the
tensor's own scale, so that an element near zero does not stand for the tensor); integer tensors
(num_batches_tracked) must be equal. Three columns: Descent against libtorch in float32, Descent against
libtorch in float64, and libtorch's float32 against its float64 (how far float32 arithmetic alone moves).
PASS when every Descent-against-float64 deviation is within the tolerance. Descent's float32 run is judged against
the float64 one, not libtorch's float32 one: where that is itself beyond the tolerance from float64 (see main),
agreeing with it would prove nothing; the column is printed all the same.
Exit 0 on PASS, 1 on FAIL, 2 on unreadable or mismatched input.
"""
import argparse
import json
import struct
import sys


def fail_input(message):
    print(f"compare.py: {message}", file=sys.stderr)
    sys.exit(2)


def read_safetensors(path):
    try:
        data = open(path, "rb").read()
    except OSError as error:
        fail_input(f"cannot read {path}: {error.strerror}")
    (length,) = struct.unpack_from("<Q", data, 0)
    header = json.loads(data[8:8 + length])
    start = 8 + length
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        code, width = {"F32": ("f", 4), "I64": ("q", 8)}.get(entry["dtype"], (None, 0))
        if code is None:
            fail_input(f"{path}: {name} is {entry['dtype']}, not F32 or I64")
        count = (end - begin) // width
        tensors[name] = (entry["dtype"], entry["shape"], struct.unpack_from(f"<{count}{code}", data, start + begin))
    return tensors


def read_peer_log(path):
    steps = []
    for line in open(path):
        words = line.split()
        if len(words) == 6 and words[0] == "step":
            steps.append((float(words[3]), float(words[5])))
    return steps


def relative(a, b):
    return abs(a - b) / abs(b) if b != 0 else abs(a - b)


def tensor_deviation(values, reference):
    scale = max(abs(v) for v in reference) or 1.0
    return max(abs(a - b) for a, b in zip(values, reference)) / scale


def main(argv):
    parser = argparse.ArgumentParser(description="Compares a Descent run with libtorch's in float32 and float64.")
    for name in ("descent_metrics", "descent_state", "peer_log", "peer_state", "peer64_log", "peer64_state"):
        parser.add_argument(name)
    parser.add_argument("--tolerance", type=float, default=1e-5)
    args = parser.parse_args(argv)
    tolerance = args.tolerance

    epochs = [e for e in json.load(open(args.descent_metrics))["epochs"] if e["epoch"] > 0]
    descent_steps = [(e["train_loss"], e["test_loss"]) for e in epochs]
    peer_steps, peer64_steps = read_peer_log(args.peer_log), read_peer_log(args.peer64_log)
    if not descent_steps or not len(descent_steps) == len(peer_steps) == len(peer64_steps):
        fail_input(f"Descent trained {len(descent_steps)} epochs, the peer {len(peer_steps)} and {len(peer64_steps)} steps")

    descent = read_safetensors(args.descent_state)
    peer, peer64 = read_safetensors(args.peer_state), read_safetensors(args.peer64_state)
    if not set(descent) == set(peer) == set(peer64):
        only = sorted(set(descent) ^ set(peer))[:3]
        fail_input(f"the states differ in names ({only} ...)")

    worst = {}  # kind -> [largest deviation in each column, with its label]
    failures = []
    print(f"{'kind':13} {'what':42} {'D-L32':>9} {'D-L64':>9} {'L32-L64':>9}")

    def note(kind, label, to32, to64, own):
        print(f"{kind:13} {label:42} {to32:9.2e} {to64:9.2e} {own:9.2e}")
        row = worst.setdefault(kind, [(-1.0, ""), (-1.0, ""), (-1.0, "")])
        for column, value in enumerate((to32, to64, own)):
            if value > row[column][0]:
                row[column] = (value, label)
        if to64 > tolerance:
            failures.append(f"{kind} {label}")

    for step, (ours, theirs, exact) in enumerate(zip(descent_steps, peer_steps, peer64_steps), start=1):
        for column, kind in enumerate(("train loss", "eval loss")):
            note(kind, f"step {step}: {ours[column]:.8g}", relative(ours[column], theirs[column]),
                 relative(ours[column], exact[column]), relative(theirs[column], exact[column]))

    for name, (dtype, shape, exact) in peer64.items():
        if (descent[name][0], descent[name][1]) != (dtype, shape) or (peer[name][0], peer[name][1]) != (dtype, shape):
            fail_input(f"{name} is {descent[name][0]} {descent[name][1]} in Descent's state, {dtype} {shape} in the peer's")
        if dtype == "I64":
            if not descent[name][2] == peer[name][2] == exact:
                failures.append(f"{name}: {descent[name][2]} against libtorch's {peer[name][2]}")
            continue
        statistic = name.endswith(("running_mean", "running_var"))
        note("running stat" if statistic else "weight", name, tensor_deviation(descent[name][2], peer[name][2]),
             tensor_deviation(descent[name][2], exact), tensor_deviation(peer[name][2], exact))

    print()
    print("largest deviations: Descent against libtorch float32 (D-L32), against libtorch float64 (D-L64),"
          " libtorch float32 against float64 (L32-L64)")
    for kind, row in worst.items():
        print(f"max {kind:13} " + "  ".join(f"{value:.2e} ({label})" for value, label in row))
    counters = sum(1 for dtype, _, _ in peer64.values() if dtype == "I64")
    print(f"num_batches_tracked: {counters} counters, {'equal' if not any('num_batches' in f for f in failures) else 'NOT equal'}")
    own = max(row[2][0] for row in worst.values())
    # ReLU's gradient jumps at 0: an input within rounding of zero passes or stops its gradient depending on the last
    # bit, which moves one channel's sums by far more than rounding, and later steps amplify every difference. Where
    # libtorch's own float32 run is that far from its float64 run, agreeing with it would prove nothing.
    print(f"libtorch's float32 run against its float64 run: {own:.2e}"
          + ("" if own <= tolerance else f", beyond {tolerance:g} itself (a ReLU input within rounding of zero, or growth over steps)"))
    if failures:
        print(f"FAIL: {len(failures)} deviations from libtorch's float64 run beyond {tolerance:g}, first {failures[0]}")
        return 1
    print(f"PASS: Descent within {tolerance:g} of libtorch's float64 run in every loss, weight and running statistic")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
