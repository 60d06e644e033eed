#!/usr/bin/env bash
# tools/slt_selftest.sh SLT: the slt runner's self-test (ctest: tools_slt_selftest). Starts a
# scratch PostgreSQL 15 (tools/pg_scratch.sh), runs tools/slt_tests/*.test and checks the counts
# slt prints (each file's header states them), the exit statuses, --list-failures, -j, the
# timeout, --complete, a connection failure, then the corpus's select1.test (100% must pass),
# and stops the server. Exit 77 (ctest: skipped) when PostgreSQL 15's binaries are missing.
set -uo pipefail
slt=${1:?usage: slt_selftest.sh PATH_TO_SLT}
case "$slt" in /*) ;; *) slt=$(pwd)/$slt ;; esac
here=$(cd "$(dirname "$0")" && pwd)
tests=$here/slt_tests
corpus=${SLT_CORPUS:-$here/../../shared/sqllogictest}
port=${SLT_SELFTEST_PORT:-$((5500 + $$ % 400))}
dir=$(mktemp -d /tmp/slt_selftest.XXXXXX)
chmod 755 "$dir"

params=$("$here/pg_scratch.sh" start "$port" "$dir/pg")
status=$?
if [ "$status" -ne 0 ]; then
    rm -rf "$dir"
    if [ "$status" -eq 77 ]; then
        echo "slt_selftest: SKIPPED: PostgreSQL 15 binaries are missing (apt-get install postgresql-15)"
        exit 77
    fi
    echo "slt_selftest: could not start the scratch PostgreSQL server"
    echo "0 passed, 1 failed"
    exit 1
fi
cleanup() { "$here/pg_scratch.sh" stop "$port" "$dir/pg" >/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
for assignment in $params; do export "${assignment?}"; done

passed_count=0
failed_count=0
check() {     # check DESCRIPTION EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then
        passed_count=$((passed_count + 1))
        echo "ok:   $1"
    else
        failed_count=$((failed_count + 1))
        echo "FAIL: $1"
        echo "      expected: $2"
        echo "      actual:   $3"
    fi
}
expected_counts() { sed -nE 's/^# slt_selftest.sh expects exactly: (.*)$/\1/p' "$tests/$1"; }

cd "$tests" || exit 1
for name in pass.test fail.test halt.test; do
    output=$("$slt" "$name" 2>&1)
    status=$?
    check "$name: the final line" "$(expected_counts "$name")" "$(tail -1 <<<"$output")"
    check "$name: the per-file line" "$name: $(expected_counts "$name")" "$(head -1 <<<"$output")"
    expected_status=0
    [ "$name" = fail.test ] && expected_status=1
    check "$name: exit status" "$expected_status" "$status"
done

sed 's/$/\r/' halt.test >"$dir/crlf.test"
output=$("$slt" "$dir/crlf.test" 2>&1)
check "halt.test with CRLF line ends: the same counts" "$(expected_counts halt.test)" "$(tail -1 <<<"$output")"

"$slt" --no-fail fail.test >/dev/null 2>&1
check "fail.test --no-fail: exit status" 0 $?
"$slt" --list-failures "$dir/failures.txt" fail.test >/dev/null 2>&1
check "fail.test --list-failures: one report per failed record" 10 "$(grep -c '^FAIL ' "$dir/failures.txt")"
check "fail.test --list-failures: the wrong SQLSTATE named" 1 \
    "$(grep -c 'wrong SQLSTATE: expected 42601, got 22012' "$dir/failures.txt")"
check "fail.test --list-failures: the label mismatch named" 1 \
    "$(grep -c 'label label-x mismatch' "$dir/failures.txt")"
check "fail.test --list-failures: the hash mismatch named" 1 "$(grep -c 'hash mismatch' "$dir/failures.txt")"
verbose=$("$slt" --verbose fail.test 2>&1)
check "fail.test --verbose: the failure, its SQL, expected and actual printed" \
    "FAIL fail.test:12: value 3 differs|    SELECT a FROM t|  expected (3 lines):|    4|  actual (3 lines):" \
    "$(grep -A10 '^FAIL fail.test:12:' <<<"$verbose" | grep -E '^FAIL|SELECT a FROM t$|expected|actual|^    4$' | paste -sd'|')"

output=$("$slt" -j 2 pass.test fail.test halt.test 2>&1)
check "-j 2 over three files: the sum" "43 passed, 10 failed, 4 skipped" "$(tail -1 <<<"$output")"

output=$("$slt" --timeout 8 timeout.test 2>&1)   # 8 s: room for CREATE DATABASE on a loaded machine
check "timeout.test: the rest of a timed-out script fails" \
    "timeout.test: $(expected_counts timeout.test) (timed out after 8 s)" "$(head -1 <<<"$output")"

output=$("$slt" --port 1 halt.test 2>&1)
check "no server: every record fails" "0 passed, 2 failed, 0 skipped" "$(tail -1 <<<"$output")"

output=$("$slt" --engine birch halt.test 2>&1)
status=$?
if grep -q 'built without the birch engine' <<<"$output"; then
    check "--engine birch without BIRCH_SLT_EMBEDDED: refused" 2 "$status"
fi

cp complete.test "$dir/complete.test"
"$slt" --complete "$dir/complete.test" >/dev/null 2>&1
check "--complete: exit status" 0 $?
check "--complete: the SQLSTATE of a statement error filled in" 1 "$(grep -cx '22012' "$dir/complete.test")"
check "--complete: a failing statement ok became statement error 42P01" 1 \
    "$(grep -cx '42P01' "$dir/complete.test")"
check "--complete: types inferred for a bare query" 1 "$(grep -cx 'query ITR' "$dir/complete.test")"
check "--complete: over hash-threshold written as a hash" 2 \
    "$(grep -c 'values hashing to' "$dir/complete.test")"
output=$("$slt" "$dir/complete.test" 2>&1)
check "--complete: the completed file passes" "7 passed, 0 failed, 1 skipped" "$(tail -1 <<<"$output")"

if [ -f "$corpus/select1.test" ]; then
    output=$("$slt" "$corpus/select1.test" 2>&1)
    check "corpus select1.test: 100% on PostgreSQL" "1031 passed, 0 failed, 0 skipped" "$(tail -1 <<<"$output")"
else
    echo "slt_selftest: note: corpus not found at $corpus (set SLT_CORPUS); select1.test not run"
fi

echo "$passed_count passed, $failed_count failed"
[ "$failed_count" -eq 0 ]
