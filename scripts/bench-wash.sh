#!/usr/bin/env bash
# samla wash at scale: PERSONS persons in Folkeregisteret, as many addresses in
# Matrikkelen, RECORDS person records (plus organisation and address inputs), all
# generated. Prints wall time, peak RSS, CPU utilisation and the quality figures.
# Usage: scripts/bench-wash.sh [PERSONS] [RECORDS]   (defaults 1000000 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
persons="${1:-1000000}"
records="${2:-1000000}"
work="${WORK:-target/bench-wash}"
cargo build -q --release
data="$work/data-$persons-$records"
if [ ! -f "$data/truth.csv" ]; then
    /usr/bin/time -f "generated in %e s, peak RSS %M KB" target/release/samla -q generate-registers --out "$data" \
        --seed 11 --persons "$persons" --addresses "$persons" --organisations $((persons / 10)) --records "$records"
fi
du -sh "$data/registers" "$data/input"
/usr/bin/time -f "wash: %e s wall, peak RSS %M KB, CPU %P (200%% = both cores)" \
    target/release/samla wash --job "$data/wash.toml" --truth "$data/truth.csv" 2>&1 | grep -v "manual:"
