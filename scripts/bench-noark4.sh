#!/usr/bin/env bash
# samla convert of a generated Noark 4 extract with about 2.5 × MAPPER journalposter
# (metadata only, no documents), RUNS times. The table files are read once before each
# run, so every run starts with them in the page cache. Prints each run's wall time,
# journalposter per second, peak RSS and CPU (200 % = both cores), then the best and the
# median, and checks that every run wrote the same arkivstruktur.xml.
# Usage: scripts/bench-noark4.sh [MAPPER] [RUNS]   (default 400000 mapper ≈ 1,000,000 JOURNPST rows, 5 runs)
set -euo pipefail
cd "$(dirname "$0")/.."
mapper="${1:-400000}"
runs="${2:-5}"
work="${WORK:-target/bench-noark4}"
cargo build -q --release
data="$work/n4-$mapper"
if [ ! -f "$data/NOARKIH.XML" ]; then
    target/release/samla -q generate --format noark4 --out "$data" --mapper "$mapper" --no-documents --seed 1
fi
jp=$(grep -c "<JOURNPOST>" "$data"/JOURNP*.XML | awk -F: '{n += $2} END {print n}')
echo "extract: $data, $jp JOURNPST rows, $(du -shL "$data" | cut -f1)"
out="$work/out"
: > "$work/times"
for i in $(seq "$runs"); do
    cat "$data"/*.XML > /dev/null
    rm -rf "$out"
    /usr/bin/time -o "$work/time" -f "%e %M %P" target/release/samla -q convert "$data" --out "$out" > /dev/null
    read -r secs rss cpu < "$work/time"
    sha=$(sha256sum "$out/arkivstruktur.xml" | cut -c1-16)
    printf 'run %d: %6.2f s  %8.0f journalposter/s  peak RSS %4d MB  CPU %s  arkivstruktur.xml %s\n' \
        "$i" "$secs" "$(echo "$jp / $secs" | bc -l)" "$((rss / 1024))" "$cpu" "$sha"
    echo "$secs $sha" >> "$work/times"
done
sort -n "$work/times" | awk -v jp="$jp" '{t[NR] = $1} END {
    printf "best %.2f s (%.0f journalposter/s), median %.2f s (%.0f journalposter/s)\n",
        t[1], jp / t[1], t[int((NR + 1) / 2)], jp / t[int((NR + 1) / 2)]}'
if [ "$(cut -d' ' -f2 "$work/times" | sort -u | wc -l)" -ne 1 ]; then
    echo "the runs wrote different arkivstruktur.xml" >&2
    exit 1
fi
