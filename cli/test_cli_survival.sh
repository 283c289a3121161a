#!/usr/bin/env bash
# crvm survival: the Cox fit on the Rossi recidivism data against Fox's
# published table (Fox & Weisberg, "Cox Proportional-Hazards Regression for
# Survival Data in R", appendix to An R Companion to Applied Regression:
# fin -0.379, age -0.0574, race 0.314, wexp -0.150, mar -0.434,
# paro -0.0849, prio 0.0915, Efron ties), Kaplan-Meier by group against
# counts and closed forms taken from the file itself, and errors that name
# the row and column.
# Arguments: the crvm executable and the reference data directory.
set -u
crvm="$1"
data="${CRVM_DATA_DIR:-$2}"
rossi="$data/rossi.csv"
source "$(dirname "$0")/test_support.sh"
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT

"$crvm" --help | grep -q survival; check "help lists survival" '[ $? -eq 0 ]'
"$crvm" survival --help | grep -q "crvm survival cox"; check "survival --help shows the usage" '[ $? -eq 0 ]'

# --- Cox against the published coefficients ------------------------------
out=$("$crvm" survival cox "$rossi" --duration week --event arrest fin age race wexp mar paro prio)
check "cox on rossi succeeds" '[ $? -eq 0 ]'
# |printed - published| <= half a unit in the last published digit.
check "fin  = -0.379"  'printed_matches fin  -0.379  0.0005'
check "age  = -0.0574" 'printed_matches age  -0.0574 0.00005'
check "race = 0.314"   'printed_matches race  0.314  0.0005'
check "wexp = -0.150"  'printed_matches wexp -0.150  0.0005'
check "mar  = -0.434"  'printed_matches mar  -0.434  0.0005'
check "paro = -0.0849" 'printed_matches paro -0.0849 0.00005'
check "prio = 0.0915"  'printed_matches prio  0.0915 0.00005'
check "432 observations and 114 events are reported" \
    'echo "$out" | grep -q "^432 observations, 114 events"'
out=$("$crvm" survival cox "$rossi" --duration week --event arrest --ties breslow fin prio)
check "--ties breslow is accepted and reported" '[ $? -eq 0 ] && echo "$out" | grep -q "Breslow ties"'

# --- Kaplan-Meier by group -------------------------------------------------
# Expected counts from the file itself; every censoring in rossi is at week 52,
# so S(52) = 1 - events / n in each group.
read n0 e0 n1 e1 < <(awk -F, 'NR > 1 { n[$3]++; e[$3] += $2 } END { print n[0], e[0], n[1], e[1] }' "$rossi")
out=$("$crvm" survival km "$rossi" --duration week --event arrest --group fin)
check "km by fin succeeds" '[ $? -eq 0 ]'
check "group sizes and events match the file ($n0/$e0, $n1/$e1)" \
    'echo "$out" | awk -v a="0 $n0 $e0" -v b="1 $n1 $e1" '"'"'($1" "$2" "$3) == a { x = 1 } ($1" "$2" "$3) == b { y = 1 } END { exit !(x && y) }'"'"
s0=$(awk -v n="$n0" -v e="$e0" 'BEGIN { printf "%.5f", 1 - e / n }')
s1=$(awk -v n="$n1" -v e="$e1" 'BEGIN { printf "%.5f", 1 - e / n }')
check "S(52) = 1 - events/n in each group ($s0, $s1)" \
    '[ "$(echo "$out" | awk '"'"'$1 == 52 { print $5 }'"'"' | tr "\n" " ")" = "$s0 $s1 " ]'
check "the log-rank test is reported" 'echo "$out" | grep -q "^log-rank test of equal curves across fin: chi-square [0-9.]* on 1 df"'
out=$("$crvm" survival km "$rossi" --duration week --event arrest)
check "km without groups: one curve of all rows" \
    '[ $? -eq 0 ] && echo "$out" | grep -Eq "^all +432 +114 " && ! echo "$out" | grep -q log-rank'

