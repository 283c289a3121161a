#!/usr/bin/env bash
# crvm report end to end on a simulated business: the CSV load, the value
# fit and every figure of the report, written as HTML. Time and peak memory
# from GNU time. Usage: bench/bench_report.sh [customers=1000000] [build=build]
set -euo pipefail
customers=${1:-1000000}
root=$(cd "$(dirname "$0")/.." && pwd)
crvm="$root/${2:-build}/cli/crvm"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$crvm" simulate --customers "$customers" --seed 7 --out "$dir/data"
/usr/bin/time -f "crvm report: %e s wall, %U s user, %S s system, %M kB peak resident" \
    "$crvm" report "$dir/data" --format html --out "$dir/report.html"
ls -l "$dir/report.html"
