#!/usr/bin/env bash
# Runs Descent's GPU checks from the bundle that benchmarks/gpu/bundle.sh made, on a machine with no
# .NET SDK: `descent devices`, `descent check` and a short training on CUDA and on Vulkan, and
# `descent bench`. Writes every log and a summary table to $OUT (or ./gpu-results).
#   benchmarks/gpu/run.sh                 every GPU backend
#   BACKENDS="cpu" benchmarks/gpu/run.sh  any list of backends (a dry run on a CPU-only machine)
# Vulkan needs the loader (libvulkan.so.1) on the machine; where it is missing, bring Debian's libvulkan1.
set -uo pipefail
cd "$(dirname "$0")"
bundle=$PWD/bundle
out=${OUT:-$PWD/gpu-results}
mkdir -p "$out"

runtime=$(mktemp -d)
tar -C "$runtime" -xJf "$bundle/dotnet-runtime.tar.xz"
export DOTNET_ROOT=$runtime
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
export DOTNET_CLI_TELEMETRY_OPTOUT=1

# Descent finds libcuda.so.1 itself (LD_LIBRARY_PATH, then the usual driver folders): no link needed.

# NVIDIA's Vulkan driver, where the container keeps its ICD outside the loader's search path.
nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$nvidia_icd" ]; then
    export VK_DRIVER_FILES=$nvidia_icd
fi

descent() { "$runtime/dotnet" "$bundle/app/descent.dll" "$@"; }
summary=$out/summary.txt
: > "$summary"

step() {
    local name=$1
    shift
    local started=$SECONDS
    descent "$@" > "$out/$name.log" 2>&1
    local status=$?
    # The last line that is not a table border: a result row or the error line.
    local last
    last=$(grep -v '^[┌├└]' "$out/$name.log" | tail -n 1)
    printf '%-24s exit %-3s %4ss  %s\n' "$name" "$status" "$((SECONDS - started))" "$last" | tee -a "$summary"
}

step devices devices
for backend in ${BACKENDS:-cuda vulkan}; do
    step "check-$backend" check --backend "$backend"
    step "train-$backend" train --backend "$backend" --data-dir "$bundle/mnist" --epochs 3 --metrics-out "$out/train-$backend.json"
    step "simple-$backend" train --backend "$backend" --data-dir "$bundle/mnist" --dataset mnist-3-7 --arch simple --quiet
    step "bench-$backend" bench --backend "$backend" --data-dir "$bundle/mnist" --out "$out/bench-$backend.json"
done
rm -rf "$runtime"
