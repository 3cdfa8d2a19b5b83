#!/usr/bin/env bash
# Reruns every figure of README's benchmark table, each preceded by the load average at the time
# (the figures are only meaningful on a quiet machine). Takes about fifteen minutes on 2 cores (the CNN's
# two lines about five of them); the
# JSON of `descent bench` and BenchmarkDotNet's reports land in BenchmarkDotNet.Artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."

dotnet build -c Release src/Host --nologo -v quiet
dotnet build -c Release benchmarks --nologo -v quiet
descent=(dotnet src/Host/bin/Release/net10.0/descent.dll)
results=BenchmarkDotNet.Artifacts
mkdir -p "$results"

run() {
    echo
    echo "== $* (load: $(cut -d' ' -f1-3 /proc/loadavg))"
    "$@"
}

run "${descent[@]}" bench --out "$results/bench-784-128-10.json"
run "${descent[@]}" bench --layers 784-256-128-10 --batch-size 64 --out "$results/bench-784-256-128-10.json"
run "${descent[@]}" train --quiet
run "${descent[@]}" bench --arch cnn --backend cpu --out "$results/bench-cnn.json"
run "${descent[@]}" train --arch cnn --backend cpu
run dotnet run -c Release --no-build --project benchmarks -- --filter '*PeakFlops*' '*TrainingStepBenchmarks*' '*Gemm*'
