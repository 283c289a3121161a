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
check "three top and three bottom articles are listed" \
    '[ $(echo "$out" | grep -Ec "^  A[0-9]{6} ") -eq 6 ] && [ $(echo "$out" | grep -Ec "^  (top|bottom) articles ") -eq 2 ]'
check "three customers to call, with their drivers" '[ $(section "Outreach" | grep -Ec "^  C[0-9]{7} ") -eq 3 ]'

"$crvm" report "$dir/missing" >/dev/null 2>"$dir/err"; code=$?
check "a missing directory fails naming it" '[ $code -eq 1 ] && grep -q missing "$dir/err"'
"$crvm" report "$dir/data" --as-of 2024-13-01 >/dev/null 2>"$dir/err"; code=$?
check "a bad --as-of date is refused" '[ $code -eq 2 ] && [ -s "$dir/err" ]'
# Issue 10 item 5: an as-of date far beyond the data made the monthly panel
# grow to billions of cells (22 s and 3.9 GB for 500 customers). Issue 9: a date
# before the data gave a table of zeros; each is now one line naming the dates.
"$crvm" report "$dir/data" --as-of 9999-12-31 >/dev/null 2>"$dir/err"; code=$?
check "an --as-of date far beyond the data is refused in one line naming the last date" \
    '[ $code -eq 2 ] && [ $(wc -l < "$dir/err") -eq 1 ] && grep -q "one period after its last date 2024-12-31" "$dir/err"'
"$crvm" report "$dir/data" --as-of 1990-01-01 >/dev/null 2>"$dir/err"; code=$?
check "an --as-of date before the data is refused in one line naming the first date" \
    '[ $code -eq 2 ] && [ $(wc -l < "$dir/err") -eq 1 ] && grep -q "before the data, which start on" "$dir/err"'
"$crvm" report "$dir/data" --as-of 2025-01-20 --top 1 >/dev/null 2>"$dir/err"; code=$?
check "an --as-of date a few days past the data is valued with a one-line warning" \
    '[ $code -eq 0 ] && [ $(wc -l < "$dir/err") -eq 1 ] && grep -q "warning: --as-of 2025-01-20 is after the data" "$dir/err"'
"$crvm" report >/dev/null 2>&1
check "no directory is a usage error" '[ $? -eq 2 ]'

# Formats (issue 9: --format json and --out were unexpected arguments).
"$crvm" report "$dir/data" --format json --out "$dir/r.json" --top 2; code=$?
check "--format json --out writes a JSON object of the documented schema" \
    '[ $code -eq 0 ] && python3 -c "import json,sys; d = json.load(open(sys.argv[1])); sys.exit(d[\"schema\"] != \"crvm-report\" or d[\"schema_version\"] != 1 or len(d[\"outreach\"]) != 2)" "$dir/r.json"'
json_stdout=$("$crvm" report "$dir/data" --format json --top 2)
check "--format json without --out writes the same to stdout" '[ "$json_stdout" = "$(cat "$dir/r.json")" ]'
"$crvm" report "$dir/data" --format csv --out "$dir/tables"; code=$?
check "--format csv writes one file per table" \
    '[ $code -eq 0 ] && [ $(ls "$dir/tables"/*.csv | wc -l) -eq 9 ] && head -1 "$dir/tables/segments.csv" | grep -q "^segment,active_customers,"'
"$crvm" report "$dir/data" --format csv 2>"$dir/err" >/dev/null; code=$?
check "--format csv without --out is a usage error naming --out" '[ $code -eq 2 ] && grep -q -- "--out" "$dir/err"'
"$crvm" report "$dir/data" --format html --out "$dir/r.html"; code=$?
check "--format html writes one page with five charts" \
    '[ $code -eq 0 ] && [ $(grep -o "<figure class=\"chart\"" "$dir/r.html" | wc -l) -eq 5 ]'
