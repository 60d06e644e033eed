#!/usr/bin/env bash
# tools/run.sh [FILE]: birch's main job. Installs what is missing, builds if needed, and opens
# the database FILE (default: ./birch-data/default.birch, created if missing).
# Until the server (issue 5) lands, the main job is the storage shell: a key/value prompt over
# one B+ tree of the file (type `help`). It becomes `birch serve FILE` with the psql command
# printed once the server exists.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh build runtime
if [ ! -x build/tools/storage_shell ]; then
    cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build build -j "$(nproc)" --target storage_shell >/dev/null
file=${1:-birch-data/default.birch}
mkdir -p "$(dirname "$file")"
exec build/tools/storage_shell "$file"
