#!/usr/bin/env bash
# A deploy to a three-node Docker Swarm against a local deploy of the same app (side by side, one run), and a lost node's
# recovery under load. The cluster is built and removed by the test support (network namespaces, one dockerd each).
# Usage: bench/swarm.sh     (env: ROUNDS=3)
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
out=$(mktemp /tmp/slipway-swarm-bench.XXXXXX)
trap 'rm -f "$out"' EXIT
WITH_TESTS=1 bash "$root/scripts/install.sh" >/dev/null
SLIPWAY_BENCH=1 SLIPWAY_BENCH_OUT="$out" ROUNDS="${ROUNDS:-3}" dotnet test "$root/tests/Slipway.Tests" -c Release --nologo \
  --filter "FullyQualifiedName~SwarmBench" >/dev/null
cat "$out"
