#!/usr/bin/env bash
# crvm transactions on the CDNOW sample (2,357 customers, Fader, Hardie & Lee
# 2005, "Counting Your Customers the Easy Way"): the RFM summary against the
# published one (cdnow_customers_summary.csv, lifetimes), the BG/NBD
# parameters against the published r 0.243, alpha 4.414, a 0.793, b 2.426
# (LL -9582.4), the Gamma-Gamma ones against p 6.25, q 3.74, v 15.44 (Fader &
# Hardie, note 025), the holdout counts against the log itself, and errors.
# Arguments: the crvm executable and the reference data directory.
set -u
crvm="$1"
data="${CRVM_DATA_DIR:-$2}"
source "$(dirname "$0")/test_support.sh"
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT

# The sample is fixed-width without a header: sample id, YYYYMMDD, amount as
# a CSV log with ISO dates (ids keep their leading zeros: "0001").
log="$d/cdnow.csv"
{ echo "id,date,amount"
  awk '{ printf "%s,%s-%s-%s,%s\n", $2, substr($3, 1, 4), substr($3, 5, 2), substr($3, 7, 2), $5 }' \
      "$data/CDNOW_sample.txt"; } > "$log"

"$crvm" --help | grep -q "^  transactions "; check "help lists transactions" '[ $? -eq 0 ]'
"$crvm" help transactions | grep -q "^usage: crvm transactions FILE"; check "crvm help transactions" '[ $? -eq 0 ]'

out=$("$crvm" transactions "$log" --customer id --date date --amount amount \
      --calibration-end 1997-09-30 --observation-end 1998-06-30)
check "transactions on CDNOW succeeds" '[ $? -eq 0 ]'
# |printed - published| <= half a unit in the last published digit.
param_matches() { printed_matches "$1" "$2" "$3" 3; } # a line "name estimate se"
check "r     = 0.243"  'param_matches r     0.243 0.0005'
check "alpha = 4.414"  'param_matches alpha 4.414 0.0005'
check "a     = 0.793"  'param_matches a     0.793 0.0005'
check "b     = 2.426"  'param_matches b     2.426 0.0005'
check "log-likelihood -9582.4" \
    'echo "$out" | awk '"'"'/^log-likelihood -9582\.4[0-9], / { f = 1 } END { exit !f }'"'"
check "p = 6.25"  'param_matches p 6.25 0.005'
check "q = 3.74"  'param_matches q 3.74 0.005'
check "v = 15.44" 'param_matches v 15.44 0.005'
check "6919 transactions of 2357 customers" 'echo "$out" | grep -q "^6919 transactions of 2357 customers"'
# Holdout: repeat purchases after the calibration end, counted from the log
# (one per customer and day, all customers were acquired in the calibration).
actual=$(awk -F, 'NR > 1 && $2 > "1997-09-30" && !seen[$1 "," $2]++ { n++ } END { print n }' "$log")
check "holdout actual total $actual as counted from the log" \
    'echo "$out" | grep -q "^total actual $actual, predicted "'
check "holdout table by calibration frequency 0 .. 7+" \
    '[ "$(echo "$out" | awk '"'"'/^calibration purchases/ { t = 1; next } t && NF == 4 { printf "%s ", $1 } NF == 0 { t = 0 }'"'"')" = "0 1 2 3 4 5 6 7+ " ]'

# The per-customer summary equals the published one (weeks, 2 decimals).
"$crvm" transactions "$log" --customer id --date date --calibration-end 1997-09-30 \
    --observation-end 1998-06-30 --format csv --out "$d/customers.csv"
