#!/usr/bin/env bash
# Run each make target given, keep going past failures, and end with one
# line "N passed, M failed" counting the individual tests: Check's summary
# lines ("Checks: N, Failures: F, Errors: E") and the examples' ok/FAIL
# lines; a target that prints neither counts as one test. A target that
# leaves a process running fails (scripts/processes.py no-leftovers).
# TEST_NOT_RUN lists the checks left out and why, each ending with ';':
# they are reported at the end, never counted. Each target's time is
# printed after it, to see where a slow run spends it.
set -uo pipefail
make=${MAKE:-make}
passed=0 failed=0 failing=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for target in "$@"; do
  printf '\n### make %s\n' "$target"
  started=$SECONDS
  /usr/bin/python3 scripts/processes.py no-leftovers -- $make --no-print-directory "$target" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  counted=0
  while read -r n f e; do
    passed=$((passed + n - f - e)) failed=$((failed + f + e)) counted=1
  done < <(sed -n 's/.*Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2 \3/p' "$log")
  ok=$(grep -c '^ok ' "$log") bad=$(grep -c '^FAIL ' "$log")
  if [ $((ok + bad)) -gt 0 ]; then passed=$((passed + ok)) failed=$((failed + bad)) counted=1; fi
  if [ $counted -eq 0 ]; then
    if [ "$rc" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  elif [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1 # the target failed outside the tests it reported
  fi
  [ "$rc" -eq 0 ] || failing+=("$target")
  printf '### make %s: %d s\n' "$target" $((SECONDS - started))
done
echo
IFS=';' read -ra not_run <<< "${TEST_NOT_RUN:-}"
for reason in "${not_run[@]}"; do
  reason=$(echo $reason) # trimmed
  [ -z "$reason" ] || echo "not run: $reason"
done
[ ${#failing[@]} -eq 0 ] || echo "failing targets: ${failing[*]}"
echo "$passed passed, $failed failed"
[ ${#failing[@]} -eq 0 ]
