#!/usr/bin/env bash
# Packs what a GPU machine without the .NET SDK (and without network) needs to verify Descent: a
# framework-dependent linux-x64 publish of `descent` (without the plots' native libraries), the .NET
# runtime it runs on (tar.xz, which run.sh unpacks with python3's tarfile, so no xz binary is needed
# there), the Vulkan loader, MNIST (gzipped; --data-dir reads .gz) and the
# PyTorch script the run compares with. The bundle lands in benchmarks/gpu/bundle/ (ignored by git).
# It must stay under 50 MiB to copy quickly to a GPU machine: the script fails above that.
set -euo pipefail
cd "$(dirname "$0")/../.."

limit_bytes=$((50 * 1024 * 1024))
bundle=benchmarks/gpu/bundle
rm -rf "$bundle"
mkdir -p "$bundle/mnist" "$bundle/lib"

dotnet publish src/Host -c Release -r linux-x64 --self-contained false -o "$bundle/app" --nologo -v quiet
# The plots' native libraries (SkiaSharp, HarfBuzz: 11.5 MB) are left out: the GPU run draws no plot.
rm -f "$bundle"/app/libSkiaSharp.so "$bundle"/app/libHarfBuzzSharp.so

# The runtime of the SDK that built the app: the dotnet host, hostfxr and Microsoft.NETCore.App.
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
runtime_version=$(dotnet --list-runtimes | awk '$1 == "Microsoft.NETCore.App" { print $2 }' | sort -V | tail -n 1)
tar -C "$dotnet_root" -cJf "$bundle/dotnet-runtime.tar.xz" dotnet "host/fxr" "shared/Microsoft.NETCore.App/$runtime_version"

# The Vulkan loader, for a machine whose driver ships an ICD but no loader; run.sh uses it only there.
vulkan_loader=$(ldconfig -p | awk '/libvulkan\.so\.1 / { print $NF; exit }')
if [ -n "$vulkan_loader" ]; then
    cp -L "$vulkan_loader" "$bundle/lib/libvulkan.so.1"
fi

dotnet "$bundle/app/descent.dll" data fetch
cache="${DESCENT_DATA:-$HOME/.cache/descent}/mnist"
for file in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    gzip -9 -c "$cache/$file" > "$bundle/mnist/$file.gz"
done
cp benchmarks/gpu/run.sh benchmarks/gpu/pytorch_models.py "$bundle/"

size_bytes=$(du -sb "$bundle" | cut -f1)
echo "bundle: $bundle, $((size_bytes / 1024 / 1024)) MiB ($size_bytes bytes), limit 50 MiB"
if [ "$size_bytes" -gt "$limit_bytes" ]; then
    echo "bundle.sh: the bundle is over 50 MiB; trim it before carrying it to a GPU machine" >&2
    exit 1
fi
