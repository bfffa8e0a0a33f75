// Compares samla's verdicts (vectors.txt: number;valid|invalid;kind) with NAV's
// @navikt/fnrvalidator, installed in the folder given as the only argument.
// Run by crates/samla-ids/tests/fnrvalidator.rs.
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
