#!/usr/bin/env bash
# crvm simulate and crvm load: determinism, the round trip, and bad input.
set -u
crvm="$1"
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi; }
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT

"$crvm" simulate --customers 200 --seed 3 --out "$d/a" >/dev/null
check "simulate succeeds" '[ $? -eq 0 ] && [ -s "$d/a/contacts.csv" ]'
"$crvm" simulate --customers 200 --seed 3 --out "$d/b" >/dev/null
check "the same seed gives the same files" 'diff -r "$d/a" "$d/b" >/dev/null'
out=$("$crvm" load "$d/a")
check "load accepts every simulated row" '[ $? -eq 0 ] && [[ "$out" == *" 0 rejected"* ]] && [[ "$out" == *"200 customers"* ]]'
check "contacts.csv carries the attributes" '[[ "$(head -1 "$d/a/contacts.csv")" == *",articles,agent,queue,product,reason" ]]'
check "revenue.csv names the source contacts" '[[ "$(head -1 "$d/a/revenue.csv")" == *",stream,source_contact" ]]'
check "load reports the attributes" \
    '[[ "$out" == *"contact attributes: agent ("*" values), queue (4 values), product ("*", reason ("* ]]'
sourced=$(awk -F, 'NR > 1 && $5 != "" {n++} END {print n + 0}' "$d/a/revenue.csv")
check "load counts the $sourced sourced revenue events" \
    '[ "$sourced" -gt 0 ] && [[ "$out" == *"revenue sourced by contacts: $sourced events"* ]]'
"$crvm" simulate --customers 200 --seed 3 --multiplier-churn --out "$d/m" >/dev/null
check "the multiplier churn gives other files" '! diff -q "$d/a/customers.csv" "$d/m/customers.csv" >/dev/null'
"$crvm" simulate --customers 0 --out "$d/c" >/dev/null 2>&1
check "zero customers is a usage error" '[ $? -eq 2 ]'
"$crvm" simulate --customers 10 >/dev/null 2>&1
check "--out is required" '[ $? -eq 2 ]'

printf 'customer_id,date,amount,stream\nC0000001,2023-02-30,5,services\n' > "$d/a/revenue.csv"
err=$("$crvm" load "$d/a" 2>&1 >/dev/null); code=$?
check "strict load names file, row, line and column" \
    '[ $code -eq 1 ] && [[ "$err" == *"revenue.csv: row 1 (line 2), column date"* ]]'
err=$("$crvm" load "$d/a" --lenient 2>&1 >/dev/null); code=$?
check "lenient load lists the rejected row" '[ $code -eq 3 ] && [[ "$err" == *"rejected: revenue.csv: row 1"* ]]'
"$crvm" load "$d/nonexistent" >/dev/null 2>&1
check "a missing directory fails" '[ $? -eq 1 ]'
exit $fail