# --- string group labels and other separators ------------------------------
# Waltons: genotype labels 'miR-137' and 'control'. Group sizes and events are
# counted from the file; each median is the first time at which an
# independent Kaplan-Meier product (awk, over the rows sorted by time, the
# events at a time before its censorings) reaches 0.5.
walt="$data/waltons_dataset.csv"
out=$("$crvm" survival km "$walt" --duration T --event E --group group)
check "km by a string group succeeds" '[ $? -eq 0 ]'
for g in control miR-137; do
    read n e < <(awk -F, -v g="$g" 'NR > 1 && $3 == g { n++; e += $2 } END { print n, e }' "$walt")
    med=$(awk -F, -v g="$g" 'NR > 1 && $3 == g { print $1, $2 }' "$walt" | sort -k1,1g -k2,2r |
        awk '{ t[NR] = $1; ev[NR] = $2 } END {
            s = 1; left = NR; i = 1
            while (i <= NR) { d = 0; c = 0; j = i
                while (j <= NR && t[j] == t[i]) { d += ev[j]; c += 1 - ev[j]; j++ }
                s *= 1 - d / left; left -= d + c
                if (s <= 0.5) { printf "%g", t[i]; exit } ; i = j } }')
    check "group $g: n $n, events $e, median $med (independent KM)" \
        'echo "$out" | awk -v g="$g" -v want="$n $e $med" '"'"'$1 == g && ($2" "$3" "$5) == want { f = 1 } END { exit !f }'"'"
done
check "the groups are in byte order (control before miR-137) with their tables" \
    '[ "$(echo "$out" | grep "^group = " | tr "\n" " ")" = "group = control group = miR-137 " ]'
check "the log-rank test across the labels" 'echo "$out" | grep -q "^log-rank test of equal curves across group: chi-square [0-9.]* on 1 df"'
# Anderson (leukaemia): space-separated. Group sizes and events from the file.
and="$data/anderson.csv"
err=$("$crvm" survival km "$and" --duration t --event status 2>&1 >/dev/null); code=$?
check "a space-separated file without --delimiter fails with a hint" \
    '[ $code -eq 1 ] && [[ "$err" == *"no column '"'"'t'"'"'"*"--delimiter"* ]] && [ $(echo "$err" | wc -l) -eq 1 ]'
for delim in ' ' space; do
    out=$("$crvm" survival km "$and" --duration t --event status --group Rx --delimiter "$delim")
    check "--delimiter '$delim' reads anderson.csv" '[ $? -eq 0 ]'
done
read n0 e0 n1 e1 < <(awk 'NR > 1 { n[$5]++; e[$5] += $2 } END { print n[0], e[0], n[1], e[1] }' "$and")
check "anderson groups by Rx: $n0/$e0 and $n1/$e1 as counted" \
    'echo "$out" | awk -v a="0 $n0 $e0" -v b="1 $n1 $e1" '"'"'($1" "$2" "$3) == a { x = 1 } ($1" "$2" "$3) == b { y = 1 } END { exit !(x && y) }'"'"
out=$("$crvm" survival cox "$and" --duration t --event status --delimiter space Rx logWBC)
check "cox reads a space-separated file" '[ $? -eq 0 ] && echo "$out" | grep -q "^42 observations, 30 events"'
# Numeric labels keep numeric order and 1 / 1.0 are one group.
printf 'week,arrest,g\n1,1,10\n2,0,2\n3,1,1.0\n4,1,1\n5,0,2\n' > "$d/numeric.csv"
out=$("$crvm" survival km "$d/numeric.csv" --duration week --event arrest --group g)
check "numeric labels in numeric order, equal numbers one group" \
    '[ "$(echo "$out" | grep "^g = " | tr "\n" " ")" = "g = 1 g = 2 g = 10 " ]'
