#!/usr/bin/env bash
# crvm report on simulated data: the figures it prints reconcile with the
# simulator's own totals, and bad input fails with the library's message.
set -u
crvm="$1"
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

"$crvm" simulate --customers 2000 --seed 11 --out "$dir/data" > "$dir/sim.txt"
check "simulate succeeds" '[ $? -eq 0 ]'
out=$("$crvm" report "$dir/data" --top 3); code=$?
check "report succeeds" '[ $code -eq 0 ]'
# Segment customer counts add up to the simulated customers.
total=$(echo "$out" | awk '/^Customer economics/ {on=1; next} on && NF == 0 {on=0} on && $1 != "segment" {s += $2} END {print s}')
check "segment customers add up to 2000 (got $total)" '[ "$total" = 2000 ]'
# Segment revenue adds up to the revenue column of revenue.csv.
revenue=$(echo "$out" | awk '/^Customer economics/ {on=1; next} on && NF == 0 {on=0} on && $1 != "segment" {s += $3} END {printf "%.0f", s}')
expected=$(awk -F, 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == "amount") c = i; next} {s += $c} END {printf "%.0f", s}' "$dir/data/revenue.csv")
check "segment revenue adds up to revenue.csv ($revenue vs $expected)" \
    'awk -v a="$revenue" -v b="$expected" "BEGIN {d = a - b; exit !(d <= 3 && d >= -3)}"'
check "retention is fitted for every segment" '[ $(echo "$out" | grep -Ec "^  (smb|mid_market|enterprise) +[0-9]+ +[0-9]+ +[0-9.]+ \(") -eq 3 ]'
# Support impact: in the simulator a refused contact in the month before a
# renewal multiplies its churn hazard by 3 (log hazard ratio ln 3); a smoke
# check of the printed hazard ratio (the truth is checked in tests/unit/test_sim_truth.c).
refused_hr=$(echo "$out" | awk '/^Support experience and churn/ {on=1; next} on && $1 == "refused" {print $2; exit}')
check "refusal hazard ratio is printed and between 2 and 4.5 (got $refused_hr)" \
    'awk -v h="$refused_hr" "BEGIN {exit !(h != \"\" && h + 0 > 2 && h + 0 < 4.5)}"'
check "every outcome and escalation has a hazard ratio" \
    '[ $(echo "$out" | grep -Ec "^  (refused|abandoned|workaround|escalated) +[0-9.]+ +[0-9.]+ - [0-9.]+ ") -eq 4 ]'
check "three top articles are listed" '[ $(echo "$out" | grep -Ec "^  A[0-9]{6} ") -eq 3 ]'

"$crvm" report "$dir/missing" >/dev/null 2>"$dir/err"; code=$?
check "a missing directory fails naming it" '[ $code -eq 1 ] && grep -q missing "$dir/err"'
"$crvm" report "$dir/data" --as-of 2024-13-01 >/dev/null 2>"$dir/err"; code=$?
check "a bad --as-of date is refused" '[ $code -eq 2 ] && [ -s "$dir/err" ]'
"$crvm" report >/dev/null 2>&1
check "no directory is a usage error" '[ $? -eq 2 ]'
exit $fail
