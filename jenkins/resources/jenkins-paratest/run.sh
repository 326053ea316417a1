#!/bin/sh
# The `sh` script of the paratest step (vars/paratest.groovy): runs jenkins-paratest
# once (`run`, or `check` for the step's "check hosts"). The step passes every
# value through the environment and never through this text, so no user value is
# ever parsed by a shell or by Groovy:
#
#   JENKINS_PARATEST_ARGC, JENKINS_PARATEST_ARG_1 … _N   the command line, verbatim
#   JENKINS_PARATEST_STDERR   the file the binary's stderr is collected in
#   JENKINS_PARATEST_HOME     optional: the directory holding jenkins-paratest (or
#                             bin/jenkins-paratest), used before PATH; a pinned
#                             download or a tool installation sets it, and unlike
#                             a PATH+ entry it reaches docker.inside containers
#   JENKINS_PARATEST_OUT      `run` only: the output directory, relative to the
#                             workspace
#   JENKINS_PARATEST_FAILURES, JENKINS_PARATEST_FAILURE_STEPS,
#   JENKINS_PARATEST_WORKER_LOGS
#                             `run` only: a directory for the failed tests' output
#                             (at most FAILURE_STEPS of them) and, when
#                             WORKER_LOGS is 1, the tails of their workers' logs,
#                             listed in its file index for the step to show
#
# After a run, $JENKINS_PARATEST_STDERR.fresh exists when the binary emptied the
# output directory for this run (it writes OUT/.paratest-manifest then): only then
# does OUT hold this run's reports, and only then does the step publish them. The
# reports of an earlier build stay where they are until then, so the binary can
# read them as timing history (history: paratest-out/junit/*.xml).
#
# Exit status: the binary's (0 passed, 1 tests failed, 2 usage, 3 infrastructure,
# 128+N signal), 127 when jenkins-paratest is not found.
set -u

err=$JENKINS_PARATEST_STDERR
out=${JENKINS_PARATEST_OUT:-}
failures=${JENKINS_PARATEST_FAILURES:-}
mkdir -p "$(dirname "$err")"
rm -f "$err" "$err.fresh"
# Its modification time is when this run started.
: >"$err.started"
if [ -n "$failures" ]; then
  rm -rf "$failures"
fi

# Rebuild the argument list. eval only ever sees the variable names built from the
# counter ("$JENKINS_PARATEST_ARG_3"), never a value.
set --
i=1
while [ "$i" -le "${JENKINS_PARATEST_ARGC:-0}" ]; do
  eval "set -- \"\$@\" \"\$JENKINS_PARATEST_ARG_$i\""
  i=$((i + 1))
done

bin=
home=${JENKINS_PARATEST_HOME:-}
if [ -n "$home" ]; then
  for f in "$home/jenkins-paratest" "$home/bin/jenkins-paratest"; do
    if [ -f "$f" ] && [ -x "$f" ]; then
      bin=$f
      break
    fi
  done
  if [ -z "$bin" ]; then
    echo "jenkins-paratest: not found in JENKINS_PARATEST_HOME=$home: neither $home/jenkins-paratest nor $home/bin/jenkins-paratest is an executable file on this agent (or in this container)" >"$err"
    cat "$err" >&2
    exit 127
  fi
elif command -v jenkins-paratest >/dev/null 2>&1; then
  bin=jenkins-paratest
else
  echo "jenkins-paratest: not found on PATH ($PATH): install it on the agent, or give the paratest step version and sha256, or tool" >"$err"
  cat "$err" >&2
  exit 127
fi

# The command line, each argument quoted for sh, so the log shows what ran.
line='+ jenkins-paratest'
for a do
  line="$line '$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'"
done
printf '%s\n' "$line"

# An abort signals this shell and the binary alike. The binary removes its
# containers and exits on its own; this shell waits for it (a trapped signal runs
# its trap only once the foreground command ended) and then reports as usual.
trap : HUP INT TERM

# stderr goes to a file and is shown once the binary exits: the binary writes at
# most one line there, its error, last. (A pipe through tee would be killed with
# this shell when the build is aborted, and the binary would then die of SIGPIPE
# in the middle of removing its containers.)
"$bin" "$@" 2>"$err"
rc=$?
cat "$err" >&2

manifest=$out/.paratest-manifest
if [ -n "$out" ] && [ -f "$manifest" ] && [ -z "$(find "$err.started" -newer "$manifest")" ]; then
  : >"$err.fresh"
fi

