#!/usr/bin/env bash
# Times `samla check` of a large ADDML flat-file extract: Arkivverket's hunting register
# (jegerregisteret98-small, 236 records of 186 characters) repeated COPIES times, with
# field processes on every field (frequency list, min/max lengths, not-null, count of
# empty values), the primary key checked and a SHA-256 checksum stated for the file. Prints
# records per second, MB/s and peak RSS. Deletes its work folder after.
#
# Usage: scripts/bench-flat.sh [WORK_DIR]   (default work/bench)
# Environment: COPIES (default 10000, 2.36 M records, 449 MB).
# A measurement, not a test: exits 0 whatever the figures, non-zero if a tool fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

WORK=${1:-work/bench}
COPIES=${COPIES:-10000}
TAR=../shared/fixtures/arkade/packages/jegerregisteret98-small/20b5f34c-4411-47c3-a0f9-0a8bca631603.tar

cargo build --release
SAMLA=target/release/samla

mkdir -p "$WORK"
DIR=$(mktemp -d "$WORK/flat.XXXXXX")
trap '[[ -n "${KEEP:-}" ]] || rm -rf "$DIR"' EXIT
tar -xf "$TAR" -C "$DIR"
DAT="$DIR/content/jeger.dat"
ONE=$(mktemp -p "$DIR")
mv "$DAT" "$ONE"
for _ in $(seq "$COPIES"); do cat "$ONE"; done > "$DAT"
rm "$ONE"
RECORDS=$((236 * COPIES))
SUM=$(sha256sum "$DAT" | cut -d' ' -f1)

# Processes on every field of the record, the key, and the file's checksum and count.
ADDML="$DIR/administrative_metadata/addml.xml"
python3 - "$ADDML" "$SUM" "$RECORDS" <<'EOF'
import re, sys
path, digest, records = sys.argv[1:]
x = open(path, encoding="utf-8").read()
fields = re.findall(r'<fieldDefinition name="([^"]+)"', x)
procs = "".join(
    f'<fieldProcesses definitionReference="{f}"><processes>'
    '<process name="Analyse_FrequencyList"/><process name="Analyse_FindMinMaxLengths"/>'
    '<process name="Control_NotNull"/><process name="Analyse_CountNULL"/>'
    '</processes></fieldProcesses>' for f in fields)
x = x.replace('<process name="Control_NumberOfRecords"/>\n                  </processes>',
              '<process name="Control_NumberOfRecords"/><process name="Control_Key"/></processes>' + procs, 1)
prop = ('<property name="numberOfRecords"><value>%s</value></property>'
        '<property name="checksum"><properties><property name="algorithm"><value>SHA256</value></property>'
        '<property name="value"><value>%s</value></property></properties></property></properties>' % (records, digest))
x = x.replace("</properties>", prop, 1)
open(path, "w", encoding="utf-8").write(x)
EOF

BYTES=$(stat -c %s "$DAT")
TIMES=$(mktemp -p "$DIR")
/usr/bin/time -f '%e %M' -o "$TIMES" "$SAMLA" -q check "$DIR" --report-json "$DIR/report.json" || true
read -r SECONDS_USED PEAK_KIB < <(tail -n 1 "$TIMES")
FOUND=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["registreringer"])' "$DIR/report.json")
[[ "$FOUND" == "$RECORDS" ]] || { echo "error: samla read $FOUND records, expected $RECORDS" >&2; exit 1; }

awk -v s="$SECONDS_USED" -v k="$PEAK_KIB" -v n="$RECORDS" -v bytes="$BYTES" 'BEGIN {
    printf "samla check, flat file: %d records, %.1f MB in %.2f s: %.0f records/s, %.1f MB/s, peak RSS %.1f MB\n",
        n, bytes / 1e6, s, n / s, bytes / 1e6 / s, k * 1024 / 1e6
}'
