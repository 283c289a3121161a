#!/usr/bin/env bash
# The crvm command: exit codes, usage errors, and the retention fit against
# Fader & Hardie (2007)'s published sBG estimates for the "regular" cohort
# (alpha = 0.704, beta = 1.182 from years 0-7).
set -u
crvm="$1"
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi; }

out=$("$crvm" version); check "version prints the library version" '[[ "$out" =~ ^crvm\ [0-9]+\.[0-9]+\.[0-9]+$ ]]'
"$crvm" >/dev/null 2>&1; check "no command is a usage error" '[ $? -eq 2 ]'
"$crvm" frobnicate >/dev/null 2>&1; check "unknown command is a usage error" '[ $? -eq 2 ]'
"$crvm" --help | grep -q retention; check "help lists the commands" '[ $? -eq 0 ]'

out=$("$crvm" retention 1000 631 468 382 326 289 262 241)
check "retention fit succeeds" '[ $? -eq 0 ]'
check "sBG estimates match the published alpha and beta" \
    'echo "$out" | grep -Eq "^sBG +0\.704[0-9] \([0-9.]+\) +1\.182[0-9]"'
check "projection covers 5 periods beyond the data" 'echo "$out" | grep -Eq "^ +12 "'

err=$("$crvm" retention 1000 abc 2>&1 >/dev/null); code=$?
check "a bad count is rejected naming it" '[ $code -eq 2 ] && [[ "$err" == *"COUNT1"* ]]'
err=$("$crvm" retention 1000 1200 900 2>&1 >/dev/null); code=$?
check "increasing counts give the library's message" '[ $code -eq 1 ] && [[ "$err" == *"period"* ]]'
"$crvm" retention --discount -1 1000 500 300 >/dev/null 2>&1
check "a negative discount rate is refused" '[ $? -eq 1 ]'

# Every command: exit 2 on bad usage, 1 on bad data, each with one line on
# stderr naming the problem (the usage is for --help).
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
printf 'x\n' > "$d/notadir"
one_line() { # expected-status needle command...
    local want="$1" needle="$2"; shift 2
    local err code
    err=$("$crvm" "$@" 2>&1 >/dev/null); code=$?
    check "crvm $* -> exit $want, one line naming '$needle'" \
        '[ $code -eq $want ] && [ $(printf "%s\n" "$err" | wc -l) -eq 1 ] && [[ "$err" == *"$needle"* ]]'
}
one_line 2 "no command" 
one_line 2 "unknown command 'frobnicate'" frobnicate
one_line 2 "--bogus" retention --bogus 1
one_line 2 "at least two counts" retention 1000
one_line 2 "--bogus" simulate --bogus 1
one_line 2 "--customers and --out" simulate --seed 1
one_line 2 "no data directory" load
one_line 2 "--bogus" load --bogus
one_line 1 "No such file or directory" load "$d/missing"
one_line 1 "No such file or directory" report "$d/missing"
one_line 2 "--bogus" report --bogus
one_line 2 "'km' or 'cox'" survival
one_line 2 "--duration and --event" survival km "$d/notadir"
one_line 1 "No such file or directory" survival km "$d/missing.csv" --duration t --event e
one_line 2 "--customer and --date" transactions "$d/notadir"
one_line 1 "No such file or directory" transactions "$d/missing.csv" --customer c --date d
one_line 2 "--bogus" demo --bogus
one_line 2 "unknown command 'nonsense'" help nonsense
exit $fail
