#!/usr/bin/env bash
# samla check on an extract whose first tittel holds N MB of text, for N in the arguments
# (default 16 64 200): the time must grow linearly with N (libxml2 2.9 alone is quadratic
# in the length of one element's text; see crates/samla-xsd/src/textcap.rs).
# Usage: scripts/bench-huge-text.sh [MB ...]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
samla=target/release/samla
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$samla" -q generate --out "$work/base" --mapper 3 --no-documents
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(16 64 200)
echo "MB   seconds  peak RSS (KB)"
for mb in "${sizes[@]}"; do
    rm -rf "$work/x"
    cp -r "$work/base" "$work/x"
    python3 - "$work/x/arkivstruktur.xml" "$mb" <<'PY'
import sys
path, mb = sys.argv[1], int(sys.argv[2])
text = open(path).read()
at = text.index("<tittel>") + len("<tittel>")
open(path, "w").write(text[:at] + "abcdefghij" * (mb * 1024 * 1024 // 10) + text[at:])
PY
    /usr/bin/time -f "%e %M" -o "$work/time" "$samla" -q check "$work/x" --report-json "$work/r.json" || true
    read -r seconds rss < <(tail -n 1 "$work/time")
    printf "%-4s %-8s %s\n" "$mb" "$seconds" "$rss"
done
