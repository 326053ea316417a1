#!/usr/bin/env bash
# Runs issue 10's benchmarks — P1 makespan against static splits, P2 dispatch
# cost, P3 start to first test, P4 the master alone, P5 real pytest and RSpec
# suites against their runners' own parallelism — each beside its baselines in
# the same run, and prints their table (markdown) at the end. The benchmarks
# (e2e/speed_bench_test.go, internal/runner/master_bench_test.go) write one
# tab-separated row each to $PARATEST_BENCH_TABLE; a part that failed or was
# skipped shows as "not measured". Exits 1 when any benchmark failed.
#
# Usage: bench/speed.sh
#   PARATEST_BENCH_P1_SUM=1000s   P1's total sleep (default 150s)
#   PARATEST_BENCH_P4_BUDGET=10m  how long P4's 100,000-test master may run (default 150s)
set -uo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}

rows=$(mktemp "${TMPDIR:-/tmp}/paratest-bench.XXXXXX")
trap 'rm -f -- "$rows"' EXIT
export PARATEST_BENCH_TABLE=$rows
load() { cut -d' ' -f1-3 /proc/loadavg; }
started=$(date -u +%FT%TZ) load0=$(load)

status=0
# One package at a time (-p 1): two benchmarks at once would slow each other.
$GO test -p 1 -run '^$' -bench '^BenchmarkSpeed' -benchtime 1x -timeout 60m ./e2e/ ./internal/runner/ || status=1
$GO test -run '^$' -bench . -benchtime 3x ./internal/history/ || status=1

echo
echo "## jenkins-paratest speed (issue 10)"
echo
echo "$started to $(date -u +%FT%TZ) on $(nproc) CPUs, load average $load0 at the start, $(load) at the end; $(git describe --tags --always --dirty 2>/dev/null || echo dev)."
echo
echo "| | what | measured | baseline(s) | ratio | target |"
echo "| --- | --- | --- | --- | --- | --- |"
for id in P1 P2 P3 P4 P5; do
	if grep -q "^$id	" "$rows"; then
		awk -F'\t' -v id="$id" '$1 == id {
			line = "|"
			for (i = 1; i <= 6; i++) { c = $i; gsub(/\|/, "\\|", c); line = line " " c " |" }
			print line
		}' "$rows"
	else
		echo "| $id | not measured: its benchmark failed or was skipped (see its output above) | | | | |"
	fi
done
exit $status
