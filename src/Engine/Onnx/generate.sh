#!/usr/bin/env bash
# Generates the C# classes of ONNX's protobuf schema, Protobuf/Onnx.g.cs, from Protobuf/onnx.proto with
# protoc from the NuGet package Google.Protobuf.Tools (the same version as the Google.Protobuf runtime in
# Descent.Engine.csproj). The generated file is kept in the repository, so building needs only the SDK.
#   src/Engine/Onnx/generate.sh          regenerate Protobuf/Onnx.g.cs
#   src/Engine/Onnx/generate.sh --check  generate into a temporary folder and fail if it differs from what is kept
#
# Protobuf/onnx.proto is ONNX 1.12.0's schema (IR version 8, the operator sets up to opset 17), copied
# unchanged from /usr/include/onnx/onnx.proto of Debian's libonnx-dev 1.12.0-2 (bookworm),
# sha256 a96f50c0fe1ff9180b6025843d4f7efcf53b024c83db55a36cd24a1e44345182.
# The schema names no C# namespace, so protoc reads a copy with one added: Descent.Engine.Onnx.Protobuf.
set -euo pipefail
cd "$(dirname "$0")"

tools_version=3.36.2
namespace=Descent.Engine.Onnx.Protobuf

check=false
if [ "${1:-}" = "--check" ]; then
    check=true
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A throwaway project whose restore brings the tools package, and its protoc, into the NuGet cache.
cat > "$work/tools.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageReference Include="Google.Protobuf.Tools" Version="$tools_version" /></ItemGroup>
</Project>
EOF
dotnet restore "$work/tools.csproj" --nologo -v quiet > /dev/null
packages=$(dotnet nuget locals global-packages --list | sed 's/^global-packages: *//')
case "$(uname -m)" in
    x86_64) platform=linux_x64 ;;
    aarch64) platform=linux_aarch64 ;;
    *) echo "no protoc in Google.Protobuf.Tools for $(uname -m)" >&2; exit 1 ;;
esac
protoc="$packages/google.protobuf.tools/$tools_version/tools/$platform/protoc"
chmod +x "$protoc"

mkdir -p "$work/proto" "$work/out"
sed "s/^package onnx;$/package onnx;\noption csharp_namespace = \"$namespace\";/" Protobuf/onnx.proto > "$work/proto/onnx.proto"
"$protoc" --proto_path="$work/proto" --csharp_out="$work/out" --csharp_opt=file_extension=.g.cs "$work/proto/onnx.proto"

if $check; then
    if ! cmp -s "$work/out/Onnx.g.cs" Protobuf/Onnx.g.cs; then
        echo "src/Engine/Onnx/Protobuf/Onnx.g.cs differs from what protoc $tools_version generates from onnx.proto;" \
            "run src/Engine/Onnx/generate.sh and commit it" >&2
        exit 1
    fi
    echo "src/Engine/Onnx/Protobuf/Onnx.g.cs matches onnx.proto"
else
    cp "$work/out/Onnx.g.cs" Protobuf/Onnx.g.cs
fi
