#!/usr/bin/env bash
# Captures what real rspec and the preset's formatter leave behind, for
# internal/suite/rspec_test.go: one directory per case holding the command's
# argv (one element a line), exitcode, stdout, stderr and result.jsonl (the
# formatter's file; absent when the run left none). The commands are the ones
# the rspec adapter runs.
#
# Usage, from the repository root: internal/suite/testdata/rspec/capture.sh [IMAGE]
# IMAGE defaults to scripts/runner-image.sh's (Debian bookworm's ruby-rspec).
set -euo pipefail

img=${1:-$(scripts/runner-image.sh)}
here=internal/suite/testdata/rspec
fmt=(--require /.paratest/rspec/formatter.rb --format JenkinsParatest::RSpecFormatter --out /tmp/paratest-rspec.jsonl)

# capture CASE WORKDIR ARGV...: WORKDIR is the e2e suite ("suite") or one of
# $here/specs.
capture() {
	local name=$1 dir=$2
	shift 2
	local src=$PWD/e2e/testdata/rspec-suite
	[ "$dir" = suite ] || src=$PWD/$here/specs/$dir
	local out=$here/$name
	rm -rf "$out" && mkdir -p "$out"
	printf '%s\n' "$@" >"$out/argv"
	docker run --rm --network none \
		-v "$src:/suite:ro" -v "$PWD/internal/suite/plugin/rspec:/.paratest/rspec:ro" -v "$PWD/$out:/capture" \
		-w /suite "$img" sh -c '"$@" >/capture/stdout 2>/capture/stderr; echo $? >/capture/exitcode
		if [ -f /tmp/paratest-rspec.jsonl ]; then cp /tmp/paratest-rspec.jsonl /capture/result.jsonl; fi
		chown -R '"$(id -u):$(id -g)"' /capture' sh "$@"
	echo "$name: exit code $(cat "$out/exitcode")" >&2
}

list() { capture "$1" "$2" rspec --dry-run "${fmt[@]}" "${@:3}"; }
batch() { capture "$1" "$2" rspec "${fmt[@]}" --format progress -- "${@:3}"; }

list list-suite suite
list list-load-error load-error
list list-syntax-error syntax-error
list list-empty empty
list list-bad-option suite --bogus-option
list list-kill kill

batch batch-mixed suite \
	'./spec/calculator_spec.rb[1:1:3:5]' './spec/calculator_spec.rb[1:2:9]' \
	'./spec/calculator_spec.rb[1:3:1]' './spec/calculator_spec.rb[1:3:2]' \
	'./spec/errors_spec.rb[1:4]' './spec/errors_spec.rb[1:7:1]' './spec/errors_spec.rb[1:7:3:1]' \
	'./spec/errors_spec.rb[1:8:1]' './spec/errors_spec.rb[1:9:1]' \
	'./spec/pending_spec.rb[1:1]' './spec/pending_spec.rb[1:2]' './spec/pending_spec.rb[1:6]' \
	'./spec/pending_spec.rb[1:10:1]' './spec/strings_spec.rb[1:17]' './spec/strings_spec.rb[1:42]'
batch batch-crash suite \
	'./spec/crash_spec.rb[1:4]' './spec/crash_spec.rb[1:5]' './spec/crash_spec.rb[1:6]' \
	'./spec/crash_spec.rb[1:7]' './spec/crash_spec.rb[1:12]' './spec/matrix_spec.rb[1:1:1]'
batch batch-kill kill './spec/kill_spec.rb[1:1]' './spec/kill_spec.rb[1:2]' './spec/kill_spec.rb[1:3]'
batch batch-hook-exit hook-exit './spec/hook_exit_spec.rb[1:1]' './spec/hook_exit_spec.rb[1:2:1]' './spec/hook_exit_spec.rb[1:2:2]'
batch batch-unknown-id suite './spec/slow_spec.rb[1:4]' './spec/slow_spec.rb[1:99]'
batch batch-load-error load-error './spec/a_ok_spec.rb[1:1]' './spec/broken_spec.rb[1:1]'
batch batch-order-b suite './spec/z_ledger_check_spec.rb[1:1]' './spec/z_ledger_check_spec.rb[1:2]' './spec/z_ledger_check_spec.rb[1:4:1]'
