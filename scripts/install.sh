#!/usr/bin/env bash
# Installs what Slipway's local platform needs on a Debian 12 machine, as root, idempotently:
#   - a container engine: Debian's docker.io, dockerd started by hand when systemd is not PID 1
#     (or podman's Docker-compatible service with ENGINE=podman)
#   - the base image localhost/bookworm-python:latest (debootstrap + import), since no registry is reachable
#   - git; with WITH_TESTS=1 Debian's docker-registry (the aws tests push to it), chromium, pebble, podman, and Debian 13's
#     and unstable's dockerd (newer engines, unpacked under /var/cache/slipway/engines); with WITH_BENCH=1 the
#     benchmarks' tools (wrk, hyperfine, haproxy, nginx-light)
# A second run takes about a second. Logs: /var/log/slipway-install/.
set -euo pipefail

ENGINE="${ENGINE:-docker}"
BASE_IMAGE="${BASE_IMAGE:-localhost/bookworm-python:latest}"
BASE_PACKAGES="${BASE_PACKAGES:-python3-flask,gunicorn}"
CACHE_DIR="${CACHE_DIR:-/var/cache/slipway}"
LOG_DIR=/var/log/slipway-install
DOCKER_SOCK=/var/run/docker.sock
PODMAN_SOCK=/run/podman/podman.sock

say() { printf '[install] %s\n' "$*" >&2; }
die() { printf '[install] error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (sudo $0): it installs packages and starts the container engine"
case "$ENGINE" in docker|podman) ;; *) die "ENGINE must be docker or podman (got '$ENGINE')";; esac
mkdir -p "$LOG_DIR" "$CACHE_DIR"

# ---------------------------------------------------------------- packages
pkgs=(debootstrap curl ca-certificates git util-linux)
pkgs+=(gcc libc6-dev)   # the linker of ./slipway's native compile (Native AOT links with the C toolchain)
[ "${WITH_TESTS:-0}" = 1 ] && pkgs+=(docker-registry)   # the image registry the aws tests push to (moto serves none)
[ "${WITH_TESTS:-0}" = 1 ] && pkgs+=(chromium)          # the headless browser the dashboard's tests drive
[ "${WITH_TESTS:-0}" = 1 ] && pkgs+=(pebble)            # the ACME test server (and its mock DNS) edge.tls.acme is tested against
[ "${WITH_TESTS:-0}" = 1 ] && pkgs+=(podman runc)       # podman's Docker-compatible service, an engine the tests run Slipway on
[ "${WITH_TESTS:-0}" = 1 ] && pkgs+=(openssh-server openssh-client)  # test servers' sshd (in namespaces; the system's is never started)
[ "$ENGINE" = docker ] && pkgs+=(docker.io)
[ "$ENGINE" = podman ] && pkgs+=(podman runc)
[ "${WITH_BENCH:-0}" = 1 ] && pkgs+=(wrk hyperfine haproxy nginx-light)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >"$LOG_DIR/apt-update.log" 2>&1 || die "apt-get update failed, see $LOG_DIR/apt-update.log"
  # No package starts a service of its own here (openssh-server would start sshd on port 22): the tests start what they need.
  policy_added=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; policy_added=1; fi
  apt-get install -y -q --no-install-recommends "${missing[@]}" >"$LOG_DIR/apt-install.log" 2>&1 \
    || { [ $policy_added = 1 ] && rm -f /usr/sbin/policy-rc.d; die "apt-get install failed, see $LOG_DIR/apt-install.log"; }
  [ $policy_added = 1 ] && rm -f /usr/sbin/policy-rc.d
fi
command -v docker >/dev/null || [ "$ENGINE" = podman ] || die "no docker CLI after installing docker.io"

