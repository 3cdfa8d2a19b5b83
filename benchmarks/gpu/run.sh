#!/usr/bin/env bash
# Runs Descent's GPU checks from the bundle that benchmarks/gpu/bundle.sh made, on a machine with only
# a driver (no .NET SDK, no xz, no network). Diagnostics first (nvidia-smi, the driver libraries found,
# `descent devices`), then on each backend: `descent check`, the PTX of every ILGPU kernel through
# ptxas where it exists, `descent bench gemm`, a short training and `descent bench`. Every log and
# result goes into one archive, $OUT/gpu-results.tar.gz, with summary.txt beside it.
#   bundle/run.sh                              every GPU backend
#   BACKENDS="cpu" GEMM_SIZE=512 bundle/run.sh  any list of backends (a dry run on a CPU-only machine)
set -uo pipefail
bundle=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-$PWD/gpu-results}
mkdir -p "$out"
work=$(mktemp -d)
runtime=$(mktemp -d)
trap 'rm -rf "$work" "$runtime"' EXIT

python3 - "$bundle/dotnet-runtime.tar.xz" "$runtime" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1]) as archive:
    if hasattr(tarfile, "fully_trusted_filter"):
        archive.extractall(sys.argv[2], filter="fully_trusted")
    else:
        archive.extractall(sys.argv[2])
PY
export DOTNET_ROOT=$runtime
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
export DOTNET_CLI_TELEMETRY_OPTOUT=1

# The bundled Vulkan loader, only where the machine has none of its own.
if ! ldconfig -p | grep -q 'libvulkan\.so\.1 ' && [ -f "$bundle/lib/libvulkan.so.1" ]; then
    export LD_LIBRARY_PATH="$bundle/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
# NVIDIA's Vulkan driver, where the container keeps its ICD outside the loader's search path.
nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$nvidia_icd" ]; then
    export VK_DRIVER_FILES=$nvidia_icd
fi

descent() { "$runtime/dotnet" "$bundle/app/descent.dll" "$@"; }
summary=$work/summary.txt
: > "$summary"

step() {
    local name=$1
    shift
    local started=$SECONDS
    "$@" > "$work/$name.log" 2>&1
    local status=$?
    # The last line that is not a table border: a result row or the error line.
    local last
    last=$(grep -v '^[┌├└]' "$work/$name.log" | tail -n 1)
    printf '%-24s exit %-3s %4ss  %s\n' "$name" "$status" "$((SECONDS - started))" "$last" | tee -a "$summary"
}

diagnostics() {
    date -u
    uname -a
    command -v nvidia-smi > /dev/null && nvidia-smi
    echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
    echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-}"
    echo "driver libraries:"
    local folder
    for folder in $(echo "${LD_LIBRARY_PATH:-}" | tr : " ") /usr/lib/x86_64-linux-gnu /usr/local/nvidia/lib64 /usr/lib/wsl/lib /usr/lib64 /usr/lib; do
        ls -l "$folder"/libcuda.so* "$folder"/libvulkan.so* "$folder"/libnvidia-ptxjitcompiler.so* 2> /dev/null
    done
    ldconfig -p | grep -E 'libcuda|libvulkan' || true
    command -v ptxas && ptxas --version
    descent --version
}

ptx() {
    descent check --backend ilgpu-cpu --filter "no case has this name" --ptx-out "$work/ptx" > /dev/null
    if ! command -v ptxas > /dev/null; then
        echo "no ptxas here: PTX written to ptx/, not assembled"
        return 0
    fi
    local file status=0
    for file in "$work"/ptx/*.ptx; do
        echo "== $(basename "$file" .ptx)"
        ptxas -arch=sm_90 -v "$file" -o /dev/null 2>&1 || status=1
    done
    return $status
}

step diagnostics diagnostics
step devices descent devices
step ptxas ptx
for backend in ${BACKENDS:-cuda vulkan}; do
    step "check-$backend" descent check --backend "$backend"
    step "gemm-$backend" descent bench gemm --backend "$backend" --size "${GEMM_SIZE:-4096}" --out "$work/gemm-$backend.json"
    step "train-$backend" descent train --backend "$backend" --data-dir "$bundle/mnist" --epochs 3 --metrics-out "$work/train-$backend.json"
    step "simple-$backend" descent train --backend "$backend" --data-dir "$bundle/mnist" --dataset mnist-3-7 --arch simple --quiet
    step "bench-$backend" descent bench --backend "$backend" --data-dir "$bundle/mnist" --out "$work/bench-$backend.json"
done

cp "$summary" "$out/summary.txt"
tar -C "$work" -czf "$out/gpu-results.tar.gz" .
echo "results: $out/gpu-results.tar.gz, summary: $out/summary.txt"
