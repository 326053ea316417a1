#!/usr/bin/env bash
# Captures what the real pytest of the runner image (scripts/runner-image.sh)
# leaves behind when run.py lists or runs a suite: each case directory gets
# args (the run.py argv after the results file, one a line), exit, stdout,
# stderr and results.jsonl. pytest_test.go reads them.
#
# Usage: internal/suite/testdata/pytest/capture.sh   (from anywhere)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
image=$("$root/scripts/runner-image.sh")
suite="$root/e2e/testdata/pytest-suite"
plugin="$root/internal/suite/plugin/pytest"

# capture NAME DIR WORKDIR PRELUDE MODE ARGS...: runs run.py MODE in DIR (at
# /suite) from WORKDIR after the shell PRELUDE.
capture() {
	local name=$1 dir=$2 workdir=$3 prelude=$4 mode=$5
	shift 5
	local out="$here/$name"
	rm -rf "$out" && mkdir -p "$out"
	printf '%s\n' "$@" >"$out/args"
	set +e
	docker run --rm --network none -v "$dir:/suite:ro" -v "$plugin:/.paratest/pytest:ro" -v "$out:/out" -w "$workdir" \
		"$image" sh -c "$prelude"'
		python3 /.paratest/pytest/run.py "$@" >/out/stdout 2>/out/stderr
		echo $? >/out/exit' sh "$mode" /out/results.jsonl "$@"
	set -e
	# pytest prints its run time and the container's paths: keep the files
	# stable between captures.
	sed -i -E 's/ in [0-9.]+s( \([0-9:]+\))?/ in 0.01s/' "$out/stdout"
	echo "$name: exit $(cat "$out/exit")" >&2
}

ids() { # the listed ids of a case, but those matching $2
	grep '"event": "item"' "$here/$1/results.jsonl" | sed -E 's/.*"id": "(([^"\\]|\\.)*)".*/\1/' |
		python3 -c 'import json,sys; [print(json.loads("\"%s\"" % l.rstrip("\n"))) for l in sys.stdin]' | grep -v -- "${2:-^$}"
}

P=(-p no:cacheprovider)
capture 001-list "$suite" /suite : list "${P[@]}"
capture 002-list-collect-error "$here/suites/collect-error" /suite : list "${P[@]}"
capture 003-list-no-tests "$here/suites/empty" /suite : list "${P[@]}"
capture 015-list-conftest-error "$here/suites/conftest-error" /suite : list "${P[@]}"
capture 004-list-usage "$suite" /suite : list "${P[@]}" --no-such-option
capture 005-list-no-pytest "$suite" /suite 'mv /usr/lib/python3/dist-packages/pytest /usr/lib/python3/dist-packages/_pytest /tmp/;' list "${P[@]}"
mapfile -t all < <(ids 001-list test_crash_here)
capture 006-batch-all "$suite" /suite : run "${P[@]}" -- "${all[@]}"
mapfile -t crash < <(ids 001-list | grep '^tests/test_crash.py::')
capture 007-batch-crash "$suite" /suite : run "${P[@]}" -- "${crash[@]}"
capture 008-batch-double-fail "$here/suites/double-fail" /suite : run "${P[@]}" -- \
	test_double.py::test_call_and_teardown_fail test_double.py::test_after
capture 009-batch-segfault "$here/suites/segfault" /suite : run "${P[@]}" -- \
	test_segv.py::test_first test_segv.py::test_segfault test_segv.py::test_never_reached
capture 010-batch-not-found "$suite" /suite : run "${P[@]}" -- \
	tests/test_outcomes.py::test_passes tests/test_outcomes.py::test_renamed_since
capture 011-list-subdir "$here/suites/subdir" /suite/tests : list "${P[@]}"
capture 012-batch-subdir "$here/suites/subdir" /suite/tests : run "${P[@]}" -- \
	"test_sub.py::test_param[x[1]]" test_sub.py::TestThing::test_method
capture 013-batch-exitfirst "$suite" /suite : run "${P[@]}" -x -- \
	tests/test_outcomes.py::test_passes tests/test_outcomes.py::test_fails_assert tests/test_outcomes.py::test_fails_exception
capture 014-batch-deselected "$suite" /suite : run "${P[@]}" -k "test_passes or test_fails_assert" -- \
	tests/test_outcomes.py::test_passes tests/test_outcomes.py::test_skipif tests/test_outcomes.py::test_fails_assert

# The serial JUnit reports the unit tests hold the verdicts against.
for c in 008-batch-double-fail:double-fail 012-batch-subdir:subdir; do
	docker run --rm --network none -v "$here/suites/${c#*:}:/suite:ro" -v "$here/${c%%:*}:/out" -w /suite "$image" \
		python3 -m pytest -p no:cacheprovider --junitxml=/out/junit.xml >/dev/null || true
done
docker run --rm --network none -v "$suite:/suite:ro" -v "$here/006-batch-all:/out" -w /suite "$image" \
	python3 -m pytest -p no:cacheprovider --junitxml=/out/junit.xml --deselect tests/test_crash.py::test_crash_here >/dev/null || true
