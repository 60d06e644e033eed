#!/usr/bin/env bash
# tools/check_includes.sh: every #include "LAYER/..." in the tree must follow DESIGN.md's
# "may call" table (a layer includes only itself and the layers below it). Run by CI.
# tools/ may include birch.h, wire/ and common/; a tool named bench_LAYER* or LAYER_* (a layer's
# own benchmark or harness) may also include that layer and what that layer may include. Exit 1 listing every violation.
set -uo pipefail
cd "$(dirname "$0")/.."

allowed_for() {
    case "$1" in
        common)   echo "common" ;;
        storage)  echo "storage common" ;;
        txn)      echo "txn storage common" ;;
        parser)   echo "parser common" ;;
        planner)  echo "planner parser txn storage common" ;;
        executor) echo "executor planner parser txn storage common include" ;;
        wire)     echo "wire include" ;;
        include)  echo "include" ;;
        tools)    echo "tools include wire common" ;;
        sqltests) echo "include" ;;
        *)        echo "" ;;
    esac
}

violation_count=0
file_count=0
while IFS= read -r path; do
    file_count=$((file_count + 1))
    layer=${path%%/*}
    allowed=" $(allowed_for "$layer") "
    base=$(basename "$path")
    if [ "$layer" = tools ]; then
        for lower in common storage txn parser planner executor; do
            # a layer's own harness or benchmark may use what that layer may use
            case "$base" in bench_"$lower"*|"$lower"_*) allowed="$allowed$(allowed_for "$lower") " ;; esac
        done
    fi
    while IFS= read -r line; do
        target=$(sed -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]*)".*/\1/' <<<"$line")
        case "$target" in */*) ;; *) continue ;; esac     # same-directory or generated header
        target_layer=${target%%/*}
        case "$target_layer" in
            common|storage|txn|parser|planner|executor|wire|include|tools) ;;
            *) continue ;;
        esac
        if [[ "$allowed" != *" $target_layer "* ]]; then
            echo "check_includes: $path includes \"$target\": $layer/ may not call $target_layer/"
            violation_count=$((violation_count + 1))
        fi
    done < <(grep -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$path")
done < <(git ls-files --cached --others --exclude-standard -- '*.c' '*.h' '*.y' | grep -E '^(common|storage|txn|parser|planner|executor|wire|include|tools|sqltests)/')

if [ "$violation_count" -gt 0 ]; then
    echo "check_includes: $violation_count violation(s) in $file_count files"
    exit 1
fi
echo "check_includes: $file_count files follow the layer table"
