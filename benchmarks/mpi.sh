#!/usr/bin/env bash
# Data-parallel throughput on this machine: `descent train` as one process and as 2 MPI ranks (Open MPI's mpirun), each
# process on one thread (DOTNET_PROCESSOR_COUNT=1, so the cpu backend starts one worker), one after the other in
# alternation ROUNDS times, printing the load average before each run. Images per second are an epoch's training images
# over the epoch's seconds as the epoch table prints them (evaluation, itself shared between the ranks, included); the
# 2-rank runs also print the all-reduce's share of rank 0's training time (waiting for the other rank included).
# The MLP trains on all of MNIST; the CNN on its first 6400 training and 1000 test images (written to a temporary folder).
# With "binding" it times instead the CNN's 2 ranks under Open MPI's default binding (a core each) against --bind-to none.
#   benchmarks/mpi.sh [ROUNDS] [binding]       (MNIST in descent's cache: descent data fetch --dataset mnist)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
compare=${2:-processes}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMPI_MCA_rmaps_base_oversubscribe=1 DOTNET_PROCESSOR_COUNT=1
dotnet build -c Release src/Host --nologo -v quiet > /dev/null
descent=(dotnet src/Host/bin/Release/net10.0/descent.dll)
mnist="${DESCENT_DATA:-$HOME/.cache/descent}/mnist"
subset=$(mktemp -d)
trap 'rm -rf "$subset"' EXIT
# The first N images of an IDX pair: the header with the count replaced, then N items.
head_idx() {
    local name=$1 count=$2 item=$3 header=$4
    local big_endian
    big_endian=$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((count >> 24 & 255)) $((count >> 16 & 255)) $((count >> 8 & 255)) $((count & 255)))
    { head -c 4 "$mnist/$name"; printf '%b' "$big_endian"; head -c $((header + count * item)) "$mnist/$name" | tail -c +9; } > "$subset/$name"
}
head_idx train-images-idx3-ubyte 6400 784 16
head_idx train-labels-idx1-ubyte 6400 1 8
head_idx t10k-images-idx3-ubyte 1000 784 16
head_idx t10k-labels-idx1-ubyte 1000 1 8

run() {
    local label=$1 images=$2; shift 2
    echo "== $label; load $(cut -d' ' -f1-3 /proc/loadavg)"
    "$@" 2>&1 | grep -E '^ +[0-9]+ |all-reduce' | awk -v label="$label" -v images="$images" '
        /all-reduce/ { print; next }
        { printf "%s epoch %d: %.2f s, %.0f images/s\n", label, $1, $5, images / $5 }'
}

for round in $(seq "$rounds"); do
    mlp=(train --backend cpu --arch mlp --epochs 3)
    cnn=(train --backend cpu --arch cnn --epochs 2 --data-dir "$subset")
    if [[ $compare == binding ]]; then
        run "cnn 2 ranks, a core each" 6400 mpirun -np 2 "${descent[@]}" "${cnn[@]}"
        run "cnn 2 ranks, --bind-to none" 6400 mpirun -np 2 --bind-to none "${descent[@]}" "${cnn[@]}"
        continue
    fi
    run "mlp 1 process" 60000 "${descent[@]}" "${mlp[@]}"
    run "mlp 2 ranks" 60000 mpirun -np 2 "${descent[@]}" "${mlp[@]}"
    run "cnn 1 process" 6400 "${descent[@]}" "${cnn[@]}"
    run "cnn 2 ranks" 6400 mpirun -np 2 "${descent[@]}" "${cnn[@]}"
done
