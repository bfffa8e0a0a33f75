#!/usr/bin/env bash
# Compares samla's fødselsnummer/D-number check with NAV's @navikt/fnrvalidator (npm) on
# generated vectors: half valid (some only by the 2032 rule), half with one digit changed
# or two swapped. Every number whose verdict either side gives as fødselsnummer or
# D-number must agree. Usage: scripts/compare-fnrvalidator.sh [N] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"
seed="${2:-7}"
work="${FNRVALIDATOR_DIR:-target/fnrvalidator}"
mkdir -p "$work"
if [ ! -f "$work/node_modules/@navikt/fnrvalidator/package.json" ]; then
    (cd "$work" && npm install --silent --no-audit --no-fund --prefix . @navikt/fnrvalidator@2.2.1 >/dev/null)
fi
cargo run -q --release -p samla-ids --example vectors -- "$n" "$seed" > "$work/vectors.txt"
node - "$work" <<'JS'
const path = require('path')
const fs = require('fs')
const dir = process.argv[2]
const { idnr } = require(path.resolve(dir, 'node_modules/@navikt/fnrvalidator'))
const lines = fs.readFileSync(path.join(dir, 'vectors.txt'), 'utf8').split('\n').filter(Boolean)
let agree = 0, disagree = 0, valid = 0
const shown = []
for (const line of lines) {
  const [number, samla, kind] = line.split(';')
  const r = idnr(number)
  // Compared: is it a valid fødselsnummer or D-number? Other kinds (H, synthetic, FH)
  // count as "not one" on both sides.
  const theirs = r.status === 'valid' && (r.type === 'fnr' || r.type === 'dnr')
  const ours = samla === 'valid' && (kind === 'fnr' || kind === 'dnr')
  if (ours) valid++
  if (theirs === ours) agree++
  else { disagree++; if (shown.length < 10) shown.push(`${number}: samla ${samla}/${kind}, fnrvalidator ${JSON.stringify(r)}`) }
}
console.log(`${lines.length} numbers (${valid} valid fødselsnummer or D-number by samla): ${agree} agree, ${disagree} disagree`)
for (const s of shown) console.log('  ' + s)
process.exit(disagree === 0 && lines.length > 0 ? 0 : 1)
JS
