#!/usr/bin/env bash
# Proxy overhead: wrk on loopback against one nginx backend directly, through Slipway's edge proxy and
# through HAProxy configured the same way (HTTP keep-alive to the backend, active health check every 5 s,
# a response header added), measured side by side in one run, ROUNDS rounds interleaved.
# Usage: bench/proxy.sh     (env: DURATION=10 CONNECTIONS=32 ROUNDS=2)
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
DURATION=${DURATION:-10}; CONNECTIONS=${CONNECTIONS:-32}; ROUNDS=${ROUNDS:-2}
for tool in wrk haproxy nginx curl; do command -v $tool >/dev/null || { echo "$tool is missing: WITH_BENCH=1 scripts/install.sh" >&2; exit 2; }; done
work=$(mktemp -d /tmp/slipway-proxy-bench.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
backend=$(free_port); edge=$(free_port); hap=$(free_port)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; sleep 0.5; rm -rf "$work"; }
trap cleanup EXIT

cat >"$work/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx.err;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000;
  server { listen 127.0.0.1:$backend; location / { return 200 "hello from the backend\n"; } }
}
CONF
nginx -c "$work/nginx.conf" & pids+=($!)

cat >"$work/haproxy.cfg" <<CONF
global
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  option http-keep-alive
frontend edge
  bind 127.0.0.1:$hap
  http-response set-header X-Slipway-Version v1
  default_backend app
backend app
  option httpchk GET /
  server a 127.0.0.1:$backend check inter 5s
CONF
haproxy -f "$work/haproxy.cfg" -db >"$work/haproxy.log" 2>&1 & pids+=($!)

DOTNET_gcServer=1 "$root/slipway" edge serve --dir "$work/edge" >"$work/edge.log" 2>&1 & pids+=($!)
for _ in $(seq 1 100); do [ -S "$work/edge/control.sock" ] && break; sleep 0.1; done
curl -fsS --unix-socket "$work/edge/control.sock" -H 'Content-Type: application/json' \
  "http://slipway-edge/_slipway/v1/routes/bench/deploy" -d @- >/dev/null <<JSON
{"version":"v1","port":$edge,"host":null,"targets":[{"id":"nginx","address":"http://127.0.0.1:$backend"}],
 "health":{"path":"/","interval":"00:00:05","timeout":"00:00:02","healthyThreshold":1,"unhealthyThreshold":3},
 "healthTimeout":"00:00:10","drainTimeout":"00:00:01"}
JSON
for port in $backend $edge $hap; do
  for _ in $(seq 1 50); do curl -fs -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
done

run() { # name port round
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "http://127.0.0.1:$2/" >"$work/$1.$3.txt"
  awk -v name="$1" '/Requests\/sec/{rps=$2} $1=="50%"{p50=$2} $1=="99%"{p99=$2} /Non-2xx/{err+=$NF} /Socket errors/{gsub(/[^0-9 ]/," "); for(i=1;i<=NF;i++) err+=$i}
    END{printf "%s %s %s %s %d\n", name, rps, p50, p99, err}' "$work/$1.$3.txt"
}
for round in $(seq 1 "$ROUNDS"); do
  run direct "$backend" "$round"; run slipway-edge "$edge" "$round"; run haproxy "$hap" "$round"
done | tee "$work/results.txt" >/dev/null

edge_rss=$(ps -o rss= -p "$(curl -fsS --unix-socket "$work/edge/control.sock" http://slipway-edge/_slipway/v1/info | python3 -c 'import json,sys; print(json.load(sys.stdin)["processId"])')" | awk '{printf "%.0f", $1/1024}')
echo "machine: $(nproc) cores; wrk -t2 -c$CONNECTIONS -d${DURATION}s; $ROUNDS rounds; nginx backend, 1 worker; edge RSS after the run ${edge_rss} MiB"
awk '{n[$1]++; rps[$1]+=$2; p50[$1]=p50[$1] " " $3; p99[$1]=p99[$1] " " $4; err[$1]+=$5}
  END{direct=rps["direct"]/n["direct"];
      printf "%-14s %12s %10s %20s %20s %8s\n", "path", "req/s (mean)", "vs direct", "p50 per round", "p99 per round", "errors";
      split("direct slipway-edge haproxy", order, " ");
      for (i=1;i<=3;i++){k=order[i]; printf "%-14s %12.0f %9.2fx %20s %20s %8d\n", k, rps[k]/n[k], (rps[k]/n[k])/direct, p50[k], p99[k], err[k]}
      printf "slipway-edge / haproxy throughput: %.2f\n", (rps["slipway-edge"]/n["slipway-edge"])/(rps["haproxy"]/n["haproxy"])}' "$work/results.txt"
