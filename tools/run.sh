#!/usr/bin/env bash
# tools/run.sh [--shell] [FILE] [SERVE OPTIONS...]: birch's main job. Installs what is missing,
# builds if needed, and serves the database FILE (default: ./birch-data/birch.birch, created if
# missing, served as database "birch") with `birch serve` on 127.0.0.1:5433 and a Unix socket in
# /tmp, printing the psql command that connects to it. Stop it with Ctrl-C (or SIGTERM: a
# graceful shutdown). --shell opens FILE in the embedded birch shell instead.
set -euo pipefail
cd "$(dirname "$0")/.."
shell=false
if [ "${1:-}" = "--shell" ]; then
    shell=true
    shift
fi
tools/install-deps.sh build runtime
if [ ! -f build/CMakeCache.txt ]; then
    cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build build -j "$(nproc)" --target birch >/dev/null
file=birch-data/birch.birch
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
    file=$1
    shift
fi
mkdir -p "$(dirname "$file")"
if $shell; then
    exec build/tools/birch "$file"
fi
exec build/tools/birch serve "$file" "$@"
