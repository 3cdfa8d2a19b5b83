#!/usr/bin/env bash
# Trains the same CIFAR ResNet from the same initial weights on the same images, full batch, in Descent and in
# libtorch (the peer), and compares every step's training loss, the evaluation-mode losses, the running
# statistics and the final weights within a relative tolerance (benchmarks/peer/compare.py says how deviation
# is measured). libtorch trains twice: in float32, as Descent does, and in float64 from the same float32 weights
# and inputs, which stands for the exact result: batch normalisation's bias gradients are sums of many terms that
# nearly cancel, where float32 alone moved libtorch's own biases by up to 1e-2 of their size in three steps here.
# Prints each deviation, the largest of each kind, and PASS or FAIL (exit 0 or 1): PASS when Descent is within the
# tolerance of libtorch's float64 run everywhere (compare.py says why not of its float32 run).
# Not every case can pass at 1e-5: ReLU's gradient jumps at 0, so an input within rounding of zero passes or stops
# its gradient on the last bit, and one channel's batch-norm bias moves by percents; later steps amplify it. Seen
# here: depth 8 and 14 on 64 MNIST images pass, every deviation from float64 under 3e-6; depth 20 on 32 images
# passes; on 64, one channel of Descent's layer3.1.bn1.bias is 2.5% off and libtorch's is not (such a jump's
# signature: every other channel within 1e-6); on 100, and depth 8 on 64 Fashion-MNIST images, libtorch's own
# float32 run is 4e-3 to 6e-3 off its float64 one.
#
# usage: benchmarks/peer/check-resnet.sh [--depth 8] [--dataset mnist] [--train 64] [--test 32] [--steps 3]
#            [--lr 0.05] [--momentum 0.9] [--weight-decay 5e-4] [--decay-scope weights|all] [--nesterov]
#            [--tolerance 1e-5] [--threads 2]
#   --dataset names a folder of MNIST-format IDX files under ~/.cache/descent (mnist, fashion-mnist).
#   The initial weights are libtorch's (torchvision's initialisation), written by the peer and read by Descent's --init.
#   DESCENT overrides the Descent command (default: a Release build of src/Host, built here); WORK the folder
#   that keeps every file of the comparison (default: a fresh temporary folder, printed).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

depth=8 dataset=mnist train=64 test=32 steps=3 lr=0.05 momentum=0.9 weight_decay=5e-4 decay_scope=weights nesterov=false
tolerance=1e-5
threads=$(nproc)
while (($#)); do
    case $1 in
        --depth) depth=$2 ;; --dataset) dataset=$2 ;; --train) train=$2 ;; --test) test=$2 ;; --steps) steps=$2 ;;
        --lr) lr=$2 ;; --momentum) momentum=$2 ;; --weight-decay) weight_decay=$2 ;; --tolerance) tolerance=$2 ;;
        --threads) threads=$2 ;; --decay-scope) decay_scope=$2 ;;
        --nesterov) nesterov=true; shift; continue ;;
        *) echo "check-resnet.sh: unknown option $1 (see the usage at the top of the script)" >&2; exit 2 ;;
    esac
    shift 2 || { echo "check-resnet.sh: $1 needs a value" >&2; exit 2; }
done

source_dir=${DESCENT_DATA:-$HOME/.cache/descent}/$dataset
[[ -f $source_dir/train-images-idx3-ubyte ]] || { echo "check-resnet.sh: no $dataset in $source_dir (descent data fetch --dataset $dataset)" >&2; exit 3; }
work=${WORK:-$(mktemp -d /tmp/descent-check-resnet.XXXXXX)}
mkdir -p "$work/data"
echo "files in $work"

if [[ -z ${DESCENT:-} ]]; then
    dotnet build -c Release "$root/src/Host" --nologo -v quiet >"$work/build.log" 2>&1 \
        || { echo "check-resnet.sh: Descent did not build, see $work/build.log" >&2; exit 3; }
    DESCENT="dotnet $root/src/Host/bin/Release/net10.0/descent.dll"
fi

# The first N training and M test images as IDX files of their own: Descent's --data-dir, and the same images the peer takes.
python3 - "$source_dir" "$work/data" "$train" "$test" <<'EOF'
import struct, sys
source, target, counts = sys.argv[1], sys.argv[2], {"train": int(sys.argv[3]), "t10k": int(sys.argv[4])}
for split, count in counts.items():
    for kind, header in (("images-idx3", ">IIII"), ("labels-idx1", ">II")):
        data = open(f"{source}/{split}-{kind}-ubyte", "rb").read()
        fields = list(struct.unpack_from(header, data))
        item = 1 if kind.startswith("labels") else fields[2] * fields[3]
        fields[1] = count
        size = struct.calcsize(header)
        open(f"{target}/{split}-{kind}-ubyte", "wb").write(struct.pack(header, *fields) + data[size:size + count * item])
EOF

recipe=(--lr "$lr" --momentum "$momentum" --weight-decay "$weight_decay" --decay-scope "$decay_scope")
peer_nesterov=() && [[ $nesterov == true ]] && peer_nesterov=(--nesterov)
"$here/run.sh" check --data "$work/data" --model "resnet$depth" --train "$train" --test "$test" --steps "$steps" \
    "${recipe[@]}" "${peer_nesterov[@]}" --threads "$threads" --save-init "$work/init.safetensors" --save "$work/peer-final.safetensors" \
    >"$work/peer.log"
"$here/run.sh" check --data "$work/data" --model "resnet$depth" --train "$train" --test "$test" --steps "$steps" \
    "${recipe[@]}" "${peer_nesterov[@]}" --threads "$threads" --init "$work/init.safetensors" --precision f64 \
    --save "$work/peer64-final.safetensors" >"$work/peer64.log"

# Descent's run: the same net under the same names, every part of its recipe given (its defaults are Nesterov's
# momentum, one-cycle and augmentation).
$DESCENT train --backend cpu --dataset "$dataset" --data-dir "$work/data" --arch resnet --depth "$depth" \
    --init "$work/init.safetensors" --epochs "$steps" --batch-size "$train" --optimizer sgd --schedule constant \
    --augment none --normalize standardize "${recipe[@]}" --nesterov "$nesterov" --metrics-out "$work/descent-metrics.json" \
    --save "$work/descent-final.safetensors" --quiet >"$work/descent.log"

python3 "$here/compare.py" "$work/descent-metrics.json" "$work/descent-final.safetensors" "$work/peer.log" \
    "$work/peer-final.safetensors" "$work/peer64.log" "$work/peer64-final.safetensors" --tolerance "$tolerance"
