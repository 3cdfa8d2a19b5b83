#!/usr/bin/env bash
# Runs Descent's libtorch peer (DescentPeer: TorchSharp-cpu 0.107.0, libtorch 2.10) on this machine.
# usage: benchmarks/peer/run.sh time|check ... (`benchmarks/peer/run.sh --help` prints the rest)
#
# libtorch needs a newer C and C++ runtime than Debian 12 ships (GLIBC 2.38, GLIBCXX 3.4.32). Rather than
# touch the system, this takes Debian 13's libc6, libstdc++6 and libgcc-s1 (`apt-get download`, unpacked
# with `dpkg -x`, never installed) and runs the peer under a copy of the dotnet host whose ELF interpreter
# and library path point at them (patchelf). The peer is built from a copy of this folder, so the tree
# stays clean and the 200+ MB of libtorch never enters Descent's own build. Everything lives under
# $DESCENT_PEER_CACHE (default /tmp/descent-peer-own), prepared once under a lock, rebuilt when a source changes.
# Exit 3, with one line, when something the peer needs cannot be had (no mirror, no package, no NuGet).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${DESCENT_PEER_CACHE:-/tmp/descent-peer-own}
runtime=$cache/trixie
libs=$runtime/root/usr/lib/x86_64-linux-gnu
fail() { echo "peer/run.sh: $*" >&2; exit 3; }

command -v dotnet >/dev/null || fail "no dotnet on PATH"
mkdir -p "$cache" || fail "cannot create $cache"
exec 9>"$cache/lock"
flock 9

if [[ ! -f $libs/libstdc++.so.6 || ! -f $libs/libc.so.6 ]]; then
    rm -rf "$runtime"
    mkdir -p "$runtime/lists/partial" "$runtime/debs"
    mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    [[ -n $mirror ]] || fail "no Debian mirror in /etc/apt/sources.list.d/debian.sources to take Debian 13's libstdc++ from"
    echo "deb $mirror trixie main" >"$runtime/sources.list"
    apt_options=(-o "Dir::Etc::SourceList=$runtime/sources.list" -o Dir::Etc::SourceParts=/dev/null
        -o "Dir::State::Lists=$runtime/lists")
    apt-get "${apt_options[@]}" update >"$runtime/apt.log" 2>&1 || fail "apt-get update for Debian 13 failed, see $runtime/apt.log"
    (cd "$runtime/debs" && apt-get "${apt_options[@]}" download libc6 libstdc++6 libgcc-s1 >>"$runtime/apt.log" 2>&1) \
        || fail "apt-get download of Debian 13's libc6, libstdc++6 and libgcc-s1 failed, see $runtime/apt.log"
    for package in "$runtime"/debs/*.deb; do dpkg -x "$package" "$runtime/root"; done
    [[ -f $libs/libstdc++.so.6 ]] || fail "Debian 13's packages hold no libstdc++.so.6"
fi

if [[ ! -x $cache/dotnet/dotnet ]]; then
    if ! command -v patchelf >/dev/null; then
        apt-get -o DPkg::Lock::Timeout=600 install -y patchelf >/dev/null 2>&1 || fail "patchelf is missing and could not be installed"
    fi
    rm -rf "$cache/dotnet"
    mkdir -p "$cache/dotnet"
    cp -r "$(dirname "$(readlink -f "$(command -v dotnet)")")"/. "$cache/dotnet/"
    patchelf --set-interpreter "$libs/ld-linux-x86-64.so.2" \
        --set-rpath "$libs:/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu" "$cache/dotnet/dotnet"
fi

sources_hash=$(cat "$here"/*.cs "$here"/*.csproj | sha256sum | cut -d' ' -f1)
program=$cache/build/bin/Release/net10.0/DescentPeer.dll
if [[ ! -f $program || $(cat "$cache/build/sources.sha256" 2>/dev/null) != "$sources_hash" ]]; then
    rm -rf "$cache/build"
    mkdir -p "$cache/build"
    cp "$here"/*.cs "$here"/*.csproj "$cache/build/"
    # The stock host builds; only running needs the newer runtime.
    dotnet build -c Release "$cache/build" >"$cache/build.log" 2>&1 || fail "the peer did not build, see $cache/build.log"
    echo "$sources_hash" >"$cache/build/sources.sha256"
fi
flock -u 9

LD_LIBRARY_PATH=$libs DOTNET_ROOT=$cache/dotnet exec "$cache/dotnet/dotnet" "$program" "$@"
