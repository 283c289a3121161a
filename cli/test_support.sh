# Shared by the CLI shell tests (sourced): check NAME CONDITION records a
# result; printed_matches compares a figure of the text in $out with a
# published one.
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi; }
# printed_matches NAME PUBLISHED TOLERANCE [FIELDS]: the line of $out whose
# first field is NAME (and that has FIELDS fields, when given) prints a
# second field within TOLERANCE of PUBLISHED.
printed_matches() {
    echo "$out" | awk -v n="$1" -v want="$2" -v tol="$3" -v nf="${4:-0}" \
        '$1 == n && (nf == 0 || NF == nf) { found = 1; d = $2 - want; if (d < 0) d = -d; ok = d <= tol } END { exit !(found && ok) }'
}
