#!/usr/bin/env bash
# Compares samla's fødselsnummer/D-number check with NAV's @navikt/fnrvalidator (npm) on
# 100,000 generated numbers (FNR_VECTORS to change): half valid, some only by the 2032
# rule, half with one digit changed or two swapped. Prints the agreement.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test -q --release -p samla-ids --test fnrvalidator -- --nocapture 2>&1 | grep -E "numbers|agree|disagree|^  "
