#!/usr/bin/env bash
# crvm report on simulated data: the figures it prints add up and reconcile
# with the simulator's own totals and truth, and bad input fails with the
# library's message.
set -u
crvm="$1"
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi; }
# Rows of the section whose title starts with $1 (up to the next blank line).
section() { echo "$out" | awk -v t="$1" 'index($0, t) == 1 {on=1; next} on && NF == 0 {on=0} on'; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

"$crvm" simulate --customers 2000 --seed 11 --out "$dir/data" > "$dir/sim.txt"
check "simulate succeeds" '[ $? -eq 0 ]'
out=$("$crvm" report "$dir/data" --top 3); code=$?
check "report succeeds" '[ $code -eq 0 ]'
# Segment value: the segments' active customers add up to the All row and to the header's count.
active=$(echo "$out" | head -1 | sed -n 's/.*customers (\([0-9]*\) active).*/\1/p')
seg_sum=$(section "Segment value" | awk '$1 != "segment" && $1 != "All" {s += $2} END {print s}')
all_row=$(section "Segment value" | awk '$1 == "All" {print $2}')
check "segment customers add up to the active ones ($seg_sum, $all_row, $active)" \
    '[ -n "$active" ] && [ "$seg_sum" = "$active" ] && [ "$all_row" = "$active" ]'
# Residual values add up to the All row (each printed rounded: within a unit per segment).
rv=$(section "Segment value" | awk '$1 != "segment" && $1 != "All" {s += $5} $1 == "All" {a = $5} END {print s - a}')
check "segment residual values add up to the whole base (difference $rv)" \
    'awk -v d="$rv" "BEGIN {exit !(d <= 3 && d >= -3)}"'
# Economics: segment revenue adds up to the revenue column of revenue.csv.
revenue=$(section "Customer economics" | awk '$1 != "segment" {s += $2} END {printf "%.0f", s}')
expected=$(awk -F, 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == "amount") c = i; next} {s += $c} END {printf "%.0f", s}' "$dir/data/revenue.csv")
check "segment revenue adds up to revenue.csv ($revenue vs $expected)" \
    'awk -v a="$revenue" -v b="$expected" "BEGIN {d = a - b; exit !(d <= 3 && d >= -3)}"'
check "retention is fitted for every segment" \
    '[ $(section "Retention by segment" | grep -Ec "^  (smb|mid_market|enterprise) +[0-9.]+ \(") -eq 3 ]'
# Support effects: the simulator triples the churn hazard per refused contact
# in the period before a renewal; a smoke check of the printed hazard ratio
# (its interval is checked against the truth in tests/unit/test_value_truth.c).
refused_hr=$(section "Support experience and churn" | awk '$1 == "refused" {print $2; exit}')
check "refusal hazard ratio is printed and between 2 and 4.5 (got $refused_hr)" \
    'awk -v h="$refused_hr" "BEGIN {exit !(h != \"\" && h + 0 > 2 && h + 0 < 4.5)}"'
check "every support covariate has a hazard ratio" \
    '[ $(section "Support experience and churn" | grep -Ec "^  (contacts|workaround|refused|abandoned|escalated|silent_3_5|silent_6_plus) +[0-9.]+ +[0-9.]+ - [0-9.]+ ") -eq 7 ]'
refused_impact=$(section "Contact impact by outcome" | awk '$1 == "refused" {print $3}')
check "refused contacts lose customer value (got $refused_impact)" \
    'awk -v v="$refused_impact" "BEGIN {exit !(v != \"\" && v + 0 < 0)}"'
worst_queue=$(section "Refused contacts by queue" | awk '$1 != "queue" && (best == "" || $3 < min) {min = $3; best = $1} END {print best}')
check "the refusal loss is concentrated in the integrations queue (got $worst_queue)" '[ "$worst_queue" = integrations ]'
# Support P&L: value and cost are the sums of their lines (each printed rounded).
pnl_value=$(section "Support P&L" | awk '/^  value  / {print $2}')
pnl_lines=$(section "Support P&L" | awk '/^  (support-plan revenue|revenue sourced|knowledge: |value effect)/ {s += $(NF - (/\(/ ? 3 : 0))} END {print s}')
check "the P&L's value is the sum of its lines ($pnl_value vs $pnl_lines)" \
    'awk -v a="$pnl_value" -v b="$pnl_lines" "BEGIN {d = a - b; exit !(a != \"\" && d <= 3 && d >= -3)}"'
check "value per support dollar is printed" '[ $(section "Support P&L" | grep -Ec "^  value per support dollar +-?[0-9.]+ ") -eq 1 ]'
check "three top articles are listed" '[ $(echo "$out" | grep -Ec "^  A[0-9]{6} ") -eq 3 ]'
check "three customers to call, with their drivers" '[ $(section "Outreach" | grep -Ec "^  C[0-9]{7} ") -eq 3 ]'

"$crvm" report "$dir/missing" >/dev/null 2>"$dir/err"; code=$?
check "a missing directory fails naming it" '[ $code -eq 1 ] && grep -q missing "$dir/err"'
"$crvm" report "$dir/data" --as-of 2024-13-01 >/dev/null 2>"$dir/err"; code=$?
check "a bad --as-of date is refused" '[ $code -eq 2 ] && [ -s "$dir/err" ]'
# Issue 10 item 5: an as-of date far beyond the data made the monthly panel
# grow to billions of cells (22 s and 3.9 GB for 500 customers).
"$crvm" report "$dir/data" --as-of 9999-12-31 >/dev/null 2>"$dir/err"; code=$?
check "an --as-of date far beyond the data is refused naming the last date" \
    '[ $code -eq 2 ] && grep -q "as_of = 9999-12-31 is more than 366 days after the last date in the ledger" "$dir/err"'
"$crvm" report "$dir/data" --as-of 2019-01-01 >/dev/null 2>"$dir/err"; code=$?
check "an as-of date before the data fails with the library's message" '[ $code -eq 1 ] && grep -q as_of "$dir/err"'
"$crvm" report >/dev/null 2>&1
check "no directory is a usage error" '[ $? -eq 2 ]'
exit $fail
