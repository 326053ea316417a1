#!/bin/sh
# The `sh` script of the paratest step (vars/paratest.groovy): runs
# jenkins-paratest once. The step passes every value through the environment and
# never through this text, so no user value is ever parsed by a shell or by Groovy:
#
#   JENKINS_PARATEST_ARGC, JENKINS_PARATEST_ARG_1 … _N   the command line, verbatim
#   JENKINS_PARATEST_OUT      the output directory, relative to the workspace
#   JENKINS_PARATEST_STDERR   the file the binary's stderr is collected in
#
# Exit status: the binary's (0 passed, 1 tests failed, 2 usage, 3 infrastructure,
# 128+N signal), 127 when jenkins-paratest is not on PATH.
set -u

err=$JENKINS_PARATEST_STDERR
out=$JENKINS_PARATEST_OUT
mkdir -p "$(dirname "$err")"
rm -f "$err"

# Rebuild the argument list. eval only ever sees the variable names built from the
# counter ("$JENKINS_PARATEST_ARG_3"), never a value.
set --
i=1
while [ "$i" -le "${JENKINS_PARATEST_ARGC:-0}" ]; do
  eval "set -- \"\$@\" \"\$JENKINS_PARATEST_ARG_$i\""
  i=$((i + 1))
done

# The reports of an earlier build in this workspace must not be published as this
# build's when the binary stops before it empties the directory (a usage error).
# Only the names the binary writes are removed.
rm -rf -- "$out/junit" "$out/logs" "$out/summary.md" "$out/summary.json" "$out/flaky.json"

if ! command -v jenkins-paratest >/dev/null 2>&1; then
  echo "jenkins-paratest: not found on PATH ($PATH): install it on the agent, or give the paratest step version and sha256" >"$err"
  cat "$err" >&2
  exit 127
fi

# The command line, each argument quoted for sh, so the log shows what ran.
line='+ jenkins-paratest'
for a do
  line="$line '$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'"
done
printf '%s\n' "$line"

# stderr goes to a file and is shown once the binary exits: the binary writes at
# most one line there, its error, last. (A pipe through tee would be killed with
# this shell when the build is aborted, and the binary would then die of SIGPIPE
# in the middle of removing its containers.)
jenkins-paratest "$@" 2>"$err"
rc=$?
cat "$err" >&2
exit "$rc"
