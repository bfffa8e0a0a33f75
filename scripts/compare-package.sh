#!/usr/bin/env bash
# `samla package` and `samla verify` against the standard tools, in one run:
#   package: target <= 0.5 x (tar -cf + sha256sum over the same files, one after the other)
#   verify:  target <= 0.2 x (sha256sum -c over the unpacked files)
# on a generated extract with at least 2 GB of documents.
#
# Usage: scripts/compare-package.sh [WORK_DIR]   (default work/bench)
# Environment: MAPPER (default 1000), SIZE (bytes per document, default 660000), SAMLA_SCHEMAS.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

WORK=${1:-work/bench}
MAPPER=${MAPPER:-1000}
SIZE=${SIZE:-660000}
SCHEMAS=$(realpath "${SAMLA_SCHEMAS:-../shared/schemas}")
UUID=6b1c1a6e-3f2a-4c55-9d2e-7a0b5c4d3e21
RUNS=3

cargo build --release
SAMLA=$(realpath target/release/samla)
DIR="$WORK/package-m$MAPPER-d$SIZE"
if [[ ! -f "$DIR.done" ]]; then
    rm -rf "$DIR"
    "$SAMLA" --quiet generate --out "$DIR/src" --seed 5 --mapper "$MAPPER" --document-size "$SIZE" --schemas "$SCHEMAS"
    touch "$DIR.done"
fi
cd "$DIR"
docs=$(du -sb src/DOKUMENT | cut -f1)
echo "documents: $docs bytes in $(find src/DOKUMENT -type f | wc -l) files"

secs() { /usr/bin/time -f '%e' -o /tmp/samla-time "$@" > /dev/null 2>&1 || [[ $? -eq 1 ]]; cat /tmp/samla-time; }
best() { printf '%s\n' "$@" | sort -g | head -n 1; }

p=(); r=(); v=(); c=()
for run in $(seq 1 "$RUNS"); do
    rm -rf out ref.tar unpacked; sync
    p+=("$(secs "$SAMLA" --quiet package src --out out --uuid "$UUID" --schemas "$SCHEMAS")")
    sync
    t=$(secs tar -cf ref.tar -C src .)
    s=$(secs sh -c 'find src -type f -print0 | xargs -0 sha256sum > ref.sha256')
    r+=("$(awk -v a="$t" -v b="$s" 'BEGIN { print a + b }')")
    rm -f ref.tar; sync
    v+=("$(secs "$SAMLA" --quiet verify "out/$UUID.tar")")
    mkdir -p unpacked && tar -xf "out/$UUID.tar" -C unpacked && sync
    c+=("$(cd "unpacked/$UUID" && secs sha256sum -c --quiet manifest-sha256.txt)")
    echo "run $run: samla package ${p[-1]} s, tar -cf + sha256sum $t + $s s; samla verify ${v[-1]} s, sha256sum -c ${c[-1]} s"
done
bp=$(best "${p[@]}"); br=$(best "${r[@]}"); bv=$(best "${v[@]}"); bc=$(best "${c[@]}")
awk -v p="$bp" -v r="$br" -v v="$bv" -v c="$bc" 'BEGIN {
    printf "package: samla %.2f s, tar -cf + sha256sum %.2f s: ratio %.2f (target <= 0.50): %s\n", p, r, p / r, (p / r <= 0.5 ? "MET" : "NOT MET")
    printf "verify:  samla %.2f s, sha256sum -c %.2f s: ratio %.2f (target <= 0.20): %s\n", v, c, v / c, (v / c <= 0.2 ? "MET" : "NOT MET")
}'
