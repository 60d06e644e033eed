#!/usr/bin/env bash
# tools/install-deps.sh ROLE...: install the Debian packages birch needs for ROLE (build, runtime,
# test, bench; default: build runtime test) with apt-get. Runs as root on a fresh Debian 12
# machine; does nothing (and never calls apt-get) when every package is present.
# The package lists are README.md's "Dependencies" table; keep both in step.
set -euo pipefail

declare -A PACKAGES=(
    [build]="cmake gcc make pkg-config lemon"
    [runtime]="zlib1g-dev libssl-dev libedit-dev"
    [test]="check libpq-dev postgresql-15 postgresql-client-15 python3 python3-psycopg2 nodejs npm"
    [bench]="libsqlite3-dev sqlite3 nodejs npm"
)

roles=("$@")
[ ${#roles[@]} -eq 0 ] && roles=(build runtime test)

missing=()
for role in "${roles[@]}"; do
    if [ -z "${PACKAGES[$role]+x}" ]; then
        echo "install-deps: unknown role '$role' (build, runtime, test, bench)" >&2
        exit 2
    fi
    for package in ${PACKAGES[$role]}; do
        status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
        if [ "$status" != "install ok installed" ]; then
            # a tool may be present from elsewhere (e.g. a node install outside apt)
            case "$package" in
                nodejs) command -v node >/dev/null 2>&1 && continue ;;
                npm) command -v npm >/dev/null 2>&1 && continue ;;
                python3) [ -x /usr/bin/python3 ] && continue ;;
            esac
            missing+=("$package")
        fi
    done
done

install_npm() {   # the JavaScript dependencies of a role (tools/package.json pins them)
    local role=$1 dir what
    dir="$(cd "$(dirname "$0")" && pwd)"
    case "$role" in
        bench) [ -d "$dir/node_modules/@duckdb/node-api" ] && return 0
               what="@duckdb/node-api for the benchmarks" ;;
        test) [ -f "$dir/node_modules/pg/package.json" ] && return 0
              what="pg for the node-postgres smoke test" ;;
        *) return 0 ;;
    esac
    echo "install-deps: npm install in tools/ ($what)"
    if ! (cd "$dir" && npm install --no-audit --no-fund --silent); then
        # the test role goes on: ctest tools_server_node reports itself skipped without pg
        [ "$role" = test ] && { echo "install-deps: npm install failed; the node-postgres test will be skipped" >&2; return 0; }
        return 1
    fi
}

if [ ${#missing[@]} -gt 0 ]; then
    # sort -u: a package may belong to two roles
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    echo "install-deps: installing ${missing[*]}"
    if [ "$(id -u)" -ne 0 ]; then
        echo "install-deps: must run as root to install packages" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    echo "install-deps: done"
fi
for role in "${roles[@]}"; do
    install_npm "$role"
done
