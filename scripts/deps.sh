#!/usr/bin/env bash
# Installs what the tests need and a fresh machine lacks: OpenSSH's sshd (test
# hosts), xmllint (JUnit schema checks), a static busybox (a shell for test images),
# the distribution registry (pull tests), Chromium (the timeline opened headless),
# and a running Docker engine. Only missing parts are installed.
set -euo pipefail

need=()
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v xmllint >/dev/null || need+=(libxml2-utils)
[ -x /bin/busybox ] || need+=(busybox-static)
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v chromium >/dev/null || need+=(chromium)
command -v docker >/dev/null || need+=(docker.io)

if ((${#need[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "deps: missing ${need[*]}; install them (as root: apt-get install ${need[*]})" >&2
    exit 1
  fi
  echo "deps: installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v dockerd >/dev/null; then
    echo "deps: starting dockerd"
    (dockerd >/tmp/dockerd.log 2>&1 &)
    for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  fi
  docker info >/dev/null 2>&1 || { echo "deps: the Docker engine does not answer (docker info)" >&2; exit 1; }
fi
