#!/usr/bin/env bash
# The lookup service's benchmark, per size (default 100,000 and 1,000,000 registreringer):
#   - `samla index` against `samla inspect` on the same generated extract, in the same run:
#     wall time, the ratio (target ≤ 2×), and index peak RSS (target < 1 GB);
#   - `samla serve` under 16 concurrent clients on keep-alive connections
#     (examples/http_load.rs): search (every search logged durably; target ≥ 500 req/s,
#     p95 ≤ 20 ms) and opening a mappe (target p95 ≤ 10 ms), and the server's peak RSS
#     (target < 300 MB).
#
# Usage: scripts/bench-lookup.sh [WORK_DIR]   (default work/bench)
# Environment: SIZES (registreringer, default "100000 1000000"), CLIENTS (16), LOAD_SECONDS (10),
# RUNS (inspect and index each run this many times, in turn; default 2).
# Extracts are generated without documents (metadata is what the index and search hold;
# documents are read in place when served). A measurement, not a test: exits 0 whatever
# the verdict, non-zero if a tool fails. MB = 10^6 bytes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

WORK=${1:-work/bench}
SIZES=${SIZES:-"100000 1000000"}
CLIENTS=${CLIENTS:-16}
SECONDS_EACH=${LOAD_SECONDS:-10}
RUNS=${RUNS:-2}

cargo build --release --quiet
cargo build --release --quiet --example http_load
SAMLA=target/release/samla
LOAD=target/release/examples/http_load

mkdir -p "$WORK"
BENCH=$(mktemp -d "$WORK/lookup.XXXXXX")
SERVER=""
trap '[[ -n "$SERVER" ]] && kill "$SERVER" 2>/dev/null; rm -rf "$BENCH"' EXIT

echo "machine: $(nproc) cores, $(date -u), $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
for N in $SIZES; do
    # With seed 1, 0.4002 mapper per registrering gives just under N.
    MAPPER=$(( N * 4002 / 10000 ))
    X="$BENCH/x$N"
    "$SAMLA" -q generate --out "$X" --seed 1 --mapper "$MAPPER" --no-documents
    # The generated files reach the disk before anything is timed.
    sync
    REG=$("$SAMLA" inspect "$X" | awk '$1 == "registrering/journalpost" { print $2 }')
    # inspect and index in turn, RUNS times each; the best of each is compared (the
    # machine's own noise, page cache and CPU, reaches seconds at 1M on two cores).
    : > "$BENCH/t.inspect.all"; : > "$BENCH/t.index.all"
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -f '%e %M' -o "$BENCH/t" "$SAMLA" -q inspect "$X" >/dev/null
        tail -n 1 "$BENCH/t" >> "$BENCH/t.inspect.all"
        rm -rf "$BENCH/i$N"
        /usr/bin/time -f '%e %M' -o "$BENCH/t" "$SAMLA" -q index "$X" --out "$BENCH/i$N"
        tail -n 1 "$BENCH/t" >> "$BENCH/t.index.all"
    done
    read -r INSPECT_S INSPECT_KIB < <(sort -n "$BENCH/t.inspect.all" | head -n 1)
    read -r INDEX_S _ < <(sort -n "$BENCH/t.index.all" | head -n 1)
    INDEX_KIB=$(sort -k2 -n "$BENCH/t.index.all" | tail -n 1 | cut -d' ' -f2)
    echo "  runs (s): inspect $(cut -d' ' -f1 "$BENCH/t.inspect.all" | paste -sd' '), index $(cut -d' ' -f1 "$BENCH/t.index.all" | paste -sd' ')"
    awk -v n="$REG" -v is="$INSPECT_S" -v xs="$INDEX_S" -v xk="$INDEX_KIB" -v ik="$INSPECT_KIB" 'BEGIN {
        printf "\n%d registreringer (best of each)\n", n
        printf "  inspect: %.2f s, peak %.0f MB\n", is, ik * 1024 / 1e6
        printf "  index:   %.2f s, peak %.0f MB (largest); index/inspect = %.2fx (target <= 2x: %s); memory %s\n", xs, xk * 1024 / 1e6, xs / is,
            (xs / is <= 2 ? "MET" : "NOT MET"), (xk * 1024 < 1e9 ? "MET (< 1 GB)" : "NOT MET (>= 1 GB)")
    }'
    du -sh "$BENCH/i$N" | awk '{ print "  index size: " $1 }'

    # A policy with one user who sees everything.
    printf '[[role]]\nname = "arkivar"\ngrants = [{}]\n' > "$BENCH/policy.toml"
    echo "benchmark-passord" | "$SAMLA" -q serve user add "$BENCH/i$N" --policy "$BENCH/policy.toml" --name bench --role arkivar
    PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$SAMLA" -q serve "$BENCH/i$N" --policy "$BENCH/policy.toml" --listen "127.0.0.1:$PORT" > "$BENCH/serve.log" 2>&1 &
    SERVER=$!
    until grep -q listening "$BENCH/serve.log"; do sleep 0.1; done
    AUTH="Authorization: Basic $(printf 'bench:benchmark-passord' | base64)"
    # Mapper to open: systemIDs from the API's own list.
    mapfile -t MAPPER_PATHS < <(curl -s -H "$AUTH" "http://127.0.0.1:$PORT/noark5v5/api/arkivstruktur/mappe/?\$top=500" \
        | python3 -c 'import json, sys; print("\n".join("/enhet/" + r["systemID"] for r in json.load(sys.stdin)["results"]))')
    # Searches: common words of the generated titles, one and two words, with a filter.
    SEARCHES=()
    for Q in s%C3%B8knad byggesak barnehageplass spesialundervisning skoleskyss startl%C3%A5n klage vedtak \
        "s%C3%B8knad+om+barnehageplass" "byggesak+tilbygg" "klage+vedtak" "sakkyndig+vurdering"; do
        SEARCHES+=("/?q=$Q" "/?q=$Q&type=mappe" "/?q=$Q&fra=2015&til=2018")
    done
    # And twelve identifiers (systemIDs of mapper), which the store finds by row.
    for P in "${MAPPER_PATHS[@]:0:12}"; do
        SEARCHES+=("/?q=${P#/enhet/}")
    done
    echo "  search (${#SEARCHES[@]} queries), $CLIENTS clients, ${SECONDS_EACH} s, every search logged:"
    echo "    $("$LOAD" "127.0.0.1:$PORT" "$CLIENTS" "$SECONDS_EACH" "$AUTH" "${SEARCHES[@]}")"
    echo "  open a mappe (${#MAPPER_PATHS[@]} mapper), $CLIENTS clients, ${SECONDS_EACH} s, every opening logged:"
    echo "    $("$LOAD" "127.0.0.1:$PORT" "$CLIENTS" "$SECONDS_EACH" "$AUTH" "${MAPPER_PATHS[@]}")"
    echo "  server peak RSS: $(awk '/VmHWM/ { printf "%.0f MB", $2 * 1024 / 1e6 }' "/proc/$SERVER/status") (target < 300 MB)"
    echo "  $("$SAMLA" verify-log "$BENCH/i$N")"
    kill "$SERVER"
    wait "$SERVER" 2>/dev/null || true
    SERVER=""
    rm -rf "$X"
done
