#!/usr/bin/env bash
# End-to-end checks of `stepwell serve` (issue 4): the real server on a free
# port with a temporary database, driven by the real AWS CLI and boto3 (pinned,
# from PyPI, in target/e2e-venv). See tests/e2e/.
# Builds target/release/stepwell first unless STEPWELL_BIN names a binary.
# Extra arguments go to pytest (e.g. -k callbacks, -x).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${STEPWELL_BIN:-}" ]; then
  cargo build --release --quiet -p stepwell
  STEPWELL_BIN="$PWD/target/release/stepwell"
fi
export STEPWELL_BIN
# shellcheck source=scripts/e2e-venv.sh
. scripts/e2e-venv.sh
exec "$E2E_PY" -m pytest tests/e2e -q -p no:cacheprovider -o console_output_style=classic "$@"
