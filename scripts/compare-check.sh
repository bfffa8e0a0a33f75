#!/usr/bin/env bash
# Times a metadata-only `samla check` (all content controls plus N5.03) against
# `xmllint --stream --noout --schema arkivstruktur.xsd` on the same arkivstruktur.xml of at
# least 1 GB, in one run, and prints the ratio (target, issue 14: samla at most 1.0x xmllint's time).
#
# The extract checked holds arkivstruktur.xml (a hard link to the generated one),
# arkivuttrekk.xml and the official XSDs, and no journals or endringslogg: like xmllint,
# samla then reads only arkivstruktur.xml (plus the small arkivuttrekk.xml). Findings about
# the missing journals do not change the work measured.
#
# Usage: scripts/compare-check.sh [WORK_DIR]   (default work/bench)
# Environment: MAPPER (default 185000), SEED (default 1), SAMLA_SCHEMAS (default ../shared/schemas).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

WORK=${1:-work/bench}
MAPPER=${MAPPER:-185000}
SEED=${SEED:-1}
SCHEMAS=${SAMLA_SCHEMAS:-../shared/schemas}
MIN_BYTES=1000000000
RUNS=3

cargo build --release
SAMLA=target/release/samla

SOURCE="$WORK/check-m$MAPPER-s$SEED-nodocs"
if [[ -f "$SOURCE.done" && -f "$SOURCE/arkivstruktur.xml" ]]; then
    echo "reusing $SOURCE"
else
    rm -rf "$SOURCE" "$SOURCE.done"
    mkdir -p "$WORK"
    "$SAMLA" --quiet generate --out "$SOURCE" --seed "$SEED" --mapper "$MAPPER" --no-documents --schemas "$SCHEMAS"
    touch "$SOURCE.done"
fi
BYTES=$(stat -c %s "$SOURCE/arkivstruktur.xml")
if (( BYTES < MIN_BYTES )); then
    echo "error: arkivstruktur.xml is $BYTES bytes, under $MIN_BYTES; raise MAPPER" >&2
    exit 1
fi
EXTRACT="$WORK/check-only-arkivstruktur"
rm -rf "$EXTRACT"
mkdir -p "$EXTRACT"
ln "$SOURCE/arkivstruktur.xml" "$EXTRACT/arkivstruktur.xml"
cp "$SOURCE"/arkivuttrekk.xml "$SOURCE"/*.xsd "$EXTRACT/"
XSD="$EXTRACT/arkivstruktur.xsd"
cat "$SOURCE/arkivstruktur.xml" > /dev/null   # warm the page cache

timed() {
    local out
    out=$(mktemp)
    # samla exits 1 on findings (the missing journals); only 2 is a failure to run.
    /usr/bin/time -f '%e %M' -o "$out" "$@" > /dev/null 2>&1 || [[ $? -eq 1 ]]
    tail -n 1 "$out"
    rm -f "$out"
}

best=(999999 999999)
peak=(0 0)
for run in $(seq 1 "$RUNS"); do
    for i in 0 1; do
        if (( i == 0 )); then
            name=samla result=$(timed "$SAMLA" --quiet check "$EXTRACT" --schemas "$SCHEMAS")
        else
            name=xmllint result=$(timed xmllint --stream --noout --schema "$XSD" "$EXTRACT/arkivstruktur.xml")
        fi
        read -r s k <<< "$result"
        echo "run $run: $name $s s, $k KiB"
        best[i]=$(awk -v a="${best[i]}" -v b="$s" 'BEGIN { print (b < a ? b : a) }')
        if (( k > peak[i] )); then peak[i]=$k; fi
    done
done
awk -v bytes="$BYTES" -v s0="${best[0]}" -v s1="${best[1]}" -v k0="${peak[0]}" -v k1="${peak[1]}" -v runs="$RUNS" '
BEGIN {
    mb = bytes / 1e6
    printf "arkivstruktur.xml: %.1f MB\n", mb
    printf "samla check:       %.2f s (best of %d), peak RSS %.1f MB\n", s0, runs, k0 * 1024 / 1e6
    printf "xmllint --schema:  %.2f s (best of %d), peak RSS %.1f MB\n", s1, runs, k1 * 1024 / 1e6
    ratio = s0 / s1
    printf "ratio samla_time / xmllint_time: %.2f (target <= 1.00): %s\n", ratio, (ratio <= 1.0 ? "MET" : "NOT MET")
}'
