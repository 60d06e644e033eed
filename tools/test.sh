#!/usr/bin/env bash
# tools/test.sh: install what is missing, build, and run every test birch has in CI:
#   1. the #include layer check
#   2. the RelWithDebInfo build (asserts on) and every ctest suite
#   3. the ASan+UBSan build and every ctest suite again (BIRCH_TEST_SCALE=0.1 for the long
#      randomized tests)
# Closes with one line `N passed, M failed` counting the check and every ctest test of both
# builds. Exit status 0 only if nothing failed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=${BIRCH_JOBS:-$(nproc)}

passed_count=0
failed_count=0
failed_names=()

note_result() {   # note_result NAME STATUS
    if [ "$2" -eq 0 ]; then
        passed_count=$((passed_count + 1))
    else
        failed_count=$((failed_count + 1))
        failed_names+=("$1")
    fi
}

run_ctest() {     # run_ctest BUILD_DIR LABEL
    local build_dir=$1 label=$2 log
    log=$(mktemp)
    (cd "$build_dir" && ctest --output-on-failure -j "$jobs" --timeout 1500) 2>&1 | tee "$log"
    local total failed
    total=$(sed -nE 's/.* tests? failed out of ([0-9]+).*/\1/p' "$log" | tail -1)
    failed=$(sed -nE 's/.* ([0-9]+) tests? failed out of.*/\1/p' "$log" | tail -1)
    if [ -z "$total" ]; then
        echo "test.sh: ctest in $build_dir printed no summary" >&2
        failed_count=$((failed_count + 1))
        failed_names+=("$label: ctest")
    else
        passed_count=$((passed_count + total - failed))
        failed_count=$((failed_count + failed))
        while IFS= read -r name; do
            failed_names+=("$label: $name")
        done < <(sed -nE 's/^[[:space:]]+[0-9]+ - ([^ ]+) .*/\1/p' "$log")
    fi
    rm -f "$log"
}

echo "== dependencies"
if ! tools/install-deps.sh build runtime test; then
    echo "test.sh: could not install dependencies" >&2
    echo "0 passed, 1 failed"
    exit 1
fi

echo "== include layering"
tools/check_includes.sh
note_result check_includes $?

echo "== build (RelWithDebInfo)"
if cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null \
    && cmake --build build -j "$jobs" >build/build.log 2>&1; then
    run_ctest build release
else
    cat build/build.log 2>/dev/null | grep -E -A3 'error|Error' | head -60
    note_result "build (RelWithDebInfo)" 1
fi

if [ "${BIRCH_SKIP_SANITIZE:-0}" != 1 ]; then
    echo "== build (ASan + UBSan)"
    if cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DBIRCH_SANITIZE=ON >/dev/null \
        && cmake --build build-asan -j "$jobs" >build-asan/build.log 2>&1; then
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
            run_ctest build-asan sanitize
    else
        cat build-asan/build.log 2>/dev/null | grep -E -A3 'error|Error' | head -60
        note_result "build (ASan)" 1
    fi
fi

if [ ${#failed_names[@]} -gt 0 ]; then
    echo "== failed:"
    printf '   %s\n' "${failed_names[@]}"
fi
echo "$passed_count passed, $failed_count failed"
[ "$failed_count" -eq 0 ]
