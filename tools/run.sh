#!/usr/bin/env bash
# tools/run.sh [FILE]: birch's main job. Installs what is missing, builds if needed, and opens
# the database FILE (default: ./birch-data/default.birch, created if missing) in the birch shell
# (SQL, embedded; `\?` lists the meta-commands). It becomes `birch serve FILE` with the psql
# command printed once the server (issue 5) exists.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh build runtime
if [ ! -x build/tools/birch ]; then
    cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build build -j "$(nproc)" --target birch >/dev/null
file=${1:-birch-data/default.birch}
mkdir -p "$(dirname "$file")"
exec build/tools/birch "$file"
