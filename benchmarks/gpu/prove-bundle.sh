#!/usr/bin/env bash
# Proves the bundle on this machine as a GPU machine would see it: in a private mount namespace the
# .NET install (and the xz binary) are hidden under empty bind mounts, so `dotnet` and `xz` do not
# exist, and run.sh must bring up everything from the bundle. Runs the cpu backend (no GPU here) with a
# small GEMM and a training time limit of 1 s, so the training steps run past their limit as a hung step
# would: the proof is that they end in exit 124 and that every earlier step's line, log and JSON result is
# in OUT_DIR all the same. Needs root (unshare -m). Usage: benchmarks/gpu/prove-bundle.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")"
out=${1:-$PWD/gpu-results}
[ -d bundle ] || ./bundle.sh
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
xz_binary=$(command -v xz || true)
empty=$(mktemp -d)
trap 'rmdir "$empty"' EXIT

unshare -m bash -euo pipefail -c '
    mount --make-rprivate /
    mount --bind "$1" "$2"
    if [ -n "$3" ]; then mount --bind /dev/null "$3"; fi
    if command -v dotnet > /dev/null && dotnet --version > /dev/null 2>&1; then echo "dotnet is still visible" >&2; exit 1; fi
    echo "inside: dotnet hidden ($2 is empty), xz $([ -n "$3" ] && echo "hidden ($3)" || echo absent)"
    OUT=$4 BACKENDS=cpu GEMM_SIZE=256 TRAIN_TIMEOUT=1 STEP_TIMEOUT=120 bundle/run.sh
' prove "$empty" "$dotnet_root" "$xz_binary" "$out"

# What a hang must leave behind: the earlier steps' lines and logs, the GEMM's JSON, and the stuck step's exit 124.
grep -q '^check-cpu  *exit 0 ' "$out/summary.txt" || { echo "prove-bundle: check-cpu is missing from summary.txt" >&2; exit 1; }
grep -q '^mlp-cpu  *exit 124 .*timed out' "$out/summary.txt" || { echo "prove-bundle: mlp-cpu did not time out" >&2; exit 1; }
grep -q '===== gemm-cpu (exit 0' "$out/cpu.log" || { echo "prove-bundle: cpu.log lacks the GEMM step" >&2; exit 1; }
tar -tzf "$out/results.tar.gz" | grep -q 'gemm-cpu.json' || { echo "prove-bundle: results.tar.gz lacks gemm-cpu.json" >&2; exit 1; }
files=$(find "$out" -maxdepth 1 -type f | wc -l)
[ "$files" -le 8 ] || { echo "prove-bundle: $files files in $out, more than 8" >&2; exit 1; }
echo "prove-bundle: the steps that ran past their limit left every earlier result in $out ($files files)"
