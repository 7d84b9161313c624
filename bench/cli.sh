#!/usr/bin/env bash
# CLI wall times with hyperfine: start-up (--help) and a no-op `up` of an app that already serves.
# Usage: bench/cli.sh     (env: RUNS=20 PORT=18090)
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
RUNS=${RUNS:-20}; PORT=${PORT:-18090}
command -v hyperfine >/dev/null || { echo "hyperfine is missing: WITH_BENCH=1 scripts/install.sh" >&2; exit 2; }
work=$(mktemp -d /tmp/slipway-cli-bench.XXXXXX)
export SLIPWAY_STATE_DIR="$work/state" NO_COLOR=1
manifest="$work/slipway.yaml"
cleanup() { "$root/slipway" destroy -f "$manifest" --yes >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/repo"; cp -r "$root/examples/hello-flask/app/." "$work/repo/"; cp "$root/examples/hello-flask/Dockerfile" "$work/"
git -C "$work/repo" init -q -b main && git -C "$work/repo" add -A && git -C "$work/repo" -c user.email=b@b -c user.name=b commit -qm v1
printf 'app: bench-cli\nsource: { path: ./repo }\nhealthCheck: { path: /healthz, interval: 500ms }\nedge: { port: %s }\n' "$PORT" >"$manifest"
"$root/slipway" up -f "$manifest" >/dev/null 2>&1
bin=$(ls -1dt "$root"/.build/cli-*/slipway | head -n1)
hyperfine -N --warmup 2 --runs "$RUNS" --export-markdown "$work/cli.md" \
  -n "slipway --help" "$bin --help" \
  -n "slipway up (no-op)" "$bin up -f $manifest" \
  -n "./slipway --help (launcher: source hash + exec)" "$root/slipway --help" >/dev/null
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB"
cat "$work/cli.md"