"$crvm" report "$dir/data" --format pdf 2>"$dir/err" >/dev/null; code=$?
check "an unknown format is a usage error naming the formats" '[ $code -eq 2 ] && grep -q "text, json, csv or html" "$dir/err"'
"$crvm" report "$dir/data" --format html --out "$dir/no/such/dir/r.html" 2>"$dir/err" >/dev/null; code=$?
check "an --out path that cannot be written fails naming it" '[ $code -eq 1 ] && grep -q "no/such/dir" "$dir/err"'

# --cost-model: the documented text format; an unknown name is an error naming the line.
printf 'hourly_rate[tier1] = 90\nescalation_cost = 25\n' > "$dir/costs.txt"
dear=$("$crvm" report "$dir/data" --cost-model "$dir/costs.txt" --top 0 | awk '/^  labour  / {print $2}')
cheap=$(section "Support P&L" | awk '/^  labour  / {print $2}')
check "--cost-model changes the costs (labour $cheap -> $dear)" \
    'awk -v a="$cheap" -v b="$dear" "BEGIN {exit !(a != \"\" && b + 0 > a + 0)}"'
printf 'escalation_cost = 25\nhourly_wage = 3\n' > "$dir/bad.txt"
"$crvm" report "$dir/data" --cost-model "$dir/bad.txt" >/dev/null 2>"$dir/err"; code=$?
check "an unknown assumption fails naming its line" '[ $code -eq 1 ] && grep -q "line 2" "$dir/err" && grep -q hourly_wage "$dir/err"'
"$crvm" report "$dir/data" --cost-model "$dir/missing.txt" >/dev/null 2>"$dir/err"; code=$?
check "a missing cost model file is reported as missing" '[ $code -eq 1 ] && grep -q "missing.txt" "$dir/err"'
h6=$("$crvm" report "$dir/data" --horizon 6 --top 0 | awk '/^  value at risk, 6 months/ {print $5}')
check "--horizon sets the horizon of the value at risk (got $h6)" '[ -n "$h6" ]'

# Another delimiter (issue 9: a space-separated file gave "no column"). The
# simulated files hold no quoted field, so commas become tabs one for one.
mkdir "$dir/tabs"
for f in "$dir"/data/*.csv; do tr ',' '\t' < "$f" > "$dir/tabs/$(basename "$f")"; done
tabbed=$("$crvm" report "$dir/tabs" --delimiter tab --top 3 | tail -n +2)
check "--delimiter tab reads tab-separated files to the same report" '[ "$tabbed" = "$(echo "$out" | tail -n +2)" ]'
"$crvm" report "$dir/tabs" >/dev/null 2>"$dir/err"; code=$?
check "tab-separated files without --delimiter fail naming the header" '[ $code -eq 1 ] && grep -q "header" "$dir/err"'
"$crvm" report "$dir/tabs" --delimiter ab >/dev/null 2>"$dir/err"; code=$?
check "a --delimiter of two characters is a usage error" '[ $code -eq 2 ] && grep -q -- "--delimiter" "$dir/err"'

# The command line itself (issue 9: --version was an unknown command).
check "crvm --version names the version" '"$crvm" --version | grep -Eq "^crvm [0-9]+\.[0-9]+\.[0-9]+$"'
check "crvm help report prints the report's usage" '"$crvm" help report | head -1 | grep -q "^usage: crvm report DIR"'
"$crvm" help nonsense >/dev/null 2>"$dir/err"; code=$?
check "crvm help of an unknown command is a usage error" '[ $code -eq 2 ] && grep -q nonsense "$dir/err"'
"$crvm" demo --customers 400 --out "$dir/demo.html" > "$dir/demo.txt"; code=$?
check "crvm demo writes the text report and ends by naming the HTML file" \
    '[ $code -eq 0 ] && grep -q "^Headline" "$dir/demo.txt" && [ "$(tail -1 "$dir/demo.txt")" = "HTML report: $dir/demo.html" ] && [ -s "$dir/demo.html" ]'
exit $fail
