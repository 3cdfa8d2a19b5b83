#!/usr/bin/env bash
# Proves the bundle on this machine as a GPU machine would see it: in a private mount namespace the
# .NET install (and the xz binary) are hidden under empty bind mounts, so `dotnet` and `xz` do not
# exist, and run.sh must bring up everything from the bundle. Runs the cpu backend (no GPU here) with a
# small GEMM. Needs root (unshare -m). Usage: benchmarks/gpu/prove-bundle.sh [OUT_DIR]
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
    OUT=$4 BACKENDS=cpu GEMM_SIZE=256 bundle/run.sh
' prove "$empty" "$dotnet_root" "$xz_binary" "$out"
