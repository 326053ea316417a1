#!/bin/sh
# Captures the go test -json streams in gotest/ from the packages in gosrc/.
# Run once from internal/verdict/testdata; the outputs are committed, and the exit
# code printed for each case goes into the table in gotest_test.go.
set -u
out=$(pwd)/gotest
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
cd gosrc

run() { # run NAME COMMAND...: stdout to NAME.json, stderr to NAME.stderr when not empty
	name=$1
	shift
	"$@" >"$out/$name.json" 2>"$out/$name.stderr"
	echo "$name exit $?"
	[ -s "$out/$name.stderr" ] || rm "$out/$name.stderr"
}

run 001-pass go test -json -count=1 -run '^TestAdd$' ./calc
run 002-fail go test -json -count=1 -run '^(TestAdd|TestDiv)$' ./calc
run 003-skip go test -json -count=1 -run '^TestSkipped$' ./calc
run 004-subtests go test -json -count=1 -run '^TestTable$' ./calc
run 005-panic-mid-batch go test -json -count=1 ./crash
run 006-missing go test -json -count=1 -run '^(TestAdd|TestGone)$' ./calc
run 007-parallel go test -json -count=1 -run '^(TestParallelA|TestParallelB|TestAdd)$' ./calc
run 008-timeout go test -json -count=1 -timeout=2s ./hang
run 009-build-failure go test -json -count=1 ./broken
run 010-two-packages go test -json -count=1 -run '^TestAdd$' ./calc ./other

go test -c -o "$bin/calc.test" ./calc
run 011-test2json go tool test2json -p example.com/paratest/calc "$bin/calc.test" -test.v=test2json -test.run '^(TestAdd|TestDiv)$'
run 012-test2json-no-package go tool test2json "$bin/calc.test" -test.v=test2json -test.run '^(TestAdd|TestDiv)$'

# The worker container killed mid-test (docker kill): test2json sees the stream end.
go test -c -o "$bin/hang.test" ./hang
run 013-killed sh -c "( '$bin/hang.test' -test.v=test2json & pid=\$!; sleep 2; kill -9 \$pid; wait \$pid ) | go tool test2json -p example.com/paratest/hang"
