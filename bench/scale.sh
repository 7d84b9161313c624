#!/usr/bin/env bash
# Scale: APPS apps x 2 replicas behind one edge proxy (one public port, routed by host name), deployed one
# after another, then all redeployed with a new commit; wall time per phase and the edge's memory.
# Usage: bench/scale.sh     (env: APPS=10 PORT=18100)
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
APPS=${APPS:-10}; PORT=${PORT:-18100}
work=$(mktemp -d /tmp/slipway-scale-bench.XXXXXX)
export SLIPWAY_STATE_DIR="$work/state" NO_COLOR=1
cleanup() { for i in $(seq 1 "$APPS"); do "$root/slipway" destroy -f "$work/app$i.yaml" --yes >/dev/null 2>&1 || true; done; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/repo"; cp -r "$root/examples/hello-flask/app/." "$work/repo/"; cp "$root/examples/hello-flask/Dockerfile" "$work/"
commit() { git -C "$work/repo" add -A; git -C "$work/repo" -c user.email=b@b -c user.name=b commit -qm "$1"; }
git -C "$work/repo" init -q -b main; commit v1
for i in $(seq 1 "$APPS"); do
  printf 'app: scale-%s\nsource: { path: ./repo }\nreplicas: 2\nhealthCheck: { path: /healthz, interval: 500ms }\ndrain: 1s\nedge: { port: %s, host: app%s.localhost }\n' \
    "$i" "$PORT" "$i" >"$work/app$i.yaml"
done
edge_rss() { local pid; pid=$(curl -fsS --unix-socket "$SLIPWAY_STATE_DIR/edge/control.sock" http://slipway-edge/_slipway/v1/info \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["processId"])'); ps -o rss= -p "$pid" | awk '{printf "%.0f MiB", $1/1024}'; }
phase() { # name
  local start; start=$(date +%s.%N)
  for i in $(seq 1 "$APPS"); do "$root/slipway" up -f "$work/app$i.yaml" >/dev/null 2>"$work/up.log" || { cat "$work/up.log" >&2; exit 1; }; done
  awk -v a="$start" -v b="$(date +%s.%N)" -v n="$APPS" -v name="$1" 'BEGIN{printf "%-26s %6.1f s (%.2f s per app)", name, b-a, (b-a)/n}'
  echo ", edge RSS $(edge_rss)"
}
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $APPS apps x 2 replicas on one port, routed by host"
phase "deploy (build + rollout)"
served=0; for i in $(seq 1 "$APPS"); do curl -fs -o /dev/null -H "Host: app$i.localhost:$PORT" "http://127.0.0.1:$PORT/" && served=$((served + 1)); done
echo "apps answering 200 through the edge: $served/$APPS"
echo "# touched" >>"$work/repo/app.py"; commit v2
phase "redeploy (new version)"
phase "no-op up of every app"
echo "containers running: $(docker ps -q --filter label=slipway.app | wc -l)"
