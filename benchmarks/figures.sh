#!/usr/bin/env bash
# Reruns README's figures. Every figure that compares Descent with libtorch is measured side by side in this one
# run: Descent (`descent bench`, Release build, cpu backend) and libtorch (benchmarks/peer/run.sh, TorchSharp) train
# the same net with the same batch and recipe, alternately, several rounds (the order swapped each round, so that a
# drift in the machine's load falls on both); each prints every timed epoch (training only, data in memory, after one
# untimed warm-up epoch on either side). The 1-minute load average is printed before each run, and at the end one
# table row per model: best and median seconds per epoch of each, their ratio, and the load seen.
#
# usage: benchmarks/figures.sh [--rounds R] [--threads T] [MODEL ...]
#   MODEL: mlp (784-128-10, batch 128, plain SGD lr 0.1), mlp-wide (784-256-128-10, batch 64, same),
#          cnn (PyTorch's MNIST example net with its dropout, batch 64, plain SGD lr 0.05),
#          resnet20 (the CIFAR ResNet-20 on MNIST, batch 128, SGD lr 0.1, Nesterov momentum 0.9, weight decay 5e-4 on
#          weights only: the resnet recipe's batch and optimizer, at a constant rate and without augmentation),
#          others (the figures without a libtorch side: two training runs and the BenchmarkDotNet suites);
#          default: all of them (about 40 minutes on 2 cores; mlp and mlp-wide alone about 3).
#   --rounds: alternations per model (default 3); --threads: libtorch's threads (default: every core, as Descent).
# libtorch absent (its runtime cannot be prepared here): its columns say so, and Descent is measured all the same.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=3 threads=$(nproc) models=()
while (($#)); do
    case $1 in
        --rounds) rounds=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        mlp | mlp-wide | cnn | resnet20 | others) models+=("$1"); shift ;;
        *) echo "figures.sh: unknown argument $1 (see the usage at the top of the script)" >&2; exit 2 ;;
    esac
done
((${#models[@]})) || models=(mlp mlp-wide cnn resnet20 others)

dotnet build -c Release src/Host --nologo -v quiet >/dev/null
descent=(dotnet src/Host/bin/Release/net10.0/descent.dll)
results=BenchmarkDotNet.Artifacts
mkdir -p "$results"
log=$(mktemp -d /tmp/descent-figures.XXXXXX)
load() { cut -d' ' -f1 /proc/loadavg; }

peer_absent=""
if ! benchmarks/peer/run.sh --help >/dev/null 2>"$log/peer-prepare.txt"; then
    peer_absent=$(tail -1 "$log/peer-prepare.txt")
fi

# Each model: Descent's bench options, the peer's options, and the epochs timed per run on each side.
declare -A descent_options peer_options epochs
descent_options[mlp]="--layers 784-128-10 --batch-size 128 --lr 0.1"
peer_options[mlp]="--model 784-128-10 --batch 128 --lr 0.1"
epochs[mlp]=5
descent_options[mlp-wide]="--layers 784-256-128-10 --batch-size 64 --lr 0.1"
peer_options[mlp-wide]="--model 784-256-128-10 --batch 64 --lr 0.1"
epochs[mlp-wide]=5
descent_options[cnn]="--arch cnn --batch-size 64 --lr 0.05"
peer_options[cnn]="--model cnn --batch 64 --lr 0.05"
epochs[cnn]=1
resnet_recipe="--lr 0.1 --momentum 0.9 --nesterov --weight-decay 5e-4 --decay-scope weights"
descent_options[resnet20]="--arch resnet --depth 20 --batch-size 128 $resnet_recipe --schedule constant --augment none"
peer_options[resnet20]="--model resnet20 --batch 128 $resnet_recipe"
epochs[resnet20]=1

# Appends each timed epoch's seconds of one run to a file; prints the run's output as it comes.
time_descent() { # model file
    echo "== descent bench ${descent_options[$1]} --epochs ${epochs[$1]} (load $(load))"
    # shellcheck disable=SC2086 # the options are words
    "${descent[@]}" bench --backend cpu ${descent_options[$1]} --epochs "${epochs[$1]}" 2>&1 | tee "$log/run.txt" \
        | grep -E '^  epoch [0-9]+:' || true
    sed -nE 's/^  epoch [0-9]+: ([0-9.]+) s$/\1/p' "$log/run.txt" >>"$2"
}
time_peer() { # model file
    [[ -z $peer_absent ]] || return 0
    echo "== peer time ${peer_options[$1]} --epochs $((epochs[$1] + 1)) --threads $threads, the first epoch a warm-up (load $(load))"
    # shellcheck disable=SC2086
    benchmarks/peer/run.sh time --data "${DESCENT_DATA:-$HOME/.cache/descent}/mnist" ${peer_options[$1]} \
        --epochs "$((epochs[$1] + 1))" --threads "$threads" 2>&1 | tee "$log/run.txt"
    sed -nE 's/^epoch ([0-9]+) train_s ([0-9.]+) .*/\1 \2/p' "$log/run.txt" | awk '$1 > 1 { print $2 }' >>"$2"
}

rows=()
for model in "${models[@]}"; do
    if [[ $model == others ]]; then
        echo "== descent train --quiet (load $(load))"
        "${descent[@]}" train --quiet
        echo "== descent train --arch cnn --backend cpu (load $(load))"
        "${descent[@]}" train --arch cnn --backend cpu
        echo "== BenchmarkDotNet PeakFlops, TrainingStep, Gemm (load $(load))"
        dotnet build -c Release benchmarks --nologo -v quiet >/dev/null
        dotnet run -c Release --no-build --project benchmarks -- --filter '*PeakFlops*' '*TrainingStepBenchmarks*' '*Gemm*'
        continue
    fi
    : >"$log/$model.descent"
    : >"$log/$model.peer"
    loads=()
    for ((round = 1; round <= rounds; round++)); do
        loads+=("$(load)")
        if ((round % 2)); then
            time_descent "$model" "$log/$model.descent"
            time_peer "$model" "$log/$model.peer"
        else
            time_peer "$model" "$log/$model.peer"
            time_descent "$model" "$log/$model.descent"
        fi
    done
    loads+=("$(load)")
    rows+=("$(python3 - "$model" "$log/$model.descent" "$log/$model.peer" "${peer_absent:-}" "${loads[@]}" <<'EOF'
import statistics, sys
model, ours, theirs, absent, loads = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
ours = [float(line) for line in open(ours) if line.strip()]
theirs = [float(line) for line in open(theirs) if line.strip()]
def figures(times):
    return f"{min(times):.3f} / {statistics.median(times):.3f} s ({len(times)})" if times else "none"
if theirs and ours:
    ratio = f"{min(ours) / min(theirs):.2f}x / {statistics.median(ours) / statistics.median(theirs):.2f}x"
else:
    ratio = "-"
peer = figures(theirs) if not absent else f"absent: {absent}"
print(f"| {model} | {figures(ours)} | {peer} | {ratio} | {min(loads, key=float)}-{max(loads, key=float)} |")
EOF
)")
done

if ((${#rows[@]})); then
    echo
    echo "Seconds per epoch, best / median (timed epochs), cpu backend and libtorch with $threads threads; $(uptime)"
    echo "| model | Descent | libtorch | Descent's time / libtorch's, best / median | 1-min load during |"
    echo "|---|---|---|---|---|"
    printf '%s\n' "${rows[@]}"
fi
rm -rf "$log"
