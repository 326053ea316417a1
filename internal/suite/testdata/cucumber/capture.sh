#!/bin/sh
# Captures the real cucumber outputs the unit tests read: run from the
# repository root with the runner image's tag as $1 (scripts/runner-image.sh).
# Each case NAME leaves NAME.jsonl (the formatter's stream), NAME.stdout,
# NAME.stderr, NAME.exit and NAME.args (the ids or arguments, one a line).
set -eu
img=$1
here=internal/suite/testdata/cucumber
suite=e2e/testdata/cucumber-suite
run() { # name, cucumber arguments...
	name=$1; shift
	printf '%s\n' "$@" >"$here/$name.args"
	set +e
	mkdir -p "$here/$name.d"
	docker run --rm --network none -e RUBYLIB=/.paratest/cucumber \
		-v "$PWD/internal/suite/plugin/cucumber:/.paratest/cucumber:ro" \
		-v "$PWD/$here/bad.feature:/bad/bad.feature:ro" \
		-v "$PWD/$here/unnamed.feature:/bad/unnamed.feature:ro" \
		-v "$PWD/$suite:/suite:ro" -v "$PWD/$here/$name.d:/out" -w /suite "$img" \
		sh -c '"$@"; echo $? >/out/exit' sh "$@" \
		>"$here/$name.stdout" 2>"$here/$name.stderr"
	set -e
	mv "$here/$name.d/exit" "$here/$name.exit"
	if [ -f "$here/$name.d/out.jsonl" ]; then mv "$here/$name.d/out.jsonl" "$here/$name.jsonl"; fi
	rmdir "$here/$name.d"
}
F="--format Paratest::CucumberFormatter --out /out/out.jsonl"
run list cucumber --dry-run $F
run list-strict cucumber --dry-run $F --strict features/03_statuses.feature
run list-parse-error cucumber --dry-run $F features/01_basics.feature /bad/bad.feature
run list-unnamed cucumber --dry-run $F features/05_order_setup.feature /bad/unnamed.feature
run list-no-profile cucumber --dry-run $F -p nosuch
run batch-crash cucumber $F --format progress \
	features/03_statuses.feature:45 features/03_statuses.feature:48 \
	features/04_crash.feature:3 features/04_crash.feature:6 features/04_crash.feature:9 \
	features/04_crash.feature:13 features/04_crash.feature:17 features/04_crash.feature:20 \
	features/04_crash.feature:26 features/04_crash.feature:27 features/04_crash.feature:28
run batch-statuses cucumber $F --format progress features/03_statuses.feature \
	features/02_outlines.feature:11 features/02_outlines.feature:23 features/02_outlines.feature:36 \
	features/01_basics.feature:39 features/07_slow.feature:3 features/01_basics.feature:2
run batch-strict cucumber $F --format progress --strict features/03_statuses.feature
# The whole suite but the crash, as the serial JUnit run below runs it.
run batch-all cucumber $F --format progress --tags ~@crash
# Killed at 2.6 s, in the 2 s sleep that starts after 1 s of another one.
run batch-timeout timeout -s KILL 2.6 cucumber $F --format progress \
	features/10_order_dependent.feature:9 features/07_slow.feature:3 features/07_slow.feature:9 features/08_bulk.feature:3
# The serial truth: cucumber's own JUnit report of the suite, crash left out.
rm -rf "$here/junit"
mkdir -p "$here/junit"
docker run --rm --network none -v "$PWD/$suite:/suite:ro" -v "$PWD/$here/junit:/junit" -w /suite "$img" \
	cucumber --format junit --out /junit --tags ~@crash >/dev/null || true
