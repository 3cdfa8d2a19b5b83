#!/usr/bin/env bash
# Compiles every shaders/*.comp to shaders/spv/NAME.spv with glslc (Debian package glslc; part of the
# Vulkan SDK elsewhere). The SPIR-V is kept in the repository and embedded in Descent.Kernels, so a
# machine without glslc still builds and runs the Vulkan backend.
#   shaders/compile.sh          regenerate shaders/spv/
#   shaders/compile.sh --check  compile into a temporary folder and fail if anything differs from
#                               what is kept (CI runs this with the glslc it installs)
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v glslc > /dev/null; then
    echo "glslc not found: install the Debian package glslc, or the Vulkan SDK" >&2
    exit 1
fi

check=false
if [ "${1:-}" = "--check" ]; then
    check=true
fi

output=spv
if $check; then
    output=$(mktemp -d)
    trap 'rm -rf "$output"' EXIT
fi

for source in *.comp; do
    glslc --target-env=vulkan1.1 -O -I . -o "$output/${source%.comp}.spv" "$source"
done

if $check; then
    stale=0
    for source in *.comp; do
        name=${source%.comp}.spv
        if ! cmp -s "$output/$name" "spv/$name"; then
            echo "shaders/spv/$name differs from what $(glslc --version | head -n 1) compiles from shaders/$source" >&2
            stale=1
        fi
    done
    for kept in spv/*.spv; do
        if [ ! -e "$(basename "${kept%.spv}").comp" ]; then
            echo "$kept has no source in shaders/" >&2
            stale=1
        fi
    done
    if [ "$stale" -ne 0 ]; then
        echo "run shaders/compile.sh and commit shaders/spv/" >&2
        exit 1
    fi
    echo "shaders/spv/ matches the sources"
fi
