#!/usr/bin/env bash
# samla wash against Splink (PyPI splink, DuckDB backend) on the same generated data and
# ground truth: PERSONS in Folkeregisteret, RECORDS person records from two
# municipalities. Prints wall time, precision, recall and F1 of each, and the ratio.
# Usage: scripts/compare-splink.sh [PERSONS] [RECORDS]   (defaults 200000 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
persons="${1:-200000}"
records="${2:-100000}"
work="${WORK:-target/compare-splink}"
venv="${SPLINK_VENV:-target/splink-venv}"
mkdir -p "$work"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import splink" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check "splink==5.0.0"
fi
cargo build -q --release
samla=target/release/samla
data="$work/data-$persons-$records"
if [ ! -f "$data/truth.csv" ]; then
    $samla -q generate-registers --out "$data" --seed 11 --persons "$persons" --addresses "$persons" \
        --organisations 1000 --records "$records"
fi
# The same person records Splink links; samla also washes their addresses and kommunenummer.
cat > "$data/persons.toml" <<'TOML'
[job]
name = "Personer: samla mot Splink"
out = "washed-persons"

[[snapshot]]
id = "freg"
register = "folkeregisteret"
path = "registers/freg.jsonl"
as_of = "2026-11-01"

[[snapshot]]
id = "matrikkel"
register = "matrikkelen"
path = "registers/adresser.csv"
as_of = "2026-11-01"

[[snapshot]]
id = "klass131"
register = "kommuneendringer"
path = "registers/kommuneendringer.csv"
as_of = "2026-11-01"

[[input]]
name = "ski-klienter"
path = "input/ski-klienter.csv"
entity = "person"
key = "klient_id"
columns = { fnr = "fodselsnummer", name = "navn", birth_date = "fodt", address = "adresse", postnummer = "postnr", kommunenummer = "kommunenr" }

[[input]]
name = "oppegard-klienter"
path = "input/oppegard-klienter.csv"
entity = "person"
key = "klient_id"
columns = { fnr = "fodselsnummer", name = "navn", birth_date = "fodt", address = "adresse", postnummer = "postnr", kommunenummer = "kommunenr" }
TOML
start=$(date +%s.%N)
samla_out=$($samla -q wash --job "$data/persons.toml" --truth "$data/truth.csv")
samla_s=$(echo "$(date +%s.%N) - $start" | bc)
start=$(date +%s.%N)
splink_out=$("$venv/bin/python" scripts/splink_link.py "$data" 2>&1 | grep '^splink:')
splink_s=$(echo "$(date +%s.%N) - $start" | bc)
persons_line=$(echo "$samla_out" | grep 'all persons')
echo "data: $persons persons in Folkeregisteret, $records person records ($data)"
printf 'samla : %6.1f s wall, %s\n' "$samla_s" "$(echo "$persons_line" | sed 's/^ *all persons *//')"
printf 'splink: %6.1f s wall, %s\n' "$splink_s" "$(echo "$splink_out" | sed 's/^splink: [0-9.]* s, //')"
printf 'samla is %.1fx faster\n' "$(echo "$splink_s / $samla_s" | bc -l)"
