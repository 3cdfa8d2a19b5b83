#!/usr/bin/env bash
# Packs what a GPU machine without the .NET SDK (and without network) needs to verify Descent:
# a framework-dependent publish of `descent`, the .NET runtime it runs on, and MNIST (gzipped; --data-dir
# reads .gz). The bundle lands in benchmarks/gpu/bundle/ (ignored by git), about 40 MB; carry that
# folder to the machine and run benchmarks/gpu/run.sh there.
set -euo pipefail
cd "$(dirname "$0")/../.."

bundle=benchmarks/gpu/bundle
rm -rf "$bundle"
mkdir -p "$bundle/mnist"

dotnet publish src/Host -c Release -o "$bundle/app" --nologo -v quiet

# The runtime of the SDK that built the app: the dotnet host, hostfxr and Microsoft.NETCore.App.
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
runtime_version=$(dotnet --list-runtimes | awk '$1 == "Microsoft.NETCore.App" { print $2 }' | sort -V | tail -n 1)
tar -C "$dotnet_root" -cJf "$bundle/dotnet-runtime.tar.xz" dotnet "host/fxr" "shared/Microsoft.NETCore.App/$runtime_version"

dotnet "$bundle/app/descent.dll" data fetch
cache="${DESCENT_DATA:-$HOME/.cache/descent}/mnist"
for file in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    gzip -c "$cache/$file" > "$bundle/mnist/$file.gz"
done
du -sh "$bundle"
