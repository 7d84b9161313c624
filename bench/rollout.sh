#!/usr/bin/env bash
# Zero-downtime benchmark: wrk sends requests through Slipway's edge proxy (loopback only, bounded by
# DURATION) while ROLLOUTS new versions of the example app are rolled out; then the deploy time with the
# image already built is measured against the floor (engine alone: container start + first HTTP 200).
# Usage: bench/rollout.sh            (env: DURATION=40 ROLLOUTS=3 PORT=18080 CONNECTIONS=16 FLOOR_RUNS=5)
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
DURATION=${DURATION:-40}; ROLLOUTS=${ROLLOUTS:-3}; PORT=${PORT:-18080}; CONNECTIONS=${CONNECTIONS:-16}; FLOOR_RUNS=${FLOOR_RUNS:-5}
command -v wrk >/dev/null || { echo "wrk is missing: WITH_BENCH=1 scripts/install.sh" >&2; exit 2; }
slipway="$root/slipway"
work=$(mktemp -d /tmp/slipway-bench.XXXXXX)
export SLIPWAY_STATE_DIR="$work/state" NO_COLOR=1
app=bench-rollout
manifest="$work/slipway.yaml"
cleanup() { "$slipway" destroy -f "$manifest" --yes >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

# The example app in a repository of its own, so the benchmark can commit new versions.
mkdir -p "$work/repo"
cp -r "$root/examples/hello-flask/app/." "$work/repo/"
cp "$root/examples/hello-flask/Dockerfile" "$work/Dockerfile"
git -C "$work/repo" init -q -b main
commit() { git -C "$work/repo" add -A; git -C "$work/repo" -c user.email=bench@slipway.invalid -c user.name=bench commit -qm "$1"; }
commit v0
cat >"$manifest" <<YAML
app: $app
source: { path: ./repo }
replicas: 2
healthCheck: { path: /healthz, interval: 500ms, timeout: 2s, healthyThreshold: 2, startPeriod: 30s }
drain: 2s
edge: { port: $PORT }
check: { tries: 20, interval: 500ms }
YAML

echo "== initial deploy" >&2
"$slipway" up -f "$manifest" >/dev/null 2>"$work/up0.log" || { cat "$work/up0.log" >&2; exit 1; }

echo "== wrk: ${DURATION}s, $CONNECTIONS connections, $ROLLOUTS rollouts during the run" >&2
wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "http://127.0.0.1:$PORT/" >"$work/wrk.txt" 2>&1 &
wrk_pid=$!
sleep 3
declare -a times
for i in $(seq 1 "$ROLLOUTS"); do
  echo "# rollout $i" >>"$work/repo/app.py"; commit "v$i"
  start=$(date +%s.%N)
  "$slipway" up -f "$manifest" >/dev/null 2>"$work/up$i.log" || { cat "$work/up$i.log" >&2; exit 1; }
  times+=("$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b-a}')")
  grep -E '^✓ (build|deploy)' "$work/up$i.log" | sed 's/^/    /' >&2
  sleep 2
done
wait "$wrk_pid"

requests=$(awk '/requests in/{print $1}' "$work/wrk.txt")
non2xx=$(awk -F': ' '/Non-2xx/{print $2}' "$work/wrk.txt"); non2xx=${non2xx:-0}
socket=$(awk '/Socket errors/{gsub(/[^0-9 ]/," "); s=0; for(i=1;i<=NF;i++) s+=$i; print s}' "$work/wrk.txt"); socket=${socket:-0}
rps=$(awk '/Requests\/sec/{print $2}' "$work/wrk.txt")
p50=$(awk '$1=="50%"{print $2}' "$work/wrk.txt"); p99=$(awk '$1=="99%"{print $2}' "$work/wrk.txt")

echo "== deploy with the image already built (back to the previous version) vs the floor" >&2
"$slipway" rollback -f "$manifest" >/dev/null 2>"$work/rollback.log" || { cat "$work/rollback.log" >&2; exit 1; }
git -C "$work/repo" checkout -q HEAD~1
deploy_stage=$(grep -E '^✓ deploy' "$work/rollback.log" | grep -oE '\(([0-9.]+)(ms|s)\)$' | tr -d '()')
cutover=$(grep -oE 'cut over to [^ ]+ [0-9.]+m?s' "$work/rollback.log" | awk '{print $NF}')
image="slipway/$app:$(git -C "$work/repo" rev-parse --short=7 HEAD)"
floors=()
for _ in $(seq 1 "$FLOOR_RUNS"); do
  start=$(date +%s.%N)
  id=$(docker run -d -p 127.0.0.1::8000 "$image")
  hostport=$(docker port "$id" 8000/tcp | head -n1 | awk -F: '{print $NF}')
  until curl -fs -o /dev/null "http://127.0.0.1:$hostport/healthz"; do sleep 0.02; done
  floors+=("$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b-a}')")
  docker rm -f "$id" >/dev/null
done
floor=$(printf '%s\n' "${floors[@]}" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')

cat <<REPORT
machine:             $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(docker version --format 'docker {{.Server.Version}}' 2>/dev/null)
requests during run: $requests in ${DURATION}s ($rps req/s, p50 $p50, p99 $p99), $ROLLOUTS rollouts
failed requests:     $((non2xx + socket)) (non-2xx: $non2xx, socket errors: $socket)
up (build+deploy):   ${times[*]} s
deploy stage, image already built (slipway rollback): $deploy_stage in all; new version serving 100% after $cutover (2 replicas, healthyThreshold 2 x 500ms)
rollback split by stage: $(grep -E '^✓ ' "$work/rollback.log" | awk '{printf "%s %s  ", $2, $NF}')
floor (engine alone, 1 container, run -> first 200): median ${floor}s of ${floors[*]}
REPORT
