#!/usr/bin/env bash
# Crash test of `stepwell serve` (issue 4): several hundred executions waiting
# on timers and callbacks, `kill -9` mid-flight (twice) and restart on the same
# database; every history must equal an uninterrupted run's. See
# tests/e2e/crash_test.py. Builds target/release/stepwell first unless
# STEPWELL_BIN names a binary. Arguments go to crash_test.py (--executions N, --keep).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${STEPWELL_BIN:-}" ]; then
  cargo build --release --quiet -p stepwell
  STEPWELL_BIN="$PWD/target/release/stepwell"
fi
export STEPWELL_BIN
# shellcheck source=scripts/e2e-venv.sh
. scripts/e2e-venv.sh
exec "$E2E_PY" tests/e2e/crash_test.py "$@"
