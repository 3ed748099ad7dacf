#!/usr/bin/env bash
# End-to-end checks of Lambda functions in `stepwell serve` (issue 5): the
# four pattern examples in examples/lambda/ and the bad-handler cases, on the
# real server (`--functions`, a temporary database, a free port) with real
# Python and Node runtime processes, driven by boto3 and the AWS CLI (pinned,
# from PyPI, in target/e2e-venv; the handlers' Python is the venv's, which
# has boto3 as Lambda's Python runtime does). See tests/lambda_e2e/.
# Needs python3 and node on PATH. Uses target/release/stepwell (built if
# missing; STEPWELL_BIN overrides). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
export STEPWELL_BIN="${STEPWELL_BIN:-$PWD/target/release/stepwell}"
if [ ! -x "$STEPWELL_BIN" ]; then
  cargo build --release --quiet -p stepwell
fi
for tool in python3 node; do
  command -v "$tool" >/dev/null || { echo "lambda-e2e: $tool is not on PATH" >&2; exit 1; }
done
if [ -f scripts/e2e-venv.sh ]; then
  # shellcheck source=scripts/e2e-venv.sh
  . scripts/e2e-venv.sh
else
  # The same venv and pins as the server's end-to-end checks.
  E2E_VENV="${E2E_VENV:-target/e2e-venv}"
  E2E_PINS="awscli==1.45.11 boto3==1.43.11 botocore==1.43.11 pytest==8.3.4"
  if [ ! -x "$E2E_VENV/bin/python" ] || [ "$(cat "$E2E_VENV/.pins" 2>/dev/null)" != "$E2E_PINS" ]; then
    echo "lambda-e2e: installing $E2E_PINS into $E2E_VENV"
    rm -rf "$E2E_VENV"
    python3 -m venv "$E2E_VENV"
    # shellcheck disable=SC2086
    "$E2E_VENV/bin/pip" install --quiet --disable-pip-version-check $E2E_PINS
    echo "$E2E_PINS" > "$E2E_VENV/.pins"
  fi
  E2E_PY="$E2E_VENV/bin/python"
  PATH="$PWD/$E2E_VENV/bin:$PATH"
  export PATH
fi
exec "$E2E_PY" -m pytest tests/lambda_e2e -q -p no:cacheprovider -o console_output_style=classic "$@"