ping_sock() { curl -fsS --max-time 3 --unix-socket "$1" http://localhost/_ping 2>/dev/null | grep -q OK; }
wait_sock() { # socket pid seconds
  for ((i = 0; i < $3 * 10; i++)); do
    ping_sock "$1" && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# ---------------------------------------------------------------- engine
if [ "$ENGINE" = docker ]; then
  if ping_sock "$DOCKER_SOCK"; then
    say "docker engine answers on $DOCKER_SOCK"
  else
    if [ ! -f /etc/docker/daemon.json ]; then
      mkdir -p /etc/docker
      cat >/etc/docker/daemon.json <<'JSON'
{
  "storage-driver": "overlay2",
  "insecure-registries": ["127.0.0.1:5000", "localhost:5000"],
  "log-driver": "json-file",
  "log-opts": {"max-size": "10m", "max-file": "3"}
}
JSON
    fi
    # systemd is often not PID 1 in containers and VMs like this one: start dockerd ourselves.
    if [ -f /var/run/docker.pid ] && kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
      die "dockerd (pid $(cat /var/run/docker.pid)) runs but $DOCKER_SOCK does not answer; see $LOG_DIR/dockerd.log"
    fi
    rm -f "$DOCKER_SOCK" /var/run/docker.pid
    say "starting dockerd (log: $LOG_DIR/dockerd.log)"
    setsid nohup /usr/sbin/dockerd --pidfile /var/run/docker.pid >>"$LOG_DIR/dockerd.log" 2>&1 </dev/null &
    if ! wait_sock "$DOCKER_SOCK" $! 60; then
      say "dockerd did not answer with overlay2; retrying with vfs"
      sed -i 's/"overlay2"/"vfs"/' /etc/docker/daemon.json
      rm -f "$DOCKER_SOCK" /var/run/docker.pid
      setsid nohup /usr/sbin/dockerd --pidfile /var/run/docker.pid >>"$LOG_DIR/dockerd.log" 2>&1 </dev/null &
      wait_sock "$DOCKER_SOCK" $! 60 || { tail -n 15 "$LOG_DIR/dockerd.log" >&2; die "dockerd failed to start"; }
    fi
    say "docker engine up"
  fi
  ENGINE_CLI=(docker -H "unix://$DOCKER_SOCK")
else
  # podman on this kind of VM needs runc (crun fails on hybrid cgroups) and rlimits within the hard limits.
  hn=$(ulimit -Hn); [ "$hn" = unlimited ] && hn=65536; [ "$hn" -gt 65536 ] && hn=65536
  mkdir -p /etc/containers /run/podman
  [ -f /etc/containers/containers.conf ] || cat >/etc/containers/containers.conf <<EOF2
[containers]
default_ulimits = ["nofile=${hn}:${hn}", "nproc=4096:4096"]
log_driver = "k8s-file"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF2
  if ! ping_sock "$PODMAN_SOCK"; then
    rm -f "$PODMAN_SOCK"
    setsid nohup podman system service --time=0 "unix://$PODMAN_SOCK" >>"$LOG_DIR/podman.log" 2>&1 </dev/null &
    wait_sock "$PODMAN_SOCK" $! 30 || die "podman service did not answer on $PODMAN_SOCK"
  fi
  say "podman API answers on $PODMAN_SOCK (export DOCKER_HOST=unix://$PODMAN_SOCK)"
  ENGINE_CLI=(podman)
fi

# ---------------------------------------------------------------- base image
if "${ENGINE_CLI[@]}" image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  say "base image $BASE_IMAGE present"
else
  tarball="$CACHE_DIR/bookworm-python-rootfs.tar"
  if [ ! -s "$tarball" ]; then
    mirror=$(grep -rhoE 'https?://[^[:space:]]*/debian/?([[:space:]]|$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
             | awk 'NR==1{print $1}' | sed 's#/$##' || true)
    [ -n "$mirror" ] || die "no Debian mirror in /etc/apt/sources.list*: cannot debootstrap the base image"
    rootfs="$CACHE_DIR/rootfs.tmp"
    rm -rf "$rootfs"
    say "building the base image with debootstrap from $mirror (about a minute; log: $LOG_DIR/debootstrap.log)"
    debootstrap --variant=minbase --include="$BASE_PACKAGES" bookworm "$rootfs" "$mirror" >"$LOG_DIR/debootstrap.log" 2>&1 \
      || { tail -n 20 "$LOG_DIR/debootstrap.log" >&2; die "debootstrap failed"; }
    chroot "$rootfs" python3 -c 'import flask, gunicorn' || die "flask/gunicorn missing from the new rootfs"
    chroot "$rootfs" apt-get clean
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/locale/* "$rootfs"/usr/share/man/* "$rootfs"/tmp/*
    tar --numeric-owner -C "$rootfs" -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
    rm -rf "$rootfs"
  fi
  "${ENGINE_CLI[@]}" import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'ENV LANG=C.UTF-8' -c 'ENV PYTHONUNBUFFERED=1' -c 'CMD ["python3"]' \
    "$tarball" "$BASE_IMAGE" >/dev/null
  say "imported $BASE_IMAGE"
fi

# ---------------------------------------------------------------- newer engines for the tests
# Debian 13's docker.io (26.1) and unstable's (28.5 when this was written), unpacked beside this machine's engine: the tests
# start each dockerd on a socket of its own (unstable's refusing every client below API 1.44, as Docker Engine 29 does).
# Their dockerd needs only glibc 2.34. The machine's own apt state is untouched: a separate sources list and lists directory.
fetch_engine() { # folder suite
  local folder=$1 suite=$2 engines="$CACHE_DIR/engines"
  [ -x "$engines/$folder/usr/sbin/dockerd" ] && return 0
  mkdir -p "$engines/$suite/sources" "$engines/$suite/lists/partial" "$engines/$suite/debs"
  cat >"$engines/$suite/sources/$suite.sources" <<EOF3
Types: deb
URIs: http://deb.debian.org/debian
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF3
  local apt_suite=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$engines/$suite/sources" -o "Dir::State::Lists=$engines/$suite/lists")
  say "fetching Debian $suite's docker.io, an engine the tests run beside this one"
  apt-get "${apt_suite[@]}" update -qq >"$LOG_DIR/apt-$suite.log" 2>&1 || die "apt-get update ($suite) failed, see $LOG_DIR/apt-$suite.log"
  rm -f "$engines/$suite"/debs/docker.io_*.deb
  (cd "$engines/$suite/debs" && apt-get "${apt_suite[@]}" download docker.io >>"$LOG_DIR/apt-$suite.log" 2>&1) \
    || die "apt-get download docker.io ($suite) failed, see $LOG_DIR/apt-$suite.log"
  rm -rf "$engines/$folder.tmp"
  dpkg-deb -x "$engines/$suite"/debs/docker.io_*.deb "$engines/$folder.tmp"
  mv "$engines/$folder.tmp" "$engines/$folder"
  say "engine $folder: $("$engines/$folder/usr/sbin/dockerd" --version)"
}
if [ "${WITH_TESTS:-0}" = 1 ]; then
  fetch_engine docker-unstable sid
  fetch_engine docker-trixie trixie
fi

command -v dotnet >/dev/null || die "the .NET 10 SDK (dotnet) is not on PATH: install it, then run ./slipway"
say "ready"