# The failed test cases of the JUnit files, for the step's "paratest: failed …"
# steps. The files are the binary's own (one <testcase> element per test; in XML
# text "<" is always escaped, so every "<testcase", "<failure" or "<error" is a
# tag). For each failed case, up to the limit: its message, the failure text and
# its <system-out>, decoded, the last 64 KiB.
if [ -n "$failures" ] && [ -f "$err.fresh" ] && [ "${JENKINS_PARATEST_FAILURE_STEPS:-0}" -gt 0 ]; then
  mkdir -p "$failures"
  set -- "$out"/junit/*.xml
  if [ -f "$1" ]; then
    awk -v dir="$failures" -v max="$JENKINS_PARATEST_FAILURE_STEPS" '
      function decode(s) {
        gsub(/&lt;/, "<", s); gsub(/&gt;/, ">", s); gsub(/&quot;|&#34;/, "\"", s)
        gsub(/&apos;|&#39;/, "\047", s); gsub(/&#x9;|&#9;/, "\t", s)
        gsub(/&#xA;|&#10;/, "\n", s); gsub(/&#xD;|&#13;/, "", s); gsub(/&amp;/, "\\&", s)
        return s
      }
      function trim(s) {
        sub(/\n+$/, "", s)
        return s
      }
      function attr(tag, name,   m) {
        if (match(tag, " " name "=\"[^\"]*\"")) {
          m = substr(tag, RSTART + length(name) + 3, RLENGTH - length(name) - 4)
          return decode(m)
        }
        return ""
      }
      function element(s, name,   open, start, rest, stop) {
        if (!match(s, "<" name "[ >/]")) return ""
        rest = substr(s, RSTART)
        open = index(rest, ">")
        if (substr(rest, open - 1, 1) == "/") return ""
        rest = substr(rest, open + 1)
        stop = index(rest, "</" name ">")
        return stop ? substr(rest, 1, stop - 1) : rest
      }
      function flush(   open, tag, verdict, body, out, label, file, f, n, rest, text) {
        if (buf == "") return
        open = index(buf, ">")
        tag = substr(buf, 1, open)
        verdict = match(buf, "<failure[ >/]") ? "failure" : (match(buf, "<error[ >/]") ? "error" : "")
        if (verdict != "") {
          failed++
          label = attr(tag, "classname")
          label = (label == "" ? "" : label ".") attr(tag, "name")
          gsub(/[\t\n]/, " ", label)
          if (failed <= max) {
            match(buf, "<" verdict "[ >/][^>]*>")
            body = "message: " attr(substr(buf, RSTART, RLENGTH), "message")
            text = trim(decode(element(buf, verdict)))
            if (text != "") body = body "\n\n" text
            # the testcase'"'"'s own <system-out> is its last one
            out = buf
            f = ""
            while ((n = index(out, "<system-out>")) > 0) {
              f = substr(out, n)
              out = substr(out, n + 12)
            }
            text = f == "" ? "" : trim(decode(element(f, "system-out")))
            if (text != "") body = body "\n\n" text
            if (length(body) > 65536) body = "… (the first " (length(body) - 65536) " characters are left out; see the Tests page)\n" substr(body, length(body) - 65535)
            file = sprintf("%s/test-%03d.txt", dir, failed)
            printf "%s\n", body > file
            close(file)
            printf "test\t%s\t%s\n", label, file > (dir "/index")
            rest = body
            while (match(rest, /\[\[ATTACHMENT\|[^]]*\]\]/)) {
              f = substr(rest, RSTART + 13, RLENGTH - 15)
              if (!(f in seen)) { seen[f] = 1; logs[++nlogs] = f }
              rest = substr(rest, RSTART + RLENGTH)
            }
          }
        }
        buf = ""
      }
      {
        line = $0
        while (line != "") {
          if (!intc) {
            n = index(line, "<testcase")
            if (!n) break
            line = substr(line, n)
            open = index(line, ">")
            if (open && substr(line, open - 1, 1) == "/") { line = substr(line, open + 1); continue }
            intc = 1
            buf = ""
          }
          n = index(line, "</testcase>")
          if (n) { buf = buf substr(line, 1, n - 1); flush(); intc = 0; line = substr(line, n + 11) }
          else { buf = buf line "\n"; line = "" }
        }
      }
      END {
        flush()
        if (failed > max) printf "more\t%d\t-\n", failed - max > (dir "/index")
        for (i = 1; i <= nlogs; i++) printf "%s\n", logs[i] > (dir "/worker-logs")
      }
    ' "$@"
  fi
  # A test's attachment is its worker's log (logs/<host>_<worker>.log) or an
  # excerpt of it (attachments/<host>_<worker>-<n>.txt): the step shows the tail
  # of each worker's log once.
  if [ "${JENKINS_PARATEST_WORKER_LOGS:-0}" = 1 ] && [ -f "$failures/worker-logs" ]; then
    n=0
    : >"$failures/worker-seen"
    while IFS= read -r attachment; do
      name=${attachment##*/}
      case $name in
      *.log) log=$attachment ;;
      *) log=$out/logs/${name%-*}.log ;;
      esac
      if [ -f "$log" ] && ! grep -qxF -- "$log" "$failures/worker-seen"; then
        printf '%s\n' "$log" >>"$failures/worker-seen"
        n=$((n + 1))
        f=$(printf '%s/worker-%03d.txt' "$failures" "$n")
        tail -n 200 "$log" >"$f"
        printf 'worker\t%s\t%s\n' "$(basename "$log" .log)" "$f" >>"$failures/index"
      fi
    done <"$failures/worker-logs"
  fi
fi
exit "$rc"
