#!/usr/bin/env bash
# Stepwell's test command (the one the README gives): every crate's tests,
# the server's end-to-end checks and crash test (they install the AWS CLI and
# boto3 from PyPI into target/e2e-venv), then the conformance gates against
# the shared, AWS-recorded suites.
# The gates need ../shared beside this repository; without it they are
# skipped with a message and the crate tests still run.
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${STEPWELL_SHARED:-../shared}"
gates=0

# A real PostgreSQL server for the PostgreSQL store's gates (scripts/postgres.sh
# installs Debian's postgresql when it finds no server). Without one they are
# skipped with a message, unless STEPWELL_REQUIRE_POSTGRES=1 (CI sets it).
pg_dir="$PWD/target/pg"
pg=0
mkdir -p target
if ./scripts/postgres.sh start "$pg_dir" >/dev/null 2>target/pg-start.log; then
  pg=1
  trap './scripts/postgres.sh stop "$pg_dir"' EXIT
  STEPWELL_TEST_POSTGRES="$(./scripts/postgres.sh newdb "$pg_dir" contract)"
  export STEPWELL_TEST_POSTGRES
elif [ "${STEPWELL_REQUIRE_POSTGRES:-0}" = 1 ]; then
  cat target/pg-start.log >&2
  echo "no PostgreSQL server could be started (see above)" >&2
  exit 1
else
  echo "SKIPPED: the PostgreSQL gates (no server could be started: see target/pg-start.log)"
fi

cargo test --workspace --quiet
gates=$((gates + 1))

cargo build --release --quiet -p stepwell
bin=target/release/stepwell

# `stepwell serve` driven by the AWS CLI and boto3 (scripts/server-e2e.sh),
# then kill -9 mid-flight and compare every history (scripts/crash-test.sh).
STEPWELL_BIN="$PWD/$bin" ./scripts/server-e2e.sh
gates=$((gates + 1))
# Again with every quiet execution parked at once (`--park-after 0`), so
# each input the tests send may find its execution only in the store.
STEPWELL_E2E_PARK_AFTER=0 STEPWELL_BIN="$PWD/$bin" ./scripts/server-e2e.sh
gates=$((gates + 1))
STEPWELL_BIN="$PWD/$bin" ./scripts/crash-test.sh
gates=$((gates + 1))
# Two servers sharing the database; each crash kills one, the other takes
# over. Quiet executions are parked at once here, so crashes, recovery and
# take-over meet executions that are only in the store.
STEPWELL_E2E_PARK_AFTER=0 STEPWELL_BIN="$PWD/$bin" ./scripts/crash-test.sh --nodes 2
gates=$((gates + 1))
if [ "$pg" = 1 ]; then
  # The same end-to-end suite on the PostgreSQL store (the multi-node tests
  # with a database of their own), and the crash test killing a server
  # whose store is PostgreSQL.
  STEPWELL_E2E_DB="$(./scripts/postgres.sh newdb "$pg_dir" e2e)" \
    STEPWELL_E2E_CLUSTER_DB="$(./scripts/postgres.sh newdb "$pg_dir" cluster)" \
    STEPWELL_BIN="$PWD/$bin" ./scripts/server-e2e.sh
  gates=$((gates + 1))
  STEPWELL_BIN="$PWD/$bin" ./scripts/crash-test.sh \
    --crash-db "$(./scripts/postgres.sh newdb "$pg_dir" crash)"
  gates=$((gates + 1))
  STEPWELL_BIN="$PWD/$bin" ./scripts/crash-test.sh --nodes 2 \
    --crash-db "$(./scripts/postgres.sh newdb "$pg_dir" crash_nodes)"
  gates=$((gates + 1))
fi

# Lambda functions in `stepwell serve`: the four pattern examples and the bad
# handlers on real Python and Node runtimes (scripts/lambda-e2e.sh; needs
# node, and boto3 + the AWS CLI from PyPI in target/e2e-venv).
STEPWELL_BIN="$PWD/$bin" ./scripts/lambda-e2e.sh
gates=$((gates + 1))

# The web console in headless Chromium, signing in against a server that
# verifies SigV4 too (scripts/console-e2e.sh; installs Debian's chromium with
# apt-get and playwright-core from npm when missing, and fails if it cannot).
STEPWELL_BIN="$PWD/$bin" ./scripts/console-e2e.sh
gates=$((gates + 1))

if [ -d "$shared/conformance/cases" ]; then
  python3 "$shared/conformance/run.py" --bin "$bin" --quiet \
    --expect-failures conformance/expected-failures.txt
  gates=$((gates + 1))
  # The same cases' event types against the ones AWS recorded.
  python3 scripts/history-check.py --bin "$bin" \
    --expect-mismatches conformance/history-expected-mismatches.txt
  gates=$((gates + 1))
  # The same cases' outputs: their keys in the order AWS recorded.
  python3 scripts/key-order-check.py --bin "$bin"
  gates=$((gates + 1))
else
  echo "SKIPPED: conformance gate ($shared/conformance not found; it needs the shared material beside the repo)"
fi

if [ -f "$shared/jsonata/cases.jsonl" ]; then
  python3 "$shared/jsonata/run.py" --bin "$bin" --quiet \
    --expect-failures conformance/jsonata-expected-failures.txt
  gates=$((gates + 1))
else
  echo "SKIPPED: JSONata gate ($shared/jsonata not found; it needs the shared material beside the repo)"
fi

# JSONata against jsonata-js 2.0.6, the version AWS runs, on 3,000 generated
# expressions (scripts/jsonata-differential.py; installs jsonata-js from npm
# into target/jsonata-js): answers must agree (value, or error code and
# message) at least as often as they did when this figure was recorded.
python3 scripts/jsonata-differential.py --seed 1 --cases 3000 --at-least 2990 --show 5
gates=$((gates + 1))

echo "stepwell gates: $gates passed, 0 failed"
