#!/usr/bin/env bash
# Runs Descent's GPU checks from the bundle that benchmarks/gpu/bundle.sh made, on a machine with only
# a driver (no .NET SDK, no xz, no network). Diagnostics first (nvidia-smi, the driver libraries and Vulkan ICD
# files found, `descent devices`), then on each backend: `descent check`, `descent bench gemm`, the MLP, the CNN and
# ResNet-20 (`--arch resnet`, one epoch) timed, `descent bench`; the PTX of every ILGPU kernel through ptxas where it
# exists; last the same models and recipes in PyTorch (pytorch_models.py: MLP 3 epochs, CNN 1, ResNet-20 1) where
# python3 has torch. Planned to fit 5 minutes: every step runs under its own
# timeout (STEP_TIMEOUT seconds, 120 by default; training steps TRAIN_TIMEOUT, 90), and each step's log is appended
# to $OUT as soon as it ends, so a hang, or the machine's limit on a command, still leaves every earlier result.
# $OUT holds at most 8 files: summary.txt (a line per step), diagnostics.log, ptxas.log, one log per backend,
# pytorch.log and results.tar.gz (the JSON results so far, rewritten after each step).
#   bundle/run.sh                              every GPU backend
#   BACKENDS="cpu" GEMM_SIZE=512 bundle/run.sh  any list of backends (a dry run on a CPU-only machine)
set -uo pipefail
bundle=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-$PWD/gpu-results}
mkdir -p "$out"
work=$(mktemp -d)
runtime=$(mktemp -d)
trap 'rm -rf "$work" "$runtime"' EXIT
step_timeout=${STEP_TIMEOUT:-120}
train_timeout=${TRAIN_TIMEOUT:-90}

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
# NVIDIA's Vulkan driver, where the container keeps its ICD outside the loader's search path: VK_DRIVER_FILES for
# loaders from 1.3.207 on, VK_ICD_FILENAMES for older ones.
nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$nvidia_icd" ]; then
    export VK_DRIVER_FILES=$nvidia_icd
fi
if [ -z "${VK_ICD_FILENAMES:-}" ] && [ -n "${VK_DRIVER_FILES:-}" ]; then
    export VK_ICD_FILENAMES=$VK_DRIVER_FILES
fi

descent() { "$runtime/dotnet" "$bundle/app/descent.dll" "$@"; }
summary=$out/summary.txt
# A fresh run: the logs are appended to, step by step.
rm -f "$out"/*.log "$out/results.tar.gz"
: > "$summary"
mkdir -p "$work/results"

# step LOG SECONDS NAME COMMAND...: runs COMMAND under a timeout (exit 124 when it ran out, the process group killed),
# appends its output to $OUT/LOG.log, a line to summary.txt, and refreshes results.tar.gz: all before the next step.
step() {
    local log=$1 limit=$2 name=$3
    shift 3
    local started=$SECONDS
    # Through bash -c, so that the step may be one of the functions above (exported below).
    # Each step its own log: a process that outlives its timeout's signal (Descent finishes its epoch on SIGTERM, then
    # KILL follows) must not write into the next step's.
    timeout --kill-after=10 "$limit" bash -c '"$@"' "$name" "$@" > "$work/$name.log" 2>&1
    local status=$?
    { echo "===== $name (exit $status, $((SECONDS - started)) s)"; cat "$work/$name.log"; } >> "$out/$log.log"
    # The last line that is not a table border: a result row or the error line.
    local last
    last=$(grep -v '^[┌├└]' "$work/$name.log" | tail -n 1)
    [ "$status" -eq 124 ] && last="timed out after $limit s; $last"
    printf '%-24s exit %-3s %4ss  %s\n' "$name" "$status" "$((SECONDS - started))" "$last" | tee -a "$summary"
    tar -C "$work/results" -czf "$out/results.tar.gz.partial" . && mv "$out/results.tar.gz.partial" "$out/results.tar.gz"
}

diagnostics() {
    date -u
    uname -a
    command -v nvidia-smi > /dev/null && nvidia-smi
    echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
    echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-}"
    echo "VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-}"
    echo "Vulkan ICD files:"
    ls -l /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/nvidia/share/vulkan/icd.d 2> /dev/null
    local icd
    for icd in $(echo "${VK_DRIVER_FILES:-}:${VK_ICD_FILENAMES:-}" | tr : " "); do
        [ -f "$icd" ] && { echo "== $icd"; cat "$icd"; }
    done
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
    descent check --ptx-out "$work/ptx" > /dev/null
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

export bundle runtime work
export -f descent diagnostics ptx

step diagnostics "$step_timeout" diagnostics diagnostics
step diagnostics "$step_timeout" devices descent devices
for backend in ${BACKENDS:-cuda vulkan}; do
    step "$backend" "$step_timeout" "check-$backend" descent check --backend "$backend"
    step "$backend" "$step_timeout" "gemm-$backend" descent bench gemm --backend "$backend" --size "${GEMM_SIZE:-4096}" \
        --out "$work/results/gemm-$backend.json"
    step "$backend" "$train_timeout" "mlp-$backend" descent train --backend "$backend" --data-dir "$bundle/mnist" --epochs 3 \
        --metrics-out "$work/results/mlp-$backend.json"
    step "$backend" "$train_timeout" "cnn-$backend" descent train --backend "$backend" --data-dir "$bundle/mnist" --arch cnn --epochs 1 \
        --metrics-out "$work/results/cnn-$backend.json"
    step "$backend" "$train_timeout" "resnet20-$backend" descent train --backend "$backend" --data-dir "$bundle/mnist" --arch resnet \
        --epochs 1 --metrics-out "$work/results/resnet20-$backend.json"
    step "$backend" "$step_timeout" "bench-$backend" descent bench --backend "$backend" --data-dir "$bundle/mnist" \
        --out "$work/results/bench-$backend.json"
done
step ptxas "$step_timeout" ptxas ptx
if python3 -c "import torch" 2> /dev/null; then
    step pytorch "$((3 * train_timeout))" pytorch python3 "$bundle/pytorch_models.py" "$bundle/mnist"
else
    echo "pytorch                  skipped: python3 has no torch" | tee -a "$summary"
fi
echo "results in $out: summary.txt, the logs, results.tar.gz"
