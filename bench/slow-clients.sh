#!/usr/bin/env bash
# Slow clients against the edge: one client address opens CLIENTS connections, each sending a request head that
# announces a 1000-byte body followed by 10 bytes of it, then nothing. Measures the edge's open descriptors and memory
# while they hang on, and how many it has closed after the body's grace period (5 s, then 408). Side by side: the edge
# as configured (at most 256 connections per client address) and, with EDGE_B_CMD, another build (e.g. an older one).
# Traffic goes to loopback only; every loop is bounded.
# Usage: bench/slow-clients.sh     (env: CLIENTS=1500 EDGE_B_CMD=path/to/slipway)
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
CLIENTS=${CLIENTS:-1500}
command -v nginx >/dev/null || { echo "nginx is missing: WITH_BENCH=1 scripts/install.sh" >&2; exit 2; }
work=$(mktemp -d /tmp/slipway-slow-bench.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
backend=$(free_port)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; sleep 0.5; rm -rf "$work"; }
trap cleanup EXIT
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx.err;
events { worker_connections 4096; }
http { access_log off; server { listen 127.0.0.1:$backend; location / { return 200 "ok\n"; } } }
CONF
nginx -c "$work/nginx.conf" & pids+=($!)

measure() { # name command
  local dir="$work/$1" port; port=$(free_port)
  env DOTNET_gcServer=1 $2 serve --dir "$dir" >"$dir.log" 2>&1 & pids+=($!); local pid=$!
  for _ in $(seq 1 100); do [ -S "$dir/control.sock" ] && break; sleep 0.1; done
  curl -fsS --unix-socket "$dir/control.sock" -H 'Content-Type: application/json' "http://slipway-edge/_slipway/v1/routes/bench/deploy" -d @- >/dev/null <<JSON
{"version":"v1","port":$port,"host":null,"targets":[{"id":"nginx","address":"http://127.0.0.1:$backend"}],
 "health":{"path":"/","interval":"00:00:05","timeout":"00:00:02","healthyThreshold":1,"unhealthyThreshold":3},
 "healthTimeout":"00:00:10","drainTimeout":"00:00:01"}
JSON
  for _ in $(seq 1 50); do curl -fs -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
  local fds_idle rss_idle; fds_idle=$(ls /proc/$pid/fd | wc -l); rss_idle=$(ps -o rss= -p $pid | awk '{printf "%.0f", $1/1024}')
  python3 - "$port" "$CLIENTS" "$pid" "$1" "$fds_idle" "$rss_idle" <<'PY'
import socket, sys, time, os
port, count, pid, name, fds_idle, rss_idle = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
head = b"POST /upload HTTP/1.1\r\nHost: bench\r\nContent-Length: 1000\r\n\r\n0123456789"
socks = []
for _ in range(count):
    s = socket.socket(); s.setblocking(True); s.settimeout(5)
    try:
        s.connect(("127.0.0.1", port)); s.sendall(head); socks.append(s)
    except OSError:
        s.close()
time.sleep(2)
def fds(): return len(os.listdir(f"/proc/{pid}/fd"))
def rss(): return int(open(f"/proc/{pid}/status").read().split("VmRSS:")[1].split()[0]) // 1024
def open_now():
    alive = 0
    for s in socks:
        s.setblocking(False)
        try:
            data = s.recv(4096)
            if data == b"": continue
            if b" 408 " in data[:20]: continue
            alive += 1
        except BlockingIOError:
            alive += 1
        except OSError:
            pass
    return alive
peak_fds, peak_rss, held = fds(), rss(), open_now()
time.sleep(8)  # past the body's grace period
after_fds, still = fds(), open_now()
print(f"{name:14s} idle {fds_idle} fds {rss_idle} MiB; {count} slow connections: {held} held by the edge, {peak_fds} fds, {peak_rss} MiB; 10 s later: {still} still open, {after_fds} fds")
for s in socks: s.close()
PY
  kill $pid 2>/dev/null || true
}
echo "machine: $(nproc) cores; $CLIENTS connections from one address, each a head announcing 1000 bytes and 10 of them"
# This tree's edge program; an older build's is EDGE_B_CMD="<build>/slipway edge".
"$root/slipway" --help >/dev/null
measure slipway-edge "$(ls -1dt "$root"/.build/cli-*/ | head -1)edge-image/linux-x64/slipway-edge"
[ -n "${EDGE_B_CMD:-}" ] && measure edge-b "$EDGE_B_CMD"
true
