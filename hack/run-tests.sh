#!/usr/bin/env bash
# Runs the test projects one after another (the integration tests measure election timings: they should not share
# the machine's cores with another suite) and prints one closing line: "N passed, N failed".
set -uo pipefail
configuration="$1"; shift
passed=0; failed=0; status=0
for project in "$@"; do
  echo "==> $project"
  out=$(mktemp)
  dotnet test "$project" -c "$configuration" --no-build --filter "${TEST_FILTER:-Category!=Soak}" 2>&1 | tee "$out"
  rc=${PIPESTATUS[0]}
  line=$(grep -E '(Passed|Failed)!  - Failed:' "$out" | tail -1)
  f=$(sed -E 's/.*Failed: +([0-9]+).*/\1/' <<<"$line"); p=$(sed -E 's/.*Passed: +([0-9]+).*/\1/' <<<"$line")
  if [ -z "$line" ]; then
    echo "error: $project reported no results" >&2; status=1
  else
    passed=$((passed + p)); failed=$((failed + f))
  fi
  [ "$rc" -ne 0 ] && status=1
  rm -f "$out"
done
echo "tests: $passed passed, $failed failed"
exit $status
