#!/usr/bin/env bash
# Tests the Jenkins shared library in jenkins/ and the example Jenkinsfiles, without
# a Jenkins server: shell checks of the library's sh scripts, then the Groovy
# harness in jenkins/test (run.groovy). Installs Debian's groovy, dom4j (for the
# port of the JUnit plugin's parsing) and shellcheck when missing, as root. The
# contract tests build the real binary and a busybox image and need Docker; they
# are skipped without it unless PARATEST_REQUIRE_E2E=1. The last line is
# "N passed, N failed"; exits 1 on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; }

need=()
command -v groovy >/dev/null || need+=(groovy)
command -v shellcheck >/dev/null || need+=(shellcheck)
[ -f /usr/share/java/dom4j.jar ] || need+=(libdom4j-java)
if ((${#need[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "test-jenkins: missing ${need[*]}; install them (as root: apt-get install ${need[*]})" >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
  echo "test-jenkins: installing ${need[*]}"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null; }; then
    echo "test-jenkins: apt-get install ${need[*]} failed" >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
fi

# Debian's groovy launcher wants JAVA_HOME or /usr/lib/jvm/default-java, which
# exists only with the default-jre package; derive it from the java on PATH.
if [ -z "${JAVA_HOME:-}" ] || [ ! -x "${JAVA_HOME}/bin/java" ]; then
  if [ ! -x /usr/lib/jvm/default-java/bin/java ] && command -v java >/dev/null; then
    JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
    export JAVA_HOME
  fi
fi

# The library's sh scripts: POSIX sh syntax, and shellcheck clean.
for f in jenkins/resources/jenkins-paratest/*.sh jenkins/test/fixtures/fake-paratest/jenkins-paratest jenkins/test/fixtures/fake-curl/curl jenkins/test/fixtures/fake-uname/uname; do
  if sh -n "$f"; then ok "sh -n $f"; else fail "sh -n $f"; fi
  if shellcheck -s sh "$f"; then ok "shellcheck $f"; else fail "shellcheck $f"; fi
done

# make dist's archives through the library's install.sh (skipped without go).
while IFS= read -r line; do
  case $line in
  "ok   "*) ok "${line#ok   }" ;;
  "FAIL "*) fail "${line#FAIL }" ;;
  *) echo "$line" ;;
  esac
done < <(scripts/test-dist.sh 2>&1)

# The Groovy harness: the step against stub steps and a fake binary, CPS lint,
# the example Jenkinsfiles, the JUnit plugin port, the step on the real binary.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
groovy -cp jenkins/test/stubs:jenkins/test:/usr/share/java/dom4j.jar jenkins/test/run.groovy 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
last=$(tail -n 1 "$log")
if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
  passed=$((passed + BASH_REMATCH[1]))
  failed=$((failed + BASH_REMATCH[2]))
  if [ "$rc" != 0 ] && [ "${BASH_REMATCH[2]}" = 0 ]; then
    fail "groovy exited $rc"
  fi
else
  fail "groovy harness did not finish (exit $rc)"
fi

echo "${passed} passed, ${failed} failed"
[ "$failed" = 0 ]