check "--format csv --out writes the table" '[ $? -eq 0 ] && [ $(wc -l < "$d/customers.csv") -eq 2358 ]'
diffs=$(awk -F, 'NR == FNR { if (FNR > 1) { x[$1 + 0] = $2; tx[$1 + 0] = $3; T[$1 + 0] = $4 }; next }
    FNR > 1 { i = $1 + 0; n++
        if ($2 != x[i] || (tx[i] - $3) ^ 2 > 0.005 ^ 2 || (T[i] - $4) ^ 2 > 0.005 ^ 2) bad++ }
    END { print n " " bad + 0 }' "$data/cdnow_customers_summary.csv" "$d/customers.csv")
check "x, t_x, T of all 2357 customers equal the published summary to 2 decimals" '[ "$diffs" = "2357 0" ]'
head -1 "$d/customers.csv" | grep -q "^customer,frequency,recency,T,p_alive,expected_purchases,holdout_purchases,predicted_holdout_purchases$"
check "the CSV header" '[ $? -eq 0 ]'

json=$("$crvm" transactions "$log" --customer id --date date --amount amount --format json --model pareto)
check "--format json --model pareto" '[ $? -eq 0 ] && [[ "$json" == "{\"schema\": \"crvm-transactions/1\", \"model\": \"pareto\""* ]]'
check "the JSON parses and lists every customer" \
    'echo "$json" | python3 -c "import json, sys; d = json.load(sys.stdin); assert len(d[\"customers\"]) == 2357 and d[\"holdout\"] is None and d[\"customers\"][0][\"id\"] == \"0001\""'
"$crvm" transactions "$log" --customer id --date date --model mbgnbd --unit day --horizon 30 >/dev/null
check "--model mbgnbd --unit day" '[ $? -eq 0 ]'

# --- errors ----------------------------------------------------------------
err=$("$crvm" transactions "$d/missing.csv" --customer id --date date 2>&1 >/dev/null); code=$?
check "a missing file is reported as missing" '[ $code -eq 1 ] && [[ "$err" == *"cannot open $d/missing.csv: No such file or directory" ]]'
printf 'id,date\nc1,1997-01-01\nc2,1997-02-30\n' > "$d/bad.csv"
err=$("$crvm" transactions "$d/bad.csv" --customer id --date date 2>&1 >/dev/null); code=$?
check "a bad date names row, line and column" \
    '[ $code -eq 1 ] && [[ "$err" == *"row 2 (line 3), column date: '"'"'1997-02-30'"'"'"* ]] && [ $(echo "$err" | wc -l) -eq 1 ]'
printf 'id,date\nc1,1997-01-01\nc1,1997-03-01\n' > "$d/late.csv"
err=$("$crvm" transactions "$d/late.csv" --customer id --date date --observation-end 1997-02-01 2>&1 >/dev/null); code=$?
check "a transaction after --observation-end is bad data naming its row" \
    '[ $code -eq 1 ] && [ $(echo "$err" | wc -l) -eq 1 ] && [[ "$err" == *"row 2, column date: 1997-03-01 is after the observation end 1997-02-01 (1 such transactions)" ]]'
printf 'id date\nc1 1997-01-01\n' > "$d/space.csv"
"$crvm" transactions "$d/space.csv" --customer id --date date >/dev/null 2>&1
check "a space-separated log without --delimiter fails" '[ $? -eq 1 ]'
"$crvm" transactions "$log" --customer id >/dev/null 2>&1; check "--date is required" '[ $? -eq 2 ]'
"$crvm" transactions "$log" --customer id --date date --model gamma >/dev/null 2>&1
check "an unknown --model is a usage error" '[ $? -eq 2 ]'
err=$("$crvm" transactions "$log" --customer id --date date --calibration-end 1997-13-01 2>&1 >/dev/null); code=$?
check "a bad --calibration-end is a usage error on one line" '[ $code -eq 2 ] && [ $(echo "$err" | wc -l) -eq 1 ]'
"$crvm" transactions "$log" --customer id --date date --calibration-end 1998-07-01 --as-of 1998-06-30 >/dev/null 2>&1
check "a calibration end after the observation end is a usage error" '[ $? -eq 2 ]'
"$crvm" transactions "$log" --customer id --date date --format html >/dev/null 2>&1
check "--format html is a usage error" '[ $? -eq 2 ]'
exit $fail
