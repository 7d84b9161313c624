#!/usr/bin/env bash
# Proxy overhead: wrk on loopback against one nginx backend directly, through Slipway's edge proxy and
# through HAProxy configured the same way (HTTP keep-alive to the backend, active health check every 5 s,
# a response header added), measured side by side in one run, ROUNDS rounds interleaved.
# Usage: bench/proxy.sh     (env: DURATION=10 CONNECTIONS=32 ROUNDS=3 TLS=0 CLOSE=0 EDGE_B_CONTAINER=0)
# EDGE_B_CONTAINER=1: edge-b is this tree's edge as Slipway runs it, a container of its image (slipway edge image) with
# host networking on the engine, measured beside the same edge as a host process.
# Every proxy, and the load (wrk and nginx), runs in a CPU cgroup of its own with the same weight (cgroup v1 here), as
# containers on a server do: without that, a container's threads share one weight against every host thread's own, and on
# 2 cores the containerised edge starves behind wrk (p99 over a second) for a reason no server has.
# Also the CPU time each proxy spends per request, the edge's warm-up (its first round) apart from its steady state.
# TLS=1: the edge and HAProxy terminate HTTPS (one self-signed ECDSA P-256 certificate, TLS 1.3), wrk speaks https;
# CLOSE=1: every request on a new connection (wrk sends Connection: close), so with TLS=1 a full handshake per request.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
DURATION=${DURATION:-10}; CONNECTIONS=${CONNECTIONS:-32}; ROUNDS=${ROUNDS:-3}; TLS=${TLS:-0}; CLOSE=${CLOSE:-0}
scheme=http; [ "$TLS" = 1 ] && scheme=https
wrk_close=(); [ "$CLOSE" = 1 ] && wrk_close=(-H "Connection: close")
for tool in wrk haproxy nginx curl; do command -v $tool >/dev/null || { echo "$tool is missing: WITH_BENCH=1 scripts/install.sh" >&2; exit 2; }; done
work=$(mktemp -d /tmp/slipway-proxy-bench.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
backend=$(free_port); edge=$(free_port); hap=$(free_port)
pids=()
cgroup=""
if [ -d /sys/fs/cgroup/cpu ] && [ -w /sys/fs/cgroup/cpu ]; then
  cgroup="slipway-bench-$$"
  for group in load edge edge-b haproxy; do mkdir -p "/sys/fs/cgroup/cpu/$cgroup/$group"; done
fi
into() { [ -n "$cgroup" ] && echo "$2" >"/sys/fs/cgroup/cpu/$cgroup/$1/cgroup.procs"; true; } # group pid
# The edges are started in a command substitution (a subshell), so their pids come back as edge_pid and edge_b_pid.
cleanup() {
  for p in "${pids[@]}" "${edge_pid:-0}" "${edge_b_pid:-0}"; do [ "$p" -gt 0 ] 2>/dev/null && { kill "$p" 2>/dev/null || true; }; done
  [ -n "${edge_container:-}" ] && docker rm -f "$edge_container" >/dev/null 2>&1
  sleep 0.5; rm -rf "$work"
  if [ -n "$cgroup" ]; then # ours, and the parents the engine made for the container in its other hierarchies
    for group in /sys/fs/cgroup/*/$cgroup/*/ /sys/fs/cgroup/*/$cgroup/; do rmdir "$group" 2>/dev/null; done
  fi
  true
}
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
nginx -c "$work/nginx.conf" & pids+=($!); into load $!

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
if [ "$TLS" = 1 ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
  cat "$work/cert.pem" "$work/key.pem" >"$work/haproxy.pem"
  sed -i "s#  bind 127.0.0.1:$hap#  bind 127.0.0.1:$hap ssl crt $work/haproxy.pem alpn http/1.1#" "$work/haproxy.cfg"
  tls_json=$(python3 -c 'import json,sys; print(json.dumps({"certificatePem": open(sys.argv[1]).read(), "keyPem": open(sys.argv[2]).read(), "redirectFrom": None}))' "$work/cert.pem" "$work/key.pem")
fi
haproxy -f "$work/haproxy.cfg" -db >"$work/haproxy.log" 2>&1 & pids+=($!); hap_pid=$!; into haproxy $hap_pid

# The runtime settings EdgeLauncher gives the edge it starts.
start_edge() { # dir port command env...
  local dir=$1 port=$2 cmd=$3; shift 3
  if [ "$cmd" = container ]; then
    # As EdgeContainer starts it: host networking, no capability but low ports, the state folder mounted.
    mkdir -p "$dir"; chmod 700 "$dir"
    docker run -d --name "$edge_container" --network host ${cgroup:+--cgroup-parent /$cgroup} ${EDGE_CONTAINER_OPTS:-} --cap-drop ALL --cap-add NET_BIND_SERVICE \
      --security-opt no-new-privileges -v "$dir:/var/lib/slipway-edge" "$edge_image" >/dev/null
  else
    env DOTNET_gcServer=1 DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT=$((2 * $(nproc))) "$@" $cmd serve --dir "$dir" >"$dir.log" 2>&1 & pids+=($!)
    into "$(basename "$dir")" $!
  fi
  for _ in $(seq 1 100); do [ -S "$dir/control.sock" ] && break; sleep 0.1; done
  curl -fsS --unix-socket "$dir/control.sock" -H 'Content-Type: application/json' \
    "http://slipway-edge/_slipway/v1/routes/bench/deploy" -d @- >/dev/null <<JSON
{"version":"v1","port":$port,"host":null,"targets":[{"id":"nginx","address":"http://127.0.0.1:$backend"}],
 "health":{"path":"/","interval":"00:00:05","timeout":"00:00:02","healthyThreshold":1,"unhealthyThreshold":3},
 "healthTimeout":"00:00:10","drainTimeout":"00:00:01","tls":${tls_json:-null}}
JSON
  for _ in $(seq 1 50); do curl -kfs -o /dev/null "$scheme://127.0.0.1:$port/" && break; sleep 0.1; done
  if [ "$cmd" = container ]; then docker inspect -f '{{.State.Pid}}' "$edge_container"; # the edge's pid on this machine
  else curl -fsS --unix-socket "$dir/control.sock" http://slipway-edge/_slipway/v1/info | python3 -c 'import json,sys; print(json.load(sys.stdin)["processId"])'; fi
}
# The edge program of this tree: ./slipway builds it beside the CLI. A build from before the edge was a program of its
# own is run as "<that build>/slipway edge" (EDGE_B_CMD="/tmp/old/slipway edge"): both take "serve --dir DIR".
"$root/slipway" --help >/dev/null
# The edge as its container image carries it (self-contained for linux-x64): the slipway-edge beside the CLI is not runnable.
this_edge="$(ls -1dt "$root"/.build/cli-*/ | head -1)edge-image/linux-x64/slipway-edge"
# A/B in one run: EDGE_B_CMD (another build's edge command) and/or EDGE_B_ENV ("NAME=value ...", runtime settings) start a
# second edge, "edge-b", measured in the same rounds as the first; EDGE_CMD and EDGE_ENV change the first one.
edge_pid=$(start_edge "$work/edge" "$edge" "${EDGE_CMD:-$this_edge}" ${EDGE_ENV:-})
edge_b=0; edge_b_pid=0
if [ "${EDGE_B_CONTAINER:-0}" = 1 ]; then
  edge_image=$("$root/slipway" edge image 2>/dev/null); edge_container="slipway-bench-edge-$$"; EDGE_B_CMD=container
fi
if [ -n "${EDGE_B_CMD:-}${EDGE_B_ENV:-}" ]; then
  edge_b=$(free_port)
  edge_b_pid=$(start_edge "$work/edge-b" "$edge_b" "${EDGE_B_CMD:-$this_edge}" ${EDGE_B_ENV:-})
fi
for _ in $(seq 1 50); do curl -fs -o /dev/null "http://127.0.0.1:$backend/" && break; sleep 0.1; done
for _ in $(seq 1 50); do curl -kfs -o /dev/null "$scheme://127.0.0.1:$hap/" && break; sleep 0.1; done

ticks_per_second=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # user + system time of every thread of the process

run() { # name port round pid-of-the-proxy (0: none)
  local before=0 after=0
  [ "$4" != 0 ] && before=$(cpu_ticks "$4")
  # EDGE_TRACE=FILE: a CPU sampling trace of the edge during its last round (dotnet-trace; inflates that round's CPU).
  if [ -n "${EDGE_TRACE:-}" ] && [ "$1" = slipway-edge ] && [ "$3" = "$ROUNDS" ]; then
    dotnet-trace collect -p "$4" --profile dotnet-sampled-thread-time,gc-collect --duration "00:00:00:$DURATION" -o "$EDGE_TRACE" >/dev/null 2>&1 &
    sleep 1
  fi
  local url="$scheme://127.0.0.1:$2/"; [ "$1" = direct ] && url="http://127.0.0.1:$2/" # the backend itself speaks plain HTTP
  sh -c '[ -n "$1" ] && echo $$ >"$1"; shift; exec "$@"' wrk "${cgroup:+/sys/fs/cgroup/cpu/$cgroup/load/cgroup.procs}" \
    wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "${wrk_close[@]}" "$url" >"$work/$1.$3.txt"
  wait 2>/dev/null || true
  [ "$4" != 0 ] && after=$(cpu_ticks "$4")
  awk -v name="$1" -v round="$3" -v ticks=$((after - before)) -v hz="$ticks_per_second" \
    '/Requests\/sec/{rps=$2} /requests in/{total=$1} $1=="50%"{p50=$2} $1=="99%"{p99=$2} /Non-2xx/{err+=$NF} /Socket errors/{gsub(/[^0-9 ]/," "); for(i=1;i<=NF;i++) err+=$i}
    END{printf "%s %s %s %s %d %d %.1f\n", name, rps, p50, p99, err, round, (total > 0 ? ticks / hz * 1e6 / total : 0)}' "$work/$1.$3.txt"
}
# The edge's first round starts right after it did: its first DURATION seconds are the warm-up (JIT) figure.
for round in $(seq 1 "$ROUNDS"); do
  run slipway-edge "$edge" "$round" "$edge_pid"
  [ "$edge_b" != 0 ] && run edge-b "$edge_b" "$round" "$edge_b_pid"
  run haproxy "$hap" "$round" "$hap_pid"; run direct "$backend" "$round" 0
done | tee "$work/results.txt" >/dev/null

edge_rss=$(ps -o rss= -p "$edge_pid" | awk '{printf "%.0f", $1/1024}')
[ "$edge_b_pid" != 0 ] && edge_rss="$edge_rss (edge-b $(ps -o rss= -p "$edge_b_pid" | awk '{printf "%.0f", $1/1024}'))"
echo "machine: $(nproc) cores; ${cgroup:+each proxy and the load in a CPU cgroup of its own, equal weights; }wrk -t2 -c$CONNECTIONS -d${DURATION}s; $ROUNDS rounds; $scheme$([ "$CLOSE" = 1 ] && echo ", a new connection per request"); nginx backend, 1 worker; edge RSS after the run ${edge_rss} MiB"
echo "CPU per request: the proxy process's user+system time over the run divided by the requests wrk counted; round 1 of the edge is its warm-up"
awk '{n[$1]++; rps[$1]+=$2; p50[$1]=p50[$1] " " $3; p99[$1]=p99[$1] " " $4; err[$1]+=$5; cpu[$1]=cpu[$1] " " $7;
      if ($6 > 1) {steady[$1]+=$7; ns[$1]++} else warm[$1]=$7;
      if ($6 > 1) {srps[$1]+=$2; sn[$1]++}}
  END{direct=rps["direct"]/n["direct"];
      printf "%-14s %12s %10s %20s %20s %8s %24s\n", "path", "req/s (mean)", "vs direct", "p50 per round", "p99 per round", "errors", "CPU us/request per round";
      split("direct slipway-edge edge-b haproxy", order, " ");
      for (i=1;i<=4;i++){k=order[i]; if (!n[k]) continue; printf "%-14s %12.0f %9.2fx %20s %20s %8d %24s\n", k, rps[k]/n[k], (rps[k]/n[k])/direct, p50[k], p99[k], err[k], (k=="direct" ? "-" : cpu[k])}
      printf "slipway-edge / haproxy throughput: %.2f (all rounds), %.2f (rounds 2+)\n", (rps["slipway-edge"]/n["slipway-edge"])/(rps["haproxy"]/n["haproxy"]),
        (sn["haproxy"] ? (srps["slipway-edge"]/sn["slipway-edge"])/(srps["haproxy"]/sn["haproxy"]) : 0);
      if (ns["slipway-edge"] && ns["haproxy"]) {
        es=steady["slipway-edge"]/ns["slipway-edge"]; hs=steady["haproxy"]/ns["haproxy"];
        printf "CPU per request, steady (rounds 2+): edge %.1f us, haproxy %.1f us: %.2fx haproxy\n", es, hs, es/hs;
        printf "CPU per request, edge warm-up (round 1): %.1f us: %.2fx its steady state\n", warm["slipway-edge"], warm["slipway-edge"]/es;
        if (ns["edge-b"]) { bs=steady["edge-b"]/ns["edge-b"];
          printf "edge-b: steady %.1f us (%.2fx haproxy, %.2fx the edge), warm-up %.2fx its steady state, throughput %.2fx the edge (rounds 2+)\n",
            bs, bs/hs, bs/es, warm["edge-b"]/bs, (srps["edge-b"]/sn["edge-b"])/(srps["slipway-edge"]/sn["slipway-edge"]) } }}' "$work/results.txt"
