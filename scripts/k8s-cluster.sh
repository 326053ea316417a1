#!/usr/bin/env bash
# A test Kubernetes cluster on the local Docker engine (test/k8s): embedded etcd,
# kube-apiserver, kube-controller-manager and a virtual-kubelet node whose pods
# are Docker containers.
#
#   scripts/k8s-cluster.sh build        build once per source (cached), print the binary's path
#   scripts/k8s-cluster.sh start DIR    start it in the background; print DIR/kubeconfig once ready
#   scripts/k8s-cluster.sh stop DIR     stop it (its pods' containers and volumes are removed)
#   scripts/k8s-cluster.sh test         go vet and go test test/k8s (its smoke test starts a cluster)
#
# The binary is cached in ${PARATEST_K8S_CACHE:-~/.cache/jenkins-paratest/k8s}/<hash>/,
# <hash> covering test/k8s's go.mod, go.sum, non-test sources and the Go version;
# the Go build cache makes a rebuild after a source change take about a minute.
# start waits ${PARATEST_K8S_START_TIMEOUT:-300} s. DIR gets pid, kubeconfig,
# stdout, stderr (the cluster's log) and state/ (etcd, certificates, component logs).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
mod=$root/test/k8s
# What `kubectl version` and discovery report; without it the server says v0.0.0-master.
# Only the link reads -X, so these builds share compiled packages with `go test`.
ldflags="-X k8s.io/component-base/version.gitVersion=v1.37.2 -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=37 -X k8s.io/component-base/version.gitTreeState=clean"

build() {
  local key cache bin
  key=$(cd "$mod" && {
    go version
    echo "$ldflags"
    find . -name '*.go' ! -name '*_test.go' -o -name go.mod -o -name go.sum | LC_ALL=C sort | xargs sha256sum
  } | sha256sum | cut -c1-16)
  cache=${PARATEST_K8S_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jenkins-paratest/k8s}
  bin=$cache/$key/paratest-k8s
  mkdir -p "$cache/$key"
  # One build at a time per key: a second caller waits for the first's result
  # instead of compiling the same 2,000 packages beside it.
  exec 9>"$cache/$key/.lock"
  flock 9
  if [ ! -x "$bin" ]; then
    echo "k8s-cluster: building $bin (with an empty Go build cache: 6–12 minutes on 2 cores)" >&2
    (cd "$mod" && go build -ldflags "$ldflags" -o "$bin.tmp" ./cmd/paratest-k8s)
    mv "$bin.tmp" "$bin"
    # Keep the three newest builds.
    ls -1dt "$cache"/*/ 2>/dev/null | tail -n +4 | xargs -r rm -rf
  fi
  exec 9>&-
  echo "$bin"
}

# running PID: the process exists and is no zombie. The cluster runs detached;
# where PID 1 does not reap, one that ended stays a zombie, which kill -0 still finds.
running() {
  local stat
  stat=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ $stat != Z* ]]
}

start() {
  local dir=$1 bin pid timeout
  bin=$(build)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ -f "$dir/pid" ] && running "$(cat "$dir/pid")"; then
    echo "k8s-cluster: already running in $dir (pid $(cat "$dir/pid"))" >&2
    echo "$dir/kubeconfig"
    return 0
  fi
  rm -rf "$dir/stdout" "$dir/stderr" "$dir/kubeconfig" "$dir/state"
  setsid "$bin" --kubeconfig "$dir/kubeconfig" --dir "$dir/state" >"$dir/stdout" 2>"$dir/stderr" </dev/null &
  pid=$!
  echo "$pid" >"$dir/pid"
  timeout=${PARATEST_K8S_START_TIMEOUT:-300}
  for ((i = 0; i < timeout * 5; i++)); do
    if grep -q '^ready ' "$dir/stdout" 2>/dev/null; then
      echo "k8s-cluster: $(grep '^ready ' "$dir/stdout")" >&2
      echo "$dir/kubeconfig"
      return 0
    fi
    if ! running "$pid"; then
      echo "k8s-cluster: exited before ready; its log:" >&2
      tail -n 40 "$dir/stderr" >&2
      return 1
    fi
    sleep 0.2
  done
  echo "k8s-cluster: not ready after ${timeout}s; stopping it. Its log:" >&2
  tail -n 40 "$dir/stderr" >&2
  stop "$dir"
  return 1
}

stop() {
  local dir=$1 pid
  [ -f "$dir/pid" ] || return 0
  pid=$(cat "$dir/pid")
  if running "$pid" && kill -TERM "$pid" 2>/dev/null; then
    for _ in $(seq 300); do running "$pid" || break; sleep 0.2; done
    if running "$pid"; then
      echo "k8s-cluster: pid $pid still running 60 s after SIGTERM; killing it (its containers stay until the next start)" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$dir/pid"
}

case ${1:-} in
  build) build ;;
  test) cd "$mod" && go vet ./... && go test -ldflags "$ldflags" -count=1 ./... ;;
  start) [ $# -eq 2 ] || { echo "usage: $0 start DIR" >&2; exit 2; }; start "$2" ;;
  stop) [ $# -eq 2 ] || { echo "usage: $0 stop DIR" >&2; exit 2; }; stop "$2" ;;
  *) echo "usage: $0 build | start DIR | stop DIR | test" >&2; exit 2 ;;
esac