printf 'week,arrest,g\n1,1,a\n2,0,\n' > "$d/emptylabel.csv"
err=$("$crvm" survival km "$d/emptylabel.csv" --duration week --event arrest --group g 2>&1 >/dev/null); code=$?
check "an empty group label names row and column" '[ $code -eq 1 ] && [[ "$err" == *"row 2 (line 3), column g: an empty label"* ]]'
"$crvm" survival km "$and" --duration t --event status --delimiter '::' >/dev/null 2>&1
check "a --delimiter of two characters is a usage error" '[ $? -eq 2 ]'

# --- errors ----------------------------------------------------------------
err=$("$crvm" survival km "$d/missing.csv" --duration week --event arrest 2>&1 >/dev/null); code=$?
check "a missing file fails naming it as missing, on one line" \
    '[ $code -eq 1 ] && [[ "$err" == *"cannot open $d/missing.csv: No such file or directory" ]] && [ $(echo "$err" | wc -l) -eq 1 ]'
err=$("$crvm" survival km "$rossi" --duration week --event arrested 2>&1 >/dev/null); code=$?
check "a missing column fails naming it" '[ $code -eq 1 ] && [[ "$err" == *"no column '"'"'arrested'"'"'"* ]]'
printf 'week,arrest,fin\n20,1,0\n21,yes,1\n' > "$d/text.csv"
err=$("$crvm" survival km "$d/text.csv" --duration week --event arrest 2>&1 >/dev/null); code=$?
check "a non-numeric cell names row, line and column" \
    '[ $code -eq 1 ] && [[ "$err" == *"row 2 (line 3), column arrest: '"'"'yes'"'"': not a number"* ]]'
printf 'week,arrest,fin\n20,1,0\n21,2,1\n' > "$d/flag.csv"
err=$("$crvm" survival km "$d/flag.csv" --duration week --event arrest 2>&1 >/dev/null); code=$?
check "an event flag other than 0/1 names row and column" \
    '[ $code -eq 1 ] && [[ "$err" == *"row 2, column arrest: event 2 is not 0 or 1"* ]]'
printf 'week,arrest,fin\n-1,1,0\n21,0,1\n' > "$d/negative.csv"
err=$("$crvm" survival cox "$d/negative.csv" --duration week --event arrest fin 2>&1 >/dev/null); code=$?
check "a negative duration names row and column" \
    '[ $code -eq 1 ] && [[ "$err" == *"row 1, column week: duration -1 is negative"* ]]'
printf 'week,arrest,x,c\n1,1,0.3,5\n2,0,0.1,5\n3,1,0.7,5\n4,1,0.2,5\n' > "$d/constant.csv"
err=$("$crvm" survival cox "$d/constant.csv" --duration week --event arrest x c 2>&1 >/dev/null); code=$?
check "a constant covariate is named" '[ $code -eq 1 ] && [[ "$err" == *"covariate '"'"'c'"'"' (column 1) is constant"* ]]'
printf 'week,arrest\n' > "$d/empty.csv"
"$crvm" survival km "$d/empty.csv" --duration week --event arrest >/dev/null 2>&1
check "a table without rows fails" '[ $? -eq 1 ]'

"$crvm" survival >/dev/null 2>&1; check "no subcommand is a usage error" '[ $? -eq 2 ]'
"$crvm" survival weibull "$rossi" >/dev/null 2>&1; check "an unknown subcommand is a usage error" '[ $? -eq 2 ]'
"$crvm" survival km "$rossi" --duration week >/dev/null 2>&1; check "--event is required" '[ $? -eq 2 ]'
"$crvm" survival cox "$rossi" --duration week --event arrest >/dev/null 2>&1
check "cox needs a covariate" '[ $? -eq 2 ]'
"$crvm" survival cox "$rossi" --duration week --event arrest --ties exact fin >/dev/null 2>&1
check "an unknown --ties is a usage error" '[ $? -eq 2 ]'
"$crvm" survival cox "$rossi" --duration week --event arrest --group fin prio >/dev/null 2>&1
check "--group is a km option" '[ $? -eq 2 ]'
"$crvm" survival km "$rossi" --duration week --event arrest --alpha 1.5 >/dev/null 2>&1
check "--alpha outside (0, 1) is a usage error" '[ $? -eq 2 ]'
exit $fail
