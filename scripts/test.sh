#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine: installs what the tests need, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

# Browser tests drive Debian's Chromium (browsers cannot be downloaded here).
if ! command -v chromium >/dev/null 2>&1; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium fonts-dejavu-core
fi
export CHROMIUM_PATH="${CHROMIUM_PATH:-$(command -v chromium)}"

# Microsoft's botframework-directlinejs, run by Node from the Direct Line tests (Node 20 is on the machine).
(cd Bot.Tests/DirectLineJs && npm ci --no-audit --no-fund --ignore-scripts)

dotnet build Bot.sln -c Release
dotnet run --project Bot.Host -c Release --no-build -- check-content --coverage

results=$(mktemp -d)
status=0
dotnet test Bot.sln -c Release --no-build --logger "trx;LogFileName=tests.trx" --results-directory "$results" || status=$?

# One plain closing line for CI: "N passed, N failed".
summary=$(grep -o '<Counters [^>]*>' "$results"/*.trx 2>/dev/null | head -1)
passed=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$summary")
failed=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$summary")
echo "${passed:-0} passed, ${failed:-0} failed"
exit "$status"
