#!/usr/bin/env bash
# Runs every test: unit, integration (real engine, real proxy, real git) and end to end (the real CLI).
# Installs what they need first (container engine, base image), so it works on a fresh machine as root.
# Usage: scripts/test.sh [--fast | --tier TIER[,TIER...]]
#   Each test class carries a tier: unit (pure logic), edge (the edge proxy in process), proof (hostile-input proofs of
#   a thousand tries), engine (a real engine, newer ones and podman too, the real CLI, git), aws (moto), timing (serial:
#   engine restarts, loads, faults), browser (headless chromium), bench (figures for bench/, skipped unless bench/swarm.sh runs them).
#   --fast runs unit and edge (about a minute); no option runs them all.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
filter=()
case "${1:-}" in
  "") ;;
  --fast) filter=(--filter "Tier=unit|Tier=edge") ;;
  --tier) [ -n "${2:-}" ] || { echo "error: --tier needs a tier (unit, edge, proof, engine, aws, timing, browser)" >&2; exit 2; }
          filter=(--filter "$(echo "$2" | sed 's/\([^,]*\)/Tier=\1/g; s/,/|/g')") ;;
  -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "error: unknown option $1" >&2; echo "hint: scripts/test.sh [--fast | --tier TIER[,TIER...]]" >&2; exit 2 ;;
esac
WITH_TESTS=1 bash "$root/scripts/install.sh"
# The aws tests run moto_server, which this machine kind ships under pyenv's Python.
export PATH="$PATH:$HOME/.pyenv/shims"
command -v moto_server >/dev/null || { echo "error: moto_server (moto 5) is not installed" >&2; echo "hint: pip install 'moto[server]'" >&2; exit 1; }
# The end-to-end tests run the program users run: the native build ./slipway makes (once per source state; a minute or two).
# The in-process tiers (unit, edge, proof) start no CLI, so they skip it.
if [ -z "${SLIPWAY_TEST_CLI:-}" ] && ! [[ "${filter[*]:-}" =~ ^--filter\ (Tier=(unit|edge|proof)\|?)+$ ]]; then
  SLIPWAY_TEST_CLI=$(SLIPWAY_LAUNCHER_WHICH=1 "$root/slipway") || { echo "error: building slipway failed" >&2; exit 1; }
  export SLIPWAY_TEST_CLI
fi
results=$(mktemp -d)
# What the tests may leave behind, seen before and after the run: containers and images labelled by Slipway, network
# namespaces and bridges the tests name slw-*, edge containers, and edge processes serving a temporary state directory. Whatever is new after
# the run is a test's leftover, and fails it (a user's own apps, there before, are not the tests').
leftovers() {
  docker ps -aq --filter label=slipway.app 2>/dev/null | sed 's/^/container /'
  docker images -q --filter label=slipway.app 2>/dev/null | sort -u | sed 's/^/image /'
  docker volume ls -q --filter label=slipway.app 2>/dev/null | sed 's/^/volume /'
  docker ps -aq --filter label=slipway.accessory.app 2>/dev/null | sed 's/^/accessory container /'
  docker ps -aq --filter label=slipway.job.app 2>/dev/null | sed 's/^/job container /'
  docker ps -a --filter label=slipway.scheduler --format '{{.Names}}' 2>/dev/null | sed 's/^/scheduler container /'
  docker images -q --filter label=slipway.accessory.app 2>/dev/null | sort -u | sed 's/^/accessory image /'
  ip netns list 2>/dev/null | awk '$1 ~ /^slw-/ {print "netns " $1}'
  ip -o link show 2>/dev/null | awk -F': ' '$2 ~ /^slw/ {sub(/@.*/, "", $2); print "link " $2}'
  docker ps -a --filter label=slipway.edge --format '{{.Names}}' 2>/dev/null | sed 's/^/edge container /'
  { pgrep -af 'slipway-edge serve --dir /tmp/' || true; } | awk '{print "edge pid " $1}'
  true # none of them is an error: an empty list is the good case
}
before=$(leftovers | sort)
set +e
# Each test is printed as it finishes (progress on a long run); a summary per class and the slowest tests follow.
dotnet test "$root/Slipway.slnx" -c Release --nologo --logger "console;verbosity=normal" --logger "trx;LogFileName=tests.trx" \
  --results-directory "$results" "${filter[@]}" 2>&1
status=$?
set -e
# Per class, the slowest tests, and one plain closing line ("tests: N passed, N failed, N skipped") from the run's results.
trx=$(find "$results" -name '*.trx' | head -n 1)
if [ -z "$trx" ] || ! python3 "$root/scripts/test-summary.py" "$trx"; then
  echo "the test run left no results to summarise (see the output above)" >&2
  [ "$status" -ne 0 ] || status=1
fi
rm -rf "$results"
left=$(comm -13 <(echo "$before") <(leftovers | sort) | sed '/^$/d')
if [ -n "$left" ]; then
  echo "error: the tests left these behind:" >&2
  echo "$left" | sed 's/^/  /' >&2
  echo "hint: a test's cleanup (finally, DisposeAsync) missed them; docker rm -f / docker rmi / ip netns del remove them" >&2
  [ "$status" -ne 0 ] || status=1
fi
exit "$status"
