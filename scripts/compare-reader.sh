#!/usr/bin/env bash
# Times samla's streaming reader (the stream_units example) against `xmllint --stream`
# on one arkivstruktur.xml of at least 500 MB, and checks the targets: samla at least
# 2.0x as fast as xmllint, with peak RSS under 100 MB.
#
# Usage: scripts/compare-reader.sh [WORK_DIR]   (default work/bench)
# Environment: MAPPER (default 90000), SEED (default 1).
# A measurement, not a test: exits 0 whatever the verdict, non-zero if a tool fails.
# Sizes and speeds are in MB = 10^6 bytes; peak RSS is converted from KiB to MB too.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

WORK=${1:-work/bench}
MAPPER=${MAPPER:-90000}
SEED=${SEED:-1}
MIN_BYTES=500000000
TARGET_RATIO=2.0
TARGET_RSS_MB=100
RUNS=3

cargo build --release
cargo build --release -p samla-noark5 --example stream_units
SAMLA=target/release/samla
STREAM=target/release/examples/stream_units

# The extract is named by its parameters; the .done stamp marks a complete one to reuse.
EXTRACT="$WORK/reader-m$MAPPER-s$SEED-nodocs"
if [[ -f "$EXTRACT.done" && -f "$EXTRACT/arkivstruktur.xml" ]]; then
    echo "reusing $EXTRACT"
else
    rm -rf "$EXTRACT" "$EXTRACT.done"
    mkdir -p "$WORK"
    "$SAMLA" --quiet generate --out "$EXTRACT" --seed "$SEED" --mapper "$MAPPER" --no-documents
    touch "$EXTRACT.done"
fi
FILE="$EXTRACT/arkivstruktur.xml"
BYTES=$(stat -c %s "$FILE")
if (( BYTES < MIN_BYTES )); then
    echo "error: $FILE is $BYTES bytes, under $MIN_BYTES; raise MAPPER" >&2
    exit 1
fi

# Warm the page cache so both tools read from memory, not disk.
cat "$FILE" > /dev/null

# Runs "$@" once under /usr/bin/time; prints "seconds peak_kib".
timed() {
    local out
    out=$(mktemp)
    if ! /usr/bin/time -f '%e %M' -o "$out" "$@" > /dev/null; then
        echo "error: failed: $*" >&2
        cat "$out" >&2
        rm -f "$out"
        return 1
    fi
    tail -n 1 "$out"
    rm -f "$out"
}

# Best (lowest) time of RUNS for each tool, and the highest peak RSS seen; the two tools
# alternate so that background load hits both alike.
best_s=(999999 999999)
peak_k=(0 0)
for run in $(seq 1 "$RUNS"); do
    for i in 0 1; do
        if (( i == 0 )); then
            name=samla result=$(timed "$STREAM" "$FILE")
        else
            name=xmllint result=$(timed xmllint --stream --noout "$FILE")
        fi
        read -r s k <<< "$result"
        echo "run $run: $name $s s, $k KiB"
        best_s[i]=$(awk -v a="${best_s[i]}" -v b="$s" 'BEGIN { print (b < a ? b : a) }')
        if (( k > peak_k[i] )); then peak_k[i]=$k; fi
    done
done

awk -v bytes="$BYTES" -v s0="${best_s[0]}" -v s1="${best_s[1]}" -v k0="${peak_k[0]}" -v k1="${peak_k[1]}" \
    -v target="$TARGET_RATIO" -v target_rss="$TARGET_RSS_MB" -v file="$FILE" -v runs="$RUNS" '
BEGIN {
    mb = bytes / 1e6
    printf "file:     %s, %.1f MB (%d bytes)\n", file, mb, bytes
    printf "samla:    %.2f s (best of %d), %.1f MB/s, peak RSS %.1f MB\n", s0, runs, mb / s0, k0 * 1024 / 1e6
    printf "xmllint:  %.2f s (best of %d), %.1f MB/s, peak RSS %.1f MB\n", s1, runs, mb / s1, k1 * 1024 / 1e6
    ratio = s1 / s0
    printf "ratio xmllint_time / samla_time: %.2f (target >= %.1f)\n", ratio, target
    if (ratio >= target) print "speed verdict:  MET"
    else printf "speed verdict:  NOT MET: %.2fx short; samla must reach %.2f s (%.0f%% less time)\n", \
        target - ratio, s1 / target, 100 * (1 - (s1 / target) / s0)
    rss = k0 * 1024 / 1e6
    if (rss < target_rss) printf "memory verdict: MET (%.1f MB < %d MB)\n", rss, target_rss
    else printf "memory verdict: NOT MET: %.1f MB, %.1f MB over %d MB\n", rss, rss - target_rss, target_rss
}'
