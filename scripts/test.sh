#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine: installs what the tests need, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

# Browser tests drive Debian's Chromium (browsers cannot be downloaded here); the proxy tests run Debian's nginx
# with deploy/nginx/bot.conf in front of the host.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium fonts-dejavu-core)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update
  # The package must not start its own nginx (Debian's default site listens on every interface): the tests start theirs.
  policy=/usr/sbin/policy-rc.d ours=no
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && ours=yes
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" || { [ "$ours" = yes ] && rm -f "$policy"; exit 1; }
  if [ "$ours" = yes ]; then rm -f "$policy"; fi
fi
export PATH="$PATH:/usr/sbin"
export CHROMIUM_PATH="${CHROMIUM_PATH:-$(command -v chromium)}"

# Microsoft's botframework-directlinejs, run by Node from the Direct Line tests (Node 20 is on the machine).
(cd Bot.Tests/DirectLineJs && npm ci --no-audit --no-fund --ignore-scripts)

dotnet build Bot.sln -c Release
dotnet run --project Bot.Host -c Release --no-build -- check-content --coverage

# The storage, operator and crash tests run on PostgreSQL too: a throwaway cluster for this run (fails loudly if it cannot start).
eval "$(bash scripts/postgres.sh start)"
trap 'bash scripts/postgres.sh stop "$BOT_TEST_POSTGRES_DIR"' EXIT

results=$(mktemp -d)
status=0
dotnet test Bot.sln -c Release --no-build --logger "trx;LogFileName=tests.trx" --results-directory "$results" || status=$?

# One plain closing line for CI: "N passed, N failed".
summary=$(grep -o '<Counters [^>]*>' "$results"/*.trx 2>/dev/null | head -1)
passed=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$summary")
failed=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$summary")
echo "${passed:-0} passed, ${failed:-0} failed"
exit "$status"
