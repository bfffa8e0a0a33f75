#!/usr/bin/env bash
# samla run at scale: two generated municipalities with about REG registreringer each
# (metadata only, no documents), merged with the example job. Prints wall time, peak
# RSS and CPU utilisation (200 % = both cores) of the run.
# Usage: scripts/bench-run.sh [MAPPER]   (default 400000 mapper ≈ 1,000,000 registreringer per source)
# PLAN=1: with Nordre Follo's archive plan (`samla run --example-job --with-plan`: a
# Sakarkiv of the K-codes and an Elevmapper arkivdel, the classification crosswalk,
# kassasjon rules, the old arkivdeler continued).
# JOINS=1: the plan, the schools' pupil folders joined per child (20,000 children in both,
# Oppegård's under a D-number Folkeregisteret has replaced; 20,000 in each alone), and
# `[wash] apply = "A"` with a Folkeregisteret that holds every person party of both
# sources and 400,000 persons more (`benches/run_data.rs` makes them).
set -euo pipefail
cd "$(dirname "$0")/.."
mapper="${1:-400000}"
work="${WORK:-target/bench-run}"
export SAMLA_SCHEMAS="${SAMLA_SCHEMAS:-$PWD/../shared/schemas}"
cargo build -q --release
data="$work/data-$mapper"
for spec in "ski Ski 1" "oppegaard Oppegård 2"; do
    set -- $spec
    if [ ! -f "$data/$1/arkivuttrekk.xml" ]; then
        target/release/samla -q generate --out "$data/$1" --municipality "$2" --seed "$3" --mapper "$mapper" --no-documents
    fi
done
grep -c "<registrering " "$data/ski/arkivstruktur.xml" | sed 's/^/ski registreringer: /'
grep -c "<registrering " "$data/oppegaard/arkivstruktur.xml" | sed 's/^/oppegaard registreringer: /'
du -sh "$data/ski/arkivstruktur.xml" "$data/oppegaard/arkivstruktur.xml"
target/release/samla run --example-job > "$data/job.toml"
if [ "${PLAN:-0}" = 1 ]; then
    target/release/samla run --example-job --with-plan > "$data/job.toml"
fi
if [ "${JOINS:-0}" = 1 ]; then
    rm -rf "$data/vask" "$data/ski-skole" "$data/oppegaard-skole"
    cargo bench -q --bench run_data -- "$data"
fi
rm -rf "$data/nordre-follo" "$data/nordre-follo.partial"
/usr/bin/time -f "samla run: %e s wall, peak RSS %M KB, CPU %P (200%% = both cores)" \
    target/release/samla run --job "$data/job.toml"
du -sh "$data/nordre-follo"/*
