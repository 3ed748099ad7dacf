#!/usr/bin/env bash
# Browser end-to-end test of the web console, in a real headless Chromium.
#
# Starts `stepwell serve` on a free loopback port with a temporary database,
# creates state machines through the API, then drives the console with
# playwright-core: start an execution, watch states turn green, answer a task
# token from the page, open a failed state and read its error, stop and
# redrive an execution, look at a 60-state graph, a Map's iterations, a
# state's variables and data flow, nested and EXPRESS child executions,
# versions and aliases, quick navigation; then, against a second `stepwell
# serve` that verifies SigV4 (--access-key), sign in from the page and work
# signed (the API calls and the execution stream).
# Screenshots go to target/console-screenshots/.
#
# Each main page (the state machines, a state machine, an execution in its
# graph, table and event views, a Map Run) is checked with axe-core: any
# violation of impact serious or critical fails the test.
#
# Installs what it needs when missing: Debian's chromium (apt-get, as root;
# the script fails if it cannot), playwright-core and axe-core (npm, at the
# versions pinned below, into target/console-e2e/, which git ignores).
#
#   scripts/console-e2e.sh                # builds target/debug/stepwell first
#   STEPWELL_BIN=path/to/stepwell scripts/console-e2e.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PLAYWRIGHT_VERSION=1.65.1
# axe-core checks each main page for accessibility violations.
AXE_VERSION=4.14.1

# Debian's chromium (Playwright drives it over CDP: no chromium-driver needed).
# When it cannot be installed, fail loudly: a console test that silently
# skipped would pass CI without having run.
if ! command -v chromium >/dev/null 2>&1; then
  as_root=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      as_root="sudo -n"
    else
      echo "console-e2e: FAILED: chromium is missing; install it with: sudo apt-get install -y chromium" >&2
      exit 1
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "console-e2e: FAILED: chromium is missing and apt-get is not available to install it" >&2
    exit 1
  fi
  echo "console-e2e: installing chromium (apt-get)"
  if ! { $as_root apt-get update -qq && $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; then
    echo "console-e2e: FAILED: apt-get could not install chromium" >&2
    exit 1
  fi
  command -v chromium >/dev/null 2>&1 || { echo "console-e2e: FAILED: chromium still missing after apt-get" >&2; exit 1; }
fi
if ! command -v node >/dev/null 2>&1; then
  echo "console-e2e: node is missing (Node 20 or newer)" >&2
  exit 1
fi

deps=target/console-e2e
installed() { # package version
  [ -f "$deps/node_modules/$1/package.json" ] &&
    [ "$(node -p "require('./$deps/node_modules/$1/package.json').version")" = "$2" ]
}
if ! installed playwright-core "$PLAYWRIGHT_VERSION" || ! installed axe-core "$AXE_VERSION"; then
  echo "console-e2e: installing playwright-core@$PLAYWRIGHT_VERSION and axe-core@$AXE_VERSION into $deps"
  mkdir -p "$deps"
  [ -f "$deps/package.json" ] || echo '{"private": true}' >"$deps/package.json"
  (cd "$deps" && npm install --no-audit --no-fund --silent "playwright-core@$PLAYWRIGHT_VERSION" "axe-core@$AXE_VERSION")
fi

bin="${STEPWELL_BIN:-}"
if [ -z "$bin" ]; then
  cargo build --quiet -p stepwell
  bin=target/debug/stepwell
fi

exec node scripts/console-e2e.mjs --bin "$bin" --deps "$deps" --out target/console-screenshots
