#!/usr/bin/env bash
# Times `samla generate --no-documents` of 400,200 mapper (1,000,000+ registreringer)
# and checks the targets: under 60 s and under 200 MB peak RSS. Deletes its output after.
#
# Usage: scripts/bench-generate.sh [WORK_DIR]   (default work/bench)
# Environment: MAPPER (default 400200: with seed 1, 400,100 mapper give 999,992), SEED (default 1).
# A measurement, not a test: exits 0 whatever the verdict, non-zero if a tool fails.
# Peak RSS is converted from KiB to MB (10^6 bytes).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

WORK=${1:-work/bench}
MAPPER=${MAPPER:-400200}
SEED=${SEED:-1}
TARGET_S=60
TARGET_RSS_MB=200

cargo build --release
SAMLA=target/release/samla

# A fresh output folder (generate needs it absent or empty), removed on any exit.
mkdir -p "$WORK"
OUT=$(mktemp -d "$WORK/generate.XXXXXX")
TIMES=$(mktemp)
trap 'rm -rf "$OUT" "$TIMES"' EXIT
rmdir "$OUT"

/usr/bin/time -f '%e %M' -o "$TIMES" \
    "$SAMLA" generate --out "$OUT" --seed "$SEED" --mapper "$MAPPER" --no-documents
read -r SECONDS_USED PEAK_KIB < <(tail -n 1 "$TIMES")

# Count what was written, from `samla inspect` (reads every file completely).
INSPECT=$("$SAMLA" inspect "$OUT")
REGISTRERINGER=$(awk '$1 == "registrering/journalpost" { print $2 }' <<< "$INSPECT")
[[ -n "$REGISTRERINGER" ]] || { echo "error: no registrering/journalpost line in samla inspect output" >&2; exit 1; }
BYTES=$(du -sb "$OUT" | cut -f1)

awk -v s="$SECONDS_USED" -v k="$PEAK_KIB" -v n="$REGISTRERINGER" -v m="$MAPPER" -v bytes="$BYTES" \
    -v target_s="$TARGET_S" -v target_rss="$TARGET_RSS_MB" '
BEGIN {
    rss = k * 1024 / 1e6
    printf "generated: %d mapper, %d registreringer, %.1f MB written\n", m, n, bytes / 1e6
    printf "elapsed:   %.2f s (%.0f registreringer/s, %.1f MB/s)\n", s, n / s, bytes / 1e6 / s
    printf "peak RSS:  %.1f MB\n", rss
    if (n < 1000000) printf "warning: under 1,000,000 registreringer; raise MAPPER\n"
    if (s < target_s) printf "time verdict:   MET (%.2f s < %d s)\n", s, target_s
    else printf "time verdict:   NOT MET: %.2f s, %.2f s over %d s\n", s, s - target_s, target_s
    if (rss < target_rss) printf "memory verdict: MET (%.1f MB < %d MB)\n", rss, target_rss
    else printf "memory verdict: NOT MET: %.1f MB, %.1f MB over %d MB\n", rss, rss - target_rss, target_rss
}'
